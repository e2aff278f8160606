//! The random source of a workload: a PCG generator seeded explicitly, and the few uniform draws built
//! on its raw 64-bit output.
//!
//! Same seed, same files: PCG's output is fixed by its published algorithm (`rand_pcg` tests it against
//! reference vectors), and the seed is expanded here rather than by `SeedableRng::seed_from_u64`, whose
//! expansion is a library detail. The uniform draws are written out below for the same reason: `rand`'s
//! own range sampling has changed its values between minor versions before. Only the continuous
//! distributions (exponential, lognormal) come from `rand_distr`, pinned by `Cargo.lock`.

use rand_core::Rng;
use rand_distr::Distribution;
use rand_pcg::Pcg64Mcg;

/// Independent streams of one seed: the center and the workitems draw from their own, so that giving
/// `--center` instead of `--agents` does not change how workitems are drawn.
#[derive(Clone, Copy, Debug)]
pub(super) enum Stream {
    Center = 1,
    Workitems = 2,
    /// Draws that estimate a description's mean handle time (`gen --spec` with `load`).
    Estimate = 3,
    /// The arrival times of `gen --spec`, drawn twice (counted, then written) from the same stream.
    Arrivals = 4,
}

/// A seeded generator with the draws a workload needs.
pub(super) struct Random {
    rng: Pcg64Mcg,
}

impl Random {
    /// The generator of `stream` for `seed`.
    pub(super) fn new(seed: u64, stream: Stream) -> Random {
        let mut x = seed ^ ((stream as u64) << 56);
        let high = u128::from(splitmix64(&mut x));
        let low = u128::from(splitmix64(&mut x));
        Random {
            rng: Pcg64Mcg::new(high << 64 | low),
        }
    }

    /// Uniform in `[0, 1)`, on a grid of 2^-53.
    pub(super) fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// The raw 64-bit output.
    pub(super) fn raw(&mut self) -> u64 {
        self.rng.next_u64()
    }

    /// Uniform in `[low, high)`.
    pub(super) fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform in `0..n` (`n` > 0), by multiplication: the bias, at most n / 2^64, is far below notice.
    pub(super) fn below(&mut self, n: usize) -> usize {
        ((u128::from(self.rng.next_u64()) * n as u128) >> 64) as usize
    }

    /// Uniform in `low..=high`.
    pub(super) fn level(&mut self, low: u8, high: u8) -> u8 {
        // `below` is less than the width, so the sum stays within `low..=high`.
        low + self.below(usize::from(high - low) + 1) as u8
    }

    /// True with probability `p`.
    pub(super) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One element of a non-empty slice, uniformly.
    pub(super) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// The index of a weighted choice: `weights` are relative, at least one positive.
    pub(super) fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut x = self.unit() * total;
        let mut last = 0;
        for (i, weight) in weights.enumerate() {
            if x < weight {
                return i;
            }
            x -= weight;
            last = i;
        }
        // Rounding can leave x a hair above the last weight.
        last
    }

    /// Shuffle in place (Fisher–Yates).
    pub(super) fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// A draw from a `rand_distr` distribution.
    pub(super) fn sample(&mut self, distribution: &impl Distribution<f64>) -> f64 {
        distribution.sample(&mut self.rng)
    }
}

/// SplitMix64 (Steele, Lea, Flood 2014): spreads a small seed over all the bits of the PCG state.
fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Deal `n` items among kinds in proportion to their shares, exactly (largest remainder), in a random
/// order: a small center still gets its 10 % of capacity-2 agents, where independent coin flips could
/// give none.
pub(super) fn deal<T: Copy>(random: &mut Random, n: usize, shares: &[(T, f64)]) -> Vec<T> {
    let total: f64 = shares.iter().map(|(_, share)| share).sum();
    let exact: Vec<f64> = shares
        .iter()
        .map(|(_, share)| n as f64 * share / total)
        .collect();
    let mut counts: Vec<usize> = exact.iter().map(|x| x.floor() as usize).collect();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    // Largest remainder first; ties to the kind listed first, so the result depends on nothing else.
    order.sort_by(|&a, &b| {
        let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    let dealt: usize = counts.iter().sum();
    for &i in order.iter().take(n.saturating_sub(dealt)) {
        counts[i] += 1;
    }
    let mut items: Vec<T> = shares
        .iter()
        .zip(&counts)
        .flat_map(|(&(kind, _), &count)| std::iter::repeat_n(kind, count))
        .collect();
    random.shuffle(&mut items);
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_draws_the_same_and_streams_differ() {
        let draws = |seed, stream| {
            let mut random = Random::new(seed, stream);
            (0..8).map(|_| random.below(1000)).collect::<Vec<_>>()
        };
        assert_eq!(draws(1, Stream::Center), draws(1, Stream::Center));
        assert_ne!(draws(1, Stream::Center), draws(1, Stream::Workitems));
        assert_ne!(draws(1, Stream::Center), draws(2, Stream::Center));
    }

    #[test]
    fn deal_gives_exact_counts() {
        let mut random = Random::new(7, Stream::Center);
        let dealt = deal(&mut random, 7, &[('a', 0.15), ('b', 0.25), ('c', 0.6)]);
        let count = |kind| dealt.iter().filter(|&&k| k == kind).count();
        assert_eq!((count('a'), count('b'), count('c')), (1, 2, 4));
        assert!(deal(&mut random, 0, &[('a', 1.0)]).is_empty());
    }

    #[test]
    fn draws_stay_in_range() {
        let mut random = Random::new(3, Stream::Workitems);
        for _ in 0..10_000 {
            assert!((2..=5).contains(&random.level(2, 5)));
            let x = random.unit();
            assert!((0.0..1.0).contains(&x));
            assert!(random.weighted([0.0, 1.0, 0.0].into_iter()) == 1);
        }
    }
}
