//! The [`Context`] every handler gets.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tether_cache::{Cache, Update};
use tether_gateway::{ClusterHandle, ClusterSendErrorKind, ShardHandle, ShardId};
use tether_model::gateway::{
    Command, EventKind, EventTypeFlags, RequestGuildMembers, UpdatePresence, UpdateVoiceState,
};
use tether_model::guild::Member;
use tether_model::id::{GuildId, UserId};
use tether_model::presence::Presence;
use tether_model::user::CurrentUser;

use crate::error::{Error, ErrorKind};
use crate::waiter::Waiters;

/// What a handler needs to act: the REST client, the bot's user, the
/// shard the event came from (and every other shard), and `wait_for`.
///
/// Cheap to clone: it is a few `Arc`s.
#[derive(Clone, Debug)]
pub struct Context {
    pub(crate) shared: Arc<Shared>,
    pub(crate) shard: ShardId,
    pub(crate) before: Arc<Update>,
}

/// State shared by the client's tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: tether_http::Client,
    pub(crate) cache: Arc<Cache>,
    pub(crate) user: RwLock<Option<CurrentUser>>,
    pub(crate) cluster: ClusterHandle,
    pub(crate) waiters: Arc<Waiters>,
    pub(crate) event_types: EventTypeFlags,
}

impl Context {
    /// The REST client.
    pub fn http(&self) -> &tether_http::Client {
        &self.shared.http
    }

    /// The state cache: guilds, channels, members, roles, users, recent
    /// messages. It already includes the event being handled; later events
    /// may be applied while a handler runs.
    pub fn cache(&self) -> &Cache {
        &self.shared.cache
    }

    /// What the event being handled replaced or removed in the cache: the
    /// message before an edit, the member who left, the guild before its
    /// update (discord.py's `before` arguments).
    ///
    /// ```no_run
    /// use tether::{Client, Intents, kinds};
    /// use tether::cache::Update;
    /// # fn f() -> Result<(), tether::Error> {
    /// Client::builder("token", Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT)
    ///     .on::<kinds::MessageUpdate, _, _>(|ctx, after| async move {
    ///         if let Update::Message(before) = ctx.before() {
    ///             println!("edited: {:?} -> {:?}", before.content(), after.content);
    ///         }
    ///     })
    ///     .build()?;
    /// # Ok(()) }
    /// ```
    pub fn before(&self) -> &Update {
        &self.before
    }

    /// The bot's own user, known from login and kept current by `READY`
    /// and `USER_UPDATE`.
    pub fn current_user(&self) -> Option<CurrentUser> {
        self.shared
            .user
            .read()
            .map_or_else(|poisoned| poisoned.into_inner().clone(), |u| u.clone())
    }

    /// The shard this event came from.
    pub fn shard_id(&self) -> ShardId {
        self.shard
    }

    /// The handle of the shard this event came from.
    pub fn shard(&self) -> Option<&ShardHandle> {
        self.shared.cluster.shard(self.shard)
    }

    /// The handle of the shard that holds `guild`:
    /// `(guild_id >> 22) % shard_count`, if this process runs it.
    pub fn shard_for_guild(&self, guild: GuildId) -> Option<&ShardHandle> {
        self.shared.cluster.shard_for_guild(guild)
    }

    /// Every shard of this process: status, latency, commands.
    pub fn cluster(&self) -> &ClusterHandle {
        &self.shared.cluster
    }

    /// Sets the bot's presence on every shard.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] when a shard has stopped,
    /// [`ErrorKind::Command`] when the presence is over 4096 bytes.
    pub async fn set_presence(&self, presence: UpdatePresence) -> Result<(), Error> {
        for shard in self.shared.cluster.shards() {
            send(shard, Command::UpdatePresence(presence.clone())).await?;
        }
        Ok(())
    }

    /// Joins, moves or leaves a voice channel, on the guild's shard.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] when the guild's shard is not run by this
    /// client or has stopped.
    pub async fn update_voice_state(&self, update: UpdateVoiceState) -> Result<(), Error> {
        send_to_guild(
            &self.shared,
            update.guild_id,
            Command::UpdateVoiceState(update),
        )
        .await
    }

    /// Sends Request Guild Members on the guild's shard; the members
    /// arrive as `GUILD_MEMBERS_CHUNK` events.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] when the guild's shard is not run by this
    /// client or has stopped.
    pub async fn request_guild_members(&self, request: RequestGuildMembers) -> Result<(), Error> {
        send_to_guild(
            &self.shared,
            request.guild_id,
            Command::RequestGuildMembers(request),
        )
        .await
    }

    /// Requests guild members (op 8) and gathers every
    /// `GUILD_MEMBERS_CHUNK` answering it (matched by a nonce this call
    /// sets), for at most `timeout`.
    ///
    /// Asking for everyone (`RequestGuildMembers::query(guild, "", 0)`)
    /// needs the `GUILD_MEMBERS` intent; ids that are not members come back
    /// in [`GuildMembers::not_found`].
    ///
    /// ```no_run
    /// # async fn f(ctx: tether::Context, guild: tether::model::id::GuildId) -> Result<(), tether::Error> {
    /// use std::time::Duration;
    /// use tether::model::gateway::RequestGuildMembers;
    /// let all = ctx
    ///     .request_members(RequestGuildMembers::query(guild, "", 0), Duration::from_secs(30))
    ///     .await?;
    /// println!("{} members", all.members.len());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`] when not every chunk came in time,
    /// [`ErrorKind::Stopped`] when the guild's shard is not run here or
    /// stopped, [`ErrorKind::Command`] when the request is too large.
    pub async fn request_members(
        &self,
        request: RequestGuildMembers,
        timeout: Duration,
    ) -> Result<GuildMembers, Error> {
        request_members(&self.shared, request, timeout).await
    }

