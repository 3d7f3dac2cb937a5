//! The emulated Discord as a pure state machine; see [`Core`].

mod actions;
mod dispatch;
mod gateway;
mod members;
mod session;

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, VecDeque};
use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tether_model::Intents;
use tether_model::id::{ApplicationId, ChannelId, GuildId, MessageId, UserId};

pub use self::actions::NewMessage;
pub(crate) use self::gateway::parse_query;
use self::session::Session;
use crate::config::Config;
use crate::error::{Entity, Error};
use crate::world::World;

/// Identifies one gateway connection (one WebSocket) for its whole life.
#[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, Ord, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct ConnectionId(pub u64);

impl fmt::Display for ConnectionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

/// Transport compression of a connection, from its `compress` query parameter.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[non_exhaustive]
pub enum Compression {
    /// None: JSON in text frames.
    #[default]
    #[serde(rename = "none")]
    None,
    /// `zlib-stream`: one deflate stream per connection, each message ends
    /// with a sync flush (`00 00 ff ff`).
    #[serde(rename = "zlib-stream")]
    ZlibStream,
    /// `zstd-stream`: one zstd frame per connection, each message flushed
    /// without ending the frame.
    #[serde(rename = "zstd-stream")]
    ZstdStream,
}

/// A fault to inject into a connection (or its session).
///
/// In the control API a fault is JSON tagged by `type`, e.g.
/// `{"type": "close", "code": 4000}` or `{"type": "invalid_session",
/// "resumable": false}`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Fault {
    /// Send a close frame with any code, then end the connection. Codes
    /// 4004, 4007, 4009 and 4010–4014 also end the session; others keep it
    /// resumable.
    Close {
        /// Close code.
        code: u16,
        /// Close reason.
        #[serde(default)]
        reason: String,
    },
    /// Send one binary frame that no inflater (or JSON parser) accepts.
    CorruptFrame,
    /// Hold each following frame back this long before sending it
    /// (0 turns the delay off).
    Delay {
        /// Milliseconds per frame.
        millis: u64,
    },
    /// End the TCP connection with no close frame; the session stays
    /// resumable.
    DropConnection,
    /// Answer (`true`, the default) or ignore (`false`) heartbeats; the
    /// connection still gets dispatches either way.
    HeartbeatAcks {
        /// Whether to ACK.
        enabled: bool,
    },
    /// Send op 9 with `d: resumable`. `false` ends the session; `true`
    /// detaches it, so that the client can resume it.
    InvalidSession {
        /// The `d` of op 9.
        resumable: bool,
    },
    /// End the session so that it cannot be resumed, closing its
    /// connection (if any) with 4009.
    KillSession,
    /// Send op 7 Reconnect.
    Reconnect,
    /// Send op 1, asking the client for a heartbeat now.
    RequestHeartbeat,
    /// Split each following compressed message over this many binary frames
    /// (1 turns splitting off; ignored without transport compression).
    SplitFrames {
        /// Frames per message.
        parts: u8,
    },
}

/// What the transport of one connection must do next.
#[derive(Clone, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum Action {
    /// Send one gateway message (JSON), compressed as the connection asked.
    Send(String),
    /// Send one dispatch replayed by a Resume, like [`Action::Send`]. A
    /// replay is bounded by [`Config::replay_capacity`], so drivers may
    /// leave it out of their flow control (the tokio server does).
    Replay(String),
    /// Send a close frame, then end the connection.
    Close {
        /// Close code.
        code: u16,
        /// Close reason.
        reason: String,
    },
    /// End the connection without a close frame.
    Drop,
    /// From now on, zlib-compress payloads larger than the threshold, each
    /// on its own (Identify asked for `compress: true`).
    PayloadCompression {
        /// Payloads longer than this are compressed.
        threshold: usize,
    },
    /// Send one corrupt binary frame.
    CorruptFrame,
    /// Hold each following frame back this long (zero: no delay).
    Delay(Duration),
    /// Split each following compressed message over this many frames.
    SplitFrames(u8),
}

