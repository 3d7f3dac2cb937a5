//! The identify queue: when a shard may start a new session.
//!
//! Discord lets a bot start `max_concurrency` sessions per 5 seconds. Shards
//! are grouped into buckets by `shard_id % max_concurrency`; each bucket
//! may identify once per 5 seconds. On top of that, `session_start_limit`
//! caps identifies per day: when `remaining` reaches 0 no shard may
//! identify until `reset_after` has passed. Resumes do not count and never
//! wait here.
//!
//! # Staying on the safe side of the daily limit
//!
//! Identifying with no session start left ends every session of the bot and
//! resets its token, so [`LocalQueue`] errs towards waiting:
//!
//! * the budget refills [`RESET_MARGIN`] after `reset_after`, which covers
//!   the rounding of `reset_after` to whole milliseconds and the time an
//!   Identify travels to Discord;
//! * a full budget (`remaining == total`) means no session was started in
//!   the current window, so the window may only begin with the next
//!   Identify: its end is then counted from the first start taken, if that
//!   is later than `reset_after` from now.
//!
//! The spacing within a bucket is measured when a permit is granted; a
//! server can only measure it when the Identify arrives. The Identify
//! frames of one window arrive together and are handled one after another,
//! so one of them may be handled later than its successor of the next
//! window, which then looks early. A server that enforces the window to the
//! millisecond answers op 9, and the shard waits 1–5 s and asks again.
//! Against such a server (the emulator, with a window of 200 ms and 16
//! shards per window) an interval of 250 ms avoided every refusal, where an
//! equal one saw a quarter of the Identify frames refused; give
//! [`LocalQueue::interval`] that margin when the server is known to be
//! strict.
//!
//! [`IdentifyQueue`] is a trait so that shards in several processes can
//! share one queue; [`LocalQueue`] is the in-process implementation. Two
//! processes that each hold a [`LocalQueue`] for the same bot may together
//! identify twice per bucket and window, and spend the daily budget twice.
//!
//! See [Discord Docs/Gateway](https://discord.com/developers/docs/events/gateway#session-start-limit-object).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use tether_gateway_proto::ShardId;
use tether_model::gateway::SessionStartLimit;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

/// Discord's identify window per bucket.
pub const IDENTIFY_INTERVAL: Duration = Duration::from_secs(5);

/// How long after `reset_after` the daily budget refills (see the module
/// docs).
pub const RESET_MARGIN: Duration = Duration::from_secs(1);

/// A future returned by [`IdentifyQueue::acquire`].
pub type Permit<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Decides when each shard may send Identify.
pub trait IdentifyQueue: Debug + Send + Sync {
    /// Resolves when `shard` may identify. Dropping the future gives up the
    /// place in the queue.
    fn acquire(&self, shard: ShardId) -> Permit<'_>;
}

/// The in-process identify queue: one identify per bucket per interval,
/// and a daily session budget.
///
/// Within a bucket, shards identify in the order they asked.
///
/// ```
/// use tether_gateway::LocalQueue;
/// use tether_model::gateway::SessionStartLimit;
///
/// // From GET /gateway/bot: max_concurrency 16, 1000 starts left, reset in 24 h.
/// let limit = SessionStartLimit { total: 1000, remaining: 1000, reset_after: 86_400_000, max_concurrency: 16 };
/// let queue = LocalQueue::from_session_start_limit(&limit);
/// ```
#[derive(Debug)]
pub struct LocalQueue {
    buckets: Vec<Mutex<Option<Instant>>>,
    interval: Duration,
    budget: StdMutex<Option<Budget>>,
}

/// The daily session budget.
#[derive(Debug)]
struct Budget {
    remaining: u32,
    total: u32,
    /// When the budget refills, [`RESET_MARGIN`] included.
    reset_at: Instant,
    /// Set while no start was taken in the current window: the window may
    /// begin only with the next start, and lasts this long from it.
    unstarted: Option<Duration>,
    /// Length of the windows after the first (24 h on Discord).
    period: Duration,
}

