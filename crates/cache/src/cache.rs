//! The cache: [`Cache`], its builder, and [`CacheView`] for reading.

use std::fmt;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use tether_model::gateway::Event;
use tether_model::id::{ChannelId, GuildId, MessageId, RoleId, UserId};

use crate::resource::ResourceType;
use crate::state::State;
use crate::types::{
    CachedChannel, CachedCurrentUser, CachedEmoji, CachedGuild, CachedMember, CachedMessage,
    CachedPresence, CachedRole, CachedSticker, CachedThreadMember, CachedUser, CachedVoiceState,
};
use crate::update::Update;

/// discord.py's default: 1,000 messages in all.
const DEFAULT_MESSAGE_LIMIT: usize = 1000;

/// An in-memory cache of Discord state, kept current by
/// [`update`](Self::update).
///
/// One task applies events; any number of tasks read at once. Every event
/// is applied under one write lock, so a reader sees the state before or
/// after an event, never half of it. Reads take the lock for the length
/// of a lookup and hand out `Arc`s (cheap clones of immutable snapshots):
/// no guard outlives a call, so none can be held across an `.await`.
///
/// ```
/// use tether_cache::Cache;
/// use tether_model::gateway::Event;
///
/// let cache = Cache::new();
/// let event = Event::from_dispatch(
///     "GUILD_CREATE",
///     r#"{"id":"1","name":"Lab","roles":[{"id":"1","name":"@everyone"}]}"#,
/// )?;
/// cache.update(&event);
/// assert_eq!(cache.guild(1.into()).unwrap().name(), "Lab");
/// # Ok::<(), serde_json::Error>(())
/// ```
pub struct Cache {
    state: RwLock<State>,
}

impl Cache {
    /// A cache with the default resources ([`ResourceType::DEFAULT`]) and
    /// message limits (1,000 in all, no lower limit per channel).
    pub fn new() -> Self {
        Self::builder().build()
    }

    /// A builder to choose what to cache.
    pub fn builder() -> CacheBuilder {
        CacheBuilder {
            resources: ResourceType::DEFAULT,
            message_limit: DEFAULT_MESSAGE_LIMIT,
            channel_message_limit: None,
        }
    }

    /// Applies an event and returns what it replaced or removed (see
    /// [`Update`]).
    ///
    /// Call it for every dispatch, in the order received, before any
    /// handler sees the event. Events for guilds the cache does not know or
    /// that are unavailable change nothing; nothing an event holds can make
    /// it panic.
    pub fn update(&self, event: &Event) -> Update {
        self.state
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .apply(event)
    }

    /// Runs `f` on a consistent view of the whole cache, for reads that
    /// must agree with each other (a member and their roles, say). The
    /// cache is locked for the call: keep `f` short.
    ///
    /// ```
    /// # let cache = tether_cache::Cache::new();
    /// # let (guild, user) = (1.into(), 2.into());
    /// let role_names: Vec<String> = cache.read(|view| {
    ///     let Some(member) = view.member(guild, user) else { return Vec::new() };
    ///     member
    ///         .roles()
    ///         .iter()
    ///         .filter_map(|id| view.role(guild, *id))
    ///         .map(|role| role.name().to_owned())
    ///         .collect()
    /// });
    /// ```
    pub fn read<T>(&self, f: impl FnOnce(&CacheView<'_>) -> T) -> T {
        f(&CacheView {
            state: &self.lock(),
        })
    }

    /// What this cache keeps.
    pub fn resource_types(&self) -> ResourceType {
        self.lock().resources
    }

    /// See [`CacheView::current_user`].
    #[expect(
        clippy::redundant_closure_for_method_calls,
        reason = "the view's lifetime is early-bound: the method path is not general enough"
    )]
    pub fn current_user(&self) -> Option<Arc<CachedCurrentUser>> {
        self.read(|v| v.current_user())
    }

    /// See [`CacheView::guild`].
    pub fn guild(&self, id: GuildId) -> Option<Arc<CachedGuild>> {
        self.read(|v| v.guild(id))
    }

    /// See [`CacheView::is_unavailable`].
    pub fn is_unavailable(&self, id: GuildId) -> bool {
        self.read(|v| v.is_unavailable(id))
    }

    /// See [`CacheView::channel`].
    pub fn channel(&self, id: ChannelId) -> Option<Arc<CachedChannel>> {
        self.read(|v| v.channel(id))
    }

    /// See [`CacheView::role`].
    pub fn role(&self, guild: GuildId, id: RoleId) -> Option<Arc<CachedRole>> {
        self.read(|v| v.role(guild, id))
    }

    /// See [`CacheView::member`].
    pub fn member(&self, guild: GuildId, user: UserId) -> Option<Arc<CachedMember>> {
        self.read(|v| v.member(guild, user))
    }

    /// See [`CacheView::user`].
    pub fn user(&self, id: UserId) -> Option<Arc<CachedUser>> {
        self.read(|v| v.user(id))
    }

    /// See [`CacheView::message`].
    pub fn message(&self, id: MessageId) -> Option<Arc<CachedMessage>> {
        self.read(|v| v.message(id))
    }

    /// See [`CacheView::stats`].
    #[expect(
        clippy::redundant_closure_for_method_calls,
        reason = "the view's lifetime is early-bound: the method path is not general enough"
    )]
    pub fn stats(&self) -> CacheStats {
        self.read(|v| v.stats())
    }

    fn lock(&self) -> RwLockReadGuard<'_, State> {
        self.state.read().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Default for Cache {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for Cache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cache")
            .field("resource_types", &self.resource_types())
            .field("stats", &self.stats())
            .finish()
    }
}

