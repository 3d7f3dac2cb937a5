//! Guilds, roles, emojis and stickers.

use tether_model::Timestamp;
use tether_model::guild::{Emoji, Guild, Role, Sticker};
use tether_model::id::{ApplicationId, ChannelId, EmojiId, GuildId, RoleId, StickerId, UserId};
use tether_model::permissions::Permissions;

use super::{ImageHash, OptTime, boxed};

/// A guild's own fields: what `GUILD_CREATE` and `GUILD_UPDATE` say about
/// the guild itself. Its channels, roles, members and the rest are cached
/// apart, each under its own id.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedGuild {
    id: GuildId,
    owner_id: UserId,
    name: Box<str>,
    icon: Option<ImageHash>,
    banner: Option<ImageHash>,
    description: Option<Box<str>>,
    features: Box<[Box<str>]>,
    preferred_locale: Box<str>,
    afk_channel_id: Option<ChannelId>,
    system_channel_id: Option<ChannelId>,
    rules_channel_id: Option<ChannelId>,
    application_id: Option<ApplicationId>,
    member_count: Option<u64>,
    premium_subscription_count: Option<u32>,
    joined_at: OptTime,
    afk_timeout: u32,
    verification_level: u8,
    default_message_notifications: u8,
    explicit_content_filter: u8,
    mfa_level: u8,
    premium_tier: u8,
    nsfw_level: u8,
    large: bool,
}

impl CachedGuild {
    /// The guild of a `GUILD_CREATE`.
    pub(crate) fn new(guild: &Guild) -> Self {
        Self {
            id: guild.id,
            owner_id: guild.owner_id,
            name: Box::from(guild.name.as_str()),
            icon: guild.icon.as_deref().map(ImageHash::new),
            banner: guild.banner.as_deref().map(ImageHash::new),
            description: boxed(guild.description.as_ref()),
            features: guild
                .features
                .iter()
                .map(|f| Box::from(f.as_str()))
                .collect(),
            preferred_locale: Box::from(guild.preferred_locale.as_str()),
            afk_channel_id: guild.afk_channel_id,
            system_channel_id: guild.system_channel_id,
            rules_channel_id: guild.rules_channel_id,
            application_id: guild.application_id,
            member_count: guild.member_count,
            premium_subscription_count: guild.premium_subscription_count,
            joined_at: OptTime::new(guild.joined_at),
            afk_timeout: guild.afk_timeout,
            verification_level: guild.verification_level,
            default_message_notifications: guild.default_message_notifications,
            explicit_content_filter: guild.explicit_content_filter,
            mfa_level: guild.mfa_level,
            premium_tier: guild.premium_tier,
            nsfw_level: guild.nsfw_level,
            large: guild.large,
        }
    }

    /// This guild updated by a `GUILD_UPDATE`, which lacks the fields only
    /// `GUILD_CREATE` carries (`joined_at`, `large`, `member_count`).
    pub(crate) fn updated(&self, guild: &Guild) -> Self {
        let mut new = Self::new(guild);
        new.joined_at = guild
            .joined_at
            .map_or(self.joined_at, |t| OptTime::new(Some(t)));
        new.member_count = guild.member_count.or(self.member_count);
        new.large = self.large || guild.large;
        new
    }

    pub(crate) fn with_member_count(&self, member_count: Option<u64>) -> Self {
        Self {
            member_count,
            ..self.clone()
        }
    }

    /// Guild id.
    pub fn id(&self) -> GuildId {
        self.id
    }

    /// Owner's user id.
    pub fn owner_id(&self) -> UserId {
        self.owner_id
    }

    /// Guild name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Icon hash.
    pub fn icon(&self) -> Option<&ImageHash> {
        self.icon.as_ref()
    }

    /// Banner hash.
    pub fn banner(&self) -> Option<&ImageHash> {
        self.banner.as_ref()
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Enabled guild features.
    pub fn features(&self) -> impl ExactSizeIterator<Item = &str> {
        self.features.iter().map(|f| &**f)
    }

    /// Preferred locale.
    pub fn preferred_locale(&self) -> &str {
        &self.preferred_locale
    }

    /// AFK voice channel.
    pub fn afk_channel_id(&self) -> Option<ChannelId> {
        self.afk_channel_id
    }

    /// AFK timeout in seconds.
    pub fn afk_timeout(&self) -> u32 {
        self.afk_timeout
    }

    /// Channel for system messages.
    pub fn system_channel_id(&self) -> Option<ChannelId> {
        self.system_channel_id
    }

    /// Rules channel.
    pub fn rules_channel_id(&self) -> Option<ChannelId> {
        self.rules_channel_id
    }

    /// Creator application, for bot-created guilds.
    pub fn application_id(&self) -> Option<ApplicationId> {
        self.application_id
    }

    /// Member count: `GUILD_CREATE`'s, kept current by member joins and
    /// leaves (see the crate docs for how duplicates are told apart).
    pub fn member_count(&self) -> Option<u64> {
        self.member_count
    }

    /// Number of boosts.
    pub fn premium_subscription_count(&self) -> Option<u32> {
        self.premium_subscription_count
    }

    /// When the bot joined.
    pub fn joined_at(&self) -> Option<Timestamp> {
        self.joined_at.get()
    }

    /// Verification level, 0 (none) to 4 (very high).
    pub fn verification_level(&self) -> u8 {
        self.verification_level
    }

    /// Default notification level.
    pub fn default_message_notifications(&self) -> u8 {
        self.default_message_notifications
    }

    /// Explicit content filter level.
    pub fn explicit_content_filter(&self) -> u8 {
        self.explicit_content_filter
    }

    /// Required MFA level for moderation.
    pub fn mfa_level(&self) -> u8 {
        self.mfa_level
    }

    /// Boost tier, 0 to 3.
    pub fn premium_tier(&self) -> u8 {
        self.premium_tier
    }

    /// NSFW level.
    pub fn nsfw_level(&self) -> u8 {
        self.nsfw_level
    }

    /// Whether the guild counted as large when it was created.
    pub fn large(&self) -> bool {
        self.large
    }
}

/// A role.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedRole {
    id: RoleId,
    permissions: Permissions,
    flags: u64,
    name: Box<str>,
    icon: Option<ImageHash>,
    unicode_emoji: Option<Box<str>>,
    position: i32,
    color: u32,
    hoist: bool,
    managed: bool,
    mentionable: bool,
}

