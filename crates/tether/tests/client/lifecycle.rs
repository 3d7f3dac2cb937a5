//! Login, fatal close codes, and cold resume across client restarts.

use std::time::Duration;

use tether::gateway::FatalErrorKind;
use tether::{Client, ErrorKind, Intents};
use tether_model::application::flags;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_fails_login_before_any_websocket() {
    let emulator = support::emulator().await;
    let mut client = Client::builder("not-the-token", Intents::GUILD_MESSAGES)
        .api_base(emulator.api_base())
        .build()
        .unwrap();
    let err = client.start().await.unwrap_err();
    assert!(matches!(err.kind(), ErrorKind::LoginFailed), "{err}");
    assert!(err.to_string().contains("token"), "{err}");
    assert!(
        !err.to_string().contains("not-the-token"),
        "the token never shows"
    );
    assert!(
        !format!("{err:?}").contains("not-the-token"),
        "nor in Debug"
    );
    assert!(
        emulator.connections().is_empty(),
        "no gateway connection was opened"
    );
    assert_eq!(emulator.stats().identifies, 0);
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disallowed_intents_end_the_client_with_a_named_error() {
    let emulator = support::emulator().await;
    // A second bot whose application has no privileged intent enabled.
    emulator.create_bot("Plain Bot", "plain-token", flags::GATEWAY_GUILD_MEMBERS);
    let mut client = Client::builder(
        "plain-token",
        Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT,
    )
    .api_base(emulator.api_base())
    .identify_interval(Duration::from_millis(50))
    .build()
    .unwrap();
    let err = tokio::time::timeout(Duration::from_secs(20), client.start())
        .await
        .unwrap()
        .unwrap_err();
    let ErrorKind::Gateway(fatal) = err.kind() else {
        panic!("{err}");
    };
    assert_eq!(
        fatal.kind(),
        FatalErrorKind::DisallowedIntents {
            privileged: Intents::MESSAGE_CONTENT
        }
    );
    let text = err.to_string();
    assert!(
        text.contains("MESSAGE_CONTENT") && text.contains("Developer Portal"),
        "{text}"
    );
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumable_shutdown_lets_the_next_start_resume() {
    let emulator = support::emulator().await;
    let (handle, task) = support::start_ready(support::client(&emulator)).await;
    let session = support::connected(&emulator).await;
    handle.shutdown_resumable();
    let saved = task.await.unwrap().unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].session.id, session);

    // Something happens while the bot is away.
    let missed = emulator
        .say(
            emulator.human_id(),
            emulator.channel_id(),
            "while you were out",
        )
        .unwrap();

    // A restarted process: the saved sessions round-trip through JSON.
    let saved: Vec<tether::ShardSession> =
        serde_json::from_str(&serde_json::to_string(&saved).unwrap()).unwrap();
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let client = support::client(&emulator)
        .resume_sessions(saved)
        .on_message(move |_, msg| {
            let seen_tx = seen_tx.clone();
            async move {
                let _ = seen_tx.send(msg);
            }
        })
        .build()
        .unwrap();
    let identifies = emulator.stats().identifies;
    let (handle, task) = support::start(client);
    let replayed = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(replayed.id, missed.id);
    assert_eq!(
        replayed.content, "while you were out",
        "replayed by the resume"
    );
    assert_eq!(
        emulator.stats().identifies,
        identifies,
        "resumed, not identified"
    );
    assert!(
        emulator
            .sessions()
            .iter()
            .any(|s| s.id == session && s.resumes == 1)
    );
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}

/// A writer that keeps everything logged, to search it afterwards.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Secret hygiene: a whole session (login, identify, heartbeats, a message
/// round trip, a resume, shutdown) logged at TRACE level never shows the
/// token, and neither does any `Debug` output along the way.
#[tokio::test(flavor = "current_thread")]
async fn the_token_never_appears_in_logs_or_debug_output() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let emulator = support::emulator().await;
    let token = emulator.bot_token().expose().to_owned();
    let (seen_tx, mut seen) = tokio::sync::mpsc::unbounded_channel();
    let builder = support::client(&emulator).on_message(move |ctx, msg| {
        let seen_tx = seen_tx.clone();
        async move {
            let _ = seen_tx.send(format!("{ctx:?} {msg:?}"));
        }
    });
    let debug_builder = format!("{builder:?}");
    let (handle, task) = support::start_ready(builder).await;
    let session = support::connected(&emulator).await;
    emulator
        .say(emulator.human_id(), emulator.channel_id(), "psst")
        .unwrap();
    let in_handler = tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .unwrap()
        .unwrap();
    emulator
        .fault_session(&session, tether_emulator::Fault::DropConnection)
        .unwrap();
    emulator
        .say(emulator.human_id(), emulator.channel_id(), "again")
        .unwrap();
    tokio::time::timeout(Duration::from_secs(10), seen.recv())
        .await
        .unwrap()
        .unwrap();
    handle.shutdown();
    let result = task.await.unwrap();
    emulator.shutdown().await;

    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("transmit"), "TRACE logs were captured");
    for (what, text) in [
        ("logs", logs.as_str()),
        ("builder Debug", debug_builder.as_str()),
        ("handler Debug", in_handler.as_str()),
        ("result Debug", &format!("{result:?}")),
    ] {
        assert!(!text.contains(&token), "the token shows in {what}");
    }
}