/// One thing for one connection's transport to do.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Output {
    /// The connection.
    pub connection: ConnectionId,
    /// What to do.
    pub action: Action,
}

/// A gateway session, as seen by tests and the control API.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Session id (READY's `session_id`).
    pub id: String,
    /// The bot's application.
    pub application_id: ApplicationId,
    /// The bot's user.
    pub user_id: UserId,
    /// `[shard_id, shard_count]`.
    pub shard: [u32; 2],
    /// Identified intents.
    pub intents: Intents,
    /// Last sequence number sent.
    pub seq: u64,
    /// The connection it is attached to, `None` while it waits for a resume.
    pub connection: Option<ConnectionId>,
    /// Successful resumes.
    pub resumes: u32,
    /// Events kept for replay.
    pub buffered: usize,
}

/// A gateway connection, as seen by tests and the control API.
#[derive(Clone, Debug, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ConnectionInfo {
    /// Connection id.
    pub id: ConnectionId,
    /// Request path of the WebSocket handshake (`/`, `/resume`, …).
    pub path: String,
    /// API version from the `v` query parameter.
    pub version: u8,
    /// Transport compression.
    pub compression: Compression,
    /// Whether payload compression is on.
    pub payload_compression: bool,
    /// The session, once identified or resumed.
    pub session: Option<String>,
    /// Heartbeats received.
    pub heartbeats: u64,
    /// Whether heartbeats are ACKed (see [`Fault::HeartbeatAcks`]).
    pub acks: bool,
}

/// One successful Identify, for checking identify pacing.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub struct IdentifyRecord {
    /// The bot's application.
    pub application_id: ApplicationId,
    /// `[shard_id, shard_count]`.
    pub shard: [u32; 2],
    /// Rate-limit bucket: `shard_id % max_concurrency`.
    pub bucket: u32,
    /// When it happened.
    pub at: Instant,
}

/// Counters since the emulator started.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct Stats {
    /// WebSocket connections opened.
    pub connections: u64,
    /// Successful Identify.
    pub identifies: u64,
    /// Successful Resume.
    pub resumes: u64,
    /// Dispatches sent or buffered, over all sessions.
    pub dispatches: u64,
    /// Op 9 Invalid Session sent.
    pub invalid_sessions: u64,
    /// Close frames sent.
    pub closes: u64,
}

/// `session_start_limit` of `GET /gateway/bot`.
#[derive(Clone, Copy, Debug, Eq, PartialEq, Serialize)]
#[non_exhaustive]
pub struct SessionStartLimit {
    /// Identify allowed per window.
    pub total: u32,
    /// Identify left in this window.
    pub remaining: u32,
    /// Milliseconds until `remaining` is back to `total`.
    pub reset_after: u64,
    /// Identify buckets per 5 s.
    pub max_concurrency: u32,
}

/// Gateway bookkeeping of one application.
#[derive(Debug, Default)]
struct AppState {
    remaining: Option<u32>,
    reset_at: Option<Instant>,
    last_identify: HashMap<u32, Instant>,
    member_requests: HashMap<GuildId, Instant>,
}

#[derive(Clone, Copy, Debug, Eq, Ord, PartialEq, PartialOrd)]
enum Timer {
    Heartbeat(ConnectionId),
    Expiry(u64),
}

/// Bounds the identify log, which tests read.
const IDENTIFY_LOG: usize = 10_000;
/// Bounds the log of created messages that waiters scan.
const MESSAGE_LOG: usize = 100_000;

