#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod config;
mod control;
mod core;
mod encode;
mod error;
mod handle;
mod rest;
mod server;
mod snowflake;
mod world;

pub use self::config::{Config, Limit, RateLimits};
pub use self::core::{
    Action, Compression, ConnectionId, ConnectionInfo, Core, Fault, IdentifyRecord, NewMessage,
    Output, SessionInfo, SessionStartLimit, Stats,
};
pub use self::error::{Entity, Error, ErrorKind};
pub use self::handle::{Emulator, EmulatorBuilder, EmulatorHandle};
pub use self::world::{Bot, DEMO_TOKEN, World};
