//! Many shards of one bot: the cluster.
//!
//! # Which shards
//!
//! Discord sends a guild's events to shard `(guild_id >> 22) % shard_count`
//! and DMs to shard 0; one shard may hold at most 2500 guilds (more is close
//! code 4011), and `GET /gateway/bot` recommends a count (about one shard
//! per 1000 guilds). A [`Cluster`] runs a [`ShardRange`]: every shard of
//! the total, or a contiguous part of it ("shards 16..32 of 64") so that
//! several processes can share one bot, each running its own range.
//!
//! # Start-up order
//!
//! Shard `n` identifies in bucket `n % max_concurrency`; each bucket may
//! identify once per 5 seconds, and Discord wants the buckets started in
//! order: with `max_concurrency` 16 and 32 shards, shards 0–15 together,
//! then 16–31. The [`IdentifyQueue`] enforces the spacing; the cluster
//! enforces the order. Shards fall into waves, `n / max_concurrency`: the
//! first wave connects at once, and each later wave once every shard of
//! the one before got its identify permit. It then connects while the
//! previous wave identifies, and waits in the queue for the next window.
//!
//! Connecting wave by wave, rather than every shard at once, keeps few
//! connections waiting for their turn (a bot with a thousand shards and
//! `max_concurrency` 1 would otherwise hold a thousand connections open for
//! over an hour), and spreads the handshakes: when a thousand shards
//! connect at once, the first wave's Identify frames leave late behind the
//! handshakes, while the next wave's leave on time and reach Discord too
//! soon after them. A wave that takes longer than 15 seconds to get its
//! permits (a shard that cannot reach the gateway, a daily budget that ran
//! out) lets the next one start anyway. Shards given a saved session start
//! at once, resume instead of identifying, and hold nobody back.
//!
//! # Events
//!
//! [`Cluster::next_event`] merges the shards' event streams and tags each
//! event with its shard. Each shard keeps its own bounded channel, so a
//! user who falls behind makes every busy shard stop reading its socket
//! (see the backpressure notes of [`Shard`]) rather than growing a buffer.
//!
//! See [Discord Docs/Gateway](https://discord.com/developers/docs/events/gateway#sharding).

use std::fmt;
use std::ops::Range;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::future::join_all;
use futures_util::stream::{SelectAll, Stream, StreamExt};
use tether_gateway_proto::{
    CloseKind, SendError, SendErrorKind, Session, ShardConfig, ShardEvent, ShardId, ShardStats,
    ShardStatus,
};
use tether_model::gateway::{Command, GatewayBot, SessionStartLimit};
use tether_model::id::GuildId;
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, sleep_until};

use crate::queue::{IDENTIFY_INTERVAL, IdentifyQueue, LocalQueue, Permit};
use crate::shard::{Shard, ShardHandle, ShardInfo};

/// How long a wave waits for the previous one to get its identify permits.
const WAVE_TIMEOUT: Duration = Duration::from_secs(15);

/// Base of the per-shard random seeds (each shard's is this xor its number).
const DEFAULT_SEED: u64 = 0x7e7e_c1a5_7e75_0000;

/// A contiguous range of shards out of a total: which shards a process runs.
///
/// Parse, don't validate: a `ShardRange` that exists is not empty and ends
/// at or below its total.
///
/// ```
/// use tether_gateway::ShardRange;
/// use tether_model::id::GuildId;
///
/// let range = ShardRange::new(16..32, 64).unwrap();
/// assert_eq!(range.to_string(), "shards 16..32 of 64");
/// assert_eq!(range.count(), 16);
/// assert!(ShardRange::new(32..16, 64).is_none());
///
/// // The shard a guild's events arrive on, out of the total.
/// let shard = range.shard_of(GuildId::new(81384788765712384));
/// assert_eq!((shard.number(), shard.total()), (2, 64));
/// assert!(!range.contains(shard));
/// ```
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct ShardRange {
    start: u32,
    end: u32,
    total: u32,
}

impl ShardRange {
    /// The single shard of a bot that does not shard.
    pub const ONE: Self = Self {
        start: 0,
        end: 1,
        total: 1,
    };

    /// Every shard of `total`, or `None` when `total` is 0.
    pub const fn all(total: u32) -> Option<Self> {
        Self::new(0..total, total)
    }

    /// Shards `range` of `total`, or `None` unless
    /// `range.start < range.end <= total`.
    pub const fn new(range: Range<u32>, total: u32) -> Option<Self> {
        if range.start < range.end && range.end <= total {
            Some(Self {
                start: range.start,
                end: range.end,
                total,
            })
        } else {
            None
        }
    }

    /// First shard number of the range.
    pub const fn start(self) -> u32 {
        self.start
    }

    /// Shard number after the last one of the range.
    pub const fn end(self) -> u32 {
        self.end
    }

    /// Total shard count of the bot, across every process.
    pub const fn total(self) -> u32 {
        self.total
    }

