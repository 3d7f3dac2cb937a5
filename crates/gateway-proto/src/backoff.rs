//! Reconnect delays: capped exponential backoff with equal jitter.
//!
//! When a connection fails the shard waits before dialing again, and waits
//! longer after each consecutive failure so that a struggling gateway is not
//! hammered. The delay before attempt `n` is drawn from the exponential
//! schedule
//!
//! ```text
//! d(0) = 0                                  (first attempt: go now)
//! d(n) = min(cap, base · 2^(n-1))           (n ≥ 1)
//! delay(n) ∈ [d(n) / 2, d(n))               (equal jitter)
//! ```
//!
//! With the defaults (`base` 1 s, `cap` 60 s) the windows are
//! `[0.5 s, 1 s)`, `[1 s, 2 s)`, `[2 s, 4 s)`, … up to `[30 s, 60 s)` from the
//! seventh attempt on.
//!
//! # Why equal jitter
//!
//! Jitter exists because many clients fail at the same moment (a gateway
//! node restarts, a network blip hits every shard of a bot) and would
//! otherwise come back in lockstep. *Full* jitter (`uniform[0, d)`) spreads
//! them widest, but at any attempt it may draw a delay near zero, so a client
//! facing a gateway that keeps failing can still retry almost immediately
//! many times in a row, and each retry that gets as far as Identify spends
//! one of the bot's daily session starts. *Equal* jitter keeps a floor of
//! half the exponential delay, which still halves the burst while
//! guaranteeing that consecutive failures really do slow the client down.
//!
//! The function is pure: the caller counts attempts (resetting to zero after
//! a connection that worked) and supplies the [`Rng`], so tests pin a seed
//! and assert exact delays.

use std::time::Duration;

use crate::rng::Rng;

/// Capped exponential reconnect backoff with equal jitter.
///
/// Attempt 0 waits nothing; attempt `n ≥ 1` waits a random duration in
/// `[d / 2, d)` with `d = min(cap, base · 2^(n-1))`. This *equal* jitter keeps
/// a floor of half the exponential delay, unlike *full* jitter
/// (`[0, d)`), so a client facing a gateway that keeps failing cannot retry
/// near-instantly many times in a row and burn its daily session starts,
/// while clients that failed together still spread apart.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use tether_gateway_proto::{Backoff, Rng};
///
/// let backoff = Backoff::default();
/// let mut rng = Rng::new(1);
/// assert_eq!(backoff.delay(0, &mut rng), Duration::ZERO);
///
/// let third = backoff.delay(3, &mut rng);
/// assert!(Duration::from_secs(2) <= third && third < Duration::from_secs(4));
/// ```
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
}

impl Backoff {
    /// Creates a policy whose first retry waits about `base` and whose
    /// delays double up to `cap`.
    ///
    /// Any values are accepted: a `cap` below `base` simply wins, and a zero
    /// `base` disables waiting altogether.
    pub const fn new(base: Duration, cap: Duration) -> Self {
        Self { base, cap }
    }

    /// Returns how long to wait before connection attempt `attempt`.
    ///
    /// `attempt` counts consecutive failed attempts: `0` is the first try
    /// (or the first after a connection that worked) and returns
    /// [`Duration::ZERO`]; attempt `n ≥ 1` returns a duration in
    /// `[d / 2, d)` where `d = min(cap, base · 2^(n-1))`. Consumes one value
    /// from `rng` for every non-zero delay.
    pub fn delay(&self, attempt: u32, rng: &mut Rng) -> Duration {
        let Some(doublings) = attempt.checked_sub(1) else {
            return Duration::ZERO;
        };
        // Past 2^31 the cap has long been reached; saturate instead of
        // overflowing the shift.
        let factor = 1_u32.checked_shl(doublings).unwrap_or(u32::MAX);
        let ceiling = self.base.saturating_mul(factor).min(self.cap);
        rng.range_duration(ceiling / 2, ceiling)
    }
}