impl CachedRole {
    pub(crate) fn new(role: &Role) -> Self {
        Self {
            id: role.id,
            permissions: role.permissions,
            flags: role.flags,
            name: Box::from(role.name.as_str()),
            icon: role.icon.as_deref().map(ImageHash::new),
            unicode_emoji: boxed(role.unicode_emoji.as_ref()),
            position: role.position,
            color: role.color,
            hoist: role.hoist,
            managed: role.managed,
            mentionable: role.mentionable,
        }
    }

    /// Role id (the guild's id for `@everyone`).
    pub fn id(&self) -> RoleId {
        self.id
    }

    /// Permission bits.
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// Role flags.
    pub fn flags(&self) -> u64 {
        self.flags
    }

    /// Role name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Icon hash.
    pub fn icon(&self) -> Option<&ImageHash> {
        self.icon.as_ref()
    }

    /// Unicode emoji shown as the role icon.
    pub fn unicode_emoji(&self) -> Option<&str> {
        self.unicode_emoji.as_deref()
    }

    /// Sort position; equal positions sort by id.
    pub fn position(&self) -> i32 {
        self.position
    }

    /// Colour as an RGB integer (0 = none).
    pub fn color(&self) -> u32 {
        self.color
    }

    /// Whether members are shown apart in the member list.
    pub fn hoist(&self) -> bool {
        self.hoist
    }

    /// Whether an integration manages the role.
    pub fn managed(&self) -> bool {
        self.managed
    }

    /// Whether anyone may mention the role.
    pub fn mentionable(&self) -> bool {
        self.mentionable
    }
}

/// A guild's custom emoji.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedEmoji {
    id: Option<EmojiId>,
    name: Option<Box<str>>,
    roles: Box<[RoleId]>,
    creator: Option<UserId>,
    require_colons: Option<bool>,
    managed: Option<bool>,
    animated: Option<bool>,
    available: Option<bool>,
}

impl CachedEmoji {
    pub(crate) fn new(emoji: &Emoji) -> Self {
        Self {
            id: emoji.id,
            name: boxed(emoji.name.as_ref()),
            roles: emoji.roles.as_slice().into(),
            creator: emoji.user.as_ref().map(|u| u.id),
            require_colons: emoji.require_colons,
            managed: emoji.managed,
            animated: emoji.animated,
            available: emoji.available,
        }
    }

    /// Emoji id (always set for a guild's emojis).
    pub fn id(&self) -> Option<EmojiId> {
        self.id
    }

    /// Name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Roles allowed to use it (empty: everyone).
    pub fn roles(&self) -> &[RoleId] {
        &self.roles
    }

    /// Who uploaded it, when Discord said (it needs a permission to see).
    pub fn creator(&self) -> Option<UserId> {
        self.creator
    }

    /// Whether it must be wrapped in colons.
    pub fn require_colons(&self) -> Option<bool> {
        self.require_colons
    }

    /// Whether an integration manages it.
    pub fn managed(&self) -> Option<bool> {
        self.managed
    }

    /// Whether it is animated.
    pub fn animated(&self) -> Option<bool> {
        self.animated
    }

    /// Whether it is usable (lost boosts may disable it).
    pub fn available(&self) -> Option<bool> {
        self.available
    }
}

/// A guild's sticker.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedSticker {
    id: StickerId,
    guild_id: Option<GuildId>,
    name: Box<str>,
    description: Option<Box<str>>,
    tags: Box<str>,
    available: Option<bool>,
    kind: u8,
    format_type: u8,
}

impl CachedSticker {
    pub(crate) fn new(sticker: &Sticker) -> Self {
        Self {
            id: sticker.id,
            guild_id: sticker.guild_id,
            name: Box::from(sticker.name.as_str()),
            description: boxed(sticker.description.as_ref()),
            tags: Box::from(sticker.tags.as_str()),
            available: sticker.available,
            kind: sticker.kind,
            format_type: sticker.format_type,
        }
    }

    /// Sticker id.
    pub fn id(&self) -> StickerId {
        self.id
    }

    /// Owning guild, as Discord sent it.
    pub fn guild_id(&self) -> Option<GuildId> {
        self.guild_id
    }

    /// Name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// Autocomplete tags.
    pub fn tags(&self) -> &str {
        &self.tags
    }

    /// Whether it is usable.
    pub fn available(&self) -> Option<bool> {
        self.available
    }

    /// 1 standard, 2 guild.
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// 1 PNG, 2 APNG, 3 Lottie, 4 GIF.
    pub fn format_type(&self) -> u8 {
        self.format_type
    }
}
