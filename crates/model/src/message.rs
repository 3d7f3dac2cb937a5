//! Messages, attachments, embeds and reactions.
//!
//! See [Discord Docs/Message](https://discord.com/developers/docs/resources/message).

use std::cell::Cell;

use serde::de;
use serde::{Deserialize, Deserializer, Serialize};

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
    ///
    /// Discord sends one level (the target's own `referenced_message` is
    /// left out); decoding refuses more than [`MAX_REFERENCE_DEPTH`] levels.
    #[serde(
        default,
        serialize_with = "crate::nullable::serialize",
        deserialize_with = "deserialize_referenced",
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

/// How deep [`Message::referenced_message`] may nest when decoding.
///
/// Discord nests one level. Each level of a `Message` costs a large stack
/// frame while decoding (about 18 KiB in a debug build), and `serde_json`'s
/// own limit of 128 nested values lets a hostile reply chain overflow a
/// 2 MiB thread stack and abort the process; a chain deeper than this is a
/// decode error instead.
pub const MAX_REFERENCE_DEPTH: u8 = 8;

thread_local! {
    // Messages being decoded on this thread's stack right now, outermost
    // excluded; decoding is synchronous, so nesting is all it can see.
    static REFERENCE_DEPTH: Cell<u8> = const { Cell::new(0) };
}

/// Decodes a present `referenced_message` (null or a message), counting the
/// nesting so that a chain deeper than [`MAX_REFERENCE_DEPTH`] is an error.
fn deserialize_referenced<'de, D>(deserializer: D) -> Result<Option<Option<Box<Message>>>, D::Error>
where
    D: Deserializer<'de>,
{
    /// Puts the depth back however decoding ends, error or unwind.
    struct Restore(u8);

    impl Drop for Restore {
        fn drop(&mut self) {
            REFERENCE_DEPTH.set(self.0);
        }
    }

    let depth = REFERENCE_DEPTH.get();
    if depth >= MAX_REFERENCE_DEPTH {
        return Err(de::Error::custom("referenced_message nested too deeply"));
    }
    let _restore = Restore(depth);
    REFERENCE_DEPTH.set(depth + 1);
    Option::<Box<Message>>::deserialize(deserializer).map(Some)
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
    #[serde(default = "crate::user::zero_discriminator")]
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
