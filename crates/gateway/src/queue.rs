//! The identify queue: when a shard may start a new session.
//!
//! Discord lets a bot start `max_concurrency` sessions per 5 seconds. Shards
//! are grouped into buckets by `shard_id % max_concurrency`; each bucket
//! may identify once per 5 seconds. On top of that, `session_start_limit`
//! caps identifies per day: when `remaining` reaches 0 no shard may
//! identify until `reset_after` has passed. Resumes do not count and never
//! wait here.
//!
//! [`IdentifyQueue`] is a trait so that shards in several processes can
//! share one queue; [`LocalQueue`] is the in-process implementation.
//!
//! See [Discord Docs/Gateway](https://discord.com/developers/docs/events/gateway#session-start-limit-object).

use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex as StdMutex;
use std::time::Duration;

use tether_gateway_proto::ShardId;
use tokio::sync::Mutex;
use tokio::time::{Instant, sleep_until};

/// Discord's identify window per bucket.
pub const IDENTIFY_INTERVAL: Duration = Duration::from_secs(5);

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
/// ```
/// use tether_gateway::LocalQueue;
/// // From GET /gateway/bot: max_concurrency 16, 1000 starts left, reset in 24 h.
/// let queue = LocalQueue::new(16).session_limit(1000, std::time::Duration::from_secs(86_400));
/// ```
#[derive(Debug)]
pub struct LocalQueue {
    buckets: Vec<Mutex<Option<Instant>>>,
    interval: Duration,
    budget: StdMutex<Budget>,
}

#[derive(Debug)]
struct Budget {
    remaining: Option<u32>,
    total: u32,
    reset_at: Instant,
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
            budget: StdMutex::new(Budget {
                remaining: None,
                total: 0,
                reset_at: Instant::now(),
                period: Duration::from_secs(86_400),
            }),
        }
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
    /// to, and the refill period (24 h on Discord).
    #[must_use]
    pub fn session_limit_with_total(
        self,
        remaining: u32,
        total: u32,
        reset_after: Duration,
    ) -> Self {
        if let Ok(mut budget) = self.budget.lock() {
            budget.remaining = Some(remaining);
            budget.total = total;
            budget.reset_at = Instant::now() + reset_after;
        }
        self
    }

    /// Takes one start from the budget, or says when one is available.
    fn take_start(&self, now: Instant) -> Result<(), Instant> {
        // A poisoned lock means a panic elsewhere; identifying anyway is
        // better than stalling every shard.
        let Ok(mut budget) = self.budget.lock() else {
            return Ok(());
        };
        if budget.remaining.is_some() && now >= budget.reset_at {
            budget.remaining = Some(budget.total);
            budget.reset_at = now + budget.period;
        }
        match budget.remaining {
            None => Ok(()),
            Some(0) => Err(budget.reset_at),
            Some(n) => {
                budget.remaining = Some(n - 1);
                Ok(())
            }
        }
    }
}

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
    async fn exhausted_budget_waits_for_reset() {
        let queue = LocalQueue::new(1)
            .interval(Duration::ZERO)
            .session_limit_with_total(1, 1000, Duration::from_secs(3600));
        let t0 = Instant::now();
        queue.acquire(ShardId::ONE).await;
        assert_eq!(Instant::now() - t0, Duration::ZERO);
        queue.acquire(ShardId::ONE).await;
        assert_eq!((Instant::now() - t0).as_secs(), 3600);
    }
}
