//! The cached objects: compact, immutable snapshots built from the model's
//! wire types.
//!
//! Each is shared as an [`Arc`](std::sync::Arc): an event that changes an
//! object replaces its `Arc` with a new one, so that a handler holding the
//! old one keeps a consistent snapshot, and the replaced `Arc` is what the
//! cache hands back as the "before" value (see [`Update`](crate::Update)).
//!
//! Fields are private behind accessors, so that the representation can stay
//! small: ids are the model's `u64` newtypes, strings are boxed `str`s,
//! lists are boxed slices, optional timestamps take eight bytes, image
//! hashes sixteen bytes and a flag rather than a 34-byte heap string, and
//! flags share a byte.

mod channel;
mod guild;
mod member;
mod message;
mod time;
mod user;

pub use self::channel::{CachedChannel, CachedThreadMember};
pub use self::guild::{CachedEmoji, CachedGuild, CachedRole, CachedSticker};
pub use self::member::{CachedMember, CachedPresence, CachedVoiceState};
pub use self::message::{CachedMessage, CachedReaction, ReactionEmoji};
pub use self::user::{CachedCurrentUser, CachedUser, ImageHash};

pub(crate) use self::time::OptTime;

/// A boxed copy of an optional string.
pub(crate) fn boxed(s: Option<&String>) -> Option<Box<str>> {
    s.map(|s| Box::from(s.as_str()))
}
