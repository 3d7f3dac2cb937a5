//! Dispatch events: the typed [`Event`], the [`EventType`] name table and
//! the [`EventTypeFlags`] filter.
//!
//! Every dispatch name Discord documents has an [`EventType`] and an
//! [`Event`] variant; a name this library does not know becomes
//! [`Event::Unknown`] with its raw JSON, so that a new event never breaks a
//! bot. Payloads are decoded only after their type is known, so a filter can
//! skip unwanted events without deserialising them.
//!
//! See [Discord Docs/Gateway Events](https://discord.com/developers/docs/events/gateway-events#receive-events).

mod automod;
mod channel;
mod guild;
mod integration;
mod message;
mod monetization;
mod scheduled;
mod session;
mod voice;

use std::fmt;

use serde::{Serialize, Serializer};
use serde_json::value::RawValue;

pub use self::automod::{
    ActionMetadata, AutoModerationAction, AutoModerationActionExecution, AutoModerationRule,
    TriggerMetadata,
};
pub use self::channel::{
    AddedThreadMember, ChannelInfo, ChannelInfoEntry, PinsUpdate, ThreadDelete, ThreadListSync,
    ThreadMemberUpdate, ThreadMembersUpdate, VoiceChannelStartTimeUpdate, VoiceChannelStatusUpdate,
    WebhooksUpdate,
};
pub use self::guild::{
    AuditLogChange, AuditLogEntry, Ban, EmojisUpdate, GuildRef, MemberAdd, MemberChunk,
    MemberRemove, MemberUpdate, RoleDelete, RoleUpsert, StickersUpdate,
};
pub use self::integration::{
    CommandPermission, CommandPermissions, Integration, IntegrationApplication, IntegrationDelete,
    InviteCreate, InviteDelete,
};
pub use self::message::{
    MessageDelete, MessageDeleteBulk, MessageUpdate, PollVote, ReactionChange, ReactionRemoveAll,
    ReactionRemoveEmoji, TypingStart,
};
pub use self::monetization::{Entitlement, Subscription};
pub use self::scheduled::{
    ScheduledEvent, ScheduledEventUser, SoundboardSound, SoundboardSoundDelete, SoundboardSounds,
    StageInstance,
};
pub use self::session::{RateLimited, RateLimitedMeta, Ready, Resumed};
pub use self::voice::{VoiceChannelEffect, VoiceServerUpdate};
use crate::channel::Channel;
use crate::guild::{Guild, UnavailableGuild};
use crate::interaction::Interaction;
use crate::message::Message;
use crate::presence::Presence;
use crate::user::CurrentUser;
use crate::voice::VoiceState;

