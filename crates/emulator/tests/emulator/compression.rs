//! Transport compression as clients see it: zlib-stream and zstd-stream
//! decoded with flate2 and zstd directly, split and corrupt frames.

use tether_emulator::Fault;

use crate::support::{ALL_INTENTS, Client, Received, emulator, token};

#[tokio::test]
async fn zlib_stream_one_context_per_connection() {
    let handle = emulator().await;
    let (mut client, hello) =
        Client::hello(&handle, "v=10&encoding=json&compress=zlib-stream").await;
    assert_eq!(hello["d"]["heartbeat_interval"], 41_250);
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    handle
        .say_many(
            handle.human_id(),
            handle.channel_id(),
            (0..50).map(|n| format!("message {n}")),
        )
        .unwrap();
    for n in 0..50 {
        assert_eq!(
            client.dispatch("MESSAGE_CREATE").await["d"]["content"],
            format!("message {n}")
        );
    }
    assert!(client.binary_frames >= 53);
}

#[tokio::test]
async fn zstd_stream_one_frame_per_connection() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10&encoding=json&compress=zstd-stream").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    let long = "z".repeat(2000);
    handle
        .say(handle.human_id(), handle.channel_id(), long.as_str())
        .unwrap();
    assert_eq!(
        client.dispatch("MESSAGE_CREATE").await["d"]["content"],
        long
    );
}

#[tokio::test]
async fn split_zlib_messages_reassemble() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10&compress=zlib-stream").await;
    let session = client.identify(&token(&handle), ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.dispatch("GUILD_CREATE").await;
    handle
        .fault_session(&session, Fault::SplitFrames { parts: 4 })
        .unwrap();
    let before = client.binary_frames;
    handle
        .say(handle.human_id(), handle.channel_id(), "in pieces")
        .unwrap();
    assert_eq!(
        client.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "in pieces"
    );
    assert_eq!(client.binary_frames - before, 4);
}

#[tokio::test]
async fn corrupt_frames_fail_to_inflate() {
    let handle = emulator().await;
    for query in [
        "v=10&compress=zlib-stream",
        "v=10&compress=zstd-stream",
        "v=10",
    ] {
        let (mut client, _) = Client::hello(&handle, query).await;
        let connection = handle
            .connections()
            .into_iter()
            .map(|c| c.id)
            .max()
            .unwrap();
        handle.fault(connection, Fault::CorruptFrame).unwrap();
        assert!(
            matches!(client.recv().await, Received::Undecodable(_)),
            "{query}"
        );
    }
}
