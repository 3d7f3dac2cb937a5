//! The emulator's knobs, with Discord's values as defaults.

use std::collections::BTreeMap;
use std::time::Duration;

/// How the emulated Discord behaves: timings, limits and buffer sizes.
///
/// Defaults follow Discord where Discord documents a value and are marked
/// "(emu)" where the value is the emulator's own choice.
///
/// ```
/// use std::time::Duration;
/// use tether_emulator::Config;
///
/// let mut config = Config::default();
/// config.heartbeat_interval = Duration::from_millis(500);
/// assert_eq!(config.max_concurrency, 1);
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Config {
    /// Interval sent in Hello. A connection that sends no heartbeat for one
    /// and a half intervals is closed with 4000. Default 41.25 s, the value
    /// real gateways send.
    pub heartbeat_interval: Duration,
    /// How long a session outlives its connection, so that it can be
    /// resumed, after a close other than 1000/1001 or a dropped socket.
    /// Default 120 s (emu; Discord says "a few minutes").
    pub resume_grace: Duration,
    /// Dispatches kept per session for replay on Resume. A Resume whose
    /// `seq` is older than the oldest kept event gets op 9 `false`.
    /// Default 10,000 (emu).
    pub replay_capacity: usize,
    /// `max_concurrency` of `GET /gateway/bot`: shard `id` identifies in
    /// bucket `id % max_concurrency`. Default 1.
    pub max_concurrency: u32,
    /// Minimum time between two Identify in one bucket; a faster Identify
    /// gets op 9 `false`. Default 5 s.
    pub identify_interval: Duration,
    /// Identify allowed per [`session_start_reset`](Self::session_start_reset)
    /// window (`session_start_limit.total`). Default 1000.
    pub session_start_total: u32,
    /// Window of the session start limit. Default 24 h.
    pub session_start_reset: Duration,
    /// Guilds one shard may hold; more closes Identify with 4011.
    /// Default 2500.
    pub max_guilds_per_shard: u32,
    /// Payloads longer than this are zlib-compressed for clients that asked
    /// for payload compression (`compress: true` in Identify without a
    /// `compress` query parameter). Default 1 KiB (emu).
    pub payload_compression_threshold: usize,
    /// Commands a connection may send per [`command_window`](Self::command_window)
    /// (heartbeats included); one more closes with 4008. Default 120.
    pub command_limit: u32,
    /// Window of the command limit. Default 60 s.
    pub command_window: Duration,
    /// Minimum time between two requests for all members of one guild by
    /// one bot; a faster one gets a `RATE_LIMITED` dispatch. Default 30 s.
    pub member_request_interval: Duration,
    /// Messages kept per channel; older ones are forgotten. Default 10,000 (emu).
    pub message_history: usize,
    /// Bytes that may wait in one connection's send queue. A client that
    /// reads slower than events arrive is dropped (no close frame) when its
    /// queue passes this, as if the network failed; its session stays
    /// resumable and keeps the events for replay. Default 32 MiB (emu).
    pub send_queue_limit: usize,
    /// REST rate limits.
    pub rate_limits: RateLimits,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            heartbeat_interval: Duration::from_millis(41_250),
            resume_grace: Duration::from_secs(120),
            replay_capacity: 10_000,
            max_concurrency: 1,
            identify_interval: Duration::from_secs(5),
            session_start_total: 1000,
            session_start_reset: Duration::from_secs(24 * 60 * 60),
            max_guilds_per_shard: 2500,
            payload_compression_threshold: 1024,
            command_limit: 120,
            command_window: Duration::from_secs(60),
            member_request_interval: Duration::from_secs(30),
            message_history: 10_000,
            send_queue_limit: 32 << 20,
            rate_limits: RateLimits::default(),
        }
    }
}

/// A number of requests per window.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Limit {
    /// Requests allowed in one window.
    pub requests: u32,
    /// Window length; it starts with the first request.
    pub window: Duration,
}

impl Limit {
    /// `requests` per `window`.
    pub const fn new(requests: u32, window: Duration) -> Self {
        Self { requests, window }
    }
}

/// REST rate limits: one global limit per token (per client address without
/// a token) and one limit per route and major parameter (`channel_id`,
/// `guild_id`).
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct RateLimits {
    /// Requests per token across all routes. Default 50 per second.
    pub global: Limit,
    /// Limit of routes not in [`routes`](Self::routes). Default 10 per second (emu).
    pub default_route: Limit,
    /// Limits by route template, such as
    /// `"POST /channels/{channel_id}/messages"` (default 5 per second).
    /// The templates are listed in the crate documentation.
    pub routes: BTreeMap<String, Limit>,
}

impl Default for RateLimits {
    fn default() -> Self {
        let mut routes = BTreeMap::new();
        routes.insert(
            "POST /channels/{channel_id}/messages".to_owned(),
            Limit::new(5, Duration::from_secs(1)),
        );
        Self {
            global: Limit::new(50, Duration::from_secs(1)),
            default_route: Limit::new(10, Duration::from_secs(1)),
            routes,
        }
    }
}

impl RateLimits {
    /// The limit of a route template.
    pub fn route(&self, template: &str) -> Limit {
        self.routes
            .get(template)
            .copied()
            .unwrap_or(self.default_route)
    }
}
