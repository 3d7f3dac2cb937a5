//! Guilds, roles, members, emojis and stickers.
//!
//! See [Discord Docs/Guild](https://discord.com/developers/docs/resources/guild).

use serde::{Deserialize, Serialize};

use crate::channel::Channel;
use crate::id::{ApplicationId, ChannelId, EmojiId, GuildId, RoleId, StickerId, UserId};
use crate::permissions::Permissions;
use crate::presence::Presence;
use crate::timestamp::Timestamp;
use crate::user::User;
use crate::voice::VoiceState;

/// A guild as in `GUILD_CREATE`, `GUILD_UPDATE` and `GET /guilds/{id}`.
///
/// The fields only `GUILD_CREATE` carries (`members`, `channels`, …) are
/// empty elsewhere.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct Guild {
    /// Guild id.
    pub id: GuildId,
    /// Guild name.
    #[serde(default)]
    pub name: String,
    /// Icon hash.
    #[serde(default)]
    pub icon: Option<String>,
    /// Owner's user id.
    #[serde(default)]
    pub owner_id: UserId,
    /// AFK voice channel.
    #[serde(default)]
    pub afk_channel_id: Option<ChannelId>,
    /// AFK timeout in seconds.
    #[serde(default)]
    pub afk_timeout: u32,
    /// Verification level, 0 (none) to 4 (very high).
    #[serde(default)]
    pub verification_level: u8,
    /// Default notification level.
    #[serde(default)]
    pub default_message_notifications: u8,
    /// Explicit content filter level.
    #[serde(default)]
    pub explicit_content_filter: u8,
    /// Roles, including @everyone (whose id is the guild's).
    #[serde(default)]
    pub roles: Vec<Role>,
    /// Custom emojis.
    #[serde(default)]
    pub emojis: Vec<Emoji>,
    /// Enabled guild features.
    #[serde(default)]
    pub features: Vec<String>,
    /// Required MFA level for moderation.
    #[serde(default)]
    pub mfa_level: u8,
    /// Creator application, for bot-created guilds.
    #[serde(default)]
    pub application_id: Option<ApplicationId>,
    /// Channel for system messages.
    #[serde(default)]
    pub system_channel_id: Option<ChannelId>,
    /// Rules channel.
    #[serde(default)]
    pub rules_channel_id: Option<ChannelId>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Banner hash.
    #[serde(default)]
    pub banner: Option<String>,
    /// Boost tier, 0 to 3.
    #[serde(default)]
    pub premium_tier: u8,
    /// Number of boosts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium_subscription_count: Option<u32>,
    /// Preferred locale.
    #[serde(default = "default_locale")]
    pub preferred_locale: String,
    /// NSFW level.
    #[serde(default)]
    pub nsfw_level: u8,
    /// Custom stickers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stickers: Vec<Sticker>,
    /// When the bot joined (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub joined_at: Option<Timestamp>,
    /// Whether the guild counts as large (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub large: bool,
    /// Whether the guild is unavailable because of an outage.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unavailable: bool,
    /// Total member count (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u64>,
    /// Voice states, without `guild_id` (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voice_states: Vec<VoiceState>,
    /// Members; for large guilds only some (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub members: Vec<Member>,
    /// Channels; their `guild_id` may be absent (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    /// Active threads the bot can see (`GUILD_CREATE` only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub threads: Vec<Channel>,
    /// Presences (`GUILD_CREATE` only, with the presence intent).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presences: Vec<Presence>,
}

fn default_locale() -> String {
    "en-US".to_owned()
}

/// A guild that is not available: in `READY`, and in `GUILD_CREATE` or
/// `GUILD_DELETE` during an outage.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct UnavailableGuild {
    /// Guild id.
    pub id: GuildId,
    /// `true` during an outage. In `GUILD_DELETE`, absent (`false` here)
    /// means the bot was removed from the guild.
    #[serde(default)]
    pub unavailable: bool,
}

/// A role.
///
/// See [Discord Docs/Permissions](https://discord.com/developers/docs/topics/permissions#role-object).
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Role {
    /// Role id.
    pub id: RoleId,
    /// Role name.
    #[serde(default)]
    pub name: String,
    /// Colour as an RGB integer (0 = none).
    #[serde(default)]
    pub color: u32,
    /// Whether members are shown apart in the member list.
    #[serde(default)]
    pub hoist: bool,
    /// Icon hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<String>,
    /// Unicode emoji shown as the role icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unicode_emoji: Option<String>,
    /// Sort position; equal positions sort by id.
    #[serde(default)]
    pub position: i32,
    /// Permission bits.
    #[serde(default)]
    pub permissions: Permissions,
    /// Whether an integration manages the role.
    #[serde(default)]
    pub managed: bool,
    /// Whether anyone may mention the role.
    #[serde(default)]
    pub mentionable: bool,
    /// Role flags.
    #[serde(default)]
    pub flags: u64,
}

/// A guild member.
///
/// In `MESSAGE_CREATE` the author's member has no `user`; elsewhere it is
/// present.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Member {
    /// The user, absent in a message's `member`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Guild nickname.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick: Option<String>,
    /// Guild avatar hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar: Option<String>,
    /// Role ids (@everyone is implicit).
    #[serde(default)]
    pub roles: Vec<RoleId>,
    /// When the user joined; null for voice guests.
    #[serde(default)]
    pub joined_at: Option<Timestamp>,
    /// When the user started boosting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium_since: Option<Timestamp>,
    /// Server-deafened in voice.
    #[serde(default)]
    pub deaf: bool,
    /// Server-muted in voice.
    #[serde(default)]
    pub mute: bool,
    /// Member flags.
    #[serde(default)]
    pub flags: u64,
    /// Whether the member has not passed membership screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
    /// Permissions in the channel, in interactions only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Permissions>,
    /// End of a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_disabled_until: Option<Timestamp>,
}

/// A custom or Unicode emoji.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Emoji {
    /// Id for custom emojis, `None` for Unicode ones.
    #[serde(default)]
    pub id: Option<EmojiId>,
    /// Name, or the Unicode character(s); null only in some reaction emojis.
    #[serde(default)]
    pub name: Option<String>,
    /// Roles allowed to use it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleId>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Whether it must be wrapped in colons.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_colons: Option<bool>,
    /// Whether an integration manages it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub managed: Option<bool>,
    /// Whether it is animated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animated: Option<bool>,
    /// Whether it is usable (lost boosts may disable it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
}

/// A sticker.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Sticker {
    /// Sticker id.
    pub id: StickerId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Autocomplete tags.
    #[serde(default)]
    pub tags: String,
    /// 1 standard, 2 guild.
    #[serde(default, rename = "type")]
    pub kind: u8,
    /// 1 PNG, 2 APNG, 3 Lottie, 4 GIF.
    #[serde(default)]
    pub format_type: u8,
    /// Whether it is usable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<bool>,
    /// Owning guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
}
