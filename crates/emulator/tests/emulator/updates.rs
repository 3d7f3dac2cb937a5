//! Changes to existing guilds, channels, roles and nicknames, through the
//! handle and the control API, and the events bots get for them.

use reqwest::Method;
use serde_json::json;
use tether_emulator::ErrorKind;
use tether_model::permissions::Permissions;

use crate::support::{ALL_INTENTS, Client, call, emulator, token};

/// `GUILDS` alone.
const GUILDS: u64 = 1;

#[tokio::test]
async fn updates_reach_bots_with_guilds_and_own_nick_without_members() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), GUILDS).await;
    client.dispatch("GUILD_CREATE").await;
    let (guild, channel, bot, alice) = (
        handle.guild_id(),
        handle.channel_id(),
        handle.bot_user_id(),
        handle.human_id(),
    );

    let renamed = handle.update_guild(guild, "Renamed Guild").unwrap();
    assert_eq!(renamed.name, "Renamed Guild");
    let d = client.dispatch("GUILD_UPDATE").await["d"].clone();
    assert_eq!(
        (d["id"].clone(), d["name"].clone()),
        (json!(guild.to_string()), json!("Renamed Guild"))
    );
    assert_eq!(
        handle.inspect(|c| c.world().guild(guild).unwrap().name),
        "Renamed Guild"
    );

    handle
        .update_channel(channel, Some("lobby"), Some("say hi"))
        .unwrap();
    let d = client.dispatch("CHANNEL_UPDATE").await["d"].clone();
    assert_eq!(
        (d["name"].clone(), d["topic"].clone()),
        (json!("lobby"), json!("say hi"))
    );
    let kept = handle.update_channel(channel, None, Some("")).unwrap();
    assert_eq!((kept.name.as_deref(), kept.topic), (Some("lobby"), None));
    assert_eq!(
        client.dispatch("CHANNEL_UPDATE").await["d"]["topic"],
        json!(null)
    );

    let role = handle
        .create_role(guild, "Helpers", Permissions::VIEW_CHANNEL)
        .unwrap();
    let updated = handle
        .update_role(
            guild,
            role.id,
            Some("Mods"),
            Some(Permissions::MANAGE_MESSAGES),
        )
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.permissions),
        ("Mods", Permissions::MANAGE_MESSAGES)
    );
    let d = client.dispatch("GUILD_ROLE_UPDATE").await["d"].clone();
    assert_eq!(d["guild_id"], guild.to_string());
    assert_eq!(
        (d["role"]["name"].clone(), d["role"]["permissions"].clone()),
        (json!("Mods"), json!("8192"))
    );

    // Without GUILD_MEMBERS only the bot's own update arrives: alice's
    // comes first and must be skipped.
    assert_eq!(
        handle
            .set_nick(guild, alice, Some("ally"))
            .unwrap()
            .nick
            .as_deref(),
        Some("ally")
    );
    handle.set_nick(guild, bot, Some("tb")).unwrap();
    let d = client.dispatch("GUILD_MEMBER_UPDATE").await["d"].clone();
    assert_eq!(
        (d["user"]["id"].clone(), d["nick"].clone()),
        (json!(bot.to_string()), json!("tb"))
    );
    handle.set_nick(guild, bot, None).unwrap();
    assert_eq!(
        client.dispatch("GUILD_MEMBER_UPDATE").await["d"]["nick"],
        json!(null)
    );
    assert_eq!(
        handle.inspect(|c| c.world().member(guild, alice).unwrap().nick),
        Some("ally".to_owned())
    );

    let long = handle
        .set_nick(guild, alice, Some(&"n".repeat(33)))
        .unwrap_err();
    assert!(matches!(
        long.kind(),
        ErrorKind::InvalidInput { code: 50035, .. }
    ));
    let short = handle.update_guild(guild, "x").unwrap_err();
    assert!(matches!(
        short.kind(),
        ErrorKind::InvalidInput { code: 50035, .. }
    ));
    let unknown = handle
        .update_role(guild, tether_model::id::RoleId::new(1), None, None)
        .unwrap_err();
    assert!(matches!(unknown.kind(), ErrorKind::NotFound(_)));
    let dm = handle.open_dm(alice, bot).unwrap();
    assert!(handle.update_channel(dm.id, Some("x"), None).is_err());
}

