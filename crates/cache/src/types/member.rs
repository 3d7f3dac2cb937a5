//! Members, presences and voice states: a user's standing in one guild.

use tether_model::Timestamp;
use tether_model::gateway::event::MemberUpdate;
use tether_model::guild::Member;
use tether_model::id::{ChannelId, GuildId, RoleId, UserId};
use tether_model::presence::{Activity, ClientStatus, Presence, Status};
use tether_model::voice::VoiceState;

use super::{ImageHash, OptTime, boxed};

const DEAF: u8 = 1;
const MUTE: u8 = 1 << 1;
const HAS_PENDING: u8 = 1 << 2;
const PENDING: u8 = 1 << 3;

/// A guild member: the guild-specific part of a user.
///
/// The user itself (name, avatar, …) is cached once for all guilds: look
/// it up with [`CacheView::user`](crate::CacheView::user) and
/// [`user_id`](Self::user_id).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedMember {
    user_id: UserId,
    roles: Box<[RoleId]>,
    nick: Option<Box<str>>,
    joined_at: OptTime,
    /// `None` when every rare field is unset, as for most members.
    rare: Option<Box<Rare>>,
    bits: u8,
}

/// The fields few members have set, boxed together: a guild avatar, a
/// boost, a timeout, member flags. Members are most of a cache's memory,
/// and this keeps each one to 64 bytes.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
struct Rare {
    flags: u64,
    avatar: Option<ImageHash>,
    premium_since: OptTime,
    communication_disabled_until: OptTime,
}

impl Rare {
    fn boxed(self) -> Option<Box<Self>> {
        let empty = self.flags == 0
            && self.avatar.is_none()
            && self.premium_since == OptTime::NONE
            && self.communication_disabled_until == OptTime::NONE;
        (!empty).then(|| Box::new(self))
    }
}

impl CachedMember {
    /// The member `user` as a model member (whose own `user` may be absent,
    /// as in a message's `member`).
    pub(crate) fn new(user: UserId, member: &Member) -> Self {
        let mut bits = 0;
        set(&mut bits, DEAF, member.deaf);
        set(&mut bits, MUTE, member.mute);
        if let Some(pending) = member.pending {
            bits |= HAS_PENDING;
            set(&mut bits, PENDING, pending);
        }
        let rare = Rare {
            flags: member.flags,
            avatar: member.avatar.as_deref().map(ImageHash::new),
            premium_since: OptTime::new(member.premium_since),
            communication_disabled_until: OptTime::new(member.communication_disabled_until),
        };
        Self {
            user_id: user,
            roles: member.roles.as_slice().into(),
            nick: boxed(member.nick.as_ref()),
            joined_at: OptTime::new(member.joined_at),
            rare: rare.boxed(),
            bits,
        }
    }

    /// A member known only from a `GUILD_MEMBER_UPDATE` (which carries
    /// every field of a member).
    pub(crate) fn from_update(update: &MemberUpdate) -> Self {
        let member = Member {
            user: None,
            nick: update.nick.clone().flatten(),
            avatar: update.avatar.clone(),
            roles: Vec::new(),
            joined_at: update.joined_at,
            premium_since: update.premium_since,
            deaf: update.deaf.unwrap_or_default(),
            mute: update.mute.unwrap_or_default(),
            flags: update.flags.unwrap_or_default(),
            pending: update.pending,
            permissions: None,
            communication_disabled_until: update.communication_disabled_until,
        };
        Self {
            roles: update.roles.as_slice().into(),
            ..Self::new(update.user.id, &member)
        }
    }

    /// This member with a `GUILD_MEMBER_UPDATE` merged in.
    ///
    /// Discord sends `roles`, `avatar`, `premium_since` and
    /// `communication_disabled_until` every time, null when unset, so they
    /// replace what is cached; the other fields change only when present
    /// (`nick` may be present and null).
    pub(crate) fn updated(&self, update: &MemberUpdate) -> Self {
        let mut bits = self.bits;
        if let Some(deaf) = update.deaf {
            set(&mut bits, DEAF, deaf);
        }
        if let Some(mute) = update.mute {
            set(&mut bits, MUTE, mute);
        }
        if let Some(pending) = update.pending {
            bits |= HAS_PENDING;
            set(&mut bits, PENDING, pending);
        }
        let rare = Rare {
            flags: update.flags.unwrap_or(self.flags()),
            avatar: update.avatar.as_deref().map(ImageHash::new),
            premium_since: OptTime::new(update.premium_since),
            communication_disabled_until: OptTime::new(update.communication_disabled_until),
        };
        Self {
            user_id: self.user_id,
            roles: update.roles.as_slice().into(),
            nick: match &update.nick {
                Some(nick) => boxed(nick.as_ref()),
                None => self.nick.clone(),
            },
            joined_at: update
                .joined_at
                .map_or(self.joined_at, |t| OptTime::new(Some(t))),
            rare: rare.boxed(),
            bits,
        }
    }

    /// This member without `role`, if they had it.
    pub(crate) fn without_role(&self, role: RoleId) -> Option<Self> {
        self.roles.contains(&role).then(|| Self {
            roles: self.roles.iter().copied().filter(|r| *r != role).collect(),
            ..self.clone()
        })
    }

