//! The REST API: auth, errors in Discord's shapes, rate limits, endpoints
//! and their gateway events.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use tether_emulator::{Limit, RateLimits, World};

use crate::support::{ALL_INTENTS, Client, Rest, builder, call, emulator, token, unlimited};

#[tokio::test]
async fn authentication_and_unknown_routes() {
    let handle = emulator().await;
    let rest = Rest::new(&handle);
    let base = handle.api_base();
    let unauthorized = json!({"message": "401: Unauthorized", "code": 0});
    let http = reqwest::Client::new();
    assert_eq!(
        call(http.get(format!("{base}/users/@me"))).await,
        (401, unauthorized.clone())
    );
    for header in [
        "Bot wrong",
        "Bearer tether-demo-token.emulator.local",
        "tether-demo-token.emulator.local",
    ] {
        let got = call(
            http.get(format!("{base}/users/@me"))
                .header("Authorization", header),
        )
        .await;
        assert_eq!(got, (401, unauthorized.clone()), "{header}");
    }
    let (status, me) = rest.get("/users/@me").await;
    assert_eq!(
        (status, me["id"].as_str()),
        (200, Some(handle.bot_user_id().to_string().as_str()))
    );
    assert_eq!(me["bot"], true);
    let (status, gateway) = call(http.get(format!("{base}/gateway"))).await;
    assert_eq!(
        (status, gateway),
        (200, json!({"url": handle.gateway_url()}))
    );
    let not_found = json!({"message": "404: Not Found", "code": 0});
    assert_eq!(rest.get("/nope").await, (404, not_found.clone()));
    assert_eq!(
        call(http.get(format!("http://{}/", handle.addr()))).await,
        (404, not_found)
    );
    let (status, body) = call(rest.request(Method::DELETE, "/users/@me")).await;
    assert_eq!((status, body["code"].as_u64()), (405, Some(0)));
    let (status, app) = rest.get("/oauth2/applications/@me").await;
    assert_eq!(
        (status, app["id"].as_str()),
        (200, Some(handle.application_id().to_string().as_str()))
    );
    assert_eq!(app["owner"]["username"], "alice");
}

