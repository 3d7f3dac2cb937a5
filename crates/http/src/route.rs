//! The endpoints this client calls: method, path template, major parameter
//! and concrete path of each, in one place.

use std::fmt::Write as _;

use tether_model::id::{ChannelId, GuildId, MessageId, UserId};

use crate::ratelimit::RouteKey;

/// HTTP methods the endpoints use.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub(crate) enum Verb {
    Delete,
    Get,
    Patch,
    Post,
    Put,
}

impl Verb {
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Delete => "DELETE",
            Self::Get => "GET",
            Self::Patch => "PATCH",
            Self::Post => "POST",
            Self::Put => "PUT",
        }
    }

    pub(crate) fn to_method(self) -> reqwest::Method {
        match self {
            Self::Delete => reqwest::Method::DELETE,
            Self::Get => reqwest::Method::GET,
            Self::Patch => reqwest::Method::PATCH,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
        }
    }

    /// Whether sending the request twice has the effect of sending it once,
    /// so that it may be retried after a failure that left its fate unknown.
    pub(crate) const fn is_idempotent(self) -> bool {
        matches!(self, Self::Delete | Self::Get | Self::Put)
    }
}

/// One endpoint with its ids.
#[derive(Clone, Debug)]
pub(crate) enum Route<'a> {
    AddReaction {
        channel: ChannelId,
        message: MessageId,
        /// Already percent-encoded.
        emoji: &'a str,
    },
    CreateMessage {
        channel: ChannelId,
    },
    DeleteMessage {
        channel: ChannelId,
        message: MessageId,
    },
    GetChannel {
        channel: ChannelId,
    },
    GetCurrentApplication,
    GetCurrentUser,
    GetGateway,
    GetGatewayBot,
    GetGuild {
        guild: GuildId,
    },
    GetMember {
        guild: GuildId,
        user: UserId,
    },
    GetMessage {
        channel: ChannelId,
        message: MessageId,
    },
    GetMessages {
        channel: ChannelId,
        /// Already-encoded query string, without `?`; may be empty.
        query: &'a str,
    },
    TriggerTyping {
        channel: ChannelId,
    },
    UpdateMessage {
        channel: ChannelId,
        message: MessageId,
    },
}

impl Route<'_> {
    pub(crate) const fn verb(&self) -> Verb {
        match self {
            Self::AddReaction { .. } => Verb::Put,
            Self::CreateMessage { .. } | Self::TriggerTyping { .. } => Verb::Post,
            Self::DeleteMessage { .. } => Verb::Delete,
            Self::GetChannel { .. }
            | Self::GetCurrentApplication
            | Self::GetCurrentUser
            | Self::GetGateway
            | Self::GetGatewayBot
            | Self::GetGuild { .. }
            | Self::GetMember { .. }
            | Self::GetMessage { .. }
            | Self::GetMessages { .. } => Verb::Get,
            Self::UpdateMessage { .. } => Verb::Patch,
        }
    }

    const fn template(&self) -> &'static str {
        match self {
            Self::AddReaction { .. } => {
                "/channels/{channel_id}/messages/{message_id}/reactions/{emoji}/@me"
            }
            Self::CreateMessage { .. } | Self::GetMessages { .. } => {
                "/channels/{channel_id}/messages"
            }
            Self::DeleteMessage { .. } | Self::GetMessage { .. } | Self::UpdateMessage { .. } => {
                "/channels/{channel_id}/messages/{message_id}"
            }
            Self::GetChannel { .. } => "/channels/{channel_id}",
            Self::GetCurrentApplication => "/oauth2/applications/@me",
            Self::GetCurrentUser => "/users/@me",
            Self::GetGateway => "/gateway",
            Self::GetGatewayBot => "/gateway/bot",
            Self::GetGuild { .. } => "/guilds/{guild_id}",
            Self::GetMember { .. } => "/guilds/{guild_id}/members/{user_id}",
            Self::TriggerTyping { .. } => "/channels/{channel_id}/typing",
        }
    }

    /// The channel or guild id Discord counts the route's limit per.
    const fn major(&self) -> Option<u64> {
        match self {
            Self::AddReaction { channel, .. }
            | Self::CreateMessage { channel }
            | Self::DeleteMessage { channel, .. }
            | Self::GetChannel { channel }
            | Self::GetMessage { channel, .. }
            | Self::GetMessages { channel, .. }
            | Self::TriggerTyping { channel }
            | Self::UpdateMessage { channel, .. } => Some(channel.get()),
            Self::GetGuild { guild } | Self::GetMember { guild, .. } => Some(guild.get()),
            Self::GetCurrentApplication
            | Self::GetCurrentUser
            | Self::GetGateway
            | Self::GetGatewayBot => None,
        }
    }

    pub(crate) const fn key(&self) -> RouteKey {
        RouteKey::new(self.verb().as_str(), self.template(), self.major())
    }

    /// The path with its ids, and query string if any.
    pub(crate) fn path(&self) -> String {
        match self {
            Self::AddReaction {
                channel,
                message,
                emoji,
            } => format!("/channels/{channel}/messages/{message}/reactions/{emoji}/@me"),
            Self::CreateMessage { channel } => format!("/channels/{channel}/messages"),
            Self::DeleteMessage { channel, message }
            | Self::GetMessage { channel, message }
            | Self::UpdateMessage { channel, message } => {
                format!("/channels/{channel}/messages/{message}")
            }
            Self::GetChannel { channel } => format!("/channels/{channel}"),
            Self::GetCurrentApplication
            | Self::GetCurrentUser
            | Self::GetGateway
            | Self::GetGatewayBot => self.template().to_owned(),
            Self::GetGuild { guild } => format!("/guilds/{guild}"),
            Self::GetMember { guild, user } => format!("/guilds/{guild}/members/{user}"),
            Self::GetMessages { channel, query } => {
                let mut path = format!("/channels/{channel}/messages");
                if !query.is_empty() {
                    let _ = write!(path, "?{query}");
                }
                path
            }
            Self::TriggerTyping { channel } => format!("/channels/{channel}/typing"),
        }
    }
}

/// Percent-encodes a path segment: everything but RFC 3986's unreserved
/// characters, so that emoji and the `:` of `name:id` survive any proxy.
pub(crate) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() * 3);
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_unicode_and_custom_emoji() {
        assert_eq!(encode_segment("🔥"), "%F0%9F%94%A5");
        assert_eq!(encode_segment("blob_wave:123"), "blob_wave%3A123");
    }

    #[test]
    fn key_substitutes_major_but_keeps_template() {
        let route = Route::GetMessage {
            channel: ChannelId::new(5),
            message: MessageId::new(6),
        };
        assert_eq!(
            route.key().to_string(),
            "GET /channels/{channel_id}/messages/{message_id}"
        );
        assert_eq!(route.key().major(), Some(5));
        assert_eq!(route.path(), "/channels/5/messages/6");
    }
}
