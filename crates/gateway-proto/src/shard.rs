//! The shard: one gateway session as a state machine.
//!
//! # Session rules
//!
//! * **Heartbeats.** Hello gives an interval. The first beat goes out after
//!   `interval × jitter` (jitter uniform in [0, 1)), then one every
//!   interval. Each beat carries the last sequence number. A server op 1
//!   asks for a beat at once; it does not move the timer.
//! * **Zombie connections.** When a beat is due and the previous one was
//!   never ACKed, the connection is dead even if dispatches still flow: it
//!   is closed with 4000 (which keeps the session) and resumed.
//! * **Identify or resume.** With a session (id, sequence, resume URL) the
//!   shard connects to the resume URL and sends Resume; without one it asks
//!   the driver for an identify permit ([`Output::RequestIdentify`]), so a
//!   cluster can respect Discord's identify concurrency, then sends
//!   Identify.
//! * **Reconnects.** Op 7, op 9 `true`, a transport error and any close
//!   code that is not fatal keep the session and resume. Op 9 `false` and
//!   close codes 4007 and 4009 drop it and identify anew, op 9 after a
//!   random 1–5 s pause. Fatal close codes stop the shard with a named
//!   [`FatalError`]. Failed attempts back off exponentially with jitter.
//! * **Exactly once.** Within a session, a dispatch whose sequence number is
//!   not above the last one seen is a replayed duplicate and is dropped.
//! * **Commands** go through the [`CommandLimiter`] (120 per 60 s with room
//!   kept for heartbeats) and wait in a queue while the session is not
//!   ready; a command over 4096 bytes is refused before it is queued.

use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use tether_model::Token;
use tether_model::gateway::{
    CloseAction, CloseCode, Command, ConnectionProperties, Event, EventType, EventTypeFlags, Frame,
    Hello, Identify, Intents, OpCode, Resume, UpdatePresence,
};

use crate::backoff::Backoff;
use crate::error::{DisconnectReason, FatalError, SendError, SendErrorKind};
use crate::inflater::{Compression, Inflater};
use crate::limiter::CommandLimiter;
use crate::rng::Rng;

/// Largest payload Discord accepts from a client, in bytes.
pub const MAX_COMMAND_SIZE: usize = 4096;

/// Default ceiling for one decompressed message: large enough for a
/// `GUILD_CREATE` of a big guild, small enough to stop a zip bomb.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 64 * 1024 * 1024;

/// Commands waiting for the session or the rate limiter; more is misuse.
const MAX_QUEUED_COMMANDS: usize = 1000;

/// How long to wait for Hello after the socket opens.
const HELLO_TIMEOUT: Duration = Duration::from_secs(20);

/// How long to wait for the transport to close after sending a close frame.
const CLOSE_GRACE: Duration = Duration::from_secs(5);

/// The shortest heartbeat interval honoured, in milliseconds.
const MIN_HEARTBEAT_MS: u64 = 100;

/// The gateway API version this crate speaks.
pub const API_VERSION: u8 = 10;

/// A shard's id and the total shard count.
///
/// Parse, don't validate: a `ShardId` that exists has `number < total`.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub struct ShardId {
    number: u32,
    total: u32,
}

impl ShardId {
    /// The only shard of a bot that does not shard.
    pub const ONE: Self = Self {
        number: 0,
        total: 1,
    };

    /// Shard `number` of `total`, or `None` unless `number < total`.
    pub const fn new(number: u32, total: u32) -> Option<Self> {
        if number < total {
            Some(Self { number, total })
        } else {
            None
        }
    }

    /// Zero-based shard number.
    pub const fn number(self) -> u32 {
        self.number
    }

    /// Total number of shards.
    pub const fn total(self) -> u32 {
        self.total
    }
}

impl fmt::Display for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}, {}]", self.number, self.total)
    }
}

/// What a session needs to be resumed on a new connection, possibly by a
/// new process ("cold resume"); it serialises so that it can be saved.
#[derive(Clone, Debug, Eq, PartialEq, serde::Deserialize, serde::Serialize)]
pub struct Session {
    /// Session id from `READY`.
    pub id: String,
    /// Last sequence number received.
    pub sequence: u64,
    /// URL to resume on, from `READY`.
    pub resume_url: String,
}

/// Configuration of a [`Shard`]; build it with [`ShardConfig::new`].
#[derive(Clone, Debug)]
pub struct ShardConfig {
    token: Token,
    intents: Intents,
    shard: ShardId,
    gateway_url: String,
    compression: Compression,
    large_threshold: Option<u8>,
    presence: Option<UpdatePresence>,
    properties: ConnectionProperties,
    event_types: EventTypeFlags,
    seed: u64,
    jitter: Option<f64>,
    max_message_size: usize,
    backoff: Backoff,
    session: Option<Session>,
}

