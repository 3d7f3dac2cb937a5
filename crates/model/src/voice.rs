//! Voice states.
//!
//! See [Discord Docs/Voice](https://discord.com/developers/docs/resources/voice#voice-state-object).

use serde::{Deserialize, Serialize};

use crate::guild::Member;
use crate::id::{ChannelId, GuildId, UserId};
use crate::timestamp::Timestamp;

/// A user's voice connection state.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct VoiceState {
    /// Guild; absent inside `GUILD_CREATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Channel, `None` when disconnected.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// The user.
    pub user_id: UserId,
    /// Their guild member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    /// Voice session id.
    #[serde(default)]
    pub session_id: String,
    /// Server-deafened.
    #[serde(default)]
    pub deaf: bool,
    /// Server-muted.
    #[serde(default)]
    pub mute: bool,
    /// Self-deafened.
    #[serde(default)]
    pub self_deaf: bool,
    /// Self-muted.
    #[serde(default)]
    pub self_mute: bool,
    /// Streaming.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub self_stream: Option<bool>,
    /// Camera on.
    #[serde(default)]
    pub self_video: bool,
    /// Suppressed (stage channels).
    #[serde(default)]
    pub suppress: bool,
    /// When the user asked to speak.
    #[serde(default)]
    pub request_to_speak_timestamp: Option<Timestamp>,
}
