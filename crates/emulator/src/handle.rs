//! Starting the emulator and driving it from Rust: the builder, the handle,
//! simulated users, observation and fault injection.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tether_model::Token;
use tether_model::channel::Channel;
use tether_model::guild::{Guild, Member, Role};
use tether_model::id::{ApplicationId, ChannelId, GuildId, MessageId, RoleId, UserId};
use tether_model::message::Message;
use tether_model::permissions::Permissions;
use tether_model::presence::Status;
use tether_model::user::User;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::{Config, RateLimits};
use crate::core::{
    ConnectionId, ConnectionInfo, Core, Fault, IdentifyRecord, NewMessage, SessionInfo, Stats,
};
use crate::error::{Error, ErrorKind};
use crate::server::{self, Shared};
use crate::world::{World, render_message};

/// The emulator: start one with [`Emulator::builder`].
#[derive(Debug)]
pub struct Emulator {
    _private: (),
}

impl Emulator {
    /// A builder with the demo world, default configuration and an
    /// OS-chosen port on 127.0.0.1.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder {
            world: World::demo(),
            config: Config::default(),
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        }
    }
}

/// Configures and starts an emulator.
#[derive(Debug)]
#[must_use = "a builder does nothing until spawned"]
pub struct EmulatorBuilder {
    world: World,
    config: Config,
    bind: SocketAddr,
}

impl EmulatorBuilder {
    /// The world to serve (default: [`World::demo`]).
    pub fn world(mut self, world: World) -> Self {
        self.world = world;
        self
    }

    /// The whole configuration.
    pub fn config(mut self, config: Config) -> Self {
        self.config = config;
        self
    }

    /// The address to listen on (default `127.0.0.1:0`).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.bind = addr;
        self
    }

    /// See [`Config::heartbeat_interval`].
    pub fn heartbeat_interval(mut self, interval: Duration) -> Self {
        self.config.heartbeat_interval = interval;
        self
    }

    /// See [`Config::resume_grace`].
    pub fn resume_grace(mut self, grace: Duration) -> Self {
        self.config.resume_grace = grace;
        self
    }

    /// See [`Config::max_concurrency`].
    pub fn max_concurrency(mut self, max_concurrency: u32) -> Self {
        self.config.max_concurrency = max_concurrency;
        self
    }

    /// See [`Config::identify_interval`].
    pub fn identify_interval(mut self, interval: Duration) -> Self {
        self.config.identify_interval = interval;
        self
    }

    /// See [`Config::rate_limits`].
    pub fn rate_limits(mut self, rate_limits: RateLimits) -> Self {
        self.config.rate_limits = rate_limits;
        self
    }

    /// Binds, starts serving in the background and returns the handle.
    /// The server stops when the last clone of the handle is dropped (or
    /// on [`EmulatorHandle::shutdown`]).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidWorld`] for a world without a bot, a guild with
    /// a text channel, or a human user; [`ErrorKind::Bind`] when the
    /// address cannot be bound.
    pub async fn spawn(self) -> Result<EmulatorHandle, Error> {
        let primary = self.world.primary()?;
        let listener = tokio::net::TcpListener::bind(self.bind)
            .await
            .map_err(|e| Error::with_source(ErrorKind::Bind, e))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::with_source(ErrorKind::Bind, e))?;
        let unix_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        let mut core = Core::new(self.world, self.config, Instant::now(), unix_ms);
        core.set_gateway_url(&format!("ws://{addr}"));
        let (stop, stopped) = watch::channel(false);
        let shared = Arc::new(Shared::new(core, addr, primary, stopped.clone()));
        let app = server::router(Arc::clone(&shared));
        let mut stop_signal = stopped;
        let serve = tokio::spawn(async move {
            let service = app.into_make_service_with_connect_info::<SocketAddr>();
            let result = axum::serve(listener, service)
                .with_graceful_shutdown(async move {
                    let _ = stop_signal.wait_for(|stop| *stop).await;
                })
                .await;
            if let Err(error) = result {
                tracing::error!(%error, "emulator server failed");
            }
        });
        let ticker = tokio::spawn(server::ticker(Arc::clone(&shared)));
        tracing::info!(%addr, "emulator listening");
        Ok(EmulatorHandle {
            inner: Arc::new(Inner {
                shared,
                stop,
                tasks: Mutex::new(vec![serve, ticker]),
            }),
        })
    }
}

