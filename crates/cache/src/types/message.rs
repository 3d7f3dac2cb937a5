//! Messages and their reactions.

use std::sync::Arc;

use tether_model::Timestamp;
use tether_model::gateway::event::MessageUpdate;
use tether_model::guild::Emoji;
use tether_model::id::{
    ApplicationId, ChannelId, EmojiId, GuildId, MessageId, RoleId, UserId, WebhookId,
};
use tether_model::message::{Attachment, Embed, Message, MessageReference, StickerItem};

use super::{CachedUser, OptTime};

/// How many different emojis a message's reactions may have (Discord
/// allows 20): past this, reactions with new emojis are not kept, so that
/// a stream of events cannot grow one message without bound.
const MAX_REACTIONS: usize = 100;

/// How many reacting users a reaction remembers, so that a reaction
/// delivered twice is counted once. Past this many, further reactions are
/// counted without that check: a bound on memory for a message thousands
/// react to.
const KNOWN_REACTORS: usize = 100;

/// A message.
///
/// Its [`author`](Self::author) is the user as of the last event that
/// carried the message; the cache's [`user`](crate::CacheView::user) is
/// the user as of the last event of any kind.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedMessage {
    id: MessageId,
    channel_id: ChannelId,
    guild_id: Option<GuildId>,
    author: Arc<CachedUser>,
    webhook_id: Option<WebhookId>,
    application_id: Option<ApplicationId>,
    flags: Option<u64>,
    timestamp: Timestamp,
    edited_timestamp: OptTime,
    content: Box<str>,
    mentions: Box<[UserId]>,
    mention_roles: Box<[RoleId]>,
    attachments: Box<[Attachment]>,
    embeds: Box<[Embed]>,
    reactions: Box<[CachedReaction]>,
    sticker_items: Box<[StickerItem]>,
    message_reference: Option<Box<MessageReference>>,
    kind: u8,
    tts: bool,
    mention_everyone: bool,
    pinned: bool,
}

impl CachedMessage {
    pub(crate) fn new(message: &Message, author: Arc<CachedUser>) -> Self {
        Self {
            id: message.id,
            channel_id: message.channel_id,
            guild_id: message.guild_id,
            author,
            webhook_id: message.webhook_id,
            application_id: message.application_id,
            flags: message.flags,
            timestamp: message.timestamp,
            edited_timestamp: OptTime::new(message.edited_timestamp),
            content: Box::from(message.content.as_str()),
            mentions: message.mentions.iter().map(|m| m.id).collect(),
            mention_roles: message.mention_roles.as_slice().into(),
            attachments: message.attachments.as_slice().into(),
            embeds: message.embeds.as_slice().into(),
            reactions: message
                .reactions
                .iter()
                .map(|r| CachedReaction {
                    emoji: ReactionEmoji::new(&r.emoji),
                    count: r.count,
                    me: r.me,
                    reactors: Box::new([]),
                })
                .collect(),
            sticker_items: message.sticker_items.as_slice().into(),
            message_reference: message.message_reference.clone().map(Box::new),
            kind: message.kind,
            tts: message.tts,
            mention_everyone: message.mention_everyone,
            pinned: message.pinned,
        }
    }

    /// This message with a `MESSAGE_UPDATE` merged in: present fields
    /// replace, absent ones stay.
    pub(crate) fn updated(&self, update: &MessageUpdate, author: Option<Arc<CachedUser>>) -> Self {
        let mut new = self.clone();
        if let Some(author) = author {
            new.author = author;
        }
        if let Some(content) = &update.content {
            new.content = Box::from(content.as_str());
        }
        if let Some(edited) = update.edited_timestamp {
            new.edited_timestamp = OptTime::new(edited);
        }
        if let Some(mentions) = &update.mentions {
            new.mentions = mentions.iter().map(|m| m.id).collect();
        }
        if let Some(roles) = &update.mention_roles {
            new.mention_roles = roles.as_slice().into();
        }
        if let Some(everyone) = update.mention_everyone {
            new.mention_everyone = everyone;
        }
        if let Some(attachments) = &update.attachments {
            new.attachments = attachments.as_slice().into();
        }
        if let Some(embeds) = &update.embeds {
            new.embeds = embeds.as_slice().into();
        }
        if let Some(pinned) = update.pinned {
            new.pinned = pinned;
        }
        if update.flags.is_some() {
            new.flags = update.flags;
        }
        new
    }

