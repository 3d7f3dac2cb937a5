//! Messages and reactions.

use std::sync::Arc;

use tether_model::gateway::event::{
    MessageDelete, MessageDeleteBulk, MessageUpdate, ReactionChange,
};
use tether_model::guild::Emoji;
use tether_model::id::{GuildId, MessageId};
use tether_model::message::Message;

use super::{State, usable};
use crate::resource::ResourceType;
use crate::types::{CachedChannel, CachedMember, CachedMessage, CachedUser};
use crate::update::Update;

impl State {
    /// A new message: its author's member is cached, its channel's last
    /// message moves on, and the message is kept (evicting the oldest
    /// beyond the limits). A message in an unknown guild channel is not
    /// kept; one in an unknown DM creates the DM channel, since Discord
    /// announces DMs with their first message.
    pub(super) fn message_create(&mut self, message: &Message) -> Update {
        let resources = self.resources;
        let me = self.me();
        let Self {
            guilds,
            channels,
            users,
            messages,
            ..
        } = self;
        if let Some(guild) = message.guild_id {
            let Some(entry) = usable(guilds, guild, "MESSAGE_CREATE") else {
                return Update::Nothing;
            };
            let is_member =
                resources.contains(ResourceType::MEMBERS) && message.webhook_id.is_none();
            if let (Some(member), true) = (&message.member, is_member) {
                let author = &message.author;
                Self::upsert_member(entry, users, author, CachedMember::new(author.id, member));
            }
        }
        if resources.contains(ResourceType::CHANNELS) {
            let channel = match channels.get(&message.channel_id) {
                Some(channel)
                    if channel
                        .last_message_id()
                        .is_some_and(|last| last >= message.id) =>
                {
                    None
                }
                Some(channel) => Some(channel.with_last_message(message.id)),
                None if message.guild_id.is_none() => {
                    let recipient = Some(message.author.id).filter(|author| Some(*author) != me);
                    let kind = message.channel_type.unwrap_or(1);
                    Some(
                        CachedChannel::dm(message.channel_id, kind, recipient)
                            .with_last_message(message.id),
                    )
                }
                None => {
                    tracing::trace!(channel = %message.channel_id, "MESSAGE_CREATE in an unknown channel ignored");
                    return Update::Nothing;
                }
            };
            if let Some(channel) = channel {
                channels.insert(message.channel_id, Arc::new(channel));
            }
        }
        if !resources.contains(ResourceType::MESSAGES) || messages.get(message.id).is_some() {
            return Update::Nothing;
        }
        let author = if message.webhook_id.is_some() {
            Arc::new(CachedUser::new(&message.author))
        } else {
            users.intern(&message.author)
        };
        for evicted in messages.insert(Arc::new(CachedMessage::new(message, author))) {
            users.release_author(&evicted);
        }
        Update::Nothing
    }

    /// An edit: the fields present replace the cached ones.
    pub(super) fn message_update(&mut self, update: &MessageUpdate) -> Update {
        if !self.guild_usable(update.guild_id, "MESSAGE_UPDATE") {
            return Update::Nothing;
        }
        let Self {
            users, messages, ..
        } = self;
        if let Some(author) = &update.author {
            users.refresh(author);
        }
        let Some(old) = messages.get(update.id) else {
            return Update::Nothing;
        };
        // An author is never changed, only brought up to date: the message
        // holds a reference to its author's id.
        let author = update
            .author
            .as_ref()
            .filter(|author| author.id == old.author().id() && !old.author().matches(author))
            .map(|author| match users.get(author.id) {
                Some(user) if old.webhook_id().is_none() => Arc::clone(user),
                _ => Arc::new(CachedUser::new(author)),
            });
        let new = old.updated(update, author);
        if new == **old {
            return Update::Message(Arc::clone(old));
        }
        messages
            .replace(Arc::new(new))
            .map_or(Update::Nothing, Update::Message)
    }

    pub(super) fn message_delete(&mut self, delete: &MessageDelete) -> Update {
        if !self.guild_usable(delete.guild_id, "MESSAGE_DELETE") {
            return Update::Nothing;
        }
        let Some(message) = self.messages.remove(delete.id) else {
            return Update::Nothing;
        };
        self.users.release_author(&message);
        Update::Message(message)
    }

    pub(super) fn message_delete_bulk(&mut self, delete: &MessageDeleteBulk) -> Update {
        if !self.guild_usable(delete.guild_id, "MESSAGE_DELETE_BULK") {
            return Update::Nothing;
        }
        let mut removed: Vec<Arc<CachedMessage>> = delete
            .ids
            .iter()
            .filter_map(|id| self.messages.remove(*id))
            .collect();
        for message in &removed {
            self.users.release_author(message);
        }
        removed.sort_by_key(|m| m.id());
        Update::Messages(removed)
    }

    pub(super) fn reaction_add(&mut self, reaction: &ReactionChange) -> Update {
        let resources = self.resources;
        let me = self.me();
        let Self {
            guilds,
            users,
            messages,
            ..
        } = self;
        if let Some(guild) = reaction.guild_id {
            let Some(entry) = usable(guilds, guild, "MESSAGE_REACTION_ADD") else {
                return Update::Nothing;
            };
            let member = reaction
                .member
                .as_ref()
                .filter(|_| resources.contains(ResourceType::MEMBERS));
            if let Some((member, user)) = member.and_then(|m| Some((m, m.user.as_ref()?))) {
                Self::upsert_member(entry, users, user, CachedMember::new(user.id, member));
            }
        }
        let Some(old) = messages.get(reaction.message_id) else {
            return Update::Nothing;
        };
        let is_me = Some(reaction.user_id) == me;
        match old.with_reaction(&reaction.emoji, reaction.user_id, is_me) {
            Some(new) => messages
                .replace(Arc::new(new))
                .map_or(Update::Nothing, Update::Message),
            None => Update::Message(Arc::clone(old)),
        }
    }

    pub(super) fn reaction_remove(&mut self, reaction: &ReactionChange) -> Update {
        if !self.guild_usable(reaction.guild_id, "MESSAGE_REACTION_REMOVE") {
            return Update::Nothing;
        }
        let is_me = Some(reaction.user_id) == self.me();
        let Some(old) = self.messages.get(reaction.message_id) else {
            return Update::Nothing;
        };
        match old.without_reaction(&reaction.emoji, reaction.user_id, is_me) {
            Some(new) => self
                .messages
                .replace(Arc::new(new))
                .map_or(Update::Nothing, Update::Message),
            None => Update::Message(Arc::clone(old)),
        }
    }

    /// `MESSAGE_REACTION_REMOVE_ALL` (no emoji) and
    /// `MESSAGE_REACTION_REMOVE_EMOJI`.
    pub(super) fn reactions_clear(
        &mut self,
        guild: Option<GuildId>,
        message: MessageId,
        emoji: Option<&Emoji>,
    ) -> Update {
        if !self.guild_usable(guild, "MESSAGE_REACTION_REMOVE_ALL") {
            return Update::Nothing;
        }
        let Some(old) = self.messages.get(message) else {
            return Update::Nothing;
        };
        match old.without_reactions(emoji) {
            Some(new) => self
                .messages
                .replace(Arc::new(new))
                .map_or(Update::Nothing, Update::Message),
            None => Update::Message(Arc::clone(old)),
        }
    }
}
