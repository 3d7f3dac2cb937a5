//! The cache's state and how each event changes it.
//!
//! [`State::apply`] routes an event to its handler in the submodules. Every
//! handler follows the same rules:
//!
//! - an event for a guild the cache does not know, or one that is
//!   unavailable, changes nothing (a `trace!` line says so);
//! - an object is replaced, never edited: the new `Arc` goes in, the old
//!   one comes back as the [`Update`];
//! - applying an event twice leaves the state as applying it once.

mod channel;
mod guild;
mod member;
mod message;

use std::borrow::Borrow;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use tether_model::gateway::Event;
use tether_model::id::{ChannelId, GuildId, RoleId, UserId};
use tether_model::user::User;

use crate::messages::Messages;
use crate::resource::ResourceType;
use crate::types::{
    CachedChannel, CachedCurrentUser, CachedEmoji, CachedGuild, CachedMember, CachedMessage,
    CachedPresence, CachedRole, CachedSticker, CachedThreadMember, CachedUser, CachedVoiceState,
};
use crate::update::Update;

#[derive(Debug)]
pub(crate) struct State {
    pub(crate) resources: ResourceType,
    pub(crate) me: Option<Arc<CachedCurrentUser>>,
    pub(crate) guilds: HashMap<GuildId, GuildEntry>,
    pub(crate) channels: HashMap<ChannelId, Arc<CachedChannel>>,
    pub(crate) users: Users,
    pub(crate) messages: Messages,
}

/// Everything cached about one guild.
#[derive(Debug, Default)]
pub(crate) struct GuildEntry {
    /// `None` until the guild's `GUILD_CREATE` (and without
    /// [`ResourceType::GUILDS`]).
    pub(crate) guild: Option<Arc<CachedGuild>>,
    pub(crate) unavailable: bool,
    /// Channels and threads; the channels themselves are in
    /// [`State::channels`].
    pub(crate) channels: HashSet<ChannelId>,
    pub(crate) roles: HashMap<RoleId, Arc<CachedRole>>,
    pub(crate) members: MemberSet,
    pub(crate) emojis: Option<Arc<[CachedEmoji]>>,
    pub(crate) stickers: Option<Arc<[CachedSticker]>>,
    pub(crate) voice_states: HashMap<UserId, Arc<CachedVoiceState>>,
    pub(crate) presences: HashMap<UserId, Arc<CachedPresence>>,
    pub(crate) thread_members: HashMap<ChannelId, HashMap<UserId, Arc<CachedThreadMember>>>,
}

impl GuildEntry {
    fn unavailable() -> Self {
        Self {
            unavailable: true,
            ..Self::default()
        }
    }
}

/// A guild's members, keyed by the user id inside each member, so that a
/// slot is one pointer rather than an id and a pointer: members are most
/// of a cache's memory.
#[derive(Debug, Default)]
pub(crate) struct MemberSet(HashSet<ByUser>);

#[derive(Debug)]
struct ByUser(Arc<CachedMember>);

impl PartialEq for ByUser {
    fn eq(&self, other: &Self) -> bool {
        self.0.user_id() == other.0.user_id()
    }
}

impl Eq for ByUser {}

impl Hash for ByUser {
    // The same hash as the `UserId` it borrows as, as `Borrow` requires.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.user_id().hash(state);
    }
}

impl Borrow<UserId> for ByUser {
    fn borrow(&self) -> &UserId {
        // A member's user id never changes: the hash stays valid.
        self.0.user_id_ref()
    }
}

impl MemberSet {
    pub(crate) fn get(&self, user: UserId) -> Option<&Arc<CachedMember>> {
        self.0.get(&user).map(|m| &m.0)
    }