macro_rules! events {
    ($( $(#[$doc:meta])* $variant:ident($ty:ty) = $name:literal; )*) => {
        /// The name of a dispatch event Discord documents.
        ///
        /// Its discriminant is its bit in [`EventTypeFlags`], so no two
        /// types can share a flag.
        #[derive(Clone, Copy, Debug, Eq, Hash, Ord, PartialEq, PartialOrd)]
        #[non_exhaustive]
        #[repr(u8)]
        pub enum EventType {
            $( $(#[$doc])* $variant, )*
        }

        impl EventType {
            /// Every event type, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),*];

            /// The event's name on the wire (`t`), e.g. `MESSAGE_CREATE`.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)*
                }
            }

            /// The event type for a wire name, or `None` for names this
            /// library does not know.
            pub fn from_name(name: &str) -> Option<Self> {
                Some(match name {
                    $($name => Self::$variant,)*
                    _ => return None,
                })
            }
        }

        /// A dispatch event, typed.
        ///
        /// Payloads larger than 56 bytes are boxed, so that an `Event` is
        /// 64 bytes (a cache line on common CPUs) however large the
        /// dispatch; the crate's tests hold it there.
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum Event {
            $( $(#[$doc])* $variant($ty), )*
            /// An event this library does not know, with its raw payload.
            Unknown(UnknownEvent),
        }

        /// One marker type per event type, naming it in generic code such
        /// as typed handlers: `on::<kinds::MessageCreate>(…)`.
        pub mod kinds {
            $(
                $(#[$doc])*
                #[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
                pub struct $variant;
            )*
        }

        $(
            impl EventKind for kinds::$variant {
                type Payload = $ty;
                const TYPE: EventType = EventType::$variant;

                fn extract(event: Event) -> Result<$ty, Event> {
                    match event {
                        Event::$variant(payload) => Ok(payload),
                        other => Err(other),
                    }
                }

                fn payload(event: &Event) -> Option<&$ty> {
                    match event {
                        Event::$variant(payload) => Some(payload),
                        _ => None,
                    }
                }
            }
        )*

        impl Event {
            /// The event's type; `None` for [`Event::Unknown`].
            pub const fn kind(&self) -> Option<EventType> {
                match self {
                    $(Self::$variant(_) => Some(EventType::$variant),)*
                    Self::Unknown(_) => None,
                }
            }

            /// Decodes the payload `data` (the frame's `d`) of an event of
            /// type `kind`.
            ///
            /// # Errors
            ///
            /// A payload that does not match the event's shape.
            pub fn decode(kind: EventType, data: &str) -> Result<Self, serde_json::Error> {
                Ok(match kind {
                    $(EventType::$variant => Self::$variant(serde_json::from_str(data)?),)*
                })
            }
        }

        /// Writes the event's payload, the frame's `d`: what
        /// [`Event::from_dispatch`] reads back. The name is not written; it
        /// belongs in the frame's `t` ([`Event::name`]).
        impl Serialize for Event {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(payload) => payload.serialize(serializer),)*
                    Self::Unknown(unknown) => unknown.raw.serialize(serializer),
                }
            }
        }
    };
}

events! {
    /// `READY`: a new session started.
    Ready(Box<Ready>) = "READY";
    /// `RESUMED`: a resume finished replaying.
    Resumed(Resumed) = "RESUMED";
    /// `RATE_LIMITED`: a gateway command was refused.
    RateLimited(RateLimited) = "RATE_LIMITED";
    /// `APPLICATION_COMMAND_PERMISSIONS_UPDATE`.
    CommandPermissionsUpdate(CommandPermissions) = "APPLICATION_COMMAND_PERMISSIONS_UPDATE";
    /// `AUTO_MODERATION_RULE_CREATE`.
    AutoModerationRuleCreate(Box<AutoModerationRule>) = "AUTO_MODERATION_RULE_CREATE";
    /// `AUTO_MODERATION_RULE_UPDATE`.
    AutoModerationRuleUpdate(Box<AutoModerationRule>) = "AUTO_MODERATION_RULE_UPDATE";
    /// `AUTO_MODERATION_RULE_DELETE`.
    AutoModerationRuleDelete(Box<AutoModerationRule>) = "AUTO_MODERATION_RULE_DELETE";
    /// `AUTO_MODERATION_ACTION_EXECUTION`.
    AutoModerationActionExecution(Box<AutoModerationActionExecution>) = "AUTO_MODERATION_ACTION_EXECUTION";
    /// `CHANNEL_CREATE`.
    ChannelCreate(Box<Channel>) = "CHANNEL_CREATE";
    /// `CHANNEL_UPDATE`.
    ChannelUpdate(Box<Channel>) = "CHANNEL_UPDATE";
    /// `CHANNEL_DELETE`.
    ChannelDelete(Box<Channel>) = "CHANNEL_DELETE";
    /// `CHANNEL_PINS_UPDATE`.
    ChannelPinsUpdate(PinsUpdate) = "CHANNEL_PINS_UPDATE";
    /// `CHANNEL_INFO`.
    ChannelInfo(ChannelInfo) = "CHANNEL_INFO";
    /// `VOICE_CHANNEL_STATUS_UPDATE`.
    VoiceChannelStatusUpdate(VoiceChannelStatusUpdate) = "VOICE_CHANNEL_STATUS_UPDATE";
    /// `VOICE_CHANNEL_START_TIME_UPDATE`.
    VoiceChannelStartTimeUpdate(VoiceChannelStartTimeUpdate) = "VOICE_CHANNEL_START_TIME_UPDATE";
    /// `THREAD_CREATE`.
    ThreadCreate(Box<Channel>) = "THREAD_CREATE";
    /// `THREAD_UPDATE`.
    ThreadUpdate(Box<Channel>) = "THREAD_UPDATE";
    /// `THREAD_DELETE`.
    ThreadDelete(ThreadDelete) = "THREAD_DELETE";
    /// `THREAD_LIST_SYNC`.
    ThreadListSync(Box<ThreadListSync>) = "THREAD_LIST_SYNC";
    /// `THREAD_MEMBER_UPDATE`.
    ThreadMemberUpdate(Box<ThreadMemberUpdate>) = "THREAD_MEMBER_UPDATE";
    /// `THREAD_MEMBERS_UPDATE`.
    ThreadMembersUpdate(Box<ThreadMembersUpdate>) = "THREAD_MEMBERS_UPDATE";
    /// `ENTITLEMENT_CREATE`.
    EntitlementCreate(Box<Entitlement>) = "ENTITLEMENT_CREATE";
    /// `ENTITLEMENT_UPDATE`.
    EntitlementUpdate(Box<Entitlement>) = "ENTITLEMENT_UPDATE";
    /// `ENTITLEMENT_DELETE`.
    EntitlementDelete(Box<Entitlement>) = "ENTITLEMENT_DELETE";
    /// `GUILD_CREATE`: a guild's full state (or an unavailable guild).
    GuildCreate(Box<Guild>) = "GUILD_CREATE";
    /// `GUILD_UPDATE`.
    GuildUpdate(Box<Guild>) = "GUILD_UPDATE";
    /// `GUILD_DELETE`: the bot left (`unavailable` false) or an outage.
    GuildDelete(UnavailableGuild) = "GUILD_DELETE";
    /// `GUILD_AUDIT_LOG_ENTRY_CREATE`.
    GuildAuditLogEntryCreate(Box<AuditLogEntry>) = "GUILD_AUDIT_LOG_ENTRY_CREATE";
    /// `GUILD_BAN_ADD`.
    GuildBanAdd(Box<Ban>) = "GUILD_BAN_ADD";
    /// `GUILD_BAN_REMOVE`.
    GuildBanRemove(Box<Ban>) = "GUILD_BAN_REMOVE";
    /// `GUILD_EMOJIS_UPDATE`.
    GuildEmojisUpdate(EmojisUpdate) = "GUILD_EMOJIS_UPDATE";
    /// `GUILD_STICKERS_UPDATE`.
    GuildStickersUpdate(StickersUpdate) = "GUILD_STICKERS_UPDATE";
    /// `GUILD_INTEGRATIONS_UPDATE`.
    GuildIntegrationsUpdate(GuildRef) = "GUILD_INTEGRATIONS_UPDATE";
    /// `GUILD_MEMBER_ADD`.
    GuildMemberAdd(Box<MemberAdd>) = "GUILD_MEMBER_ADD";
    /// `GUILD_MEMBER_UPDATE`.
    GuildMemberUpdate(Box<MemberUpdate>) = "GUILD_MEMBER_UPDATE";
    /// `GUILD_MEMBER_REMOVE`.
    GuildMemberRemove(Box<MemberRemove>) = "GUILD_MEMBER_REMOVE";
    /// `GUILD_MEMBERS_CHUNK`.
    GuildMembersChunk(Box<MemberChunk>) = "GUILD_MEMBERS_CHUNK";
    /// `GUILD_ROLE_CREATE`.
    GuildRoleCreate(Box<RoleUpsert>) = "GUILD_ROLE_CREATE";
    /// `GUILD_ROLE_UPDATE`.
    GuildRoleUpdate(Box<RoleUpsert>) = "GUILD_ROLE_UPDATE";
    /// `GUILD_ROLE_DELETE`.
    GuildRoleDelete(RoleDelete) = "GUILD_ROLE_DELETE";
    /// `GUILD_SCHEDULED_EVENT_CREATE`.
    GuildScheduledEventCreate(Box<ScheduledEvent>) = "GUILD_SCHEDULED_EVENT_CREATE";
    /// `GUILD_SCHEDULED_EVENT_UPDATE`.
    GuildScheduledEventUpdate(Box<ScheduledEvent>) = "GUILD_SCHEDULED_EVENT_UPDATE";
    /// `GUILD_SCHEDULED_EVENT_DELETE`.
    GuildScheduledEventDelete(Box<ScheduledEvent>) = "GUILD_SCHEDULED_EVENT_DELETE";
    /// `GUILD_SCHEDULED_EVENT_USER_ADD`.
    GuildScheduledEventUserAdd(ScheduledEventUser) = "GUILD_SCHEDULED_EVENT_USER_ADD";
    /// `GUILD_SCHEDULED_EVENT_USER_REMOVE`.
    GuildScheduledEventUserRemove(ScheduledEventUser) = "GUILD_SCHEDULED_EVENT_USER_REMOVE";
    /// `GUILD_SOUNDBOARD_SOUND_CREATE`.
    GuildSoundboardSoundCreate(Box<SoundboardSound>) = "GUILD_SOUNDBOARD_SOUND_CREATE";
    /// `GUILD_SOUNDBOARD_SOUND_UPDATE`.
    GuildSoundboardSoundUpdate(Box<SoundboardSound>) = "GUILD_SOUNDBOARD_SOUND_UPDATE";
    /// `GUILD_SOUNDBOARD_SOUND_DELETE`.
    GuildSoundboardSoundDelete(SoundboardSoundDelete) = "GUILD_SOUNDBOARD_SOUND_DELETE";
    /// `GUILD_SOUNDBOARD_SOUNDS_UPDATE`.
    GuildSoundboardSoundsUpdate(SoundboardSounds) = "GUILD_SOUNDBOARD_SOUNDS_UPDATE";
    /// `SOUNDBOARD_SOUNDS`: answer to Request Soundboard Sounds.
    SoundboardSounds(SoundboardSounds) = "SOUNDBOARD_SOUNDS";
    /// `INTEGRATION_CREATE`.
    IntegrationCreate(Box<Integration>) = "INTEGRATION_CREATE";
    /// `INTEGRATION_UPDATE`.
    IntegrationUpdate(Box<Integration>) = "INTEGRATION_UPDATE";
    /// `INTEGRATION_DELETE`.
    IntegrationDelete(IntegrationDelete) = "INTEGRATION_DELETE";
    /// `INTERACTION_CREATE`.
    InteractionCreate(Box<Interaction>) = "INTERACTION_CREATE";
    /// `INVITE_CREATE`.
    InviteCreate(Box<InviteCreate>) = "INVITE_CREATE";
    /// `INVITE_DELETE`.
    InviteDelete(InviteDelete) = "INVITE_DELETE";
    /// `MESSAGE_CREATE`.
    MessageCreate(Box<Message>) = "MESSAGE_CREATE";
    /// `MESSAGE_UPDATE`: only changed fields are certain.
    MessageUpdate(Box<MessageUpdate>) = "MESSAGE_UPDATE";
    /// `MESSAGE_DELETE`.
    MessageDelete(MessageDelete) = "MESSAGE_DELETE";
    /// `MESSAGE_DELETE_BULK`.
    MessageDeleteBulk(MessageDeleteBulk) = "MESSAGE_DELETE_BULK";
    /// `MESSAGE_REACTION_ADD`.
    ReactionAdd(Box<ReactionChange>) = "MESSAGE_REACTION_ADD";
    /// `MESSAGE_REACTION_REMOVE`.
    ReactionRemove(Box<ReactionChange>) = "MESSAGE_REACTION_REMOVE";
    /// `MESSAGE_REACTION_REMOVE_ALL`.
    ReactionRemoveAll(ReactionRemoveAll) = "MESSAGE_REACTION_REMOVE_ALL";
    /// `MESSAGE_REACTION_REMOVE_EMOJI`.
    ReactionRemoveEmoji(Box<ReactionRemoveEmoji>) = "MESSAGE_REACTION_REMOVE_EMOJI";
    /// `MESSAGE_POLL_VOTE_ADD`.
    PollVoteAdd(PollVote) = "MESSAGE_POLL_VOTE_ADD";
    /// `MESSAGE_POLL_VOTE_REMOVE`.
    PollVoteRemove(PollVote) = "MESSAGE_POLL_VOTE_REMOVE";
    /// `PRESENCE_UPDATE`.
    PresenceUpdate(Box<Presence>) = "PRESENCE_UPDATE";
    /// `TYPING_START`.
    TypingStart(Box<TypingStart>) = "TYPING_START";
    /// `USER_UPDATE`: the bot's own user changed.
    UserUpdate(Box<CurrentUser>) = "USER_UPDATE";
    /// `STAGE_INSTANCE_CREATE`.
    StageInstanceCreate(Box<StageInstance>) = "STAGE_INSTANCE_CREATE";
    /// `STAGE_INSTANCE_UPDATE`.
    StageInstanceUpdate(Box<StageInstance>) = "STAGE_INSTANCE_UPDATE";
    /// `STAGE_INSTANCE_DELETE`.
    StageInstanceDelete(Box<StageInstance>) = "STAGE_INSTANCE_DELETE";
    /// `SUBSCRIPTION_CREATE`.
    SubscriptionCreate(Box<Subscription>) = "SUBSCRIPTION_CREATE";
    /// `SUBSCRIPTION_UPDATE`.
    SubscriptionUpdate(Box<Subscription>) = "SUBSCRIPTION_UPDATE";
    /// `SUBSCRIPTION_DELETE`.
    SubscriptionDelete(Box<Subscription>) = "SUBSCRIPTION_DELETE";
    /// `VOICE_STATE_UPDATE`.
    VoiceStateUpdate(Box<VoiceState>) = "VOICE_STATE_UPDATE";
    /// `VOICE_SERVER_UPDATE`.
    VoiceServerUpdate(VoiceServerUpdate) = "VOICE_SERVER_UPDATE";
    /// `VOICE_CHANNEL_EFFECT_SEND`.
    VoiceChannelEffectSend(Box<VoiceChannelEffect>) = "VOICE_CHANNEL_EFFECT_SEND";
    /// `WEBHOOKS_UPDATE`.
    WebhooksUpdate(WebhooksUpdate) = "WEBHOOKS_UPDATE";
}

impl Event {
    /// The event's wire name.
    pub fn name(&self) -> &str {
        match self {
            Self::Unknown(u) => &u.name,
            other => other.kind().map_or("", EventType::name),
        }
    }

    /// Decodes a dispatch by its wire name; unknown names become
    /// [`Event::Unknown`].
    ///
    /// ```
    /// use tether_model::gateway::Event;
    /// let e = Event::from_dispatch("MESSAGE_DELETE", r#"{"id":"1","channel_id":"2"}"#)?;
    /// assert_eq!(e.name(), "MESSAGE_DELETE");
    /// let e = Event::from_dispatch("BRAND_NEW_EVENT", r#"{"x":1}"#)?;
    /// assert!(matches!(e, Event::Unknown(_)));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// A known event whose payload does not match its shape, or an unknown
    /// event whose payload is not JSON.
    pub fn from_dispatch(name: &str, data: &str) -> Result<Self, serde_json::Error> {
        match EventType::from_name(name) {
            Some(kind) => Self::decode(kind, data),
            None => Ok(Self::Unknown(UnknownEvent {
                name: name.to_owned(),
                raw: RawValue::from_string(data.to_owned())?,
            })),
        }
    }

    /// The event's payload (the frame's `d`) as JSON text.
    ///
    /// This is the inverse of [`Event::from_dispatch`]: decoding the text
    /// under the event's [`name`](Event::name) gives back an equal event.
    /// Known events are written in the model's canonical form (ids as
    /// strings, timestamps as `+00:00` with six fraction digits, absent
    /// optional fields left out, explicit nulls kept where the model keeps
    /// them); an [`Event::Unknown`] is written exactly as it was received.
    /// The emulator and tests use it to build dispatch frames from typed
    /// values, together with [`OutgoingFrame`](super::OutgoingFrame):
    ///
    /// ```
    /// use tether_model::gateway::{Event, OutgoingFrame};
    ///
    /// let event = Event::from_dispatch(
    ///     "MESSAGE_DELETE",
    ///     r#"{"id":1,"channel_id":"2","_trace":[]}"#,
    /// )?;
    /// let d = event.payload_json()?;
    /// assert_eq!(d, r#"{"id":"1","channel_id":"2"}"#);
    /// assert_eq!(Event::from_dispatch(event.name(), &d)?, event);
    ///
    /// // `Event` is `Serialize` (writing `d`), so it also fits in a frame.
    /// let frame = OutgoingFrame { op: 0, d: &event, s: Some(7), t: Some(event.name().to_owned()) };
    /// assert_eq!(
    ///     serde_json::to_string(&frame)?,
    ///     r#"{"op":0,"d":{"id":"1","channel_id":"2"},"s":7,"t":"MESSAGE_DELETE"}"#,
    /// );
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// Only if `serde_json` refuses a value; no payload type of this crate
    /// produces one (a non-finite float is written as `null`).
    pub fn payload_json(&self) -> Result<String, serde_json::Error> {
        serde_json::to_string(self)
    }
}

/// An event type as a Rust type: its [`EventType`] and payload.
///
/// Implemented by the marker types of [`kinds`], one per event type, so
/// that generic code can ask for "the payload of `MESSAGE_CREATE`" and get
/// a `Box<Message>`.
///
/// ```
/// use tether_model::gateway::event::{kinds, EventKind};
/// use tether_model::gateway::{Event, EventType};
///
/// let event = Event::from_dispatch("MESSAGE_DELETE", r#"{"id":"1","channel_id":"2"}"#)?;
/// assert_eq!(kinds::MessageDelete::TYPE, EventType::MessageDelete);
/// let deleted = kinds::MessageDelete::payload(&event).map(|d| d.id.get());
/// assert_eq!(deleted, Some(1));
/// # Ok::<(), serde_json::Error>(())
/// ```
pub trait EventKind: Send + Sync + 'static {
    /// The payload type of the event.
    type Payload: Clone + fmt::Debug + Send + Sync + 'static;
    /// The event type.
    const TYPE: EventType;

    /// The payload, if `event` is of this type; the event back otherwise.
    ///
    /// # Errors
    ///
    /// The event itself, when it is of another type.
    fn extract(event: Event) -> Result<Self::Payload, Event>;

    /// A reference to the payload, if `event` is of this type.
    fn payload(event: &Event) -> Option<&Self::Payload>;
}

/// A dispatch this library does not know: its name and raw payload.
#[derive(Clone, Debug)]
pub struct UnknownEvent {
    /// Wire name (`t`).
    pub name: String,
    /// Payload (`d`) as received.
    pub raw: Box<RawValue>,
}

impl PartialEq for UnknownEvent {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.raw.get() == other.raw.get()
    }
}

