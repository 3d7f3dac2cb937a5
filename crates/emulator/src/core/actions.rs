//! Changes to the world that bots hear about: messages, reactions, typing,
//! guilds, channels, members (roles and nicknames), roles and presences.
//!
//! Each method validates like Discord's REST API (same JSON error codes),
//! changes the world and fans out the matching dispatch. Permissions are
//! not computed: being a member of the channel's guild (or a recipient of
//! the DM) is enough to read, write, react and delete.

use std::sync::Arc;
use std::time::Instant;

use tether_model::Intents;
use tether_model::Timestamp;
use tether_model::channel::{Channel, ThreadMetadata};
use tether_model::gateway::event::{
    MemberAdd, MemberRemove, MemberUpdate, MessageDelete, ReactionChange, RoleDelete, RoleUpsert,
    ThreadDelete, TypingStart,
};
use tether_model::guild::{Emoji, Guild, Member, Role};
use tether_model::id::{ChannelId, EmojiId, GuildId, MessageId, RoleId, UserId};
use tether_model::message::{Embed, Mention, Message, MessageReference, Nonce};
use tether_model::permissions::Permissions;
use tether_model::presence::{Activity, Status};
use tether_model::user::User;

use super::Core;
use super::dispatch::{Body, Dispatch, Scope, presence_of, to_json};
use crate::error::{Entity, Error};
use crate::world::{ChannelRecord, StoredMessage, StoredReaction, World, render_message};

/// Longest message content, in characters.
pub(crate) const MAX_CONTENT: usize = 2000;
/// Most embeds per message.
const MAX_EMBEDS: usize = 10;
/// Longest nonce, in characters.
const MAX_NONCE: usize = 25;
/// Messages searched for a repeated nonce (`enforce_nonce`).
const NONCE_WINDOW: usize = 100;
/// Distinct reaction emojis per message, as on Discord.
const MAX_REACTIONS: usize = 20;
/// Longest nickname, in characters.
const MAX_NICK: usize = 32;
/// Longest channel topic, in characters.
const MAX_TOPIC: usize = 1024;
/// A new thread's `auto_archive_duration`, in minutes (Discord's default).
const AUTO_ARCHIVE_MINUTES: u32 = 1440;
/// Discord's channel type of a public thread.
const PUBLIC_THREAD: u8 = 11;

/// A message to create: the body of `POST /channels/{id}/messages`.
///
/// ```
/// use tether_emulator::NewMessage;
/// let m = NewMessage::text("$hello");
/// assert_eq!(m.content, "$hello");
/// ```
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct NewMessage {
    /// Text, up to 2000 characters.
    pub content: String,
    /// Client nonce, echoed in the message.
    pub nonce: Option<Nonce>,
    /// Return the author's earlier message with the same nonce instead of
    /// creating another.
    pub enforce_nonce: bool,
    /// Text-to-speech.
    pub tts: bool,
    /// Embeds, up to 10.
    pub embeds: Vec<Embed>,
    /// Message this one replies to (same channel).
    pub reply_to: Option<MessageId>,
    /// Whether a reply to a missing message fails (default `true`) or is
    /// sent as a plain message.
    pub fail_if_not_exists: Option<bool>,
}

impl NewMessage {
    /// A plain text message.
    pub fn text(content: impl Into<String>) -> Self {
        Self {
            content: content.into(),
            ..Self::default()
        }
    }
}

impl From<&str> for NewMessage {
    fn from(content: &str) -> Self {
        Self::text(content)
    }
}

impl From<String> for NewMessage {
    fn from(content: String) -> Self {
        Self::text(content)
    }
}

fn check_content(content: &str, embeds: &[Embed]) -> Result<(), Error> {
    if content.chars().count() > MAX_CONTENT {
        return Err(Error::invalid(
            50035,
            Some("content"),
            "must be 2000 or fewer in length",
        ));
    }
    if embeds.len() > MAX_EMBEDS {
        return Err(Error::invalid(
            50035,
            Some("embeds"),
            "must be 10 or fewer in length",
        ));
    }
    if content.trim().is_empty() && embeds.is_empty() {
        return Err(Error::invalid(50006, None, "cannot send an empty message"));
    }
    Ok(())
}

/// Mentions in message text: `<@id>`, `<@!id>`, `<@&role>`, `@everyone`, `@here`.
fn parse_mentions(content: &str) -> (Vec<u64>, Vec<u64>, bool) {
    let mut users = Vec::new();
    let mut roles = Vec::new();
    let mut rest = content;
    while let Some(start) = rest.find("<@") {
        rest = rest.get(start + 2..).unwrap_or_default();
        let (is_role, body) = match rest.strip_prefix('&') {
            Some(body) => (true, body),
            None => (false, rest.strip_prefix('!').unwrap_or(rest)),
        };
        let Some(end) = body.find('>') else { break };
        if let Some(id) = body.get(..end).and_then(|d| d.parse::<u64>().ok()) {
            let list = if is_role { &mut roles } else { &mut users };
            if !list.contains(&id) {
                list.push(id);
            }
        }
    }
    let everyone = content.contains("@everyone") || content.contains("@here");
    (users, roles, everyone)
}

