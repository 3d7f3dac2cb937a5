//! Messages, attachments, embeds and reactions.
//!
//! See [Discord Docs/Message](https://discord.com/developers/docs/resources/message).

use serde::{Deserialize, Serialize};

use crate::guild::{Emoji, Member};
use crate::id::{
    ApplicationId, AttachmentId, ChannelId, GuildId, MessageId, RoleId, StickerId, UserId,
    WebhookId,
};
use crate::timestamp::Timestamp;
use crate::user::User;

/// A message, as in `MESSAGE_CREATE` and the REST API.
///
/// Without the `MESSAGE_CONTENT` intent, `content`, `embeds` and
/// `attachments` arrive empty for messages that do not mention the bot.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct Message {
    /// Message id.
    pub id: MessageId,
    /// Channel it was sent in.
    pub channel_id: ChannelId,
    /// Guild, absent for DMs and ephemeral messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Author; for webhooks, the webhook's name and avatar.
    pub author: User,
    /// Author's guild member, without `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    /// Text.
    #[serde(default)]
    pub content: String,
    /// When it was sent.
    pub timestamp: Timestamp,
    /// When it was last edited.
    #[serde(default)]
    pub edited_timestamp: Option<Timestamp>,
    /// Text-to-speech.
    #[serde(default)]
    pub tts: bool,
    /// Whether it mentions @everyone.
    #[serde(default)]
    pub mention_everyone: bool,
    /// Mentioned users (each may carry a partial `member`).
    #[serde(default)]
    pub mentions: Vec<Mention>,
    /// Mentioned roles.
    #[serde(default)]
    pub mention_roles: Vec<RoleId>,
    /// Attached files.
    #[serde(default)]
    pub attachments: Vec<Attachment>,
    /// Embeds.
    #[serde(default)]
    pub embeds: Vec<Embed>,
    /// Reactions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Client nonce, echoed from the create request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Nonce>,
    /// Whether it is pinned.
    #[serde(default)]
    pub pinned: bool,
    /// Webhook that sent it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_id: Option<WebhookId>,
    /// Message type (0 default, 19 reply, …).
    #[serde(default, rename = "type")]
    pub kind: u8,
    /// Application of an interaction or webhook message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<ApplicationId>,
    /// Message flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
    /// The message this one replies to or forwards.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_reference: Option<MessageReference>,
    /// The replied-to message: absent when not fetched, null when deleted.
    #[serde(
        default,
        with = "crate::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub referenced_message: Option<Option<Box<Message>>>,
    /// Stickers sent with it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sticker_items: Vec<StickerItem>,
    /// Channel type, on gateway events.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_type: Option<u8>,
}

/// A user mentioned in a message, with their member when in a guild.
///
/// The user's fields are spelled out rather than flattened from [`User`]:
/// mentions sit on the hot path of every `MESSAGE_CREATE`, and serde's
/// `flatten` buffers the whole object first.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Mention {
    /// User id.
    pub id: UserId,
    /// Username.
    #[serde(default)]
    pub username: String,
    /// Legacy tag, or `"0"`.
    #[serde(default)]
    pub discriminator: String,
    /// Display name.
    #[serde(default)]
    pub global_name: Option<String>,
    /// Avatar hash.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Whether the user is a bot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// Public user flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_flags: Option<u64>,
    /// Their guild member, without `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
}

/// A message nonce: Discord echoes back whatever form the client sent.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Nonce {
    /// An integer nonce.
    Integer(i64),
    /// A string nonce.
    String(String),
}

/// A file attached to a message.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Attachment {
    /// Attachment id.
    pub id: AttachmentId,
    /// File name.
    pub filename: String,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Source URL.
    #[serde(default)]
    pub url: String,
    /// Proxied URL.
    #[serde(default)]
    pub proxy_url: String,
    /// Media type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Image height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Image width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Alt text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A rich embed.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Embed {
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Embed type (`rich`, `image`, `link`, …).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Link of the title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Timestamp shown in the footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<Timestamp>,
    /// Colour as an RGB integer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<u32>,
    /// Footer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub footer: Option<EmbedFooter>,
    /// Image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<EmbedMedia>,
    /// Thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<EmbedMedia>,
    /// Video.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<EmbedMedia>,
    /// Author.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author: Option<EmbedAuthor>,
    /// Fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<EmbedField>,
}

/// An embed's footer.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct EmbedFooter {
    /// Footer text.
    pub text: String,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An embed's image, thumbnail or video.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct EmbedMedia {
    /// Source URL.
    #[serde(default)]
    pub url: String,
    /// Proxied URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy_url: Option<String>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
}

/// An embed's author.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct EmbedAuthor {
    /// Name.
    pub name: String,
    /// Link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Icon URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon_url: Option<String>,
}

/// An embed field.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct EmbedField {
    /// Field name.
    pub name: String,
    /// Field value.
    pub value: String,
    /// Whether it sits inline.
    #[serde(default)]
    pub inline: bool,
}

/// A reaction count on a message.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Reaction {
    /// Total count.
    pub count: u32,
    /// Whether the bot reacted.
    #[serde(default)]
    pub me: bool,
    /// The emoji.
    pub emoji: Emoji,
}

/// What a message replies to or forwards.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct MessageReference {
    /// 0 reply, 1 forward.
    #[serde(default, rename = "type")]
    pub kind: u8,
    /// Referenced message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// Its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// Its guild.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Whether sending fails when the message is gone (requests only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fail_if_not_exists: Option<bool>,
}

/// A sticker as sent in a message.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct StickerItem {
    /// Sticker id.
    pub id: StickerId,
    /// Name.
    pub name: String,
    /// Format type.
    #[serde(default)]
    pub format_type: u8,
}

/// Which mentions in a created message actually ping.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct AllowedMentions {
    /// Mention kinds parsed from the content: `users`, `roles`, `everyone`.
    #[serde(default)]
    pub parse: Vec<String>,
    /// Roles that may be pinged (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<RoleId>,
    /// Users that may be pinged (at most 100).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub users: Vec<UserId>,
    /// Whether a reply pings its target's author.
    #[serde(default)]
    pub replied_user: bool,
}
