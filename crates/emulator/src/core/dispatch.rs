//! Dispatch fan-out: which sessions get an event, in which form.
//!
//! An event goes to every session whose bot can see it (a member of the
//! event's guild, or a recipient of the DM), whose shard routes it
//! (`(guild_id >> 22) % shard_count == shard_id`; DMs go to shard 0 only)
//! and whose intents include one of the event's intents. Messages go in
//! full to sessions with `MESSAGE_CONTENT`, and to any session when the
//! message is a DM, the bot's own or mentions the bot; other sessions get
//! the message with `content`, `embeds` and `attachments` emptied.

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tether_model::Intents;
use tether_model::application::PartialApplication;
use tether_model::guild::{Guild, Member, UnavailableGuild};
use tether_model::id::{GuildId, UserId};
use tether_model::message::Message;
use tether_model::presence::{ClientStatus, PartialUser, Presence, Status};
use tether_model::user::CurrentUser;

use super::Core;
use super::session::Session;
use crate::world::World;

/// Guilds above this many members get only the bot (and voice members) in
/// `GUILD_CREATE`, presences or not.
const HUGE_GUILD: usize = 75_000;

pub(crate) struct Dispatch {
    t: &'static str,
    scope: Scope,
    intents: Intents,
    exempt: Option<UserId>,
    skip: Option<UserId>,
    body: Body,
}

pub(crate) enum Scope {
    /// Sessions of the guild's bots whose shard routes the guild.
    Guild(GuildId),
    /// Shard-0 sessions of these users (DMs).
    Private(Vec<UserId>),
}

pub(crate) enum Body {
    Shared(Arc<str>),
    Message {
        message: Box<Message>,
        full: Arc<str>,
        redacted: Option<Arc<str>>,
    },
}

impl Body {
    pub(crate) fn json<T: Serialize>(value: &T) -> Self {
        Self::Shared(to_json(value))
    }

    pub(crate) fn message(message: Message) -> Self {
        let full = to_json(&message);
        Self::Message {
            message: Box::new(message),
            full,
            redacted: None,
        }
    }

    fn for_session(&mut self, session: &Session) -> Arc<str> {
        match self {
            Self::Shared(d) => Arc::clone(d),
            Self::Message {
                message,
                full,
                redacted,
            } => {
                let sees_content = session.intents.contains(Intents::MESSAGE_CONTENT)
                    || message.guild_id.is_none()
                    || message.author.id == session.user
                    || message.mentions.iter().any(|m| m.id == session.user);
                if sees_content {
                    return Arc::clone(full);
                }
                Arc::clone(redacted.get_or_insert_with(|| {
                    let mut m = (**message).clone();
                    m.content.clear();
                    m.embeds.clear();
                    m.attachments.clear();
                    to_json(&m)
                }))
            }
        }
    }
}

impl Dispatch {
    pub(crate) fn new(t: &'static str, scope: Scope, body: Body) -> Self {
        Self {
            t,
            scope,
            intents: Intents::empty(),
            exempt: None,
            skip: None,
            body,
        }
    }

    /// Only sessions with one of these intents get the event.
    pub(crate) fn intents(mut self, intents: Intents) -> Self {
        self.intents = intents;
        self
    }

    /// This user's sessions get the event whatever their intents (the
    /// bot's own `GUILD_MEMBER_UPDATE`).
    pub(crate) fn exempt(mut self, user: UserId) -> Self {
        self.exempt = Some(user);
        self
    }

    /// This user's sessions do not get the event.
    pub(crate) fn skip(mut self, user: UserId) -> Self {
        self.skip = Some(user);
        self
    }

    fn reaches(&self, world: &World, session: &Session) -> bool {
        if self.skip == Some(session.user) {
            return false;
        }
        let routed = match &self.scope {
            Scope::Guild(guild) => session.routes(*guild) && world.is_member(*guild, session.user),
            Scope::Private(users) => session.shard[0] == 0 && users.contains(&session.user),
        };
        routed
            && (self.intents.is_empty()
                || session.intents.intersects(self.intents)
                || self.exempt == Some(session.user))
    }
}