/// The emulated Discord as a pure state machine: world, gateway sessions
/// and connections, with no sockets, no clock and no tasks.
///
/// The [`Core`] is fed inputs, each with the current instant, and polled
/// for what to send:
///
/// 1. a transport accepted a WebSocket → [`Core::open`] (queues Hello, or a
///    close for a bad `v`/`encoding`/`compress`);
/// 2. a client message arrived → [`Core::handle_message`];
/// 3. the transport ended → [`Core::handle_close`];
/// 4. the deadline of [`Core::next_deadline`] passed →
///    [`Core::handle_timeout`] (safe to call early or twice);
/// 5. world changes ([`Core::create_message`] and friends) and faults
///    ([`Core::fault`]) at any time;
/// 6. after each input, drain [`Core::poll_output`] until `None` and carry
///    out each [`Action`] on its connection, in order.
///
/// The tokio server of this crate is one such driver; an in-memory test
/// harness with a virtual clock is another.
///
/// Dispatches are encoded once per event: the payload (`d`) is serialised
/// once (twice at most for messages, with and without content for bots
/// lacking `MESSAGE_CONTENT`) and shared by every session; only the small
/// frame around it, which carries the session's own sequence number, is
/// built per session.
///
/// ```
/// use std::time::Instant;
/// use tether_emulator::{Action, Config, Core, DEMO_TOKEN, World};
///
/// let now = Instant::now();
/// let mut core = Core::new(World::demo(), Config::default(), now, 1_750_000_000_000);
/// let conn = core.open(now, "/", "v=10&encoding=json");
/// let identify = format!(
///     r#"{{"op":2,"d":{{"token":"{DEMO_TOKEN}","intents":33281,"properties":{{}}}}}}"#
/// );
/// core.handle_message(now, conn, identify.as_bytes());
/// let mut sent = Vec::new();
/// while let Some(out) = core.poll_output() {
///     if let Action::Send(text) = out.action {
///         sent.push(text);
///     }
/// }
/// assert!(sent[0].contains(r#""op":10"#), "Hello");
/// assert!(sent[1].starts_with(r#"{"t":"READY","s":1"#));
/// assert!(sent[2].starts_with(r#"{"t":"GUILD_CREATE","s":2"#));
/// assert_eq!(core.next_deadline(), Some(now + Config::default().heartbeat_interval * 3 / 2));
/// ```
#[derive(Debug)]
pub struct Core {
    world: World,
    config: Config,
    started: Instant,
    started_unix_ms: u64,
    gateway_url: String,
    connections: BTreeMap<ConnectionId, gateway::Connection>,
    next_connection: u64,
    sessions: BTreeMap<u64, Session>,
    session_keys: HashMap<String, u64>,
    next_session: u64,
    apps: HashMap<ApplicationId, AppState>,
    identify_log: VecDeque<IdentifyRecord>,
    timers: BinaryHeap<Reverse<(Instant, Timer)>>,
    deadline_moved: bool,
    outputs: VecDeque<Output>,
    message_log: VecDeque<(ChannelId, MessageId)>,
    message_log_start: u64,
    stats: Stats,
}

impl Core {
    /// A core for `world`, started at `now`, when the wall clock read
    /// `unix_ms` (the base of timestamps and new snowflakes).
    pub fn new(world: World, config: Config, now: Instant, unix_ms: u64) -> Self {
        Self {
            world,
            config,
            started: now,
            started_unix_ms: unix_ms,
            gateway_url: "ws://127.0.0.1".to_owned(),
            connections: BTreeMap::new(),
            next_connection: 1,
            sessions: BTreeMap::new(),
            session_keys: HashMap::new(),
            next_session: 1,
            apps: HashMap::new(),
            identify_log: VecDeque::new(),
            timers: BinaryHeap::new(),
            deadline_moved: false,
            outputs: VecDeque::new(),
            message_log: VecDeque::new(),
            message_log_start: 0,
            stats: Stats::default(),
        }
    }

    /// Sets the gateway URL the server is reachable at (no trailing slash);
    /// READY's `resume_gateway_url` is this URL with the path `/resume`.
    pub fn set_gateway_url(&mut self, url: &str) {
        url.trim_end_matches('/').clone_into(&mut self.gateway_url);
    }