    /// Number of shards in the range (at least 1).
    pub const fn count(self) -> u32 {
        self.end - self.start
    }

    /// Whether `shard` is in this range (with the same total).
    pub fn contains(self, shard: ShardId) -> bool {
        shard.total() == self.total && (self.start..self.end).contains(&shard.number())
    }

    /// The shards of the range, in order.
    pub fn ids(self) -> impl Iterator<Item = ShardId> {
        (self.start..self.end).filter_map(move |n| ShardId::new(n, self.total))
    }

    /// The shard (out of the total) that receives `guild`'s events:
    /// `(guild_id >> 22) % total`. It may lie outside this range.
    pub fn shard_of(self, guild: GuildId) -> ShardId {
        ShardId::new(guild.shard(self.total), self.total)
            .expect("a remainder is below the total, which is at least 1")
    }

    /// Position of `shard` in the range.
    fn index(self, shard: ShardId) -> Option<usize> {
        if !self.contains(shard) {
            return None;
        }
        usize::try_from(shard.number() - self.start).ok()
    }
}

impl fmt::Display for ShardRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "shards {}..{} of {}", self.start, self.end, self.total)
    }
}

/// A running set of shards of one bot: their merged events, a handle per
/// shard, guild routing, status and shutdown.
///
/// Created by [`Cluster::builder`]. Dropping the cluster and every
/// [`ClusterHandle`] closes the shards.
///
/// ```no_run
/// use tether_gateway::{Cluster, ShardConfig, ShardEvent};
/// use tether_model::gateway::GatewayBot;
/// use tether_model::{Event, Intents, Token};
///
/// # async fn run(gateway_bot: GatewayBot) {
/// // `gateway_bot` is the answer of GET /gateway/bot (tether-http).
/// let config = ShardConfig::new(Token::new("token"), Intents::GUILDS | Intents::GUILD_MESSAGES);
/// let mut cluster = Cluster::builder(config).gateway_bot(&gateway_bot).spawn();
/// while let Some((shard, event)) = cluster.next_event().await {
///     match event {
///         ShardEvent::Dispatch { event: Event::Ready(_), .. } => println!("{shard} ready"),
///         ShardEvent::Fatal(error) => eprintln!("{shard}: {error}"),
///         _ => {}
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Cluster {
    events: SelectAll<Tagged>,
    /// Shards of later waves, as they are spawned; closed once all are.
    spawned: mpsc::UnboundedReceiver<Tagged>,
    spawning: bool,
    handle: ClusterHandle,
}

impl Cluster {
    /// A builder for a cluster whose shards share this configuration (the
    /// shard id and random seed are set per shard).
    pub fn builder(config: ShardConfig) -> ClusterBuilder {
        ClusterBuilder {
            config,
            range: None,
            recommended: None,
            limit: None,
            max_concurrency: None,
            interval: IDENTIFY_INTERVAL,
            queue: None,
            event_buffer: None,
            sessions: Vec::new(),
            seed: DEFAULT_SEED,
        }
    }

    /// The next event of any shard, with the shard it came from; `None`
    /// once every shard stopped and every event was taken.
    pub async fn next_event(&mut self) -> Option<(ShardId, ShardEvent)> {
        self.next().await
    }

    /// A cloneable handle for other tasks: commands, status, shutdown.
    pub fn handle(&self) -> ClusterHandle {
        self.handle.clone()
    }

    /// The shards this cluster runs.
    pub fn range(&self) -> ShardRange {
        self.handle.range()
    }

    /// The handle of one shard, once it started; see
    /// [`ClusterHandle::shard`].
    pub fn shard(&self, id: ShardId) -> Option<&ShardHandle> {
        self.handle.shard(id)
    }

    /// Queues `command` on the shard of `guild`; see
    /// [`ClusterHandle::send_to_guild`].
    ///
    /// # Errors
    ///
    /// As [`ClusterHandle::send_to_guild`].
    pub async fn send_to_guild(
        &self,
        guild: GuildId,
        command: Command,
    ) -> Result<(), ClusterSendError> {
        self.handle.send_to_guild(guild, command).await
    }

    /// Status, latency and counters of every shard.
    pub fn info(&self) -> ClusterInfo {
        self.handle.info()
    }

    /// Closes every shard; see [`ClusterHandle::close`].
    pub async fn close(&self, kind: CloseKind) -> Vec<(ShardId, Session)> {
        self.handle.close(kind).await
    }
}

impl Stream for Cluster {
    type Item = (ShardId, ShardEvent);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        while self.spawning {
            match self.spawned.poll_recv(cx) {
                Poll::Ready(Some(shard)) => self.events.push(shard),
                Poll::Ready(None) => self.spawning = false,
                Poll::Pending => break,
            }
        }
        match self.events.poll_next_unpin(cx) {
            // Every running shard ended, but later waves are still to come
            // (the receiver holds the waker).
            Poll::Ready(None) if self.spawning => Poll::Pending,
            poll => poll,
        }
    }
}