impl ShardConfig {
    /// A configuration with Discord's gateway URL, zlib-stream compression,
    /// every event type decoded, and a fixed seed.
    pub fn new(token: Token, intents: Intents) -> Self {
        Self {
            token,
            intents,
            shard: ShardId::ONE,
            gateway_url: "wss://gateway.discord.gg".to_owned(),
            compression: Compression::ZlibStream,
            large_threshold: None,
            presence: None,
            properties: ConnectionProperties::tether(),
            event_types: EventTypeFlags::ALL,
            seed: 0x7e7e_7e7e,
            jitter: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            backoff: Backoff::default(),
            session: None,
        }
    }

    /// Which shard this is.
    #[must_use]
    pub fn shard(mut self, shard: ShardId) -> Self {
        self.shard = shard;
        self
    }

    /// Gateway URL for new sessions (from `GET /gateway/bot`), without query.
    #[must_use]
    pub fn gateway_url(mut self, url: impl Into<String>) -> Self {
        self.gateway_url = url.into();
        self
    }

    /// Transport compression.
    #[must_use]
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Member count above which Discord leaves offline members out of
    /// `GUILD_CREATE` (50–250; values outside are clamped).
    #[must_use]
    pub fn large_threshold(mut self, threshold: u8) -> Self {
        self.large_threshold = Some(threshold.clamp(50, 250));
        self
    }

    /// Presence sent in Identify.
    #[must_use]
    pub fn presence(mut self, presence: UpdatePresence) -> Self {
        self.presence = Some(presence);
        self
    }

    /// Connection properties sent in Identify.
    #[must_use]
    pub fn properties(mut self, properties: ConnectionProperties) -> Self {
        self.properties = properties;
        self
    }

    /// Event types to decode and emit; others only advance the sequence.
    /// `READY` and `RESUMED` are always read for the session's bookkeeping.
    #[must_use]
    pub fn event_types(mut self, event_types: EventTypeFlags) -> Self {
        self.event_types = event_types;
        self
    }

    /// Seed of the random source for heartbeat and backoff jitter.
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// A fixed heartbeat jitter in [0, 1) instead of a random one, for
    /// tests; values outside the range are clamped.
    #[must_use]
    pub fn jitter(mut self, jitter: f64) -> Self {
        self.jitter = Some(jitter.clamp(0.0, 0.999_999));
        self
    }

    /// Ceiling for one decompressed message.
    #[must_use]
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Reconnect backoff policy.
    #[must_use]
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Resumes a saved session instead of identifying.
    #[must_use]
    pub fn resume(mut self, session: Session) -> Self {
        self.session = Some(session);
        self
    }

    /// The shard id.
    pub fn shard_id(&self) -> ShardId {
        self.shard
    }
}

/// A WebSocket message handed to [`Shard::handle_message`].
#[derive(Clone, Copy, Debug)]
pub enum Message<'a> {
    /// A text frame: uncompressed JSON.
    Text(&'a str),
    /// A binary frame: compressed data.
    Binary(&'a [u8]),
}

/// A WebSocket close frame.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CloseFrame {
    /// Close code.
    pub code: u16,
    /// Reason text.
    pub reason: String,
}

impl CloseFrame {
    /// Ends the session: Discord forgets it and shows the bot offline.
    pub fn normal() -> Self {
        Self {
            code: 1000,
            reason: "closing connection".to_owned(),
        }
    }

    /// Closes the connection but keeps the session resumable.
    pub fn resume() -> Self {
        Self {
            code: 4000,
            reason: "resuming connection".to_owned(),
        }
    }
}

/// How a local [`Shard::close`] treats the session.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum CloseKind {
    /// End the session (close code 1000).
    Normal,
    /// Keep the session resumable (close code 4000), for a restart that
    /// resumes it.
    Resumable,
}

/// What the driver must do next; drain with [`Shard::poll_output`] until
/// [`Output::Wait`].
#[derive(Debug)]
pub enum Output {
    /// Open a WebSocket to this URL (drop any previous one first).
    Connect {
        /// Full URL with `v`, `encoding` and `compress`.
        url: String,
    },
    /// Send this text frame.
    Transmit(Transmit),
    /// Send this close frame, then close the transport and call
    /// [`Shard::handle_close`].
    Close(CloseFrame),
    /// Ask the identify queue for a permit, then call
    /// [`Shard::handle_identify_permit`].
    RequestIdentify,
    /// Something the user may want to see.
    Event(ShardEvent),
    /// Nothing to do until this instant (call [`Shard::handle_timeout`]
    /// then), or until input arrives when `None`.
    Wait(Option<Instant>),
}

/// A text frame to send.
///
/// Its `Debug` shows the opcode and length only: Identify and Resume carry
/// the token.
#[derive(Clone, Eq, PartialEq)]
pub struct Transmit(String);

impl Transmit {
    fn new(json: String) -> Self {
        Self(json)
    }

