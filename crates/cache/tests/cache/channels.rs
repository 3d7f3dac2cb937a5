//! Channels, DMs, pins and threads.

use serde_json::{Value, json};
use tether_cache::Update;
use tether_model::Timestamp;
use tether_model::id::{ChannelId, GuildId, UserId};

use crate::support::*;

fn thread(id: u64, parent: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "type": 11, "guild_id": GUILD.to_string(), "parent_id": parent.to_string(),
           "name": name, "owner_id": ALICE.to_string(), "message_count": 0, "member_count": 1,
           "thread_metadata": {"archived": false, "auto_archive_duration": 60,
                               "archive_timestamp": "2024-01-01T00:00:00+00:00", "locked": false}})
}

#[test]
fn channels_are_created_updated_and_deleted() {
    let cache = cache_with_guild();
    let mut channel = text_channel(201, "new");
    channel["guild_id"] = json!(GUILD.to_string());
    let create = event("CHANNEL_CREATE", &channel);
    assert!(matches!(cache.update(&create), Update::Nothing));
    twice(&cache, &create);
    channel["topic"] = json!("about things");
    let update = event("CHANNEL_UPDATE", &channel);
    let Update::Channel(before) = cache.update(&update) else {
        panic!()
    };
    assert_eq!(before.topic(), None);
    assert_eq!(
        cache.channel(ChannelId::new(201)).unwrap().topic(),
        Some("about things")
    );
    twice(&cache, &update);
    assert_eq!(
        cache.read(|v| v.guild_channels(GuildId::new(GUILD)).count()),
        2
    );

    cache.update(&event("MESSAGE_CREATE", &message(1000, 201, ALICE, "hi")));
    let delete = event("CHANNEL_DELETE", &channel);
    let Update::Channel(deleted) = cache.update(&delete) else {
        panic!()
    };
    assert_eq!(deleted.id(), ChannelId::new(201));
    assert!(cache.channel(ChannelId::new(201)).is_none());
    assert!(cache.message(1000.into()).is_none(), "its messages go too");
    assert_eq!(
        cache.read(|v| v.guild_channels(GuildId::new(GUILD)).count()),
        1
    );
    twice(&cache, &delete);
}

#[test]
fn a_message_announces_a_dm_and_channel_create_fills_it_in() {
    let cache = cache_with_guild();
    let mut dm_message = message(1000, 600, ALICE, "psst");
    dm_message.as_object_mut().unwrap().remove("guild_id");
    dm_message.as_object_mut().unwrap().remove("member");
    cache.update(&event("MESSAGE_CREATE", &dm_message));
    let dm = cache.channel(ChannelId::new(600)).unwrap();
    assert_eq!(
        (dm.kind(), dm.guild_id(), dm.recipients()),
        (1, None, &[UserId::new(ALICE)][..])
    );
    assert_eq!(dm.last_message_id(), Some(1000.into()));
    assert_eq!(cache.message(1000.into()).unwrap().content(), "psst");

    let create = event(
        "CHANNEL_CREATE",
        &json!({"id": "600", "type": 1, "last_message_id": "1000",
        "recipients": [user(ALICE, "alice")]}),
    );
    let Update::Channel(_) = cache.update(&create) else {
        panic!()
    };
    assert_eq!(cache.read(|v| v.private_channels().count()), 1);
    assert_eq!(cache.message(1000.into()).unwrap().content(), "psst");
}

#[test]
fn pins_update_sets_the_last_pin() {
    let cache = cache_with_guild();
    let at = "2024-03-01T00:00:00+00:00";
    let pins = event(
        "CHANNEL_PINS_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "channel_id": GENERAL.to_string(), "last_pin_timestamp": at}),
    );
    let Update::Channel(before) = cache.update(&pins) else {
        panic!()
    };
    assert_eq!(before.last_pin_timestamp(), None);
    let general = cache.channel(ChannelId::new(GENERAL)).unwrap();
    assert_eq!(
        general.last_pin_timestamp(),
        Some(at.parse::<Timestamp>().unwrap())
    );
    twice(&cache, &pins);
    cache.update(&event(
        "CHANNEL_PINS_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "channel_id": GENERAL.to_string(), "last_pin_timestamp": null}),
    ));
    assert_eq!(
        cache
            .channel(ChannelId::new(GENERAL))
            .unwrap()
            .last_pin_timestamp(),
        None
    );
}

