//! World changes through the handle and the events bots get for them.

use std::time::Duration;

use tether_emulator::{ErrorKind, World};
use tether_model::permissions::Permissions;
use tether_model::presence::Status;

use crate::support::{ALL_INTENTS, Client, builder, emulator, token};

#[tokio::test]
async fn guilds_channels_members_roles_and_presences() {
    let handle = emulator().await;
    let (mut client, _) = Client::hello(&handle, "v=10").await;
    client.identify(&token(&handle), ALL_INTENTS).await;
    client.dispatch("GUILD_CREATE").await;
    let bot = handle.bot_user_id();
    let alice = handle.human_id();

    let guild = handle.create_guild("New Guild", alice, &[bot]).unwrap();
    let created = client.dispatch("GUILD_CREATE").await;
    assert_eq!(created["d"]["id"], guild.id.to_string());
    assert_eq!(created["d"]["channels"][0]["name"], "general");
    let channel = handle.create_channel(guild.id, "news", 5).unwrap();
    assert_eq!(
        client.dispatch("CHANNEL_CREATE").await["d"]["id"],
        channel.id.to_string()
    );
    handle.delete_channel(channel.id).unwrap();
    assert_eq!(
        client.dispatch("CHANNEL_DELETE").await["d"]["id"],
        channel.id.to_string()
    );
    let carol = handle.create_user("carol");
    handle.add_member(guild.id, carol.id).unwrap();
    assert_eq!(
        client.dispatch("GUILD_MEMBER_ADD").await["d"]["guild_id"],
        guild.id.to_string()
    );
    let role = handle
        .create_role(guild.id, "Helpers", Permissions::MANAGE_MESSAGES)
        .unwrap();
    assert_eq!(
        client.dispatch("GUILD_ROLE_CREATE").await["d"]["role"]["permissions"],
        "8192"
    );
    handle.delete_role(guild.id, role.id).unwrap();
    assert_eq!(
        client.dispatch("GUILD_ROLE_DELETE").await["d"]["role_id"],
        role.id.to_string()
    );
    handle.set_presence(carol.id, Status::Dnd).unwrap();
    assert_eq!(
        client.dispatch("PRESENCE_UPDATE").await["d"]["status"],
        "dnd"
    );
    handle.remove_member(guild.id, carol.id).unwrap();
    assert_eq!(
        client.dispatch("GUILD_MEMBER_REMOVE").await["d"]["user"]["username"],
        "carol"
    );
    handle.remove_member(guild.id, bot).unwrap();
    let deleted = client.dispatch("GUILD_DELETE").await;
    assert_eq!(
        deleted["d"],
        serde_json::json!({"id": guild.id.to_string()})
    );
    handle.add_member(guild.id, bot).unwrap();
    assert_eq!(
        client.dispatch("GUILD_CREATE").await["d"]["id"],
        guild.id.to_string()
    );
    handle.delete_guild(guild.id).unwrap();
    assert_eq!(
        client.dispatch("GUILD_DELETE").await["d"]["id"],
        guild.id.to_string()
    );
    assert!(matches!(
        handle.delete_guild(guild.id).unwrap_err().kind(),
        ErrorKind::NotFound(_)
    ));
}

#[tokio::test]
async fn direct_messages_go_to_shard_zero_only() {
    let handle = emulator().await;
    let token = token(&handle);
    let mut clients = Vec::new();
    for shard in [0u32, 1] {
        let (mut client, _) = Client::hello(&handle, "v=10").await;
        let mut frame = crate::support::identify(&token, ALL_INTENTS);
        frame["d"]["shard"] = serde_json::json!([shard, 2]);
        client.send(&frame).await;
        let ready = client.dispatch("READY").await;
        let guilds = ready["d"]["guilds"].as_array().unwrap().len();
        assert_eq!(guilds, usize::from(handle.guild_id().shard(2) == shard));
        clients.push((
            client,
            ready["d"]["session_id"].as_str().unwrap().to_owned(),
        ));
    }
    let seq_of = |session: &str| handle.inspect(|core| core.session(session).unwrap().seq);
    let before = seq_of(&clients[1].1);
    let dm = handle
        .open_dm(handle.human_id(), handle.bot_user_id())
        .unwrap();
    handle.say(handle.human_id(), dm.id, "psst").unwrap();
    let got = clients[0].0.dispatch("MESSAGE_CREATE").await;
    assert_eq!(got["d"]["content"], "psst");
    assert!(got["d"].get("guild_id").is_none());
    assert_eq!(seq_of(&clients[1].1), before, "shard 1 got nothing");
}