/// A reaction emoji from its URL form: a Unicode emoji, or `name:id`.
fn parse_emoji(emoji: &str) -> Result<Emoji, Error> {
    let emoji = emoji.trim();
    if emoji.is_empty() || emoji.len() > 100 {
        return Err(Error::not_found(Entity::Emoji));
    }
    match emoji.rsplit_once(':') {
        Some((name, id)) => {
            let id = id
                .parse::<u64>()
                .map_err(|_| Error::not_found(Entity::Emoji))?;
            let name = name.strip_prefix("a:").unwrap_or(name);
            Ok(Emoji {
                id: Some(EmojiId::new(id)),
                name: Some(name.to_owned()),
                ..Emoji::default()
            })
        }
        None => Ok(Emoji {
            id: None,
            name: Some(emoji.to_owned()),
            ..Emoji::default()
        }),
    }
}

fn same_emoji(a: &Emoji, b: &Emoji) -> bool {
    match (a.id, b.id) {
        (Some(x), Some(y)) => x == y,
        (None, None) => a.name == b.name,
        _ => false,
    }
}

/// The reference and referenced message of a reply (none for a plain message).
type Reply = (Option<MessageReference>, Option<Option<Box<Message>>>);

fn reply(record: &ChannelRecord, new: &NewMessage) -> Result<Reply, Error> {
    let Some(id) = new.reply_to else {
        return Ok((None, None));
    };
    match record.messages.get(&id) {
        Some(target) => Ok((
            Some(MessageReference {
                kind: 0,
                message_id: Some(id),
                channel_id: Some(record.channel.id),
                guild_id: record.channel.guild_id,
                fail_if_not_exists: None,
            }),
            Some(Some(Box::new(render_message(target, None)))),
        )),
        None if new.fail_if_not_exists.unwrap_or(true) => Err(Error::invalid(
            50035,
            Some("message_reference"),
            "unknown message",
        )),
        None => Ok((None, None)),
    }
}

fn scope_of(channel: &Channel) -> Scope {
    match channel.guild_id {
        Some(guild) => Scope::Guild(guild),
        None => Scope::Private(channel.recipients.iter().map(|u| u.id).collect()),
    }
}

fn timestamp(unix_ms: u64) -> Timestamp {
    Timestamp::from_micros(i64::try_from(unix_ms.saturating_mul(1000)).unwrap_or(i64::MAX))
}

impl Core {
    /// `author` sends a message in `channel` (fans out `MESSAGE_CREATE`);
    /// returns it as REST does.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown user,
    /// channel or replied-to message;
    /// [`Forbidden`](crate::ErrorKind::Forbidden) (50001) when the author is
    /// not in the channel's guild or DM;
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for empty (50006) or
    /// too long (50035) content, more than 10 embeds, a long nonce, or a
    /// channel without text (50008).
    pub fn create_message(
        &mut self,
        now: Instant,
        author: UserId,
        channel: ChannelId,
        new: NewMessage,
    ) -> Result<Message, Error> {
        check_content(&new.content, &new.embeds)?;
        if let Some(Nonce::String(nonce)) = &new.nonce {
            if nonce.chars().count() > MAX_NONCE {
                return Err(Error::invalid(
                    50035,
                    Some("nonce"),
                    "must be 25 or fewer in length",
                ));
            }
        }
        let user = self
            .world
            .user(author)
            .ok_or(Error::not_found(Entity::User))?;
        let record = self.world.writable_channel(author, channel)?;
        if !World::is_text(record.channel.kind) {
            return Err(Error::invalid(
                50008,
                None,
                "cannot send messages in a non-text channel",
            ));
        }
        if new.enforce_nonce && new.nonce.is_some() {
            let repeat = record
                .messages
                .values()
                .rev()
                .take(NONCE_WINDOW)
                .find(|m| m.message.author.id == author && m.message.nonce == new.nonce);
            if let Some(repeat) = repeat {
                return Ok(render_message(repeat, Some(author)));
            }
        }
        let guild = record.channel.guild_id;
        let scope = scope_of(&record.channel);
        let (reference, referenced) = reply(record, &new)?;
        let unix_ms = self.unix_ms(now);
        let id = MessageId::new(self.world.ids.next(unix_ms));
        let (mentions, mention_roles, mention_everyone) = self.mentions(guild, &new.content);
        let message = Message {
            id,
            channel_id: channel,
            guild_id: guild,
            author: user,
            member: guild.and_then(|g| self.world.guilds.get(&g)?.members.get(&author).cloned()),
            content: new.content,
            timestamp: timestamp(unix_ms),
            edited_timestamp: None,
            tts: new.tts,
            mention_everyone,
            mentions,
            mention_roles,
            attachments: Vec::new(),
            embeds: new.embeds,
            reactions: Vec::new(),
            nonce: new.nonce,
            pinned: false,
            webhook_id: None,
            kind: if reference.is_some() { 19 } else { 0 },
            application_id: None,
            flags: Some(0),
            message_reference: reference,
            referenced_message: referenced,
            sticker_items: Vec::new(),
            channel_type: None,
        };
        let stored = StoredMessage {
            message: message.clone(),
            reactions: Vec::new(),
        };
        let history = self.config.message_history.max(1);
        if let Some(record) = self.world.channels.get_mut(&channel) {
            while record.messages.len() >= history {
                record.messages.pop_first();
            }
            record.messages.insert(id, stored);
            record.channel.last_message_id = Some(id);
        }
        self.log_message(channel, id);
        let intents = if guild.is_some() {
            Intents::GUILD_MESSAGES
        } else {
            Intents::DIRECT_MESSAGES
        };
        let mut rest = message.clone();
        rest.member = None;
        self.broadcast(
            now,
            Dispatch::new("MESSAGE_CREATE", scope, Body::message(message)).intents(intents),
        );
        Ok(rest)
    }

