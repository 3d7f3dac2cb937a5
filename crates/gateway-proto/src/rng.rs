//! A tiny seeded pseudo-random number generator.
//!
//! The protocol needs randomness in two places: the jitter before the first
//! heartbeat and the jitter of reconnect [`Backoff`](crate::Backoff)
//! delays. Both only have to spread many clients apart in time, so statistical
//! quality matters little and cryptographic strength not at all. What matters
//! is that the core stays deterministic: the driver (or a test) picks the
//! seed, and the same seed always yields the same instants.
//!
//! # Algorithm
//!
//! [`Rng`] is `SplitMix64` (Steele, Lea and Flood, "Fast Splittable
//! Pseudorandom Number Generators", OOPSLA 2014): a 64-bit counter advanced by
//! the odd constant `0x9e37_79b9_7f4a_7c15` (2⁶⁴ divided by the golden ratio),
//! whose value is then scrambled by two xor-shift-multiply rounds. Every seed,
//! zero included, gives a full-period sequence of 2⁶⁴ outputs, so there is no
//! bad seed to reject, and the whole state is one `u64`.

use std::time::Duration;

/// A small, fast, seeded pseudo-random number generator (`SplitMix64`).
///
/// The algorithm is `SplitMix64`: a 64-bit counter advanced by a fixed odd
/// constant, scrambled by two xor-shift-multiply rounds. Every seed, zero
/// included, gives a full-period sequence. Not suitable for anything secret:
/// it exists so that jitter is reproducible from a seed.
///
/// `Rng` is deliberately not [`Copy`]: an implicit copy would replay the same
/// sequence from two places, which is exactly the correlated jitter the
/// generator exists to avoid.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tether_gateway_proto::Rng;
///
/// let mut a = Rng::new(7);
/// let mut b = Rng::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
///
/// let jitter = a.range_duration(Duration::ZERO, Duration::from_secs(1));
/// assert!(jitter < Duration::from_secs(1));
/// ```
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Rng {
    state: u64,
}

/// Weyl-sequence increment: 2⁶⁴ / φ, rounded to the nearest odd integer.
const GOLDEN_GAMMA: u64 = 0x9e37_79b9_7f4a_7c15;

const NANOS_PER_SEC: u128 = 1_000_000_000;

impl Rng {
    /// Creates a generator whose output is fully determined by `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// Returns the next 64 uniformly distributed bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Returns a uniformly distributed `f64` in `[0, 1)`.
    ///
    /// Uses the top 53 bits of [`next_u64`](Self::next_u64), so every value
    /// is a multiple of 2⁻⁵³ and `1.0` is never returned.
    pub fn unit_f64(&mut self) -> f64 {
        // 2^-53, the spacing of f64 values in [0.5, 1).
        const SCALE: f64 = 1.0 / 9_007_199_254_740_992.0;
        #[expect(
            clippy::cast_precision_loss,
            reason = "a 53-bit integer converts to f64 exactly"
        )]
        let top = (self.next_u64() >> 11) as f64;
        top * SCALE
    }

    /// Returns a uniformly distributed duration in `[lo, hi)`.
    ///
    /// Returns `lo` when the range is empty (`hi <= lo`), so callers can pass
    /// a computed range without checking it first.
    pub fn range_duration(&mut self, lo: Duration, hi: Duration) -> Duration {
        let Some(span) = hi.checked_sub(lo) else {
            return lo;
        };
        let span = span.as_nanos();
        if span == 0 {
            return lo;
        }
        let offset = if let Ok(span) = u64::try_from(span) {
            // Lemire's multiply-shift: maps 64 random bits onto [0, span)
            // without a division; the bias is below span / 2^64.
            (u128::from(self.next_u64()) * u128::from(span)) >> 64
        } else {
            // Spans over 584 years only arise from absurd inputs; a modulo of
            // 128 random bits is uniform enough there.
            let wide = (u128::from(self.next_u64()) << 64) | u128::from(self.next_u64());
            wide % span
        };
        lo.saturating_add(duration_from_nanos(offset))
    }
}

/// Converts nanoseconds to a [`Duration`], saturating at [`Duration::MAX`].
fn duration_from_nanos(nanos: u128) -> Duration {
    let Ok(secs) = u64::try_from(nanos / NANOS_PER_SEC) else {
        return Duration::MAX;
    };
    // A remainder of a division by 10^9 fits in u32.
    let subsec = (nanos % NANOS_PER_SEC) as u32;
    Duration::new(secs, subsec)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::Rng;

    #[test]
    fn matches_splitmix64_reference_outputs() {
        // First outputs for seed 0 of the reference C implementation by
        // Sebastiano Vigna (splitmix64.c, public domain).
        let mut rng = Rng::new(0);
        assert_eq!(rng.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(rng.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(rng.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn same_seed_same_sequence() {
        let mut a = Rng::new(0xdead_beef);
        let mut b = Rng::new(0xdead_beef);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
        }
    }

    #[test]
    fn different_seeds_diverge() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(2);
        let same = (0..64).filter(|_| a.next_u64() == b.next_u64()).count();
        assert_eq!(same, 0);
    }

    #[test]
    fn clone_continues_the_same_sequence() {
        let mut a = Rng::new(42);
        a.next_u64();
        let mut b = a.clone();
        assert_eq!(a.next_u64(), b.next_u64());
    }

    #[test]
    fn unit_f64_spreads_over_the_unit_interval() {
        let mut rng = Rng::new(3);
        let mut buckets = [0_u32; 10];
        for _ in 0..10_000 {
            let x = rng.unit_f64();
            assert!((0.0..1.0).contains(&x), "{x}");
            #[expect(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let bucket = (x * 10.0) as usize;
            buckets[bucket] += 1;
        }
        // 1000 expected per bucket; ±200 is over six standard deviations.
        for count in buckets {
            assert!((800..1200).contains(&count), "{buckets:?}");
        }
    }

    #[test]
    fn empty_or_inverted_range_returns_lo() {
        let mut rng = Rng::new(5);
        let one = Duration::from_secs(1);
        assert_eq!(rng.range_duration(one, one), one);
        assert_eq!(rng.range_duration(one, Duration::ZERO), one);
    }

    #[test]
    fn one_nanosecond_range_is_constant() {
        let mut rng = Rng::new(6);
        let lo = Duration::from_millis(5);
        for _ in 0..100 {
            assert_eq!(rng.range_duration(lo, lo + Duration::from_nanos(1)), lo);
        }
    }

    #[test]
    fn huge_range_stays_in_bounds() {
        let mut rng = Rng::new(8);
        for _ in 0..100 {
            let d = rng.range_duration(Duration::from_secs(1), Duration::MAX);
            assert!(d >= Duration::from_secs(1) && d < Duration::MAX);
        }
    }

    proptest! {
        #[test]
        fn range_duration_stays_in_half_open_range(
            seed: u64,
            lo_ns in 0_u64..1 << 40,
            span_ns in 1_u64..1 << 40,
        ) {
            let mut rng = Rng::new(seed);
            let lo = Duration::from_nanos(lo_ns);
            let hi = lo + Duration::from_nanos(span_ns);
            for _ in 0..16 {
                let d = rng.range_duration(lo, hi);
                prop_assert!(lo <= d && d < hi, "{d:?} not in [{lo:?}, {hi:?})");
            }
        }
    }
}
