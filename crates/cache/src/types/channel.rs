//! Channels, threads, DMs and thread memberships.

use std::sync::Arc;

use tether_model::Timestamp;
use tether_model::channel::{Channel, PermissionOverwrite, ThreadMember, ThreadMetadata};
use tether_model::id::{ApplicationId, ChannelId, GuildId, MessageId, UserId};

use super::OptTime;

/// A guild channel, thread or DM.
///
/// Strings and lists are `Arc`s: every `MESSAGE_CREATE` moves the
/// channel's [`last_message_id`](Self::last_message_id) on, which builds a
/// new snapshot, and that should cost no string copies.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedChannel {
    id: ChannelId,
    guild_id: Option<GuildId>,
    parent_id: Option<ChannelId>,
    owner_id: Option<UserId>,
    application_id: Option<ApplicationId>,
    last_message_id: Option<MessageId>,
    flags: Option<u64>,
    name: Option<Arc<str>>,
    topic: Option<Arc<str>>,
    permission_overwrites: Arc<[PermissionOverwrite]>,
    recipients: Arc<[UserId]>,
    thread_metadata: Option<ThreadMetadata>,
    member: Option<CachedThreadMember>,
    last_pin_timestamp: OptTime,
    position: Option<i32>,
    bitrate: Option<u32>,
    user_limit: Option<u32>,
    rate_limit_per_user: Option<u32>,
    message_count: Option<u32>,
    member_count: Option<u32>,
    kind: u8,
    nsfw: bool,
}

impl CachedChannel {
    /// `channel` of `guild`, which wins over the channel's own `guild_id`
    /// (absent inside `GUILD_CREATE`); `me` fills the user id of the bot's
    /// thread membership, which is absent there too.
    pub(crate) fn new(guild: Option<GuildId>, channel: &Channel, me: Option<UserId>) -> Self {
        Self {
            id: channel.id,
            guild_id: guild.or(channel.guild_id),
            parent_id: channel.parent_id,
            owner_id: channel.owner_id,
            application_id: channel.application_id,
            last_message_id: channel.last_message_id,
            flags: channel.flags,
            name: channel.name.as_deref().map(Arc::from),
            topic: channel.topic.as_deref().map(Arc::from),
            permission_overwrites: channel.permission_overwrites.as_slice().into(),
            recipients: channel.recipients.iter().map(|u| u.id).collect(),
            thread_metadata: channel.thread_metadata.clone(),
            member: channel
                .member
                .as_ref()
                .and_then(|m| CachedThreadMember::new(m, me)),
            last_pin_timestamp: OptTime::new(channel.last_pin_timestamp),
            position: channel.position,
            bitrate: channel.bitrate,
            user_limit: channel.user_limit,
            rate_limit_per_user: channel.rate_limit_per_user,
            message_count: channel.message_count,
            member_count: channel.member_count,
            kind: channel.kind,
            nsfw: channel.nsfw,
        }
    }

    /// A DM channel known only from a message in it.
    pub(crate) fn dm(id: ChannelId, kind: u8, recipient: Option<UserId>) -> Self {
        Self {
            id,
            guild_id: None,
            parent_id: None,
            owner_id: None,
            application_id: None,
            last_message_id: None,
            flags: None,
            name: None,
            topic: None,
            permission_overwrites: Arc::new([]),
            recipients: recipient.into_iter().collect(),
            thread_metadata: None,
            member: None,
            last_pin_timestamp: OptTime::NONE,
            position: None,
            bitrate: None,
            user_limit: None,
            rate_limit_per_user: None,
            message_count: None,
            member_count: None,
            kind,
            nsfw: false,
        }
    }

    /// This channel replaced by an update of it, keeping the bot's thread
    /// membership when the update does not carry one (`THREAD_UPDATE`
    /// leaves it out).
    pub(crate) fn updated(&self, channel: &Channel, me: Option<UserId>) -> Self {
        let mut new = Self::new(None, channel, me);
        if channel.member.is_none() {
            new.member.clone_from(&self.member);
        }
        new
    }

    pub(crate) fn with_last_message(&self, id: MessageId) -> Self {
        Self {
            last_message_id: Some(id),
            ..self.clone()
        }
    }

