//! The shard driver: one tokio task per shard, moving bytes between a
//! WebSocket and the sans-IO [`tether_gateway_proto::Shard`].
//!
//! # Backpressure
//!
//! Events go to the user through a bounded channel. When it is full the
//! driver stops reading the socket (TCP pushes back on Discord) until the
//! user catches up, and tells the protocol core so. Heartbeats keep going
//! out on time, so Discord keeps the session, and zombie detection skips
//! the intervals in which the socket was not read (an unread ACK is not a
//! missing one). If Discord drops a connection that was not read for too
//! long, the shard resumes and Discord replays what was missed: no event is
//! lost.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use futures_util::{SinkExt, Stream, StreamExt};
use tether_gateway_proto::{
    CloseFrame, CloseKind, Message, Output, SendError, Session, Shard as Proto, ShardConfig,
    ShardEvent, ShardId, ShardStats, ShardStatus,
};
use tether_model::gateway::Command;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, sleep_until, timeout};
use tokio_websockets::{ClientBuilder, Connector, Limits, MaybeTlsStream, WebSocketStream};

use crate::queue::{IdentifyQueue, LocalQueue};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a WebSocket handshake may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);

/// Default capacity of the event channel.
const DEFAULT_EVENT_BUFFER: usize = 1024;

/// A running shard: its events, and a [`ShardHandle`] to command it.
///
/// Created by [`Shard::builder`]; the connection runs on its own tokio task
/// until the shard stops (fatal close code or [`ShardHandle::close`]),
/// after which [`Shard::next_event`] returns `None`.
///
/// ```no_run
/// use tether_gateway::Shard;
/// use tether_gateway_proto::{ShardConfig, ShardEvent};
/// use tether_model::{Event, Intents, Token};
///
/// # async fn run() {
/// let config = ShardConfig::new(Token::new("token"), Intents::GUILD_MESSAGES);
/// let mut shard = Shard::builder(config).spawn();
/// while let Some(event) = shard.next_event().await {
///     if let ShardEvent::Dispatch { event: Event::MessageCreate(m), .. } = event {
///         println!("{}: {}", m.author.username, m.content);
///     }
/// }
/// # }
/// ```
#[derive(Debug)]
pub struct Shard {
    events: mpsc::Receiver<ShardEvent>,
    handle: ShardHandle,
}

impl Shard {
    /// A builder for a shard with this protocol configuration.
    pub fn builder(config: ShardConfig) -> ShardBuilder {
        ShardBuilder {
            config,
            queue: None,
            event_buffer: DEFAULT_EVENT_BUFFER,
        }
    }

    /// The next event; `None` once the shard stopped and every event was
    /// taken.
    pub async fn next_event(&mut self) -> Option<ShardEvent> {
        self.events.recv().await
    }

    /// A handle to command the shard from other tasks.
    pub fn handle(&self) -> ShardHandle {
        self.handle.clone()
    }
}

impl Stream for Shard {
    type Item = ShardEvent;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<ShardEvent>> {
        self.events.poll_recv(cx)
    }
}

/// Builds and spawns a [`Shard`].
#[derive(Debug)]
pub struct ShardBuilder {
    config: ShardConfig,
    queue: Option<Arc<dyn IdentifyQueue>>,
    event_buffer: usize,
}

impl ShardBuilder {
    /// The identify queue to share with other shards (default: a
    /// [`LocalQueue`] of this shard alone).
    #[must_use]
    pub fn identify_queue(mut self, queue: Arc<dyn IdentifyQueue>) -> Self {
        self.queue = Some(queue);
        self
    }

    /// Capacity of the event channel (at least 1); see the module docs for
    /// what happens when it is full.
    #[must_use]
    pub fn event_buffer(mut self, capacity: usize) -> Self {
        self.event_buffer = capacity.max(1);
        self
    }

    /// Spawns the shard's task on the current tokio runtime.
    ///
    /// # Panics
    ///
    /// Outside a tokio runtime, as [`tokio::spawn`] does.
    pub fn spawn(self) -> Shard {
        let (event_tx, events) = mpsc::channel(self.event_buffer);
        let (control_tx, control_rx) = mpsc::unbounded_channel();
        let id = self.config.shard_id();
        let info = Arc::new(Mutex::new(ShardInfo {
            id,
            status: ShardStatus::Connecting,
            latency: None,
            stats: ShardStats::default(),
            session: None,
        }));
        let queue = self
            .queue
            .unwrap_or_else(|| Arc::new(LocalQueue::new(1)) as Arc<dyn IdentifyQueue>);
        let runner = Runner {
            proto: Proto::new(self.config),
            socket: None,
            control: control_rx,
            events: event_tx,
            pending: VecDeque::new(),
            info: Arc::clone(&info),
            finished: false,
        };
        tokio::spawn(runner.run(queue));
        Shard {
            events,
            handle: ShardHandle {
                control: control_tx,
                info,
            },
        }
    }
}

