//! Outcomes back in input order: workitems end in virtual-time order, outcome files list them in the
//! order of the input.

use super::Outcome;
use std::collections::VecDeque;

/// How many places after the next outcome due hold their outcome unboxed.
///
/// An outcome is held while an earlier line's workitem still waits: a few thousand places at most in a
/// replay that keeps up with its arrivals, and those are held in place (no allocation per outcome). The
/// line can also be as long as the input (a million workitems waiting behind the first): further places
/// hold a box, so that an empty place costs 8 bytes, not the size of an outcome.
const NEAR: usize = 4096;

/// Outcomes that ended before an earlier line's, held until it ends.
#[derive(Debug, Default)]
pub struct InputOrder {
    /// Position of `near[0]` in the input.
    next: usize,
    /// Outcomes whose turn has come, not yet handed on.
    ready: Vec<Outcome>,
    /// Places `next ..` (at most [`NEAR`] of them).
    near: VecDeque<Option<Outcome>>,
    /// Places `next + NEAR ..`; only used when `near` is full.
    far: VecDeque<Option<Box<Outcome>>>,
}

impl InputOrder {
    /// The outcome of the input line at `position` (0 for the first line).
    pub fn put(&mut self, position: usize, outcome: Outcome) {
        let offset = position - self.next;
        if offset == 0 {
            self.ready.push(outcome);
            self.advance();
            while let Some(Some(_)) = self.near.front() {
                if let Some(Some(outcome)) = self.near.front_mut().map(Option::take) {
                    self.ready.push(outcome);
                }
                self.advance();
            }
        } else if offset < NEAR {
            if self.near.len() <= offset {
                self.near.resize_with(offset + 1, || None);
            }
            self.near[offset] = Some(outcome);
        } else {
            self.near.resize_with(NEAR, || None);
            let offset = offset - NEAR;
            if self.far.len() <= offset {
                self.far.resize(offset + 1, None);
            }
            self.far[offset] = Some(Box::new(outcome));
        }
    }

    /// The next place's outcome was handed on: every place moves one up.
    fn advance(&mut self) {
        self.next += 1;
        self.near.pop_front();
        if let Some(place) = self.far.pop_front() {
            self.near.push_back(place.map(|outcome| *outcome));
        }
    }

    /// Hand the outcomes whose turn has come to `sink`, in input order, once there are `batch` of them.
    pub fn release_batch(&mut self, batch: usize, sink: &mut dyn FnMut(Outcome)) {
        if self.ready.len() >= batch {
            self.release(sink);
        }
    }

    /// Hand every outcome whose turn has come to `sink`, in input order.
    pub fn release(&mut self, sink: &mut dyn FnMut(Outcome)) {
        for outcome in self.ready.drain(..) {
            sink(outcome);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{InputOrder, NEAR};
    use crate::replay::Outcome;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever order outcomes end in, near or far, they are handed on in input order, each once.
        #[test]
        fn outcomes_come_out_in_input_order(
            order in (1usize..2 * NEAR + 50)
                .prop_flat_map(|n| Just((0..n).collect::<Vec<_>>()).prop_shuffle()),
        ) {
            let mut line = InputOrder::default();
            let mut out = Vec::new();
            for &position in &order {
                line.put(position, Outcome::bad_line(None, position.to_string()));
                line.release(&mut |o| out.push(o.error.unwrap_or_default()));
            }
            let expected: Vec<String> = (0..order.len()).map(|p| p.to_string()).collect();
            prop_assert_eq!(out, expected);
        }
    }
}