    /// The frame's JSON.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The frame's JSON, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Transmit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Every frame this crate builds starts with `{"op":N,`.
        let op = self
            .0
            .strip_prefix(r#"{"op":"#)
            .and_then(|rest| rest.split(',').next())
            .unwrap_or("?");
        write!(f, "Transmit {{ op: {op}, len: {} }}", self.0.len())
    }
}

/// What happened on a shard.
#[derive(Debug)]
#[non_exhaustive]
pub enum ShardEvent {
    /// Hello arrived.
    Hello {
        /// Heartbeat interval.
        heartbeat_interval: Duration,
    },
    /// Identify was sent.
    Identifying,
    /// Resume was sent.
    Resuming {
        /// Sequence resumed from.
        sequence: u64,
    },
    /// A heartbeat was sent.
    HeartbeatSent {
        /// Sequence it carried.
        sequence: Option<u64>,
    },
    /// A heartbeat was ACKed.
    HeartbeatAck {
        /// Time from the beat to its ACK.
        latency: Duration,
    },
    /// A dispatch the filter asked for.
    Dispatch {
        /// Sequence number.
        sequence: u64,
        /// The event.
        event: Event,
    },
    /// A dispatch of a known type whose payload did not match its shape;
    /// its sequence still counts, and the raw JSON is kept.
    Undecodable {
        /// Sequence number.
        sequence: u64,
        /// Event name.
        name: String,
        /// Why decoding failed.
        error: String,
        /// The payload as received.
        raw: String,
    },
    /// The connection ended; the shard reconnects unless the reason is
    /// fatal (then [`ShardEvent::Fatal`] follows).
    Disconnected {
        /// Why.
        reason: DisconnectReason,
        /// Whether the session will be resumed.
        will_resume: bool,
    },
    /// The shard stopped for good: fix the configuration.
    Fatal(FatalError),
    /// A local [`Shard::close`] finished.
    Shutdown {
        /// The session, when closed resumable.
        session: Option<Session>,
    },
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum State {
    /// Waiting for the reconnect timer, then `Connect` is emitted.
    Disconnected,
    /// `Connect` emitted; waiting for `handle_open`.
    Connecting,
    /// Socket open; waiting for Hello.
    AwaitingHello,
    /// `RequestIdentify` emitted; waiting for the permit.
    AwaitingPermit,
    /// Identify sent; waiting for `READY`.
    Identifying,
    /// Resume sent; waiting for `RESUMED`.
    Resuming,
    /// Session running.
    Active,
    /// Close frame sent; waiting for `handle_close`.
    Closing,
    /// Stopped: fatal close or local shutdown.
    Stopped,
}

/// What to do once the current connection is gone.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Next {
    Reconnect { delay: Option<Duration> },
    Stop,
}

/// The timers, one slot each; [`Output::Wait`] carries the earliest.
#[derive(Clone, Copy, Debug, Default)]
struct Timers {
    heartbeat: Option<Instant>,
    reconnect: Option<Instant>,
    command_release: Option<Instant>,
    close_grace: Option<Instant>,
    hello: Option<Instant>,
}

