//! Sessions, guilds, roles, emojis and stickers.

use std::collections::HashSet;
use std::sync::Arc;

use tether_model::gateway::event::{EmojisUpdate, Ready, RoleDelete, RoleUpsert, StickersUpdate};
use tether_model::guild::{Guild, UnavailableGuild};
use tether_model::id::{ChannelId, GuildId};
use tether_model::presence::Status;
use tether_model::user::CurrentUser;

use super::{GuildEntry, State, swap};
use crate::resource::ResourceType;
use crate::types::{
    CachedChannel, CachedCurrentUser, CachedEmoji, CachedGuild, CachedMember, CachedPresence,
    CachedRole, CachedSticker, CachedVoiceState,
};
use crate::update::Update;

impl State {
    /// A new session of one shard: what the cache held for that shard's
    /// guilds may have changed unseen (the old session's events after its
    /// end are lost), so it is dropped, as discord.py does on `READY`. The
    /// guilds come back with their `GUILD_CREATE`. Other shards' guilds
    /// are left alone.
    pub(super) fn ready(&mut self, ready: &Ready) {
        self.users.refresh(&ready.user.user);
        self.me = Some(Arc::new(CachedCurrentUser::new(&ready.user)));
        let [shard, count] = ready.shard.unwrap_or([0, 1]);
        let listed = ready.guilds.iter().map(|g| g.id);
        let stale: Vec<GuildId> = self
            .guilds
            .keys()
            .filter(|g| g.shard(count) == shard)
            .copied()
            .chain(listed)
            .collect();
        for guild in stale {
            self.forget_guild(guild);
        }
        if shard == 0 {
            // DMs reach shard 0 only; they come back with their next message.
            let dms: Vec<ChannelId> = self
                .channels
                .values()
                .filter(|c| c.guild_id().is_none())
                .map(|c| c.id())
                .collect();
            for dm in dms {
                self.forget_channel(dm);
            }
        }
        for guild in &ready.guilds {
            self.guilds.insert(guild.id, GuildEntry::unavailable());
        }
    }

    pub(super) fn user_update(&mut self, user: &CurrentUser) -> Update {
        self.users.refresh(&user.user);
        let new = Arc::new(CachedCurrentUser::new(user));
        self.me
            .replace(new)
            .map_or(Update::Nothing, Update::CurrentUser)
    }

    /// A guild's whole state: it replaces what the cache held, except the
    /// messages of channels that still exist.
    pub(super) fn guild_create(&mut self, guild: &Guild) -> Update {
        if guild.unavailable {
            self.mark_unavailable(guild.id);
            return Update::Nothing;
        }
        let id = guild.id;
        let listed: HashSet<ChannelId> = guild
            .channels
            .iter()
            .chain(&guild.threads)
            .map(|c| c.id)
            .collect();
        let gone: Vec<ChannelId> = self.guilds.get(&id).map_or_else(Vec::new, |entry| {
            entry
                .channels
                .iter()
                .filter(|c| !listed.contains(c))
                .copied()
                .collect()
        });
        for channel in gone {
            self.forget_channel(channel);
        }
        for channel in &listed {
            self.claim_channel(*channel, Some(id));
        }
        let me = self.me();
        let resources = self.resources;
        let Self {
            guilds,
            channels,
            users,
            ..
        } = self;
        let entry = guilds.entry(id).or_default();
        entry.unavailable = false;
        let before = entry.guild.take();
        if resources.contains(ResourceType::GUILDS) {
            entry.guild = Some(Arc::new(CachedGuild::new(guild)));
        }
        if resources.contains(ResourceType::CHANNELS) {
            for channel in guild.channels.iter().chain(&guild.threads) {
                channels.insert(
                    channel.id,
                    Arc::new(CachedChannel::new(Some(id), channel, me)),
                );
                entry.channels.insert(channel.id);
            }
        }
        entry
            .thread_members
            .retain(|thread, _| listed.contains(thread));
        if resources.contains(ResourceType::ROLES) {
            entry.roles = guild
                .roles
                .iter()
                .map(|r| (r.id, Arc::new(CachedRole::new(r))))
                .collect();
        }
        if resources.contains(ResourceType::MEMBERS) {
            // New references first, so that a user in both lists is not
            // dropped and rebuilt.
            let old: Vec<_> = entry.members.drain().collect();
            for member in &guild.members {
                let Some(user) = &member.user else { continue };
                users.intern(user);
                let cached = Arc::new(CachedMember::new(user.id, member));
                if entry.members.replace(cached).is_some() {
                    // Listed twice: one reference is enough.
                    users.release(user.id);
                }
            }
            for member in old {
                users.release(member.user_id());
            }
        }
        if resources.contains(ResourceType::EMOJIS) {
            entry.emojis = Some(guild.emojis.iter().map(CachedEmoji::new).collect());
        }
        if resources.contains(ResourceType::STICKERS) {
            entry.stickers = Some(guild.stickers.iter().map(CachedSticker::new).collect());
        }
        if resources.contains(ResourceType::VOICE_STATES) {
            entry.voice_states = guild
                .voice_states
                .iter()
                .filter_map(|v| {
                    let state = CachedVoiceState::new(id, v.channel_id?, v);
                    Some((v.user_id, Arc::new(state)))
                })
                .collect();
        }
        if resources.contains(ResourceType::PRESENCES) {
            entry.presences = guild
                .presences
                .iter()
                .filter(|p| p.status != Status::Offline)
                .map(|p| (p.user.id, Arc::new(CachedPresence::new(p))))
                .collect();
        }
        before.map_or(Update::Nothing, Update::Guild)
    }

