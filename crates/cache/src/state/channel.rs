//! Channels, threads and their members.

use std::collections::HashSet;
use std::sync::Arc;

use tether_model::channel::Channel;
use tether_model::gateway::event::{
    PinsUpdate, ThreadListSync, ThreadMemberUpdate, ThreadMembersUpdate,
};
use tether_model::id::{ChannelId, GuildId};

use super::member::set_presence;
use super::{State, usable};
use crate::resource::ResourceType;
use crate::types::{CachedChannel, CachedMember, CachedThreadMember};
use crate::update::Update;

impl State {
    /// `CHANNEL_CREATE`/`_UPDATE` and `THREAD_CREATE`/`_UPDATE`: a create
    /// of a known channel is an update, an update of an unknown one a
    /// create.
    pub(super) fn channel_upsert(&mut self, channel: &Channel) -> Update {
        if !self.caches(ResourceType::CHANNELS)
            || !self.guild_usable(channel.guild_id, "CHANNEL_UPDATE")
        {
            return Update::Nothing;
        }
        self.claim_channel(channel.id, channel.guild_id);
        if let Some(entry) = channel.guild_id.and_then(|g| self.guilds.get_mut(&g)) {
            entry.channels.insert(channel.id);
        }
        let me = self.me();
        let new = match self.channels.get(&channel.id) {
            Some(old) => old.updated(channel, me),
            None => CachedChannel::new(None, channel, me),
        };
        self.channels
            .insert(channel.id, Arc::new(new))
            .map_or(Update::Nothing, Update::Channel)
    }

    /// `CHANNEL_DELETE` and `THREAD_DELETE`: the channel goes with its
    /// messages and, for a parent channel, its threads.
    pub(super) fn channel_delete(&mut self, guild: Option<GuildId>, id: ChannelId) -> Update {
        if !self.guild_usable(guild, "CHANNEL_DELETE") {
            return Update::Nothing;
        }
        self.forget_channel(id)
            .map_or(Update::Nothing, Update::Channel)
    }

    pub(super) fn pins_update(&mut self, pins: &PinsUpdate) -> Update {
        if !self.guild_usable(pins.guild_id, "CHANNEL_PINS_UPDATE") {
            return Update::Nothing;
        }
        let (Some(at), Some(channel)) =
            (pins.last_pin_timestamp, self.channels.get(&pins.channel_id))
        else {
            return Update::Nothing;
        };
        let new = Arc::new(channel.with_last_pin(at));
        self.channels
            .insert(pins.channel_id, new)
            .map_or(Update::Nothing, Update::Channel)
    }

    /// The active threads of some channels (or of the whole guild): cached
    /// threads of those channels that are not listed are no longer active.
    pub(super) fn thread_list_sync(&mut self, sync: &ThreadListSync) -> Update {
        if !self.caches(ResourceType::CHANNELS) {
            return Update::Nothing;
        }
        let Some(entry) = usable(&mut self.guilds, sync.guild_id, "THREAD_LIST_SYNC") else {
            return Update::Nothing;
        };
        let parents: Option<HashSet<ChannelId>> = sync
            .channel_ids
            .as_ref()
            .map(|ids| ids.iter().copied().collect());
        let listed: HashSet<ChannelId> = sync.threads.iter().map(|t| t.id).collect();
        let inactive: Vec<ChannelId> = entry
            .channels
            .iter()
            .filter(|id| !listed.contains(id))
            .filter(|id| {
                self.channels.get(id).is_some_and(|c| {
                    c.is_thread()
                        && parents
                            .as_ref()
                            .is_none_or(|p| c.parent_id().is_some_and(|parent| p.contains(&parent)))
                })
            })
            .copied()
            .collect();
        entry.channels.extend(listed);
        for thread in inactive {
            self.forget_channel(thread);
        }
        let me = self.me();
        for thread in &sync.threads {
            self.claim_channel(thread.id, Some(sync.guild_id));
            let membership = sync
                .members
                .iter()
                .find(|m| m.id == Some(thread.id))
                .and_then(|m| CachedThreadMember::new(m, me));
            let new =
                CachedChannel::new(Some(sync.guild_id), thread, me).with_membership(membership);
            self.channels.insert(thread.id, Arc::new(new));
        }
        Update::Nothing
    }

    /// The bot's own membership of a thread changed.
    pub(super) fn thread_member_update(&mut self, update: &ThreadMemberUpdate) -> Update {
        let me = self.me();
        if !self.guild_usable(Some(update.guild_id), "THREAD_MEMBER_UPDATE") {
            return Update::Nothing;
        }
        let Some(thread) = update.member.id.and_then(|id| self.channels.get(&id)) else {
            return Update::Nothing;
        };
        let new = thread.with_membership(CachedThreadMember::new(&update.member, me));
        self.channels
            .insert(new.id(), Arc::new(new))
            .map_or(Update::Nothing, Update::Channel)
    }

    /// Users joined or left a cached thread: its member count, its member
    /// list, the bot's own membership, and the joiners' guild members and
    /// presences.
    pub(super) fn thread_members_update(&mut self, update: &ThreadMembersUpdate) -> Update {
        let me = self.me();
        let resources = self.resources;
        let Self {
            guilds,
            channels,
            users,
            ..
        } = self;
        let Some(entry) = usable(guilds, update.guild_id, "THREAD_MEMBERS_UPDATE") else {
            return Update::Nothing;
        };
        let Some(thread) = channels.get(&update.id) else {
            tracing::trace!(thread = %update.id, "THREAD_MEMBERS_UPDATE for an unknown thread ignored");
            return Update::Nothing;
        };
        let mut membership = thread.member().cloned();
        for added in &update.added_members {
            let Some(member) = CachedThreadMember::new(&added.member, None) else {
                continue;
            };
            if Some(member.user_id()) == me {
                membership = Some(member.clone());
            }
            if let Some(guild_member) = &added.member.member {
                if let (Some(user), true) = (
                    &guild_member.user,
                    resources.contains(ResourceType::MEMBERS),
                ) {
                    let cached = CachedMember::new(user.id, guild_member);
                    Self::upsert_member(entry, users, user, cached);
                }
            }
            if let (Some(presence), true) =
                (&added.presence, resources.contains(ResourceType::PRESENCES))
            {
                set_presence(entry, presence);
            }
            if resources.contains(ResourceType::MEMBERS) {
                entry
                    .thread_members
                    .entry(update.id)
                    .or_default()
                    .insert(member.user_id(), Arc::new(member));
            }
        }
        if let Some(list) = entry.thread_members.get_mut(&update.id) {
            for user in &update.removed_member_ids {
                list.remove(user);
            }
            if list.is_empty() {
                entry.thread_members.remove(&update.id);
            }
        }
        if me.is_some_and(|me| update.removed_member_ids.contains(&me)) {
            membership = None;
        }
        let new = thread
            .with_member_count(update.member_count)
            .with_membership(membership);
        channels
            .insert(update.id, Arc::new(new))
            .map_or(Update::Nothing, Update::Channel)
    }
}
