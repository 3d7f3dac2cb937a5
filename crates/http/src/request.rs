//! Builders for the requests with many optional fields.
//!
//! Each builder is made by a [`Client`] method, collects its fields, checks
//! Discord's documented limits locally when sent (so that a request Discord
//! would refuse never leaves the process), and is sent with `send().await`.

use std::fmt::Write as _;

use serde::Serialize;
use tether_model::id::{ChannelId, EmojiId, MessageId};
use tether_model::message::{AllowedMentions, Embed, Message, MessageReference, Nonce};

use crate::client::Client;
use crate::error::Error;
use crate::route::{Route, encode_segment};

/// Characters allowed in a message's content.
pub const MAX_CONTENT_CHARS: usize = 2000;

/// Embeds allowed in one message.
pub const MAX_EMBEDS: usize = 10;

/// Characters allowed across the titles, descriptions, field names and
/// values, footers and author names of a message's embeds.
pub const MAX_EMBED_CHARS: usize = 6000;

/// Characters allowed in a string nonce.
pub const MAX_NONCE_CHARS: usize = 25;

/// Users or roles allowed in allowed mentions.
pub const MAX_ALLOWED_MENTIONS: usize = 100;

/// Sends a message: `POST /channels/{channel_id}/messages`, made by
/// [`Client::create_message`].
///
/// # Errors
///
/// [`send`](Self::send) fails with
/// [`ErrorKind::Validation`](crate::ErrorKind::Validation), before anything
/// is sent, when the message is empty (no content and no embed), the
/// content has more than [`MAX_CONTENT_CHARS`] characters, there are more
/// than [`MAX_EMBEDS`] embeds or [`MAX_EMBED_CHARS`] characters of embed
/// text, a string nonce is longer than [`MAX_NONCE_CHARS`], or allowed
/// mentions list more than [`MAX_ALLOWED_MENTIONS`] users or roles.
///
/// # Examples
///
/// ```no_run
/// # async fn run(client: tether_http::Client, message: tether_model::message::Message)
/// # -> Result<(), tether_http::Error> {
/// use tether_model::message::{AllowedMentions, Nonce};
///
/// let sent = client
///     .create_message(message.channel_id)
///     .content("Hello!")
///     .reply_to(message.id)
///     .allowed_mentions(AllowedMentions::default())
///     .nonce(Nonce::String("hello-1".into()))
///     .send()
///     .await?;
/// assert_eq!(sent.content, "Hello!");
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until sent"]
pub struct CreateMessage<'a> {
    client: &'a Client,
    channel: ChannelId,
    fail_if_not_exists: Option<bool>,
    body: CreateMessageBody,
}

#[derive(Debug, Default, Serialize)]
struct CreateMessageBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    embeds: Vec<Embed>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_mentions: Option<AllowedMentions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message_reference: Option<MessageReference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    nonce: Option<Nonce>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    enforce_nonce: bool,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    tts: bool,
}

impl<'a> CreateMessage<'a> {
    pub(crate) fn new(client: &'a Client, channel: ChannelId) -> Self {
        Self {
            client,
            channel,
            fail_if_not_exists: None,
            body: CreateMessageBody::default(),
        }
    }