/// Builds and spawns a [`Cluster`].
///
/// Without [`ClusterBuilder::shards`] the cluster runs every shard that
/// [`ClusterBuilder::gateway_bot`] recommends, or a single shard.
#[derive(Debug)]
#[must_use = "a builder does nothing until spawned"]
pub struct ClusterBuilder {
    config: ShardConfig,
    range: Option<ShardRange>,
    recommended: Option<u32>,
    limit: Option<SessionStartLimit>,
    max_concurrency: Option<u16>,
    interval: Duration,
    queue: Option<Arc<dyn IdentifyQueue>>,
    event_buffer: Option<usize>,
    sessions: Vec<(ShardId, Session)>,
    seed: u64,
}

impl ClusterBuilder {
    /// Takes what `GET /gateway/bot` said: the gateway URL (replacing the
    /// configuration's), the recommended shard count (used unless
    /// [`ClusterBuilder::shards`] is set), and the session start limit
    /// with `max_concurrency` for the identify queue.
    pub fn gateway_bot(mut self, bot: &GatewayBot) -> Self {
        self.config = self.config.gateway_url(bot.url.clone());
        self.recommended = Some(bot.shards.max(1));
        self.limit = Some(bot.session_start_limit);
        self
    }

    /// The shards to run: [`ShardRange::all`] for a given count, or a part
    /// of the total for one of several processes.
    pub fn shards(mut self, range: ShardRange) -> Self {
        self.range = Some(range);
        self
    }

    /// Identify buckets per window (default: the session start limit's
    /// `max_concurrency`, else 1). It sets the start-up waves, and the
    /// buckets of the default queue.
    pub fn max_concurrency(mut self, max_concurrency: u16) -> Self {
        self.max_concurrency = Some(max_concurrency.max(1));
        self
    }

    /// Window per bucket of the default queue (Discord's 5 s by default;
    /// see [`LocalQueue::interval`]).
    pub fn identify_interval(mut self, interval: Duration) -> Self {
        self.interval = interval;
        self
    }

    /// The identify queue, to share one with other clusters or processes
    /// (default: a [`LocalQueue`] built from the session start limit,
    /// [`ClusterBuilder::max_concurrency`] and
    /// [`ClusterBuilder::identify_interval`]).
    pub fn identify_queue(mut self, queue: Arc<dyn IdentifyQueue>) -> Self {
        self.queue = Some(queue);
        self
    }

    /// Capacity of each shard's event channel (see
    /// [`ShardBuilder::event_buffer`](crate::ShardBuilder::event_buffer)).
    pub fn event_buffer(mut self, capacity: usize) -> Self {
        self.event_buffer = Some(capacity);
        self
    }

    /// Sessions to resume, as [`Cluster::close`] returned them with
    /// [`CloseKind::Resumable`]; those of shards outside the range, or of
    /// another total, are ignored.
    pub fn resume_sessions(
        mut self,
        sessions: impl IntoIterator<Item = (ShardId, Session)>,
    ) -> Self {
        self.sessions.extend(sessions);
        self
    }

    /// Base of the shards' random seeds (heartbeat and backoff jitter);
    /// each shard uses this xor its number, so that shards do not beat in
    /// step.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Spawns every shard of the range on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as [`tokio::spawn`] does.
    pub fn spawn(self) -> Cluster {
        let range = self
            .range
            .or_else(|| self.recommended.and_then(ShardRange::all))
            .unwrap_or(ShardRange::ONE);
        let max_concurrency = self.max_concurrency.unwrap_or_else(|| {
            self.limit.map_or(1, |limit| {
                u16::try_from(limit.max_concurrency.max(1)).unwrap_or(u16::MAX)
            })
        });
        let inner = self.queue.unwrap_or_else(|| {
            let mut queue = LocalQueue::new(max_concurrency).interval(self.interval);
            if let Some(limit) = self.limit {
                queue = queue.session_limit_with_total(
                    limit.remaining,
                    limit.total,
                    limit.reset_after_duration(),
                );
            }
            Arc::new(queue)
        });
        let mut sessions: Vec<Option<Session>> = vec![None; range.ids().count()];
        for (id, session) in self.sessions {
            if let Some(slot) = range.index(id).and_then(|i| sessions.get_mut(i)) {
                *slot = Some(session);
            }
        }
        let resuming: Vec<bool> = sessions.iter().map(Option::is_some).collect();
        let max_concurrency = u32::from(max_concurrency);
        let order = Arc::new(StartOrder::new(inner, range, max_concurrency, &resuming));
        let (spawned_tx, spawned) = mpsc::unbounded_channel();
        let launcher = Launcher {
            shared: Arc::new(Shared {
                range,
                slots: range.ids().map(|_| OnceLock::new()).collect(),
                closing: watch::Sender::new(false),
            }),
            queue: order.clone(),
            order,
            event_buffer: self.event_buffer,
            spawned: spawned_tx,
        };
        // Shards that resume, and the first wave, start now; each later
        // wave once the one before it got its identify permits.
        let mut events = SelectAll::new();
        let mut later: Vec<(usize, Vec<(ShardId, ShardConfig)>)> = Vec::new();
        for (id, session) in range.ids().zip(sessions) {
            let mut config = self
                .config
                .clone()
                .shard(id)
                .seed(self.seed ^ u64::from(id.number()));
            let wave = wave_of(range, max_concurrency, id.number());
            if let Some(session) = session {
                config = config.resume(session);
            } else if wave > 0 {
                match later.last_mut() {
                    Some((last, shards)) if *last == wave => shards.push((id, config)),
                    _ => later.push((wave, vec![(id, config)])),
                }
                continue;
            }
            events.push(launcher.spawn(id, config));
        }
        tracing::debug!(%range, max_concurrency, waves = later.len() + 1, "cluster spawned");
        let handle = ClusterHandle {
            shared: Arc::clone(&launcher.shared),
        };
        let spawning = !later.is_empty();
        if spawning {
            tokio::spawn(launcher.run(later));
        }
        Cluster {
            events,
            spawned,
            spawning,
            handle,
        }
    }
}