impl Timers {
    fn earliest(&self) -> Option<Instant> {
        [
            self.heartbeat,
            self.reconnect,
            self.command_release,
            self.close_grace,
            self.hello,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

/// Counters of one shard, across connections.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
pub struct ShardStats {
    /// Connections opened.
    pub connections: u64,
    /// Sessions identified.
    pub identifies: u64,
    /// Sessions resumed.
    pub resumes: u64,
    /// Dispatches received (all types, duplicates excluded).
    pub dispatches: u64,
    /// Replayed duplicates dropped.
    pub duplicates: u64,
    /// Bytes received from the transport (compressed, when compressed).
    pub bytes_received: u64,
    /// Bytes of JSON after decompression.
    pub bytes_decompressed: u64,
}

/// One gateway shard as a pure state machine.
///
/// Feed it inputs with the current instant; drain [`Shard::poll_output`]
/// after each. See the [crate docs](crate) for the run loop.
#[derive(Debug)]
pub struct Shard {
    config: ShardConfig,
    inflater: Inflater,
    core: Core,
}

/// Everything but the inflater, so that a message borrowed from the
/// inflater's buffer can be processed while the rest is mutated.
#[derive(Debug)]
struct Core {
    state: State,
    outputs: VecDeque<Output>,
    timers: Timers,
    rng: Rng,
    session: Option<Session>,
    /// Whether the next connection goes to the resume URL.
    use_resume_url: bool,
    heartbeat_interval: Option<Duration>,
    /// Whether the last beat was ACKed (true before the first beat).
    acked: bool,
    beat_sent_at: Option<Instant>,
    latency: Option<Duration>,
    limiter: CommandLimiter,
    commands: VecDeque<String>,
    /// Failed attempts since the last READY or RESUMED.
    attempts: u32,
    next: Next,
    shutdown_kind: Option<CloseKind>,
    stats: ShardStats,
    /// Whether the driver stopped reading because the user is behind.
    reading_paused: bool,
    /// Whether reading was paused at any time since the last beat: an ACK
    /// may then be waiting unread, so a missing ACK proves nothing.
    paused_since_beat: bool,
}

impl Shard {
    /// A shard that starts by connecting (and resumes if the config holds a
    /// saved session).
    pub fn new(config: ShardConfig) -> Self {
        let inflater = Inflater::new(config.compression, config.max_message_size);
        let session = config.session.clone();
        let mut core = Core {
            state: State::Disconnected,
            outputs: VecDeque::new(),
            timers: Timers::default(),
            rng: Rng::new(config.seed),
            use_resume_url: session.is_some(),
            session,
            heartbeat_interval: None,
            acked: true,
            beat_sent_at: None,
            latency: None,
            limiter: CommandLimiter::new(Duration::from_secs(41)),
            commands: VecDeque::new(),
            attempts: 0,
            next: Next::Reconnect { delay: None },
            shutdown_kind: None,
            stats: ShardStats::default(),
            reading_paused: false,
            paused_since_beat: false,
        };
        core.connect(&config);
        Self {
            config,
            inflater,
            core,
        }
    }

    /// The next thing to do. Call until it returns [`Output::Wait`].
    pub fn poll_output(&mut self) -> Output {
        self.core
            .outputs
            .pop_front()
            .unwrap_or(Output::Wait(self.core.timers.earliest()))
    }

    /// The WebSocket handshake finished.
    pub fn handle_open(&mut self, now: Instant) {
        if self.core.state != State::Connecting {
            return;
        }
        self.inflater.reset();
        self.core.limiter.reset();
        self.core.state = State::AwaitingHello;
        self.core.acked = true;
        self.core.beat_sent_at = None;
        self.core.timers.hello = Some(now + HELLO_TIMEOUT);
        self.core.stats.connections += 1;
    }

    /// A WebSocket message arrived.
    pub fn handle_message(&mut self, now: Instant, message: Message<'_>) {
        if !self.core.is_connected() {
            return;
        }
        match message {
            Message::Text(text) => {
                let len = text.len() as u64;
                self.core.stats.bytes_received += len;
                self.core.stats.bytes_decompressed += len;
                self.core.handle_text(now, &self.config, text);
            }
            Message::Binary(bytes) => {
                self.core.stats.bytes_received += bytes.len() as u64;
                match self.inflater.push(bytes) {
                    Ok(Some(text)) => {
                        self.core.stats.bytes_decompressed += text.len() as u64;
                        self.core.handle_text(now, &self.config, text);
                    }
                    Ok(None) => {}
                    Err(error) => self.core.fail(now, DisconnectReason::Inflate(error)),
                }
            }
        }
    }

    /// The transport closed, with the peer's close frame if there was one.
    /// Also call this when a connection attempt fails.
    pub fn handle_close(&mut self, now: Instant, frame: Option<CloseFrame>) {
        self.core.handle_close(now, &self.config, frame);
    }

    /// Time passed; safe to call at any time.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.core.handle_timeout(now, &self.config);
    }

    /// The identify queue allows this shard to identify now.
    pub fn handle_identify_permit(&mut self, now: Instant) {
        if self.core.state != State::AwaitingPermit {
            return;
        }
        let identify = Identify {
            token: self.config.token.clone(),
            properties: self.config.properties.clone(),
            compress: None,
            large_threshold: self.config.large_threshold,
            shard: Some([self.config.shard.number(), self.config.shard.total()]),
            presence: self.config.presence.clone(),
            intents: self.config.intents,
        };
        self.core
            .transmit_session_frame(now, OpCode::Identify, &identify);
        self.core.state = State::Identifying;
        self.core.stats.identifies += 1;
        self.core.emit(ShardEvent::Identifying);
    }

    /// Queues a command; it goes out once the session is ready and the
    /// rate limiter allows.
    ///
    /// # Errors
    ///
    /// [`SendErrorKind::TooLarge`] when the command exceeds 4096 bytes,
    /// [`SendErrorKind::QueueFull`] when too many commands wait, and
    /// [`SendErrorKind::Stopped`] after the shard stopped. The command is
    /// handed back in the error.
    pub fn send(&mut self, now: Instant, command: Command) -> Result<(), SendError> {
        if self.core.state == State::Stopped || self.core.shutdown_kind.is_some() {
            return Err(SendError::new(SendErrorKind::Stopped, command));
        }
        let json = command.to_json();
        if json.len() > MAX_COMMAND_SIZE {
            let size = json.len();
            return Err(SendError::new(SendErrorKind::TooLarge { size }, command));
        }
        if self.core.commands.len() >= MAX_QUEUED_COMMANDS {
            return Err(SendError::new(SendErrorKind::QueueFull, command));
        }
        self.core.commands.push_back(json);
        self.core.release_commands(now);
        Ok(())
    }

    /// Closes the shard. [`CloseKind::Resumable`] keeps the session so
    /// that [`ShardEvent::Shutdown`] hands it back for a later resume.
    pub fn close(&mut self, now: Instant, kind: CloseKind) {
        if self.core.state == State::Stopped || self.core.shutdown_kind.is_some() {
            return;
        }
        self.core.shutdown_kind = Some(kind);
        if kind == CloseKind::Normal {
            self.core.session = None;
        }
        if self.core.is_connected() {
            let frame = match kind {
                CloseKind::Normal => CloseFrame::normal(),
                CloseKind::Resumable => CloseFrame::resume(),
            };
            self.core.begin_close(now, frame, Next::Stop);
        } else {
            self.core.stop_with_shutdown();
        }
    }

    /// Tells the shard whether the driver has stopped reading the socket
    /// because the user has not taken earlier events yet.
    ///
    /// Heartbeats keep going out while reading is paused, so Discord keeps
    /// the connection; zombie detection only judges intervals during which
    /// the socket was read the whole time, since an unread ACK is not a
    /// missing one.
    pub fn set_backpressure(&mut self, paused: bool) {
        self.core.reading_paused = paused;
        if paused {
            self.core.paused_since_beat = true;
        }
    }

    /// The current session, if any.
    pub fn session(&self) -> Option<&Session> {
        self.core.session.as_ref()
    }

    /// Latency of the last ACKed heartbeat.
    pub fn latency(&self) -> Option<Duration> {
        self.core.latency
    }

    /// Counters since the shard was created.
    pub fn stats(&self) -> ShardStats {
        self.core.stats
    }

    /// This shard's id.
    pub fn id(&self) -> ShardId {
        self.config.shard
    }

    /// A short name for the shard's state, for status displays.
    pub fn status(&self) -> ShardStatus {
        match self.core.state {
            State::Disconnected | State::Connecting | State::AwaitingHello => {
                ShardStatus::Connecting
            }
            State::AwaitingPermit | State::Identifying => ShardStatus::Identifying,
            State::Resuming => ShardStatus::Resuming,
            State::Active => ShardStatus::Connected,
            State::Closing => ShardStatus::Disconnecting,
            State::Stopped => ShardStatus::Stopped,
        }
    }
}

/// A shard's state, coarsely.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum ShardStatus {
    /// Connecting or waiting to reconnect.
    Connecting,
    /// Waiting for an identify permit or for `READY`.
    Identifying,
    /// Waiting for `RESUMED`.
    Resuming,
    /// Session running.
    Connected,
    /// Closing the connection.
    Disconnecting,
    /// Stopped for good.
    Stopped,
}

impl Core {
    fn is_connected(&self) -> bool {
        matches!(
            self.state,
            State::AwaitingHello
                | State::AwaitingPermit
                | State::Identifying
                | State::Resuming
                | State::Active
        )
    }