impl Core {
    pub(crate) fn broadcast(&mut self, now: Instant, mut dispatch: Dispatch) {
        let keys: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| dispatch.reaches(&self.world, s))
            .map(|(key, _)| *key)
            .collect();
        let targets: Vec<(u64, Arc<str>)> = keys
            .into_iter()
            .filter_map(|key| Some((key, dispatch.body.for_session(self.sessions.get(&key)?))))
            .collect();
        for (key, d) in targets {
            self.deliver(now, key, dispatch.t, d, true);
        }
    }

    /// Sends each of the bot's sessions that routes `guild` its
    /// `GUILD_CREATE` (the bot joined it).
    pub(crate) fn announce_guild(&mut self, now: Instant, bot: UserId, guild: GuildId) {
        let keys: Vec<u64> = self
            .sessions
            .iter()
            .filter(|(_, s)| {
                s.user == bot && s.routes(guild) && s.intents.contains(Intents::GUILDS)
            })
            .map(|(k, _)| *k)
            .collect();
        for key in keys {
            self.send_guild_create(now, key, guild);
        }
    }

    pub(super) fn send_ready(
        &mut self,
        now: Instant,
        key: u64,
        shard: Option<[u32; 2]>,
        guilds: &[GuildId],
    ) {
        #[derive(Serialize)]
        struct Ready<'a> {
            v: u8,
            user: CurrentUser,
            guilds: Vec<UnavailableGuild>,
            session_id: &'a str,
            resume_gateway_url: String,
            #[serde(skip_serializing_if = "Option::is_none")]
            shard: Option<[u32; 2]>,
            application: PartialApplication,
            session_type: &'static str,
            private_channels: [(); 0],
            presences: [(); 0],
            relationships: [(); 0],
            guild_join_requests: [(); 0],
            geo_ordered_rtc_regions: [&'static str; 1],
            _trace: [&'static str; 1],
        }
        let Some(session) = self.sessions.get(&key) else {
            return;
        };
        let Some(bot) = self.world.bot(session.user) else {
            return;
        };
        let user = self.world.user(session.user).unwrap_or_default();
        let version = session
            .connection
            .and_then(|c| self.connections.get(&c))
            .map_or(10, |c| c.version);
        let ready = Ready {
            v: version,
            user: CurrentUser {
                user,
                mfa_enabled: false,
                verified: true,
                locale: Some("en-US".to_owned()),
                flags: Some(0),
            },
            guilds: guilds
                .iter()
                .map(|id| UnavailableGuild {
                    id: *id,
                    unavailable: true,
                })
                .collect(),
            session_id: &session.id,
            resume_gateway_url: format!("{}/resume", self.gateway_url),
            shard,
            application: PartialApplication {
                id: bot.application_id,
                flags: bot.flags,
            },
            session_type: "normal",
            private_channels: [],
            presences: [],
            relationships: [],
            guild_join_requests: [],
            geo_ordered_rtc_regions: ["emulator"],
            _trace: ["tether-emulator"],
        };
        let d = to_json(&ready);
        self.deliver(now, key, "READY", d, false);
    }

    pub(crate) fn send_guild_create(&mut self, now: Instant, key: u64, guild: GuildId) {
        let Some(session) = self.sessions.get(&key) else {
            return;
        };
        let Some(d) = guild_create(&self.world, guild, session) else {
            return;
        };
        self.deliver(now, key, "GUILD_CREATE", d, true);
    }
}

