//! The tokio and axum plumbing around the [`Core`]: one HTTP server for
//! REST (`/api/v10/…`), control (`/_emulator/…`) and the gateway
//! (a WebSocket upgrade on any other path).
//!
//! All state sits in one [`Core`] behind one mutex. Every input (a client
//! frame, a REST call, a handle call, a timer) locks it, feeds the core
//! and drains the core's outputs into per-connection queues while still
//! holding the lock, so events reach each connection in the order the core
//! produced them. Each connection has a task that encodes and writes its
//! queue and reads the client's frames; one ticker task fires the core's
//! timers.
//!
//! The queues are unbounded channels with a byte budget
//! ([`Config::send_queue_limit`](crate::Config::send_queue_limit)): a client
//! reading slower than its events arrive never blocks the world. When its
//! queue passes the budget the connection is dropped without a close frame
//! (as a broken network would), and its session stays resumable with the
//! events kept for replay. Replays themselves are not counted: they are
//! bounded by [`Config::replay_capacity`](crate::Config::replay_capacity).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::extract::{OriginalUri, State};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use futures_util::SinkExt;
use tokio::sync::{Notify, mpsc, watch};

use crate::core::{Action, ConnectionId, Core};
use crate::encode::{CORRUPT, Encoder, Frame};
use crate::rest::limits::Limiter;
use crate::world::Primary;

/// Largest client message read; 4097 bytes to this are answered with
/// 4002, larger ones end the connection.
const MAX_READ: usize = 1 << 20;
/// How long a connection waits for the client's close frame after sending one.
const CLOSE_WAIT: Duration = Duration::from_secs(2);
/// Frames written before one flush.
const BATCH: usize = 128;

pub(crate) struct Shared {
    state: Mutex<Hub>,
    tick: Notify,
    changed: watch::Sender<u64>,
    pub(crate) limiter: Mutex<Limiter>,
    pub(crate) addr: SocketAddr,
    pub(crate) primary: Primary,
    pub(crate) shutdown: watch::Receiver<bool>,
    queue_limit: usize,
}

pub(crate) struct Hub {
    pub(crate) core: Core,
    conns: HashMap<ConnectionId, Sender>,
}

struct Sender {
    tx: mpsc::UnboundedSender<Action>,
    queued: Arc<AtomicUsize>,
    abort: Arc<AtomicBool>,
}

impl Shared {
    pub(crate) fn new(
        core: Core,
        addr: SocketAddr,
        primary: Primary,
        shutdown: watch::Receiver<bool>,
    ) -> Self {
        let queue_limit = core.config().send_queue_limit;
        let limiter = Limiter::new(core.config().rate_limits.clone());
        Self {
            state: Mutex::new(Hub {
                core,
                conns: HashMap::new(),
            }),
            tick: Notify::new(),
            changed: watch::Sender::new(0),
            limiter: Mutex::new(limiter),
            addr,
            primary,
            shutdown,
            queue_limit,
        }
    }

    /// Runs `f` on the state under the lock, with the current instant, then
    /// delivers the core's outputs and wakes waiters and the ticker.
    pub(crate) fn run<T>(&self, f: impl FnOnce(&mut Hub, Instant) -> T) -> T {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        let now = Instant::now();
        let out = f(&mut state, now);
        self.flush(&mut state, now);
        let moved = state.core.take_deadline_moved();
        drop(state);
        if moved {
            self.tick.notify_one();
        }
        self.changed.send_modify(|n| *n = n.wrapping_add(1));
        out
    }

    /// Reads the core under the lock.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Core) -> T) -> T {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        f(&state.core)
    }

    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.changed.subscribe()
    }

    pub(crate) fn unix_now() -> f64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64())
    }

    pub(crate) fn gateway_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    fn flush(&self, state: &mut Hub, now: Instant) {
        while let Some(out) = state.core.poll_output() {
            let id = out.connection;
            let Some(sender) = state.conns.get(&id) else {
                continue;
            };
            let len = match &out.action {
                Action::Send(text) => text.len(),
                _ => 0,
            };
            let terminal = matches!(out.action, Action::Close { .. } | Action::Drop);
            if len > 0
                && sender.queued.load(Ordering::Relaxed).saturating_add(len) > self.queue_limit
            {
                tracing::warn!(connection = %id, "gateway client too slow, dropping its connection");
                sender.abort.store(true, Ordering::Relaxed);
                let _ = sender.tx.send(Action::Drop);
                state.conns.remove(&id);
                state.core.handle_close(now, id, None);
                continue;
            }
            sender.queued.fetch_add(len, Ordering::Relaxed);
            if sender.tx.send(out.action).is_err() || terminal {
                state.conns.remove(&id);
            }
        }
    }
}

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v10/{*rest}", any(crate::rest::handle))
        .route("/api/v10", any(crate::rest::handle))
        .route("/_emulator", any(crate::control::handle))
        .route("/_emulator/{*rest}", any(crate::control::handle))
        .fallback(gateway)
        .with_state(shared)
}

/// Fires the core's timers until shutdown.
pub(crate) async fn ticker(shared: Arc<Shared>) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        let deadline = shared.read(Core::next_deadline);
        let sleep = async {
            match deadline {
                Some(at) => tokio::time::sleep_until(at.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = shared.tick.notified() => {}
            () = sleep => shared.run(|st, now| st.core.handle_timeout(now)),
            _ = shutdown.changed() => return,
        }
    }
}

