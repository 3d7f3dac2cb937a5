//! What an event replaced or removed: the "before" values.

use std::sync::Arc;

use crate::types::{
    CachedChannel, CachedCurrentUser, CachedEmoji, CachedGuild, CachedMember, CachedMessage,
    CachedPresence, CachedRole, CachedSticker, CachedVoiceState,
};

/// The state an event replaced or removed, as returned by
/// [`Cache::update`](crate::Cache::update): what a handler of
/// `MESSAGE_UPDATE` or `GUILD_MEMBER_REMOVE` needs to say what changed.
///
/// # Why always, and why it costs nothing
///
/// Cached objects are immutable snapshots behind `Arc`s, shared with the
/// handlers that read them, so an event never edits one in place: it builds
/// the new object and swaps the `Arc`. The replaced `Arc` is a by-product of
/// every update; moving it here is a pointer move, and dropping the
/// `Update` drops the last reference to the old object (unless a reader
/// still holds one). A flag asking for "before" values would save nothing,
/// so there is none.
///
/// Events that replace nothing (a create, an event for a guild the cache
/// does not know, an event whose resource is not cached, or one the cache
/// has no use for) give [`Update::Nothing`]. An update that changes
/// nothing (a repeated event) gives the object itself, so `before` and
/// the cache's current value are the same `Arc`.
///
/// | event | variant |
/// |---|---|
/// | `GUILD_UPDATE`, `GUILD_DELETE` (left), `GUILD_CREATE` (known guild) | [`Guild`](Update::Guild) |
/// | `CHANNEL_UPDATE`/`_DELETE`, `CHANNEL_PINS_UPDATE`, `THREAD_UPDATE`/`_DELETE`, `THREAD_MEMBER_UPDATE`, `THREAD_MEMBERS_UPDATE` | [`Channel`](Update::Channel) |
/// | `GUILD_MEMBER_UPDATE`/`_REMOVE` | [`Member`](Update::Member) |
/// | `GUILD_ROLE_UPDATE`/`_DELETE` | [`Role`](Update::Role) |
/// | `GUILD_EMOJIS_UPDATE` / `GUILD_STICKERS_UPDATE` | [`Emojis`](Update::Emojis) / [`Stickers`](Update::Stickers) |
/// | `MESSAGE_UPDATE`/`_DELETE`, `MESSAGE_REACTION_*` | [`Message`](Update::Message) |
/// | `MESSAGE_DELETE_BULK` | [`Messages`](Update::Messages) (the cached ones) |
/// | `PRESENCE_UPDATE` | [`Presence`](Update::Presence) |
/// | `VOICE_STATE_UPDATE` | [`VoiceState`](Update::VoiceState) |
/// | `USER_UPDATE` | [`CurrentUser`](Update::CurrentUser) |
///
/// ```
/// use tether_cache::{Cache, Update};
/// use tether_model::gateway::Event;
///
/// let cache = Cache::new();
/// # for (name, data) in [
/// #     ("READY", r#"{"v":10,"user":{"id":"1"},"guilds":[{"id":"10","unavailable":true}],"session_id":"s","resume_gateway_url":"wss://x","application":{"id":"1","flags":0}}"#),
/// #     ("GUILD_CREATE", r#"{"id":"10","members":[{"user":{"id":"2","username":"alice"},"nick":"al","roles":[]}]}"#),
/// # ] {
/// #     cache.update(&Event::from_dispatch(name, data)?);
/// # }
/// let left = Event::from_dispatch("GUILD_MEMBER_REMOVE", r#"{"guild_id":"10","user":{"id":"2"}}"#)?;
/// // `on_member_remove(member)`: the member as the cache knew them.
/// if let Update::Member(member) = cache.update(&left) {
///     assert_eq!(member.nick(), Some("al"));
/// }
/// # else { unreachable!() }
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub enum Update {
    /// Nothing was replaced or removed.
    #[default]
    Nothing,
    /// A channel or thread before the event.
    Channel(Arc<CachedChannel>),
    /// The bot's user before `USER_UPDATE`.
    CurrentUser(Arc<CachedCurrentUser>),
    /// The guild's emojis before the event.
    Emojis(Arc<[CachedEmoji]>),
    /// A guild's own fields before the event.
    Guild(Arc<CachedGuild>),
    /// A member before the event.
    Member(Arc<CachedMember>),
    /// A message before the event.
    Message(Arc<CachedMessage>),
    /// The cached messages among those deleted, oldest first.
    Messages(Vec<Arc<CachedMessage>>),
    /// A presence before the event.
    Presence(Arc<CachedPresence>),
    /// A role before the event.
    Role(Arc<CachedRole>),
    /// The guild's stickers before the event.
    Stickers(Arc<[CachedSticker]>),
    /// A voice state before the event.
    VoiceState(Arc<CachedVoiceState>),
}
