//! Gateway discovery: the REST answers that say where to connect and how
//! many sessions the bot may start.
//!
//! `GET /gateway` needs no token and returns only the URL. `GET /gateway/bot`
//! needs the bot token and adds the recommended shard count and the session
//! start limit, which a cluster uses to pace its Identify frames. Its values
//! change from call to call, so it should be fetched before each cluster
//! start rather than cached.
//!
//! See [Discord Docs/Gateway](https://discord.com/developers/docs/events/gateway#get-gateway-bot).

use serde::{Deserialize, Serialize};

/// The answer of `GET /gateway`.
///
/// ```
/// use tether_model::gateway::GatewayInfo;
/// let info: GatewayInfo = serde_json::from_str(r#"{"url":"wss://gateway.discord.gg"}"#)?;
/// assert_eq!(info.url, "wss://gateway.discord.gg");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct GatewayInfo {
    /// WebSocket URL to connect to, without query string.
    pub url: String,
}

/// The answer of `GET /gateway/bot`.
///
/// ```
/// use tether_model::gateway::GatewayBot;
/// let bot: GatewayBot = serde_json::from_str(
///     r#"{"url":"wss://gateway.discord.gg/","shards":9,"session_start_limit":
///        {"total":1000,"remaining":999,"reset_after":14400000,"max_concurrency":1}}"#,
/// )?;
/// assert_eq!(bot.shards, 9);
/// assert_eq!(bot.session_start_limit.max_concurrency, 1);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct GatewayBot {
    /// WebSocket URL to connect to, without query string.
    pub url: String,
    /// Recommended number of shards.
    pub shards: u32,
    /// How many sessions the bot may still start, and how fast.
    pub session_start_limit: SessionStartLimit,
}

/// How many Identify frames the bot may still send, and how fast.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct SessionStartLimit {
    /// Session starts allowed per reset period (usually 24 hours).
    pub total: u32,
    /// Session starts left in the current period.
    pub remaining: u32,
    /// Milliseconds until `remaining` is reset to `total`.
    pub reset_after: u64,
    /// Identify frames allowed per 5 seconds: shards whose
    /// `shard_id % max_concurrency` is equal share one 5-second slot.
    #[serde(default = "one")]
    pub max_concurrency: u32,
}

impl SessionStartLimit {
    /// Time until `remaining` is reset to `total`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use tether_model::gateway::SessionStartLimit;
    /// let limit = SessionStartLimit { total: 1000, remaining: 999, reset_after: 1500, max_concurrency: 1 };
    /// assert_eq!(limit.reset_after_duration(), Duration::from_millis(1500));
    /// ```
    pub const fn reset_after_duration(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.reset_after)
    }
}

// Discord documents the field as always present; a server that leaves it
// out still means "one Identify per 5 seconds", the smallest bucket.
fn one() -> u32 {
    1
}