#[tokio::test]
async fn updates_through_the_control_api() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    let (guild, channel, alice) = (handle.guild_id(), handle.channel_id(), handle.human_id());
    let control = |method: Method, path: String| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", handle.control_url()))
            .timeout(crate::support::WAIT)
    };

    let (status, body) = call(
        control(Method::PATCH, format!("/guilds/{guild}")).json(&json!({"name": "Over HTTP"})),
    )
    .await;
    assert_eq!((status, body["name"].clone()), (200, json!("Over HTTP")));
    assert_eq!(
        client.dispatch("GUILD_UPDATE").await["d"]["name"],
        "Over HTTP"
    );

    let (status, body) = call(
        control(Method::PATCH, format!("/channels/{channel}")).json(&json!({"topic": "news"})),
    )
    .await;
    assert_eq!((status, body["topic"].clone()), (200, json!("news")));
    assert_eq!(
        client.dispatch("CHANNEL_UPDATE").await["d"]["topic"],
        "news"
    );

    let role = handle
        .create_role(guild, "Helpers", Permissions::empty())
        .unwrap();
    let (status, body) = call(
        control(Method::PATCH, format!("/guilds/{guild}/roles/{}", role.id))
            .json(&json!({"permissions": "8"})),
    )
    .await;
    assert_eq!(
        (status, body["permissions"].clone(), body["name"].clone()),
        (200, json!("8"), json!("Helpers"))
    );
    assert_eq!(
        client.dispatch("GUILD_ROLE_UPDATE").await["d"]["role"]["permissions"],
        "8"
    );

    let (status, body) = call(
        control(Method::PUT, format!("/guilds/{guild}/members/{alice}/nick"))
            .json(&json!({"nick": "al"})),
    )
    .await;
    assert_eq!((status, body["nick"].clone()), (200, json!("al")));
    let d = client.dispatch("GUILD_MEMBER_UPDATE").await["d"].clone();
    assert_eq!(
        (d["user"]["id"].clone(), d["nick"].clone()),
        (json!(alice.to_string()), json!("al"))
    );
    let (status, body) = call(
        control(Method::PUT, format!("/guilds/{guild}/members/{alice}/nick"))
            .json(&json!({"nick": null})),
    )
    .await;
    assert_eq!((status, body["nick"].clone()), (200, json!(null)));

    let (status, body) =
        call(control(Method::PATCH, format!("/guilds/{guild}")).json(&json!({"name": ""}))).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50035)));
    let (status, _) =
        call(control(Method::PATCH, "/channels/1".to_owned()).json(&json!({"name": "x"}))).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn threads_are_created_used_archived_and_deleted() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    let (guild, channel, alice) = (handle.guild_id(), handle.channel_id(), handle.human_id());

    let thread = handle.create_thread(channel, "plans", alice).unwrap();
    assert_eq!(
        (thread.kind, thread.parent_id, thread.owner_id),
        (11, Some(channel), Some(alice))
    );
    let d = client.dispatch("THREAD_CREATE").await["d"].clone();
    assert_eq!(
        (d["id"].clone(), d["type"].clone()),
        (json!(thread.id.to_string()), json!(11))
    );
    assert_eq!(
        (d["parent_id"].clone(), d["newly_created"].clone()),
        (json!(channel.to_string()), json!(true))
    );
    assert_eq!(
        (
            d["guild_id"].clone(),
            d["thread_metadata"]["archived"].clone()
        ),
        (json!(guild.to_string()), json!(false))
    );
    let (channels, threads) =
        handle.inspect(|c| (c.world().channels(guild), c.world().threads(guild)));
    assert!(
        channels.iter().all(|c| c.id != thread.id),
        "threads are not channels"
    );
    assert_eq!(threads, vec![thread.clone()]);

    let said = handle.say(alice, thread.id, "in the thread").unwrap();
    let d = client.dispatch("MESSAGE_CREATE").await["d"].clone();
    assert_eq!(
        (d["channel_id"].clone(), d["id"].clone()),
        (json!(thread.id.to_string()), json!(said.id.to_string()))
    );

    // A new session lists the active thread in GUILD_CREATE.
    let (mut second, _) = Client::hello(&handle, "v=10").await;
    second.identify(&token(&handle), ALL_INTENTS).await;
    let listed = second.dispatch("GUILD_CREATE").await["d"]["threads"].clone();
    assert_eq!(listed[0]["id"], thread.id.to_string());
    assert_eq!(listed.as_array().unwrap().len(), 1);

    let renamed = handle
        .update_thread(thread.id, Some("plans b"), None)
        .unwrap();
    assert_eq!(renamed.name.as_deref(), Some("plans b"));
    assert_eq!(
        client.dispatch("THREAD_UPDATE").await["d"]["name"],
        "plans b"
    );
    let archived = handle.archive_thread(thread.id).unwrap();
    assert!(archived.thread_metadata.unwrap().archived);
    assert_eq!(
        client.dispatch("THREAD_UPDATE").await["d"]["thread_metadata"]["archived"],
        true
    );
    let (mut third, _) = Client::hello(&handle, "v=10").await;
    third.identify(&token(&handle), ALL_INTENTS).await;
    assert_eq!(
        third.dispatch("GUILD_CREATE").await["d"]["threads"],
        json!([])
    );

    handle.delete_thread(thread.id).unwrap();
    let d = client.dispatch("THREAD_DELETE").await["d"].clone();
    assert_eq!(
        d,
        json!({"id": thread.id.to_string(), "guild_id": guild.to_string(), "parent_id": channel.to_string(), "type": 11})
    );
    assert!(handle.inspect(|c| c.world().channel(thread.id)).is_none());
    assert!(matches!(
        handle.delete_thread(channel).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
    let voice = handle.create_channel(guild, "voice", 2).unwrap();
    let refused = handle.create_thread(voice.id, "no", alice).unwrap_err();
    assert!(matches!(
        refused.kind(),
        ErrorKind::InvalidInput { code: 50024, .. }
    ));

    // Deleting a parent takes its threads; over the control API too.
    let control = |method: Method, path: String| {
        reqwest::Client::new()
            .request(method, format!("{}{path}", handle.control_url()))
            .timeout(crate::support::WAIT)
    };
    let news = handle.create_channel(guild, "news", 0).unwrap();
    let (status, body) = call(
        control(Method::POST, format!("/channels/{}/threads", news.id))
            .json(&json!({"name": "over http", "owner_id": alice})),
    )
    .await;
    assert_eq!((status, body["type"].clone()), (200, json!(11)));
    let id = body["id"].as_str().unwrap().to_owned();
    assert_eq!(client.dispatch("THREAD_CREATE").await["d"]["id"], id);
    let (status, body) =
        call(control(Method::PATCH, format!("/threads/{id}")).json(&json!({"archived": true})))
            .await;
    assert_eq!(
        (status, body["thread_metadata"]["archived"].clone()),
        (200, json!(true))
    );
    let (status, _) = call(control(Method::DELETE, format!("/threads/{id}"))).await;
    assert_eq!(status, 204);
    assert_eq!(client.dispatch("THREAD_DELETE").await["d"]["id"], id);
    let doomed = handle.create_thread(news.id, "doomed", alice).unwrap();
    handle.delete_channel(news.id).unwrap();
    assert!(handle.inspect(|c| c.world().channel(doomed.id)).is_none());
}