impl LocalQueue {
    /// A queue for `max_concurrency` buckets (at least 1) with Discord's
    /// 5-second window and no daily budget.
    pub fn new(max_concurrency: u16) -> Self {
        let buckets = (0..max_concurrency.max(1))
            .map(|_| Mutex::new(None))
            .collect();
        Self {
            buckets,
            interval: IDENTIFY_INTERVAL,
            budget: StdMutex::new(None),
        }
    }

    /// A queue for the `session_start_limit` of `GET /gateway/bot`: its
    /// `max_concurrency` buckets and its daily budget (refilling to `total`
    /// every 24 hours after the first reset).
    pub fn from_session_start_limit(limit: &SessionStartLimit) -> Self {
        let max_concurrency = u16::try_from(limit.max_concurrency).unwrap_or(u16::MAX);
        Self::new(max_concurrency).session_limit_with_total(
            limit.remaining,
            limit.total,
            limit.reset_after_duration(),
        )
    }

    /// Sets the window per bucket (Discord's is 5 s; tests and emulators may
    /// use less).
    #[must_use]
    pub fn interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// Sets the daily budget from `session_start_limit`: `remaining` starts
    /// are left, and the budget refills to that many after `reset_after`.
    #[must_use]
    pub fn session_limit(self, remaining: u32, reset_after: Duration) -> Self {
        self.session_limit_with_total(remaining, remaining, reset_after)
    }

    /// Like [`LocalQueue::session_limit`] with the total the budget refills
    /// to; windows after the first last 24 hours, as on Discord.
    #[must_use]
    pub fn session_limit_with_total(
        self,
        remaining: u32,
        total: u32,
        reset_after: Duration,
    ) -> Self {
        self.session_limit_with_period(remaining, total, reset_after, DAY)
    }

    /// Like [`LocalQueue::session_limit_with_total`] with the length of the
    /// windows after the first, for servers whose window is not a day (an
    /// emulator in a test).
    #[must_use]
    pub fn session_limit_with_period(
        self,
        remaining: u32,
        total: u32,
        reset_after: Duration,
        period: Duration,
    ) -> Self {
        let total = total.max(remaining);
        let budget = Budget {
            remaining,
            total,
            reset_at: Instant::now() + reset_after + RESET_MARGIN,
            unstarted: (remaining == total).then_some(reset_after),
            period,
        };
        if let Ok(mut slot) = self.budget.lock() {
            *slot = Some(budget);
        }
        self
    }

    /// Takes one start from the budget, or says when one is available.
    fn take_start(&self, now: Instant) -> Result<(), Instant> {
        // A poisoned lock means a panic elsewhere; identifying anyway is
        // better than stalling every shard.
        let Ok(mut slot) = self.budget.lock() else {
            return Ok(());
        };
        let Some(budget) = slot.as_mut() else {
            return Ok(());
        };
        if now >= budget.reset_at && budget.unstarted.is_none() {
            budget.remaining = budget.total;
            budget.unstarted = Some(budget.period);
        }
        if budget.remaining == 0 {
            return Err(budget.reset_at);
        }
        if let Some(length) = budget.unstarted.take() {
            budget.reset_at = budget.reset_at.max(now + length + RESET_MARGIN);
        }
        budget.remaining -= 1;
        Ok(())
    }
}

/// Discord's session start window.
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