    /// The author edits a message (fans out `MESSAGE_UPDATE`). `None`
    /// leaves a field as it is.
    ///
    /// # Errors
    ///
    /// As [`create_message`](Self::create_message), and
    /// [`Forbidden`](crate::ErrorKind::Forbidden) (50005) for another
    /// user's message.
    pub fn edit_message(
        &mut self,
        now: Instant,
        editor: UserId,
        channel: ChannelId,
        message: MessageId,
        content: Option<String>,
        embeds: Option<Vec<Embed>>,
    ) -> Result<Message, Error> {
        let record = self.world.writable_channel(editor, channel)?;
        let stored = record
            .messages
            .get(&message)
            .ok_or(Error::not_found(Entity::Message))?;
        if stored.message.author.id != editor {
            return Err(Error::forbidden(
                50005,
                "cannot edit a message authored by another user",
            ));
        }
        let guild = record.channel.guild_id;
        let scope = scope_of(&record.channel);
        let content = content.unwrap_or_else(|| stored.message.content.clone());
        let embeds = embeds.unwrap_or_else(|| stored.message.embeds.clone());
        check_content(&content, &embeds)?;
        let (mentions, mention_roles, mention_everyone) = self.mentions(guild, &content);
        let edited = Some(timestamp(self.unix_ms(now)));
        let Some(stored) = self
            .world
            .channels
            .get_mut(&channel)
            .and_then(|r| r.messages.get_mut(&message))
        else {
            return Err(Error::not_found(Entity::Message));
        };
        let m = &mut stored.message;
        m.content = content;
        m.embeds = embeds;
        m.mentions = mentions;
        m.mention_roles = mention_roles;
        m.mention_everyone = mention_everyone;
        m.edited_timestamp = edited;
        let rendered = render_message(stored, Some(editor));
        let event = stored.message.clone();
        let intents = if guild.is_some() {
            Intents::GUILD_MESSAGES
        } else {
            Intents::DIRECT_MESSAGES
        };
        self.broadcast(
            now,
            Dispatch::new("MESSAGE_UPDATE", scope, Body::message(event)).intents(intents),
        );
        Ok(rendered)
    }

    /// Deletes a message (fans out `MESSAGE_DELETE`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel or
    /// message, [`Forbidden`](crate::ErrorKind::Forbidden) outside the
    /// channel.
    pub fn delete_message(
        &mut self,
        now: Instant,
        actor: UserId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), Error> {
        let record = self.world.writable_channel(actor, channel)?;
        if !record.messages.contains_key(&message) {
            return Err(Error::not_found(Entity::Message));
        }
        let guild = record.channel.guild_id;
        let scope = scope_of(&record.channel);
        let event = MessageDelete {
            id: message,
            channel_id: channel,
            guild_id: guild,
        };
        let intents = if guild.is_some() {
            Intents::GUILD_MESSAGES
        } else {
            Intents::DIRECT_MESSAGES
        };
        self.broadcast(
            now,
            Dispatch::new("MESSAGE_DELETE", scope, Body::json(&event)).intents(intents),
        );
        if let Some(record) = self.world.channels.get_mut(&channel) {
            record.messages.remove(&message);
        }
        Ok(())
    }

    /// `user` reacts to a message with `emoji` (a Unicode emoji or
    /// `name:id`); fans out `MESSAGE_REACTION_ADD` unless they had reacted
    /// with it already.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel,
    /// message or malformed emoji, [`Forbidden`](crate::ErrorKind::Forbidden)
    /// outside the channel.
    pub fn add_reaction(
        &mut self,
        now: Instant,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), Error> {
        self.react(now, user, channel, message, emoji, true)
    }

    /// Removes `user`'s reaction (fans out `MESSAGE_REACTION_REMOVE` if
    /// there was one).
    ///
    /// # Errors
    ///
    /// As [`add_reaction`](Self::add_reaction).
    pub fn remove_reaction(
        &mut self,
        now: Instant,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), Error> {
        self.react(now, user, channel, message, emoji, false)
    }

    fn react(
        &mut self,
        now: Instant,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
        add: bool,
    ) -> Result<(), Error> {
        let emoji = parse_emoji(emoji)?;
        let record = self.world.writable_channel(user, channel)?;
        let guild = record.channel.guild_id;
        let scope = scope_of(&record.channel);
        let member = guild.and_then(|g| self.world.member(g, user));
        let Some(stored) = self
            .world
            .channels
            .get_mut(&channel)
            .and_then(|r| r.messages.get_mut(&message))
        else {
            return Err(Error::not_found(Entity::Message));
        };
        let author = stored.message.author.id;
        let position = stored
            .reactions
            .iter()
            .position(|r| same_emoji(&r.emoji, &emoji));
        let changed = match (add, position) {
            (true, Some(i)) => stored.reactions.get_mut(i).is_some_and(|r| {
                let new = !r.users.contains(&user);
                if new {
                    r.users.push(user);
                }
                new
            }),
            (true, None) if stored.reactions.len() >= MAX_REACTIONS => {
                return Err(Error::invalid(
                    30010,
                    None,
                    "maximum number of reactions reached (20)",
                ));
            }
            (true, None) => {
                stored.reactions.push(StoredReaction {
                    emoji: emoji.clone(),
                    users: vec![user],
                });
                true
            }
            (false, Some(i)) => stored.reactions.get_mut(i).is_some_and(|r| {
                let before = r.users.len();
                r.users.retain(|u| *u != user);
                r.users.len() != before
            }),
            (false, None) => false,
        };
        if !changed {
            return Ok(());
        }
        let event = ReactionChange {
            user_id: user,
            channel_id: channel,
            message_id: message,
            guild_id: guild,
            member: if add { member } else { None },
            emoji,
            message_author_id: add.then_some(author),
            burst: false,
            burst_colors: Vec::new(),
            kind: 0,
        };
        let (t, intents) = match (add, guild.is_some()) {
            (true, true) => ("MESSAGE_REACTION_ADD", Intents::GUILD_MESSAGE_REACTIONS),
            (true, false) => ("MESSAGE_REACTION_ADD", Intents::DIRECT_MESSAGE_REACTIONS),
            (false, true) => ("MESSAGE_REACTION_REMOVE", Intents::GUILD_MESSAGE_REACTIONS),
            (false, false) => ("MESSAGE_REACTION_REMOVE", Intents::DIRECT_MESSAGE_REACTIONS),
        };
        self.broadcast(
            now,
            Dispatch::new(t, scope, Body::json(&event)).intents(intents),
        );
        Ok(())
    }

