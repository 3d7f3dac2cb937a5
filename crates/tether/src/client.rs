//! The bot client: builder, login, connect, run, shutdown.
//!
//! The path of one event: a shard task receives it and decodes it (only
//! the event types some handler asked for), the client's dispatcher takes
//! it from the shard's bounded channel, updates the bot's user on `READY`
//! and `USER_UPDATE`, hands it to matching `wait_for` waiters, and starts
//! one task per matching handler.
//!
//! # When handlers fall behind
//!
//! At most [`ClientBuilder::max_concurrent_handlers`] handler tasks run at
//! once (default 1024). When all are busy, the dispatcher waits for one to
//! finish; meanwhile the shards' bounded event channels fill, and each
//! shard then stops reading its socket until there is room. Heartbeats keep
//! going out during the wait and zombie detection ignores intervals in
//! which the socket was not read, so a slow bot is never disconnected for
//! being slow; if Discord drops a connection left unread for too long, the
//! shard resumes and Discord replays the missed events.

use std::future::Future;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use futures_util::FutureExt;
use serde::{Deserialize, Serialize};
use tether_cache::{Cache, CacheBuilder};
use tether_gateway::{
    Backoff, CloseKind, Cluster, ClusterInfo, Compression, Session, ShardConfig, ShardEvent,
    ShardId, ShardRange,
};
use tether_model::application::Application;
use tether_model::gateway::{Event, EventKind, EventType, EventTypeFlags, UpdatePresence, kinds};
use tether_model::message::Message;
use tether_model::user::CurrentUser;
use tether_model::{Intents, Token};
use tokio::sync::{Notify, Semaphore, mpsc};
use tokio::task::JoinSet;

use crate::context::{Context, Shared};
use crate::error::{Error, ErrorKind};
use crate::handler::{ErrorHook, Handler, HandlerError, HandlerFailure, HandlerResult};
use crate::waiter::Waiters;

/// How long shutdown waits for running handlers before returning.
const HANDLER_GRACE: Duration = Duration::from_secs(10);

type GatewayHook = Arc<dyn Fn(ShardId, &ShardEvent) + Send + Sync>;

/// The queue of a shard's sequential handler worker.
type Worker = mpsc::Sender<(Context, Event)>;

/// Which shards this client runs.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
enum Shards {
    /// As many as `GET /gateway/bot` recommends.
    Recommended,
    /// Shards `start..end` of `total`.
    Range { start: u32, end: u32, total: u32 },
}

/// A shard's session saved at shutdown, to resume it at the next start.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct ShardSession {
    /// Shard number.
    pub shard: u32,
    /// Total shard count the session was started with.
    pub shards: u32,
    /// The session.
    pub session: Session,
}

/// Configures a [`Client`]: intents, shards, compression, handlers.
///
/// ```no_run
/// use tether::{Client, Context, Intents, kinds};
///
/// # async fn run() -> Result<(), tether::Error> {
/// let client = Client::builder("token", Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT)
///     .on::<kinds::MessageCreate, _, _>(|ctx: Context, msg| async move {
///         if msg.content == "!ping" {
///             ctx.http().create_message(msg.channel_id).content("pong").send().await?;
///         }
///         Ok::<_, tether::http::Error>(())
///     })
///     .build()?;
/// client.run().await?;
/// # Ok(()) }
/// ```
#[must_use = "a builder does nothing until built"]
pub struct ClientBuilder {
    token: Token,
    intents: Intents,
    shards: Shards,
    compression: Compression,
    presence: Option<UpdatePresence>,
    large_threshold: Option<u8>,
    api_base: Option<String>,
    gateway_url: Option<String>,
    handlers: Vec<Handler>,
    event_types: EventTypeFlags,
    error_hook: ErrorHook,
    gateway_hook: Option<GatewayHook>,
    sequential: bool,
    max_concurrent_handlers: usize,
    event_buffer: usize,
    sessions: Vec<ShardSession>,
    identify_interval: Option<Duration>,
    backoff: Option<Backoff>,
    cache: CacheBuilder,
}