    fn emit(&mut self, event: ShardEvent) {
        self.outputs.push_back(Output::Event(event));
    }

    fn connect(&mut self, config: &ShardConfig) {
        let base = match (&self.session, self.use_resume_url) {
            (Some(session), true) => session.resume_url.as_str(),
            _ => config.gateway_url.as_str(),
        };
        let url = gateway_url(base, config.compression);
        self.state = State::Connecting;
        self.timers = Timers::default();
        self.outputs.push_back(Output::Connect { url });
    }

    fn handle_text(&mut self, now: Instant, config: &ShardConfig, text: &str) {
        if let Some(dispatch) = Dispatch::split(text) {
            self.handle_dispatch(now, config, &dispatch);
            return;
        }
        let frame = match Frame::parse(text) {
            Ok(frame) => frame,
            Err(error) => {
                let reason = DisconnectReason::MalformedFrame(error.to_string());
                self.fail(now, reason);
                return;
            }
        };
        match OpCode::from_u8(frame.op) {
            Some(OpCode::Dispatch) => {
                let dispatch = Dispatch {
                    name: frame.t.as_deref().unwrap_or_default(),
                    sequence: frame.s,
                    data: frame.data(),
                    text: None,
                };
                self.handle_dispatch(now, config, &dispatch);
            }
            Some(OpCode::Heartbeat) => self.send_heartbeat(now),
            Some(OpCode::Reconnect) => {
                self.begin_close(now, CloseFrame::resume(), Next::Reconnect { delay: None });
                self.disconnected(DisconnectReason::Reconnect);
            }
            Some(OpCode::InvalidSession) => {
                let resumable = frame.data().trim() == "true";
                self.handle_invalid_session(now, resumable);
            }
            Some(OpCode::Hello) => self.handle_hello(now, config, frame.data()),
            Some(OpCode::HeartbeatAck) => {
                self.acked = true;
                if let Some(sent) = self.beat_sent_at.take() {
                    let latency = now.saturating_duration_since(sent);
                    self.latency = Some(latency);
                    self.emit(ShardEvent::HeartbeatAck { latency });
                }
            }
            // Opcodes a server never sends, and opcodes newer than this
            // library, are ignored rather than failing the connection.
            _ => {}
        }
    }

