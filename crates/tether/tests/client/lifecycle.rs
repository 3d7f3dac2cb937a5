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
