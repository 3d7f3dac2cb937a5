//! The gateway's happy path, validation and close codes, over real sockets.

use std::time::Duration;

use serde_json::json;
use tether_emulator::{Config, World};
use tokio_websockets::Message;

use crate::support::{ALL_INTENTS, Client, Rest, builder, emulator, identify, token};

#[tokio::test]
async fn hello_identify_ready_guild_create_heartbeat_and_message() {
    let handle = emulator().await;
    let (mut client, hello) = Client::hello(&handle, "v=10&encoding=json").await;
    assert_eq!(hello["d"]["heartbeat_interval"], 41_250);
    assert!(hello["s"].is_null() && hello["t"].is_null());
    client.send(&json!({"op": 1, "d": null})).await;
    assert_eq!(client.json().await["op"], 11);
    let ready = client.identify(&token(&handle), ALL_INTENTS).await;
    assert_eq!(ready["s"], 1);
    let d = &ready["d"];
    assert_eq!(d["v"], 10);
    assert_eq!(d["user"]["id"], handle.bot_user_id().to_string());
    assert_eq!(d["user"]["bot"], true);
    assert_eq!(d["application"]["id"], handle.application_id().to_string());
    assert_eq!(
        d["guilds"],
        json!([{"id": handle.guild_id().to_string(), "unavailable": true}])
    );
    assert_eq!(
        d["resume_gateway_url"],
        format!("{}/resume", handle.gateway_url())
    );
    assert_eq!(d["session_id"].as_str().unwrap().len(), 32);
    let guild = client.dispatch("GUILD_CREATE").await;
    assert_eq!(guild["s"], 2);
    assert_eq!(guild["d"]["name"], "Tether Test Guild");
    assert_eq!(guild["d"]["channels"][0]["name"], "general");
    assert_eq!(guild["d"]["member_count"], 2);
    assert_eq!(guild["d"]["unavailable"], false);
    client.send(&json!({"op": 1, "d": 2})).await;
    assert_eq!(
        client.json().await,
        json!({"t": null, "s": null, "op": 11, "d": null})
    );

    let said = handle
        .say(handle.human_id(), handle.channel_id(), "$hello")
        .unwrap();
    let created = client.dispatch("MESSAGE_CREATE").await;
    assert_eq!(created["s"], 3);
    assert_eq!(created["d"]["id"], said.id.to_string());
    assert_eq!(created["d"]["content"], "$hello");
    assert_eq!(created["d"]["author"]["username"], "alice");
    assert_eq!(created["d"]["guild_id"], handle.guild_id().to_string());
    assert!(created["d"]["member"]["joined_at"].is_string());
    assert!(created["d"]["member"].get("user").is_none());
}

