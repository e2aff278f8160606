//! Virtual time: whole microseconds.
//!
//! Every instant and every length of time in a simulation is a whole number of microseconds, so that
//! sums and differences are exact (`arrive_s + wait_s` is `routed_s`, `44.57 + 141.92` prints `186.49`)
//! and two instants the files write alike compare equal. Times are rounded to the microsecond once, when
//! they are read (the readers warn when a file's times are finer, see [`to_resolution`]); a Route
//! timeout a flow computes is rounded when the Route block asks for it. The rules are in
//! `docs/routing.md` ("Virtual time").

/// Microseconds in a second.
const PER_SECOND: f64 = 1e6;

/// The latest time a file or a flow may give, in seconds (about 126 years: a Unix timestamp fits).
/// Sums of two such times stay below 2^33 s, where a double still tells every microsecond apart, so
/// they print exactly; instants past that (a chain of such times) print to the nearest double.
pub const LIMIT_S: f64 = 4e9;

/// Whether `seconds` is a time a file or a flow may give: a number from 0 to [`LIMIT_S`] (a ready
/// interval's end may also be infinity, which its reader allows apart).
pub fn in_range(seconds: f64) -> bool {
    (0.0..=LIMIT_S).contains(&seconds)
}

/// A point in virtual time: microseconds since time 0. [`Instant::NEVER`] is later than any other.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(u64);

/// A length of virtual time, in microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span(u64);

impl Instant {
    /// Time 0, when a simulation starts.
    pub const ZERO: Instant = Instant(0);

    /// An instant that never comes (a workitem with no `stop_s`, a ready interval ending at `.inf`).
    pub const NEVER: Instant = Instant(u64::MAX);

    /// `seconds` after time 0, to the nearest microsecond; infinity (and anything past what a `u64` of
    /// microseconds holds) is [`Instant::NEVER`], and a negative or NaN time is 0 (readers refuse both).
    pub fn from_seconds(seconds: f64) -> Instant {
        Instant(whole_microseconds(seconds))
    }

    /// `micros` microseconds after time 0.
    pub fn from_micros(micros: u64) -> Instant {
        Instant(micros)
    }

    /// Microseconds since time 0.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// This instant in seconds (infinity for [`Instant::NEVER`]).
    pub fn seconds(self) -> f64 {
        if self == Instant::NEVER {
            f64::INFINITY
        } else {
            self.0 as f64 / PER_SECOND
        }
    }

    /// Whether this instant ever comes.
    pub fn comes(self) -> bool {
        self != Instant::NEVER
    }

    /// `span` after this instant ([`Instant::NEVER`] if that is past what an instant holds).
    pub fn after(self, span: Span) -> Instant {
        Instant(self.0.saturating_add(span.0))
    }

    /// The time from `earlier` to this instant (0 if `earlier` is later).
    pub fn since(self, earlier: Instant) -> Span {
        Span(self.0.saturating_sub(earlier.0))
    }
}

impl Span {
    /// `seconds`, to the nearest microsecond (see [`Instant::from_seconds`]).
    pub fn from_seconds(seconds: f64) -> Span {
        Span(whole_microseconds(seconds))
    }

    /// This length in seconds.
    pub fn seconds(self) -> f64 {
        self.0 as f64 / PER_SECOND
    }

    /// This length in microseconds.
    pub fn micros(self) -> u64 {
        self.0
    }
}

/// `seconds` in whole microseconds, rounded to the nearest (ties away from 0), saturating.
fn whole_microseconds(seconds: f64) -> u64 {
    // `as` saturates: NaN and negatives give 0, infinity and huge values u64::MAX.
    let rounded = (seconds * PER_SECOND).round() as u64;
    if rounded as f64 / PER_SECOND == seconds {
        return rounded;
    }
    // Past 2^32 s the product can be off by one from the whole number of microseconds whose double
    // `seconds` is (an instant printed and read back): take the neighbour that gives `seconds` exactly.
    [rounded.wrapping_sub(1), rounded.saturating_add(1)]
        .into_iter()
        .find(|&near| near as f64 / PER_SECOND == seconds)
        .unwrap_or(rounded)
}

