//! The server side of the gateway protocol, per connection: Hello,
//! heartbeats, Identify and Resume validation, the command rate limit,
//! close codes and faults.
//!
//! Checks run in this order on every client message: size (> 4096 bytes:
//! 4002), command rate (more than `command_limit` per `command_window`:
//! 4008), UTF-8 and JSON (4002), opcode (unknown or receive-only: 4001),
//! authentication (commands before Identify/Resume: 4003). Identify is then
//! checked for token (4004), shard (4010), intents (4013 for missing or
//! undocumented bits, 4014 for privileged intents the application may not
//! use), guild count per shard (4011), and finally the session start limit
//! and the `max_concurrency` buckets, which answer op 9 `false` rather than
//! closing, as Discord does.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Deserialize;
use serde_json::value::RawValue;
use tether_model::Intents;
use tether_model::application::flags;
use tether_model::gateway::{RequestChannelInfo, UpdateVoiceState};
use tether_model::id::GuildId;
use tether_model::presence::{Activity, Status};
use tether_model::voice::VoiceState;

use super::dispatch::{Body, Dispatch, Scope};
use super::session::{NewSession, ReplayError, Session, dispatch_frame};
use super::{Action, Compression, ConnectionId, Core, Fault, IDENTIFY_LOG, IdentifyRecord, Timer};

/// Largest client payload Discord accepts.
pub(crate) const MAX_PAYLOAD: usize = 4096;
/// `RESUMED`'s payload.
const RESUMED: &str = r#"{"_trace":["tether-emulator"]}"#;
/// Host given in `VOICE_SERVER_UPDATE`; the emulator has no voice servers.
const VOICE_ENDPOINT: &str = "voice.emulator.invalid:443";

#[derive(Debug)]
pub(crate) struct Connection {
    pub(crate) id: ConnectionId,
    pub(crate) path: String,
    pub(crate) version: u8,
    pub(crate) compression: Compression,
    pub(crate) session: Option<u64>,
    pub(crate) heartbeat_deadline: Instant,
    commands: VecDeque<Instant>,
    pub(crate) acks: bool,
    pub(crate) payload_compression: bool,
    pub(crate) heartbeats: u64,
}

#[derive(Deserialize)]
struct ClientFrame<'a> {
    op: u64,
    #[serde(borrow, default)]
    d: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct IdentifyIn {
    token: String,
    #[serde(default)]
    compress: Option<bool>,
    #[serde(default)]
    large_threshold: Option<u64>,
    #[serde(default)]
    shard: Option<[i64; 2]>,
    #[serde(default)]
    presence: Option<PresenceIn>,
    #[serde(default)]
    intents: Option<u64>,
}

#[derive(Deserialize)]
struct ResumeIn {
    token: String,
    session_id: String,
    #[serde(default)]
    seq: Option<u64>,
}

#[derive(Deserialize)]
pub(crate) struct PresenceIn {
    #[serde(default)]
    pub(crate) status: Option<Status>,
    #[serde(default)]
    pub(crate) activities: Option<Vec<Activity>>,
}

#[derive(Deserialize)]
struct SoundboardIn {
    guild_ids: Vec<GuildId>,
}

/// Parses the handshake's query string: `v` (9 or 10), `encoding` (json)
/// and `compress`. Unknown parameters are ignored.
pub(crate) fn parse_query(query: &str) -> Result<(u8, Compression), (u16, &'static str)> {
    let mut version = None;
    let mut compression = Compression::None;
    let mut encoding_error = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "v" => version = Some(value),
            "encoding" => match value {
                "json" => {}
                "etf" => encoding_error = Some("etf encoding is not supported by the emulator"),
                _ => encoding_error = Some("unknown encoding"),
            },
            "compress" => {
                compression = match value {
                    "zlib-stream" => Compression::ZlibStream,
                    "zstd-stream" => Compression::ZstdStream,
                    _ => return Err((4002, "unknown transport compression")),
                }
            }
            _ => {}
        }
    }
    let Some(Ok(version @ (9 | 10))) = version.map(str::parse::<u8>) else {
        return Err((4012, "invalid API version"));
    };
    if let Some(reason) = encoding_error {
        return Err((4002, reason));
    }
    Ok((version, compression))
}

/// Whether the server closing with `code` ends the session (the codes for
/// which Discord tells clients to start a new session, and fatal ones).
fn ends_session(code: u16) -> bool {
    matches!(code, 4004 | 4007 | 4009 | 4010..=4014)
}