    /// Sets the text, up to [`MAX_CONTENT_CHARS`] characters.
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.body.content = Some(content.into());
        self
    }

    /// Adds an embed.
    pub fn embed(mut self, embed: Embed) -> Self {
        self.body.embeds.push(embed);
        self
    }

    /// Replaces the embeds.
    pub fn embeds(mut self, embeds: impl IntoIterator<Item = Embed>) -> Self {
        self.body.embeds = embeds.into_iter().collect();
        self
    }

    /// Sets which mentions ping; without it Discord pings every user, role
    /// and `@everyone` mentioned in the content.
    pub fn allowed_mentions(mut self, allowed_mentions: AllowedMentions) -> Self {
        self.body.allowed_mentions = Some(allowed_mentions);
        self
    }

    /// Makes the message a reply to `message`, in the same channel.
    pub fn reply_to(mut self, message: MessageId) -> Self {
        self.body.message_reference = Some(MessageReference {
            kind: 0,
            message_id: Some(message),
            channel_id: Some(self.channel),
            ..MessageReference::default()
        });
        self
    }

    /// Whether a reply fails when the replied-to message no longer exists
    /// (Discord's default) or is sent as a plain message; ignored for a
    /// message that is not a reply.
    pub fn fail_if_not_exists(mut self, fail: bool) -> Self {
        self.fail_if_not_exists = Some(fail);
        self
    }

    /// Sets a nonce, echoed back in `MESSAGE_CREATE`; a string nonce holds
    /// up to [`MAX_NONCE_CHARS`] characters.
    pub fn nonce(mut self, nonce: Nonce) -> Self {
        self.body.nonce = Some(nonce);
        self
    }

    /// With `true`, a second message with the same nonce from the bot within
    /// a few minutes returns the first instead of posting again, which makes
    /// the request safe to retry.
    pub fn enforce_nonce(mut self, enforce: bool) -> Self {
        self.body.enforce_nonce = enforce;
        self
    }

    /// Sends the message as text-to-speech.
    pub fn tts(mut self, tts: bool) -> Self {
        self.body.tts = tts;
        self
    }

    /// Checks the message and sends it, returning the created message.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) as listed on
    /// the [type](Self), else as for any call (see the
    /// [crate documentation](crate#errors)).
    pub async fn send(mut self) -> Result<Message, Error> {
        let route = Route::CreateMessage {
            channel: self.channel,
        };
        let content = self.body.content.as_deref().unwrap_or_default();
        if content.is_empty() && self.body.embeds.is_empty() {
            return Err(Error::validation(
                "content",
                "a message needs content or at least one embed",
            )
            .with_route(route.key()));
        }
        check_content(content)
            .and_then(|()| check_embeds(&self.body.embeds))
            .and_then(|()| check_nonce(self.body.nonce.as_ref()))
            .and_then(|()| check_mentions(self.body.allowed_mentions.as_ref()))
            .map_err(|err| err.with_route(route.key()))?;
        if let Some(reference) = &mut self.body.message_reference {
            reference.fail_if_not_exists = self.fail_if_not_exists;
        }
        let body = serde_json::to_vec(&self.body).map_err(|err| {
            Error::validation("body", "could not be serialised")
                .with_route(route.key())
                .with_source(err)
        })?;
        self.client.request(&route, Some(body)).await
    }
}

/// Edits a message: `PATCH /channels/{channel_id}/messages/{message_id}`,
/// made by [`Client::edit_message`].
///
/// Fields left unset are left unchanged.
///
/// # Examples
///
/// ```no_run
/// # async fn run(client: tether_http::Client, message: tether_model::message::Message)
/// # -> Result<(), tether_http::Error> {
/// let edited = client
///     .edit_message(message.channel_id, message.id)
///     .content("Edited")
///     .send()
///     .await?;
/// assert!(edited.edited_timestamp.is_some());
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until sent"]
pub struct EditMessage<'a> {
    client: &'a Client,
    channel: ChannelId,
    message: MessageId,
    body: EditMessageBody,
}

#[derive(Debug, Default, Serialize)]
struct EditMessageBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    content: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    embeds: Option<Vec<Embed>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    allowed_mentions: Option<AllowedMentions>,
}

impl<'a> EditMessage<'a> {
    pub(crate) fn new(client: &'a Client, channel: ChannelId, message: MessageId) -> Self {
        Self {
            client,
            channel,
            message,
            body: EditMessageBody::default(),
        }
    }

    /// Replaces the text; an empty string removes it (the message must
    /// keep an embed).
    pub fn content(mut self, content: impl Into<String>) -> Self {
        self.body.content = Some(content.into());
        self
    }

    /// Replaces the embeds; an empty list removes them.
    pub fn embeds(mut self, embeds: impl IntoIterator<Item = Embed>) -> Self {
        self.body.embeds = Some(embeds.into_iter().collect());
        self
    }

    /// Sets which mentions in the new content ping.
    pub fn allowed_mentions(mut self, allowed_mentions: AllowedMentions) -> Self {
        self.body.allowed_mentions = Some(allowed_mentions);
        self
    }

