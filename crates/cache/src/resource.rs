//! The resource filter: what the cache keeps.

use bitflags::bitflags;
use tether_model::gateway::{EventType, EventTypeFlags};

bitflags! {
    /// Kinds of state the cache keeps; events about the others are still
    /// read for what they say about the kept ones.
    ///
    /// Whatever is chosen, the cache tracks which guilds exist and whether
    /// they are available (it needs that to ignore events for guilds it
    /// does not know), and the current user.
    ///
    /// ```
    /// use tether_cache::{Cache, ResourceType};
    ///
    /// // Only what a moderation bot needs.
    /// let cache = Cache::builder()
    ///     .resource_types(ResourceType::GUILDS | ResourceType::MEMBERS | ResourceType::ROLES)
    ///     .build();
    /// assert!(!cache.resource_types().contains(ResourceType::MESSAGES));
    /// assert_eq!(Cache::new().resource_types(), ResourceType::DEFAULT);
    /// ```
    #[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
    pub struct ResourceType: u16 {
        /// Guilds' own fields ([`CachedGuild`](crate::CachedGuild)).
        const GUILDS = 1;
        /// Guild channels, threads and DMs.
        const CHANNELS = 1 << 1;
        /// Roles.
        const ROLES = 1 << 2;
        /// Guild members, and the members of cached threads.
        const MEMBERS = 1 << 3;
        /// Users, shared by the members and messages that refer to them.
        const USERS = 1 << 4;
        /// Custom emojis.
        const EMOJIS = 1 << 5;
        /// Stickers.
        const STICKERS = 1 << 6;
        /// Voice states.
        const VOICE_STATES = 1 << 7;
        /// Presences (needs the `GUILD_PRESENCES` intent, and costs memory
        /// in proportion to online users: off by default).
        const PRESENCES = 1 << 8;
        /// Recent messages, up to the configured limits.
        const MESSAGES = 1 << 9;
    }
}

impl ResourceType {
    /// Everything but presences, like discord.py's defaults.
    pub const DEFAULT: Self = Self::all().difference(Self::PRESENCES);

    /// The event types a cache keeping these resources reads: a client
    /// decodes them (and gives them to [`Cache::update`](crate::Cache::update))
    /// whether or not a handler asked for them.
    ///
    /// Sessions and guild availability are always read; the rest only for
    /// the resources that need them, so that, say, a bot that does not
    /// cache presences does not decode the flood of `PRESENCE_UPDATE`.
    ///
    /// ```
    /// use tether_cache::ResourceType;
    /// use tether_model::gateway::EventType;
    ///
    /// let types = ResourceType::DEFAULT.event_types();
    /// assert!(types.contains(EventType::MessageUpdate));
    /// assert!(!types.contains(EventType::PresenceUpdate));
    /// assert!(ResourceType::PRESENCES.event_types().contains(EventType::PresenceUpdate));
    /// ```
    pub fn event_types(self) -> EventTypeFlags {
        use EventType as E;
        let mut types: EventTypeFlags = [E::Ready, E::UserUpdate, E::GuildCreate, E::GuildDelete]
            .into_iter()
            .collect();
        let mut add = |resource: Self, events: &[EventType]| {
            if self.intersects(resource) {
                types |= events.iter().copied().collect();
            }
        };
        add(Self::GUILDS | Self::ROLES, &[E::GuildUpdate]);
        add(Self::GUILDS, &[E::GuildMemberAdd, E::GuildMemberRemove]);
        add(
            Self::CHANNELS,
            &[
                E::ChannelCreate,
                E::ChannelUpdate,
                E::ChannelDelete,
                E::ChannelPinsUpdate,
                E::ThreadCreate,
                E::ThreadUpdate,
                E::ThreadDelete,
                E::ThreadListSync,
                E::ThreadMemberUpdate,
                E::ThreadMembersUpdate,
                E::MessageCreate,
            ],
        );
        add(
            Self::ROLES,
            &[E::GuildRoleCreate, E::GuildRoleUpdate, E::GuildRoleDelete],
        );
        add(
            Self::MEMBERS | Self::USERS,
            &[
                E::GuildMemberAdd,
                E::GuildMemberUpdate,
                E::GuildMemberRemove,
                E::GuildMembersChunk,
                E::GuildRoleDelete,
                E::ThreadMembersUpdate,
                E::MessageCreate,
                E::MessageUpdate,
                E::ReactionAdd,
                E::VoiceStateUpdate,
            ],
        );
        add(Self::EMOJIS, &[E::GuildEmojisUpdate]);
        add(Self::STICKERS, &[E::GuildStickersUpdate]);
        add(
            Self::VOICE_STATES,
            &[E::VoiceStateUpdate, E::GuildMemberRemove],
        );
        add(
            Self::PRESENCES,
            &[
                E::PresenceUpdate,
                E::GuildMembersChunk,
                E::ThreadMembersUpdate,
                E::GuildMemberRemove,
            ],
        );
        add(
            Self::MESSAGES,
            &[
                E::MessageCreate,
                E::MessageUpdate,
                E::MessageDelete,
                E::MessageDeleteBulk,
                E::ReactionAdd,
                E::ReactionRemove,
                E::ReactionRemoveAll,
                E::ReactionRemoveEmoji,
                E::ChannelDelete,
                E::ThreadDelete,
                E::ThreadListSync,
            ],
        );
        types
    }
}