    /// `user` starts typing in `channel` (fans out `TYPING_START`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel,
    /// [`Forbidden`](crate::ErrorKind::Forbidden) outside it.
    pub fn typing(&mut self, now: Instant, user: UserId, channel: ChannelId) -> Result<(), Error> {
        let record = self.world.writable_channel(user, channel)?;
        let guild = record.channel.guild_id;
        let scope = scope_of(&record.channel);
        let event = TypingStart {
            channel_id: channel,
            guild_id: guild,
            user_id: user,
            timestamp: self.unix_ms(now) / 1000,
            member: guild.and_then(|g| self.world.member(g, user)),
        };
        let intents = if guild.is_some() {
            Intents::GUILD_MESSAGE_TYPING
        } else {
            Intents::DIRECT_MESSAGE_TYPING
        };
        self.broadcast(
            now,
            Dispatch::new("TYPING_START", scope, Body::json(&event)).intents(intents),
        );
        Ok(())
    }

    /// Adds a simulated human (no event: they are in no guild yet).
    pub fn create_user(&mut self, now: Instant, name: &str) -> User {
        let unix_ms = self.unix_ms(now);
        let id = self.world.add_user_at(unix_ms, name, None);
        self.world.user(id).unwrap_or_default()
    }

    /// Adds a bot (application and bot user) with `token` and application
    /// `flags`; returns the bot's user.
    pub fn create_bot(&mut self, now: Instant, name: &str, token: &str, flags: u64) -> User {
        let unix_ms = self.unix_ms(now);
        let id = self.world.add_bot_at(unix_ms, name, token, flags, None);
        self.world.user(id).unwrap_or_default()
    }

    /// Creates a guild owned by `owner` with a `#general` channel and
    /// `members` (the owner is always one); bots among them get its
    /// `GUILD_CREATE`.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown user.
    pub fn create_guild(
        &mut self,
        now: Instant,
        name: &str,
        owner: UserId,
        members: &[UserId],
    ) -> Result<Guild, Error> {
        if std::iter::once(&owner)
            .chain(members)
            .any(|u| !self.world.users.contains_key(u))
        {
            return Err(Error::not_found(Entity::User));
        }
        let unix_ms = self.unix_ms(now);
        let guild = self.world.add_guild_at(unix_ms, name, owner, None);
        self.world
            .add_channel_at(unix_ms, guild, "general", 0, None)?;
        for member in members {
            self.world.add_member_at(unix_ms, guild, *member)?;
        }
        let bots: Vec<UserId> = std::iter::once(owner)
            .chain(members.iter().copied())
            .filter(|u| self.world.bot(*u).is_some())
            .collect();
        for bot in bots {
            self.announce_guild(now, bot, guild);
        }
        self.world
            .guild(guild)
            .ok_or(Error::not_found(Entity::Guild))
    }

    /// Deletes a guild; its bots get `GUILD_DELETE` (without `unavailable`:
    /// they are no longer in it).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild.
    pub fn delete_guild(&mut self, now: Instant, guild: GuildId) -> Result<(), Error> {
        if !self.world.guilds.contains_key(&guild) {
            return Err(Error::not_found(Entity::Guild));
        }
        let d = serde_json::json!({ "id": guild });
        self.broadcast(
            now,
            Dispatch::new("GUILD_DELETE", Scope::Guild(guild), Body::json(&d))
                .intents(Intents::GUILDS),
        );
        if self.world.guilds.remove(&guild).is_some() {
            // Threads are not in the guild's channel list; this takes them too.
            self.world
                .channels
                .retain(|_, r| r.channel.guild_id != Some(guild));
        }
        Ok(())
    }

    /// Adds a channel to a guild (fans out `CHANNEL_CREATE`); `kind` is
    /// Discord's channel type.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild.
    pub fn create_channel(
        &mut self,
        now: Instant,
        guild: GuildId,
        name: &str,
        kind: u8,
    ) -> Result<Channel, Error> {
        let unix_ms = self.unix_ms(now);
        let id = self
            .world
            .add_channel_at(unix_ms, guild, name, kind, None)?;
        let channel = self
            .world
            .channel(id)
            .ok_or(Error::not_found(Entity::Channel))?;
        self.broadcast(
            now,
            Dispatch::new("CHANNEL_CREATE", Scope::Guild(guild), Body::json(&channel))
                .intents(Intents::GUILDS),
        );
        Ok(channel)
    }

