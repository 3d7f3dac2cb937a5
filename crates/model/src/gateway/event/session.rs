//! Session events: `READY`, `RESUMED`, `RATE_LIMITED`.

use serde::{Deserialize, Serialize};

use crate::application::PartialApplication;
use crate::guild::UnavailableGuild;
use crate::id::GuildId;
use crate::user::CurrentUser;

/// `READY`: the first dispatch of a new session.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct Ready {
    /// API version.
    pub v: u8,
    /// The bot's own user.
    pub user: CurrentUser,
    /// Every guild of this shard, all unavailable until their `GUILD_CREATE`.
    #[serde(default)]
    pub guilds: Vec<UnavailableGuild>,
    /// Session id, needed to resume.
    pub session_id: String,
    /// URL to resume on (no path or query).
    pub resume_gateway_url: String,
    /// `[shard_id, shard_count]`, echoed from Identify.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<[u32; 2]>,
    /// The application's id and flags.
    pub application: PartialApplication,
}

/// `RESUMED`: the replay after a Resume is complete.
///
/// Its payload carries nothing a bot needs (an object with `_trace` at
/// most); anything, `null` included, is accepted.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Serialize)]
pub struct Resumed {}

impl<'de> Deserialize<'de> for Resumed {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Self {})
    }
}

/// `RATE_LIMITED`: a gateway command was refused.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct RateLimited {
    /// Opcode of the refused command.
    pub opcode: u8,
    /// Seconds to wait.
    pub retry_after: f64,
    /// Details for the opcode.
    #[serde(default)]
    pub meta: RateLimitedMeta,
}

/// Details of a refused command (for op 8: the guild and nonce).
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct RateLimitedMeta {
    /// Guild of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Nonce of the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}