/// Spawns a cluster's shards, the later waves on a task of their own.
struct Launcher {
    shared: Arc<Shared>,
    order: Arc<StartOrder>,
    /// The same queue as `order`, for the shards.
    queue: Arc<dyn IdentifyQueue>,
    event_buffer: Option<usize>,
    spawned: mpsc::UnboundedSender<Tagged>,
}

impl Launcher {
    async fn run(self, waves: Vec<(usize, Vec<(ShardId, ShardConfig)>)>) {
        let mut closing = self.shared.closing.subscribe();
        for (wave, shards) in waves {
            tokio::select! {
                () = self.order.wait_for_wave(wave) => {}
                _ = closing.wait_for(|closing| *closing) => return,
                () = self.spawned.closed() => return,
            }
            for (id, config) in shards {
                if *closing.borrow() {
                    return;
                }
                let shard = self.spawn(id, config);
                // A close that started while this shard was spawned may
                // have missed it: close it here.
                if *closing.borrow() {
                    let handle = shard.shard.handle();
                    tokio::spawn(async move { handle.close(CloseKind::Normal).await });
                }
                if self.spawned.send(shard).is_err() {
                    return;
                }
            }
        }
    }

    fn spawn(&self, id: ShardId, config: ShardConfig) -> Tagged {
        let mut builder = Shard::builder(config).identify_queue(Arc::clone(&self.queue));
        if let Some(capacity) = self.event_buffer {
            builder = builder.event_buffer(capacity);
        }
        let shard = builder.spawn();
        if let Some(slot) = self.shared.slot(id) {
            // Each shard is spawned once, so the slot is empty.
            let _ = slot.set(shard.handle());
        }
        Tagged { id, shard }
    }
}

/// What a cluster and its handles share.
#[derive(Debug)]
struct Shared {
    range: ShardRange,
    /// In range order: shard `range.start() + i` at index `i`, set when
    /// the shard is spawned.
    slots: Box<[OnceLock<ShardHandle>]>,
    /// Set by a close: no more shards are spawned.
    closing: watch::Sender<bool>,
}

impl Shared {
    fn slot(&self, id: ShardId) -> Option<&OnceLock<ShardHandle>> {
        self.range.index(id).and_then(|i| self.slots.get(i))
    }
}

/// A cloneable handle to a [`Cluster`]'s shards, for other tasks.
///
/// ```no_run
/// use tether_gateway::{CloseKind, ClusterHandle};
/// use tether_model::gateway::{Command, RequestGuildMembers};
/// use tether_model::id::GuildId;
///
/// # async fn run(cluster: ClusterHandle, guild: GuildId) -> Result<(), Box<dyn std::error::Error>> {
/// // Members of a guild: the request goes to the guild's shard, and so
/// // does the answer (GUILD_MEMBERS_CHUNK on the cluster's stream).
/// let request = RequestGuildMembers::query(guild, "", 0);
/// cluster.send_to_guild(guild, Command::RequestGuildMembers(request)).await?;
///
/// println!("{}", cluster.info()); // 16 shards: 16 connected; latency mean 41 ms, max 52 ms
/// let sessions = cluster.close(CloseKind::Resumable).await; // for a restart that resumes
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ClusterHandle {
    shared: Arc<Shared>,
}

impl ClusterHandle {
    /// The shards this cluster runs.
    pub fn range(&self) -> ShardRange {
        self.shared.range
    }

