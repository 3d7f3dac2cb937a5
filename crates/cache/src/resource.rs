//! The resource filter: what the cache keeps.

use bitflags::bitflags;

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
}