/// A set of [`EventType`]s, used to decide which events to decode.
///
/// Each type's flag is `1 << (type as u8)`, derived from the enum, so no
/// two types can share a flag. [`EventTypeFlags::UNKNOWN`] stands for
/// names this library does not know.
///
/// ```
/// use tether_model::gateway::{EventType, EventTypeFlags};
/// let flags = EventTypeFlags::from(EventType::MessageCreate) | EventType::Ready.into();
/// assert!(flags.contains(EventType::MessageCreate));
/// assert!(!flags.contains(EventType::PresenceUpdate));
/// ```
#[derive(Clone, Copy, Default, Eq, Hash, PartialEq)]
pub struct EventTypeFlags(u128);

impl EventTypeFlags {
    /// No event.
    pub const NONE: Self = Self(0);
    /// Events with names this library does not know.
    pub const UNKNOWN: Self = Self(1 << 127);
    /// Every event, known and unknown.
    pub const ALL: Self = Self(u128::MAX);

    /// The flag of one event type.
    pub const fn of(kind: EventType) -> Self {
        Self(1 << kind as u8)
    }

    /// Whether `kind` is in the set.
    pub const fn contains(self, kind: EventType) -> bool {
        self.0 & Self::of(kind).0 != 0
    }

    /// Whether unknown events are in the set.
    pub const fn contains_unknown(self) -> bool {
        self.0 & Self::UNKNOWN.0 != 0
    }