    /// Deletes a guild channel (fans out `CHANNEL_DELETE`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel or
    /// a DM.
    pub fn delete_channel(&mut self, now: Instant, channel: ChannelId) -> Result<(), Error> {
        let record = self
            .world
            .channels
            .get(&channel)
            .ok_or(Error::not_found(Entity::Channel))?;
        let Some(guild) = record.channel.guild_id else {
            return Err(Error::not_found(Entity::Channel));
        };
        if record.channel.is_thread() {
            return self.delete_thread(now, channel);
        }
        let body = Body::json(&record.channel);
        self.broadcast(
            now,
            Dispatch::new("CHANNEL_DELETE", Scope::Guild(guild), body).intents(Intents::GUILDS),
        );
        self.world.channels.remove(&channel);
        // Its threads go with it; bots hear only the CHANNEL_DELETE.
        self.world
            .channels
            .retain(|_, r| !(r.channel.is_thread() && r.channel.parent_id == Some(channel)));
        if let Some(g) = self.world.guilds.get_mut(&guild) {
            g.channels.retain(|c| *c != channel);
            if g.guild.system_channel_id == Some(channel) {
                g.guild.system_channel_id = None;
            }
        }
        Ok(())
    }

    /// `owner` starts a public thread (type 11) in a text or announcement
    /// channel (fans out `THREAD_CREATE` with `newly_created: true`, with
    /// `GUILDS`). Messages are sent in it like in any channel; active
    /// threads are listed in `GUILD_CREATE`'s `threads`.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel,
    /// a DM or an unknown user; [`Forbidden`](crate::ErrorKind::Forbidden)
    /// (50001) when `owner` is not in the guild;
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for a name
    /// outside 1–100 characters, 50024 for a parent that cannot have threads.
    pub fn create_thread(
        &mut self,
        now: Instant,
        channel: ChannelId,
        name: &str,
        owner: UserId,
    ) -> Result<Channel, Error> {
        if !(1..=100).contains(&name.chars().count()) {
            return Err(Error::invalid(
                50035,
                Some("name"),
                "must be between 1 and 100 in length",
            ));
        }
        if !self.world.users.contains_key(&owner) {
            return Err(Error::not_found(Entity::User));
        }
        let parent = &self.world.writable_channel(owner, channel)?.channel;
        let Some(guild) = parent.guild_id else {
            return Err(Error::not_found(Entity::Channel));
        };
        if !matches!(parent.kind, 0 | 5) {
            return Err(Error::invalid(
                50024,
                None,
                "cannot execute action on this channel type",
            ));
        }
        let unix_ms = self.unix_ms(now);
        let id = ChannelId::new(self.world.ids.next(unix_ms));
        let thread = Channel {
            id,
            kind: PUBLIC_THREAD,
            guild_id: Some(guild),
            name: Some(name.to_owned()),
            parent_id: Some(channel),
            owner_id: Some(owner),
            rate_limit_per_user: Some(0),
            flags: Some(0),
            thread_metadata: Some(ThreadMetadata {
                archived: false,
                auto_archive_duration: AUTO_ARCHIVE_MINUTES,
                archive_timestamp: timestamp(unix_ms),
                locked: false,
                invitable: None,
                create_timestamp: Some(timestamp(unix_ms)),
            }),
            ..Channel::default()
        };
        self.world.channels.insert(
            id,
            ChannelRecord {
                channel: thread.clone(),
                messages: std::collections::BTreeMap::new(),
            },
        );
        let mut event = thread.clone();
        event.newly_created = Some(true);
        self.broadcast(
            now,
            Dispatch::new("THREAD_CREATE", Scope::Guild(guild), Body::json(&event))
                .intents(Intents::GUILDS),
        );
        Ok(thread)
    }

    /// Renames and/or archives or unarchives a thread (fans out
    /// `THREAD_UPDATE`, with `GUILDS`). `None` leaves a field as it is; a
    /// change of `archived` moves `archive_timestamp`.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown thread (or
    /// a channel that is not one);
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for a name
    /// outside 1–100 characters.
    pub fn update_thread(
        &mut self,
        now: Instant,
        thread: ChannelId,
        name: Option<&str>,
        archived: Option<bool>,
    ) -> Result<Channel, Error> {
        if name.is_some_and(|n| !(1..=100).contains(&n.chars().count())) {
            return Err(Error::invalid(
                50035,
                Some("name"),
                "must be between 1 and 100 in length",
            ));
        }
        let unix_ms = self.unix_ms(now);
        let record = self
            .world
            .channels
            .get_mut(&thread)
            .filter(|r| r.channel.is_thread())
            .ok_or(Error::not_found(Entity::Channel))?;
        let Some(guild) = record.channel.guild_id else {
            return Err(Error::not_found(Entity::Channel));
        };
        if let Some(name) = name {
            record.channel.name = Some(name.to_owned());
        }
        if let (Some(archived), Some(meta)) = (archived, record.channel.thread_metadata.as_mut()) {
            if meta.archived != archived {
                meta.archived = archived;
                meta.archive_timestamp = timestamp(unix_ms);
            }
        }
        let updated = record.channel.clone();
        self.broadcast(
            now,
            Dispatch::new("THREAD_UPDATE", Scope::Guild(guild), Body::json(&updated))
                .intents(Intents::GUILDS),
        );
        Ok(updated)
    }