    pub(crate) fn with_last_pin(&self, at: Option<Timestamp>) -> Self {
        Self {
            last_pin_timestamp: OptTime::new(at),
            ..self.clone()
        }
    }

    pub(crate) fn with_member_count(&self, count: u32) -> Self {
        Self {
            member_count: Some(count),
            ..self.clone()
        }
    }

    pub(crate) fn with_membership(&self, member: Option<CachedThreadMember>) -> Self {
        Self {
            member,
            ..self.clone()
        }
    }

    /// Channel id.
    pub fn id(&self) -> ChannelId {
        self.id
    }

    /// Channel type: 0 text, 1 DM, 2 voice, 3 group DM, 4 category,
    /// 5 announcement, 10–12 threads, 13 stage, 14 directory, 15 forum,
    /// 16 media.
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// Whether this is a thread (types 10, 11 and 12).
    pub fn is_thread(&self) -> bool {
        matches!(self.kind, 10..=12)
    }

    /// Guild, `None` for DMs.
    pub fn guild_id(&self) -> Option<GuildId> {
        self.guild_id
    }

    /// Category, or the parent channel of a thread.
    pub fn parent_id(&self) -> Option<ChannelId> {
        self.parent_id
    }

    /// Creator of a group DM or thread.
    pub fn owner_id(&self) -> Option<UserId> {
        self.owner_id
    }

    /// Creator application of a group DM.
    pub fn application_id(&self) -> Option<ApplicationId> {
        self.application_id
    }

    /// Last message id (may point to a deleted message); moved on by every
    /// message the cache sees.
    pub fn last_message_id(&self) -> Option<MessageId> {
        self.last_message_id
    }

    /// Channel flags.
    pub fn flags(&self) -> Option<u64> {
        self.flags
    }

    /// Name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Topic.
    pub fn topic(&self) -> Option<&str> {
        self.topic.as_deref()
    }

    /// Explicit permission overwrites.
    pub fn permission_overwrites(&self) -> &[PermissionOverwrite] {
        &self.permission_overwrites
    }

    /// Recipients of a DM, as far as the cache knows them.
    pub fn recipients(&self) -> &[UserId] {
        &self.recipients
    }

    /// Thread-only fields.
    pub fn thread_metadata(&self) -> Option<&ThreadMetadata> {
        self.thread_metadata.as_ref()
    }

    /// The bot's membership of this thread, when it is a member.
    pub fn member(&self) -> Option<&CachedThreadMember> {
        self.member.as_ref()
    }

    /// When the last message was pinned.
    pub fn last_pin_timestamp(&self) -> Option<Timestamp> {
        self.last_pin_timestamp.get()
    }

    /// Sorting position.
    pub fn position(&self) -> Option<i32> {
        self.position
    }

    /// Voice bitrate.
    pub fn bitrate(&self) -> Option<u32> {
        self.bitrate
    }

    /// Voice user limit.
    pub fn user_limit(&self) -> Option<u32> {
        self.user_limit
    }

    /// Slowmode in seconds.
    pub fn rate_limit_per_user(&self) -> Option<u32> {
        self.rate_limit_per_user
    }

    /// Thread message count.
    pub fn message_count(&self) -> Option<u32> {
        self.message_count
    }

    /// Thread member count (Discord stops counting at 50).
    pub fn member_count(&self) -> Option<u32> {
        self.member_count
    }

    /// Whether the channel is age-restricted.
    pub fn nsfw(&self) -> bool {
        self.nsfw
    }
}

/// A user's membership of a thread.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedThreadMember {
    user_id: UserId,
    join_timestamp: Timestamp,
    flags: u64,
}

impl CachedThreadMember {
    /// The membership; `None` when neither it nor `user` names the user
    /// (Discord leaves the id out only where it is the bot's own).
    pub(crate) fn new(member: &ThreadMember, user: Option<UserId>) -> Option<Self> {
        Some(Self {
            user_id: member.user_id.or(user)?,
            join_timestamp: member.join_timestamp,
            flags: member.flags,
        })
    }

    /// The member.
    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// When they joined the thread.
    pub fn join_timestamp(&self) -> Timestamp {
        self.join_timestamp
    }

    /// Notification flags.
    pub fn flags(&self) -> u64 {
        self.flags
    }
}
