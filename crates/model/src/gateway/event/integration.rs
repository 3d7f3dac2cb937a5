//! Integration, invite and application command permission events.

use serde::{Deserialize, Serialize};

use crate::id::{ApplicationId, ChannelId, CommandId, GenericId, GuildId, IntegrationId, RoleId};
use crate::timestamp::Timestamp;
use crate::user::User;

/// `INTEGRATION_CREATE` and `INTEGRATION_UPDATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Integration {
    /// Integration id.
    pub id: IntegrationId,
    /// Guild.
    pub guild_id: GuildId,
    /// Name.
    pub name: String,
    /// `twitch`, `youtube`, `discord` or `guild_subscription`.
    #[serde(rename = "type")]
    pub kind: String,
    /// Whether it is enabled.
    #[serde(default)]
    pub enabled: bool,
    /// Role for subscribers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<RoleId>,
    /// Bot application, for `discord` integrations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application: Option<IntegrationApplication>,
}

/// The application of a bot integration.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct IntegrationApplication {
    /// Application id.
    pub id: ApplicationId,
    /// Name.
    pub name: String,
    /// Bot user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<User>,
}

/// `INTEGRATION_DELETE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct IntegrationDelete {
    /// Integration id.
    pub id: IntegrationId,
    /// Guild.
    pub guild_id: GuildId,
    /// Bot application, for bot integrations.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<ApplicationId>,
}

/// `INVITE_CREATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct InviteCreate {
    /// Channel.
    pub channel_id: ChannelId,
    /// Invite code.
    pub code: String,
    /// Creation time.
    pub created_at: Timestamp,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inviter: Option<User>,
    /// Lifetime in seconds.
    pub max_age: u32,
    /// Use limit.
    pub max_uses: u32,
    /// Grants temporary membership.
    #[serde(default)]
    pub temporary: bool,
    /// Uses so far (always 0).
    #[serde(default)]
    pub uses: u32,
    /// Expiry.
    #[serde(default)]
    pub expires_at: Option<Timestamp>,
}

/// `INVITE_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct InviteDelete {
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Invite code.
    pub code: String,
}

/// `APPLICATION_COMMAND_PERMISSIONS_UPDATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct CommandPermissions {
    /// Command id (or the application id for app-wide permissions).
    pub id: CommandId,
    /// Application.
    pub application_id: ApplicationId,
    /// Guild.
    pub guild_id: GuildId,
    /// Permission entries.
    pub permissions: Vec<CommandPermission>,
}

/// One entry of a command's permissions.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct CommandPermission {
    /// Role, user or channel id.
    pub id: GenericId,
    /// 1 role, 2 user, 3 channel.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Allowed or denied.
    pub permission: bool,
}