    /// The next thing to do, or `None` when there is nothing left.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.outputs.pop_front()
    }

    /// When [`handle_timeout`](Self::handle_timeout) next has work.
    pub fn next_deadline(&self) -> Option<Instant> {
        self.timers.peek().map(|Reverse((at, _))| *at)
    }

    /// Whether a deadline earlier than all before was set since the last
    /// call (a driver sleeping until the old deadline must wake).
    pub fn take_deadline_moved(&mut self) -> bool {
        std::mem::take(&mut self.deadline_moved)
    }

    /// Fires due timers: connections that stopped heartbeating are closed
    /// (4000), sessions whose resume grace ran out are forgotten.
    pub fn handle_timeout(&mut self, now: Instant) {
        while let Some(Reverse((at, timer))) = self.timers.peek().copied() {
            if at > now {
                break;
            }
            self.timers.pop();
            match timer {
                Timer::Heartbeat(id) => {
                    let due = self
                        .connections
                        .get(&id)
                        .is_some_and(|c| c.heartbeat_deadline <= now);
                    if due {
                        tracing::info!(connection = %id, "gateway connection missed its heartbeat");
                        self.close(now, id, 4000, "heartbeat timeout");
                    }
                }
                Timer::Expiry(key) => {
                    let expired = self.sessions.get(&key).is_some_and(|s| {
                        s.connection.is_none() && s.expires_at.is_some_and(|e| e <= now)
                    });
                    if expired {
                        if let Some(s) = self.sessions.get(&key) {
                            tracing::info!(session = %s.id, "gateway session expired");
                        }
                        self.end_session(key);
                    }
                }
            }
        }
    }

    /// The world as it is now.
    pub fn world(&self) -> &World {
        &self.world
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// When the core started.
    pub fn started(&self) -> Instant {
        self.started
    }

    /// Every live session (attached or waiting for a resume).
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.sessions.values().map(session_info).collect()
    }

    /// One session by id.
    pub fn session(&self, id: &str) -> Option<SessionInfo> {
        let key = self.session_keys.get(id)?;
        self.sessions.get(key).map(session_info)
    }

    /// Every open connection.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        self.connections
            .values()
            .map(|c| ConnectionInfo {
                id: c.id,
                path: c.path.clone(),
                version: c.version,
                compression: c.compression,
                payload_compression: c.payload_compression,
                session: c
                    .session
                    .and_then(|k| self.sessions.get(&k))
                    .map(|s| s.id.clone()),
                heartbeats: c.heartbeats,
                acks: c.acks,
            })
            .collect()
    }

    /// Successful Identify, oldest first (the last 10,000).
    pub fn identify_log(&self) -> Vec<IdentifyRecord> {
        self.identify_log.iter().copied().collect()
    }

    /// Counters since the start.
    pub fn stats(&self) -> Stats {
        self.stats
    }

    /// The session start limit of a bot's application as of `now`.
    pub fn session_start_limit(
        &self,
        now: Instant,
        application: ApplicationId,
    ) -> SessionStartLimit {
        let total = self.config.session_start_total;
        let state = self.apps.get(&application);
        let live = state.and_then(|s| s.reset_at.filter(|at| *at > now).map(|at| (s, at)));
        let (remaining, reset_after) = match live {
            Some((s, at)) => (
                s.remaining.unwrap_or(total),
                at.saturating_duration_since(now),
            ),
            None => (total, self.config.session_start_reset),
        };
        SessionStartLimit {
            total,
            remaining,
            reset_after: u64::try_from(reset_after.as_millis()).unwrap_or(u64::MAX),
            max_concurrency: self.config.max_concurrency.max(1),
        }
    }

    /// Shards `GET /gateway/bot` recommends for a bot user: one per 1000
    /// guilds, at least one.
    pub fn recommended_shards(&self, bot: UserId) -> u32 {
        let guilds = self.world.guilds_of(bot).len();
        u32::try_from(guilds.div_ceil(1000).max(1)).unwrap_or(u32::MAX)
    }

    /// Injects a fault into a connection.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) when the
    /// connection is closed.
    pub fn fault(
        &mut self,
        now: Instant,
        connection: ConnectionId,
        fault: Fault,
    ) -> Result<(), Error> {
        if !self.connections.contains_key(&connection) {
            return Err(Error::not_found(Entity::Connection));
        }
        self.apply_fault(now, connection, fault);
        Ok(())
    }

    /// Injects a fault into a session's connection. [`Fault::KillSession`]
    /// also works on a session that waits for a resume.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown
    /// session, or one without a connection (except for `KillSession`).
    pub fn fault_session(
        &mut self,
        now: Instant,
        session: &str,
        fault: Fault,
    ) -> Result<(), Error> {
        let key = *self
            .session_keys
            .get(session)
            .ok_or(Error::not_found(Entity::Session))?;
        let connection = self.sessions.get(&key).and_then(|s| s.connection);
        match (connection, fault) {
            (Some(c), fault) => self.fault(now, c, fault),
            (None, Fault::KillSession) => {
                self.end_session(key);
                Ok(())
            }
            (None, _) => Err(Error::not_found(Entity::Connection)),
        }
    }

    /// Arms a fault that fires on the session's connection right after the
    /// dispatch with sequence number `seq` (or the first one after it, if
    /// the session is detached then) has been queued. "Drop the connection
    /// after event k" is `fault_at_seq(id, k, Fault::DropConnection)`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::NotFound`](crate::ErrorKind::NotFound) for an unknown session.
    pub fn fault_at_seq(&mut self, session: &str, seq: u64, fault: Fault) -> Result<(), Error> {
        let key = self
            .session_keys
            .get(session)
            .ok_or(Error::not_found(Entity::Session))?;
        let session = self
            .sessions
            .get_mut(key)
            .ok_or(Error::not_found(Entity::Session))?;
        session.armed.push((seq, fault));
        Ok(())
    }

    /// Unix time in milliseconds at `now`.
    pub(crate) fn unix_ms(&self, now: Instant) -> u64 {
        let elapsed = u64::try_from(now.saturating_duration_since(self.started).as_millis())
            .unwrap_or(u64::MAX);
        self.started_unix_ms.saturating_add(elapsed)
    }

    /// The position in the message log after the newest message.
    pub(crate) fn message_cursor(&self) -> u64 {
        self.message_log_start + self.message_log.len() as u64
    }

    /// Messages created at or after `cursor` (those still in the log and
    /// in the world), oldest first.
    pub(crate) fn messages_since(&self, cursor: u64) -> Vec<tether_model::message::Message> {
        let skip =
            usize::try_from(cursor.saturating_sub(self.message_log_start)).unwrap_or(usize::MAX);
        self.message_log
            .iter()
            .skip(skip)
            .filter_map(|(c, m)| self.world.message(*c, *m))
            .collect()
    }

    fn log_message(&mut self, channel: ChannelId, message: MessageId) {
        if self.message_log.len() >= MESSAGE_LOG {
            self.message_log.pop_front();
            self.message_log_start += 1;
        }
        self.message_log.push_back((channel, message));
    }

    fn push_timer(&mut self, at: Instant, timer: Timer) {
        if self.next_deadline().is_none_or(|d| at < d) {
            self.deadline_moved = true;
        }
        self.timers.push(Reverse((at, timer)));
    }

    fn push(&mut self, connection: ConnectionId, action: Action) {
        self.outputs.push_back(Output { connection, action });
    }

    fn send(&mut self, connection: ConnectionId, text: String) {
        self.push(connection, Action::Send(text));
    }

    fn app_state(&mut self, now: Instant, application: ApplicationId) -> &mut AppState {
        let state = self.apps.entry(application).or_default();
        if state.reset_at.is_some_and(|at| at <= now) {
            state.reset_at = None;
            state.remaining = None;
        }
        state
    }
}

fn session_info(s: &Session) -> SessionInfo {
    SessionInfo {
        id: s.id.clone(),
        application_id: s.application,
        user_id: s.user,
        shard: s.shard,
        intents: s.intents,
        seq: s.seq,
        connection: s.connection,
        resumes: s.resumes,
        buffered: s.buffered(),
    }
}

#[cfg(test)]
mod tests;
