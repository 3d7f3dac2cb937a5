//! The gateway protocol's data: frames, opcodes, close codes, intents,
//! commands and events.

mod close_code;
mod command;
mod discovery;
pub mod event;
mod frame;
mod intents;
mod opcode;

pub use self::close_code::{CloseAction, CloseCode};
pub use self::command::{
    Command, ConnectionProperties, Identify, RequestChannelInfo, RequestGuildMembers,
    RequestSoundboardSounds, Resume, UpdatePresence, UpdateVoiceState,
};
pub use self::discovery::{GatewayBot, GatewayInfo, SessionStartLimit};
pub use self::event::{Event, EventKind, EventType, EventTypeFlags, UnknownEvent, kinds};
pub use self::frame::{Frame, Hello, OutgoingFrame};
pub use self::intents::Intents;
pub use self::opcode::{OpCode, UnknownOpCode};
