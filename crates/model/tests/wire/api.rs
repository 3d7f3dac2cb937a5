//! Compile-time API properties and the size of `Event`.

use std::fmt::Debug;

use tether_model::channel::Channel;
use tether_model::gateway::Event;
use tether_model::gateway::event::{
    AuditLogEntry, AutoModerationActionExecution, AutoModerationRule, Ban, ChannelInfo,
    CommandPermissions, EmojisUpdate, Entitlement, GuildRef, Integration, IntegrationDelete,
    InviteCreate, InviteDelete, MemberAdd, MemberChunk, MemberRemove, MemberUpdate, MessageDelete,
    MessageDeleteBulk, MessageUpdate, PinsUpdate, PollVote, RateLimited, ReactionChange,
    ReactionRemoveAll, ReactionRemoveEmoji, Ready, Resumed, RoleDelete, RoleUpsert, ScheduledEvent,
    ScheduledEventUser, SoundboardSound, SoundboardSoundDelete, SoundboardSounds, StageInstance,
    StickersUpdate, Subscription, ThreadDelete, ThreadListSync, ThreadMemberUpdate,
    ThreadMembersUpdate, TypingStart, UnknownEvent, VoiceChannelEffect,
    VoiceChannelStartTimeUpdate, VoiceChannelStatusUpdate, VoiceServerUpdate, WebhooksUpdate,
};
use tether_model::guild::{Guild, Member, UnavailableGuild};
use tether_model::interaction::Interaction;
use tether_model::message::Message;
use tether_model::presence::Presence;
use tether_model::user::{CurrentUser, User};
use tether_model::voice::VoiceState;

const fn assert_payload<T: Send + Sync + Debug + Clone + PartialEq + 'static>() {}

macro_rules! assert_payloads {
    ($($t:ty),* $(,)?) => { const _: () = { $(assert_payload::<$t>();)* }; };
}

// Every type an `Event` variant holds, plus `Event` itself.
assert_payloads!(
    Event,
    UnknownEvent,
    Ready,
    Resumed,
    RateLimited,
    CommandPermissions,
    AutoModerationRule,
    AutoModerationActionExecution,
    Channel,
    PinsUpdate,
    ChannelInfo,
    VoiceChannelStatusUpdate,
    VoiceChannelStartTimeUpdate,
    ThreadDelete,
    ThreadListSync,
    ThreadMemberUpdate,
    ThreadMembersUpdate,
    Entitlement,
    Guild,
    UnavailableGuild,
    AuditLogEntry,
    Ban,
    EmojisUpdate,
    StickersUpdate,
    GuildRef,
    MemberAdd,
    MemberUpdate,
    MemberRemove,
    MemberChunk,
    RoleUpsert,
    RoleDelete,
    ScheduledEvent,
    ScheduledEventUser,
    SoundboardSound,
    SoundboardSoundDelete,
    SoundboardSounds,
    Integration,
    IntegrationDelete,
    Interaction,
    InviteCreate,
    InviteDelete,
    Message,
    MessageUpdate,
    MessageDelete,
    MessageDeleteBulk,
    ReactionChange,
    ReactionRemoveAll,
    ReactionRemoveEmoji,
    PollVote,
    Presence,
    TypingStart,
    CurrentUser,
    StageInstance,
    Subscription,
    VoiceState,
    VoiceServerUpdate,
    VoiceChannelEffect,
    WebhooksUpdate,
    User,
    Member,
);

const fn assert_serde<T: serde::Serialize + serde::de::DeserializeOwned>() {}
const _: () = {
    assert_serde::<Ready>();
    assert_serde::<Guild>();
    assert_serde::<Message>();
    assert_serde::<Interaction>();
};
const fn assert_serialize<T: serde::Serialize>() {}
const _: () = assert_serialize::<Event>();

/// A dispatch is moved through channels and queues many times; keep it to
/// a cache line. Large payloads are boxed inside the enum.
#[test]
fn event_fits_a_cache_line() {
    let size = std::mem::size_of::<Event>();
    println!("size_of::<Event>() = {size}");
    assert!(size <= 64, "Event is {size} bytes");
}