    /// This message with `user`'s reaction added; `None` when it was
    /// counted already (a repeated event) or the message has too many
    /// emojis.
    pub(crate) fn with_reaction(&self, emoji: &Emoji, user: UserId, is_me: bool) -> Option<Self> {
        let mut reactions = self.reactions.to_vec();
        if let Some(reaction) = reactions.iter_mut().find(|r| r.emoji.is(emoji)) {
            reaction.add(user, is_me)?;
        } else if reactions.len() < MAX_REACTIONS {
            let mut reaction = CachedReaction {
                emoji: ReactionEmoji::new(emoji),
                count: 0,
                me: false,
                reactors: Box::new([]),
            };
            reaction.add(user, is_me)?;
            reactions.push(reaction);
        } else {
            return None;
        }
        Some(Self {
            reactions: reactions.into(),
            ..self.clone()
        })
    }

    /// This message with `user`'s reaction removed; `None` when it was not
    /// counted (a repeated event).
    pub(crate) fn without_reaction(
        &self,
        emoji: &Emoji,
        user: UserId,
        is_me: bool,
    ) -> Option<Self> {
        let mut reactions = self.reactions.to_vec();
        let reaction = reactions.iter_mut().find(|r| r.emoji.is(emoji))?;
        reaction.remove(user, is_me)?;
        reactions.retain(|r| r.count > 0);
        Some(Self {
            reactions: reactions.into(),
            ..self.clone()
        })
    }

    /// This message without any reaction of `emoji` (or any at all), if it
    /// had some.
    pub(crate) fn without_reactions(&self, emoji: Option<&Emoji>) -> Option<Self> {
        let reactions: Box<[CachedReaction]> = match emoji {
            Some(emoji) => self
                .reactions
                .iter()
                .filter(|r| !r.emoji.is(emoji))
                .cloned()
                .collect(),
            None => Box::new([]),
        };
        (reactions.len() != self.reactions.len()).then(|| Self {
            reactions,
            ..self.clone()
        })
    }

    /// Message id.
    pub fn id(&self) -> MessageId {
        self.id
    }

    /// Channel it was sent in.
    pub fn channel_id(&self) -> ChannelId {
        self.channel_id
    }

    /// Guild, `None` for DMs.
    pub fn guild_id(&self) -> Option<GuildId> {
        self.guild_id
    }

    /// Author; for webhooks, the webhook's name and avatar.
    pub fn author(&self) -> &Arc<CachedUser> {
        &self.author
    }

    /// Webhook that sent it.
    pub fn webhook_id(&self) -> Option<WebhookId> {
        self.webhook_id
    }

    /// Application of an interaction or webhook message.
    pub fn application_id(&self) -> Option<ApplicationId> {
        self.application_id
    }

    /// Message flags.
    pub fn flags(&self) -> Option<u64> {
        self.flags
    }

    /// When it was sent.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// When it was last edited.
    pub fn edited_timestamp(&self) -> Option<Timestamp> {
        self.edited_timestamp.get()
    }

    /// Text (empty without the `MESSAGE_CONTENT` intent, unless the message
    /// mentions the bot or is a DM).
    pub fn content(&self) -> &str {
        &self.content
    }

    /// Mentioned users.
    pub fn mentions(&self) -> &[UserId] {
        &self.mentions
    }

    /// Mentioned roles.
    pub fn mention_roles(&self) -> &[RoleId] {
        &self.mention_roles
    }

    /// Attached files.
    pub fn attachments(&self) -> &[Attachment] {
        &self.attachments
    }

    /// Embeds.
    pub fn embeds(&self) -> &[Embed] {
        &self.embeds
    }

    /// Reactions, in the order they were first added.
    pub fn reactions(&self) -> &[CachedReaction] {
        &self.reactions
    }