    /// The handles of the shards started so far, in shard order (later
    /// waves start once the earlier ones got their identify permits).
    pub fn shards(&self) -> impl Iterator<Item = &ShardHandle> {
        self.shared.slots.iter().filter_map(OnceLock::get)
    }

    /// The handle of one shard, if this cluster runs it and it started.
    pub fn shard(&self, id: ShardId) -> Option<&ShardHandle> {
        self.shared.slot(id).and_then(OnceLock::get)
    }

    /// The handle of the shard that receives `guild`'s events, if this
    /// cluster runs it and it started (see [`ShardRange::shard_of`]).
    pub fn shard_for_guild(&self, guild: GuildId) -> Option<&ShardHandle> {
        self.shard(self.range().shard_of(guild))
    }

    /// Queues `command` on the shard of `guild`, as Discord requires for
    /// commands about a guild (Request Guild Members, Update Voice State).
    ///
    /// # Errors
    ///
    /// [`ClusterSendErrorKind::NotInCluster`] when another process runs the
    /// guild's shard, [`ClusterSendErrorKind::NotStarted`] when it waits
    /// for an earlier wave, [`ClusterSendErrorKind::Shard`] when the shard
    /// refused the command (see [`ShardHandle::send`]). The command is
    /// handed back inside.
    pub async fn send_to_guild(
        &self,
        guild: GuildId,
        command: Command,
    ) -> Result<(), ClusterSendError> {
        let shard = self.range().shard_of(guild);
        let Some(slot) = self.shared.slot(shard) else {
            return Err(ClusterSendError {
                shard,
                reason: Reason::NotInCluster(command),
            });
        };
        let Some(handle) = slot.get() else {
            return Err(ClusterSendError {
                shard,
                reason: Reason::NotStarted(command),
            });
        };
        handle
            .send(command)
            .await
            .map_err(|error| ClusterSendError {
                shard,
                reason: Reason::Shard(error),
            })
    }

    /// Status, latency and counters of every shard. A shard that waits
    /// for an earlier wave shows as [`ShardStatus::Identifying`], as one
    /// that waits in the identify queue does, or as
    /// [`ShardStatus::Stopped`] once the cluster was closed.
    pub fn info(&self) -> ClusterInfo {
        let unstarted = if *self.shared.closing.borrow() {
            ShardStatus::Stopped
        } else {
            ShardStatus::Identifying
        };
        let shards = self
            .range()
            .ids()
            .zip(self.shared.slots.iter())
            .map(|(id, slot)| {
                slot.get().map_or_else(
                    || ShardInfo {
                        id,
                        status: unstarted,
                        latency: None,
                        stats: ShardStats::default(),
                        session: None,
                    },
                    ShardHandle::info,
                )
            })
            .collect();
        ClusterInfo { shards }
    }

    /// Closes every shard at once and waits until they stopped; shards
    /// of waves not started yet never start. With [`CloseKind::Resumable`]
    /// it returns the sessions to give to
    /// [`ClusterBuilder::resume_sessions`] later (shards without a session
    /// are left out); with [`CloseKind::Normal`] the sessions end and the
    /// list is empty.
    ///
    /// The event stream still yields each shard's
    /// [`ShardEvent::Shutdown`] and then ends.
    pub async fn close(&self, kind: CloseKind) -> Vec<(ShardId, Session)> {
        self.shared.closing.send_replace(true);
        let closes = self
            .range()
            .ids()
            .zip(self.shared.slots.iter())
            .filter_map(|(id, slot)| slot.get().map(|shard| (id, shard)))
            .map(|(id, shard)| async move { shard.close(kind).await.map(|s| (id, s)) });
        join_all(closes).await.into_iter().flatten().collect()
    }
}

/// A snapshot of every shard of a cluster, for status displays and
/// metrics.
///
/// Its `Display` is a one-line summary.
///
/// ```
/// use std::time::Duration;
///
/// use tether_gateway::{ClusterInfo, ShardId, ShardInfo, ShardStats, ShardStatus};
///
/// let shard = |number, status, latency_ms: Option<u64>| ShardInfo {
///     id: ShardId::new(number, 2).unwrap(),
///     status,
///     latency: latency_ms.map(Duration::from_millis),
///     stats: ShardStats::default(),
///     session: None,
/// };
/// let info = ClusterInfo {
///     shards: vec![
///         shard(0, ShardStatus::Connected, Some(41)),
///         shard(1, ShardStatus::Resuming, None),
///     ],
/// };
/// assert_eq!(info.count(ShardStatus::Connected), 1);
/// assert_eq!(info.to_string(), "2 shards: 1 connected, 1 resuming; latency mean 41 ms, max 41 ms");
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterInfo {
    /// One snapshot per shard, in shard order.
    pub shards: Vec<ShardInfo>,
}

impl ClusterInfo {
    /// How many shards are in `status`.
    pub fn count(&self, status: ShardStatus) -> usize {
        self.shards.iter().filter(|s| s.status == status).count()
    }

