//! Channel and thread events.

use serde::{Deserialize, Serialize};

use crate::channel::{Channel, ThreadMember};
use crate::id::{ChannelId, GuildId, UserId};
use crate::presence::Presence;
use crate::timestamp::Timestamp;

/// `CHANNEL_PINS_UPDATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct PinsUpdate {
    /// Guild, absent for DMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Channel.
    pub channel_id: ChannelId,
    /// Time of the newest pin: absent, null (no pins) or a value.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_pin_timestamp: Option<Option<Timestamp>>,
}

/// `THREAD_DELETE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadDelete {
    /// Thread id.
    pub id: ChannelId,
    /// Guild.
    pub guild_id: GuildId,
    /// Parent channel.
    #[serde(default)]
    pub parent_id: Option<ChannelId>,
    /// Thread type.
    #[serde(rename = "type")]
    pub kind: u8,
}

/// `THREAD_LIST_SYNC`: the active threads of channels the bot gained
/// access to.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadListSync {
    /// Guild.
    pub guild_id: GuildId,
    /// Parent channels synced; absent = the whole guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_ids: Option<Vec<ChannelId>>,
    /// Active threads.
    #[serde(default)]
    pub threads: Vec<Channel>,
    /// The bot's memberships of those threads.
    #[serde(default)]
    pub members: Vec<ThreadMember>,
}

/// `THREAD_MEMBER_UPDATE`: the bot's own thread membership changed.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadMemberUpdate {
    /// Guild.
    pub guild_id: GuildId,
    /// The membership.
    #[serde(flatten)]
    pub member: ThreadMember,
}

/// `THREAD_MEMBERS_UPDATE`: users joined or left a thread.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ThreadMembersUpdate {
    /// Thread id.
    pub id: ChannelId,
    /// Guild.
    pub guild_id: GuildId,
    /// Approximate member count (stops at 50).
    pub member_count: u32,
    /// Members added.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_members: Vec<AddedThreadMember>,
    /// Users removed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed_member_ids: Vec<UserId>,
}

/// A member added to a thread, with their presence when known.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AddedThreadMember {
    /// The thread membership.
    #[serde(flatten)]
    pub member: ThreadMember,
    /// Presence, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<Presence>,
}

/// `CHANNEL_INFO`: answer to Request Channel Info.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ChannelInfo {
    /// Guild.
    pub guild_id: GuildId,
    /// Requested fields per channel.
    pub channels: Vec<ChannelInfoEntry>,
}

/// One channel of `CHANNEL_INFO`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ChannelInfoEntry {
    /// Channel.
    pub id: ChannelId,
    /// Voice channel status.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub status: Option<Option<String>>,
    /// Unix seconds when voice started.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub voice_start_time: Option<Option<u64>>,
}

/// `VOICE_CHANNEL_STATUS_UPDATE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct VoiceChannelStatusUpdate {
    /// Channel.
    pub id: ChannelId,
    /// Guild.
    pub guild_id: GuildId,
    /// New status.
    #[serde(default)]
    pub status: Option<String>,
}

/// `VOICE_CHANNEL_START_TIME_UPDATE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct VoiceChannelStartTimeUpdate {
    /// Channel.
    pub id: ChannelId,
    /// Guild.
    pub guild_id: GuildId,
    /// Unix seconds when voice started, `None` when it ended.
    #[serde(default)]
    pub voice_start_time: Option<u64>,
}

/// `WEBHOOKS_UPDATE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct WebhooksUpdate {
    /// Guild.
    pub guild_id: GuildId,
    /// Channel whose webhooks changed.
    pub channel_id: ChannelId,
}