    pub(super) fn guild_update(&mut self, guild: &Guild) -> Update {
        let resources = self.resources;
        let Some(entry) = self.guild_mut(guild.id, "GUILD_UPDATE") else {
            return Update::Nothing;
        };
        // Roles are the full list when present (a guild always has
        // @everyone, so an empty list means "absent").
        if resources.contains(ResourceType::ROLES) && !guild.roles.is_empty() {
            entry.roles = guild
                .roles
                .iter()
                .map(|r| (r.id, Arc::new(CachedRole::new(r))))
                .collect();
        }
        if !resources.contains(ResourceType::GUILDS) {
            return Update::Nothing;
        }
        let new = match &entry.guild {
            Some(old) => old.updated(guild),
            None => CachedGuild::new(guild),
        };
        entry
            .guild
            .replace(Arc::new(new))
            .map_or(Update::Nothing, Update::Guild)
    }

    /// `unavailable: true` is an outage: the guild is kept (and events for
    /// it ignored) until its `GUILD_CREATE`. Otherwise the bot left.
    pub(super) fn guild_delete(&mut self, guild: UnavailableGuild) -> Update {
        if guild.unavailable {
            self.mark_unavailable(guild.id);
            return Update::Nothing;
        }
        self.forget_guild(guild.id)
            .map_or(Update::Nothing, Update::Guild)
    }

    pub(super) fn role_upsert(&mut self, upsert: &RoleUpsert) -> Update {
        let roles = self.caches(ResourceType::ROLES);
        let Some(entry) = self.guild_mut(upsert.guild_id, "GUILD_ROLE_UPDATE") else {
            return Update::Nothing;
        };
        if !roles {
            return Update::Nothing;
        }
        swap(
            &mut entry.roles,
            upsert.role.id,
            CachedRole::new(&upsert.role),
            Update::Role,
        )
    }

    /// A deleted role is taken from its members too: Discord sends no
    /// member updates for that.
    pub(super) fn role_delete(&mut self, delete: RoleDelete) -> Update {
        let Some(entry) = self.guild_mut(delete.guild_id, "GUILD_ROLE_DELETE") else {
            return Update::Nothing;
        };
        let changed: Vec<CachedMember> = entry
            .members
            .iter()
            .filter_map(|m| m.without_role(delete.role_id))
            .collect();
        for member in changed {
            entry.members.replace(Arc::new(member));
        }
        entry
            .roles
            .remove(&delete.role_id)
            .map_or(Update::Nothing, Update::Role)
    }

    pub(super) fn emojis_update(&mut self, update: &EmojisUpdate) -> Update {
        let emojis = self.caches(ResourceType::EMOJIS);
        let Some(entry) = self.guild_mut(update.guild_id, "GUILD_EMOJIS_UPDATE") else {
            return Update::Nothing;
        };
        if !emojis {
            return Update::Nothing;
        }
        let new = update.emojis.iter().map(CachedEmoji::new).collect();
        entry
            .emojis
            .replace(new)
            .map_or(Update::Nothing, Update::Emojis)
    }

    pub(super) fn stickers_update(&mut self, update: &StickersUpdate) -> Update {
        let stickers = self.caches(ResourceType::STICKERS);
        let Some(entry) = self.guild_mut(update.guild_id, "GUILD_STICKERS_UPDATE") else {
            return Update::Nothing;
        };
        if !stickers {
            return Update::Nothing;
        }
        let new = update.stickers.iter().map(CachedSticker::new).collect();
        entry
            .stickers
            .replace(new)
            .map_or(Update::Nothing, Update::Stickers)
    }

    fn mark_unavailable(&mut self, id: GuildId) {
        self.guilds
            .entry(id)
            .or_insert_with(GuildEntry::unavailable)
            .unavailable = true;
    }
}