    /// The member's user id.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    pub(crate) fn user_id_ref(&self) -> &UserId {
        &self.user_id
    }

    /// Member flags.
    pub fn flags(&self) -> u64 {
        self.rare.as_ref().map_or(0, |r| r.flags)
    }

    /// Role ids (`@everyone` is implicit).
    pub fn roles(&self) -> &[RoleId] {
        &self.roles
    }

    /// Guild nickname.
    pub fn nick(&self) -> Option<&str> {
        self.nick.as_deref()
    }

    /// Guild avatar hash.
    pub fn avatar(&self) -> Option<&ImageHash> {
        self.rare.as_ref()?.avatar.as_ref()
    }

    /// When the user joined; `None` for voice guests.
    pub fn joined_at(&self) -> Option<Timestamp> {
        self.joined_at.get()
    }

    /// When the user started boosting.
    pub fn premium_since(&self) -> Option<Timestamp> {
        self.rare.as_ref()?.premium_since.get()
    }

    /// End of a timeout.
    pub fn communication_disabled_until(&self) -> Option<Timestamp> {
        self.rare.as_ref()?.communication_disabled_until.get()
    }

    /// Server-deafened in voice.
    pub fn deaf(&self) -> bool {
        self.bits & DEAF != 0
    }

    /// Server-muted in voice.
    pub fn mute(&self) -> bool {
        self.bits & MUTE != 0
    }

    /// Whether the member has not passed membership screening, when
    /// Discord said.
    pub fn pending(&self) -> Option<bool> {
        (self.bits & HAS_PENDING != 0).then_some(self.bits & PENDING != 0)
    }
}

fn set(bits: &mut u8, bit: u8, on: bool) {
    if on {
        *bits |= bit;
    } else {
        *bits &= !bit;
    }
}

/// A user's presence in a guild (cached only with
/// [`ResourceType::PRESENCES`](crate::ResourceType::PRESENCES)).
///
/// An offline user has no cached presence.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedPresence {
    user_id: UserId,
    client_status: ClientStatus,
    status: Status,
    activities: Box<[Activity]>,
}

impl CachedPresence {
    pub(crate) fn new(presence: &Presence) -> Self {
        Self {
            user_id: presence.user.id,
            client_status: presence.client_status,
            status: presence.status,
            activities: presence.activities.as_slice().into(),
        }
    }

    /// The user.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// Status.
    pub fn status(&self) -> Status {
        self.status
    }

    /// Status per platform.
    pub fn client_status(&self) -> ClientStatus {
        self.client_status
    }

    /// Activities.
    pub fn activities(&self) -> &[Activity] {
        &self.activities
    }
}

const SELF_DEAF: u8 = 1 << 2;
const SELF_MUTE: u8 = 1 << 3;
const SELF_VIDEO: u8 = 1 << 4;
const SUPPRESS: u8 = 1 << 5;

/// A user connected to a voice channel of a guild.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedVoiceState {
    user_id: UserId,
    guild_id: GuildId,
    channel_id: ChannelId,
    session_id: Box<str>,
    request_to_speak_timestamp: OptTime,
    self_stream: Option<bool>,
    bits: u8,
}

impl CachedVoiceState {
    /// The state of a user in `channel` of `guild` (a voice state's own
    /// `guild_id` is absent inside `GUILD_CREATE`).
    pub(crate) fn new(guild: GuildId, channel: ChannelId, state: &VoiceState) -> Self {
        let mut bits = 0;
        set(&mut bits, DEAF, state.deaf);
        set(&mut bits, MUTE, state.mute);
        set(&mut bits, SELF_DEAF, state.self_deaf);
        set(&mut bits, SELF_MUTE, state.self_mute);
        set(&mut bits, SELF_VIDEO, state.self_video);
        set(&mut bits, SUPPRESS, state.suppress);
        Self {
            user_id: state.user_id,
            guild_id: guild,
            channel_id: channel,
            session_id: Box::from(state.session_id.as_str()),
            request_to_speak_timestamp: OptTime::new(state.request_to_speak_timestamp),
            self_stream: state.self_stream,
            bits,
        }
    }

    /// The user.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The guild.
    pub fn guild_id(&self) -> GuildId {
        self.guild_id
    }

    /// The voice channel the user is in.
    pub fn channel_id(&self) -> ChannelId {
        self.channel_id
    }

    /// Voice session id.
    pub fn session_id(&self) -> &str {
        &self.session_id
    }

    /// When the user asked to speak (stage channels).
    pub fn request_to_speak_timestamp(&self) -> Option<Timestamp> {
        self.request_to_speak_timestamp.get()
    }

    /// Streaming, when Discord said.
    pub fn self_stream(&self) -> Option<bool> {
        self.self_stream
    }

    /// Server-deafened.
    pub fn deaf(&self) -> bool {
        self.bits & DEAF != 0
    }

    /// Server-muted.
    pub fn mute(&self) -> bool {
        self.bits & MUTE != 0
    }

    /// Self-deafened.
    pub fn self_deaf(&self) -> bool {
        self.bits & SELF_DEAF != 0
    }

    /// Self-muted.
    pub fn self_mute(&self) -> bool {
        self.bits & SELF_MUTE != 0
    }

    /// Camera on.
    pub fn self_video(&self) -> bool {
        self.bits & SELF_VIDEO != 0
    }

    /// Suppressed (stage channels).
    pub fn suppress(&self) -> bool {
        self.bits & SUPPRESS != 0
    }
}
