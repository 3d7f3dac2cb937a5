//! Shared setup: an emulator with fast timings and a client pointed at it.

use std::time::Duration;

use tether::gateway::Backoff;
use tether::{Client, ClientBuilder, Intents};
use tether_emulator::{Emulator, EmulatorHandle};

/// An emulator whose windows are short enough for tests. Heartbeats come
/// every 2 s: at shorter intervals heartbeats alone would use up the
/// 120-commands-per-minute budget the client keeps for them.
pub(crate) async fn emulator() -> EmulatorHandle {
    emulator_beating_every(Duration::from_secs(2)).await
}

/// An emulator with this heartbeat interval.
pub(crate) async fn emulator_beating_every(interval: Duration) -> EmulatorHandle {
    Emulator::builder()
        .heartbeat_interval(interval)
        .identify_interval(Duration::from_millis(50))
        .resume_grace(Duration::from_secs(60))
        .spawn()
        .await
        .unwrap()
}

/// A client for the emulator's bot, reconnecting quickly.
pub(crate) fn client(emulator: &EmulatorHandle) -> ClientBuilder {
    Client::builder(
        emulator.bot_token().expose(),
        Intents::GUILDS | Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT,
    )
    .api_base(emulator.api_base())
    .identify_interval(Duration::from_millis(50))
    .reconnect_backoff(Backoff::new(
        Duration::from_millis(20),
        Duration::from_millis(200),
    ))
}

/// Runs `client` on its own task; returns its handle and the task.
pub(crate) fn start(
    client: Client,
) -> (
    tether::ClientHandle,
    tokio::task::JoinHandle<Result<Vec<tether::ShardSession>, tether::Error>>,
) {
    let handle = client.handle();
    let task = tokio::spawn(async move {
        let mut client = client;
        client.start().await
    });
    (handle, task)
}

/// Waits until the emulator has a session attached to a connection.
pub(crate) async fn connected(emulator: &EmulatorHandle) -> String {
    emulator
        .wait_for(Duration::from_secs(10), |core| {
            core.sessions()
                .into_iter()
                .find(|s| s.connection.is_some())
                .map(|s| s.id)
        })
        .await
        .unwrap()
}

/// Runs `client` and waits until its shard has processed `READY`, so that
/// the client's session and handle are live.
pub(crate) async fn start_ready(
    builder: ClientBuilder,
) -> (
    tether::ClientHandle,
    tokio::task::JoinHandle<Result<Vec<tether::ShardSession>, tether::Error>>,
) {
    let (ready_tx, mut ready) = tokio::sync::mpsc::unbounded_channel();
    let client = builder
        .on_ready(move |_, _| {
            let ready_tx = ready_tx.clone();
            async move {
                let _ = ready_tx.send(());
            }
        })
        .build()
        .unwrap();
    let started = start(client);
    tokio::time::timeout(Duration::from_secs(10), ready.recv())
        .await
        .unwrap()
        .unwrap();
    started
}

/// Logs to the test's output when `RUST_LOG` is set, for debugging.
pub(crate) fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}