/// A guild's `GUILD_CREATE` payload for one session: members and presences
/// depend on its intents and `large_threshold` (see Discord's Request Guild
/// Members docs).
fn guild_create(world: &World, id: GuildId, session: &Session) -> Option<Arc<str>> {
    let record = world.guilds.get(&id)?;
    let count = record.members.len();
    let large = count > session.large_threshold;
    let presences_intent = session.intents.contains(Intents::GUILD_PRESENCES);
    let listed = |user: &UserId, member: &Member| {
        let online = world
            .users
            .get(user)
            .is_some_and(|u| visible_status(u.status) != Status::Offline);
        *user == session.user
            || record.voice.contains_key(user)
            || (presences_intent
                && count <= HUGE_GUILD
                && (!large || online || !member.roles.is_empty() || member.nick.is_some()))
    };
    let mut guild: Guild = record.guild.clone();
    guild.joined_at = record.members.get(&session.user).and_then(|m| m.joined_at);
    guild.large = large;
    guild.member_count = Some(count as u64);
    guild.members = record
        .members
        .iter()
        .filter(|(user, member)| listed(user, member))
        .map(|(user, member)| world.render_member(*user, member))
        .collect();
    if presences_intent {
        guild.presences = guild
            .members
            .iter()
            .filter_map(|m| m.user.as_ref())
            .filter_map(|u| presence_of(world, u.id, None))
            .filter(|p| p.status != Status::Offline)
            .collect();
    }
    guild.channels = record
        .channels
        .iter()
        .filter_map(|c| world.channels.get(c))
        .map(|c| {
            let mut channel = c.channel.clone();
            channel.guild_id = None;
            channel
        })
        .collect();
    guild.threads = world
        .threads(id)
        .into_iter()
        .filter(|t| t.thread_metadata.as_ref().is_none_or(|m| !m.archived))
        .collect();
    guild.voice_states = record
        .voice
        .values()
        .map(|v| {
            let mut v = v.clone();
            v.guild_id = None;
            v
        })
        .collect();
    let mut value = serde_json::to_value(&guild).ok()?;
    if let Some(map) = value.as_object_mut() {
        // The model leaves empty lists and false flags out; Discord sends them.
        for key in [
            "members",
            "channels",
            "threads",
            "presences",
            "voice_states",
            "stage_instances",
            "guild_scheduled_events",
            "soundboard_sounds",
            "stickers",
            "emojis",
            "embedded_activities",
        ] {
            map.entry(key).or_insert_with(|| serde_json::json!([]));
        }
        for (key, default) in [
            ("large", serde_json::json!(large)),
            ("unavailable", serde_json::json!(false)),
            ("lazy", serde_json::json!(true)),
            ("nsfw", serde_json::json!(false)),
            ("system_channel_flags", serde_json::json!(0)),
            ("premium_progress_bar_enabled", serde_json::json!(false)),
            ("vanity_url_code", serde_json::Value::Null),
            ("splash", serde_json::Value::Null),
            ("discovery_splash", serde_json::Value::Null),
            ("public_updates_channel_id", serde_json::Value::Null),
            ("safety_alerts_channel_id", serde_json::Value::Null),
            ("max_video_channel_users", serde_json::json!(25)),
            ("max_members", serde_json::json!(500_000)),
        ] {
            map.entry(key).or_insert(default);
        }
    }
    Some(Arc::from(value.to_string()))
}

/// What others see: invisible users look offline.
pub(crate) fn visible_status(status: Status) -> Status {
    match status {
        Status::Invisible | Status::Unknown => Status::Offline,
        other => other,
    }
}

pub(crate) fn presence_of(world: &World, user: UserId, guild: Option<GuildId>) -> Option<Presence> {
    let record = world.users.get(&user)?;
    let status = visible_status(record.status);
    let online = status != Status::Offline;
    Some(Presence {
        user: PartialUser { id: user },
        guild_id: guild,
        status,
        activities: if online {
            record.activities.clone()
        } else {
            Vec::new()
        },
        client_status: ClientStatus {
            desktop: online.then_some(status),
            ..ClientStatus::default()
        },
    })
}

/// Serialises a payload. The emulator's payload types have no fallible
/// `Serialize` and no non-string map keys, so this cannot fail; `null`
/// stands in should it ever.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Arc<str> {
    serde_json::to_string(value).map_or_else(|_| Arc::from("null"), Arc::from)
}
