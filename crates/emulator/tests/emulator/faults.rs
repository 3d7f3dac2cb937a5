//! Fault injection, one fault at a time, from the handle.

use std::time::{Duration, Instant};

use serde_json::json;
use tether_emulator::{EmulatorHandle, Fault};

use crate::support::{ALL_INTENTS, Client, emulator, resume, token};

async fn identified(handle: &EmulatorHandle) -> (Client, String) {
    let (mut client, _) = Client::hello(handle, "v=10").await;
    let ready = client.identify(&token(handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    (
        client,
        ready["d"]["session_id"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test]
async fn close_drop_reconnect_and_request_heartbeat() {
    let handle = emulator().await;
    let (mut client, session) = identified(&handle).await;
    handle.fault_session(&session, Fault::Reconnect).unwrap();
    assert_eq!(
        client.json().await,
        json!({"t": null, "s": null, "op": 7, "d": null})
    );
    handle
        .fault_session(&session, Fault::RequestHeartbeat)
        .unwrap();
    assert_eq!(client.json().await["op"], 1);
    handle
        .fault_session(
            &session,
            Fault::Close {
                code: 4900,
                reason: "custom".to_owned(),
            },
        )
        .unwrap();
    assert_eq!(client.closed().await, Some(4900));
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token(&handle), &session, 2)).await;
    assert_eq!(again.json().await["t"], "RESUMED", "4900 keeps the session");
    handle
        .fault_session(&session, Fault::DropConnection)
        .unwrap();
    assert_eq!(again.closed().await, None);
}

#[tokio::test]
async fn invalid_session_true_and_false() {
    let handle = emulator().await;
    let token = token(&handle);
    let (mut client, session) = identified(&handle).await;
    handle
        .fault_session(&session, Fault::InvalidSession { resumable: true })
        .unwrap();
    assert_eq!(client.json().await["d"], true);
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token, &session, 2)).await;
    assert_eq!(again.json().await["t"], "RESUMED");
    handle
        .fault_session(&session, Fault::InvalidSession { resumable: false })
        .unwrap();
    assert_eq!(again.json().await["d"], false);
    assert!(handle.sessions().is_empty());
}

#[tokio::test]
async fn kill_session_closes_with_4009_and_cannot_be_resumed() {
    let handle = emulator().await;
    let (mut client, session) = identified(&handle).await;
    handle.fault_session(&session, Fault::KillSession).unwrap();
    assert_eq!(client.closed().await, Some(4009));
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token(&handle), &session, 2)).await;
    assert_eq!(again.json().await["op"], 9);
    // Killing a detached session works too.
    let (client, session) = identified(&handle).await;
    client.drop_tcp();
    handle
        .wait_for(crate::support::WAIT, |core| {
            core.session(&session)?.connection.is_none().then_some(())
        })
        .await
        .unwrap();
    handle.fault_session(&session, Fault::KillSession).unwrap();
    assert!(handle.sessions().is_empty());
}

#[tokio::test]
async fn withheld_acks_still_deliver_dispatches() {
    let handle = emulator().await;
    let (mut client, session) = identified(&handle).await;
    handle
        .fault_session(&session, Fault::HeartbeatAcks { enabled: false })
        .unwrap();
    client.send(&json!({"op": 1, "d": 2})).await;
    handle
        .say(handle.human_id(), handle.channel_id(), "still here")
        .unwrap();
    let next = client.json().await;
    assert_eq!(
        next["t"], "MESSAGE_CREATE",
        "no ACK before the dispatch: {next}"
    );
    handle
        .fault_session(&session, Fault::HeartbeatAcks { enabled: true })
        .unwrap();
    client.send(&json!({"op": 1, "d": 3})).await;
    assert_eq!(client.json().await["op"], 11);
}

#[tokio::test]
async fn delayed_frames_arrive_late_and_in_order() {
    let handle = emulator().await;
    let (mut client, session) = identified(&handle).await;
    handle
        .fault_session(&session, Fault::Delay { millis: 150 })
        .unwrap();
    let start = Instant::now();
    handle
        .say(handle.human_id(), handle.channel_id(), "a")
        .unwrap();
    handle
        .say(handle.human_id(), handle.channel_id(), "b")
        .unwrap();
    assert_eq!(client.dispatch("MESSAGE_CREATE").await["d"]["content"], "a");
    assert!(start.elapsed() >= Duration::from_millis(150));
    assert_eq!(client.dispatch("MESSAGE_CREATE").await["d"]["content"], "b");
    // Reads go on while frames are held: a heartbeat is still answered.
    handle
        .fault_session(&session, Fault::Delay { millis: 0 })
        .unwrap();
    client.send(&json!({"op": 1, "d": 4})).await;
    assert_eq!(client.json().await["op"], 11);
}

#[tokio::test]
async fn faults_on_unknown_targets_are_errors() {
    let handle = emulator().await;
    assert!(
        handle
            .fault(tether_emulator::ConnectionId(999), Fault::Reconnect)
            .is_err()
    );
    assert!(handle.fault_session("nope", Fault::Reconnect).is_err());
    assert!(handle.fault_at_seq("nope", 1, Fault::Reconnect).is_err());
}
