//! Users.
//!
//! See [Discord Docs/User](https://discord.com/developers/docs/resources/user#user-object).

use serde::{Deserialize, Serialize};

use crate::id::UserId;

/// A Discord user: a person or a bot.
///
/// Only `id` is guaranteed: `PRESENCE_UPDATE` may carry a user with nothing
/// else, so every other field defaults when absent.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// Username; not unique across Discord.
    #[serde(default)]
    pub username: String,
    /// Legacy four-digit tag, or `"0"` for users on unique usernames.
    #[serde(default = "zero_discriminator")]
    pub discriminator: String,
    /// Display name, if set.
    #[serde(default)]
    pub global_name: Option<String>,
    /// Avatar hash.
    #[serde(default)]
    pub avatar: Option<String>,
    /// Whether the user is a bot.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub bot: bool,
    /// Whether the user is an official Discord system user.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub system: bool,
    /// Public user flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_flags: Option<u64>,
}

pub(crate) fn zero_discriminator() -> String {
    "0".to_owned()
}

impl User {
    /// The name to show: the display name if set, else the username.
    pub fn display_name(&self) -> &str {
        self.global_name.as_deref().unwrap_or(&self.username)
    }
}

/// The bot's own user, as in `READY` and `USER_UPDATE`, with the fields only
/// the current user has.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct CurrentUser {
    /// The user's public fields.
    #[serde(flatten)]
    pub user: User,
    /// Whether two-factor authentication is on.
    #[serde(default)]
    pub mfa_enabled: bool,
    /// Whether the email is verified.
    #[serde(default)]
    pub verified: bool,
    /// Chosen language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Private user flags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flags: Option<u64>,
}