/// A running emulator: its URLs, its demo ids, simulated users, world
/// changes, observation and fault injection.
///
/// Cloning is cheap; the server stops when the last clone is dropped.
///
/// ```no_run
/// # async fn demo() -> Result<(), tether_emulator::Error> {
/// use std::time::Duration;
/// use tether_emulator::Emulator;
///
/// let emulator = Emulator::builder().spawn().await?;
/// println!("API {} gateway {}", emulator.api_base(), emulator.gateway_url());
/// // ... start a bot with emulator.bot_token() ...
/// emulator.say(emulator.human_id(), emulator.channel_id(), "$hello")?;
/// let reply = emulator
///     .wait_for_message(|m| m.content == "Hello!", Duration::from_secs(5))
///     .await?;
/// assert_eq!(reply.author.id, emulator.bot_user_id());
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

struct Inner {
    shared: Arc<Shared>,
    stop: watch::Sender<bool>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

impl std::fmt::Debug for EmulatorHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmulatorHandle")
            .field("addr", &self.inner.shared.addr)
            .finish_non_exhaustive()
    }
}

impl EmulatorHandle {
    fn shared(&self) -> &Shared {
        &self.inner.shared
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.shared().addr
    }

    /// The REST base URL, e.g. `http://127.0.0.1:PORT/api/v10`.
    pub fn api_base(&self) -> String {
        format!("http://{}/api/v10", self.addr())
    }

    /// The gateway URL, e.g. `ws://127.0.0.1:PORT` (what `GET /gateway`
    /// returns; add `/?v=10&encoding=json`).
    pub fn gateway_url(&self) -> String {
        self.shared().gateway_url()
    }

    /// The control API base URL, e.g. `http://127.0.0.1:PORT/_emulator`.
    pub fn control_url(&self) -> String {
        format!("http://{}/_emulator", self.addr())
    }

    /// The first bot's token.
    pub fn bot_token(&self) -> Token {
        self.shared().primary.bot.token.clone()
    }

    /// The first bot's user id.
    pub fn bot_user_id(&self) -> UserId {
        self.shared().primary.bot.user_id
    }

    /// The first bot's application id.
    pub fn application_id(&self) -> ApplicationId {
        self.shared().primary.bot.application_id
    }

    /// The first guild with a text channel ("Tether Test Guild" in the demo).
    pub fn guild_id(&self) -> GuildId {
        self.shared().primary.guild
    }

    /// That guild's first text channel (`#general` in the demo).
    pub fn channel_id(&self) -> ChannelId {
        self.shared().primary.channel
    }

    /// The first simulated human ("alice" in the demo).
    pub fn human_id(&self) -> UserId {
        self.shared().primary.human
    }

    /// `user` says something in `channel`; bots get `MESSAGE_CREATE`.
    ///
    /// # Errors
    ///
    /// As [`Core::create_message`].
    pub fn say(
        &self,
        user: UserId,
        channel: ChannelId,
        message: impl Into<NewMessage>,
    ) -> Result<Message, Error> {
        let message = message.into();
        self.shared()
            .run(|st, now| st.core.create_message(now, user, channel, message))
    }

