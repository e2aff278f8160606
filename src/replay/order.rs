//! Outcomes back in input order: workitems end in virtual-time order, outcome files list them in the
//! order of the input.

use super::Outcome;
use std::collections::VecDeque;

/// Outcomes that ended before an earlier line's, held until it ends.
#[derive(Debug, Default)]
pub struct InputOrder {
    /// Position of `held[0]` in the input.
    next: usize,
    /// Outcomes whose turn has come, not yet handed on.
    ready: Vec<Outcome>,
    /// From position `next` on: the outcomes that ended early. Boxed, because the line can be as long as
    /// the input (a million workitems waiting behind the first) and an empty place should cost 8 bytes,
    /// not the size of an outcome.
    held: VecDeque<Option<Box<Outcome>>>,
}

impl InputOrder {
    /// The outcome of the input line at `position` (0 for the first line).
    pub fn put(&mut self, position: usize, outcome: Outcome) {
        let offset = position - self.next;
        if offset > 0 {
            if self.held.len() <= offset {
                self.held.resize(offset + 1, None);
            }
            self.held[offset] = Some(Box::new(outcome));
            return;
        }
        // Its turn: no box, and the outcomes held behind it follow.
        self.ready.push(outcome);
        self.next += 1;
        self.held.pop_front();
        while let Some(Some(_)) = self.held.front() {
            if let Some(Some(outcome)) = self.held.pop_front() {
                self.ready.push(*outcome);
                self.next += 1;
            }
        }
    }

    /// Hand every outcome whose turn has come to `sink`, in input order.
    pub fn release(&mut self, sink: &mut dyn FnMut(Outcome)) {
        for outcome in self.ready.drain(..) {
            sink(outcome);
        }
    }
}
