//! tether: a Discord bot client.
//!
//! ```no_run
//! use tether::{Client, Intents};
//!
//! #[tokio::main]
//! async fn main() -> Result<(), tether::Error> {
//!     let token = std::env::var("DISCORD_TOKEN").unwrap_or_default();
//!     Client::builder(&token, Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT)
//!         .on_message(|ctx, msg| async move {
//!             let me = ctx.current_user().map(|u| u.user.id);
//!             if Some(msg.author.id) != me && msg.content.starts_with("$hello") {
//!                 ctx.http().create_message(msg.channel_id).content("Hello!").send().await?;
//!             }
//!             Ok::<_, tether::http::Error>(())
//!         })
//!         .build()?
//!         .run()
//!         .await
//! }
//! ```
//!
//! The crate stands on `tether-gateway` (shards and their connections),
//! `tether-http` (REST with Discord's rate limits) and `tether-model` (the
//! data), re-exported as [`gateway`], [`http`] and [`model`]. The client
//! logs in with `GET /users/@me` (a bad token fails before any WebSocket),
//! asks `GET /gateway/bot` where and how to connect, runs the shards, and
//! dispatches each event to `wait_for` waiters and to the handlers
//! registered for its type. See [`handler`] for why
//! handlers are closures, and [`Client`] for backpressure and shutdown.

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod context;
mod error;
pub mod handler;
mod waiter;

pub use tether_cache as cache;
pub use tether_gateway as gateway;
pub use tether_http as http;
pub use tether_model as model;
pub use tether_model::gateway::{Event, EventKind, EventType, EventTypeFlags, kinds};
pub use tether_model::{Intents, Token};

pub use self::client::{Client, ClientBuilder, ClientHandle, ShardSession};
pub use self::context::{Context, GuildMembers};
pub use self::error::{BoxError, Error, ErrorKind};
pub use self::handler::{HandlerError, HandlerFailure, HandlerResult};
