//! Applications.
//!
//! See [Discord Docs/Application](https://discord.com/developers/docs/resources/application).

use serde::{Deserialize, Serialize};

use crate::id::ApplicationId;
use crate::user::User;

/// Application flags that say which privileged intents an application may
/// use (the `_LIMITED` bits are for bots under the review threshold).
pub mod flags {
    /// May receive presences.
    pub const GATEWAY_PRESENCE: u64 = 1 << 12;
    /// May receive presences (unverified, under the threshold).
    pub const GATEWAY_PRESENCE_LIMITED: u64 = 1 << 13;
    /// May receive guild member events.
    pub const GATEWAY_GUILD_MEMBERS: u64 = 1 << 14;
    /// May receive guild member events (unverified, under the threshold).
    pub const GATEWAY_GUILD_MEMBERS_LIMITED: u64 = 1 << 15;
    /// May receive message content.
    pub const GATEWAY_MESSAGE_CONTENT: u64 = 1 << 18;
    /// May receive message content (unverified, under the threshold).
    pub const GATEWAY_MESSAGE_CONTENT_LIMITED: u64 = 1 << 19;
}

/// The application of `READY`: only its id and flags.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct PartialApplication {
    /// Application id.
    pub id: ApplicationId,
    /// Application flags.
    #[serde(default)]
    pub flags: u64,
}

/// An application, as returned by `GET /oauth2/applications/@me`.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Application {
    /// Application id.
    pub id: ApplicationId,
    /// Name.
    pub name: String,
    /// Icon hash.
    #[serde(default)]
    pub icon: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Whether anyone can add the bot.
    #[serde(default)]
    pub bot_public: bool,
    /// Whether adding the bot needs the full `OAuth2` code grant.
    #[serde(default)]
    pub bot_require_code_grant: bool,
    /// The bot user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bot: Option<User>,
    /// The owner, for applications not owned by a team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<User>,
    /// Application flags (see [`flags`]).
    #[serde(default)]
    pub flags: u64,
    /// Approximate number of guilds the bot is in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approximate_guild_count: Option<u64>,
}