    /// Archives a thread: [`update_thread`](Self::update_thread) with
    /// `archived: true`.
    ///
    /// # Errors
    ///
    /// As [`update_thread`](Self::update_thread).
    pub fn archive_thread(&mut self, now: Instant, thread: ChannelId) -> Result<Channel, Error> {
        self.update_thread(now, thread, None, Some(true))
    }

    /// Deletes a thread and its messages (fans out `THREAD_DELETE` with
    /// `{id, guild_id, parent_id, type}`, with `GUILDS`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown thread (or
    /// a channel that is not one).
    pub fn delete_thread(&mut self, now: Instant, thread: ChannelId) -> Result<(), Error> {
        let record = self
            .world
            .channels
            .get(&thread)
            .filter(|r| r.channel.is_thread())
            .ok_or(Error::not_found(Entity::Channel))?;
        let Some(guild) = record.channel.guild_id else {
            return Err(Error::not_found(Entity::Channel));
        };
        let event = ThreadDelete {
            id: thread,
            guild_id: guild,
            parent_id: record.channel.parent_id,
            kind: record.channel.kind,
        };
        self.broadcast(
            now,
            Dispatch::new("THREAD_DELETE", Scope::Guild(guild), Body::json(&event))
                .intents(Intents::GUILDS),
        );
        self.world.channels.remove(&thread);
        Ok(())
    }

    /// Makes `user` a member of `guild` (fans out `GUILD_MEMBER_ADD`; a bot
    /// also gets the guild's `GUILD_CREATE`). A member already in the guild
    /// is returned unchanged, with no event.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild or user.
    pub fn add_member(
        &mut self,
        now: Instant,
        guild: GuildId,
        user: UserId,
    ) -> Result<Member, Error> {
        let unix_ms = self.unix_ms(now);
        if self.world.add_member_at(unix_ms, guild, user)?.is_some() {
            if self.world.bot(user).is_some() {
                self.announce_guild(now, user, guild);
            }
            let member = self.world.member(guild, user).unwrap_or_default();
            let event = MemberAdd {
                guild_id: guild,
                member,
            };
            self.broadcast(
                now,
                Dispatch::new("GUILD_MEMBER_ADD", Scope::Guild(guild), Body::json(&event))
                    .intents(Intents::GUILD_MEMBERS)
                    .skip(user),
            );
        }
        self.world
            .member(guild, user)
            .ok_or(Error::not_found(Entity::Member))
    }

    /// Removes `user` from `guild` (fans out `GUILD_MEMBER_REMOVE`; a bot
    /// gets `GUILD_DELETE`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild or member.
    pub fn remove_member(
        &mut self,
        now: Instant,
        guild: GuildId,
        user: UserId,
    ) -> Result<(), Error> {
        if !self.world.guilds.contains_key(&guild) {
            return Err(Error::not_found(Entity::Guild));
        }
        if !self.world.is_member(guild, user) {
            return Err(Error::not_found(Entity::Member));
        }
        let event = MemberRemove {
            guild_id: guild,
            user: self.world.user(user).unwrap_or_default(),
        };
        self.broadcast(
            now,
            Dispatch::new(
                "GUILD_MEMBER_REMOVE",
                Scope::Guild(guild),
                Body::json(&event),
            )
            .intents(Intents::GUILD_MEMBERS)
            .skip(user),
        );
        if self.world.bot(user).is_some() {
            let d = to_json(&serde_json::json!({ "id": guild }));
            let keys: Vec<u64> = self
                .sessions
                .iter()
                .filter(|(_, s)| {
                    s.user == user && s.routes(guild) && s.intents.contains(Intents::GUILDS)
                })
                .map(|(k, _)| *k)
                .collect();
            for key in keys {
                self.deliver(now, key, "GUILD_DELETE", Arc::clone(&d), true);
            }
        }
        if let Ok(record) = self.world.guild_record_mut(guild) {
            record.members.remove(&user);
            record.voice.remove(&user);
        }
        Ok(())
    }

    /// Adds a role to a guild (fans out `GUILD_ROLE_CREATE`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild.
    pub fn create_role(
        &mut self,
        now: Instant,
        guild: GuildId,
        name: &str,
        permissions: Permissions,
    ) -> Result<Role, Error> {
        let unix_ms = self.unix_ms(now);
        let role = self.world.add_role_at(unix_ms, guild, name, permissions)?;
        let event = RoleUpsert {
            guild_id: guild,
            role: role.clone(),
        };
        self.broadcast(
            now,
            Dispatch::new("GUILD_ROLE_CREATE", Scope::Guild(guild), Body::json(&event))
                .intents(Intents::GUILDS),
        );
        Ok(role)
    }

    /// Deletes a role (fans out `GUILD_ROLE_DELETE`); members lose it.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild or
    /// role; [`InvalidInput`](crate::ErrorKind::InvalidInput) for
    /// `@everyone`.
    pub fn delete_role(&mut self, now: Instant, guild: GuildId, role: RoleId) -> Result<(), Error> {
        if role.get() == guild.get() {
            return Err(Error::invalid(
                50035,
                Some("role_id"),
                "the @everyone role cannot be deleted",
            ));
        }
        let record = self.world.guild_record_mut(guild)?;
        if !record.guild.roles.iter().any(|r| r.id == role) {
            return Err(Error::not_found(Entity::Role));
        }
        record.guild.roles.retain(|r| r.id != role);
        for member in record.members.values_mut() {
            member.roles.retain(|r| *r != role);
        }
        let event = RoleDelete {
            guild_id: guild,
            role_id: role,
        };
        self.broadcast(
            now,
            Dispatch::new("GUILD_ROLE_DELETE", Scope::Guild(guild), Body::json(&event))
                .intents(Intents::GUILDS),
        );
        Ok(())
    }

