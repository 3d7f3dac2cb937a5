//! Members, member chunks, presences and voice states.

use std::sync::Arc;

use tether_model::gateway::event::{MemberAdd, MemberChunk, MemberUpdate};
use tether_model::id::GuildId;
use tether_model::presence::{Presence, Status};
use tether_model::user::User;
use tether_model::voice::VoiceState;

use super::{GuildEntry, State, usable};
use crate::resource::ResourceType;
use crate::types::{CachedMember, CachedPresence, CachedVoiceState};
use crate::update::Update;

impl State {
    /// A user joined. The guild's member count goes up unless the member
    /// was cached already (Discord may repeat the event).
    pub(super) fn member_add(&mut self, add: &MemberAdd) -> Update {
        let members = self.caches(ResourceType::MEMBERS);
        let Self { guilds, users, .. } = self;
        let Some(entry) = usable(guilds, add.guild_id, "GUILD_MEMBER_ADD") else {
            return Update::Nothing;
        };
        let Some(user) = &add.member.user else {
            return Update::Nothing;
        };
        if entry.members.get(user.id).is_none() {
            adjust_member_count(entry, 1);
        }
        if members {
            let member = CachedMember::new(user.id, &add.member);
            Self::upsert_member(entry, users, user, member);
        } else {
            users.refresh(user);
        }
        Update::Nothing
    }

    /// A member changed; an uncached one is added (the event carries every
    /// field of a member).
    pub(super) fn member_update(&mut self, update: &MemberUpdate) -> Update {
        let members = self.caches(ResourceType::MEMBERS);
        let Self { guilds, users, .. } = self;
        let Some(entry) = usable(guilds, update.guild_id, "GUILD_MEMBER_UPDATE") else {
            return Update::Nothing;
        };
        if !members {
            users.refresh(&update.user);
            return Update::Nothing;
        }
        let new = match entry.members.get(update.user.id) {
            Some(old) => old.updated(update),
            None => CachedMember::from_update(update),
        };
        Self::upsert_member(entry, users, &update.user, new).map_or(Update::Nothing, Update::Member)
    }

    /// A user left, was kicked or banned: their member, presence and voice
    /// state go. The member count goes down when the member was cached,
    /// or when some members are not cached (the leaver may be one of
    /// them); a repeated event for a fully cached guild changes nothing.
    pub(super) fn member_remove(&mut self, guild: GuildId, user: &User) -> Update {
        let Self { guilds, users, .. } = self;
        let Some(entry) = usable(guilds, guild, "GUILD_MEMBER_REMOVE") else {
            return Update::Nothing;
        };
        entry.presences.remove(&user.id);
        entry.voice_states.remove(&user.id);
        let removed = Self::remove_member(entry, users, user.id);
        let uncached = entry
            .guild
            .as_ref()
            .and_then(|g| g.member_count())
            .is_some_and(|count| count > entry.members.len() as u64);
        if removed.is_some() || uncached {
            adjust_member_count(entry, -1);
        }
        removed.map_or(Update::Nothing, Update::Member)
    }

    /// A part of the answer to Request Guild Members: its members and
    /// presences are cached, and the requested users it did not find are
    /// not members (any cached member of theirs is stale).
    pub(super) fn member_chunk(&mut self, chunk: &MemberChunk) -> Update {
        let resources = self.resources;
        let Self { guilds, users, .. } = self;
        let Some(entry) = usable(guilds, chunk.guild_id, "GUILD_MEMBERS_CHUNK") else {
            return Update::Nothing;
        };
        if resources.contains(ResourceType::MEMBERS) {
            for member in &chunk.members {
                let Some(user) = &member.user else { continue };
                Self::upsert_member(entry, users, user, CachedMember::new(user.id, member));
            }
            for user in &chunk.not_found {
                Self::remove_member(entry, users, *user);
            }
        } else {
            for user in chunk.members.iter().filter_map(|m| m.user.as_ref()) {
                users.refresh(user);
            }
        }
        if resources.contains(ResourceType::PRESENCES) {
            for presence in &chunk.presences {
                set_presence(entry, presence);
            }
        }
        Update::Nothing
    }

    pub(super) fn presence_update(&mut self, presence: &Presence) -> Update {
        let presences = self.caches(ResourceType::PRESENCES);
        let Some(guild) = presence.guild_id else {
            return Update::Nothing;
        };
        let Some(entry) = self.guild_mut(guild, "PRESENCE_UPDATE") else {
            return Update::Nothing;
        };
        if !presences {
            return Update::Nothing;
        }
        set_presence(entry, presence).map_or(Update::Nothing, Update::Presence)
    }

    /// A user joined, moved in or left voice (`channel_id` null); the
    /// event's member is cached too.
    pub(super) fn voice_state_update(&mut self, state: &VoiceState) -> Update {
        let resources = self.resources;
        let Some(guild) = state.guild_id else {
            return Update::Nothing;
        };
        let Self { guilds, users, .. } = self;
        let Some(entry) = usable(guilds, guild, "VOICE_STATE_UPDATE") else {
            return Update::Nothing;
        };
        if let (Some(member), true) = (&state.member, resources.contains(ResourceType::MEMBERS)) {
            if let Some(user) = &member.user {
                Self::upsert_member(entry, users, user, CachedMember::new(user.id, member));
            }
        }
        if !resources.contains(ResourceType::VOICE_STATES) {
            return Update::Nothing;
        }
        let before = match state.channel_id {
            Some(channel) => {
                let new = CachedVoiceState::new(guild, channel, state);
                entry.voice_states.insert(state.user_id, Arc::new(new))
            }
            None => entry.voice_states.remove(&state.user_id),
        };
        before.map_or(Update::Nothing, Update::VoiceState)
    }
}

/// Caches a presence, or forgets it when the user went offline; returns
/// the presence before.
pub(super) fn set_presence(
    entry: &mut GuildEntry,
    presence: &Presence,
) -> Option<Arc<CachedPresence>> {
    if presence.status == Status::Offline {
        entry.presences.remove(&presence.user.id)
    } else {
        let new = Arc::new(CachedPresence::new(presence));
        entry.presences.insert(presence.user.id, new)
    }
}

fn adjust_member_count(entry: &mut GuildEntry, delta: i8) {
    let Some(guild) = &entry.guild else { return };
    let Some(count) = guild.member_count() else {
        return;
    };
    let count = if delta < 0 {
        count.saturating_sub(1)
    } else {
        count.saturating_add(1)
    };
    entry.guild = Some(Arc::new(guild.with_member_count(Some(count))));
}