impl std::fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("token", &self.token)
            .field("intents", &self.intents)
            .field("shards", &self.shards)
            .field("compression", &self.compression)
            .field("handlers", &self.handlers)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    fn new(token: &str, intents: Intents) -> Self {
        Self {
            token: Token::new(token),
            intents,
            shards: Shards::Recommended,
            compression: Compression::ZlibStream,
            presence: None,
            large_threshold: None,
            api_base: None,
            gateway_url: None,
            handlers: Vec::new(),
            event_types: EventTypeFlags::NONE,
            error_hook: Arc::new(crate::handler::log_error),
            gateway_hook: None,
            sequential: false,
            max_concurrent_handlers: 1024,
            event_buffer: 1024,
            sessions: Vec::new(),
            identify_interval: None,
            backoff: None,
            cache: Cache::builder(),
        }
    }

    /// Registers a handler for events of type `K` (a marker type from
    /// [`kinds`]); the handler gets a [`Context`] and the payload.
    pub fn on<K, F, Fut>(mut self, handler: F) -> Self
    where
        K: EventKind,
        F: Fn(Context, K::Payload) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        self.handlers.push(Handler::typed::<K, F, Fut>(handler));
        self
    }

    /// Registers a handler for `MESSAGE_CREATE`.
    pub fn on_message<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Context, Box<Message>) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        self.on::<kinds::MessageCreate, F, Fut>(handler)
    }

    /// Registers a handler for `READY`.
    pub fn on_ready<F, Fut>(self, handler: F) -> Self
    where
        F: Fn(Context, Box<tether_model::gateway::event::Ready>) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        self.on::<kinds::Ready, F, Fut>(handler)
    }

    /// Registers a handler for every event, known or not (the name of an
    /// unknown one is in [`Event::Unknown`]). It makes the client decode
    /// every event type.
    pub fn on_event<F, Fut>(mut self, handler: F) -> Self
    where
        F: Fn(Context, Event) -> Fut + Send + Sync + 'static,
        Fut: Future + Send + 'static,
        Fut::Output: HandlerResult,
    {
        self.handlers.push(Handler::any(handler));
        self
    }

    /// Where handler errors and panics go (default: an error log line with
    /// the event's name).
    pub fn on_error(mut self, hook: impl Fn(HandlerError) + Send + Sync + 'static) -> Self {
        self.error_hook = Arc::new(hook);
        self
    }

    /// Sees every shard event as it happens: Hello, Identify, heartbeats
    /// and their latency, disconnects, dispatches. Runs on the dispatcher:
    /// keep it quick.
    pub fn on_gateway(
        mut self,
        hook: impl Fn(ShardId, &ShardEvent) + Send + Sync + 'static,
    ) -> Self {
        self.gateway_hook = Some(Arc::new(hook));
        self
    }

    /// Replaces the intents given to [`Client::builder`].
    pub fn intents(mut self, intents: Intents) -> Self {
        self.intents = intents;
        self
    }

    /// Runs `count` shards instead of the recommended number.
    pub fn shards(mut self, count: u32) -> Self {
        self.shards = Shards::Range {
            start: 0,
            end: count,
            total: count,
        };
        self
    }

    /// Runs shards `range` of `total`, so that several processes can share
    /// a bot.
    pub fn shard_range(mut self, range: std::ops::Range<u32>, total: u32) -> Self {
        self.shards = Shards::Range {
            start: range.start,
            end: range.end,
            total,
        };
        self
    }

    /// Transport compression (default zlib-stream).
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Presence sent when identifying.
    pub fn presence(mut self, presence: UpdatePresence) -> Self {
        self.presence = Some(presence);
        self
    }

    /// Member count above which Discord leaves offline members out of
    /// `GUILD_CREATE` (50–250).
    pub fn large_threshold(mut self, threshold: u8) -> Self {
        self.large_threshold = Some(threshold);
        self
    }

    /// REST base URL (default `https://discord.com/api/v10`); point it at
    /// an emulator or a proxy.
    pub fn api_base(mut self, url: impl Into<String>) -> Self {
        self.api_base = Some(url.into());
        self
    }

    /// Gateway URL, instead of the one `GET /gateway/bot` returns.
    pub fn gateway_url(mut self, url: impl Into<String>) -> Self {
        self.gateway_url = Some(url.into());
        self
    }

    /// Decodes these event types too, for `wait_for` without a handler.
    pub fn event_types(mut self, types: EventTypeFlags) -> Self {
        self.event_types |= types;
        self
    }

    /// Runs each shard's handlers one after another, in event order,
    /// instead of one task per handler invocation.
    pub fn sequential(mut self, sequential: bool) -> Self {
        self.sequential = sequential;
        self
    }

    /// The most handler tasks running at once (at least 1).
    pub fn max_concurrent_handlers(mut self, max: usize) -> Self {
        self.max_concurrent_handlers = max.max(1);
        self
    }

    /// Resumes these sessions (saved by a resumable shutdown) instead of
    /// identifying, for the shards they belong to.
    pub fn resume_sessions(mut self, sessions: Vec<ShardSession>) -> Self {
        self.sessions = sessions;
        self
    }

    /// The identify window per concurrency bucket (Discord's is 5 s; an
    /// emulator may allow less).
    pub fn identify_interval(mut self, interval: Duration) -> Self {
        self.identify_interval = Some(interval);
        self
    }

    /// The delay policy between failed connection attempts (default:
    /// from 1 s doubling to 60 s, with jitter).
    pub fn reconnect_backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = Some(backoff);
        self
    }

    /// What the state cache keeps (default: everything but presences, and
    /// the last 1,000 messages).
    pub fn cache(mut self, cache: CacheBuilder) -> Self {
        self.cache = cache;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Config`] for an empty token or an empty or invalid
    /// shard range; [`ErrorKind::Http`] if the REST client cannot be built.
    pub fn build(self) -> Result<Client, Error> {
        if self.token.is_empty() {
            return Err(Error::new(ErrorKind::Config {
                reason: "the token is empty".to_owned(),
            }));
        }
        if let Shards::Range { start, end, total } = self.shards {
            if start >= end || end > total {
                return Err(Error::new(ErrorKind::Config {
                    reason: format!("shard range {start}..{end} of {total} is empty or too large"),
                }));
            }
        }
        let mut http = tether_http::Client::builder(self.token.clone());
        if let Some(base) = &self.api_base {
            http = http.api_base(base.clone());
        }
        let http = http.build().map_err(Error::http)?;
        // READY and USER_UPDATE keep the bot's user current; member chunks
        // only come when asked for, by `request_members`.
        let cache = Arc::new(self.cache.clone().build());
        // READY and USER_UPDATE keep the bot's user current, member chunks
        // only come when asked for, and the cache needs its own events.
        let mut event_types = self.event_types
            | EventType::Ready.into()
            | EventType::UserUpdate.into()
            | EventType::GuildMembersChunk.into()
            | cache.resource_types().event_types();
        for handler in &self.handlers {
            event_types |= handler
                .kind
                .map_or(EventTypeFlags::ALL, EventTypeFlags::from);
        }
        Ok(Client {
            config: self,
            http,
            cache,
            event_types,
            user: None,
            application: None,
            shutdown: ClientHandle::default(),
        })
    }
}

/// A Discord bot: log in, connect the shards, dispatch events to handlers.
///
/// [`Client::run`] does it all and returns on Ctrl-C; [`Client::login`] and
/// [`Client::connect`] are the two halves, as in discord.py.
pub struct Client {
    config: ClientBuilder,
    http: tether_http::Client,
    cache: Arc<Cache>,
    event_types: EventTypeFlags,
    user: Option<CurrentUser>,
    application: Option<Application>,
    shutdown: ClientHandle,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("config", &self.config)
            .field("event_types", &self.event_types)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder for a bot with this token and these intents.
    pub fn builder(token: &str, intents: Intents) -> ClientBuilder {
        ClientBuilder::new(token, intents)
    }

    /// The REST client.
    pub fn http(&self) -> &tether_http::Client {
        &self.http
    }

    /// The state cache; it outlives reconnects.
    pub fn cache(&self) -> &Arc<Cache> {
        &self.cache
    }

    /// A handle to stop [`Client::connect`] and to wait for events from
    /// other tasks.
    pub fn handle(&self) -> ClientHandle {
        self.shutdown.clone()
    }

    /// The event types this client decodes.
    pub fn event_types(&self) -> EventTypeFlags {
        self.event_types
    }

    /// The application, once logged in.
    pub fn application(&self) -> Option<&Application> {
        self.application.as_ref()
    }

    /// Checks the token with `GET /users/@me` and fetches the application,
    /// before any WebSocket is opened.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::LoginFailed`] when Discord rejects the token,
    /// [`ErrorKind::Http`] for other REST failures.
    pub async fn login(&mut self) -> Result<CurrentUser, Error> {
        let user = self.http.current_user().await.map_err(Error::http)?;
        let application = self.http.current_application().await.map_err(Error::http)?;
        tracing::info!(user = %user.user.username, application = %application.id, "logged in");
        self.user = Some(user.clone());
        self.application = Some(application);
        Ok(user)
    }

    /// Logs in, then connects: runs until [`ClientHandle::shutdown`] or
    /// a fatal close code.
    ///
    /// # Errors
    ///
    /// As [`Client::login`] and [`Client::connect`].
    pub async fn start(&mut self) -> Result<Vec<ShardSession>, Error> {
        self.login().await?;
        self.connect().await
    }

    /// [`Client::start`], stopping cleanly on Ctrl-C: every shard closes
    /// with code 1000 and running handlers get a grace period.
    ///
    /// # Errors
    ///
    /// As [`Client::start`].
    pub async fn run(mut self) -> Result<(), Error> {
        let shutdown = self.handle();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                tracing::info!("Ctrl-C: shutting down");
                shutdown.shutdown();
            }
        });
        self.start().await.map(drop)
    }

    /// Connects the shards and dispatches events until shutdown. Logs in
    /// first if [`Client::login`] was not called.
    ///
    /// Returns the shards' sessions when shut down with
    /// [`ClientHandle::shutdown_resumable`], empty otherwise.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Gateway`] with the named error when a shard stops on a
    /// fatal close code (4004, 4010–4014); REST errors while discovering
    /// the gateway.
    pub async fn connect(&mut self) -> Result<Vec<ShardSession>, Error> {
        if self.user.is_none() {
            self.login().await?;
        }
        let mut gateway = self.http.gateway_bot().await.map_err(Error::http)?;
        if let Some(url) = &self.config.gateway_url {
            gateway.url.clone_from(url);
        }
        let mut template = ShardConfig::new(self.config.token.clone(), self.config.intents)
            .compression(self.config.compression)
            .event_types(self.event_types);
        if let Some(presence) = &self.config.presence {
            template = template.presence(presence.clone());
        }
        if let Some(threshold) = self.config.large_threshold {
            template = template.large_threshold(threshold);
        }
        if let Some(backoff) = self.config.backoff {
            template = template.backoff(backoff);
        }
        let mut cluster = Cluster::builder(template)
            .gateway_bot(&gateway)
            .event_buffer(self.config.event_buffer)
            .resume_sessions(
                self.config
                    .sessions
                    .iter()
                    .filter_map(|s| Some((ShardId::new(s.shard, s.shards)?, s.session.clone()))),
            );
        if let Shards::Range { start, end, total } = self.config.shards {
            let range = ShardRange::new(start..end, total).ok_or_else(|| {
                Error::new(ErrorKind::Config {
                    reason: format!("shard range {start}..{end} of {total} is invalid"),
                })
            })?;
            cluster = cluster.shards(range);
        }
        if let Some(interval) = self.config.identify_interval {
            cluster = cluster.identify_interval(interval);
        }
        let cluster = cluster.spawn();
        let shared = Arc::new(Shared {
            http: self.http.clone(),
            cache: Arc::clone(&self.cache),
            user: RwLock::new(self.user.clone()),
            cluster: cluster.handle(),
            waiters: Arc::new(Waiters::default()),
            event_types: self.event_types,
        });
        *self
            .shutdown
            .shared
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Arc::clone(&shared));
        let result = Dispatcher::new(&self.config, Arc::clone(&shared), &self.shutdown)
            .run(cluster)
            .await;
        if let Ok(user) = shared.user.read() {
            self.user.clone_from(&user);
        }
        result
    }
}