#[tokio::test]
async fn wait_for_message_sees_past_and_future_messages() {
    let handle = emulator().await;
    let said = handle
        .say(handle.human_id(), handle.channel_id(), "first")
        .unwrap();
    let found = handle
        .wait_for_message(|m| m.content == "first", Duration::from_secs(1))
        .await
        .unwrap();
    assert_eq!(found.id, said.id);
    let waiter = {
        let handle = handle.clone();
        tokio::spawn(async move {
            handle
                .wait_for_message(
                    move |m| m.id > said.id && m.content == "second",
                    Duration::from_secs(5),
                )
                .await
        })
    };
    tokio::task::yield_now().await;
    handle
        .say(handle.human_id(), handle.channel_id(), "second")
        .unwrap();
    assert_eq!(waiter.await.unwrap().unwrap().content, "second");
    let timeout = handle
        .wait_for_message(|m| m.content == "never", Duration::from_millis(20))
        .await
        .unwrap_err();
    assert_eq!(timeout.kind(), &ErrorKind::Timeout);
    assert_eq!(handle.messages(handle.channel_id()).len(), 2);
}

#[tokio::test]
async fn handle_errors_and_loaded_worlds() {
    let handle = emulator().await;
    let too_long = handle.say(
        handle.human_id(),
        handle.channel_id(),
        "x".repeat(2001).as_str(),
    );
    assert!(matches!(
        too_long.unwrap_err().kind(),
        ErrorKind::InvalidInput { code: 50035, .. }
    ));
    let outsider = handle.create_user("outsider");
    let refused = handle
        .say(outsider.id, handle.channel_id(), "hi")
        .unwrap_err();
    assert!(matches!(
        refused.kind(),
        ErrorKind::Forbidden { code: 50001, .. }
    ));
    let said = handle
        .say(handle.human_id(), handle.channel_id(), "react to me")
        .unwrap();
    let emojis: Vec<String> = (0..21).map(|n| format!("custom{n}:{}", 1000 + n)).collect();
    for emoji in &emojis[..20] {
        handle
            .react(handle.human_id(), handle.channel_id(), said.id, emoji)
            .unwrap();
    }
    let full = handle
        .react(handle.human_id(), handle.channel_id(), said.id, &emojis[20])
        .unwrap_err();
    assert!(matches!(
        full.kind(),
        ErrorKind::InvalidInput { code: 30010, .. }
    ));
    handle
        .react(
            handle.bot_user_id(),
            handle.channel_id(),
            said.id,
            &emojis[0],
        )
        .unwrap();
    let counted = &handle.messages(handle.channel_id())[0].reactions[0];
    assert_eq!(counted.count, 2);
    let voice = handle
        .create_channel(handle.guild_id(), "Voice", 4)
        .unwrap();
    let category = handle.say(handle.human_id(), voice.id, "hi").unwrap_err();
    assert!(matches!(
        category.kind(),
        ErrorKind::InvalidInput { code: 50008, .. }
    ));

    let world = World::load(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/world.toml")).unwrap();
    let loaded = builder().world(world).spawn().await.unwrap();
    let (mut client, _) = Client::hello(&loaded, "v=10").await;
    let ready = client.identify(&token(&loaded), ALL_INTENTS).await;
    assert_eq!(ready["d"]["guilds"].as_array().unwrap().len(), 5);
    let (mut plain, _) = Client::hello(&loaded, "v=10").await;
    plain
        .send(&crate::support::identify(
            "plain-bot-token.emulator.local",
            1 << 15,
        ))
        .await;
    assert_eq!(plain.closed().await, Some(4014));
    assert!(matches!(
        builder()
            .world(World::new())
            .spawn()
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidWorld { .. }
    ));
}