async fn gateway(
    State(shared): State<Arc<Shared>>,
    OriginalUri(uri): OriginalUri,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return crate::rest::not_found();
    };
    let path = uri.path().to_owned();
    let query = uri.query().unwrap_or_default().to_owned();
    upgrade
        .max_message_size(MAX_READ)
        .max_frame_size(MAX_READ)
        .on_upgrade(move |socket| connection(shared, socket, path, query))
        .into_response()
}

/// One gateway connection: writes the core's actions, reads the client.
#[expect(
    clippy::too_many_lines,
    reason = "one select loop: queued frames, held frames and client reads side by side"
)]
async fn connection(shared: Arc<Shared>, mut socket: WebSocket, path: String, query: String) {
    let (tx, mut rx) = mpsc::unbounded_channel();
    let queued = Arc::new(AtomicUsize::new(0));
    let abort = Arc::new(AtomicBool::new(false));
    let compression = crate::core::parse_query(&query)
        .map(|(_, c)| c)
        .unwrap_or_default();
    let id = shared.run(|st, now| {
        let id = st.core.open(now, &path, &query);
        st.conns.insert(
            id,
            Sender {
                tx,
                queued: Arc::clone(&queued),
                abort: Arc::clone(&abort),
            },
        );
        id
    });
    let Ok(mut encoder) = Encoder::new(compression) else {
        shared.run(|st, now| st.core.handle_close(now, id, None));
        return;
    };
    let mut shutdown = shared.shutdown.clone();
    let mut delay = Duration::ZERO;
    let mut held: std::collections::VecDeque<(Instant, Action)> = std::collections::VecDeque::new();
    let mut client_code = None;
    'conn: loop {
        let next_held = held.front().map(|(at, _)| *at);
        tokio::select! {
            action = rx.recv() => {
                let Some(action) = action else { break 'conn };
                let mut batch = vec![action];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(a) => batch.push(a),
                        Err(_) => break,
                    }
                }
                for action in batch {
                    if let Action::Send(text) = &action {
                        queued.fetch_sub(text.len(), Ordering::Relaxed);
                    }
                    if abort.load(Ordering::Relaxed) {
                        break 'conn;
                    }
                    if let Action::Delay(d) = action {
                        delay = d;
                        continue;
                    }
                    if !delay.is_zero() || !held.is_empty() {
                        held.push_back((Instant::now() + delay, action));
                        continue;
                    }
                    match perform(&mut socket, &mut encoder, action).await {
                        Step::Go => {}
                        Step::Closed => { finish_close(&mut socket).await; break 'conn; }
                        Step::End => break 'conn,
                    }
                }
                if socket.flush().await.is_err() {
                    break 'conn;
                }
            }
            () = sleep_until(next_held) => {
                let now = Instant::now();
                while held.front().is_some_and(|(at, _)| *at <= now) {
                    let Some((_, action)) = held.pop_front() else { break };
                    match perform(&mut socket, &mut encoder, action).await {
                        Step::Go => {}
                        Step::Closed => { finish_close(&mut socket).await; break 'conn; }
                        Step::End => break 'conn,
                    }
                }
                if socket.flush().await.is_err() {
                    break 'conn;
                }
            }
            message = socket.recv() => match message {
                Some(Ok(Message::Text(text))) => {
                    shared.run(|st, now| st.core.handle_message(now, id, text.as_bytes()));
                }
                Some(Ok(Message::Binary(bytes))) => {
                    shared.run(|st, now| st.core.handle_message(now, id, &bytes));
                }
                Some(Ok(Message::Close(frame))) => {
                    client_code = Some(frame.as_ref().map(|f| f.code));
                    let _ = socket.send(Message::Close(frame)).await;
                    break 'conn;
                }
                Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                Some(Err(_)) | None => break 'conn,
            },
            _ = shutdown.changed() => break 'conn,
        }
    }
    shared.run(|st, now| {
        st.conns.remove(&id);
        st.core.handle_close(now, id, client_code.flatten());
    });
}

enum Step {
    Go,
    Closed,
    End,
}

async fn perform(socket: &mut WebSocket, encoder: &mut Encoder, action: Action) -> Step {
    let result = match action {
        Action::Send(text) | Action::Replay(text) => {
            let Ok(frames) = encoder.encode(text) else {
                return Step::End;
            };
            let mut result = Ok(());
            for frame in frames {
                let message = match frame {
                    Frame::Text(t) => Message::Text(t.into()),
                    Frame::Binary(b) => Message::Binary(b.into()),
                };
                result = socket.feed(message).await;
                if result.is_err() {
                    break;
                }
            }
            result
        }
        Action::Close { code, reason } => {
            let frame = CloseFrame {
                code,
                reason: reason.into(),
            };
            return if socket.send(Message::Close(Some(frame))).await.is_ok() {
                Step::Closed
            } else {
                Step::End
            };
        }
        Action::Drop => {
            // What was queued before the drop still goes out.
            let _ = socket.flush().await;
            return Step::End;
        }
        Action::PayloadCompression { threshold } => {
            encoder.payload_compression(threshold);
            Ok(())
        }
        Action::CorruptFrame => socket.feed(Message::Binary(CORRUPT.to_vec().into())).await,
        Action::SplitFrames(parts) => {
            encoder.split(parts);
            Ok(())
        }
        Action::Delay(_) => Ok(()),
    };
    if result.is_ok() { Step::Go } else { Step::End }
}

/// After our close frame: read until the client's close (or end), so the
/// socket is not reset while the client still reads.
async fn finish_close(socket: &mut WebSocket) {
    let _ = tokio::time::timeout(CLOSE_WAIT, async {
        while let Some(Ok(message)) = socket.recv().await {
            if matches!(message, Message::Close(_)) {
                break;
            }
        }
    })
    .await;
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