/// Reaches a running client from other tasks: stop it, or wait for an
/// event.
#[derive(Clone, Debug, Default)]
pub struct ClientHandle {
    notify: Arc<Notify>,
    kind: Arc<Mutex<Option<CloseKind>>>,
    shared: Arc<Mutex<Option<Arc<Shared>>>>,
}

impl ClientHandle {
    /// Closes every shard with code 1000 (the sessions end).
    pub fn shutdown(&self) {
        self.request(CloseKind::Normal);
    }

    /// Closes every shard keeping its session, so that
    /// [`Client::connect`] returns them for a later
    /// [`ClientBuilder::resume_sessions`].
    pub fn shutdown_resumable(&self) {
        self.request(CloseKind::Resumable);
    }

    fn request(&self, kind: CloseKind) {
        if let Ok(mut slot) = self.kind.lock() {
            slot.get_or_insert(kind);
        }
        self.notify.notify_one();
    }

    fn requested(&self) -> Option<CloseKind> {
        self.kind.lock().ok().and_then(|k| *k)
    }

    /// Every shard's status and latency, once connected.
    pub fn info(&self) -> Option<ClusterInfo> {
        self.shared
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.cluster.info()))
    }

    /// The number of `wait_for` calls waiting right now.
    pub fn waiters(&self) -> usize {
        self.shared
            .lock()
            .ok()
            .and_then(|s| s.as_ref().map(|s| s.waiters.len()))
            .unwrap_or(0)
    }

    /// [`Context::request_members`] from outside the handlers.
    ///
    /// # Errors
    ///
    /// As [`Context::request_members`]; [`ErrorKind::Stopped`] before the
    /// client connected.
    pub async fn request_members(
        &self,
        request: tether_model::gateway::RequestGuildMembers,
        timeout: Duration,
    ) -> Result<crate::context::GuildMembers, Error> {
        let shared = self
            .shared
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| Error::new(ErrorKind::Stopped))?;
        crate::context::request_members(&shared, request, timeout).await
    }

    /// Waits for the next event of type `K` whose payload satisfies
    /// `predicate`, from outside the handlers (for example in a test).
    ///
    /// # Errors
    ///
    /// As [`Context::wait_for`]; [`ErrorKind::Stopped`] before the client
    /// connected.
    pub async fn wait_for<K: EventKind>(
        &self,
        predicate: impl Fn(&K::Payload) -> bool + Send + Sync + 'static,
        timeout: Duration,
    ) -> Result<K::Payload, Error> {
        let shared = self
            .shared
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| Error::new(ErrorKind::Stopped))?;
        crate::context::wait_for::<K>(&shared, predicate, timeout).await
    }
}

