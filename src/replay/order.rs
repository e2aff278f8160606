//! Outcomes back in input order: workitems end in virtual-time order, outcome files list them in the
//! order of the input.

use super::Outcome;
use std::collections::VecDeque;

/// Outcomes that ended before an earlier line's, held until it ends.
#[derive(Debug, Default)]
pub struct InputOrder {
    /// Position of `held[0]` in the input.
    next: usize,
    held: VecDeque<Option<Outcome>>,
}

impl InputOrder {
    /// The outcome of the input line at `position` (0 for the first line).
    pub fn put(&mut self, position: usize, outcome: Outcome) {
        let offset = position - self.next;
        if self.held.len() <= offset {
            self.held.resize(offset + 1, None);
        }
        self.held[offset] = Some(outcome);
    }

    /// Hand every outcome whose turn has come to `sink`, in input order.
    pub fn release(&mut self, sink: &mut dyn FnMut(Outcome)) {
        while let Some(Some(_)) = self.held.front() {
            if let Some(Some(outcome)) = self.held.pop_front() {
                self.next += 1;
                sink(outcome);
            }
        }
    }
}