#[tokio::test]
async fn rest_messages_reach_every_session_that_should_see_them() {
    let handle = emulator().await;
    let token = token(&handle);
    let (mut full, _) = Client::hello(&handle, "v=10&encoding=json").await;
    full.identify(&token, ALL_INTENTS).await;
    let (mut plain, _) = Client::hello(&handle, "v=9").await;
    let ready = plain.identify(&token, 1 << 9).await;
    assert_eq!(ready["d"]["v"], 9);
    let (mut none, _) = Client::hello(&handle, "v=10").await;
    none.identify(&token, 1).await;
    none.dispatch("GUILD_CREATE").await;
    let channel = handle.channel_id();
    let (status, message) = Rest::new(&handle)
        .post(
            &format!("/channels/{channel}/messages"),
            &json!({"content": "from REST", "nonce": "n-1"}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(message["nonce"], "n-1");
    assert!(
        message.get("member").is_none(),
        "REST messages carry no member"
    );
    assert_eq!(
        full.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "from REST"
    );
    assert_eq!(
        plain.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "from REST",
        "the bot's own message"
    );
    handle.say(handle.human_id(), channel, "secret").unwrap();
    assert_eq!(
        plain.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "",
        "no MESSAGE_CONTENT"
    );
    // GUILDS only: a typing event is the first thing it could see, and it must not.
    handle
        .create_channel(handle.guild_id(), "marker", 0)
        .unwrap();
    let next = none.json().await;
    assert_eq!(
        next["t"], "CHANNEL_CREATE",
        "no MESSAGE_CREATE without GUILD_MESSAGES: {next}"
    );
}

async fn close_code_of(
    handle: &tether_emulator::EmulatorHandle,
    query: &str,
    frames: Vec<Message>,
) -> Option<u16> {
    let mut client = Client::connect(handle, query).await;
    for frame in frames {
        client.send_raw(frame).await;
    }
    client.closed().await
}

fn text(v: &serde_json::Value) -> Message {
    Message::text(v.to_string())
}

#[tokio::test]
async fn every_close_code_and_the_server_survives() {
    let mut world = World::demo();
    world.add_bot("Plain", "plain-token", 0);
    let handle = builder().world(world).spawn().await.unwrap();
    let token = token(&handle);
    let ok = identify(&token, ALL_INTENTS);
    let with = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = identify(&token, 1);
        f(&mut v);
        text(&v)
    };
    let cases: Vec<(&str, Vec<Message>, u16)> = vec![
        ("v=10", vec![text(&json!({"op": 99, "d": null}))], 4001),
        ("v=10", vec![text(&json!({"op": 10, "d": null}))], 4001),
        ("v=10", vec![text(&json!({"op": 1, "d": "x"}))], 4001),
        ("v=10", vec![text(&json!({"op": 2, "d": [1]}))], 4001),
        ("v=10", vec![Message::text("not json")], 4002),
        (
            "v=10",
            vec![Message::text(format!(
                "{{\"op\":1,\"d\":null,\"pad\":\"{}\"}}",
                "x".repeat(5000)
            ))],
            4002,
        ),
        (
            "v=10",
            vec![Message::binary(vec![0xC3u8, 0x28, 0xFF])],
            4002,
        ),
        ("v=10&encoding=etf", vec![], 4002),
        ("v=10&compress=gzip", vec![], 4002),
        (
            "v=10",
            vec![text(&json!({"op": 3, "d": {"status": "online"}}))],
            4003,
        ),
        (
            "v=10",
            vec![text(
                &json!({"op": 8, "d": {"guild_id": "1", "query": "", "limit": 0}}),
            )],
            4003,
        ),
        ("v=10", vec![text(&identify("wrong-token", 1))], 4004),
        ("v=10", vec![text(&ok), text(&ok)], 4005),
        (
            "v=10",
            vec![with(&|v| v["d"]["shard"] = json!([2, 2]))],
            4010,
        ),
        (
            "v=10",
            vec![with(&|v| v["d"]["shard"] = json!([-1, 2]))],
            4010,
        ),
        ("v=8", vec![], 4012),
        ("encoding=json", vec![], 4012),
        (
            "v=10",
            vec![with(&|v| v["d"]["intents"] = json!(1 << 17))],
            4013,
        ),
        ("v=10", vec![text(&identify("plain-token", 1 << 15))], 4014),
        ("v=10", vec![text(&identify("plain-token", 1 << 1))], 4014),
    ];
    for (query, frames, code) in cases {
        let what = format!("{query} {frames:?}");
        assert_eq!(
            close_code_of(&handle, query, frames).await,
            Some(code),
            "{what}"
        );
    }
    // 4008: the 121st payload within a minute.
    let beats: Vec<Message> = (0..121)
        .map(|_| text(&json!({"op": 1, "d": null})))
        .collect();
    assert_eq!(close_code_of(&handle, "v=10", beats).await, Some(4008));
    // Still serving.
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token, ALL_INTENTS).await;
}

#[tokio::test]
async fn sharding_required_closes_with_4011() {
    let mut config = Config::default();
    config.max_guilds_per_shard = 0;
    let handle = builder().config(config).spawn().await.unwrap();
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.send(&identify(&token(&handle), 1)).await;
    assert_eq!(client.closed().await, Some(4011));
}

#[tokio::test]
async fn silent_connections_are_closed_with_4000() {
    let handle = builder()
        .heartbeat_interval(Duration::from_millis(100))
        .spawn()
        .await
        .unwrap();
    let (mut client, hello) = Client::hello(&handle, "v=10").await;
    assert_eq!(hello["d"]["heartbeat_interval"], 100);
    client.identify(&token(&handle), 1).await;
    assert_eq!(client.closed().await, Some(4000));
    let sessions = handle.sessions();
    assert_eq!(sessions.len(), 1, "the session stays resumable");
    assert_eq!(sessions[0].connection, None);
}

#[tokio::test]
async fn handshakes_with_and_without_user_agent() {
    let handle = emulator().await;
    let url = format!("{}/any/path?v=10&encoding=json", handle.gateway_url());
    let (mut ws, _) = tokio_websockets::ClientBuilder::new()
        .uri(&url)
        .unwrap()
        .add_header(
            reqwest::header::USER_AGENT,
            reqwest::header::HeaderValue::from_static("DiscordBot (https://example.invalid, 1.0)"),
        )
        .unwrap()
        .connect()
        .await
        .unwrap();
    let hello = futures_util::StreamExt::next(&mut ws)
        .await
        .unwrap()
        .unwrap();
    assert!(hello.as_text().unwrap().contains("\"op\":10"));
    let (_, hello) = Client::hello(&handle, "v=10").await;
    assert_eq!(hello["op"], 10);
    assert!(handle.connections().iter().any(|c| c.path == "/any/path"));
}

