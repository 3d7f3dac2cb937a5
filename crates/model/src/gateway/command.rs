//! Commands a client sends to the gateway.
//!
//! See [Discord Docs/Gateway Events](https://discord.com/developers/docs/events/gateway-events#send-events).

use serde::{Deserialize, Serialize};

use crate::gateway::{Intents, OpCode};
use crate::id::{ChannelId, GuildId, UserId};
use crate::presence::{Activity, Status};
use crate::token::Token;

/// Identify (op 2): start a new session.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct Identify {
    /// Bot token (without `Bot `).
    pub token: Token,
    /// Connection properties.
    pub properties: ConnectionProperties,
    /// Whether the client supports payload compression.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compress: Option<bool>,
    /// Member count above which offline members are left out of
    /// `GUILD_CREATE` (50–250).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub large_threshold: Option<u8>,
    /// `[shard_id, shard_count]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shard: Option<[u32; 2]>,
    /// Initial presence.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presence: Option<UpdatePresence>,
    /// Intents.
    pub intents: Intents,
}

/// Connection properties of Identify.
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct ConnectionProperties {
    /// Operating system.
    #[serde(default, alias = "$os")]
    pub os: String,
    /// Library name.
    #[serde(default, alias = "$browser")]
    pub browser: String,
    /// Library name.
    #[serde(default, alias = "$device")]
    pub device: String,
}

impl ConnectionProperties {
    /// Properties naming this library and the running OS.
    pub fn tether() -> Self {
        Self {
            os: std::env::consts::OS.to_owned(),
            browser: "tether".to_owned(),
            device: "tether".to_owned(),
        }
    }
}

/// Resume (op 6): continue a session on a new connection.
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct Resume {
    /// Bot token.
    pub token: Token,
    /// Session id from `READY`.
    pub session_id: String,
    /// Last sequence number received.
    pub seq: u64,
}

/// Update Presence (op 3).
#[derive(Clone, Debug, Default, Deserialize, PartialEq, Serialize)]
pub struct UpdatePresence {
    /// Unix ms since the client went idle, `None` if not idle.
    pub since: Option<u64>,
    /// Activities (bots may set `name`, `state`, `type` and `url`).
    pub activities: Vec<Activity>,
    /// Status.
    pub status: Status,
    /// Whether the client is AFK.
    pub afk: bool,
}

impl UpdatePresence {
    /// Online, with one activity of the given type (0 playing, 2 listening,
    /// 3 watching, 5 competing).
    pub fn online_with(kind: u8, name: impl Into<String>) -> Self {
        Self {
            since: None,
            activities: vec![Activity {
                name: name.into(),
                kind,
                ..Activity::default()
            }],
            status: Status::Online,
            afk: false,
        }
    }
}

/// Update Voice State (op 4): join, move or leave voice.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct UpdateVoiceState {
    /// Guild.
    pub guild_id: GuildId,
    /// Channel to join, `None` to leave.
    pub channel_id: Option<ChannelId>,
    /// Self-muted.
    pub self_mute: bool,
    /// Self-deafened.
    pub self_deaf: bool,
}

/// Request Guild Members (op 8); answered by `GUILD_MEMBERS_CHUNK` events.
///
/// Build it with [`RequestGuildMembers::query`] or
/// [`RequestGuildMembers::user_ids`].
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct RequestGuildMembers {
    /// Guild.
    pub guild_id: GuildId,
    /// Username prefix; `""` with limit 0 asks for everyone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Maximum members (0 = no limit, with an empty query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u32>,
    /// Whether to include presences.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub presences: Option<bool>,
    /// Specific users (at most 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_ids: Option<Vec<UserId>>,
    /// Nonce echoed in the chunks (at most 32 bytes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
}

impl RequestGuildMembers {
    /// Members whose username starts with `query` (`""` and limit 0 = all).
    pub fn query(guild_id: GuildId, query: impl Into<String>, limit: u32) -> Self {
        Self {
            guild_id,
            query: Some(query.into()),
            limit: Some(limit),
            presences: None,
            user_ids: None,
            nonce: None,
        }
    }

    /// Specific members by user id.
    pub fn user_ids(guild_id: GuildId, user_ids: Vec<UserId>) -> Self {
        Self {
            guild_id,
            query: None,
            limit: None,
            presences: None,
            user_ids: Some(user_ids),
            nonce: None,
        }
    }

    /// Sets the nonce echoed in every chunk.
    #[must_use]
    pub fn nonce(mut self, nonce: impl Into<String>) -> Self {
        self.nonce = Some(nonce.into());
        self
    }