    pub(crate) fn len(&self) -> usize {
        self.0.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &Arc<CachedMember>> {
        self.0.iter().map(|m| &m.0)
    }

    /// Inserts or replaces; returns the member replaced.
    fn replace(&mut self, member: Arc<CachedMember>) -> Option<Arc<CachedMember>> {
        self.0.replace(ByUser(member)).map(|m| m.0)
    }

    fn take(&mut self, user: UserId) -> Option<Arc<CachedMember>> {
        self.0.take(&user).map(|m| m.0)
    }

    fn drain(&mut self) -> impl Iterator<Item = Arc<CachedMember>> {
        self.0.drain().map(|m| m.0)
    }
}

/// Users, each stored once and counted by the members and messages that
/// refer to them; a user nothing refers to any more is dropped.
///
/// The count is kept here rather than read from `Arc::strong_count`,
/// because handlers hold clones for a while and must not keep a user
/// cached.
#[derive(Debug)]
pub(crate) struct Users {
    enabled: bool,
    /// Keyed by the id inside each user, as [`MemberSet`] is.
    map: HashSet<Interned>,
}

#[derive(Debug)]
struct Interned {
    user: Arc<CachedUser>,
    refs: u32,
}

impl PartialEq for Interned {
    fn eq(&self, other: &Self) -> bool {
        self.user.id() == other.user.id()
    }
}

impl Eq for Interned {}

impl Hash for Interned {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.user.id().hash(state);
    }
}

impl Borrow<UserId> for Interned {
    fn borrow(&self) -> &UserId {
        // A user's id never changes: the hash stays valid.
        self.user.id_ref()
    }
}

impl Users {
    fn new(enabled: bool) -> Self {
        Self {
            enabled,
            map: HashSet::new(),
        }
    }

    pub(crate) fn get(&self, id: UserId) -> Option<&Arc<CachedUser>> {
        self.map.get(&id).map(|i| &i.user)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Adds a reference to `user`, storing it or bringing it up to date;
    /// every call is matched by a [`release`](Self::release).
    fn intern(&mut self, user: &User) -> Arc<CachedUser> {
        if !self.enabled {
            return Arc::new(CachedUser::new(user));
        }
        // A set has no `get_mut` (it would let the key change): take the
        // entry out and put it back, which costs one hash more.
        let mut entry = self.map.take(&user.id).unwrap_or_else(|| Interned {
            user: Arc::new(CachedUser::new(user)),
            refs: 0,
        });
        if !entry.user.matches(user) {
            entry.user = Arc::new(CachedUser::new(user));
        }
        entry.refs = entry.refs.saturating_add(1);
        let shared = Arc::clone(&entry.user);
        self.map.insert(entry);
        shared
    }

    /// Brings `user` up to date if it is cached, without adding a reference.
    fn refresh(&mut self, user: &User) {
        if self
            .map
            .get(&user.id)
            .is_some_and(|e| !e.user.matches(user))
        {
            if let Some(mut entry) = self.map.take(&user.id) {
                entry.user = Arc::new(CachedUser::new(user));
                self.map.insert(entry);
            }
        }
    }

    /// Drops a reference to a user; the last one drops the user.
    fn release(&mut self, id: UserId) {
        if let Some(mut entry) = self.map.take(&id) {
            entry.refs = entry.refs.saturating_sub(1);
            if entry.refs > 0 {
                self.map.insert(entry);
            }
        }
    }

    /// Drops the reference a message holds to its author: webhook
    /// messages hold none (their "author" is the webhook, renamed at will).
    fn release_author(&mut self, message: &CachedMessage) {
        if message.webhook_id().is_none() {
            self.release(message.author().id());
        }
    }
}

impl State {
    pub(crate) fn new(resources: ResourceType, message_limit: usize, channel_limit: usize) -> Self {
        Self {
            resources,
            me: None,
            guilds: HashMap::new(),
            channels: HashMap::new(),
            users: Users::new(resources.contains(ResourceType::USERS)),
            messages: Messages::new(message_limit, channel_limit),
        }
    }

