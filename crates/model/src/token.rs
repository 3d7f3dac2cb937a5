//! The bot token, kept out of logs.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A bot token.
///
/// Its `Debug` output is redacted and it has no `Display`, so that it cannot
/// end up in a log line or an error message by accident. The token is
/// trimmed and a leading `Bot ` prefix is removed, so that both the raw
/// token and the HTTP header form are accepted.
///
/// ```
/// use tether_model::Token;
/// let token = Token::new(" Bot abc.def.ghi \n");
/// assert_eq!(token.expose(), "abc.def.ghi");
/// assert_eq!(format!("{token:?}"), "Token(<redacted>)");
/// ```
#[derive(Clone, Eq, PartialEq)]
pub struct Token(Box<str>);

impl Token {
    /// Wraps a token, trimming whitespace and a `Bot ` prefix.
    pub fn new(token: &str) -> Self {
        let token = token.trim();
        let token = token.strip_prefix("Bot ").unwrap_or(token).trim_start();
        Self(token.into())
    }

    /// The raw token, for the places that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the token is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Serialize for Token {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Token {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| Self::new(&s))
    }
}