/// Chooses what a [`Cache`] keeps.
#[derive(Clone, Debug)]
#[must_use = "a builder does nothing until built"]
pub struct CacheBuilder {
    resources: ResourceType,
    message_limit: usize,
    channel_message_limit: Option<usize>,
}

impl CacheBuilder {
    /// The kinds of state to keep (default [`ResourceType::DEFAULT`]).
    pub fn resource_types(mut self, resources: ResourceType) -> Self {
        self.resources = resources;
        self
    }

    /// The most messages kept in all (default 1,000); past it the oldest
    /// go first. Zero keeps none.
    pub fn message_limit(mut self, limit: usize) -> Self {
        self.message_limit = limit;
        self
    }

    /// The most messages kept per channel (default: only the total limit);
    /// past it the channel's oldest go first.
    pub fn channel_message_limit(mut self, limit: usize) -> Self {
        self.channel_message_limit = Some(limit);
        self
    }

    /// Builds the cache.
    pub fn build(self) -> Cache {
        let channel_limit = self.channel_message_limit.unwrap_or(self.message_limit);
        Cache {
            state: RwLock::new(State::new(
                self.resources,
                self.message_limit,
                channel_limit,
            )),
        }
    }
}

/// A consistent view of the whole cache, for [`Cache::read`].
///
/// Lookups return `Arc` clones; the iterators borrow the view.
#[derive(Clone, Copy)]
pub struct CacheView<'a> {
    state: &'a State,
}

impl<'a> CacheView<'a> {
    /// The bot's own user, from `READY` and `USER_UPDATE`.
    pub fn current_user(&self) -> Option<Arc<CachedCurrentUser>> {
        self.state.me.clone()
    }

    /// A guild's own fields; `None` until its `GUILD_CREATE`, and after the
    /// bot left it. An unavailable guild keeps what was cached before its
    /// outage (see [`is_unavailable`](Self::is_unavailable)).
    pub fn guild(&self, id: GuildId) -> Option<Arc<CachedGuild>> {
        self.state.guilds.get(&id)?.guild.clone()
    }

    /// Whether the bot is in the guild but Discord has not sent it yet
    /// (after `READY`) or it is down (`GUILD_DELETE` with `unavailable`).
    pub fn is_unavailable(&self, id: GuildId) -> bool {
        self.state.guilds.get(&id).is_some_and(|g| g.unavailable)
    }

