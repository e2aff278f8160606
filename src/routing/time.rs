//! Virtual time as an ordered key.

use std::cmp::Ordering;

/// A point in virtual time, in seconds, totally ordered (so that it can key queues and the event heap).
/// Times in a simulation are never NaN: every one comes from validated input or sums of them.
#[derive(Clone, Copy, Debug, Default)]
pub struct Instant(pub f64);

impl PartialEq for Instant {
    fn eq(&self, other: &Instant) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Instant {}

impl PartialOrd for Instant {
    fn partial_cmp(&self, other: &Instant) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Instant {
    fn cmp(&self, other: &Instant) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}

/// `seconds` to the nearest microsecond. Virtual time has microsecond resolution, so that sums and
/// differences of times print as written (`44.57 + 141.92` is `186.49`, not `186.48999999999998`) and
/// compare equal when they should. Durations read from input are kept exactly.
pub fn microseconds(seconds: f64) -> f64 {
    let rounded = (seconds * 1e6).round() / 1e6;
    if rounded.is_finite() {
        rounded
    } else {
        seconds
    }
}
