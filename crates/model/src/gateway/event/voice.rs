//! Voice events.

use serde::{Deserialize, Serialize};

use crate::guild::Emoji;
use crate::id::{ChannelId, GuildId, UserId};

/// `VOICE_SERVER_UPDATE`: where to connect for voice.
///
/// A `None` endpoint means the voice server is being reallocated: leave
/// voice and wait for the next update.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct VoiceServerUpdate {
    /// Voice connection token.
    pub token: String,
    /// Guild.
    pub guild_id: GuildId,
    /// Voice server host.
    #[serde(default)]
    pub endpoint: Option<String>,
}

/// `VOICE_CHANNEL_EFFECT_SEND`: someone sent an emoji or soundboard effect.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct VoiceChannelEffect {
    /// Channel.
    pub channel_id: ChannelId,
    /// Guild.
    pub guild_id: GuildId,
    /// Sender.
    pub user_id: UserId,
    /// Emoji.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emoji: Option<Emoji>,
    /// 0 premium, 1 basic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animation_type: Option<u8>,
    /// Animation id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub animation_id: Option<u64>,
    /// Soundboard sound id (a snowflake or a small integer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_id: Option<crate::id::SoundId>,
    /// Volume, 0 to 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sound_volume: Option<f64>,
}
