//! Guild scheduled event, stage instance and soundboard events.

use serde::{Deserialize, Serialize};

use crate::id::{
    ChannelId, EmojiId, GenericId, GuildId, ScheduledEventId, SoundId, StageInstanceId, UserId,
};
use crate::timestamp::Timestamp;
use crate::user::User;

/// `GUILD_SCHEDULED_EVENT_CREATE`, `_UPDATE` and `_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ScheduledEvent {
    /// Event id.
    pub id: ScheduledEventId,
    /// Guild.
    pub guild_id: GuildId,
    /// Channel, for stage and voice events.
    #[serde(default)]
    pub channel_id: Option<ChannelId>,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creator_id: Option<UserId>,
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Start.
    pub scheduled_start_time: Timestamp,
    /// End.
    #[serde(default)]
    pub scheduled_end_time: Option<Timestamp>,
    /// 2 guild only.
    pub privacy_level: u8,
    /// 1 scheduled, 2 active, 3 completed, 4 canceled.
    pub status: u8,
    /// 1 stage, 2 voice, 3 external.
    pub entity_type: u8,
    /// Entity id.
    #[serde(default)]
    pub entity_id: Option<GenericId>,
    /// Interested users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_count: Option<u32>,
}

/// `GUILD_SCHEDULED_EVENT_USER_ADD` and `_REMOVE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ScheduledEventUser {
    /// Event.
    pub guild_scheduled_event_id: ScheduledEventId,
    /// User.
    pub user_id: UserId,
    /// Guild.
    pub guild_id: GuildId,
}

/// `STAGE_INSTANCE_CREATE`, `_UPDATE` and `_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct StageInstance {
    /// Instance id.
    pub id: StageInstanceId,
    /// Guild.
    pub guild_id: GuildId,
    /// Stage channel.
    pub channel_id: ChannelId,
    /// Topic.
    pub topic: String,
    /// 1 public (deprecated), 2 guild only.
    pub privacy_level: u8,
    /// Whether discovery is off (deprecated).
    #[serde(default)]
    pub discoverable_disabled: bool,
    /// Scheduled event of the stage.
    #[serde(default)]
    pub guild_scheduled_event_id: Option<ScheduledEventId>,
}

/// A soundboard sound (`GUILD_SOUNDBOARD_SOUND_CREATE`/`_UPDATE`).
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct SoundboardSound {
    /// Sound id.
    pub sound_id: SoundId,
    /// Name.
    pub name: String,
    /// Volume, 0 to 1.
    pub volume: f64,
    /// Custom emoji.
    #[serde(default)]
    pub emoji_id: Option<EmojiId>,
    /// Unicode emoji.
    #[serde(default)]
    pub emoji_name: Option<String>,
    /// Guild (absent for default sounds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Whether it is usable.
    #[serde(default)]
    pub available: bool,
    /// Creator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
}

/// `GUILD_SOUNDBOARD_SOUND_DELETE`.
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct SoundboardSoundDelete {
    /// Sound id.
    pub sound_id: SoundId,
    /// Guild.
    pub guild_id: GuildId,
}

/// `GUILD_SOUNDBOARD_SOUNDS_UPDATE` and `SOUNDBOARD_SOUNDS`: a guild's sounds.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct SoundboardSounds {
    /// Guild.
    pub guild_id: GuildId,
    /// Sounds.
    pub soundboard_sounds: Vec<SoundboardSound>,
}
