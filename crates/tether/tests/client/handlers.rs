//! Handlers: a panic or an error goes to the hook and the client goes on;
//! sequential mode keeps order.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tether::{HandlerFailure, kinds};
use tokio::sync::mpsc;

use crate::support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_handler_leaves_the_client_running() {
    let emulator = support::emulator().await;
    let (failures_tx, mut failures) = mpsc::unbounded_channel();
    let (seen_tx, mut seen) = mpsc::unbounded_channel();
    let client = support::client(&emulator)
        .on_message(|_, msg| async move {
            assert!(msg.content != "panic", "boom on purpose");
        })
        .on_message(|_, msg| async move {
            if msg.content == "fail" {
                return Err(std::io::Error::other("failed on purpose"));
            }
            Ok(())
        })
        .on_message(move |_, msg| {
            let seen_tx = seen_tx.clone();
            async move {
                let _ = seen_tx.send(msg.content.clone());
            }
        })
        .on_error(move |error| {
            let _ = failures_tx.send((
                error.event.clone(),
                error.to_string(),
                matches!(error.failure, HandlerFailure::Panic(_)),
            ));
        })
        .build()
        .unwrap();
    let (handle, task) = support::start(client);
    support::connected(&emulator).await;
    let (user, channel) = (emulator.human_id(), emulator.channel_id());
    for content in ["panic", "fail", "after"] {
        emulator.say(user, channel, content).unwrap();
    }
    let mut got = Vec::new();
    while got.len() < 3 {
        got.push(
            tokio::time::timeout(Duration::from_secs(10), seen.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    got.sort();
    assert_eq!(
        got,
        ["after", "fail", "panic"],
        "every message reached the healthy handler"
    );
    let mut hooks = Vec::new();
    while hooks.len() < 2 {
        hooks.push(
            tokio::time::timeout(Duration::from_secs(10), failures.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    hooks.sort();
    assert_eq!(hooks[0].0, "MESSAGE_CREATE");
    assert!(
        hooks
            .iter()
            .any(|(_, text, panic)| *panic && text.contains("boom on purpose")),
        "{hooks:?}"
    );
    assert!(
        hooks
            .iter()
            .any(|(_, text, panic)| !panic && text.contains("failed on purpose")),
        "{hooks:?}"
    );
    assert!(!task.is_finished(), "the client still runs");
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sequential_mode_keeps_order() {
    let emulator = support::emulator().await;
    let order = Arc::new(Mutex::new(Vec::new()));
    let recorded = Arc::clone(&order);
    let (done_tx, mut done) = mpsc::unbounded_channel();
    let client = support::client(&emulator)
        .sequential(true)
        .on::<kinds::MessageCreate, _, _>(move |_, msg| {
            let recorded = Arc::clone(&recorded);
            let done_tx = done_tx.clone();
            async move {
                // A slow first handler would be overtaken without sequential mode.
                if msg.content == "0" {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                recorded
                    .lock()
                    .unwrap()
                    .push(msg.content.parse::<u32>().unwrap());
                let _ = done_tx.send(());
            }
        })
        .build()
        .unwrap();
    let (handle, task) = support::start(client);
    support::connected(&emulator).await;
    emulator
        .say_many(
            emulator.human_id(),
            emulator.channel_id(),
            (0..100).map(|i| i.to_string()),
        )
        .unwrap();
    for _ in 0..100 {
        tokio::time::timeout(Duration::from_secs(10), done.recv())
            .await
            .unwrap()
            .unwrap();
    }
    handle.shutdown();
    task.await.unwrap().unwrap();
    assert_eq!(*order.lock().unwrap(), (0..100).collect::<Vec<_>>());
    emulator.shutdown().await;
}
