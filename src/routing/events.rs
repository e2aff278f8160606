//! The simulation's future events, in the order they happen.

use crate::time::Instant;
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
    /// An offer to an agent expires unanswered (live only; `wait` is the offer's number).
    OfferExpires,
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
    heap: BinaryHeap<Reverse<Packed>>,
}

/// An event in 16 bytes (an `Event` takes 24): its time, then kind, agent or workitem, and wait packed
/// into one word in that order of significance, so that packed events order as events do. A waiting
/// workitem has an event in the heap, so this is part of what waiting costs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Packed {
    at: Instant,
    /// Kind (3 bits), who (32 bits), wait (the low `WAIT_BITS`).
    key: u64,
}

/// Bits kept of a wait count: a workitem makes a request per Route block it enters, and a flow is
/// acyclic, so its waits are counted in thousands at most; the count is compared only for equality.
const WAIT_BITS: u32 = 29;
const WAIT_MASK: u64 = (1 << WAIT_BITS) - 1;

const HAPPENINGS: [Happening; 6] = [
    Happening::ReadyEnds,
    Happening::Done,
    Happening::ReadyStarts,
    Happening::Stop,
    Happening::Timeout,
    Happening::OfferExpires,
];

impl Packed {
    fn new(event: Event) -> Packed {
        let what = event.what as u64;
        Packed {
            at: event.at,
            key: what << (32 + WAIT_BITS)
                | u64::from(event.who) << WAIT_BITS
                | wait_bits(event.wait),
        }
    }

    fn event(self) -> Event {
        let what = (self.key >> (32 + WAIT_BITS)) as usize;
        Event {
            at: self.at,
            what: HAPPENINGS[what.min(HAPPENINGS.len() - 1)],
            who: (self.key >> WAIT_BITS) as u32,
            wait: (self.key & WAIT_MASK) as u32,
        }
    }
}

/// The bits of a wait count an event keeps (see [`WAIT_BITS`]).
pub fn wait_bits(wait: u32) -> u64 {
    u64::from(wait) & WAIT_MASK
}

impl Events {
    /// Schedule `event`.
    pub fn push(&mut self, event: Event) {
        self.heap.push(Reverse(Packed::new(event)));
    }

    /// Make room for `additional` more events without growing: a replay makes room for a wait per
    /// workitem, so that all of them waiting at once does not double the heap past what they need
    /// (room never used is never touched, so it costs no memory).
    pub fn reserve(&mut self, additional: usize) {
        self.heap.reserve_exact(additional);
    }

    /// The next event.
    pub fn peek(&self) -> Option<Event> {
        self.heap.peek().map(|Reverse(packed)| packed.event())
    }

    /// Take the next event.
    pub fn pop(&mut self) -> Option<Event> {
        self.heap.pop().map(|Reverse(packed)| packed.event())
    }
}

#[cfg(test)]
mod tests {
    use super::{Event, HAPPENINGS, Packed, WAIT_MASK};
    use crate::time::Instant;
    use proptest::prelude::*;

    fn event() -> impl Strategy<Value = Event> {
        (
            0u64..1000,
            0usize..HAPPENINGS.len(),
            any::<u32>(),
            0..=WAIT_MASK as u32,
        )
            .prop_map(|(at, what, who, wait)| Event {
                at: Instant::from_seconds(at as f64 / 4.0),
                what: HAPPENINGS[what],
                who,
                wait,
            })
    }

    proptest! {
        /// Packing keeps every field, and packed events order exactly as events do.
        #[test]
        fn packed_events_are_the_events_in_their_order(a in event(), b in event()) {
            prop_assert_eq!(Packed::new(a).event(), a);
            prop_assert_eq!(Packed::new(a).cmp(&Packed::new(b)), a.cmp(&b));
        }
    }

    #[test]
    fn a_packed_event_is_16_bytes() {
        assert_eq!(std::mem::size_of::<Packed>(), 16);
    }
}
