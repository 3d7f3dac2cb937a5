//! Auto moderation events.

use serde::{Deserialize, Serialize};

use crate::id::{AutoModerationRuleId, ChannelId, GuildId, MessageId, RoleId, UserId};

/// `AUTO_MODERATION_RULE_CREATE`, `_UPDATE` and `_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AutoModerationRule {
    /// Rule id.
    pub id: AutoModerationRuleId,
    /// Guild.
    pub guild_id: GuildId,
    /// Rule name.
    pub name: String,
    /// Creator.
    pub creator_id: UserId,
    /// 1 message send, 2 member update.
    pub event_type: u8,
    /// 1 keyword, 3 spam, 4 keyword preset, 5 mention spam, 6 member profile.
    pub trigger_type: u8,
    /// Trigger settings.
    #[serde(default)]
    pub trigger_metadata: TriggerMetadata,
    /// Actions taken.
    #[serde(default)]
    pub actions: Vec<AutoModerationAction>,
    /// Whether the rule is on.
    pub enabled: bool,
    /// Exempt roles.
    #[serde(default)]
    pub exempt_roles: Vec<RoleId>,
    /// Exempt channels.
    #[serde(default)]
    pub exempt_channels: Vec<ChannelId>,
}

/// Settings of a rule's trigger.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct TriggerMetadata {
    /// Words that trigger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keyword_filter: Vec<String>,
    /// Regular expressions that trigger.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regex_patterns: Vec<String>,
    /// Preset word lists.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub presets: Vec<u8>,
    /// Words exempt from triggering.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allow_list: Vec<String>,
    /// Mentions per message that trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_total_limit: Option<u32>,
    /// Whether raids are detected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mention_raid_protection_enabled: Option<bool>,
}

/// An action of an auto moderation rule.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AutoModerationAction {
    /// 1 block message, 2 send alert, 3 timeout, 4 block interaction.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Action settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ActionMetadata>,
}

/// Settings of an action.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct ActionMetadata {
    /// Alert channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// Timeout length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<u32>,
    /// Message shown to the blocked user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_message: Option<String>,
}

/// `AUTO_MODERATION_ACTION_EXECUTION`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct AutoModerationActionExecution {
    /// Guild.
    pub guild_id: GuildId,
    /// The action.
    pub action: AutoModerationAction,
    /// Rule that fired.
    pub rule_id: AutoModerationRuleId,
    /// Its trigger type.
    pub rule_trigger_type: u8,
    /// User who triggered it.
    pub user_id: UserId,
    /// Channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// Offending message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<MessageId>,
    /// Alert message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alert_system_message_id: Option<MessageId>,
    /// Content (needs `MESSAGE_CONTENT`).
    #[serde(default)]
    pub content: String,
    /// Keyword that matched.
    #[serde(default)]
    pub matched_keyword: Option<String>,
    /// Content that matched (needs `MESSAGE_CONTENT`).
    #[serde(default)]
    pub matched_content: Option<String>,
}