impl Default for Backoff {
    /// Starts at 1 s and caps at 60 s.
    fn default() -> Self {
        Self::new(Duration::from_secs(1), Duration::from_secs(60))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::time::Duration;

    use proptest::prelude::*;

    use super::Backoff;
    use crate::rng::Rng;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn first_attempt_is_immediate_and_draws_nothing() {
        let mut rng = Rng::new(9);
        assert_eq!(Backoff::default().delay(0, &mut rng), Duration::ZERO);
        assert_eq!(rng, Rng::new(9));
    }

    #[test]
    fn default_schedule_doubles_from_one_second_to_sixty() {
        let backoff = Backoff::default();
        let mut rng = Rng::new(10);
        let windows = [1, 2, 4, 8, 16, 32, 60, 60, 60];
        for (attempt, ceiling) in (1..).zip(windows) {
            let hi = SEC * ceiling;
            for _ in 0..50 {
                let d = backoff.delay(attempt, &mut rng);
                assert!(hi / 2 <= d && d < hi, "attempt {attempt}: {d:?}");
            }
        }
    }

    #[test]
    fn huge_attempt_counts_saturate_at_the_cap() {
        let backoff = Backoff::default();
        let mut rng = Rng::new(11);
        for attempt in [33, 64, 1000, u32::MAX] {
            let d = backoff.delay(attempt, &mut rng);
            assert!(SEC * 30 <= d && d < SEC * 60, "attempt {attempt}: {d:?}");
        }
    }

    #[test]
    fn configured_base_and_cap_are_honoured() {
        let backoff = Backoff::new(Duration::from_millis(250), SEC * 2);
        let mut rng = Rng::new(12);
        let d1 = backoff.delay(1, &mut rng);
        assert!(Duration::from_millis(125) <= d1 && d1 < Duration::from_millis(250));
        let d9 = backoff.delay(9, &mut rng);
        assert!(SEC <= d9 && d9 < SEC * 2);
    }

    #[test]
    fn cap_below_base_wins_and_zero_base_never_waits() {
        let mut rng = Rng::new(13);
        let d = Backoff::new(SEC * 10, SEC).delay(1, &mut rng);
        assert!(SEC / 2 <= d && d < SEC);
        let zero = Backoff::new(Duration::ZERO, SEC * 60);
        assert_eq!(zero.delay(5, &mut rng), Duration::ZERO);
    }

    #[test]
    fn same_seed_gives_the_same_delays() {
        let backoff = Backoff::default();
        let mut a = Rng::new(14);
        let mut b = Rng::new(14);
        for attempt in 0..20 {
            assert_eq!(
                backoff.delay(attempt, &mut a),
                backoff.delay(attempt, &mut b)
            );
        }
    }

    #[test]
    fn jitter_actually_spreads_delays() {
        let backoff = Backoff::default();
        let mut rng = Rng::new(15);
        let mut delays: Vec<_> = (0..100).map(|_| backoff.delay(7, &mut rng)).collect();
        delays.sort();
        // Spread across most of the [30 s, 60 s) window.
        assert!(delays[0] < SEC * 33 && delays[99] > SEC * 57, "{delays:?}");
    }

    proptest! {
        #[test]
        fn delay_stays_within_the_equal_jitter_window(
            seed: u64,
            attempt in 1_u32..100,
            base_ms in 0_u64..10_000,
            cap_ms in 0_u64..600_000,
        ) {
            let base = Duration::from_millis(base_ms);
            let cap = Duration::from_millis(cap_ms);
            let d = Backoff::new(base, cap).delay(attempt, &mut Rng::new(seed));
            prop_assert!(d <= cap);
            let ceiling = base.saturating_mul(1 << (attempt - 1).min(31)).min(cap);
            prop_assert!(ceiling / 2 <= d);
            prop_assert!(d < ceiling || ceiling.is_zero());
        }
    }
}