#[tokio::test]
async fn payload_compression_when_identify_asks_without_transport_compression() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10&encoding=json").await;
    let mut frame = identify(&token(&handle), ALL_INTENTS);
    frame["d"]["compress"] = json!(true);
    client.send(&frame).await;
    client.dispatch("READY").await;
    client.dispatch("GUILD_CREATE").await;
    assert!(
        client.binary_frames > 0,
        "the large payloads came compressed"
    );
    client.send(&json!({"op": 1, "d": null})).await;
    assert_eq!(client.json().await["op"], 11, "small payloads stay text");
    assert!(handle.connections()[0].payload_compression);
    // discord.py sends compress: true together with compress=zlib-stream: transport wins.
    let (mut zlib, _) = Client::hello(&handle, "v=10&encoding=json&compress=zlib-stream").await;
    zlib.send(&frame).await;
    zlib.dispatch("READY").await;
    assert!(
        handle
            .connections()
            .iter()
            .all(|c| c.compression == tether_emulator::Compression::None || !c.payload_compression)
    );
}

#[tokio::test]
async fn commands_presence_voice_members_soundboard_channel_info() {
    let handle = emulator().await;
    let token = token(&handle);
    let guild = handle.guild_id().to_string();
    let (mut a, _) = Client::hello(&handle, "v=10").await;
    a.identify(&token, ALL_INTENTS).await;
    a.dispatch("GUILD_CREATE").await;
    a.send(&json!({"op": 3, "d": {"since": null, "activities": [{"name": "tests", "type": 0}], "status": "dnd", "afk": false}})).await;
    let presence = a.dispatch("PRESENCE_UPDATE").await;
    assert_eq!(presence["d"]["status"], "dnd");
    assert_eq!(
        presence["d"]["user"]["id"],
        handle.bot_user_id().to_string()
    );
    assert_eq!(presence["d"]["activities"][0]["name"], "tests");

    let voice = handle
        .create_channel(handle.guild_id(), "Voice", 2)
        .unwrap();
    a.send(&json!({"op": 4, "d": {"guild_id": guild, "channel_id": voice.id, "self_mute": true, "self_deaf": false}})).await;
    let state = a.dispatch("VOICE_STATE_UPDATE").await;
    assert_eq!(state["d"]["channel_id"], voice.id.to_string());
    assert_eq!(state["d"]["self_mute"], true);
    let server = a.json().await;
    assert_eq!(server["t"], "VOICE_SERVER_UPDATE");
    assert_eq!(server["d"]["guild_id"], guild);
    a.send(&json!({"op": 4, "d": {"guild_id": guild, "channel_id": null, "self_mute": false, "self_deaf": false}})).await;
    assert!(a.dispatch("VOICE_STATE_UPDATE").await["d"]["channel_id"].is_null());

    a.send(&json!({"op": 8, "d": {"guild_id": guild, "query": "al", "limit": 10, "presences": true, "nonce": "q"}})).await;
    let chunk = a.dispatch("GUILD_MEMBERS_CHUNK").await;
    assert_eq!(chunk["d"]["members"][0]["user"]["username"], "alice");
    assert_eq!(chunk["d"]["presences"][0]["status"], "online");
    assert_eq!(
        (
            chunk["d"]["chunk_index"].as_u64(),
            chunk["d"]["chunk_count"].as_u64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(chunk["d"]["nonce"], "q");

    a.send(&json!({"op": 31, "d": {"guild_ids": [guild]}}))
        .await;
    assert_eq!(
        a.dispatch("SOUNDBOARD_SOUNDS").await["d"]["soundboard_sounds"],
        json!([])
    );
    a.send(&json!({"op": 43, "d": {"guild_id": guild, "fields": ["status"]}}))
        .await;
    assert_eq!(
        a.dispatch("CHANNEL_INFO").await["d"]["channels"][0]["id"],
        voice.id.to_string()
    );
}

#[tokio::test]
async fn identify_rate_limit_answers_op_9_false() {
    let handle = tether_emulator::Emulator::builder()
        .identify_interval(Duration::from_secs(60))
        .spawn()
        .await
        .unwrap();
    let token = token(&handle);
    let (mut first, _) = Client::hello(&handle, "v=10").await;
    first.identify(&token, 1).await;
    let (mut second, _) = Client::hello(&handle, "v=10").await;
    second.send(&identify(&token, 1)).await;
    let answer = second.json().await;
    assert_eq!(
        (answer["op"].as_u64(), answer["d"].as_bool()),
        (Some(9), Some(false))
    );
    assert_eq!(handle.identify_log().len(), 1);
}
