//! Arrival times by hour of day: a Poisson process whose rate follows a 24-hour profile, repeated every
//! day.
//!
//! The process is drawn in its own clock, the expected number of arrivals so far Λ(t): gaps there are
//! exponential with mean 1, and each point is mapped back to seconds through Λ⁻¹, which is linear within
//! each hour. A flat profile gives the plain Poisson process of the sample's generator.

use crate::workload::random::Random;
use rand_distr::Exp1;

const HOUR_S: f64 = 3600.0;
const DAY_S: f64 = 86_400.0;

/// Arrival rates by hour of day, scaled to a number of arrivals per hour.
#[derive(Clone, Debug)]
pub(super) struct Profile {
    /// Expected arrivals in each hour of the day.
    per_hour: [f64; 24],
    /// `cumulative[h]`: expected arrivals from midnight to the start of hour `h` (25 entries).
    cumulative: [f64; 25],
}

impl Profile {
    /// `weights` (24 relative rates, at least one positive) scaled so that a day brings `per_day`
    /// arrivals on average.
    pub(super) fn new(weights: &[f64; 24], per_day: f64) -> Profile {
        let total: f64 = weights.iter().sum();
        let mut per_hour = [0.0; 24];
        let mut cumulative = [0.0; 25];
        for h in 0..24 {
            per_hour[h] = weights[h] / total * per_day;
            cumulative[h + 1] = cumulative[h] + per_hour[h];
        }
        Profile {
            per_hour,
            cumulative,
        }
    }

    /// Expected arrivals in `[0, t)`.
    pub(super) fn expected_until(&self, t: f64) -> f64 {
        let days = (t / DAY_S).floor();
        let within = t - days * DAY_S;
        let hour = ((within / HOUR_S) as usize).min(23);
        days * self.cumulative[24]
            + self.cumulative[hour]
            + self.per_hour[hour] * (within - hour as f64 * HOUR_S) / HOUR_S
    }

    /// The time at which `expected` arrivals are expected: Λ⁻¹.
    fn time_of(&self, expected: f64) -> f64 {
        let per_day = self.cumulative[24];
        let days = (expected / per_day).floor();
        let rest = expected - days * per_day;
        // The hour that holds `rest`: the last whose start is at or before it, among hours with arrivals.
        let hour = self.cumulative[1..].partition_point(|&c| c <= rest).min(23);
        let into = if self.per_hour[hour] > 0.0 {
            ((rest - self.cumulative[hour]) / self.per_hour[hour]).clamp(0.0, 1.0)
        } else {
            0.0
        };
        days * DAY_S + (hour as f64 + into) * HOUR_S
    }
}

/// Arrival times in seconds, in order: the `i`-th is [`Arrivals::next`]'s `i`-th.
pub(super) struct Arrivals<'a> {
    profile: &'a Profile,
    /// Λ of the last arrival, in units of one expected arrival.
    expected: f64,
}

impl<'a> Arrivals<'a> {
    pub(super) fn new(profile: &'a Profile) -> Arrivals<'a> {
        Arrivals {
            profile,
            expected: 0.0,
        }
    }

    /// The next arrival time.
    pub(super) fn next(&mut self, random: &mut Random) -> f64 {
        let gap: f64 = random.sample(&Exp1);
        self.expected += gap;
        self.profile.time_of(self.expected)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workload::random::Stream;

    #[test]
    fn a_flat_profile_spreads_arrivals_evenly() {
        let profile = Profile::new(&[1.0; 24], 2400.0);
        assert_eq!(profile.expected_until(DAY_S), 2400.0);
        assert_eq!(profile.expected_until(1.5 * HOUR_S), 150.0);
        assert_eq!(profile.time_of(150.0), 1.5 * HOUR_S);
        assert_eq!(profile.time_of(2400.0 + 150.0), DAY_S + 1.5 * HOUR_S);
    }

    #[test]
    fn hours_without_arrivals_get_none() {
        let mut weights = [0.0; 24];
        weights[9] = 1.0;
        weights[14] = 3.0;
        let profile = Profile::new(&weights, 1000.0);
        let mut random = Random::new(9, Stream::Workitems);
        let mut arrivals = Arrivals::new(&profile);
        let mut by_hour = [0usize; 24];
        let mut last = 0.0;
        for _ in 0..20_000 {
            let t = arrivals.next(&mut random);
            assert!(t >= last, "in order");
            last = t;
            by_hour[((t % DAY_S) / HOUR_S) as usize] += 1;
        }
        assert_eq!(by_hour.iter().sum::<usize>(), by_hour[9] + by_hour[14]);
        let ratio = by_hour[14] as f64 / by_hour[9] as f64;
        assert!((2.8..3.2).contains(&ratio), "{ratio}");
        // 20,000 arrivals at 1,000 a day take about 20 days.
        assert!((19.0 * DAY_S..21.0 * DAY_S).contains(&last), "{last}");
    }
}