    /// Whether every shard has a running session.
    pub fn all_connected(&self) -> bool {
        self.shards
            .iter()
            .all(|s| s.status == ShardStatus::Connected)
    }

    /// Mean of the shards' last heartbeat latencies, over the shards that
    /// have one.
    pub fn mean_latency(&self) -> Option<Duration> {
        let latencies: Vec<Duration> = self.shards.iter().filter_map(|s| s.latency).collect();
        let count = u32::try_from(latencies.len()).ok().filter(|n| *n > 0)?;
        Some(latencies.iter().sum::<Duration>() / count)
    }

    /// Largest of the shards' last heartbeat latencies.
    pub fn max_latency(&self) -> Option<Duration> {
        self.shards.iter().filter_map(|s| s.latency).max()
    }
}

impl fmt::Display for ClusterInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const STATUSES: [(ShardStatus, &str); 6] = [
            (ShardStatus::Connected, "connected"),
            (ShardStatus::Connecting, "connecting"),
            (ShardStatus::Identifying, "identifying"),
            (ShardStatus::Resuming, "resuming"),
            (ShardStatus::Disconnecting, "disconnecting"),
            (ShardStatus::Stopped, "stopped"),
        ];
        write!(f, "{} shards:", self.shards.len())?;
        let mut separator = " ";
        for (status, name) in STATUSES {
            let count = self.count(status);
            if count > 0 {
                write!(f, "{separator}{count} {name}")?;
                separator = ", ";
            }
        }
        if let (Some(mean), Some(max)) = (self.mean_latency(), self.max_latency()) {
            write!(
                f,
                "; latency mean {} ms, max {} ms",
                mean.as_millis(),
                max.as_millis()
            )?;
        }
        Ok(())
    }
}

/// Why [`ClusterHandle::send_to_guild`] did not queue a command.
///
/// The message's wording is not part of the API: match on
/// [`ClusterSendError::kind`].
#[derive(Debug)]
pub struct ClusterSendError {
    shard: ShardId,
    reason: Reason,
}

#[derive(Debug)]
enum Reason {
    NotInCluster(Command),
    NotStarted(Command),
    Shard(SendError),
}

/// The kind of [`ClusterSendError`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum ClusterSendErrorKind {
    /// The guild's shard is not in this cluster's range: another process
    /// runs it.
    NotInCluster,
    /// The guild's shard has not started yet: it waits for an earlier wave
    /// to get its identify permits.
    NotStarted,
    /// The guild's shard refused the command.
    Shard(SendErrorKind),
}

impl ClusterSendError {
    /// Why the command was not queued.
    pub fn kind(&self) -> ClusterSendErrorKind {
        match &self.reason {
            Reason::NotInCluster(_) => ClusterSendErrorKind::NotInCluster,
            Reason::NotStarted(_) => ClusterSendErrorKind::NotStarted,
            Reason::Shard(error) => ClusterSendErrorKind::Shard(error.kind()),
        }
    }

    /// The guild's shard.
    pub fn shard(&self) -> ShardId {
        self.shard
    }

    /// The command, back to the caller.
    pub fn into_command(self) -> Command {
        match self.reason {
            Reason::NotInCluster(command) | Reason::NotStarted(command) => command,
            Reason::Shard(error) => error.into_command(),
        }
    }
}

impl fmt::Display for ClusterSendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.reason {
            Reason::NotInCluster(_) => write!(
                f,
                "the guild is on shard {}, which this cluster does not run",
                self.shard
            ),
            Reason::NotStarted(_) => write!(
                f,
                "the guild is on shard {}, which has not started yet",
                self.shard
            ),
            Reason::Shard(_) => write!(f, "shard {} refused the command", self.shard),
        }
    }
}

impl std::error::Error for ClusterSendError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::NotInCluster(_) | Reason::NotStarted(_) => None,
            Reason::Shard(error) => Some(error),
        }
    }
}

const _: fn() = || {
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    fn assert_handle<T: fmt::Debug + Send + Sync + Clone + 'static>() {}
    fn assert_send<T: fmt::Debug + Send + 'static>() {}
    assert_error::<ClusterSendError>();
    assert_handle::<ClusterHandle>();
    assert_send::<Cluster>();
};

/// One shard's events, tagged with its id.
#[derive(Debug)]
struct Tagged {
    id: ShardId,
    shard: Shard,
}

impl Stream for Tagged {
    type Item = (ShardId, ShardEvent);

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let id = self.id;
        self.shard
            .poll_next_unpin(cx)
            .map(|event| event.map(|event| (id, event)))
    }
}

/// Starts a cluster's shards wave by wave (see the module docs): a wave
/// opens once every shard of the previous one got its identify permit.
#[derive(Debug)]
struct StartOrder {
    inner: Arc<dyn IdentifyQueue>,
    range: ShardRange,
    max_concurrency: u32,
    waves: watch::Sender<Waves>,
}