    fn handle_hello(&mut self, now: Instant, config: &ShardConfig, data: &str) {
        if self.state != State::AwaitingHello {
            return;
        }
        let Ok(hello) = serde_json::from_str::<Hello>(data) else {
            self.fail(
                now,
                DisconnectReason::MalformedFrame("bad hello".to_owned()),
            );
            return;
        };
        // The server's interval is honoured, except that a tiny one would
        // beat in a busy loop (and break the 120-per-minute rule).
        let interval = Duration::from_millis(hello.heartbeat_interval.max(MIN_HEARTBEAT_MS));
        self.heartbeat_interval = Some(interval);
        self.limiter = CommandLimiter::new(interval);
        self.timers.hello = None;
        let jitter = config.jitter.unwrap_or_else(|| self.rng.unit_f64());
        self.timers.heartbeat = Some(now + interval.mul_f64(jitter));
        self.emit(ShardEvent::Hello {
            heartbeat_interval: interval,
        });
        if let Some(session) = &self.session {
            let resume = Resume {
                token: config.token.clone(),
                session_id: session.id.clone(),
                seq: session.sequence,
            };
            let sequence = session.sequence;
            self.transmit_session_frame(now, OpCode::Resume, &resume);
            self.state = State::Resuming;
            self.stats.resumes += 1;
            self.emit(ShardEvent::Resuming { sequence });
        } else {
            self.state = State::AwaitingPermit;
            self.outputs.push_back(Output::RequestIdentify);
        }
    }

    fn handle_dispatch(&mut self, now: Instant, config: &ShardConfig, dispatch: &Dispatch<'_>) {
        let name = dispatch.name;
        let kind = EventType::from_name(name);
        let sequence = dispatch.sequence.unwrap_or(0);
        if kind == Some(EventType::Ready) {
            self.handle_ready(now, config, dispatch, sequence);
            return;
        }
        if let (Some(session), Some(s)) = (&mut self.session, dispatch.sequence) {
            // RESUMED ends the replay whatever its number; anything else
            // numbered at or below the last sequence was seen already.
            if s <= session.sequence && kind != Some(EventType::Resumed) {
                self.stats.duplicates += 1;
                return;
            }
            session.sequence = session.sequence.max(s);
        }
        self.stats.dispatches += 1;
        if kind == Some(EventType::Resumed) && self.state == State::Resuming {
            self.session_established(now);
        }
        let wanted = match kind {
            Some(kind) => config.event_types.contains(kind),
            None => config.event_types.contains_unknown(),
        };
        if !wanted {
            return;
        }
        match dispatch.decode(kind) {
            Ok(event) => self.emit(ShardEvent::Dispatch { sequence, event }),
            Err(error) => self.emit(ShardEvent::Undecodable {
                sequence,
                name: name.to_owned(),
                error: error.to_string(),
                raw: dispatch.data.to_owned(),
            }),
        }
    }

    fn handle_ready(
        &mut self,
        now: Instant,
        config: &ShardConfig,
        dispatch: &Dispatch<'_>,
        seq: u64,
    ) {
        let event = match dispatch.decode(Some(EventType::Ready)) {
            Ok(event) => event,
            Err(error) => {
                let reason = DisconnectReason::MalformedFrame(format!("bad READY: {error}"));
                self.fail(now, reason);
                return;
            }
        };
        if let Event::Ready(ready) = &event {
            self.session = Some(Session {
                id: ready.session_id.clone(),
                sequence: seq,
                resume_url: ready.resume_gateway_url.clone(),
            });
        }
        self.stats.dispatches += 1;
        self.session_established(now);
        if config.event_types.contains(EventType::Ready) {
            self.emit(ShardEvent::Dispatch {
                sequence: seq,
                event,
            });
        }
    }

    fn session_established(&mut self, now: Instant) {
        self.state = State::Active;
        self.attempts = 0;
        self.use_resume_url = true;
        self.release_commands(now);
    }

    fn handle_invalid_session(&mut self, now: Instant, resumable: bool) {
        if resumable && self.session.is_some() {
            self.begin_close(now, CloseFrame::resume(), Next::Reconnect { delay: None });
        } else {
            self.session = None;
            // Discord asks for a random pause of 1–5 s before identifying
            // again; the old docs said so and libraries still do it.
            let pause = self
                .rng
                .range_duration(Duration::from_secs(1), Duration::from_secs(5));
            self.begin_close(
                now,
                CloseFrame::normal(),
                Next::Reconnect { delay: Some(pause) },
            );
        }
        self.disconnected(DisconnectReason::InvalidSession { resumable });
    }