/// `seconds` rounded to the resolution of virtual time, the microsecond: what a reader keeps of a time
/// it reads (it warns when this differs from what the file wrote). A time of at most [`LIMIT_S`] is
/// rounded exactly: the result is the double nearest to a whole number of microseconds, and prints with
/// at most six decimals. Infinity is kept.
pub fn to_resolution(seconds: f64) -> f64 {
    if (0.0..=LIMIT_S * 2.0).contains(&seconds) {
        Instant::from_seconds(seconds).seconds()
    } else {
        // Outside what readers accept (they refuse it): rounded all the same, or kept if infinite.
        let rounded = (seconds * PER_SECOND).round() / PER_SECOND;
        if rounded.is_finite() {
            rounded + 0.0
        } else {
            seconds
        }
    }
}

/// The time from `from_s` to `to_s`, both instants of a simulation in seconds: exact, as both are whole
/// microseconds (a workitem's `wait_s`).
pub fn elapsed_s(from_s: f64, to_s: f64) -> f64 {
    Instant::from_seconds(to_s)
        .since(Instant::from_seconds(from_s))
        .seconds()
}

/// Whether a time read from a file is finer than the microsecond (it is then rounded, with a warning).
pub fn is_finer(seconds: f64) -> bool {
    seconds.is_finite() && to_resolution(seconds) != seconds
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn times_round_to_the_microsecond() {
        assert_eq!(to_resolution(100.000_000_4), 100.0);
        assert_eq!(to_resolution(50.000_000_3), 50.0);
        assert_eq!(to_resolution(0.000_000_6), 0.000_001);
        assert_eq!(to_resolution(f64::INFINITY), f64::INFINITY);
        assert!(is_finer(0.000_000_1));
        assert!(!is_finer(44.57));
        assert!(!is_finer(f64::INFINITY));
        assert_eq!(Instant::from_seconds(0.000_000_6), Instant(1));
        assert_eq!(Instant::from_seconds(f64::INFINITY), Instant::NEVER);
        assert_eq!(Instant::NEVER.seconds(), f64::INFINITY);
        assert_eq!(Instant(3).after(Span(u64::MAX)), Instant::NEVER);
    }

    #[test]
    fn sums_print_as_written() {
        let routed = Instant::from_seconds(44.57).after(Span::from_seconds(141.92));
        assert_eq!(routed.seconds().to_string(), "186.49");
        let wait = Instant::from_seconds(170.0).since(Instant::from_seconds(50.0));
        assert_eq!(wait.seconds(), 120.0);
    }

    proptest! {
        /// Any time with at most six decimals, up to the limit, is read as written (no warning), and
        /// converts to an instant and back unchanged.
        #[test]
        fn six_decimals_are_exact(micros in 0u64..=4_000_000_000_000_000) {
            let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
            let seconds: f64 = text.parse().unwrap();
            prop_assert!(!is_finer(seconds), "{text}");
            prop_assert_eq!(Instant::from_seconds(seconds), Instant(micros));
            prop_assert_eq!(Instant(micros).seconds(), seconds);
        }

        /// Sums and differences of such times are the times their decimal sums and differences write.
        #[test]
        fn sums_and_differences_are_exact(
            a in 0u64..=4_000_000_000_000_000,
            b in 0u64..=4_000_000_000_000_000,
        ) {
            let (a, b) = (Instant(a), Span(b));
            let sum = a.after(b);
            prop_assert_eq!(Instant::from_seconds(sum.seconds()), sum);
            prop_assert_eq!(sum.since(a), b);
            prop_assert_eq!(Span::from_seconds(sum.since(a).seconds()), b);
        }
    }
}