    /// The union of two sets.
    #[must_use]
    pub const fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl From<EventType> for EventTypeFlags {
    fn from(kind: EventType) -> Self {
        Self::of(kind)
    }
}

impl std::ops::BitOr for EventTypeFlags {
    type Output = Self;

    fn bitor(self, rhs: Self) -> Self {
        self.union(rhs)
    }
}

impl std::ops::BitOrAssign for EventTypeFlags {
    fn bitor_assign(&mut self, rhs: Self) {
        *self = self.union(rhs);
    }
}

impl FromIterator<EventType> for EventTypeFlags {
    fn from_iter<I: IntoIterator<Item = EventType>>(iter: I) -> Self {
        iter.into_iter().fold(Self::NONE, |acc, t| acc | t.into())
    }
}

impl fmt::Debug for EventTypeFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut set = f.debug_set();
        for kind in EventType::ALL.iter().filter(|k| self.contains(**k)) {
            set.entry(&kind.name());
        }
        if self.contains_unknown() {
            set.entry(&"<unknown>");
        }
        set.finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn flags_are_distinct_and_names_round_trip() {
        // Bit 127 is UNKNOWN; every type needs its own bit below it.
        assert!(EventType::ALL.len() < 127);
        let mut seen = HashSet::new();
        for (i, kind) in EventType::ALL.iter().enumerate() {
            assert_eq!(*kind as usize, i);
            assert!(
                seen.insert(EventTypeFlags::of(*kind).0),
                "{kind:?} shares a flag"
            );
            assert_eq!(
                EventTypeFlags::of(*kind) & EventTypeFlags::UNKNOWN,
                EventTypeFlags::NONE
            );
            assert_eq!(EventType::from_name(kind.name()), Some(*kind));
        }
        let names: HashSet<_> = EventType::ALL.iter().map(|k| k.name()).collect();
        assert_eq!(names.len(), EventType::ALL.len());
    }