impl IdentifyQueue for LocalQueue {
    fn acquire(&self, shard: ShardId) -> Permit<'_> {
        Box::pin(async move {
            let count = self.buckets.len();
            // `count` is at least 1 and the index is reduced modulo it.
            let index = usize::try_from(shard.number()).unwrap_or(0) % count;
            let Some(bucket) = self.buckets.get(index) else {
                return;
            };
            // The async mutex queues waiters in order, so shards of one
            // bucket identify in the order they asked.
            let mut last = bucket.lock().await;
            if let Some(last) = *last {
                sleep_until(last + self.interval).await;
            }
            while let Err(reset_at) = self.take_start(Instant::now()) {
                tracing::warn!(shard = %shard, "session start limit reached, waiting for its reset");
                sleep_until(reset_at).await;
            }
            *last = Some(Instant::now());
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn buckets_identify_once_per_interval() {
        let queue = LocalQueue::new(2);
        let t0 = Instant::now();
        let mut times = Vec::new();
        for n in 0..6 {
            queue.acquire(ShardId::new(n, 6).unwrap()).await;
            times.push((n, Instant::now() - t0));
        }
        // Shards 0 and 1 at once, 2 and 3 five seconds later, and so on.
        let secs: Vec<_> = times.iter().map(|(_, d)| d.as_secs()).collect();
        assert_eq!(secs, [0, 0, 5, 5, 10, 10]);
    }

    #[tokio::test(start_paused = true)]
    async fn exhausted_budget_waits_for_reset_and_margin() {
        let queue = LocalQueue::new(1)
            .interval(Duration::ZERO)
            .session_limit_with_total(1, 1000, Duration::from_secs(3600));
        let t0 = Instant::now();
        queue.acquire(ShardId::ONE).await;
        assert_eq!(Instant::now() - t0, Duration::ZERO);
        queue.acquire(ShardId::ONE).await;
        assert_eq!(
            Instant::now() - t0,
            Duration::from_secs(3600) + RESET_MARGIN
        );
    }

    #[tokio::test(start_paused = true)]
    async fn full_budget_counts_its_window_from_the_first_start() {
        // Nothing was started in this window, so the server may start
        // counting only at the first Identify, ten seconds from now.
        let queue = LocalQueue::new(1)
            .interval(Duration::ZERO)
            .session_limit_with_period(1, 1, Duration::from_secs(60), Duration::from_secs(60));
        let t0 = Instant::now();
        tokio::time::sleep(Duration::from_secs(10)).await;
        queue.acquire(ShardId::ONE).await;
        queue.acquire(ShardId::ONE).await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(70) + RESET_MARGIN);
        // The next window is `period` long, counted from its first start.
        queue.acquire(ShardId::ONE).await;
        assert_eq!(
            Instant::now() - t0,
            Duration::from_secs(130) + RESET_MARGIN * 2
        );
    }

    #[tokio::test(start_paused = true)]
    async fn limit_from_gateway_bot() {
        let limit = SessionStartLimit {
            total: 1000,
            remaining: 0,
            reset_after: 2_500,
            max_concurrency: 4,
        };
        let queue = LocalQueue::from_session_start_limit(&limit);
        assert_eq!(queue.buckets.len(), 4);
        let t0 = Instant::now();
        queue.acquire(ShardId::ONE).await;
        assert_eq!(
            Instant::now() - t0,
            Duration::from_millis(2_500) + RESET_MARGIN
        );
    }

    #[tokio::test(start_paused = true)]
    async fn one_bucket_serves_shards_in_the_order_they_asked() {
        let queue = std::sync::Arc::new(LocalQueue::new(2));
        let order = std::sync::Arc::new(StdMutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for n in [0, 4, 2, 6] {
            let (queue, order) = (queue.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                queue.acquire(ShardId::new(n, 8).unwrap()).await;
                order.lock().unwrap().push((n, Instant::now()));
            }));
            // Let the task register before the next one asks.
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
        let order = order.lock().unwrap();
        let shards: Vec<u32> = order.iter().map(|(n, _)| *n).collect();
        assert_eq!(shards, [0, 4, 2, 6]);
        let t0 = order[0].1;
        let gaps: Vec<u64> = order.iter().map(|(_, t)| (*t - t0).as_secs()).collect();
        assert_eq!(gaps, [0, 5, 10, 15]);
    }
}
