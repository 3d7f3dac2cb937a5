//! Interactions (slash commands, components, modals).
//!
//! See [Discord Docs/Receiving and Responding](https://discord.com/developers/docs/interactions/receiving-and-responding).

use serde::{Deserialize, Serialize};

use crate::guild::Member;
use crate::id::{ApplicationId, ChannelId, CommandId, GuildId, InteractionId};
use crate::message::Message;
use crate::permissions::Permissions;
use crate::user::User;

/// An interaction, as in `INTERACTION_CREATE`.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct Interaction {
    /// Interaction id.
    pub id: InteractionId,
    /// Application it is for.
    pub application_id: ApplicationId,
    /// 1 ping, 2 command, 3 component, 4 autocomplete, 5 modal submit.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Command, component or modal data.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<InteractionData>,
    /// Guild it was sent from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Channel it was sent from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channel_id: Option<ChannelId>,
    /// Invoking member, in guilds (with `permissions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member: Option<Member>,
    /// Invoking user, in DMs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    /// Continuation token for responding (valid 15 minutes).
    pub token: String,
    /// Always 1.
    #[serde(default)]
    pub version: u8,
    /// Message a component was attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Box<Message>>,
    /// The bot's permissions in the channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app_permissions: Option<Permissions>,
    /// Invoking user's locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Guild's preferred locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_locale: Option<String>,
}

/// The payload of an interaction.
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct InteractionData {
    /// Command id (commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<CommandId>,
    /// Command name (commands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Command type (commands).
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<u8>,
    /// Command options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<CommandOption>,
    /// Component or modal custom id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom_id: Option<String>,
    /// Component type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub component_type: Option<u8>,
    /// Selected values of a select menu.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
}

/// An option of a command invocation (possibly a subcommand with options).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct CommandOption {
    /// Option name.
    pub name: String,
    /// Option type.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Value, for non-group options.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<OptionValue>,
    /// Nested options of a subcommand or group.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<CommandOption>,
    /// Whether this option has focus (autocomplete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focused: Option<bool>,
}

/// The value of a command option.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
#[serde(untagged)]
pub enum OptionValue {
    /// Boolean.
    Boolean(bool),
    /// Integer.
    Integer(i64),
    /// Number.
    Number(f64),
    /// String, or a snowflake for user/channel/role options.
    String(String),
}
