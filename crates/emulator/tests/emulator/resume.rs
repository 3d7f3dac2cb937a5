//! Sessions across connections: resume replay, its failures, and what
//! closes keep or end a session.

use std::time::Duration;

use serde_json::json;
use tether_emulator::Fault;

use crate::support::{ALL_INTENTS, Client, builder, emulator, resume, token};

#[tokio::test]
async fn drop_at_event_k_then_resume_replays_the_rest_exactly_once() {
    let handle = emulator().await;
    let token = token(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10&encoding=json").await;
    let ready = client.identify(&token, ALL_INTENTS).await;
    let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
    let resume_url = ready["d"]["resume_gateway_url"]
        .as_str()
        .unwrap()
        .to_owned();
    client.dispatch("GUILD_CREATE").await;
    // READY is 1 and GUILD_CREATE 2, so message n has seq n + 3; drop after message 6.
    let k = 9;
    handle
        .fault_at_seq(&session, k, Fault::DropConnection)
        .unwrap();
    let ids = handle
        .say_many(
            handle.human_id(),
            handle.channel_id(),
            (0..20).map(|n| n.to_string()),
        )
        .unwrap();
    let mut last = 0;
    loop {
        match client.recv().await {
            crate::support::Received::Json(v) => last = v["s"].as_u64().unwrap(),
            crate::support::Received::Closed(code) => {
                assert_eq!(code, None, "dropped without a close frame");
                break;
            }
            crate::support::Received::Undecodable(b) => panic!("{b:?}"),
        }
    }
    assert_eq!(last, k);
    let mut again = Client::connect_url(&format!("{resume_url}/?v=10&encoding=json")).await;
    assert_eq!(again.json().await["op"], 10);
    again.send(&resume(&token, &session, last)).await;
    let mut replayed = Vec::new();
    loop {
        let v = again.json().await;
        if v["t"] == "RESUMED" {
            assert_eq!(v["s"], 23);
            break;
        }
        assert_eq!(v["t"], "MESSAGE_CREATE");
        replayed.push((
            v["s"].as_u64().unwrap(),
            v["d"]["id"].as_str().unwrap().to_owned(),
        ));
    }
    let want: Vec<(u64, String)> = ids
        .iter()
        .enumerate()
        .skip(7)
        .map(|(n, id)| (n as u64 + 3, id.to_string()))
        .collect();
    assert_eq!(replayed, want, "k+1.. exactly once, in order");
    handle
        .say(handle.human_id(), handle.channel_id(), "after")
        .unwrap();
    let after = again.dispatch("MESSAGE_CREATE").await;
    assert_eq!(
        (after["s"].as_u64(), after["d"]["content"].as_str()),
        (Some(24), Some("after"))
    );
    assert_eq!(handle.sessions()[0].resumes, 1);
    assert!(handle.connections().iter().any(|c| c.path == "/resume/"));
}

#[tokio::test]
async fn resume_failures_answer_op_9_or_4007() {
    let handle = emulator().await;
    let token = token(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    let session = client.identify(&token, ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.close(4000).await;
    // An unknown session: op 9 false; the connection may then identify.
    let (mut other, _) = Client::hello(&handle, "v=10").await;
    other.send(&resume(&token, "no-such-session", 1)).await;
    let nine = other.json().await;
    assert_eq!(
        (nine["op"].as_u64(), nine["d"].as_bool()),
        (Some(9), Some(false))
    );
    other.identify(&token, 1).await;
    // A sequence number from the future: 4007, and the session is gone.
    let (mut future, _) = Client::hello(&handle, "v=10").await;
    future.send(&resume(&token, &session, 1000)).await;
    assert_eq!(future.closed().await, Some(4007));
    let (mut late, _) = Client::hello(&handle, "v=10").await;
    late.send(&resume(&token, &session, 2)).await;
    assert_eq!(late.json().await["op"], 9);
}

#[tokio::test]
async fn client_close_1000_ends_the_session_other_codes_keep_it() {
    let handle = emulator().await;
    let token = token(&handle);
    for (code, resumable) in [(1000, false), (1001, false), (4000, true), (4999, true)] {
        let (mut client, _) = Client::hello(&handle, "v=10").await;
        let session = client.identify(&token, 1).await["d"]["session_id"]
            .as_str()
            .unwrap()
            .to_owned();
        client.dispatch("GUILD_CREATE").await;
        client.close(code).await;
        handle
            .wait_for(crate::support::WAIT, |core| {
                core.session(&session)
                    .is_none_or(|s| s.connection.is_none())
                    .then_some(())
            })
            .await
            .unwrap();
        let (mut again, _) = Client::hello(&handle, "v=10").await;
        again.send(&resume(&token, &session, 2)).await;
        let answer = again.json().await;
        if resumable {
            assert_eq!(answer["t"], "RESUMED", "close {code}");
        } else {
            assert_eq!(answer["op"], 9, "close {code}");
        }
    }
}

#[tokio::test]
async fn sessions_expire_after_the_grace_time() {
    let handle = builder()
        .resume_grace(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let token = token(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    let session = client.identify(&token, 1).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.drop_tcp();
    handle
        .wait_for(crate::support::WAIT, |core| {
            core.session(&session).is_none().then_some(())
        })
        .await
        .unwrap();
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token, &session, 1)).await;
    assert_eq!(again.json().await["op"], 9);
}

#[tokio::test]
async fn resume_takes_over_a_half_open_connection() {
    let handle = emulator().await;
    let token = token(&handle);
    let (mut old, _) = Client::hello(&handle, "v=10").await;
    let session = old.identify(&token, ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    old.dispatch("GUILD_CREATE").await;
    let (mut new, _) = Client::hello(&handle, "v=10").await;
    new.send(&resume(&token, &session, 2)).await;
    assert_eq!(new.json().await["t"], "RESUMED");
    assert_eq!(old.closed().await, None, "the old socket is dropped");
    handle
        .say(handle.human_id(), handle.channel_id(), "x")
        .unwrap();
    assert_eq!(new.dispatch("MESSAGE_CREATE").await["d"]["content"], "x");
    new.send(&json!({"op": 1, "d": 4})).await;
    assert_eq!(new.json().await["op"], 11);
}

#[tokio::test]
async fn slow_clients_are_dropped_and_keep_their_events() {
    let mut config = tether_emulator::Config::default();
    config.send_queue_limit = 8 * 1024;
    let handle = builder().config(config).spawn().await.unwrap();
    let token = token(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    let session = client.identify(&token, ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.dispatch("GUILD_CREATE").await;
    // One batch outruns the 8 KiB budget before the writer can drain it.
    let contents: Vec<String> = (0..100).map(|n| format!("{n:0>100}")).collect();
    handle
        .say_many(handle.human_id(), handle.channel_id(), contents.clone())
        .unwrap();
    assert_eq!(client.closed().await, None, "dropped without a close frame");
    let (mut again, _) = Client::hello(&handle, "v=10").await;
    again.send(&resume(&token, &session, 2)).await;
    for content in &contents {
        assert_eq!(
            &again.dispatch("MESSAGE_CREATE").await["d"]["content"],
            content
        );
    }
    assert_eq!(again.json().await["t"], "RESUMED");
}