struct Dispatcher<'a> {
    shared: Arc<Shared>,
    handlers: Arc<[crate::handler::Handler]>,
    error_hook: ErrorHook,
    gateway_hook: Option<GatewayHook>,
    shutdown: &'a ClientHandle,
    semaphore: Arc<Semaphore>,
    tasks: JoinSet<()>,
    sequential: Option<Vec<(ShardId, Worker)>>,
    event_buffer: usize,
}

impl<'a> Dispatcher<'a> {
    fn new(config: &ClientBuilder, shared: Arc<Shared>, shutdown: &'a ClientHandle) -> Self {
        Self {
            shared,
            handlers: config.handlers.clone().into(),
            error_hook: Arc::clone(&config.error_hook),
            gateway_hook: config.gateway_hook.clone(),
            shutdown,
            semaphore: Arc::new(Semaphore::new(config.max_concurrent_handlers)),
            tasks: JoinSet::new(),
            sequential: config.sequential.then(Vec::new),
            event_buffer: config.event_buffer,
        }
    }

    async fn run(mut self, mut cluster: Cluster) -> Result<Vec<ShardSession>, Error> {
        if let Some(workers) = self.sequential.as_mut() {
            for id in cluster.range().ids() {
                let worker = spawn_sequential_worker(
                    &mut self.tasks,
                    Arc::clone(&self.handlers),
                    Arc::clone(&self.error_hook),
                    self.event_buffer,
                );
                workers.push((id, worker));
            }
        }

        let mut fatal = None;
        let mut sessions = Vec::new();
        let mut closing = false;
        loop {
            tokio::select! {
                item = cluster.next_event() => {
                    let Some((id, event)) = item else { break };
                    if let Some(hook) = &self.gateway_hook {
                        // User code: a panic in it is logged, not fatal.
                        let call = std::panic::AssertUnwindSafe(|| hook(id, &event));
                        if let Err(payload) = std::panic::catch_unwind(call) {
                            let message = crate::handler::panic_message(&*payload);
                            tracing::error!(shard = %id, "gateway hook panicked: {message}");
                        }
                    }
                    match event {
                        ShardEvent::Fatal(error) => {
                            tracing::error!(shard = %id, %error, "shard stopped");
                            fatal.get_or_insert(error);
                            if !closing {
                                closing = true;
                                self.close_all(CloseKind::Normal);
                            }
                        }
                        ShardEvent::Shutdown { session: Some(session) } => {
                            sessions.push(ShardSession { shard: id.number(), shards: id.total(), session });
                        }
                        ShardEvent::Dispatch { event, .. } => self.dispatch(id, event).await,
                        _ => {}
                    }
                }
                () = self.shutdown.notify.notified(), if !closing => {
                    closing = true;
                    let kind = self.shutdown.requested().unwrap_or(CloseKind::Normal);
                    self.close_all(kind);
                }
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => {}
            }
        }
        // Handlers get a grace period to finish their work.
        self.sequential = None;
        let _ = tokio::time::timeout(HANDLER_GRACE, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await;
        // A request served is forgotten, so that the client can connect again.
        if let Ok(mut kind) = self.shutdown.kind.lock() {
            *kind = None;
        }
        match fatal {
            Some(error) => Err(Error::new(ErrorKind::Gateway(error))),
            None => Ok(sessions),
        }
    }

    fn close_all(&self, kind: CloseKind) {
        let cluster = self.shared.cluster.clone();
        // The sessions come back through each shard's `Shutdown` event.
        tokio::spawn(async move {
            cluster.close(kind).await;
        });
    }

    async fn dispatch(&mut self, shard: ShardId, event: Event) {
        // The cache is updated before anyone sees the event; what the event
        // replaced goes to the handlers as `Context::before`.
        let before = Arc::new(self.shared.cache.update(&event));
        match &event {
            Event::Ready(ready) => self.set_user(ready.user.clone()),
            Event::UserUpdate(user) => self.set_user((**user).clone()),
            _ => {}
        }
        self.shared.waiters.fire(&event);
        let ctx = Context {
            shared: Arc::clone(&self.shared),
            shard,
            before,
        };
        if let Some(workers) = &self.sequential {
            if let Some((_, worker)) = workers.iter().find(|(id, _)| *id == shard) {
                // A full queue makes the dispatcher wait: backpressure, as
                // with the handler limit.
                let _ = worker.send((ctx, event)).await;
            }
            return;
        }
        let name = event.name().to_owned();
        for handler in self.handlers.iter() {
            let Some(future) = handler.call(ctx.clone(), &event) else {
                continue;
            };
            let Ok(permit) = Arc::clone(&self.semaphore).acquire_owned().await else {
                return;
            };
            let hook = Arc::clone(&self.error_hook);
            let name = name.clone();
            self.tasks.spawn(async move {
                run_handler(future, &name, &hook).await;
                drop(permit);
            });
        }
    }

    fn set_user(&self, user: CurrentUser) {
        if let Ok(mut slot) = self.shared.user.write() {
            *slot = Some(user);
        }
    }
}

async fn run_handler(future: crate::handler::HandlerFuture, event: &str, hook: &ErrorHook) {
    let failure = match std::panic::AssertUnwindSafe(future).catch_unwind().await {
        Ok(Ok(())) => return,
        Ok(Err(error)) => HandlerFailure::Error(error),
        Err(payload) => HandlerFailure::Panic(crate::handler::panic_message(&*payload)),
    };
    let error = HandlerError {
        event: event.to_owned(),
        failure,
    };
    // The hook is user code too; its panic must not take the task's caller
    // down with it.
    let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(error)));
}

fn spawn_sequential_worker(
    tasks: &mut JoinSet<()>,
    handlers: Arc<[crate::handler::Handler]>,
    hook: ErrorHook,
    capacity: usize,
) -> Worker {
    let (tx, mut rx) = mpsc::channel::<(Context, Event)>(capacity);
    tasks.spawn(async move {
        while let Some((ctx, event)) = rx.recv().await {
            for handler in handlers.iter() {
                if let Some(future) = handler.call(ctx.clone(), &event) {
                    run_handler(future, event.name(), &hook).await;
                }
            }
        }
    });
    tx
}
