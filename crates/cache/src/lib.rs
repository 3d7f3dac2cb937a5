#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod cache;
mod messages;
mod resource;
mod state;
mod types;
mod update;

pub use self::cache::{Cache, CacheBuilder, CacheStats, CacheView};
pub use self::resource::ResourceType;
pub use self::types::{
    CachedChannel, CachedCurrentUser, CachedEmoji, CachedGuild, CachedMember, CachedMessage,
    CachedPresence, CachedReaction, CachedRole, CachedSticker, CachedThreadMember, CachedUser,
    CachedVoiceState, ImageHash, ReactionEmoji,
};
pub use self::update::Update;
