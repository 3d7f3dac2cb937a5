//! Guild events: members, roles, bans, emojis, stickers, audit log.

use serde::{Deserialize, Serialize};

use crate::guild::{Emoji, Member, Role, Sticker};
use crate::id::{AuditLogEntryId, GenericId, GuildId, RoleId, UserId};
use crate::presence::Presence;
use crate::timestamp::Timestamp;
use crate::user::User;

/// `GUILD_MEMBER_ADD`: a user joined a guild.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct MemberAdd {
    /// Guild.
    pub guild_id: GuildId,
    /// The member (with `user`).
    #[serde(flatten)]
    pub member: Member,
}

/// `GUILD_MEMBER_UPDATE`: a member changed.
///
/// `nick` keeps absent (`None`) apart from null (`Some(None)`).
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct MemberUpdate {
    /// Guild.
    pub guild_id: GuildId,
    /// Role ids.
    #[serde(default)]
    pub roles: Vec<RoleId>,
    /// The user.
    pub user: User,
    /// Nickname: absent, null or a value.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub nick: Option<Option<String>>,
    /// Guild avatar hash.
    #[serde(default)]
    pub avatar: Option<String>,
    /// When the user joined.
    #[serde(default)]
    pub joined_at: Option<Timestamp>,
    /// When the user started boosting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub premium_since: Option<Timestamp>,
    /// Server-deafened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deaf: Option<bool>,
    /// Server-muted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mute: Option<bool>,
    /// Pending membership screening.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<bool>,
    /// End of a timeout.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub communication_disabled_until: Option<Timestamp>,
    /// Member flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
}

/// `GUILD_MEMBER_REMOVE`: a user left, was kicked or was banned.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct MemberRemove {
    /// Guild.
    pub guild_id: GuildId,
    /// The user.
    pub user: User,
}

/// `GUILD_MEMBERS_CHUNK`: one part of the answer to Request Guild Members.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct MemberChunk {
    /// Guild.
    pub guild_id: GuildId,
    /// Members (at most 1000).
    #[serde(default)]
    pub members: Vec<Member>,
    /// Index of this chunk, from 0.
    pub chunk_index: u32,
    /// Number of chunks in the answer.
    pub chunk_count: u32,
    /// Requested user ids that are not members.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_found: Vec<UserId>,
    /// Presences, when requested.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presences: Vec<Presence>,
    /// Nonce of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

/// `GUILD_ROLE_CREATE` and `GUILD_ROLE_UPDATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct RoleUpsert {
    /// Guild.
    pub guild_id: GuildId,
    /// The role.
    pub role: Role,
}

/// `GUILD_ROLE_DELETE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct RoleDelete {
    /// Guild.
    pub guild_id: GuildId,
    /// The deleted role.
    pub role_id: RoleId,
}

/// `GUILD_BAN_ADD` and `GUILD_BAN_REMOVE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Ban {
    /// Guild.
    pub guild_id: GuildId,
    /// The banned or unbanned user.
    pub user: User,
}

/// `GUILD_EMOJIS_UPDATE`: the guild's full emoji list.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct EmojisUpdate {
    /// Guild.
    pub guild_id: GuildId,
    /// All emojis.
    pub emojis: Vec<Emoji>,
}

/// `GUILD_STICKERS_UPDATE`: the guild's full sticker list.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct StickersUpdate {
    /// Guild.
    pub guild_id: GuildId,
    /// All stickers.
    pub stickers: Vec<Sticker>,
}

/// An event carrying only a guild id (`GUILD_INTEGRATIONS_UPDATE`).
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct GuildRef {
    /// Guild.
    pub guild_id: GuildId,
}

/// `GUILD_AUDIT_LOG_ENTRY_CREATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AuditLogEntry {
    /// Entry id.
    pub id: AuditLogEntryId,
    /// Guild.
    pub guild_id: GuildId,
    /// Affected entity.
    #[serde(default)]
    pub target_id: Option<GenericId>,
    /// Who acted.
    #[serde(default)]
    pub user_id: Option<UserId>,
    /// Audit log event type.
    pub action_type: u16,
    /// Reason given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Changed keys.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<AuditLogChange>,
}

/// One change in an audit log entry; values stay JSON since their type
/// depends on the key.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AuditLogChange {
    /// Changed key.
    pub key: String,
    /// New value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub new_value: Option<serde_json::Value>,
    /// Old value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old_value: Option<serde_json::Value>,
}