#[tokio::test]
async fn bad_bodies_get_discord_errors() {
    let handle = unlimited().spawn().await.unwrap();
    let rest = Rest::new(&handle);
    let path = format!("/channels/{}/messages", handle.channel_id());
    let raw = |body: &'static str| {
        rest.request(Method::POST, &path)
            .header("content-type", "application/json")
            .body(body)
    };
    assert_eq!(
        call(raw("{not json")).await,
        (
            400,
            json!({"message": "The request body contains invalid JSON.", "code": 50109})
        )
    );
    assert_eq!(call(raw("")).await.1["code"], 50109);
    assert_eq!(
        rest.post(&path, &json!({"content": ""})).await,
        (
            400,
            json!({"message": "Cannot send an empty message", "code": 50006})
        )
    );
    let (status, long) = rest
        .post(&path, &json!({"content": "x".repeat(2001)}))
        .await;
    assert_eq!((status, long["code"].as_u64()), (400, Some(50035)));
    assert_eq!(long["message"], "Invalid Form Body");
    assert_eq!(
        long["errors"]["content"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    let (_, wrong) = rest.post(&path, &json!({"content": 5, "tts": "no"})).await;
    assert_eq!(
        wrong["errors"]["content"]["_errors"][0]["code"],
        "BASE_TYPE_STRING"
    );
    assert_eq!(
        wrong["errors"]["tts"]["_errors"][0]["code"],
        "BASE_TYPE_BOOLEAN"
    );
    let (_, root) = rest.post(&path, &json!([1, 2])).await;
    assert_eq!(root["errors"]["_errors"][0]["code"], "DICT_TYPE_CONVERT");
    let (status, snowflake) = rest
        .post("/channels/abc/messages", &json!({"content": "x"}))
        .await;
    assert_eq!(
        (
            status,
            snowflake["errors"]["channel_id"]["_errors"][0]["code"].as_str()
        ),
        (400, Some("NUMBER_TYPE_COERCE"))
    );
    let (status, unknown) = rest
        .post("/channels/1/messages", &json!({"content": "x"}))
        .await;
    assert_eq!(
        (status, unknown),
        (404, json!({"message": "Unknown Channel", "code": 10003}))
    );
    let (_, reply) = rest
        .post(
            &path,
            &json!({"content": "x", "message_reference": {"message_id": "1"}}),
        )
        .await;
    assert_eq!(
        reply["errors"]["message_reference"]["_errors"][0]["code"],
        "REPLIES_UNKNOWN_MESSAGE"
    );
    let big = "y".repeat(2 << 20);
    let (status, _) = call(rest.request(Method::POST, &path).body(big)).await;
    assert_eq!(status, 413);
    // Still serving.
    assert_eq!(rest.post(&path, &json!({"content": "fine"})).await.0, 200);
}

#[tokio::test]
async fn route_limits_answer_429_with_headers() {
    let handle = emulator().await;
    let rest = Rest::new(&handle);
    let path = format!("/channels/{}/messages", handle.channel_id());
    let mut remaining = Vec::new();
    for n in 0..5 {
        let response = rest
            .request(Method::POST, &path)
            .json(&json!({"content": n.to_string()}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let h = response.headers();
        assert_eq!(h["x-ratelimit-limit"], "5");
        assert!(
            h["x-ratelimit-reset"]
                .to_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
                > 1.7e9
        );
        assert!(
            h["x-ratelimit-reset-after"]
                .to_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
                <= 1.0
        );
        assert_eq!(h["x-ratelimit-bucket"].len(), 16);
        remaining.push(h["x-ratelimit-remaining"].to_str().unwrap().to_owned());
    }
    assert_eq!(remaining, ["4", "3", "2", "1", "0"]);
    let response = rest
        .request(Method::POST, &path)
        .json(&json!({"content": "6"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let h = response.headers().clone();
    assert_eq!(h["x-ratelimit-scope"], "user");
    assert_eq!(h["retry-after"], "1");
    assert!(h.get("x-ratelimit-global").is_none());
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["message"], "You are being rate limited.");
    assert_eq!(body["global"], false);
    assert!(body["retry_after"].as_f64().unwrap() > 0.0);
    // Another channel is another bucket.
    let other = handle
        .create_channel(handle.guild_id(), "other", 0)
        .unwrap();
    assert_eq!(
        rest.post(
            &format!("/channels/{}/messages", other.id),
            &json!({"content": "x"})
        )
        .await
        .0,
        200
    );
}

#[tokio::test]
async fn global_and_forced_limits() {
    let mut limits = RateLimits::default();
    limits.global = Limit::new(4, Duration::from_secs(30));
    let handle = builder().rate_limits(limits).spawn().await.unwrap();
    let rest = Rest::new(&handle);
    handle.force_rate_limit("GET /users/@me", Duration::from_millis(2500), false);
    let response = rest
        .request(Method::GET, "/users/@me")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "3");
    assert_eq!(response.json::<Value>().await.unwrap()["retry_after"], 2.5);
    for _ in 0..4 {
        assert_eq!(rest.get("/users/@me").await.0, 200);
    }
    let response = rest
        .request(Method::GET, "/gateway/bot")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["x-ratelimit-global"], "true");
    assert_eq!(response.headers()["x-ratelimit-scope"], "global");
    assert_eq!(response.json::<Value>().await.unwrap()["global"], true);
}

#[tokio::test]
async fn gateway_bot_counts_identifies_and_recommends_shards() {
    let mut world = World::demo();
    let bot = world.bots()[0].user_id;
    let alice = world.users().into_iter().find(|u| !u.bot).unwrap().id;
    for n in 0..2100 {
        let g = world.add_guild(&format!("g{n}"), alice);
        world.add_member(g, bot).unwrap();
    }
    let mut config = tether_emulator::Config::default();
    config.max_concurrency = 4;
    config.identify_interval = Duration::ZERO;
    let handle = builder().world(world).config(config).spawn().await.unwrap();
    let rest = Rest::new(&handle);
    let (status, body) = rest.get("/gateway/bot").await;
    assert_eq!(status, 200);
    assert_eq!(body["url"], handle.gateway_url());
    assert_eq!(body["shards"], 3);
    assert_eq!(
        body["session_start_limit"],
        json!({"total": 1000, "remaining": 1000, "reset_after": 86_400_000, "max_concurrency": 4})
    );
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    let mut frame = crate::support::identify(&token(&handle), 1);
    frame["d"]["shard"] = json!([1, 3]);
    client.send(&frame).await;
    let ready = client.dispatch("READY").await;
    assert_eq!(ready["d"]["shard"], json!([1, 3]));
    assert_eq!(ready["d"]["guilds"].as_array().unwrap().len(), 700);
    let (_, body) = rest.get("/gateway/bot").await;
    assert_eq!(body["session_start_limit"]["remaining"], 999);
    assert!(body["session_start_limit"]["reset_after"].as_u64().unwrap() <= 86_400_000);
}

#[tokio::test]
async fn message_endpoints_and_their_events() {
    let handle = unlimited().spawn().await.unwrap();
    let rest = Rest::new(&handle);
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    let c = handle.channel_id();
    let alice = said(&handle, 3);
    let (status, list) = rest.get(&format!("/channels/{c}/messages?limit=2")).await;
    assert_eq!(status, 200);
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [alice[2].as_str(), alice[1].as_str()], "newest first");
    let (_, before) = rest
        .get(&format!("/channels/{c}/messages?before={}", alice[1]))
        .await;
    assert_eq!(before[0]["id"], alice[0]);
    let (_, after) = rest
        .get(&format!(
            "/channels/{c}/messages?after={}&limit=1",
            alice[0]
        ))
        .await;
    assert_eq!(after[0]["id"], alice[1]);
    let (status, bad) = rest.get(&format!("/channels/{c}/messages?limit=500")).await;
    assert_eq!((status, bad["code"].as_u64()), (400, Some(50035)));
    let (_, one) = rest
        .get(&format!("/channels/{c}/messages/{}", alice[0]))
        .await;
    assert_eq!(one["content"], "said 0");

    let (_, mine) = rest
        .post(
            &format!("/channels/{c}/messages"),
            &json!({"content": "mine"}),
        )
        .await;
    let mine_id = mine["id"].as_str().unwrap().to_owned();
    client.dispatch("MESSAGE_CREATE").await;
    let edited = call(
        rest.request(Method::PATCH, &format!("/channels/{c}/messages/{mine_id}"))
            .json(&json!({"content": "edited"})),
    )
    .await;
    assert_eq!(
        (edited.0, edited.1["content"].as_str()),
        (200, Some("edited"))
    );
    assert!(edited.1["edited_timestamp"].is_string());
    assert_eq!(
        client.dispatch("MESSAGE_UPDATE").await["d"]["content"],
        "edited"
    );
    let others = call(
        rest.request(
            Method::PATCH,
            &format!("/channels/{c}/messages/{}", alice[0]),
        )
        .json(&json!({"content": "no"})),
    )
    .await;
    assert_eq!(
        others,
        (
            403,
            json!({"message": "Cannot edit a message authored by another user", "code": 50005})
        )
    );

    let react = call(rest.request(
        Method::PUT,
        &format!(
            "/channels/{c}/messages/{}/reactions/%F0%9F%94%A5/@me",
            alice[0]
        ),
    ))
    .await;
    assert_eq!(react, (204, Value::Null));
    let added = client.dispatch("MESSAGE_REACTION_ADD").await;
    assert_eq!(added["d"]["emoji"], json!({"id": null, "name": "🔥"}));
    assert_eq!(added["d"]["user_id"], handle.bot_user_id().to_string());
    let (_, reacted) = rest
        .get(&format!("/channels/{c}/messages/{}", alice[0]))
        .await;
    assert_eq!(reacted["reactions"][0]["count"], 1);
    assert_eq!(reacted["reactions"][0]["me"], true);
    assert_eq!(
        call(rest.request(Method::POST, &format!("/channels/{c}/typing")))
            .await
            .0,
        204
    );
    let typing = client.dispatch("TYPING_START").await;
    assert_eq!(typing["d"]["user_id"], handle.bot_user_id().to_string());
    assert_eq!(
        call(rest.request(Method::DELETE, &format!("/channels/{c}/messages/{mine_id}")))
            .await
            .0,
        204
    );
    assert_eq!(client.dispatch("MESSAGE_DELETE").await["d"]["id"], mine_id);
    let (status, gone) = rest.get(&format!("/channels/{c}/messages/{mine_id}")).await;
    assert_eq!((status, gone["code"].as_u64()), (404, Some(10008)));
}

#[tokio::test]
async fn channel_guild_member_and_role_endpoints() {
    let handle = emulator().await;
    let rest = Rest::new(&handle);
    let g = handle.guild_id();
    let (_, channel) = rest
        .get(&format!("/channels/{}", handle.channel_id()))
        .await;
    assert_eq!(
        (channel["name"].as_str(), channel["type"].as_u64()),
        (Some("general"), Some(0))
    );
    assert_eq!(channel["guild_id"], g.to_string());
    let (_, guild) = rest.get(&format!("/guilds/{g}")).await;
    assert_eq!(guild["name"], "Tether Test Guild");
    assert_eq!(
        rest.get(&format!("/guilds/{g}/channels")).await.1[0]["name"],
        "general"
    );
    let (_, member) = rest
        .get(&format!("/guilds/{g}/members/{}", handle.human_id()))
        .await;
    assert_eq!(member["user"]["username"], "alice");
    assert_eq!(
        rest.get(&format!("/guilds/{g}/members/1")).await,
        (404, json!({"message": "Unknown Member", "code": 10007}))
    );
    assert_eq!(
        rest.get(&format!("/guilds/{g}/roles")).await.1[0]["name"],
        "@everyone"
    );
    let (_, guilds) = rest.get("/users/@me/guilds").await;
    assert_eq!(guilds[0]["id"], g.to_string());
    let elsewhere = handle
        .create_guild("Elsewhere", handle.human_id(), &[])
        .unwrap();
    assert_eq!(
        rest.get(&format!("/guilds/{}", elsewhere.id)).await,
        (403, json!({"message": "Missing Access", "code": 50001}))
    );
    let (status, dm) = rest
        .post(
            "/users/@me/channels",
            &json!({"recipient_id": handle.human_id()}),
        )
        .await;
    assert_eq!((status, dm["type"].as_u64()), (200, Some(1)));
}

fn said(handle: &tether_emulator::EmulatorHandle, n: usize) -> Vec<String> {
    handle
        .say_many(
            handle.human_id(),
            handle.channel_id(),
            (0..n).map(|i| format!("said {i}")),
        )
        .unwrap()
        .into_iter()
        .map(|id| id.to_string())
        .collect()
}