    /// Sets a member's roles (fans out `GUILD_MEMBER_UPDATE`; a bot gets
    /// its own update even without `GUILD_MEMBERS`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild,
    /// member or role.
    pub fn set_member_roles(
        &mut self,
        now: Instant,
        guild: GuildId,
        user: UserId,
        roles: Vec<RoleId>,
    ) -> Result<Member, Error> {
        let record = self.world.guild_record_mut(guild)?;
        if roles
            .iter()
            .any(|r| !record.guild.roles.iter().any(|known| known.id == *r))
        {
            return Err(Error::not_found(Entity::Role));
        }
        let member = record
            .members
            .get_mut(&user)
            .ok_or(Error::not_found(Entity::Member))?;
        member.roles = roles;
        Ok(self.announce_member(now, guild, user))
    }

    /// Sets or clears (`None`) a member's nickname (fans out
    /// `GUILD_MEMBER_UPDATE`; a bot gets its own update even without
    /// `GUILD_MEMBERS`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild or
    /// member; [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for
    /// a nickname longer than 32 characters.
    pub fn set_nick(
        &mut self,
        now: Instant,
        guild: GuildId,
        user: UserId,
        nick: Option<String>,
    ) -> Result<Member, Error> {
        // Discord treats an empty nickname as clearing it.
        let nick = nick.filter(|n| !n.is_empty());
        if nick.as_ref().is_some_and(|n| n.chars().count() > MAX_NICK) {
            return Err(Error::invalid(
                50035,
                Some("nick"),
                "must be 32 or fewer in length",
            ));
        }
        let record = self.world.guild_record_mut(guild)?;
        let member = record
            .members
            .get_mut(&user)
            .ok_or(Error::not_found(Entity::Member))?;
        member.nick = nick;
        Ok(self.announce_member(now, guild, user))
    }

    /// Fans out a member's `GUILD_MEMBER_UPDATE` and returns the member.
    fn announce_member(&mut self, now: Instant, guild: GuildId, user: UserId) -> Member {
        let member = self.world.member(guild, user).unwrap_or_default();
        let event = MemberUpdate {
            guild_id: guild,
            roles: member.roles.clone(),
            user: member.user.clone().unwrap_or_default(),
            nick: Some(member.nick.clone()),
            avatar: member.avatar.clone(),
            joined_at: member.joined_at,
            premium_since: member.premium_since,
            deaf: Some(member.deaf),
            mute: Some(member.mute),
            pending: member.pending,
            communication_disabled_until: member.communication_disabled_until,
            flags: Some(member.flags),
        };
        self.broadcast(
            now,
            Dispatch::new(
                "GUILD_MEMBER_UPDATE",
                Scope::Guild(guild),
                Body::json(&event),
            )
            .intents(Intents::GUILD_MEMBERS)
            .exempt(user),
        );
        member
    }

    /// Renames a guild (fans out `GUILD_UPDATE`, with `GUILDS`).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild;
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for a name
    /// outside 2–100 characters.
    pub fn update_guild(
        &mut self,
        now: Instant,
        guild: GuildId,
        name: &str,
    ) -> Result<Guild, Error> {
        if !(2..=100).contains(&name.chars().count()) {
            return Err(Error::invalid(
                50035,
                Some("name"),
                "must be between 2 and 100 in length",
            ));
        }
        let record = self.world.guild_record_mut(guild)?;
        name.clone_into(&mut record.guild.name);
        let updated = record.guild.clone();
        self.broadcast(
            now,
            Dispatch::new("GUILD_UPDATE", Scope::Guild(guild), Body::json(&updated))
                .intents(Intents::GUILDS),
        );
        Ok(updated)
    }

    /// Changes a guild channel's name and topic (fans out `CHANNEL_UPDATE`,
    /// with `GUILDS`). `None` leaves a field as it is; an empty topic
    /// clears it.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown channel or
    /// a DM; [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for a
    /// name outside 1–100 characters or a topic above 1024.
    pub fn update_channel(
        &mut self,
        now: Instant,
        channel: ChannelId,
        name: Option<&str>,
        topic: Option<&str>,
    ) -> Result<Channel, Error> {
        if name.is_some_and(|n| !(1..=100).contains(&n.chars().count())) {
            return Err(Error::invalid(
                50035,
                Some("name"),
                "must be between 1 and 100 in length",
            ));
        }
        if topic.is_some_and(|t| t.chars().count() > MAX_TOPIC) {
            return Err(Error::invalid(
                50035,
                Some("topic"),
                "must be 1024 or fewer in length",
            ));
        }
        let record = self
            .world
            .channels
            .get_mut(&channel)
            .ok_or(Error::not_found(Entity::Channel))?;
        let Some(guild) = record.channel.guild_id else {
            return Err(Error::not_found(Entity::Channel));
        };
        if let Some(name) = name {
            record.channel.name = Some(name.to_owned());
        }
        if let Some(topic) = topic {
            record.channel.topic = Some(topic.to_owned()).filter(|t| !t.is_empty());
        }
        let updated = record.channel.clone();
        self.broadcast(
            now,
            Dispatch::new("CHANNEL_UPDATE", Scope::Guild(guild), Body::json(&updated))
                .intents(Intents::GUILDS),
        );
        Ok(updated)
    }