fn op_frame(op: u8, d: &str) -> String {
    format!("{{\"t\":null,\"s\":null,\"op\":{op},\"d\":{d}}}")
}

impl Core {
    /// A WebSocket handshake on `path` with `query` finished: queues Hello,
    /// or a close (4012 for `v` other than 9 and 10, 4002 for an encoding
    /// other than JSON or an unknown `compress`).
    pub fn open(&mut self, now: Instant, path: &str, query: &str) -> ConnectionId {
        let id = ConnectionId(self.next_connection);
        self.next_connection += 1;
        self.stats.connections += 1;
        let (version, compression) = match parse_query(query) {
            Ok(parsed) => parsed,
            Err((code, reason)) => {
                tracing::info!(connection = %id, code, reason, "gateway handshake refused");
                self.stats.closes += 1;
                self.push(
                    id,
                    Action::Close {
                        code,
                        reason: reason.to_owned(),
                    },
                );
                return id;
            }
        };
        let interval = self.config.heartbeat_interval;
        let deadline = now + interval + interval / 2;
        self.connections.insert(
            id,
            Connection {
                id,
                path: path.to_owned(),
                version,
                compression,
                session: None,
                heartbeat_deadline: deadline,
                commands: VecDeque::new(),
                acks: true,
                payload_compression: false,
                heartbeats: 0,
            },
        );
        self.push_timer(deadline, Timer::Heartbeat(id));
        let hello = format!(
            "{{\"heartbeat_interval\":{},\"_trace\":[\"[\\\"tether-emulator\\\",{{\\\"micros\\\":0}}]\"]}}",
            interval.as_millis()
        );
        self.send(id, op_frame(10, &hello));
        tracing::info!(connection = %id, path, version, ?compression, "gateway connection opened");
        id
    }