#[test]
fn threads_come_and_go_with_their_messages_and_parents() {
    let cache = cache_with_guild();
    let mut created = thread(210, GENERAL, "t");
    created["member"] = json!({"id": "210", "user_id": BOT.to_string(),
        "join_timestamp": "2024-01-02T00:00:00+00:00", "flags": 0});
    created["newly_created"] = json!(true);
    cache.update(&event("THREAD_CREATE", &created));
    let t = cache.channel(ChannelId::new(210)).unwrap();
    assert!(t.is_thread());
    assert_eq!(t.member().unwrap().user_id(), UserId::new(BOT));
    assert!(!t.thread_metadata().unwrap().archived);

    // THREAD_UPDATE leaves the bot's membership out: it is kept.
    let mut updated = thread(210, GENERAL, "t");
    updated["thread_metadata"]["archived"] = json!(true);
    let update = event("THREAD_UPDATE", &updated);
    let Update::Channel(before) = cache.update(&update) else {
        panic!()
    };
    assert!(!before.thread_metadata().unwrap().archived);
    let t = cache.channel(ChannelId::new(210)).unwrap();
    assert!(t.thread_metadata().unwrap().archived);
    assert!(t.member().is_some());
    twice(&cache, &update);

    cache.update(&event(
        "MESSAGE_CREATE",
        &message(1000, 210, ALICE, "in thread"),
    ));
    let delete = event(
        "THREAD_DELETE",
        &json!({"id": "210", "guild_id": GUILD.to_string(),
        "parent_id": GENERAL.to_string(), "type": 11}),
    );
    let Update::Channel(_) = cache.update(&delete) else {
        panic!()
    };
    assert!(cache.channel(ChannelId::new(210)).is_none());
    assert!(cache.message(1000.into()).is_none());
    twice(&cache, &delete);

    // Deleting a parent deletes its threads.
    cache.update(&event("THREAD_CREATE", &thread(211, GENERAL, "u")));
    cache.update(&event(
        "CHANNEL_DELETE",
        &json!({"id": GENERAL.to_string(), "type": 0,
        "guild_id": GUILD.to_string()}),
    ));
    assert!(cache.channel(ChannelId::new(211)).is_none());
    assert_eq!(cache.stats().channels, 0);
}

#[test]
fn thread_list_sync_replaces_the_active_threads_of_the_synced_channels() {
    let cache = cache_with_guild();
    let mut other = text_channel(201, "other");
    other["guild_id"] = json!(GUILD.to_string());
    cache.update(&event("CHANNEL_CREATE", &other));
    cache.update(&event("THREAD_CREATE", &thread(210, GENERAL, "stale")));
    cache.update(&event("THREAD_CREATE", &thread(211, 201, "elsewhere")));
    let sync = event(
        "THREAD_LIST_SYNC",
        &json!({"guild_id": GUILD.to_string(),
        "channel_ids": [GENERAL.to_string()],
        "threads": [thread(212, GENERAL, "fresh")],
        "members": [{"id": "212", "user_id": BOT.to_string(), "join_timestamp": "2024-01-02T00:00:00+00:00", "flags": 1}]}),
    );
    assert!(matches!(cache.update(&sync), Update::Nothing));
    assert!(
        cache.channel(ChannelId::new(210)).is_none(),
        "no longer active"
    );
    assert!(
        cache.channel(ChannelId::new(211)).is_some(),
        "another parent: untouched"
    );
    let fresh = cache.channel(ChannelId::new(212)).unwrap();
    assert_eq!(fresh.member().unwrap().flags(), 1);
    twice(&cache, &sync);

    // Without channel_ids the whole guild is synced.
    cache.update(&event(
        "THREAD_LIST_SYNC",
        &json!({"guild_id": GUILD.to_string(), "threads": [], "members": []}),
    ));
    assert!(cache.channel(ChannelId::new(211)).is_none());
    assert!(cache.channel(ChannelId::new(212)).is_none());
    assert!(cache.channel(ChannelId::new(201)).is_some());
}

