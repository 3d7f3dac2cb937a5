//! The tokio driver for tether's gateway.
//!
//! [`tether_gateway_proto`] holds the protocol as a state machine; this
//! crate gives it a WebSocket (tokio-websockets over rustls, or plain `ws`
//! for a local emulator), a clock and a task. Each [`Shard`] runs on its own
//! task: it connects with `v=10`, `encoding=json` and the chosen transport
//! compression, identifies through an [`IdentifyQueue`], heartbeats,
//! reconnects with backoff, resumes where it can, and hands events out
//! through [`Shard::next_event`] (or as a [`Stream`](futures_util::Stream)).
//! Other tasks command it through a cloneable [`ShardHandle`].
//!
//! A [`Cluster`] runs many shards of one bot: all that `GET /gateway/bot`
//! recommends, a given count, or a [`ShardRange`] of the total so that
//! several processes share the bot. It starts them within Discord's
//! identify limits, merges their events (tagged with the shard), routes
//! guild commands to the guild's shard, reports every shard's status and
//! latency, and closes them all.
//!
//! What it does not do: REST (see `tether-http`), caching (`tether-cache`)
//! or running user handlers (`tether`).
//!
//! ```no_run
//! use tether_gateway::{Compression, Shard, ShardConfig, ShardEvent};
//! use tether_model::gateway::{EventType, EventTypeFlags};
//! use tether_model::{Event, Intents, Token};
//!
//! # async fn run() {
//! let config = ShardConfig::new(Token::new("token"), Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT)
//!     .compression(Compression::ZstdStream)
//!     // Only messages are decoded; other events just advance the sequence.
//!     .event_types(EventTypeFlags::from(EventType::MessageCreate));
//! let mut shard = Shard::builder(config).spawn();
//! while let Some(event) = shard.next_event().await {
//!     match event {
//!         ShardEvent::Dispatch { event: Event::MessageCreate(m), .. } => println!("{}", m.content),
//!         ShardEvent::Fatal(error) => eprintln!("{error}"),
//!         _ => {}
//!     }
//! }
//! # }
//! ```

#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cluster;
mod queue;
mod shard;

pub use tether_gateway_proto::{
    Backoff, CloseKind, Compression, DisconnectReason, FatalError, FatalErrorKind, SendError,
    SendErrorKind, Session, ShardConfig, ShardEvent, ShardId, ShardStats, ShardStatus,
};

pub use self::cluster::{
    Cluster, ClusterBuilder, ClusterHandle, ClusterInfo, ClusterSendError, ClusterSendErrorKind,
    ShardRange,
};
pub use self::queue::{IDENTIFY_INTERVAL, IdentifyQueue, LocalQueue, Permit, RESET_MARGIN};
pub use self::shard::{Shard, ShardBuilder, ShardHandle, ShardInfo};
