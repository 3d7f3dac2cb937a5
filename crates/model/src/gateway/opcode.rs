//! Gateway opcodes.
//!
//! See [Discord Docs/Opcodes](https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-opcodes).

use serde::{Deserialize, Serialize};

/// A gateway opcode, the `op` field of every frame.
///
/// Variants are in numeric order.
#[derive(Clone, Copy, Debug, Deserialize, Eq, Hash, PartialEq, Serialize)]
#[serde(into = "u8", try_from = "u8")]
#[non_exhaustive]
pub enum OpCode {
    /// Receive: an event (`t` names it, `s` numbers it).
    Dispatch = 0,
    /// Send: keep the connection alive. Receive: beat now.
    Heartbeat = 1,
    /// Send: start a new session.
    Identify = 2,
    /// Send: update the bot's presence.
    PresenceUpdate = 3,
    /// Send: join, move or leave a voice channel.
    VoiceStateUpdate = 4,
    /// Send: resume a session.
    Resume = 6,
    /// Receive: reconnect and resume.
    Reconnect = 7,
    /// Send: request guild members.
    RequestGuildMembers = 8,
    /// Receive: the session is invalid; `d` says whether it can be resumed.
    InvalidSession = 9,
    /// Receive: the first frame, with the heartbeat interval.
    Hello = 10,
    /// Receive: a heartbeat was received.
    HeartbeatAck = 11,
    /// Send: request soundboard sounds.
    RequestSoundboardSounds = 31,
    /// Send: request voice channel info.
    RequestChannelInfo = 43,
}

impl OpCode {
    /// The opcode for a number, or `None` for numbers Discord does not define.
    pub const fn from_u8(op: u8) -> Option<Self> {
        Some(match op {
            0 => Self::Dispatch,
            1 => Self::Heartbeat,
            2 => Self::Identify,
            3 => Self::PresenceUpdate,
            4 => Self::VoiceStateUpdate,
            6 => Self::Resume,
            7 => Self::Reconnect,
            8 => Self::RequestGuildMembers,
            9 => Self::InvalidSession,
            10 => Self::Hello,
            11 => Self::HeartbeatAck,
            31 => Self::RequestSoundboardSounds,
            43 => Self::RequestChannelInfo,
            _ => return None,
        })
    }

    /// The opcode's number.
    pub const fn get(self) -> u8 {
        self as u8
    }
}

impl From<OpCode> for u8 {
    fn from(op: OpCode) -> Self {
        op.get()
    }
}

impl TryFrom<u8> for OpCode {
    type Error = UnknownOpCode;

    fn try_from(op: u8) -> Result<Self, Self::Error> {
        Self::from_u8(op).ok_or(UnknownOpCode(op))
    }
}

/// Error for an opcode number Discord does not define.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct UnknownOpCode(pub u8);

impl std::fmt::Display for UnknownOpCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "unknown gateway opcode {}", self.0)
    }
}

impl std::error::Error for UnknownOpCode {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_number_maps_back() {
        for n in 0..=u8::MAX {
            if let Some(op) = OpCode::from_u8(n) {
                assert_eq!(op.get(), n);
            }
        }
        assert_eq!(OpCode::from_u8(5), None);
        assert_eq!(OpCode::from_u8(12), None);
    }
}