#[test]
fn thread_members_are_tracked() {
    let cache = cache_with_guild();
    cache.update(&event("THREAD_CREATE", &thread(210, GENERAL, "t")));
    let t = ChannelId::new(210);
    let joined = event(
        "THREAD_MEMBERS_UPDATE",
        &json!({"id": "210", "guild_id": GUILD.to_string(),
        "member_count": 3,
        "added_members": [
            {"id": "210", "user_id": BOT.to_string(), "join_timestamp": "2024-01-02T00:00:00+00:00", "flags": 0},
            {"id": "210", "user_id": BOB.to_string(), "join_timestamp": "2024-01-02T00:00:00+00:00", "flags": 0,
             "member": member(BOB, "bob", &[]), "presence": null},
        ]}),
    );
    let Update::Channel(_) = cache.update(&joined) else {
        panic!()
    };
    twice(&cache, &joined);
    let thread = cache.channel(t).unwrap();
    assert_eq!(thread.member_count(), Some(3));
    assert_eq!(thread.member().unwrap().user_id(), UserId::new(BOT));
    assert_eq!(cache.read(|v| v.thread_members(t).count()), 2);
    assert!(
        cache
            .member(GuildId::new(GUILD), UserId::new(BOB))
            .is_some(),
        "the guild member too"
    );

    let left = event(
        "THREAD_MEMBERS_UPDATE",
        &json!({"id": "210", "guild_id": GUILD.to_string(),
        "member_count": 1, "removed_member_ids": [BOT.to_string()]}),
    );
    cache.update(&left);
    let thread = cache.channel(t).unwrap();
    assert!(thread.member().is_none());
    assert_eq!(
        cache.read(|v| v.thread_members(t).map(|m| m.user_id()).collect::<Vec<_>>()),
        [UserId::new(BOB)]
    );

    let mine = event(
        "THREAD_MEMBER_UPDATE",
        &json!({"guild_id": GUILD.to_string(), "id": "210",
        "user_id": BOT.to_string(), "join_timestamp": "2024-01-03T00:00:00+00:00", "flags": 2}),
    );
    let Update::Channel(_) = cache.update(&mine) else {
        panic!()
    };
    assert_eq!(cache.channel(t).unwrap().member().unwrap().flags(), 2);
}

#[test]
fn a_hostile_chain_of_threads_costs_one_pass() {
    const CHAIN: u64 = 20_000;
    let cache = cache_with_guild();
    // Each "thread" is the parent of the next, down from #general: Discord
    // never sends that (threads have no threads), so only #general's own
    // thread goes with it, in one pass over the guild's channels.
    for i in 0..CHAIN {
        let parent = if i == 0 { GENERAL } else { 10_000 + i - 1 };
        cache.update(&event("THREAD_CREATE", &thread(10_000 + i, parent, "link")));
    }
    let chain = usize::try_from(CHAIN).unwrap();
    assert_eq!(cache.stats().channels, 1 + chain);
    cache.update(&event(
        "CHANNEL_DELETE",
        &json!({"id": GENERAL.to_string(), "type": 0,
        "guild_id": GUILD.to_string()}),
    ));
    assert_eq!(cache.stats().channels, chain - 1);
    cache.update(&event("GUILD_DELETE", &json!({"id": GUILD.to_string()})));
    assert_eq!(cache.stats().channels, 0);
}