    /// Checks the edit and sends it, returning the edited message.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) when the
    /// content, embeds or allowed mentions exceed the limits listed on
    /// [`CreateMessage`], else as for any call.
    pub async fn send(self) -> Result<Message, Error> {
        let route = Route::UpdateMessage {
            channel: self.channel,
            message: self.message,
        };
        check_content(self.body.content.as_deref().unwrap_or_default())
            .and_then(|()| check_embeds(self.body.embeds.as_deref().unwrap_or_default()))
            .and_then(|()| check_mentions(self.body.allowed_mentions.as_ref()))
            .map_err(|err| err.with_route(route.key()))?;
        let body = serde_json::to_vec(&self.body).map_err(|err| {
            Error::validation("body", "could not be serialised")
                .with_route(route.key())
                .with_source(err)
        })?;
        self.client.request(&route, Some(body)).await
    }
}

/// Fetches a channel's messages, newest first:
/// `GET /channels/{channel_id}/messages`, made by [`Client::messages`].
///
/// `before`, `after` and `around` exclude each other; the last one set wins.
///
/// # Examples
///
/// ```no_run
/// # async fn run(client: tether_http::Client, message: tether_model::message::Message)
/// # -> Result<(), tether_http::Error> {
/// let older = client.messages(message.channel_id).before(message.id).limit(10).send().await?;
/// assert!(older.len() <= 10);
/// # Ok(()) }
/// ```
#[derive(Debug)]
#[must_use = "a request does nothing until sent"]
pub struct GetMessages<'a> {
    client: &'a Client,
    channel: ChannelId,
    limit: Option<u8>,
    anchor: Option<(&'static str, MessageId)>,
}

impl<'a> GetMessages<'a> {
    pub(crate) fn new(client: &'a Client, channel: ChannelId) -> Self {
        Self {
            client,
            channel,
            limit: None,
            anchor: None,
        }
    }

    /// How many messages to fetch, 1 to 100 (Discord's default is 50).
    pub fn limit(mut self, limit: u8) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Fetches messages sent before `message`.
    pub fn before(mut self, message: MessageId) -> Self {
        self.anchor = Some(("before", message));
        self
    }

    /// Fetches messages sent after `message`.
    pub fn after(mut self, message: MessageId) -> Self {
        self.anchor = Some(("after", message));
        self
    }

    /// Fetches messages around `message`.
    pub fn around(mut self, message: MessageId) -> Self {
        self.anchor = Some(("around", message));
        self
    }

    /// Sends the request.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Validation`](crate::ErrorKind::Validation) for a limit
    /// outside 1 to 100, else as for any call.
    pub async fn send(self) -> Result<Vec<Message>, Error> {
        let mut query = String::new();
        if let Some(limit) = self.limit {
            if !(1..=100).contains(&limit) {
                let key = Route::GetMessages {
                    channel: self.channel,
                    query: "",
                }
                .key();
                return Err(
                    Error::validation("limit", format!("{limit} is outside 1 to 100"))
                        .with_route(key),
                );
            }
            let _ = write!(query, "limit={limit}");
        }
        if let Some((name, message)) = self.anchor {
            if !query.is_empty() {
                query.push('&');
            }
            let _ = write!(query, "{name}={message}");
        }
        let route = Route::GetMessages {
            channel: self.channel,
            query: &query,
        };
        self.client.request(&route, None).await
    }
}

/// An emoji to react with: a Unicode emoji, or a custom one by name and id.
///
/// ```
/// use tether_http::request::ReactionEmoji;
/// use tether_model::id::EmojiId;
///
/// let fire = ReactionEmoji::from("🔥");
/// let custom = ReactionEmoji::Custom { name: "blob".into(), id: EmojiId::new(123) };
/// # let _ = (fire, custom);
/// ```
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum ReactionEmoji {
    /// A custom guild emoji, sent as `name:id`.
    Custom {
        /// Emoji name.
        name: String,
        /// Emoji id.
        id: EmojiId,
    },
    /// A Unicode emoji such as `"🔥"`.
    Unicode(String),
}

