//! The control API over HTTP, as a bot in another language would use it.

use reqwest::Method;
use serde_json::{Value, json};

use crate::support::{ALL_INTENTS, Client, call, emulator, token};

fn control(
    handle: &tether_emulator::EmulatorHandle,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    reqwest::Client::new()
        .request(method, format!("{}{path}", handle.control_url()))
        .timeout(crate::support::WAIT)
}

#[tokio::test]
async fn info_messages_bulk_and_wait() {
    let handle = emulator().await;
    let (status, info) = call(control(&handle, Method::GET, "")).await;
    assert_eq!(status, 200);
    assert_eq!(info["api_base"], handle.api_base());
    assert_eq!(info["gateway_url"], handle.gateway_url());
    assert_eq!(info["bot_token"], token(&handle));
    assert_eq!(info["bots"][0]["name"], "Tether Bot");
    let channel = info["channel_id"].as_str().unwrap().to_owned();
    let alice = info["human_id"].as_str().unwrap().to_owned();

    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    let (status, said) = call(
        control(
            &handle,
            Method::POST,
            &format!("/channels/{channel}/messages"),
        )
        .json(&json!({"author_id": alice, "content": "$hello"})),
    )
    .await;
    assert_eq!((status, said["content"].as_str()), (200, Some("$hello")));
    assert_eq!(
        client.dispatch("MESSAGE_CREATE").await["d"]["content"],
        "$hello"
    );

    let (_, bulk) = call(
        control(
            &handle,
            Method::POST,
            &format!("/channels/{channel}/messages/bulk"),
        )
        .json(&json!({"author_id": alice, "count": 100, "prefix": "n"})),
    )
    .await;
    assert_eq!(bulk["count"], 100);
    for n in 0..100 {
        assert_eq!(
            client.dispatch("MESSAGE_CREATE").await["d"]["content"],
            format!("n{n}")
        );
    }
    let (_, all) = call(control(
        &handle,
        Method::GET,
        &format!("/channels/{channel}/messages"),
    ))
    .await;
    assert_eq!(all.as_array().unwrap().len(), 101);

    // A bot's reply, awaited over HTTP.
    let waiter = {
        let request = control(&handle, Method::POST, "/wait/message")
            .json(&json!({"content": "Hello!", "after": said["id"], "timeout_ms": 5000}));
        tokio::spawn(call(request))
    };
    crate::support::Rest::new(&handle)
        .post(
            &format!("/channels/{channel}/messages"),
            &json!({"content": "Hello!"}),
        )
        .await;
    let (status, reply) = waiter.await.unwrap();
    assert_eq!(
        (status, reply["author"]["bot"].as_bool()),
        (200, Some(true))
    );
    let (status, timeout) = call(
        control(&handle, Method::POST, "/wait/message")
            .json(&json!({"content": "never", "timeout_ms": 10})),
    )
    .await;
    assert_eq!((status, timeout["code"].as_u64()), (408, Some(0)));
}

#[tokio::test]
async fn world_changes_sessions_and_faults() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    let session = client.identify(&token(&handle), ALL_INTENTS).await["d"]["session_id"]
        .as_str()
        .unwrap()
        .to_owned();
    client.dispatch("GUILD_CREATE").await;
    let (_, bob) =
        call(control(&handle, Method::POST, "/users").json(&json!({"name": "bob"}))).await;
    let bob = bob["id"].as_str().unwrap().to_owned();
    let guild = handle.guild_id();
    let (status, _) = call(control(
        &handle,
        Method::PUT,
        &format!("/guilds/{guild}/members/{bob}"),
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        client.dispatch("GUILD_MEMBER_ADD").await["d"]["user"]["username"],
        "bob"
    );
    let (_, role) = call(
        control(&handle, Method::POST, &format!("/guilds/{guild}/roles"))
            .json(&json!({"name": "Mods", "permissions": "8"})),
    )
    .await;
    assert_eq!(
        client.dispatch("GUILD_ROLE_CREATE").await["d"]["role"]["name"],
        "Mods"
    );
    let (status, member) = call(
        control(
            &handle,
            Method::PUT,
            &format!("/guilds/{guild}/members/{bob}/roles"),
        )
        .json(&json!({"role_ids": [role["id"]]})),
    )
    .await;
    assert_eq!(
        (status, member["roles"][0].clone()),
        (200, role["id"].clone())
    );
    assert_eq!(
        client.dispatch("GUILD_MEMBER_UPDATE").await["d"]["roles"][0],
        role["id"]
    );
    let (status, _) = call(
        control(&handle, Method::PUT, &format!("/users/{bob}/presence"))
            .json(&json!({"status": "idle"})),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        client.dispatch("PRESENCE_UPDATE").await["d"]["status"],
        "idle"
    );

    let (_, sessions) = call(control(&handle, Method::GET, "/sessions")).await;
    assert_eq!(sessions[0]["id"], session);
    assert!(sessions[0]["seq"].as_u64().unwrap() >= 6);
    let (_, connections) = call(control(&handle, Method::GET, "/connections")).await;
    assert_eq!(connections[0]["session"], session);
    assert_eq!(connections[0]["compression"], "none");
    let (_, log) = call(control(&handle, Method::GET, "/identify-log")).await;
    assert_eq!(log[0]["bucket"], 0);
    let (_, counters) = call(control(&handle, Method::GET, "/stats")).await;
    assert_eq!(counters["identifies"], 1);

    let (status, _) = call(
        control(
            &handle,
            Method::POST,
            &format!("/sessions/{session}/faults"),
        )
        .json(&json!({"type": "reconnect"})),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(client.json().await["op"], 7);
    let connection = connections[0]["id"].as_u64().unwrap();
    call(
        control(
            &handle,
            Method::POST,
            &format!("/connections/{connection}/faults"),
        )
        .json(&json!({"type": "close", "code": 4000})),
    )
    .await;
    assert_eq!(client.closed().await, Some(4000));

    let (status, _) = call(
        control(&handle, Method::POST, "/rate-limits")
            .json(&json!({"route": "GET /users/@me", "retry_after": 0.25})),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(
        crate::support::Rest::new(&handle).get("/users/@me").await.0,
        429
    );

    let (status, bad) =
        call(control(&handle, Method::POST, "/users").json(&json!({"nom": 1}))).await;
    assert_eq!((status, bad["code"].as_u64()), (400, Some(50035)));
    let (status, _) = call(control(&handle, Method::GET, "/nothing/here")).await;
    assert_eq!(status, 404);
    let (status, world) = call(control(&handle, Method::GET, "/world")).await;
    assert_eq!(status, 200);
    assert!(
        world["users"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u: &Value| u["username"] == "bob")
    );
}
