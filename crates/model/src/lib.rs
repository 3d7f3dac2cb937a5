//! Discord's data on the wire, for tether.
//!
//! This crate holds the types that cross the network: snowflake ids,
//! users, guilds, channels, messages, members and roles, and the gateway's
//! frames, opcodes, close codes, intents, commands and events. It does
//! serde and nothing else: no I/O, no clock, no runtime.
//!
//! It is liberal in what it accepts (unknown fields are ignored, optional
//! fields default, ids may be strings or numbers, timestamps may be any
//! RFC 3339 form, unknown events are kept raw) and strict in what it sends
//! (ids as strings, Discord's own timestamp form).
//!
//! ```
//! use tether_model::gateway::{Event, Frame};
//!
//! let text = r#"{"t":"MESSAGE_CREATE","s":3,"op":0,"d":{"id":"334385199974967042",
//!   "channel_id":"290926798999357250","author":{"id":"53908099506183680","username":"mason",
//!   "discriminator":"0","global_name":null,"avatar":null},"content":"Supa Hot",
//!   "timestamp":"2017-07-11T17:27:07.299000+00:00","edited_timestamp":null,"tts":false,
//!   "mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],
//!   "pinned":false,"type":0}}"#;
//! let frame = Frame::parse(text)?;
//! let event = Event::from_dispatch(frame.t.as_deref().unwrap_or_default(), frame.data())?;
//! let Event::MessageCreate(message) = event else { unreachable!() };
//! assert_eq!(message.content, "Supa Hot");
//! # Ok::<(), serde_json::Error>(())
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

pub mod application;
pub mod channel;
pub mod gateway;
pub mod guild;
pub mod id;
pub mod interaction;
pub mod message;
mod nullable;
pub mod permissions;
pub mod presence;
pub mod timestamp;
mod token;
pub mod user;
pub mod voice;

pub use self::gateway::{Event, EventType, Intents};
pub use self::timestamp::Timestamp;
pub use self::token::Token;