impl ReactionEmoji {
    /// The emoji as a percent-encoded path segment.
    pub(crate) fn to_segment(&self) -> Result<String, Error> {
        match self {
            Self::Custom { name, id } => Ok(encode_segment(&format!("{name}:{id}"))),
            Self::Unicode(emoji) if emoji.trim().is_empty() => {
                Err(Error::validation("emoji", "the emoji is empty"))
            }
            Self::Unicode(emoji) => Ok(encode_segment(emoji)),
        }
    }
}

impl From<&str> for ReactionEmoji {
    fn from(emoji: &str) -> Self {
        Self::Unicode(emoji.to_owned())
    }
}

impl From<String> for ReactionEmoji {
    fn from(emoji: String) -> Self {
        Self::Unicode(emoji)
    }
}

fn check_content(content: &str) -> Result<(), Error> {
    let chars = content.chars().count();
    if chars > MAX_CONTENT_CHARS {
        return Err(Error::validation(
            "content",
            format!("{chars} characters, at most {MAX_CONTENT_CHARS}"),
        ));
    }
    Ok(())
}

fn check_embeds(embeds: &[Embed]) -> Result<(), Error> {
    if embeds.len() > MAX_EMBEDS {
        return Err(Error::validation(
            "embeds",
            format!("{} embeds, at most {MAX_EMBEDS}", embeds.len()),
        ));
    }
    let count = |text: Option<&str>| text.map_or(0, |text| text.chars().count());
    let chars: usize = embeds
        .iter()
        .map(|embed| {
            count(embed.title.as_deref())
                + count(embed.description.as_deref())
                + count(embed.footer.as_ref().map(|footer| footer.text.as_str()))
                + count(embed.author.as_ref().map(|author| author.name.as_str()))
                + embed
                    .fields
                    .iter()
                    .map(|field| count(Some(&field.name)) + count(Some(&field.value)))
                    .sum::<usize>()
        })
        .sum();
    if chars > MAX_EMBED_CHARS {
        return Err(Error::validation(
            "embeds",
            format!("{chars} characters of embed text, at most {MAX_EMBED_CHARS}"),
        ));
    }
    Ok(())
}

fn check_nonce(nonce: Option<&Nonce>) -> Result<(), Error> {
    if let Some(Nonce::String(nonce)) = nonce {
        let chars = nonce.chars().count();
        if chars > MAX_NONCE_CHARS {
            return Err(Error::validation(
                "nonce",
                format!("{chars} characters, at most {MAX_NONCE_CHARS}"),
            ));
        }
    }
    Ok(())
}

fn check_mentions(allowed: Option<&AllowedMentions>) -> Result<(), Error> {
    let Some(allowed) = allowed else {
        return Ok(());
    };
    let most = allowed.users.len().max(allowed.roles.len());
    if most > MAX_ALLOWED_MENTIONS {
        return Err(Error::validation(
            "allowed_mentions",
            format!("{most} ids in one list, at most {MAX_ALLOWED_MENTIONS}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use tether_model::message::{EmbedField, EmbedFooter};

    use super::*;

    #[test]
    fn embed_text_counts_every_documented_part() {
        let embed = Embed {
            title: Some("t".repeat(1000)),
            description: Some("d".repeat(1000)),
            footer: Some(EmbedFooter {
                text: "f".repeat(1000),
                icon_url: None,
            }),
            fields: vec![
                EmbedField {
                    name: "n".repeat(1000),
                    value: "v".repeat(1000),
                    inline: false,
                };
                2
            ],
            ..Embed::default()
        };
        // 1000 * 3 + 2 * 2000 = 7000 characters in one embed.
        assert!(check_embeds(std::slice::from_ref(&embed)).is_err());
        let mut smaller = embed;
        smaller.fields.truncate(1);
        assert!(check_embeds(&[smaller]).is_ok());
    }

    #[test]
    fn content_limit_counts_characters_not_bytes() {
        assert!(check_content(&"é".repeat(2000)).is_ok());
        assert!(check_content(&"é".repeat(2001)).is_err());
    }
}