    fn handle_timeout(&mut self, now: Instant, config: &ShardConfig) {
        if self.timers.close_grace.is_some_and(|t| t <= now) {
            self.timers.close_grace = None;
            self.connection_gone(now, config);
        }
        if self.timers.reconnect.is_some_and(|t| t <= now) {
            self.timers.reconnect = None;
            self.connect(config);
        }
        if self.timers.hello.is_some_and(|t| t <= now) {
            self.timers.hello = None;
            self.fail(now, DisconnectReason::HelloTimeout);
        }
        if self.timers.heartbeat.is_some_and(|t| t <= now) {
            self.heartbeat_due(now);
        }
        if self.timers.command_release.is_some_and(|t| t <= now) {
            self.timers.command_release = None;
            self.release_commands(now);
        }
    }

    fn heartbeat_due(&mut self, now: Instant) {
        let Some(interval) = self.heartbeat_interval else {
            self.timers.heartbeat = None;
            return;
        };
        if !self.acked && !self.paused_since_beat {
            self.fail(now, DisconnectReason::Zombie);
            return;
        }
        self.send_heartbeat(now);
        self.paused_since_beat = self.reading_paused;
        self.timers.heartbeat = Some(now + interval);
    }

    fn send_heartbeat(&mut self, now: Instant) {
        if !self.is_connected() {
            return;
        }
        let sequence = self.session.as_ref().map(|s| s.sequence);
        let json = match sequence {
            Some(s) => format!(r#"{{"op":1,"d":{s}}}"#),
            None => r#"{"op":1,"d":null}"#.to_owned(),
        };
        self.limiter.acquire_heartbeat(now);
        self.outputs
            .push_back(Output::Transmit(Transmit::new(json)));
        self.acked = false;
        self.beat_sent_at = Some(now);
        self.emit(ShardEvent::HeartbeatSent { sequence });
    }

    /// Sends Identify or Resume from the heartbeat share of the limiter,
    /// which always has room.
    fn transmit_session_frame<T: serde::Serialize>(&mut self, now: Instant, op: OpCode, d: &T) {
        #[derive(serde::Serialize)]
        struct Out<'a, T> {
            op: u8,
            d: &'a T,
        }
        // Identify and Resume hold only strings, numbers and flags, which
        // always serialise.
        let json = serde_json::to_string(&Out { op: op.get(), d }).unwrap_or_default();
        self.limiter.acquire_heartbeat(now);
        self.outputs
            .push_back(Output::Transmit(Transmit::new(json)));
    }

    fn release_commands(&mut self, now: Instant) {
        if self.state != State::Active {
            return;
        }
        while !self.commands.is_empty() {
            match self.limiter.try_acquire_command(now) {
                Ok(()) => {
                    if let Some(json) = self.commands.pop_front() {
                        self.outputs
                            .push_back(Output::Transmit(Transmit::new(json)));
                    }
                }
                Err(retry_at) => {
                    self.timers.command_release = Some(retry_at);
                    return;
                }
            }
        }
        self.timers.command_release = None;
    }

    /// The connection failed on our side of the judgement (zombie, corrupt
    /// data, timeout): close it keeping the session, and resume.
    fn fail(&mut self, now: Instant, reason: DisconnectReason) {
        if !self.is_connected() {
            return;
        }
        self.attempts += 1;
        self.begin_close(now, CloseFrame::resume(), Next::Reconnect { delay: None });
        self.disconnected(reason);
    }

    fn disconnected(&mut self, reason: DisconnectReason) {
        let will_resume = self.session.is_some();
        self.emit(ShardEvent::Disconnected {
            reason,
            will_resume,
        });
    }

    fn begin_close(&mut self, now: Instant, frame: CloseFrame, next: Next) {
        if !self.is_connected() {
            return;
        }
        self.next = next;
        self.outputs.push_back(Output::Close(frame));
        self.state = State::Closing;
        self.timers.heartbeat = None;
        self.timers.hello = None;
        self.timers.command_release = None;
        self.timers.close_grace = Some(now + CLOSE_GRACE);
    }

    fn handle_close(&mut self, now: Instant, config: &ShardConfig, frame: Option<CloseFrame>) {
        match self.state {
            State::Stopped | State::Disconnected => {}
            State::Closing => self.connection_gone(now, config),
            State::Connecting => {
                // The connection attempt failed. A resume URL that cannot
                // be reached is dropped for the default URL; the session is
                // kept and resumed there.
                self.attempts += 1;
                self.use_resume_url = false;
                self.next = Next::Reconnect { delay: None };
                self.disconnected(DisconnectReason::ConnectFailed);
                self.connection_gone(now, config);
            }
            _ => self.peer_closed(now, config, frame),
        }
    }