    /// Asks for presences too (needs the presence intent).
    #[must_use]
    pub fn presences(mut self, presences: bool) -> Self {
        self.presences = Some(presences);
        self
    }
}

/// Request Soundboard Sounds (op 31).
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct RequestSoundboardSounds {
    /// Guilds to list sounds of.
    pub guild_ids: Vec<GuildId>,
}

/// Request Channel Info (op 43).
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct RequestChannelInfo {
    /// Guild.
    pub guild_id: GuildId,
    /// Fields to fetch: `status`, `voice_start_time`.
    pub fields: Vec<String>,
}

/// A command a user may send on a shard (Identify, Resume and Heartbeat are
/// the session's own business).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Command {
    /// Update presence.
    UpdatePresence(UpdatePresence),
    /// Update voice state.
    UpdateVoiceState(UpdateVoiceState),
    /// Request guild members.
    RequestGuildMembers(RequestGuildMembers),
    /// Request soundboard sounds.
    RequestSoundboardSounds(RequestSoundboardSounds),
    /// Request channel info.
    RequestChannelInfo(RequestChannelInfo),
}

impl Command {
    /// The command's opcode.
    pub const fn opcode(&self) -> OpCode {
        match self {
            Self::UpdatePresence(_) => OpCode::PresenceUpdate,
            Self::UpdateVoiceState(_) => OpCode::VoiceStateUpdate,
            Self::RequestGuildMembers(_) => OpCode::RequestGuildMembers,
            Self::RequestSoundboardSounds(_) => OpCode::RequestSoundboardSounds,
            Self::RequestChannelInfo(_) => OpCode::RequestChannelInfo,
        }
    }

    /// The command as a gateway frame in JSON.
    pub fn to_json(&self) -> String {
        fn frame<T: Serialize>(op: OpCode, d: &T) -> String {
            #[derive(Serialize)]
            struct Out<'a, T> {
                op: u8,
                d: &'a T,
            }
            // Serialising these plain structs to a String cannot fail: no
            // map has non-string keys and no type has a failing Serialize.
            serde_json::to_string(&Out { op: op.get(), d }).unwrap_or_default()
        }
        let op = self.opcode();
        match self {
            Self::UpdatePresence(d) => frame(op, d),
            Self::UpdateVoiceState(d) => frame(op, d),
            Self::RequestGuildMembers(d) => frame(op, d),
            Self::RequestSoundboardSounds(d) => frame(op, d),
            Self::RequestChannelInfo(d) => frame(op, d),
        }
    }
}

macro_rules! from_command {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Command {
            fn from(c: $ty) -> Self {
                Self::$ty(c)
            }
        }
    )*};
}

from_command!(
    UpdatePresence,
    UpdateVoiceState,
    RequestGuildMembers,
    RequestSoundboardSounds,
    RequestChannelInfo
);

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn identify_matches_docs_example() {
        let doc = r#"{"op":2,"d":{"token":"my_token","properties":{"os":"linux","browser":"disco","device":"disco"},
            "compress":true,"large_threshold":250,"shard":[0,1],
            "presence":{"activities":[{"name":"Cards Against Humanity","type":0}],"status":"dnd","since":91879201,"afk":false},
            "intents":5}}"#;
        let frame: crate::gateway::OutgoingFrame<Identify> = serde_json::from_str(doc).unwrap();
        assert_eq!(frame.d.token.expose(), "my_token");
        assert_eq!(frame.d.intents, Intents::GUILDS | Intents::GUILD_MODERATION);
        let back: serde_json::Value = serde_json::to_value(&frame).unwrap();
        let want: serde_json::Value = serde_json::from_str(doc).unwrap();
        assert_eq!(back, want);
    }

    #[test]
    fn commands_serialise_with_their_opcode() {
        let c = Command::from(RequestGuildMembers::query(
            GuildId::new(41_771_983_444_115_456),
            "",
            0,
        ));
        assert_eq!(
            c.to_json(),
            r#"{"op":8,"d":{"guild_id":"41771983444115456","query":"","limit":0}}"#
        );
        let c = Command::from(UpdateVoiceState {
            guild_id: GuildId::new(1),
            channel_id: None,
            self_mute: false,
            self_deaf: true,
        });
        assert_eq!(
            c.to_json(),
            r#"{"op":4,"d":{"guild_id":"1","channel_id":null,"self_mute":false,"self_deaf":true}}"#
        );
    }
}
