//! The Discord gateway protocol, sans I/O.
//!
//! This crate has no networking code: it does not open sockets, does not
//! read the clock and spawns no tasks. It is the gateway's logic as a state
//! machine, [`Shard`], fed with WebSocket messages and the current instant,
//! answering what to send, when it wants to be woken, and what a close
//! means. A driver (`tether-gateway` for tokio, or the blocking loop below)
//! moves bytes between a WebSocket and the shard.
//!
//! ```text
//!              handle_open / handle_message / handle_close / handle_timeout
//!  WebSocket ───────────────────────────────────────────────────────────► Shard
//!      ▲                                                                      │
//!      │  Connect, Transmit, Close          poll_output()                    │
//!      └──────────────────────────────────◄──────────────────────────────────┘
//!                 RequestIdentify ─► identify queue ─► handle_identify_permit
//!                 Event(ShardEvent) ─► the user
//!                 Wait(deadline) ─► sleep until it, then handle_timeout
//! ```
//!
//! # Run loop
//!
//! 1. Create a [`Shard`] from a [`ShardConfig`].
//! 2. Drain [`Shard::poll_output`] until it returns [`Output::Wait`]:
//!    open a socket on [`Output::Connect`], send on [`Output::Transmit`] and
//!    [`Output::Close`], ask the identify queue on
//!    [`Output::RequestIdentify`], hand [`Output::Event`]s to the user.
//! 3. Wait for the first of: a WebSocket message, the deadline of
//!    `Wait`, a user command.
//! 4. Feed it in with the current instant: [`Shard::handle_message`],
//!    [`Shard::handle_timeout`], or [`Shard::send`]; the socket's end is
//!    [`Shard::handle_close`], the handshake's end [`Shard::handle_open`].
//! 5. Go to 2. Only the driver mutates the shard, one input at a time.
//!
//! A complete driver on blocking std types, with a hypothetical `ws`
//! WebSocket crate, shows that nothing here depends on a runtime:
//!
//! ```no_run
//! # mod ws {
//! #     pub struct Socket;
//! #     pub enum Msg { Text(String), Binary(Vec<u8>), Close(Option<(u16, String)>) }
//! #     pub fn connect(_url: &str) -> std::io::Result<Socket> { Ok(Socket) }
//! #     impl Socket {
//! #         pub fn send_text(&mut self, _t: &str) -> std::io::Result<()> { Ok(()) }
//! #         pub fn send_close(&mut self, _c: u16, _r: &str) -> std::io::Result<()> { Ok(()) }
//! #         pub fn read_timeout(&mut self, _d: Option<std::time::Duration>) -> std::io::Result<Option<Msg>> { Ok(None) }
//! #     }
//! # }
//! use std::time::Instant;
//!
//! use tether_gateway_proto::{CloseFrame, Message, Output, Shard, ShardConfig, ShardEvent};
//! use tether_model::{Intents, Token};
//!
//! let config = ShardConfig::new(Token::new("my token"), Intents::GUILD_MESSAGES);
//! let mut shard = Shard::new(config);
//! let mut socket = None;
//! loop {
//!     let deadline = loop {
//!         match shard.poll_output() {
//!             Output::Connect { url } => match ws::connect(&url) {
//!                 Ok(s) => { socket = Some(s); shard.handle_open(Instant::now()) }
//!                 Err(_) => shard.handle_close(Instant::now(), None),
//!             },
//!             Output::Transmit(frame) => {
//!                 if let Some(s) = socket.as_mut() { let _ = s.send_text(frame.as_str()); }
//!             }
//!             Output::Close(frame) => {
//!                 if let Some(mut s) = socket.take() { let _ = s.send_close(frame.code, &frame.reason); }
//!                 shard.handle_close(Instant::now(), None);
//!             }
//!             Output::RequestIdentify => shard.handle_identify_permit(Instant::now()),
//!             Output::Event(ShardEvent::Dispatch { event, .. }) => println!("{}", event.name()),
//!             Output::Event(ShardEvent::Fatal(error)) => return Err(error.into()),
//!             Output::Event(ShardEvent::Shutdown { .. }) => return Ok(()),
//!             Output::Event(_) => {}
//!             Output::Wait(deadline) => break deadline,
//!         }
//!     };
//!     let timeout = deadline.map(|d| d.saturating_duration_since(Instant::now()));
//!     let Some(s) = socket.as_mut() else {
//!         if let Some(t) = timeout { std::thread::sleep(t) }
//!         shard.handle_timeout(Instant::now());
//!         continue;
//!     };
//!     match s.read_timeout(timeout) {
//!         Ok(Some(ws::Msg::Text(t))) => shard.handle_message(Instant::now(), Message::Text(&t)),
//!         Ok(Some(ws::Msg::Binary(b))) => shard.handle_message(Instant::now(), Message::Binary(&b)),
//!         Ok(Some(ws::Msg::Close(frame))) => {
//!             socket = None;
//!             let frame = frame.map(|(code, reason)| CloseFrame { code, reason });
//!             shard.handle_close(Instant::now(), frame);
//!         }
//!         Ok(None) => shard.handle_timeout(Instant::now()),
//!         Err(_) => { socket = None; shard.handle_close(Instant::now(), None) }
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Errors, by whose fault
//!
//! The peer's faults (bad JSON, corrupt compressed data, an unexpected
//! close) never come back from a `handle_*` call: they become a close, a
//! reconnect and a [`ShardEvent::Disconnected`]. Close codes that need the
//! user to change something stop the shard with [`ShardEvent::Fatal`].
//! Only caller misuse, such as a command over 4096 bytes, is an `Err`.
//!
//! # Pieces
//!
//! * [`Shard`]: session state, heartbeats, zombie detection, identify and
//!   resume, close-code policy, command queue.
//! * [`Inflater`]: zlib-stream and zstd-stream transport decompression,
//!   chosen at run time.
//! * [`CommandLimiter`]: the 120-commands-per-minute rule, with room kept
//!   for heartbeats.
//! * [`Backoff`] and [`Rng`]: reconnect delays and seeded randomness, so
//!   tests can pin every instant.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod backoff;
mod error;
mod inflater;
mod limiter;
mod rng;
mod shard;

pub use self::backoff::Backoff;
pub use self::error::{DisconnectReason, FatalError, FatalErrorKind, SendError, SendErrorKind};
pub use self::inflater::{Compression, InflateError, InflateErrorKind, Inflater};
pub use self::limiter::CommandLimiter;
pub use self::rng::Rng;
pub use self::shard::{
    API_VERSION, CloseFrame, CloseKind, DEFAULT_MAX_MESSAGE_SIZE, MAX_COMMAND_SIZE, Message,
    Output, Session, Shard, ShardConfig, ShardEvent, ShardId, ShardStats, ShardStatus, Transmit,
    gateway_url,
};