    pub(crate) fn apply(&mut self, event: &Event) -> Update {
        match event {
            Event::Ready(ready) => {
                self.ready(ready);
                Update::Nothing
            }
            Event::UserUpdate(user) => self.user_update(user),
            Event::GuildCreate(guild) => self.guild_create(guild),
            Event::GuildUpdate(guild) => self.guild_update(guild),
            Event::GuildDelete(guild) => self.guild_delete(*guild),
            Event::GuildRoleCreate(role) | Event::GuildRoleUpdate(role) => self.role_upsert(role),
            Event::GuildRoleDelete(role) => self.role_delete(*role),
            Event::GuildEmojisUpdate(emojis) => self.emojis_update(emojis),
            Event::GuildStickersUpdate(stickers) => self.stickers_update(stickers),
            Event::ChannelCreate(channel)
            | Event::ChannelUpdate(channel)
            | Event::ThreadCreate(channel)
            | Event::ThreadUpdate(channel) => self.channel_upsert(channel),
            Event::ChannelDelete(channel) => self.channel_delete(channel.guild_id, channel.id),
            Event::ThreadDelete(thread) => self.channel_delete(Some(thread.guild_id), thread.id),
            Event::ChannelPinsUpdate(pins) => self.pins_update(pins),
            Event::ThreadListSync(sync) => self.thread_list_sync(sync),
            Event::ThreadMemberUpdate(member) => self.thread_member_update(member),
            Event::ThreadMembersUpdate(members) => self.thread_members_update(members),
            Event::GuildMemberAdd(member) => self.member_add(member),
            Event::GuildMemberUpdate(member) => self.member_update(member),
            Event::GuildMemberRemove(member) => self.member_remove(member.guild_id, &member.user),
            Event::GuildMembersChunk(chunk) => self.member_chunk(chunk),
            Event::PresenceUpdate(presence) => self.presence_update(presence),
            Event::VoiceStateUpdate(state) => self.voice_state_update(state),
            Event::MessageCreate(message) => self.message_create(message),
            Event::MessageUpdate(update) => self.message_update(update),
            Event::MessageDelete(delete) => self.message_delete(delete),
            Event::MessageDeleteBulk(delete) => self.message_delete_bulk(delete),
            Event::ReactionAdd(reaction) => self.reaction_add(reaction),
            Event::ReactionRemove(reaction) => self.reaction_remove(reaction),
            Event::ReactionRemoveAll(remove) => {
                self.reactions_clear(remove.guild_id, remove.message_id, None)
            }
            Event::ReactionRemoveEmoji(remove) => {
                self.reactions_clear(remove.guild_id, remove.message_id, Some(&remove.emoji))
            }
            _ => Update::Nothing,
        }
    }

    pub(crate) fn caches(&self, resource: ResourceType) -> bool {
        self.resources.contains(resource)
    }

    pub(crate) fn me(&self) -> Option<UserId> {
        self.me.as_ref().map(|me| me.id())
    }

    /// The entry of a guild the cache knows and that is available.
    fn guild_mut(&mut self, id: GuildId, event: &'static str) -> Option<&mut GuildEntry> {
        usable(&mut self.guilds, id, event)
    }

    /// Whether `guild` is known and available (DMs, `None`, always are).
    fn guild_usable(&mut self, guild: Option<GuildId>, event: &'static str) -> bool {
        guild.is_none_or(|id| self.guild_mut(id, event).is_some())
    }

    /// Forgets a channel and everything in it: its messages, its thread
    /// members, and, for a channel that is not a thread, its threads;
    /// returns the channel.
    fn forget_channel(&mut self, id: ChannelId) -> Option<Arc<CachedChannel>> {
        let channel = self.forget_one(id)?;
        // Threads have no threads on Discord; not following a thread's
        // "children" keeps a hostile chain of them from costing more than
        // one pass.
        if channel.is_thread() {
            return Some(channel);
        }
        let threads: Vec<ChannelId> = channel
            .guild_id()
            .and_then(|g| self.guilds.get(&g))
            .map(|entry| {
                entry
                    .channels
                    .iter()
                    .filter(|c| {
                        self.channels
                            .get(c)
                            .is_some_and(|t| t.is_thread() && t.parent_id() == Some(id))
                    })
                    .copied()
                    .collect()
            })
            .unwrap_or_default();
        for thread in threads {
            self.forget_one(thread);
        }
        Some(channel)
    }