    impl std::ops::BitAnd for EventTypeFlags {
        type Output = Self;
        fn bitand(self, rhs: Self) -> Self {
            Self(self.0 & rhs.0)
        }
    }

    #[test]
    fn covers_every_documented_dispatch() {
        // The digest's §12 list, by name.
        let documented = "READY RESUMED RATE_LIMITED APPLICATION_COMMAND_PERMISSIONS_UPDATE \
            AUTO_MODERATION_RULE_CREATE AUTO_MODERATION_RULE_UPDATE AUTO_MODERATION_RULE_DELETE \
            AUTO_MODERATION_ACTION_EXECUTION CHANNEL_CREATE CHANNEL_UPDATE CHANNEL_DELETE \
            CHANNEL_PINS_UPDATE CHANNEL_INFO VOICE_CHANNEL_STATUS_UPDATE \
            VOICE_CHANNEL_START_TIME_UPDATE THREAD_CREATE THREAD_UPDATE THREAD_DELETE \
            THREAD_LIST_SYNC THREAD_MEMBER_UPDATE THREAD_MEMBERS_UPDATE ENTITLEMENT_CREATE \
            ENTITLEMENT_UPDATE ENTITLEMENT_DELETE GUILD_CREATE GUILD_UPDATE GUILD_DELETE \
            GUILD_AUDIT_LOG_ENTRY_CREATE GUILD_BAN_ADD GUILD_BAN_REMOVE GUILD_EMOJIS_UPDATE \
            GUILD_STICKERS_UPDATE GUILD_INTEGRATIONS_UPDATE GUILD_MEMBER_ADD GUILD_MEMBER_UPDATE \
            GUILD_MEMBER_REMOVE GUILD_MEMBERS_CHUNK GUILD_ROLE_CREATE GUILD_ROLE_UPDATE \
            GUILD_ROLE_DELETE GUILD_SCHEDULED_EVENT_CREATE GUILD_SCHEDULED_EVENT_UPDATE \
            GUILD_SCHEDULED_EVENT_DELETE GUILD_SCHEDULED_EVENT_USER_ADD \
            GUILD_SCHEDULED_EVENT_USER_REMOVE GUILD_SOUNDBOARD_SOUND_CREATE \
            GUILD_SOUNDBOARD_SOUND_UPDATE GUILD_SOUNDBOARD_SOUND_DELETE \
            GUILD_SOUNDBOARD_SOUNDS_UPDATE SOUNDBOARD_SOUNDS INTEGRATION_CREATE \
            INTEGRATION_UPDATE INTEGRATION_DELETE INTERACTION_CREATE INVITE_CREATE INVITE_DELETE \
            MESSAGE_CREATE MESSAGE_UPDATE MESSAGE_DELETE MESSAGE_DELETE_BULK MESSAGE_REACTION_ADD \
            MESSAGE_REACTION_REMOVE MESSAGE_REACTION_REMOVE_ALL MESSAGE_REACTION_REMOVE_EMOJI \
            MESSAGE_POLL_VOTE_ADD MESSAGE_POLL_VOTE_REMOVE PRESENCE_UPDATE TYPING_START \
            USER_UPDATE STAGE_INSTANCE_CREATE STAGE_INSTANCE_UPDATE STAGE_INSTANCE_DELETE \
            SUBSCRIPTION_CREATE SUBSCRIPTION_UPDATE SUBSCRIPTION_DELETE VOICE_STATE_UPDATE \
            VOICE_SERVER_UPDATE VOICE_CHANNEL_EFFECT_SEND WEBHOOKS_UPDATE";
        for name in documented.split_whitespace() {
            assert!(EventType::from_name(name).is_some(), "{name} has no type");
        }
        assert_eq!(documented.split_whitespace().count(), EventType::ALL.len());
    }

    #[test]
    fn unknown_event_keeps_raw_payload() {
        let e = Event::from_dispatch("NEW_THING", r#"{"a": [1, 2]}"#).unwrap();
        let Event::Unknown(u) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (u.name.as_str(), u.raw.get()),
            ("NEW_THING", r#"{"a": [1, 2]}"#)
        );
        assert_eq!(e.kind(), None);
        assert_eq!(e.name(), "NEW_THING");
    }
}
