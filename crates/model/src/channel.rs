//! Channels, threads and permission overwrites.
//!
//! See [Discord Docs/Channel](https://discord.com/developers/docs/resources/channel).

use serde::{Deserialize, Serialize};

use crate::guild::Member;
use crate::id::{ApplicationId, ChannelId, GenericId, GuildId, MessageId, UserId};
use crate::permissions::Permissions;
use crate::timestamp::Timestamp;
use crate::user::User;

/// A guild channel, DM, group DM or thread.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Channel {
    /// Channel id.
    pub id: ChannelId,
    /// Channel type: 0 text, 1 DM, 2 voice, 3 group DM, 4 category,
    /// 5 announcement, 10–12 threads, 13 stage, 14 directory, 15 forum,
    /// 16 media.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Guild, absent for DMs and inside `GUILD_CREATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Sorting position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<i32>,
    /// Explicit permission overwrites.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permission_overwrites: Vec<PermissionOverwrite>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Whether the channel is age-restricted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nsfw: bool,
    /// Last message id (may point to a deleted message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message_id: Option<MessageId>,
    /// Voice bitrate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bitrate: Option<u32>,
    /// Voice user limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_limit: Option<u32>,
    /// Slowmode in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_user: Option<u32>,
    /// Recipients of a DM.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipients: Vec<User>,
    /// Creator of a group DM or thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_id: Option<UserId>,
    /// Creator application of a group DM.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<ApplicationId>,
    /// Category, or the parent channel of a thread.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_id: Option<ChannelId>,
    /// When the last message was pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_pin_timestamp: Option<Timestamp>,
    /// Thread message count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u32>,
    /// Thread member count (stops counting at 50).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_count: Option<u32>,
    /// Thread-only fields.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thread_metadata: Option<ThreadMetadata>,
    /// The bot's thread membership, on some payloads.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<ThreadMember>,
    /// Channel flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
    /// Set on `THREAD_CREATE` when the thread was just created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub newly_created: Option<bool>,
}

impl Channel {
    /// Whether this channel is a thread (types 10, 11 and 12).
    pub const fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }
}

/// An explicit allow/deny for a role or a member in a channel.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct PermissionOverwrite {
    /// Role or user id.
    pub id: GenericId,
    /// 0 role, 1 member.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Allowed bits.
    pub allow: Permissions,
    /// Denied bits.
    pub deny: Permissions,
}

/// Fields only threads have.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadMetadata {
    /// Whether the thread is archived.
    pub archived: bool,
    /// Minutes of inactivity before auto-archiving.
    pub auto_archive_duration: u32,
    /// When the archive status last changed.
    pub archive_timestamp: Timestamp,
    /// Whether only moderators may unarchive.
    #[serde(default)]
    pub locked: bool,
    /// Whether non-moderators may add others (private threads).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invitable: Option<bool>,
    /// When the thread was created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_timestamp: Option<Timestamp>,
}

/// A user's membership of a thread.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadMember {
    /// Thread id; absent inside `GUILD_CREATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<ChannelId>,
    /// User id; absent inside `GUILD_CREATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// When the user joined the thread.
    pub join_timestamp: Timestamp,
    /// Notification flags.
    #[serde(default)]
    pub flags: u64,
    /// The guild member, on some events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
}