    /// Every guild the bot is in, available or not.
    pub fn guild_ids(&self) -> impl Iterator<Item = GuildId> + 'a {
        self.state.guilds.keys().copied()
    }

    /// A channel, thread or DM.
    pub fn channel(&self, id: ChannelId) -> Option<Arc<CachedChannel>> {
        self.state.channels.get(&id).cloned()
    }

    /// A guild's channels and threads, in no particular order.
    pub fn guild_channels(
        &self,
        guild: GuildId,
    ) -> impl Iterator<Item = &'a Arc<CachedChannel>> + 'a {
        let channels = &self.state.channels;
        self.state
            .guilds
            .get(&guild)
            .into_iter()
            .flat_map(|g| g.channels.iter())
            .filter_map(move |id| channels.get(id))
    }

    /// DM channels.
    pub fn private_channels(&self) -> impl Iterator<Item = &'a Arc<CachedChannel>> + 'a {
        self.state
            .channels
            .values()
            .filter(|c| c.guild_id().is_none())
    }

    /// A role.
    pub fn role(&self, guild: GuildId, id: RoleId) -> Option<Arc<CachedRole>> {
        self.state.guilds.get(&guild)?.roles.get(&id).cloned()
    }

    /// A guild's roles, in no particular order.
    pub fn roles(&self, guild: GuildId) -> impl Iterator<Item = &'a Arc<CachedRole>> + 'a {
        self.state
            .guilds
            .get(&guild)
            .into_iter()
            .flat_map(|g| g.roles.values())
    }

    /// A member.
    pub fn member(&self, guild: GuildId, user: UserId) -> Option<Arc<CachedMember>> {
        self.state.guilds.get(&guild)?.members.get(user).cloned()
    }

    /// A guild's cached members, in no particular order.
    pub fn members(&self, guild: GuildId) -> impl Iterator<Item = &'a Arc<CachedMember>> + 'a {
        self.state
            .guilds
            .get(&guild)
            .into_iter()
            .flat_map(|g| g.members.iter())
    }

    /// A user some cached member or message refers to.
    pub fn user(&self, id: UserId) -> Option<Arc<CachedUser>> {
        self.state.users.get(id).cloned()
    }

    /// A guild's custom emojis.
    pub fn emojis(&self, guild: GuildId) -> Option<Arc<[CachedEmoji]>> {
        self.state.guilds.get(&guild)?.emojis.clone()
    }

    /// A guild's stickers.
    pub fn stickers(&self, guild: GuildId) -> Option<Arc<[CachedSticker]>> {
        self.state.guilds.get(&guild)?.stickers.clone()
    }

    /// A user's voice state, while they are in a voice channel.
    pub fn voice_state(&self, guild: GuildId, user: UserId) -> Option<Arc<CachedVoiceState>> {
        self.state
            .guilds
            .get(&guild)?
            .voice_states
            .get(&user)
            .cloned()
    }

    /// The voice states of a guild.
    pub fn voice_states(
        &self,
        guild: GuildId,
    ) -> impl Iterator<Item = &'a Arc<CachedVoiceState>> + 'a {
        self.state
            .guilds
            .get(&guild)
            .into_iter()
            .flat_map(|g| g.voice_states.values())
    }

    /// A user's presence, unless they are offline (or presences are not
    /// cached).
    pub fn presence(&self, guild: GuildId, user: UserId) -> Option<Arc<CachedPresence>> {
        self.state.guilds.get(&guild)?.presences.get(&user).cloned()
    }

    /// The presences of a guild's online users.
    pub fn presences(&self, guild: GuildId) -> impl Iterator<Item = &'a Arc<CachedPresence>> + 'a {
        self.state
            .guilds
            .get(&guild)
            .into_iter()
            .flat_map(|g| g.presences.values())
    }

    /// The members of a cached thread that the cache saw join
    /// (`THREAD_MEMBERS_UPDATE`).
    pub fn thread_members(
        &self,
        thread: ChannelId,
    ) -> impl Iterator<Item = &'a Arc<CachedThreadMember>> + 'a {
        let guild = self.state.channels.get(&thread).and_then(|c| c.guild_id());
        guild
            .and_then(|g| self.state.guilds.get(&g))
            .and_then(|g| g.thread_members.get(&thread))
            .into_iter()
            .flat_map(|members| members.values())
    }

    /// A cached message.
    pub fn message(&self, id: MessageId) -> Option<Arc<CachedMessage>> {
        self.state.messages.get(id).cloned()
    }

    /// A channel's cached messages, oldest first.
    pub fn channel_messages(
        &self,
        channel: ChannelId,
    ) -> impl Iterator<Item = &'a Arc<CachedMessage>> + 'a {
        self.state.messages.channel(channel)
    }

    /// How many objects of each kind are cached.
    pub fn stats(&self) -> CacheStats {
        let guilds = self.state.guilds.values();
        CacheStats {
            guilds: guilds.clone().filter(|g| !g.unavailable).count(),
            unavailable_guilds: guilds.clone().filter(|g| g.unavailable).count(),
            channels: self.state.channels.len(),
            roles: guilds.clone().map(|g| g.roles.len()).sum(),
            members: guilds.clone().map(|g| g.members.len()).sum(),
            users: self.state.users.len(),
            emojis: guilds
                .clone()
                .map(|g| g.emojis.as_ref().map_or(0, |e| e.len()))
                .sum(),
            stickers: guilds
                .clone()
                .map(|g| g.stickers.as_ref().map_or(0, |s| s.len()))
                .sum(),
            voice_states: guilds.clone().map(|g| g.voice_states.len()).sum(),
            presences: guilds.clone().map(|g| g.presences.len()).sum(),
            thread_members: guilds
                .map(|g| {
                    g.thread_members
                        .values()
                        .map(std::collections::HashMap::len)
                        .sum::<usize>()
                })
                .sum(),
            messages: self.state.messages.len(),
        }
    }
}

impl fmt::Debug for CacheView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CacheView")
            .field("stats", &self.stats())
            .finish()
    }
}

/// How many objects of each kind a cache holds.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq)]
#[non_exhaustive]
pub struct CacheStats {
    /// Available guilds.
    pub guilds: usize,
    /// Guilds the bot is in that are unavailable.
    pub unavailable_guilds: usize,
    /// Channels, threads and DMs.
    pub channels: usize,
    /// Roles.
    pub roles: usize,
    /// Guild members.
    pub members: usize,
    /// Distinct users.
    pub users: usize,
    /// Custom emojis.
    pub emojis: usize,
    /// Stickers.
    pub stickers: usize,
    /// Voice states.
    pub voice_states: usize,
    /// Presences.
    pub presences: usize,
    /// Thread members.
    pub thread_members: usize,
    /// Messages.
    pub messages: usize,
}

const _: () = {
    const fn assert_shareable<T: Send + Sync + fmt::Debug + 'static>() {}
    assert_shareable::<Cache>();
    assert_shareable::<Update>();
    assert_shareable::<CacheStats>();
    assert_shareable::<CachedMessage>();
};