    /// Stickers sent with it.
    pub fn sticker_items(&self) -> &[StickerItem] {
        &self.sticker_items
    }

    /// The message this one replies to or forwards.
    pub fn message_reference(&self) -> Option<&MessageReference> {
        self.message_reference.as_deref()
    }

    /// Message type (0 default, 19 reply, …).
    pub fn kind(&self) -> u8 {
        self.kind
    }

    /// Text-to-speech.
    pub fn tts(&self) -> bool {
        self.tts
    }

    /// Whether it mentions @everyone.
    pub fn mention_everyone(&self) -> bool {
        self.mention_everyone
    }

    /// Whether it is pinned.
    pub fn pinned(&self) -> bool {
        self.pinned
    }
}

/// The reactions of one emoji on a message.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct CachedReaction {
    emoji: ReactionEmoji,
    count: u32,
    me: bool,
    /// Users other than the bot seen reacting, up to [`KNOWN_REACTORS`].
    reactors: Box<[UserId]>,
}

impl CachedReaction {
    /// The emoji.
    pub fn emoji(&self) -> &ReactionEmoji {
        &self.emoji
    }

    /// How many users reacted with it.
    pub fn count(&self) -> u32 {
        self.count
    }

    /// Whether the bot reacted with it.
    pub fn me(&self) -> bool {
        self.me
    }

    /// Some of the users (other than the bot) who reacted: those the cache
    /// saw react, up to a hundred.
    pub fn known_users(&self) -> &[UserId] {
        &self.reactors
    }

    /// Counts `user`'s reaction; `None` if it was counted already.
    fn add(&mut self, user: UserId, is_me: bool) -> Option<()> {
        if is_me {
            if self.me {
                return None;
            }
            self.me = true;
        } else {
            if self.reactors.contains(&user) {
                return None;
            }
            if self.reactors.len() < KNOWN_REACTORS {
                let mut reactors = self.reactors.to_vec();
                reactors.push(user);
                self.reactors = reactors.into();
            }
        }
        self.count = self.count.saturating_add(1);
        Some(())
    }

    /// Uncounts `user`'s reaction; `None` if it cannot have been counted.
    fn remove(&mut self, user: UserId, is_me: bool) -> Option<()> {
        if is_me {
            if !self.me {
                return None;
            }
            self.me = false;
        } else if self.reactors.contains(&user) {
            self.reactors = self
                .reactors
                .iter()
                .copied()
                .filter(|u| *u != user)
                .collect();
        } else {
            // Reactions the cache did not see (in the create payload, or
            // past the bound) may include this user's.
            let seen = self.reactors.len() + usize::from(self.me);
            if usize::try_from(self.count).unwrap_or(usize::MAX) <= seen {
                return None;
            }
        }
        self.count = self.count.saturating_sub(1);
        Some(())
    }
}

/// A reaction's emoji: a guild's custom emoji or a Unicode one.
#[derive(Clone, Debug, Eq, Hash, PartialEq)]
pub enum ReactionEmoji {
    /// A custom emoji, told apart by id.
    Custom {
        /// Emoji id.
        id: EmojiId,
        /// Name, absent for emojis of deleted guilds.
        name: Option<Box<str>>,
        /// Whether it is animated.
        animated: bool,
    },
    /// A Unicode emoji, told apart by its text.
    Unicode(Box<str>),
}

impl ReactionEmoji {
    fn new(emoji: &Emoji) -> Self {
        match emoji.id {
            Some(id) => Self::Custom {
                id,
                name: super::boxed(emoji.name.as_ref()),
                animated: emoji.animated.unwrap_or_default(),
            },
            None => Self::Unicode(Box::from(emoji.name.as_deref().unwrap_or_default())),
        }
    }

    /// Whether `emoji` is this emoji: the same id, or the same text for
    /// Unicode emojis.
    pub fn is(&self, emoji: &Emoji) -> bool {
        match (self, emoji.id) {
            (Self::Custom { id, .. }, Some(other)) => *id == other,
            (Self::Unicode(name), None) => emoji.name.as_deref() == Some(&**name),
            _ => false,
        }
    }
}