    /// Changes a role's name and permissions (fans out `GUILD_ROLE_UPDATE`,
    /// with `GUILDS`). `None` leaves a field as it is.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown guild or
    /// role; [`InvalidInput`](crate::ErrorKind::InvalidInput) (50035) for a
    /// name above 100 characters.
    pub fn update_role(
        &mut self,
        now: Instant,
        guild: GuildId,
        role: RoleId,
        name: Option<&str>,
        permissions: Option<Permissions>,
    ) -> Result<Role, Error> {
        if name.is_some_and(|n| n.chars().count() > 100) {
            return Err(Error::invalid(
                50035,
                Some("name"),
                "must be 100 or fewer in length",
            ));
        }
        let record = self.world.guild_record_mut(guild)?;
        let stored = record
            .guild
            .roles
            .iter_mut()
            .find(|r| r.id == role)
            .ok_or(Error::not_found(Entity::Role))?;
        if let Some(name) = name {
            name.clone_into(&mut stored.name);
        }
        if let Some(permissions) = permissions {
            stored.permissions = permissions;
        }
        let updated = stored.clone();
        let event = RoleUpsert {
            guild_id: guild,
            role: updated.clone(),
        };
        self.broadcast(
            now,
            Dispatch::new("GUILD_ROLE_UPDATE", Scope::Guild(guild), Body::json(&event))
                .intents(Intents::GUILDS),
        );
        Ok(updated)
    }

    /// Sets a user's presence (fans out `PRESENCE_UPDATE` in each of their
    /// guilds to sessions with `GUILD_PRESENCES`). `Invisible` looks
    /// offline to others.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown user.
    pub fn set_presence(
        &mut self,
        now: Instant,
        user: UserId,
        status: Status,
        activities: Vec<Activity>,
    ) -> Result<(), Error> {
        let record = self
            .world
            .users
            .get_mut(&user)
            .ok_or(Error::not_found(Entity::User))?;
        record.status = status;
        record.activities = activities;
        for guild in self.world.guilds_of(user) {
            let Some(presence) = presence_of(&self.world, user, Some(guild)) else {
                continue;
            };
            self.broadcast(
                now,
                Dispatch::new(
                    "PRESENCE_UPDATE",
                    Scope::Guild(guild),
                    Body::json(&presence),
                )
                .intents(Intents::GUILD_PRESENCES),
            );
        }
        Ok(())
    }

    /// Opens (or finds) the DM channel between two users (no event, as on
    /// Discord).
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown user.
    pub fn open_dm(&mut self, now: Instant, a: UserId, b: UserId) -> Result<Channel, Error> {
        let unix_ms = self.unix_ms(now);
        let id = self.world.dm_channel_at(unix_ms, a, b)?;
        self.world
            .channel(id)
            .ok_or(Error::not_found(Entity::Channel))
    }

    /// Users and roles mentioned in `content`, as the message's
    /// `mentions`, `mention_roles` and `mention_everyone`.
    fn mentions(&self, guild: Option<GuildId>, content: &str) -> (Vec<Mention>, Vec<RoleId>, bool) {
        let (users, roles, everyone) = parse_mentions(content);
        let mentions = users
            .into_iter()
            .filter_map(|id| {
                let id = UserId::new(id);
                let user = self.world.users.get(&id)?.user.clone();
                Some(Mention {
                    id,
                    username: user.username,
                    discriminator: user.discriminator,
                    global_name: user.global_name,
                    avatar: user.avatar,
                    bot: user.bot,
                    public_flags: user.public_flags,
                    member: guild
                        .and_then(|g| self.world.guilds.get(&g)?.members.get(&id).cloned()),
                })
            })
            .collect();
        let known_roles = guild
            .and_then(|g| self.world.guilds.get(&g))
            .map(|g| g.guild.roles.iter().map(|r| r.id).collect::<Vec<_>>())
            .unwrap_or_default();
        let roles = roles
            .into_iter()
            .map(RoleId::new)
            .filter(|r| known_roles.contains(r))
            .collect();
        (mentions, roles, everyone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_parsed() {
        let (users, roles, everyone) =
            parse_mentions("hi <@12> and <@!34> <@&56> <@bad> <@12> @here");
        assert_eq!(users, vec![12, 34]);
        assert_eq!(roles, vec![56]);
        assert!(everyone);
        assert_eq!(parse_mentions("<@"), (vec![], vec![], false));
        assert_eq!(parse_mentions("<@1"), (vec![], vec![], false));
    }

    #[test]
    fn emoji_forms() {
        assert_eq!(parse_emoji("🔥").unwrap().name.as_deref(), Some("🔥"));
        let custom = parse_emoji("party:123").unwrap();
        assert_eq!(
            (custom.id, custom.name.as_deref()),
            (Some(EmojiId::new(123)), Some("party"))
        );
        assert!(parse_emoji("party:x").is_err());
        assert!(parse_emoji("").is_err());
    }

    #[test]
    fn content_limits() {
        assert!(check_content(&"a".repeat(2000), &[]).is_ok());
        assert!(
            check_content(&"é".repeat(2000), &[]).is_ok(),
            "characters, not bytes"
        );
        let long = check_content(&"a".repeat(2001), &[]).unwrap_err();
        assert!(matches!(
            long.kind(),
            crate::ErrorKind::InvalidInput { code: 50035, .. }
        ));
        let empty = check_content("  ", &[]).unwrap_err();
        assert!(matches!(
            empty.kind(),
            crate::ErrorKind::InvalidInput { code: 50006, .. }
        ));
    }
}