    /// A message from the client (a text or binary frame's payload).
    pub fn handle_message(&mut self, now: Instant, id: ConnectionId, data: &[u8]) {
        let limit = self.config.command_limit;
        let window = self.config.command_window;
        let Some(conn) = self.connections.get_mut(&id) else {
            return;
        };
        if data.len() > MAX_PAYLOAD {
            return self.close(now, id, 4002, "payload too large");
        }
        while conn
            .commands
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= window)
        {
            conn.commands.pop_front();
        }
        if conn.commands.len() >= usize::try_from(limit).unwrap_or(usize::MAX) {
            return self.close(now, id, 4008, "rate limited");
        }
        conn.commands.push_back(now);
        let identified = conn.session.is_some();
        let Ok(text) = std::str::from_utf8(data) else {
            return self.close(now, id, 4002, "decode error");
        };
        let Ok(frame) = serde_json::from_str::<ClientFrame<'_>>(text) else {
            return self.close(now, id, 4002, "decode error");
        };
        let d = frame.d.map_or("null", RawValue::get);
        match frame.op {
            1 => self.heartbeat(now, id, d),
            2 => self.identify(now, id, d),
            6 => self.resume(now, id, d),
            3 | 4 | 8 | 31 | 43 if !identified => self.close(now, id, 4003, "not authenticated"),
            3 => self.presence_command(now, id, d),
            4 => self.voice_command(now, id, d),
            8 => self.request_members(now, id, d),
            31 => self.soundboard_command(now, id, d),
            43 => self.channel_info_command(now, id, d),
            _ => self.close(now, id, 4001, "unknown opcode"),
        }
    }

    /// The transport ended, with the client's close code or none (dropped
    /// socket). 1000 and 1001 end the session; anything else keeps it
    /// resumable for the configured grace time.
    pub fn handle_close(&mut self, now: Instant, id: ConnectionId, code: Option<u16>) {
        let Some(conn) = self.connections.remove(&id) else {
            return;
        };
        tracing::info!(connection = %id, code, "gateway connection closed by the client");
        let Some(key) = conn.session else {
            return;
        };
        if matches!(code, Some(1000 | 1001)) {
            self.end_session(key);
        } else {
            self.detach(now, key);
        }
    }

    fn heartbeat(&mut self, now: Instant, id: ConnectionId, d: &str) {
        if serde_json::from_str::<Option<u64>>(d).is_err() {
            return self.close(now, id, 4001, "invalid heartbeat payload");
        }
        let interval = self.config.heartbeat_interval;
        let deadline = now + interval + interval / 2;
        let Some(conn) = self.connections.get_mut(&id) else {
            return;
        };
        conn.heartbeat_deadline = deadline;
        conn.heartbeats += 1;
        let ack = conn.acks;
        self.push_timer(deadline, Timer::Heartbeat(id));
        if ack {
            self.send(id, op_frame(11, "null"));
        }
    }

    #[expect(
        clippy::too_many_lines,
        reason = "the checks read best in Discord's order, in one place"
    )]
    fn identify(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Some(conn) = self.connections.get(&id) else {
            return;
        };
        if conn.session.is_some() {
            return self.close(now, id, 4005, "already authenticated");
        }
        let compression = conn.compression;
        let Ok(identify) = serde_json::from_str::<IdentifyIn>(d) else {
            return self.close(now, id, 4001, "invalid identify payload");
        };
        let Some(bot) = self.world.bot_by_token(&identify.token).cloned() else {
            return self.close(now, id, 4004, "authentication failed");
        };
        let shard = match identify.shard {
            None => [0, 1],
            Some([shard, count]) => match (u32::try_from(shard), u32::try_from(count)) {
                (Ok(shard), Ok(count)) if shard < count => [shard, count],
                _ => return self.close(now, id, 4010, "invalid shard"),
            },
        };
        let Some(intents) = identify.intents.and_then(Intents::from_bits) else {
            return self.close(now, id, 4013, "invalid intent(s)");
        };
        let allowed = [
            (
                Intents::GUILD_PRESENCES,
                flags::GATEWAY_PRESENCE | flags::GATEWAY_PRESENCE_LIMITED,
            ),
            (
                Intents::GUILD_MEMBERS,
                flags::GATEWAY_GUILD_MEMBERS | flags::GATEWAY_GUILD_MEMBERS_LIMITED,
            ),
            (
                Intents::MESSAGE_CONTENT,
                flags::GATEWAY_MESSAGE_CONTENT | flags::GATEWAY_MESSAGE_CONTENT_LIMITED,
            ),
        ];
        if allowed
            .iter()
            .any(|(intent, app)| intents.contains(*intent) && bot.flags & app == 0)
        {
            return self.close(now, id, 4014, "disallowed intent(s)");
        }
        let guilds: Vec<GuildId> = self
            .world
            .guilds_of(bot.user_id)
            .into_iter()
            .filter(|g| g.shard(shard[1]) == shard[0])
            .collect();
        if guilds.len() > usize::try_from(self.config.max_guilds_per_shard).unwrap_or(usize::MAX) {
            return self.close(now, id, 4011, "sharding required");
        }
        let total = self.config.session_start_total;
        let reset = self.config.session_start_reset;
        let concurrency = self.config.max_concurrency.max(1);
        let interval = self.config.identify_interval;
        let bucket = shard[0] % concurrency;
        let state = self.app_state(now, bot.application_id);
        let remaining = state.remaining.unwrap_or(total);
        let too_soon = state
            .last_identify
            .get(&bucket)
            .is_some_and(|last| now.saturating_duration_since(*last) < interval);
        if remaining == 0 || too_soon {
            tracing::info!(connection = %id, bucket, remaining, "identify refused by the session start limits");
            return self.invalid_session(id, false);
        }
        state.remaining = Some(remaining - 1);
        state.reset_at.get_or_insert(now + reset);
        state.last_identify.insert(bucket, now);
        if self.identify_log.len() >= IDENTIFY_LOG {
            self.identify_log.pop_front();
        }
        self.identify_log.push_back(IdentifyRecord {
            application_id: bot.application_id,
            shard,
            bucket,
            at: now,
        });
        let key = self.next_session;
        self.next_session += 1;
        let session_id = self.new_session_id(key);
        let large_threshold = identify.large_threshold.unwrap_or(50).clamp(50, 250);
        self.sessions.insert(
            key,
            Session::new(NewSession {
                id: session_id.clone(),
                application: bot.application_id,
                user: bot.user_id,
                shard,
                intents,
                large_threshold: usize::try_from(large_threshold).unwrap_or(250),
                capacity: self.config.replay_capacity,
                connection: id,
            }),
        );
        self.session_keys.insert(session_id.clone(), key);
        let threshold = self.config.payload_compression_threshold;
        let payload_compression =
            identify.compress == Some(true) && compression == Compression::None;
        if let Some(conn) = self.connections.get_mut(&id) {
            conn.session = Some(key);
            conn.payload_compression = payload_compression;
        }
        if payload_compression {
            self.push(id, Action::PayloadCompression { threshold });
        }
        self.stats.identifies += 1;
        tracing::info!(
            connection = %id,
            session = %session_id,
            shard = ?shard,
            intents = intents.bits(),
            "gateway session identified"
        );
        let status = identify
            .presence
            .as_ref()
            .and_then(|p| p.status)
            .unwrap_or(Status::Online);
        let activities = identify
            .presence
            .and_then(|p| p.activities)
            .unwrap_or_default();
        if let Some(user) = self.world.users.get_mut(&bot.user_id) {
            user.status = status;
            user.activities = activities;
        }
        self.send_ready(now, key, identify.shard.map(|_| shard), &guilds);
        if intents.contains(Intents::GUILDS) {
            for guild in guilds {
                self.send_guild_create(now, key, guild);
            }
        }
    }

    fn resume(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Some(conn) = self.connections.get(&id) else {
            return;
        };
        if conn.session.is_some() {
            return self.close(now, id, 4005, "already authenticated");
        }
        let Ok(resume) = serde_json::from_str::<ResumeIn>(d) else {
            return self.close(now, id, 4001, "invalid resume payload");
        };
        let Some(bot) = self.world.bot_by_token(&resume.token) else {
            return self.close(now, id, 4004, "authentication failed");
        };
        let application = bot.application_id;
        let key = self
            .session_keys
            .get(&resume.session_id)
            .copied()
            .filter(|k| {
                self.sessions
                    .get(k)
                    .is_some_and(|s| s.application == application)
            });
        let Some(key) = key else {
            tracing::info!(connection = %id, "resume of an unknown session refused");
            return self.invalid_session(id, false);
        };
        let seq = resume.seq.unwrap_or(0);
        let Some(session) = self.sessions.get(&key) else {
            return;
        };
        let replay: Result<Vec<String>, ReplayError> = session
            .replay_after(seq)
            .map(|events| events.map(|b| dispatch_frame(b.t, b.seq, &b.d)).collect());
        let old = session.connection.filter(|old| *old != id);
        let replay = match replay {
            Ok(frames) => frames,
            Err(ReplayError::Future) => {
                // Discord tells clients to start a new session after 4007.
                self.end_session(key);
                return self.close(now, id, 4007, "invalid seq");
            }
            Err(ReplayError::Lost) => {
                tracing::info!(connection = %id, "resume too old for the replay buffer");
                self.end_session(key);
                return self.invalid_session(id, false);
            }
        };
        if let Some(old) = old {
            // The client gave up on the old socket (half-open, zombie); so do we.
            self.connections.remove(&old);
            self.push(old, Action::Drop);
        }
        let Some(session) = self.sessions.get_mut(&key) else {
            return;
        };
        session.connection = Some(id);
        session.expires_at = None;
        session.resumes += 1;
        let resumed_seq = session.next_seq();
        let session_id = session.id.clone();
        if let Some(conn) = self.connections.get_mut(&id) {
            conn.session = Some(key);
        }
        tracing::info!(
            connection = %id,
            session = %session_id,
            from = seq,
            replayed = replay.len(),
            "gateway session resumed"
        );
        for frame in replay {
            self.push(id, Action::Replay(frame));
        }
        self.send(id, dispatch_frame("RESUMED", resumed_seq, RESUMED));
        self.stats.resumes += 1;
    }

    fn presence_command(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Ok(presence) = serde_json::from_str::<PresenceIn>(d) else {
            return self.close(now, id, 4001, "invalid presence payload");
        };
        let Some(user) = self.session_of(id).map(|s| s.user) else {
            return;
        };
        let status = presence.status.unwrap_or(Status::Online);
        // A presence for a user that exists cannot fail.
        let _ = self.set_presence(now, user, status, presence.activities.unwrap_or_default());
    }

    fn voice_command(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Ok(update) = serde_json::from_str::<UpdateVoiceState>(d) else {
            return self.close(now, id, 4001, "invalid voice state payload");
        };
        let Some((key, user)) = self.session_key_of(id) else {
            return;
        };
        let Some(session_id) = self.sessions.get(&key).map(|s| s.id.clone()) else {
            return;
        };
        let guild = update.guild_id;
        let in_guild = |c| {
            self.world
                .channels
                .get(&c)
                .is_some_and(|r| r.channel.guild_id == Some(guild))
        };
        if !self.world.is_member(guild, user) || update.channel_id.is_some_and(|c| !in_guild(c)) {
            return;
        }
        let member = self.world.member(guild, user);
        let state = VoiceState {
            guild_id: Some(guild),
            channel_id: update.channel_id,
            user_id: user,
            member,
            session_id,
            self_deaf: update.self_deaf,
            self_mute: update.self_mute,
            ..VoiceState::default()
        };
        if let Ok(record) = self.world.guild_record_mut(guild) {
            if update.channel_id.is_some() {
                let mut stored = state.clone();
                stored.member = None;
                record.voice.insert(user, stored);
            } else {
                record.voice.remove(&user);
            }
        }
        self.broadcast(
            now,
            Dispatch::new(
                "VOICE_STATE_UPDATE",
                Scope::Guild(guild),
                Body::json(&state),
            )
            .intents(Intents::GUILD_VOICE_STATES),
        );
        if update.channel_id.is_some() {
            let token = format!("{:016x}", splitmix(key ^ guild.get()));
            let d = serde_json::json!({ "token": token, "guild_id": guild, "endpoint": VOICE_ENDPOINT });
            self.deliver(
                now,
                key,
                "VOICE_SERVER_UPDATE",
                Arc::from(d.to_string()),
                true,
            );
        }
    }

    fn soundboard_command(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Ok(request) = serde_json::from_str::<SoundboardIn>(d) else {
            return self.close(now, id, 4001, "invalid soundboard request");
        };
        let Some((key, user)) = self.session_key_of(id) else {
            return;
        };
        for guild in request.guild_ids.into_iter().take(100) {
            if self.world.is_member(guild, user) {
                let d = serde_json::json!({ "guild_id": guild, "soundboard_sounds": [] });
                self.deliver(
                    now,
                    key,
                    "SOUNDBOARD_SOUNDS",
                    Arc::from(d.to_string()),
                    true,
                );
            }
        }
    }

    fn channel_info_command(&mut self, now: Instant, id: ConnectionId, d: &str) {
        let Ok(request) = serde_json::from_str::<RequestChannelInfo>(d) else {
            return self.close(now, id, 4001, "invalid channel info request");
        };
        let Some((key, user)) = self.session_key_of(id) else {
            return;
        };
        if !self.world.is_member(request.guild_id, user) {
            return;
        }
        let channels: Vec<serde_json::Value> = self
            .world
            .channels(request.guild_id)
            .into_iter()
            .filter(|c| matches!(c.kind, 2 | 13))
            .map(|c| serde_json::json!({ "id": c.id, "status": null, "voice_start_time": null }))
            .collect();
        let d = serde_json::json!({ "guild_id": request.guild_id, "channels": channels });
        self.deliver(now, key, "CHANNEL_INFO", Arc::from(d.to_string()), true);
    }

    pub(super) fn session_of(&self, id: ConnectionId) -> Option<&Session> {
        let key = self.connections.get(&id)?.session?;
        self.sessions.get(&key)
    }

    pub(super) fn session_key_of(
        &self,
        id: ConnectionId,
    ) -> Option<(u64, tether_model::id::UserId)> {
        let key = self.connections.get(&id)?.session?;
        Some((key, self.sessions.get(&key)?.user))
    }

    pub(super) fn invalid_session(&mut self, id: ConnectionId, resumable: bool) {
        self.stats.invalid_sessions += 1;
        self.send(id, op_frame(9, if resumable { "true" } else { "false" }));
    }

    /// Sends a close frame and forgets the connection; see [`ends_session`].
    pub(super) fn close(&mut self, now: Instant, id: ConnectionId, code: u16, reason: &str) {
        let Some(conn) = self.connections.remove(&id) else {
            return;
        };
        tracing::info!(connection = %id, code, reason, "gateway connection closed by the emulator");
        self.stats.closes += 1;
        self.push(
            id,
            Action::Close {
                code,
                reason: reason.to_owned(),
            },
        );
        if let Some(key) = conn.session {
            if ends_session(code) {
                self.end_session(key);
            } else {
                self.detach(now, key);
            }
        }
    }

    pub(super) fn detach(&mut self, now: Instant, key: u64) {
        let grace = self.config.resume_grace;
        let Some(session) = self.sessions.get_mut(&key) else {
            return;
        };
        session.connection = None;
        let at = now + grace;
        session.expires_at = Some(at);
        self.push_timer(at, Timer::Expiry(key));
    }

    pub(super) fn end_session(&mut self, key: u64) {
        let Some(session) = self.sessions.remove(&key) else {
            return;
        };
        self.session_keys.remove(&session.id);
        if let Some(conn) = session
            .connection
            .and_then(|c| self.connections.get_mut(&c))
        {
            conn.session = None;
        }
        let user = session.user;
        if !self.sessions.values().any(|s| s.user == user) {
            if let Some(record) = self.world.users.get_mut(&user) {
                record.status = Status::Offline;
            }
        }
    }

    pub(super) fn apply_fault(&mut self, now: Instant, id: ConnectionId, fault: Fault) {
        if !self.connections.contains_key(&id) {
            return;
        }
        tracing::info!(connection = %id, ?fault, "fault injected");
        match fault {
            Fault::Close { code, reason } => self.close(now, id, code, &reason),
            Fault::CorruptFrame => self.push(id, Action::CorruptFrame),
            Fault::Delay { millis } => self.push(id, Action::Delay(Duration::from_millis(millis))),
            Fault::DropConnection => {
                let session = self.connections.remove(&id).and_then(|c| c.session);
                self.push(id, Action::Drop);
                if let Some(key) = session {
                    self.detach(now, key);
                }
            }
            Fault::HeartbeatAcks { enabled } => {
                if let Some(conn) = self.connections.get_mut(&id) {
                    conn.acks = enabled;
                }
            }
            Fault::InvalidSession { resumable } => {
                self.invalid_session(id, resumable);
                let session = self.connections.get_mut(&id).and_then(|c| c.session.take());
                if let Some(key) = session {
                    if resumable {
                        self.detach(now, key);
                    } else {
                        self.end_session(key);
                    }
                }
            }
            Fault::KillSession => {
                if self
                    .connections
                    .get(&id)
                    .is_some_and(|c| c.session.is_some())
                {
                    self.close(now, id, 4009, "session timed out");
                }
            }
            Fault::Reconnect => self.send(id, op_frame(7, "null")),
            Fault::RequestHeartbeat => self.send(id, op_frame(1, "null")),
            Fault::SplitFrames { parts } => self.push(id, Action::SplitFrames(parts.max(1))),
        }
    }

    /// Gives the session the next sequence number for this event, keeps it
    /// for replay (when `buffered`) and sends it if the session has a
    /// connection; then fires faults armed for this sequence number.
    pub(super) fn deliver(
        &mut self,
        now: Instant,
        key: u64,
        t: &'static str,
        d: Arc<str>,
        buffered: bool,
    ) {
        let Some(session) = self.sessions.get_mut(&key) else {
            return;
        };
        let seq = session.next_seq();
        self.stats.dispatches += 1;
        let Some(conn) = session.connection else {
            if buffered {
                session.record(seq, t, d);
            }
            return;
        };
        let fire: Vec<Fault> = if session.armed.iter().any(|(at, _)| *at <= seq) {
            let (due, kept) = std::mem::take(&mut session.armed)
                .into_iter()
                .partition(|(at, _)| *at <= seq);
            session.armed = kept;
            due.into_iter().map(|(_, f)| f).collect()
        } else {
            Vec::new()
        };
        let frame = dispatch_frame(t, seq, &d);
        if buffered {
            session.record(seq, t, d);
        }
        self.send(conn, frame);
        for fault in fire {
            self.apply_fault(now, conn, fault);
        }
    }

    fn new_session_id(&self, key: u64) -> String {
        format!(
            "{:016x}{:016x}",
            splitmix(key ^ self.started_unix_ms),
            splitmix(key.wrapping_add(0x5EED))
        )
    }
}

/// `SplitMix64`, to turn counters into id-looking hex.
fn splitmix(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_rules() {
        assert_eq!(
            parse_query("v=10&encoding=json"),
            Ok((10, Compression::None))
        );
        assert_eq!(parse_query("v=9"), Ok((9, Compression::None)));
        assert_eq!(
            parse_query("encoding=json&v=10&compress=zlib-stream"),
            Ok((10, Compression::ZlibStream))
        );
        assert_eq!(
            parse_query("v=10&compress=zstd-stream&extra"),
            Ok((10, Compression::ZstdStream))
        );
        assert_eq!(parse_query("v=8").map_err(|e| e.0), Err(4012));
        assert_eq!(parse_query("").map_err(|e| e.0), Err(4012));
        assert_eq!(parse_query("v=ten").map_err(|e| e.0), Err(4012));
        assert_eq!(parse_query("v=10&encoding=etf").map_err(|e| e.0), Err(4002));
        assert_eq!(
            parse_query("v=10&compress=gzip").map_err(|e| e.0),
            Err(4002)
        );
        assert_eq!(parse_query("v=6&encoding=etf").map_err(|e| e.0), Err(4012));
    }
}