    /// Waits for the next event of type `K` whose payload satisfies
    /// `predicate`, for at most `timeout`.
    ///
    /// Any number of waits may run at once; a wait that is dropped or
    /// times out is removed. Only event types the client decodes can be
    /// waited for (those with a handler, plus
    /// [`ClientBuilder::event_types`](crate::ClientBuilder::event_types)).
    ///
    /// ```no_run
    /// # async fn f(ctx: tether::Context) -> Result<(), tether::Error> {
    /// use std::time::Duration;
    /// use tether::kinds;
    /// let reply = ctx
    ///     .wait_for::<kinds::MessageCreate>(|m| m.content == "yes", Duration::from_secs(30))
    ///     .await?;
    /// println!("{} said yes", reply.author.username);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`] when nothing matched in time,
    /// [`ErrorKind::NotReceived`] when the client does not decode `K`,
    /// [`ErrorKind::Stopped`] when the client stopped.
    pub async fn wait_for<K: EventKind>(
        &self,
        predicate: impl Fn(&K::Payload) -> bool + Send + Sync + 'static,
        timeout: Duration,
    ) -> Result<K::Payload, Error> {
        wait_for::<K>(&self.shared, predicate, timeout).await
    }
}

/// The members gathered by [`Context::request_members`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GuildMembers {
    /// The members, from every chunk.
    pub members: Vec<Member>,
    /// Requested user ids that are not members.
    pub not_found: Vec<UserId>,
    /// Presences, when they were requested.
    pub presences: Vec<Presence>,
}

pub(crate) async fn request_members(
    shared: &Shared,
    mut request: RequestGuildMembers,
    timeout: Duration,
) -> Result<GuildMembers, Error> {
    use std::sync::atomic::{AtomicU64, Ordering};
    use tether_model::gateway::{Event, EventType};

    static NONCE: AtomicU64 = AtomicU64::new(0);
    let nonce = format!("tether-{:x}", NONCE.fetch_add(1, Ordering::Relaxed));
    let guild = request.guild_id;
    request.nonce = Some(nonce.clone());
    let mut chunks = shared.waiters.register_many(
        EventType::GuildMembersChunk,
        Box::new(move |event| {
            matches!(event, Event::GuildMembersChunk(c)
                if c.guild_id == guild && c.nonce.as_deref() == Some(nonce.as_str()))
        }),
    );
    send_to_guild(shared, guild, Command::RequestGuildMembers(request)).await?;
    let mut gathered = GuildMembers::default();
    let mut seen = std::collections::BTreeSet::new();
    let collect = async {
        while let Some(event) = chunks.receiver.recv().await {
            let Event::GuildMembersChunk(chunk) = event else {
                continue;
            };
            // Discord may deliver an event twice; a chunk counts once.
            if !seen.insert(chunk.chunk_index) {
                continue;
            }
            let chunk = *chunk;
            gathered.members.extend(chunk.members);
            gathered.not_found.extend(chunk.not_found);
            gathered.presences.extend(chunk.presences);
            if u32::try_from(seen.len()).unwrap_or(u32::MAX) >= chunk.chunk_count {
                return Ok(());
            }
        }
        Err(Error::new(ErrorKind::Stopped))
    };
    match tokio::time::timeout(timeout, collect).await {
        Ok(Ok(())) => Ok(gathered),
        Ok(Err(error)) => Err(error),
        Err(_) => Err(Error::new(ErrorKind::Timeout)),
    }
}

async fn send_to_guild(shared: &Shared, guild: GuildId, command: Command) -> Result<(), Error> {
    shared
        .cluster
        .send_to_guild(guild, command)
        .await
        .map_err(|e| {
            let kind = match e.kind() {
                ClusterSendErrorKind::Shard(
                    tether_gateway::SendErrorKind::TooLarge { .. }
                    | tether_gateway::SendErrorKind::QueueFull,
                ) => ErrorKind::Command,
                _ => ErrorKind::Stopped,
            };
            Error::with_source(kind, e)
        })
}

pub(crate) async fn wait_for<K: EventKind>(
    shared: &Shared,
    predicate: impl Fn(&K::Payload) -> bool + Send + Sync + 'static,
    timeout: Duration,
) -> Result<K::Payload, Error> {
    if !shared.event_types.contains(K::TYPE) {
        return Err(Error::new(ErrorKind::NotReceived {
            event: K::TYPE.name(),
        }));
    }
    let guard = shared.waiters.register(
        K::TYPE,
        Box::new(move |event| K::payload(event).is_some_and(&predicate)),
    );
    let mut guard = guard;
    match tokio::time::timeout(timeout, &mut guard.receiver).await {
        Ok(Ok(event)) => K::extract(event).map_err(|_| Error::new(ErrorKind::Stopped)),
        Ok(Err(_)) => Err(Error::new(ErrorKind::Stopped)),
        Err(_) => Err(Error::new(ErrorKind::Timeout)),
    }
}

async fn send(shard: &ShardHandle, command: Command) -> Result<(), Error> {
    shard.send(command).await.map_err(|e| {
        let kind = match e.kind() {
            tether_gateway::SendErrorKind::Stopped => ErrorKind::Stopped,
            _ => ErrorKind::Command,
        };
        Error::with_source(kind, e)
    })
}