/// A cloneable handle to command a running shard.
#[derive(Clone, Debug)]
pub struct ShardHandle {
    control: mpsc::UnboundedSender<Control>,
    info: Arc<Mutex<ShardInfo>>,
}

impl ShardHandle {
    /// Queues a gateway command (presence, voice state, request members).
    /// It goes out when the session is ready and the rate limit allows.
    ///
    /// # Errors
    ///
    /// The shard's [`SendError`]: too large, queue full, or stopped. The
    /// command is handed back inside.
    pub async fn send(&self, command: Command) -> Result<(), SendError> {
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(Control::Send(command, _))) =
            self.control.send(Control::Send(command, reply))
        {
            return Err(SendError::stopped(command));
        }
        // The runner always answers unless it ended after taking the
        // command; then the shard is stopped and the command was not sent.
        answer.await.unwrap_or(Ok(()))
    }

    /// Closes the shard and waits until it stopped. With
    /// [`CloseKind::Resumable`] the session is returned, to resume it later
    /// (for example in a restarted process).
    pub async fn close(&self, kind: CloseKind) -> Option<Session> {
        let (reply, answer) = oneshot::channel();
        self.control.send(Control::Close(kind, reply)).ok()?;
        answer.await.ok().flatten()
    }

    /// The shard's status, latency and counters.
    pub fn info(&self) -> ShardInfo {
        // A poisoned lock means the runner panicked mid-update; the last
        // written value is still the best answer.
        match self.info.lock() {
            Ok(info) => info.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Whether the shard's task has ended.
    pub fn is_stopped(&self) -> bool {
        self.control.is_closed()
    }
}

/// A snapshot of a shard for status displays and metrics.
#[derive(Clone, Debug, PartialEq)]
pub struct ShardInfo {
    /// Shard id.
    pub id: ShardId,
    /// Connection state.
    pub status: ShardStatus,
    /// Latency of the last ACKed heartbeat.
    pub latency: Option<Duration>,
    /// Counters: connections, identifies, resumes, events, bytes.
    pub stats: ShardStats,
    /// The session, while there is one.
    pub session: Option<Session>,
}

impl ShardInfo {
    /// Decompressed bytes per received byte (1.0 without compression).
    #[expect(clippy::cast_precision_loss, reason = "a ratio for display")]
    pub fn compression_ratio(&self) -> Option<f64> {
        (self.stats.bytes_received > 0)
            .then(|| self.stats.bytes_decompressed as f64 / self.stats.bytes_received as f64)
    }
}

enum Control {
    Send(Command, oneshot::Sender<Result<(), SendError>>),
    Close(CloseKind, oneshot::Sender<Option<Session>>),
}

struct Runner {
    proto: Proto,
    socket: Option<Socket>,
    control: mpsc::UnboundedReceiver<Control>,
    events: mpsc::Sender<ShardEvent>,
    /// Events the channel had no room for yet.
    pending: VecDeque<ShardEvent>,
    info: Arc<Mutex<ShardInfo>>,
    finished: bool,
}

impl Runner {
    async fn run(mut self, queue: Arc<dyn IdentifyQueue>) {
        let id = self.proto.id();
        let mut identify = None;
        let mut close_reply: Option<oneshot::Sender<Option<Session>>> = None;
        // A second sender, so that a reserved permit borrows a local rather
        // than `self` while the branch handlers mutate `self`.
        let events = self.events.clone();
        loop {
            let deadline = loop {
                match self.proto.poll_output() {
                    Output::Connect { url } => self.connect(&url).await,
                    Output::Transmit(frame) => {
                        tracing::trace!(shard = %id, ?frame, "transmit");
                        self.transmit(frame.into_string()).await;
                    }
                    Output::Close(frame) => self.close_socket(frame).await,
                    Output::RequestIdentify => identify = Some(queue.acquire(id)),
                    Output::Event(event) => {
                        tracing::trace!(shard = %id, ?event, "event");
                        if let ShardEvent::Shutdown { session } = &event {
                            if let Some(reply) = close_reply.take() {
                                let _ = reply.send(session.clone());
                            }
                            self.finished = true;
                        }
                        if matches!(event, ShardEvent::Fatal(_)) {
                            self.finished = true;
                        }
                        self.pending.push_back(event);
                    }
                    Output::Wait(deadline) => break deadline,
                }
            };
            self.flush_events();
            self.publish_info();
            if self.finished && self.pending.is_empty() {
                return;
            }
            let paused = !self.pending.is_empty();
            self.proto.set_backpressure(paused);
            tokio::select! {
                message = async {
                    match self.socket.as_mut() {
                        Some(socket) if !paused => socket.next().await,
                        _ => std::future::pending().await,
                    }
                } => self.on_socket(message),
                permit = events.reserve(), if paused => {
                    if let Ok(permit) = permit {
                        if let Some(event) = self.pending.pop_front() {
                            permit.send(event);
                        }
                    } else {
                        // Nobody listens any more: end the session.
                        self.pending.clear();
                        self.proto.close(now(), CloseKind::Normal);
                    }
                }
                () = async {
                    match identify.as_mut() {
                        Some(permit) => permit.await,
                        None => std::future::pending().await,
                    }
                }, if identify.is_some() => {
                    identify = None;
                    self.proto.handle_identify_permit(now());
                }
                control = self.control.recv() => match control {
                    Some(Control::Send(command, reply)) => {
                        let _ = reply.send(self.proto.send(now(), command));
                    }
                    Some(Control::Close(kind, reply)) => {
                        close_reply = Some(reply);
                        self.proto.close(now(), kind);
                    }
                    // Every handle is gone: keep running for the event
                    // stream's owner; commands can no longer arrive.
                    None => {
                        if self.events.is_closed() {
                            self.proto.close(now(), CloseKind::Normal);
                        }
                    }
                },
                () = sleep_until_opt(deadline) => self.proto.handle_timeout(now()),
            }
        }
    }

    fn flush_events(&mut self) {
        while let Some(event) = self.pending.pop_front() {
            match self.events.try_send(event) {
                Ok(()) => {}
                Err(mpsc::error::TrySendError::Full(event)) => {
                    self.pending.push_front(event);
                    return;
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    self.pending.clear();
                    return;
                }
            }
        }
    }

    fn publish_info(&self) {
        let Ok(mut info) = self.info.lock() else {
            return;
        };
        info.status = self.proto.status();
        info.latency = self.proto.latency();
        info.stats = self.proto.stats();
        info.session = self.proto.session().cloned();
    }

    async fn connect(&mut self, url: &str) {
        self.socket = None;
        match timeout(CONNECT_TIMEOUT, open(url)).await {
            Ok(Ok(socket)) => {
                tracing::debug!(shard = %self.proto.id(), "connected");
                self.socket = Some(socket);
                self.proto.handle_open(now());
            }
            Ok(Err(error)) => {
                tracing::warn!(shard = %self.proto.id(), %error, "connection failed");
                self.proto.handle_close(now(), None);
            }
            Err(_) => {
                tracing::warn!(shard = %self.proto.id(), "connection timed out");
                self.proto.handle_close(now(), None);
            }
        }
    }

    async fn transmit(&mut self, frame: String) {
        let Some(socket) = self.socket.as_mut() else {
            return;
        };
        if let Err(error) = socket.send(tokio_websockets::Message::text(frame)).await {
            tracing::debug!(shard = %self.proto.id(), %error, "send failed");
            self.socket = None;
            self.proto.handle_close(now(), None);
        }
    }

    async fn close_socket(&mut self, frame: CloseFrame) {
        if let Some(mut socket) = self.socket.take() {
            let code = tokio_websockets::CloseCode::try_from(frame.code)
                .unwrap_or(tokio_websockets::CloseCode::NORMAL_CLOSURE);
            let message = tokio_websockets::Message::close(Some(code), &frame.reason);
            // The peer may be gone already; the close is best effort.
            let _ = timeout(Duration::from_secs(2), socket.send(message)).await;
        }
        self.proto.handle_close(now(), None);
    }

    fn on_socket(
        &mut self,
        message: Option<Result<tokio_websockets::Message, tokio_websockets::Error>>,
    ) {
        let now = now();
        match message {
            Some(Ok(message)) => {
                if let Some(text) = message.as_text() {
                    self.proto.handle_message(now, Message::Text(text));
                } else if message.is_binary() {
                    self.proto
                        .handle_message(now, Message::Binary(message.as_payload()));
                } else if let Some((code, reason)) = message.as_close() {
                    let frame = CloseFrame {
                        code: code.into(),
                        reason: reason.to_owned(),
                    };
                    self.socket = None;
                    self.proto.handle_close(now, Some(frame));
                }
            }
            Some(Err(error)) => {
                tracing::debug!(shard = %self.proto.id(), %error, "transport error");
                self.socket = None;
                self.proto.handle_close(now, None);
            }
            None => {
                self.socket = None;
                self.proto.handle_close(now, None);
            }
        }
    }
}

/// The driver's clock, as the std instant the protocol core takes.
fn now() -> std::time::Instant {
    Instant::now().into_std()
}

async fn sleep_until_opt(deadline: Option<std::time::Instant>) {
    match deadline {
        Some(deadline) => sleep_until(Instant::from_std(deadline)).await,
        None => std::future::pending().await,
    }
}

async fn open(url: &str) -> Result<Socket, tokio_websockets::Error> {
    // Building a TLS configuration loads the root store; once per process.
    static CONNECTOR: OnceLock<Option<Connector>> = OnceLock::new();
    let uri: http::Uri = url
        .parse()
        .map_err(|_| tokio_websockets::Error::NoUriConfigured)?;
    let mut builder = ClientBuilder::from_uri(uri).limits(
        Limits::default().max_payload_len(Some(tether_gateway_proto::DEFAULT_MAX_MESSAGE_SIZE)),
    );
    if let Some(connector) = CONNECTOR.get_or_init(|| Connector::new().ok()) {
        builder = builder.connector(connector);
    }
    builder.connect().await.map(|(socket, _)| socket)
}