    fn forget_one(&mut self, id: ChannelId) -> Option<Arc<CachedChannel>> {
        for message in self.messages.remove_channel(id) {
            self.users.release_author(&message);
        }
        let channel = self.channels.remove(&id)?;
        if let Some(entry) = channel.guild_id().and_then(|g| self.guilds.get_mut(&g)) {
            entry.channels.remove(&id);
            entry.thread_members.remove(&id);
        }
        Some(channel)
    }

    /// Takes `channel` out of the guild it was cached under, if that is not
    /// `guild`: an id Discord moved (or a hostile one) must not leave the
    /// channel listed in two guilds.
    fn claim_channel(&mut self, channel: ChannelId, guild: Option<GuildId>) {
        let Some(old) = self.channels.get(&channel).and_then(|c| c.guild_id()) else {
            return;
        };
        if Some(old) != guild {
            if let Some(entry) = self.guilds.get_mut(&old) {
                entry.channels.remove(&channel);
                entry.thread_members.remove(&channel);
            }
        }
    }

    /// Forgets a guild and everything in it; returns its own fields.
    fn forget_guild(&mut self, id: GuildId) -> Option<Arc<CachedGuild>> {
        let mut entry = self.guilds.remove(&id)?;
        for channel in entry.channels.drain() {
            for message in self.messages.remove_channel(channel) {
                self.users.release_author(&message);
            }
            self.channels.remove(&channel);
        }
        for member in entry.members.drain() {
            self.users.release(member.user_id());
        }
        entry.guild
    }

    /// Inserts or replaces a member of `entry`, keeping the old `Arc` when
    /// nothing changed; returns the member before.
    fn upsert_member(
        entry: &mut GuildEntry,
        users: &mut Users,
        user: &User,
        member: CachedMember,
    ) -> Option<Arc<CachedMember>> {
        match entry.members.get(user.id) {
            Some(old) if **old == member => {
                users.refresh(user);
                Some(Arc::clone(old))
            }
            Some(_) => {
                users.refresh(user);
                entry.members.replace(Arc::new(member))
            }
            None => {
                users.intern(user);
                entry.members.replace(Arc::new(member))
            }
        }
    }

    fn remove_member(
        entry: &mut GuildEntry,
        users: &mut Users,
        user: UserId,
    ) -> Option<Arc<CachedMember>> {
        let member = entry.members.take(user)?;
        users.release(user);
        Some(member)
    }
}

/// The entry of a guild the cache knows and that is available; borrows
/// only the guild map, so that handlers can use the rest of the state.
fn usable<'a>(
    guilds: &'a mut HashMap<GuildId, GuildEntry>,
    id: GuildId,
    event: &'static str,
) -> Option<&'a mut GuildEntry> {
    match guilds.get_mut(&id) {
        Some(entry) if !entry.unavailable => Some(entry),
        Some(_) => {
            tracing::trace!(guild = %id, event, "event for an unavailable guild ignored");
            None
        }
        None => {
            tracing::trace!(guild = %id, event, "event for an unknown guild ignored");
            None
        }
    }
}

/// Replaces the value at `key`, returning what was there, as an [`Update`].
fn swap<K: Eq + Hash, V>(
    map: &mut HashMap<K, Arc<V>>,
    key: K,
    value: V,
    wrap: fn(Arc<V>) -> Update,
) -> Update {
    map.insert(key, Arc::new(value))
        .map_or(Update::Nothing, wrap)
}
