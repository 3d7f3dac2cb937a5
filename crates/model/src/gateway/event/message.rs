//! Message, reaction, poll and typing events.

use serde::{Deserialize, Serialize};

use crate::guild::{Emoji, Member};
use crate::id::{ChannelId, GuildId, MessageId, RoleId, UserId};
use crate::message::{Attachment, Embed, Mention};
use crate::timestamp::Timestamp;
use crate::user::User;

/// `MESSAGE_UPDATE`: a message was edited.
///
/// Only `id` and `channel_id` are certain; every other field is present
/// only when it changed (`None` = unchanged), so that a cache can merge the
/// update into what it holds.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct MessageUpdate {
    /// Message id.
    pub id: MessageId,
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<User>,
    /// Author's member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    /// New content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Edit time: absent, null or a value.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub edited_timestamp: Option<Option<Timestamp>>,
    /// Mentioned users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mentions: Option<Vec<Mention>>,
    /// Mentioned roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_roles: Option<Vec<RoleId>>,
    /// Mentions @everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_everyone: Option<bool>,
    /// Attachments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachments: Option<Vec<Attachment>>,
    /// Embeds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embeds: Option<Vec<Embed>>,
    /// Pinned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pinned: Option<bool>,
    /// Flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
}

/// `MESSAGE_DELETE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct MessageDelete {
    /// Message id.
    pub id: MessageId,
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
}

/// `MESSAGE_DELETE_BULK`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct MessageDeleteBulk {
    /// Message ids.
    pub ids: Vec<MessageId>,
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
}

/// `MESSAGE_REACTION_ADD` and `MESSAGE_REACTION_REMOVE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ReactionChange {
    /// Who reacted.
    pub user_id: UserId,
    /// Channel.
    pub channel_id: ChannelId,
    /// Message.
    pub message_id: MessageId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Reacting member (add only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    /// Emoji (partial).
    pub emoji: Emoji,
    /// Author of the message (add only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_author_id: Option<UserId>,
    /// Super reaction.
    #[serde(default)]
    pub burst: bool,
    /// Super reaction colours as hex strings (add only).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub burst_colors: Vec<String>,
    /// 0 normal, 1 burst.
    #[serde(default, rename = "type")]
    pub kind: u8,
}

/// `MESSAGE_REACTION_REMOVE_ALL`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ReactionRemoveAll {
    /// Channel.
    pub channel_id: ChannelId,
    /// Message.
    pub message_id: MessageId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
}

/// `MESSAGE_REACTION_REMOVE_EMOJI`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ReactionRemoveEmoji {
    /// Channel.
    pub channel_id: ChannelId,
    /// Message.
    pub message_id: MessageId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Removed emoji.
    pub emoji: Emoji,
}

/// `MESSAGE_POLL_VOTE_ADD` and `MESSAGE_POLL_VOTE_REMOVE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct PollVote {
    /// Voter.
    pub user_id: UserId,
    /// Channel.
    pub channel_id: ChannelId,
    /// Message holding the poll.
    pub message_id: MessageId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Answer id.
    pub answer_id: u32,
}

/// `TYPING_START`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct TypingStart {
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Typing user.
    pub user_id: UserId,
    /// Unix time in seconds.
    pub timestamp: u64,
    /// Typing member, in guilds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
}