    /// `user` sends many messages in a row, as fast as the emulator can
    /// fan them out; returns their ids in order.
    ///
    /// # Errors
    ///
    /// As [`Core::create_message`]; messages before a failing one are sent.
    pub fn say_many<I>(
        &self,
        user: UserId,
        channel: ChannelId,
        contents: I,
    ) -> Result<Vec<MessageId>, Error>
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        // Batches bound the lock hold time and the queued outputs.
        const BATCH: usize = 256;
        let mut ids = Vec::new();
        let mut contents = contents.into_iter().peekable();
        while contents.peek().is_some() {
            let batch: Vec<String> = contents.by_ref().take(BATCH).map(Into::into).collect();
            self.shared().run(|st, now| {
                for content in batch {
                    ids.push(
                        st.core
                            .create_message(now, user, channel, NewMessage::text(content))?
                            .id,
                    );
                }
                Ok::<(), Error>(())
            })?;
        }
        Ok(ids)
    }

    /// `user` edits their message.
    ///
    /// # Errors
    ///
    /// As [`Core::edit_message`].
    pub fn edit_message(
        &self,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        content: &str,
    ) -> Result<Message, Error> {
        let content = content.to_owned();
        self.shared().run(|st, now| {
            st.core
                .edit_message(now, user, channel, message, Some(content), None)
        })
    }

    /// `user` deletes a message.
    ///
    /// # Errors
    ///
    /// As [`Core::delete_message`].
    pub fn delete_message(
        &self,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
    ) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.delete_message(now, user, channel, message))
    }

    /// `user` reacts with `emoji` (a Unicode emoji or `name:id`).
    ///
    /// # Errors
    ///
    /// As [`Core::add_reaction`].
    pub fn react(
        &self,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.add_reaction(now, user, channel, message, emoji))
    }

    /// `user` removes their reaction.
    ///
    /// # Errors
    ///
    /// As [`Core::remove_reaction`].
    pub fn unreact(
        &self,
        user: UserId,
        channel: ChannelId,
        message: MessageId,
        emoji: &str,
    ) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.remove_reaction(now, user, channel, message, emoji))
    }

    /// `user` starts typing in `channel`.
    ///
    /// # Errors
    ///
    /// As [`Core::typing`].
    pub fn typing(&self, user: UserId, channel: ChannelId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.typing(now, user, channel))
    }

    /// Adds a simulated human.
    pub fn create_user(&self, name: &str) -> User {
        self.shared().run(|st, now| st.core.create_user(now, name))
    }

    /// Adds a bot with `token` and application `flags` (see
    /// [`tether_model::application::flags`]).
    pub fn create_bot(&self, name: &str, token: &str, flags: u64) -> User {
        self.shared()
            .run(|st, now| st.core.create_bot(now, name, token, flags))
    }

    /// Creates a guild (see [`Core::create_guild`]).
    ///
    /// # Errors
    ///
    /// As [`Core::create_guild`].
    pub fn create_guild(
        &self,
        name: &str,
        owner: UserId,
        members: &[UserId],
    ) -> Result<Guild, Error> {
        self.shared()
            .run(|st, now| st.core.create_guild(now, name, owner, members))
    }

    /// Deletes a guild.
    ///
    /// # Errors
    ///
    /// As [`Core::delete_guild`].
    pub fn delete_guild(&self, guild: GuildId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.delete_guild(now, guild))
    }

    /// Creates a channel of type `kind` (0 text, 2 voice, …).
    ///
    /// # Errors
    ///
    /// As [`Core::create_channel`].
    pub fn create_channel(&self, guild: GuildId, name: &str, kind: u8) -> Result<Channel, Error> {
        self.shared()
            .run(|st, now| st.core.create_channel(now, guild, name, kind))
    }

    /// Deletes a channel.
    ///
    /// # Errors
    ///
    /// As [`Core::delete_channel`].
    pub fn delete_channel(&self, channel: ChannelId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.delete_channel(now, channel))
    }

    /// `owner` starts a public thread in `channel`.
    ///
    /// # Errors
    ///
    /// As [`Core::create_thread`].
    pub fn create_thread(
        &self,
        channel: ChannelId,
        name: &str,
        owner: UserId,
    ) -> Result<Channel, Error> {
        self.shared()
            .run(|st, now| st.core.create_thread(now, channel, name, owner))
    }

    /// Renames a thread and/or (un)archives it; `None` keeps a field.
    ///
    /// # Errors
    ///
    /// As [`Core::update_thread`].
    pub fn update_thread(
        &self,
        thread: ChannelId,
        name: Option<&str>,
        archived: Option<bool>,
    ) -> Result<Channel, Error> {
        self.shared()
            .run(|st, now| st.core.update_thread(now, thread, name, archived))
    }

    /// Archives a thread.
    ///
    /// # Errors
    ///
    /// As [`Core::archive_thread`].
    pub fn archive_thread(&self, thread: ChannelId) -> Result<Channel, Error> {
        self.shared()
            .run(|st, now| st.core.archive_thread(now, thread))
    }

    /// Deletes a thread.
    ///
    /// # Errors
    ///
    /// As [`Core::delete_thread`].
    pub fn delete_thread(&self, thread: ChannelId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.delete_thread(now, thread))
    }

    /// Adds a member to a guild.
    ///
    /// # Errors
    ///
    /// As [`Core::add_member`].
    pub fn add_member(&self, guild: GuildId, user: UserId) -> Result<Member, Error> {
        self.shared()
            .run(|st, now| st.core.add_member(now, guild, user))
    }

    /// Removes a member from a guild.
    ///
    /// # Errors
    ///
    /// As [`Core::remove_member`].
    pub fn remove_member(&self, guild: GuildId, user: UserId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.remove_member(now, guild, user))
    }

    /// Creates a role.
    ///
    /// # Errors
    ///
    /// As [`Core::create_role`].
    pub fn create_role(
        &self,
        guild: GuildId,
        name: &str,
        permissions: Permissions,
    ) -> Result<Role, Error> {
        self.shared()
            .run(|st, now| st.core.create_role(now, guild, name, permissions))
    }

    /// Deletes a role.
    ///
    /// # Errors
    ///
    /// As [`Core::delete_role`].
    pub fn delete_role(&self, guild: GuildId, role: RoleId) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.delete_role(now, guild, role))
    }

    /// Sets a member's roles.
    ///
    /// # Errors
    ///
    /// As [`Core::set_member_roles`].
    pub fn set_member_roles(
        &self,
        guild: GuildId,
        user: UserId,
        roles: Vec<RoleId>,
    ) -> Result<Member, Error> {
        self.shared()
            .run(|st, now| st.core.set_member_roles(now, guild, user, roles))
    }

    /// Sets (`Some`) or clears (`None`) a member's nickname.
    ///
    /// # Errors
    ///
    /// As [`Core::set_nick`].
    pub fn set_nick(
        &self,
        guild: GuildId,
        user: UserId,
        nick: Option<&str>,
    ) -> Result<Member, Error> {
        let nick = nick.map(str::to_owned);
        self.shared()
            .run(|st, now| st.core.set_nick(now, guild, user, nick))
    }

    /// Renames a guild.
    ///
    /// # Errors
    ///
    /// As [`Core::update_guild`].
    pub fn update_guild(&self, guild: GuildId, name: &str) -> Result<Guild, Error> {
        self.shared()
            .run(|st, now| st.core.update_guild(now, guild, name))
    }

    /// Changes a channel's name and topic; `None` keeps a field, an empty
    /// topic clears it.
    ///
    /// # Errors
    ///
    /// As [`Core::update_channel`].
    pub fn update_channel(
        &self,
        channel: ChannelId,
        name: Option<&str>,
        topic: Option<&str>,
    ) -> Result<Channel, Error> {
        self.shared()
            .run(|st, now| st.core.update_channel(now, channel, name, topic))
    }

    /// Changes a role's name and permissions; `None` keeps a field.
    ///
    /// # Errors
    ///
    /// As [`Core::update_role`].
    pub fn update_role(
        &self,
        guild: GuildId,
        role: RoleId,
        name: Option<&str>,
        permissions: Option<Permissions>,
    ) -> Result<Role, Error> {
        self.shared()
            .run(|st, now| st.core.update_role(now, guild, role, name, permissions))
    }

    /// Sets a user's status.
    ///
    /// # Errors
    ///
    /// As [`Core::set_presence`].
    pub fn set_presence(&self, user: UserId, status: Status) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.set_presence(now, user, status, Vec::new()))
    }

    /// Opens the DM channel between two users.
    ///
    /// # Errors
    ///
    /// As [`Core::open_dm`].
    pub fn open_dm(&self, a: UserId, b: UserId) -> Result<Channel, Error> {
        self.shared().run(|st, now| st.core.open_dm(now, a, b))
    }

    /// A channel's messages, oldest first.
    pub fn messages(&self, channel: ChannelId) -> Vec<Message> {
        self.shared().read(|core| core.world().messages(channel))
    }

    /// Waits for a message matching `predicate`, among the messages that
    /// exist (oldest first) and those created while waiting; edits are not
    /// seen. To wait for a reply to something you said, compare ids:
    /// `|m| m.id > said.id && …`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`] when none came in time, [`ErrorKind::Closed`]
    /// when the emulator stopped.
    pub async fn wait_for_message(
        &self,
        mut predicate: impl FnMut(&Message) -> bool,
        timeout: Duration,
    ) -> Result<Message, Error> {
        let mut changes = self.shared().subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        let (mut found, mut cursor) = self.shared().read(|core| {
            let mut all: Vec<&crate::world::StoredMessage> = core
                .world()
                .channels
                .values()
                .flat_map(|c| c.messages.values())
                .collect();
            all.sort_by_key(|m| m.message.id);
            let found = all
                .into_iter()
                .map(|m| render_message(m, None))
                .find(|m| predicate(m));
            (found, core.message_cursor())
        });
        loop {
            if let Some(message) = found {
                return Ok(message);
            }
            wait_change(&mut changes, deadline).await?;
            (found, cursor) = self.shared().read(|core| {
                let found = core
                    .messages_since(cursor)
                    .into_iter()
                    .find(|m| predicate(m));
                (found, core.message_cursor())
            });
        }
    }

    /// Waits until `check` returns something, re-running it after every
    /// change of the emulator's state. For example, a session with a
    /// connection: `handle.wait_for(t, |core| core.sessions().into_iter().find(|s| s.connection.is_some()))`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Timeout`] or [`ErrorKind::Closed`].
    pub async fn wait_for<T>(
        &self,
        timeout: Duration,
        mut check: impl FnMut(&Core) -> Option<T>,
    ) -> Result<T, Error> {
        let mut changes = self.shared().subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(value) = self.shared().read(&mut check) {
                return Ok(value);
            }
            wait_change(&mut changes, deadline).await?;
        }
    }

    /// Reads the emulator's state.
    pub fn inspect<T>(&self, f: impl FnOnce(&Core) -> T) -> T {
        self.shared().read(f)
    }

    /// Live sessions.
    pub fn sessions(&self) -> Vec<SessionInfo> {
        self.shared().read(Core::sessions)
    }

    /// Open gateway connections.
    pub fn connections(&self) -> Vec<ConnectionInfo> {
        self.shared().read(Core::connections)
    }

    /// Successful Identify, oldest first.
    pub fn identify_log(&self) -> Vec<IdentifyRecord> {
        self.shared().read(Core::identify_log)
    }

    /// Counters since the start.
    pub fn stats(&self) -> Stats {
        self.shared().read(Core::stats)
    }

    /// Injects a fault into a connection.
    ///
    /// # Errors
    ///
    /// As [`Core::fault`].
    pub fn fault(&self, connection: ConnectionId, fault: Fault) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.fault(now, connection, fault))
    }

    /// Injects a fault into a session's connection.
    ///
    /// # Errors
    ///
    /// As [`Core::fault_session`].
    pub fn fault_session(&self, session: &str, fault: Fault) -> Result<(), Error> {
        self.shared()
            .run(|st, now| st.core.fault_session(now, session, fault))
    }

    /// Arms a fault for right after the session's dispatch `seq`.
    ///
    /// # Errors
    ///
    /// As [`Core::fault_at_seq`].
    pub fn fault_at_seq(&self, session: &str, seq: u64, fault: Fault) -> Result<(), Error> {
        self.shared()
            .run(|st, _| st.core.fault_at_seq(session, seq, fault))
    }

    /// Makes the next request to a REST route fail with 429 and
    /// `retry_after`. `route` is a template such as
    /// `"POST /channels/{channel_id}/messages"` (see the crate docs).
    pub fn force_rate_limit(&self, route: &str, retry_after: Duration, global: bool) {
        self.shared()
            .limiter
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .force(route.to_owned(), retry_after, global);
    }

    /// Stops the server and closes every connection (without close frames).
    pub async fn shutdown(&self) {
        let _ = self.inner.stop.send(true);
        let tasks = std::mem::take(
            &mut *self
                .inner
                .tasks
                .lock()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for task in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), task).await;
        }
    }
}

async fn wait_change(
    changes: &mut watch::Receiver<u64>,
    deadline: tokio::time::Instant,
) -> Result<(), Error> {
    match tokio::time::timeout_at(deadline, changes.changed()).await {
        Err(_) => Err(Error::new(ErrorKind::Timeout)),
        Ok(Err(_)) => Err(Error::new(ErrorKind::Closed)),
        Ok(Ok(())) => Ok(()),
    }
}

const _: () = {
    const fn assert_send_sync<T: Send + Sync + std::fmt::Debug + 'static>() {}
    assert_send_sync::<EmulatorHandle>();
    assert_send_sync::<Core>();
};