#[derive(Debug)]
struct Waves {
    /// Per shard of the range: whether it has yet to get a permit.
    waiting: Vec<bool>,
    /// Per wave: how many of its shards have yet to get a permit.
    left: Vec<u32>,
    /// Waves `0..open` are open (wave 0 always is).
    open: usize,
    /// When the last wave opened.
    opened_at: Instant,
}

impl StartOrder {
    /// Shards marked in `resuming` (by position in the range) hold no wave
    /// back.
    fn new(
        inner: Arc<dyn IdentifyQueue>,
        range: ShardRange,
        max_concurrency: u32,
        resuming: &[bool],
    ) -> Self {
        let max_concurrency = max_concurrency.max(1);
        let wave = |n: u32| wave_of(range, max_concurrency, n);
        let mut left = vec![0; wave(range.end() - 1) + 1];
        let mut waiting = Vec::new();
        for (n, resumes) in (range.start()..range.end()).zip(resuming) {
            waiting.push(!resumes);
            if let (false, Some(left)) = (*resumes, left.get_mut(wave(n))) {
                *left += 1;
            }
        }
        let now = Instant::now();
        let mut waves = Waves {
            waiting,
            left,
            open: 1,
            opened_at: now,
        };
        waves.open_ready(now);
        Self {
            inner,
            range,
            max_concurrency,
            waves: watch::Sender::new(waves),
        }
    }

    /// Waits until `wave` is open, opening the next wave itself when the
    /// previous one has taken [`WAVE_TIMEOUT`].
    async fn wait_for_wave(&self, wave: usize) {
        let mut waves = self.waves.subscribe();
        loop {
            let opened_at = {
                let waves = waves.borrow_and_update();
                if waves.open > wave {
                    return;
                }
                waves.opened_at
            };
            tokio::select! {
                changed = waves.changed() => if changed.is_err() {
                    return;
                },
                () = sleep_until(opened_at + WAVE_TIMEOUT) => {
                    self.waves.send_if_modified(|waves| {
                        // Other waiters may have timed out too.
                        if waves.open > wave || waves.opened_at != opened_at {
                            return false;
                        }
                        tracing::warn!(
                            wave = waves.open,
                            "the previous wave did not get its identify permits in time, \
                             starting the next one"
                        );
                        let now = Instant::now();
                        waves.open += 1;
                        waves.opened_at = now;
                        waves.open_ready(now);
                        true
                    });
                }
            }
        }
    }

    fn granted(&self, index: usize, wave: usize) {
        self.waves.send_if_modified(|waves| {
            match waves.waiting.get_mut(index) {
                Some(waiting) if *waiting => *waiting = false,
                _ => return false,
            }
            if let Some(left) = waves.left.get_mut(wave) {
                *left = left.saturating_sub(1);
            }
            waves.open_ready(Instant::now())
        });
    }
}

/// The start-up wave of shard `number`, counted from the range's first.
fn wave_of(range: ShardRange, max_concurrency: u32, number: u32) -> usize {
    let wave = number / max_concurrency - range.start() / max_concurrency;
    usize::try_from(wave).unwrap_or(usize::MAX)
}

impl Waves {
    /// Opens every wave whose predecessor got its permits; says whether
    /// any opened.
    fn open_ready(&mut self, now: Instant) -> bool {
        let before = self.open;
        while self.open < self.left.len()
            && self.open.checked_sub(1).and_then(|w| self.left.get(w)) == Some(&0)
        {
            self.open += 1;
            self.opened_at = now;
        }
        if self.open != before {
            tracing::debug!(open = self.open, "identify wave opened");
        }
        self.open != before
    }
}

