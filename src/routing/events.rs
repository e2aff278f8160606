//! The simulation's future events, in the order they happen.

use super::time::Instant;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// What happens, in the order events of the same instant are handled: an agent whose ready interval
/// ends cannot take work at that instant; capacity that frees, and agents that become ready, take
/// waiting workitems before those workitems' stop or timeout at the same instant (a wait of exactly the
/// timeout still routes). Arrivals, kept outside the heap, come last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Happening {
    /// An agent's ready interval ends.
    ReadyEnds,
    /// An agent is done with a workitem.
    Done,
    /// An agent's ready interval starts.
    ReadyStarts,
    /// A waiting workitem's `stop_s` comes.
    Stop,
    /// A waiting workitem's Route timeout passes.
    Timeout,
}

/// One event. Agent events are keyed by agent index, workitem events by workitem number; `wait` tells a
/// workitem's current wait from earlier ones, whose events are dropped when they come up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Event {
    /// When.
    pub at: Instant,
    /// What.
    pub what: Happening,
    /// Whose: the agent index or the workitem number.
    pub who: u32,
    /// Which wait of the workitem (0 for agent events).
    pub wait: u32,
}

/// Events by time, then kind, then agent or workitem order: the same inputs always give the same order.
#[derive(Debug, Default)]
pub struct Events {
    heap: BinaryHeap<Reverse<Event>>,
}

impl Events {
    /// Schedule `event`.
    pub fn push(&mut self, event: Event) {
        self.heap.push(Reverse(event));
    }

    /// Make room for `additional` more events without growing: a replay makes room for a wait per
    /// workitem, so that all of them waiting at once does not double the heap past what they need
    /// (room never used is never touched, so it costs no memory).
    pub fn reserve(&mut self, additional: usize) {
        self.heap.reserve_exact(additional);
    }

    /// The next event.
    pub fn peek(&self) -> Option<&Event> {
        self.heap.peek().map(|Reverse(event)| event)
    }

    /// Take the next event.
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop().map(|Reverse(event)| event)
    }
}