    fn peer_closed(&mut self, now: Instant, config: &ShardConfig, frame: Option<CloseFrame>) {
        let code = frame.as_ref().map(|f| f.code);
        let reason = DisconnectReason::Closed(frame);
        match CloseCode::action_for(code) {
            CloseAction::Resume => self.next = Next::Reconnect { delay: None },
            CloseAction::Reidentify => {
                self.session = None;
                self.next = Next::Reconnect { delay: None };
            }
            CloseAction::Fatal => {
                let fatal = code
                    .and_then(CloseCode::from_code)
                    .and_then(|code| FatalError::from_close(code, config.intents));
                self.disconnected_fatal(reason);
                if let Some(fatal) = fatal {
                    self.emit(ShardEvent::Fatal(fatal));
                }
                self.session = None;
                self.state = State::Stopped;
                self.timers = Timers::default();
                return;
            }
        }
        self.attempts += 1;
        self.disconnected(reason);
        self.connection_gone(now, config);
    }

    fn disconnected_fatal(&mut self, reason: DisconnectReason) {
        self.emit(ShardEvent::Disconnected {
            reason,
            will_resume: false,
        });
    }

    /// The transport is gone: reconnect after the backoff, or stop.
    fn connection_gone(&mut self, now: Instant, config: &ShardConfig) {
        self.timers = Timers::default();
        self.heartbeat_interval = None;
        match self.next {
            Next::Stop => {
                self.stop_with_shutdown();
            }
            Next::Reconnect { delay } => {
                if self.shutdown_kind.is_some() {
                    self.stop_with_shutdown();
                    return;
                }
                self.state = State::Disconnected;
                let backoff = config.backoff.delay(self.attempts, &mut self.rng);
                let delay = delay.unwrap_or_default().max(backoff);
                if delay.is_zero() {
                    self.connect(config);
                } else {
                    self.timers.reconnect = Some(now + delay);
                }
            }
        }
    }

    fn stop_with_shutdown(&mut self) {
        self.state = State::Stopped;
        self.timers = Timers::default();
        let session = match self.shutdown_kind {
            Some(CloseKind::Resumable) => self.session.clone(),
            _ => None,
        };
        self.emit(ShardEvent::Shutdown { session });
    }
}

/// A dispatch frame's parts: event name, sequence and payload.
struct Dispatch<'a> {
    name: &'a str,
    sequence: Option<u64>,
    data: &'a str,
    /// The whole frame, when `data` was cut out by [`Dispatch::split`]
    /// rather than found by a JSON parser.
    text: Option<&'a str>,
}

impl<'a> Dispatch<'a> {
    /// Reads a dispatch written the way Discord writes it,
    /// `{"t":"NAME","s":N,"op":0,"d":…}`, without parsing the payload.
    ///
    /// This lets an unwanted event be skipped with no JSON parsing at all,
    /// and a wanted one be parsed once instead of twice (a general parser
    /// must scan `d` to find the other keys). Any other shape returns
    /// `None` and goes through the general parser.
    fn split(text: &'a str) -> Option<Self> {
        let rest = text.strip_prefix(r#"{"t":""#)?;
        let name_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
            .count();
        let name = rest.get(..name_len).filter(|n| !n.is_empty())?;
        let rest = rest.get(name_len..)?.strip_prefix(r#"","s":"#)?;
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let sequence = rest.get(..digits)?.parse().ok()?;
        let data = rest
            .get(digits..)?
            .strip_prefix(r#","op":0,"d":"#)?
            .trim_end()
            .strip_suffix('}')?;
        Some(Self {
            name,
            sequence: Some(sequence),
            data,
            text: Some(text),
        })
    }

    /// Decodes the payload. When `data` was cut out by [`Dispatch::split`]
    /// and does not decode, the frame may have had more keys after `d`:
    /// the general parser then has the last word.
    fn decode(&self, kind: Option<EventType>) -> Result<Event, serde_json::Error> {
        // The name was looked up once already; only unknown events go
        // through `from_dispatch`, which keeps them raw.
        let decode = |data: &str| match kind {
            Some(kind) => Event::decode(kind, data),
            None => Event::from_dispatch(self.name, data),
        };
        match (decode(self.data), self.text) {
            (Err(_), Some(text)) => decode(Frame::parse(text)?.data()),
            (result, _) => result,
        }
    }
}

/// The gateway URL for a base URL (`wss://host` or `wss://host/`) with this
/// crate's query: `v=10`, `encoding=json` and the compression.
///
/// ```
/// use tether_gateway_proto::{gateway_url, Compression};
/// assert_eq!(
///     gateway_url("wss://gateway.discord.gg/", Compression::ZlibStream),
///     "wss://gateway.discord.gg/?v=10&encoding=json&compress=zlib-stream",
/// );
/// ```
pub fn gateway_url(base: &str, compression: Compression) -> String {
    // A base may carry a query of its own; only the path part is kept.
    let base = base.split('?').next().unwrap_or(base).trim_end_matches('/');
    let mut url = format!("{base}/?v={API_VERSION}&encoding=json");
    if let Some(compress) = compression.query_value() {
        url.push_str("&compress=");
        url.push_str(compress);
    }
    url
}
