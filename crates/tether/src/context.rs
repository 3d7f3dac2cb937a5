//! The [`Context`] every handler gets.

use std::sync::{Arc, RwLock};
use std::time::Duration;

use tether_gateway::{ShardHandle, ShardId};
use tether_model::gateway::{
    Command, EventKind, EventTypeFlags, RequestGuildMembers, UpdatePresence, UpdateVoiceState,
};
use tether_model::id::GuildId;
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
}

/// State shared by the client's tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) http: tether_http::Client,
    pub(crate) user: RwLock<Option<CurrentUser>>,
    pub(crate) shards: Vec<(ShardId, ShardHandle)>,
    pub(crate) shard_total: u32,
    pub(crate) waiters: Arc<Waiters>,
    pub(crate) event_types: EventTypeFlags,
}

impl Context {
    /// The REST client.
    pub fn http(&self) -> &tether_http::Client {
        &self.shared.http
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
        self.shard_handle(self.shard)
    }

    /// The handle of the shard that holds `guild`:
    /// `(guild_id >> 22) % shard_count`.
    pub fn shard_for_guild(&self, guild: GuildId) -> Option<&ShardHandle> {
        let number = guild.shard(self.shared.shard_total);
        self.shared
            .shards
            .iter()
            .find(|(id, _)| id.number() == number)
            .map(|(_, handle)| handle)
    }

    fn shard_handle(&self, id: ShardId) -> Option<&ShardHandle> {
        self.shared
            .shards
            .iter()
            .find(|(shard, _)| *shard == id)
            .map(|(_, handle)| handle)
    }

    /// Sets the bot's presence on every shard.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] when a shard has stopped,
    /// [`ErrorKind::Command`] when the presence is over 4096 bytes.
    pub async fn set_presence(&self, presence: UpdatePresence) -> Result<(), Error> {
        for (_, shard) in &self.shared.shards {
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
        let shard = self
            .shard_for_guild(update.guild_id)
            .ok_or_else(|| Error::new(ErrorKind::Stopped))?;
        send(shard, Command::UpdateVoiceState(update)).await
    }

    /// Sends Request Guild Members on the guild's shard; the members
    /// arrive as `GUILD_MEMBERS_CHUNK` events.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Stopped`] when the guild's shard is not run by this
    /// client or has stopped.
    pub async fn request_guild_members(&self, request: RequestGuildMembers) -> Result<(), Error> {
        let shard = self
            .shard_for_guild(request.guild_id)
            .ok_or_else(|| Error::new(ErrorKind::Stopped))?;
        send(shard, Command::RequestGuildMembers(request)).await
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