impl IdentifyQueue for StartOrder {
    fn acquire(&self, shard: ShardId) -> Permit<'_> {
        Box::pin(async move {
            let Some(index) = self.range.index(shard) else {
                return self.inner.acquire(shard).await;
            };
            // Only a shard that resumed at start-up, and now has to
            // identify, can ask before its wave is open.
            let wave = wave_of(self.range, self.max_concurrency, shard.number());
            self.wait_for_wave(wave).await;
            self.inner.acquire(shard).await;
            self.granted(index, wave);
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// An inner queue that records the order of its grants; shard 0's
    /// grant takes three seconds.
    #[derive(Debug, Default)]
    struct Recorder(Mutex<Vec<u32>>);

    impl IdentifyQueue for Recorder {
        fn acquire(&self, shard: ShardId) -> Permit<'_> {
            Box::pin(async move {
                if shard.number() == 0 {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                }
                self.0.lock().unwrap().push(shard.number());
            })
        }
    }

    fn shard(n: u32, total: u32) -> ShardId {
        ShardId::new(n, total).unwrap()
    }

    /// Asks for every shard in `asks` order, each on its own task.
    async fn ask_all(order: &Arc<StartOrder>, asks: &[u32], total: u32) {
        let mut tasks = Vec::new();
        for &n in asks {
            let order = Arc::clone(order);
            tasks.push(tokio::spawn(async move {
                order.acquire(shard(n, total)).await;
            }));
            tokio::task::yield_now().await;
        }
        for task in tasks {
            task.await.unwrap();
        }
    }

    #[test]
    fn ranges_are_valid_by_construction() {
        assert!(ShardRange::new(0..0, 4).is_none());
        assert!(ShardRange::new(2..5, 4).is_none());
        assert!(ShardRange::all(0).is_none());
        let range = ShardRange::new(2..4, 4).unwrap();
        assert_eq!(range.ids().map(ShardId::number).collect::<Vec<_>>(), [2, 3]);
        assert!(range.contains(shard(3, 4)));
        assert!(
            !range.contains(shard(3, 5)),
            "another total is another split"
        );
        assert_eq!(range.index(shard(3, 4)), Some(1));
    }

    #[test]
    fn guild_shard_follows_the_formula() {
        let range = ShardRange::all(16).unwrap();
        let guild = GuildId::new(81_384_788_765_712_384);
        assert_eq!(range.shard_of(guild).number(), 2);
        assert_eq!(
            u64::from(range.shard_of(guild).number()),
            (guild.get() >> 22) % 16
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_wave_waits_for_the_permits_of_the_one_before() {
        let recorder = Arc::new(Recorder::default());
        let range = ShardRange::all(8).unwrap();
        let order = Arc::new(StartOrder::new(recorder.clone(), range, 4, &[false; 8]));
        let t0 = Instant::now();
        // Later waves ask first; they must wait until every shard of the
        // first wave got its permit, shard 0's three seconds late.
        ask_all(&order, &[7, 5, 3, 6, 0, 4, 2, 1], 8).await;
        assert_eq!(Instant::now() - t0, Duration::from_secs(3));
        let seen = recorder.0.lock().unwrap().clone();
        let waves: Vec<u32> = seen.iter().map(|n| n / 4).collect();
        assert_eq!(waves, [0, 0, 0, 0, 1, 1, 1, 1], "{seen:?}");
        assert_eq!(seen[3], 0);
    }

    #[tokio::test(start_paused = true)]
    async fn resuming_shards_hold_no_wave_back() {
        let recorder = Arc::new(Recorder::default());
        let range = ShardRange::new(4..12, 16).unwrap();
        // Shards 4 and 5 of the first wave (4..8 with max_concurrency 4)
        // resume.
        let mut resuming = [false; 8];
        resuming[0] = true;
        resuming[1] = true;
        let order = Arc::new(StartOrder::new(recorder.clone(), range, 4, &resuming));
        ask_all(&order, &[8, 9, 6, 7], 16).await;
        let mut seen = recorder.0.lock().unwrap().clone();
        // Within a wave the order is the waker's; between waves it is fixed.
        seen[2..].sort_unstable();
        assert_eq!(seen, [6, 7, 8, 9]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_missing_shard_holds_the_next_wave_back_for_a_while() {
        let recorder = Arc::new(Recorder::default());
        let range = ShardRange::new(2..8, 8).unwrap();
        let order = Arc::new(StartOrder::new(recorder.clone(), range, 2, &[false; 6]));
        let t0 = Instant::now();
        // Shard 3 never asks (say it cannot connect).
        ask_all(&order, &[2, 4, 5], 8).await;
        assert_eq!(Instant::now() - t0, WAVE_TIMEOUT);
        assert_eq!(*recorder.0.lock().unwrap(), [2, 4, 5]);
        // Once open, a wave stays open: shard 3 and later asks pass at once.
        ask_all(&order, &[3, 4, 6, 7], 8).await;
        assert_eq!(Instant::now() - t0, WAVE_TIMEOUT);
    }

    #[test]
    fn info_summarises_status_and_latency() {
        let info = |n: u32, status, latency: Option<u64>| ShardInfo {
            id: shard(n, 3),
            status,
            latency: latency.map(Duration::from_millis),
            stats: tether_gateway_proto::ShardStats::default(),
            session: None,
        };
        let cluster = ClusterInfo {
            shards: vec![
                info(0, ShardStatus::Connected, Some(10)),
                info(1, ShardStatus::Connected, Some(30)),
                info(2, ShardStatus::Identifying, None),
            ],
        };
        assert_eq!(cluster.count(ShardStatus::Connected), 2);
        assert!(!cluster.all_connected());
        assert_eq!(cluster.mean_latency(), Some(Duration::from_millis(20)));
        assert_eq!(cluster.max_latency(), Some(Duration::from_millis(30)));
        assert_eq!(
            cluster.to_string(),
            "3 shards: 2 connected, 1 identifying; latency mean 20 ms, max 30 ms"
        );
    }
}
