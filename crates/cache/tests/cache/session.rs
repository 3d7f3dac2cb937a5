//! `READY`, `USER_UPDATE`, guild availability and unknown guilds.

use serde_json::json;
use tether_cache::{Cache, ResourceType, Update};
use tether_model::id::{ChannelId, GuildId, UserId};

use crate::support::*;

#[test]
fn ready_sets_the_current_user_and_unavailable_guilds() {
    let cache = Cache::new();
    assert!(matches!(
        cache.update(&ready(&[GUILD, 101])),
        Update::Nothing
    ));
    assert_eq!(cache.current_user().unwrap().id(), UserId::new(BOT));
    assert!(cache.is_unavailable(GuildId::new(GUILD)));
    assert!(cache.guild(GuildId::new(GUILD)).is_none());
    assert_eq!(cache.stats().unavailable_guilds, 2);
}

#[test]
fn guild_create_makes_a_guild_available_and_an_unavailable_one_stays_so() {
    let cache = cache_with_guild();
    assert!(!cache.is_unavailable(GuildId::new(GUILD)));
    assert_eq!(
        cache.guild(GuildId::new(GUILD)).unwrap().member_count(),
        Some(2)
    );
    cache.update(&event(
        "GUILD_CREATE",
        &json!({"id": "101", "unavailable": true}),
    ));
    assert!(cache.is_unavailable(GuildId::new(101)));
    assert!(cache.guild(GuildId::new(101)).is_none());
}

#[test]
fn outage_keeps_the_guild_and_ignores_its_events_until_it_is_back() {
    let cache = cache_with_guild();
    let outage = event(
        "GUILD_DELETE",
        &json!({"id": GUILD.to_string(), "unavailable": true}),
    );
    assert!(matches!(cache.update(&outage), Update::Nothing));
    let guild = GuildId::new(GUILD);
    assert!(cache.is_unavailable(guild));
    assert_eq!(
        cache.guild(guild).unwrap().name(),
        "guild 100",
        "kept through the outage"
    );
    assert!(cache.member(guild, UserId::new(ALICE)).is_some());

    let join = event(
        "GUILD_MEMBER_ADD",
        &json!({"guild_id": GUILD.to_string(), "user": user(BOB, "bob"),
        "roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false}),
    );
    cache.update(&join);
    assert!(
        cache.member(guild, UserId::new(BOB)).is_none(),
        "ignored while unavailable"
    );

    let mut back = guild_json_with_bob();
    back["name"] = json!("renamed");
    cache.update(&event("GUILD_CREATE", &back));
    assert!(!cache.is_unavailable(guild));
    assert_eq!(cache.guild(guild).unwrap().name(), "renamed");
    assert!(cache.member(guild, UserId::new(BOB)).is_some());
}

fn guild_json_with_bob() -> serde_json::Value {
    let mut g = guild(GUILD);
    g["members"]
        .as_array_mut()
        .unwrap()
        .push(member(BOB, "bob", &[]));
    g["member_count"] = json!(3);
    g
}

#[test]
fn leaving_a_guild_forgets_everything_in_it() {
    let cache = cache_with_guild();
    cache.update(&event(
        "MESSAGE_CREATE",
        &message(1000, GENERAL, ALICE, "hi"),
    ));
    assert_eq!(cache.stats().messages, 1);
    let left = event("GUILD_DELETE", &json!({"id": GUILD.to_string()}));
    let Update::Guild(before) = cache.update(&left) else {
        panic!("no before value")
    };
    assert_eq!(before.name(), "guild 100");
    let stats = cache.stats();
    assert_eq!((stats.guilds, stats.unavailable_guilds), (0, 0));
    assert_eq!(
        (stats.channels, stats.members, stats.users, stats.messages),
        (0, 0, 0, 0)
    );
    assert!(cache.channel(ChannelId::new(GENERAL)).is_none());
    assert!(cache.user(UserId::new(ALICE)).is_none());
    twice(&cache, &left);
}

#[test]
fn events_for_unknown_guilds_are_ignored() {
    let cache = cache_with_guild();
    let before = snapshot(&cache);
    let unknown = "999";
    for (name, d) in [
        ("GUILD_UPDATE", json!({"id": unknown, "name": "x"})),
        (
            "GUILD_MEMBER_ADD",
            json!({"guild_id": unknown, "user": user(BOB, "bob"), "roles": []}),
        ),
        (
            "GUILD_MEMBER_UPDATE",
            json!({"guild_id": unknown, "user": user(BOB, "bob"), "roles": []}),
        ),
        (
            "GUILD_MEMBER_REMOVE",
            json!({"guild_id": unknown, "user": user(ALICE, "alice")}),
        ),
        (
            "GUILD_MEMBERS_CHUNK",
            json!({"guild_id": unknown, "members": [member(BOB, "bob", &[])],
            "chunk_index": 0, "chunk_count": 1}),
        ),
        (
            "GUILD_ROLE_CREATE",
            json!({"guild_id": unknown, "role": {"id": "9", "name": "r"}}),
        ),
        (
            "GUILD_ROLE_DELETE",
            json!({"guild_id": unknown, "role_id": ROLE.to_string()}),
        ),
        (
            "GUILD_EMOJIS_UPDATE",
            json!({"guild_id": unknown, "emojis": []}),
        ),
        (
            "GUILD_STICKERS_UPDATE",
            json!({"guild_id": unknown, "stickers": []}),
        ),
        (
            "CHANNEL_CREATE",
            json!({"id": "201", "type": 0, "guild_id": unknown, "name": "x"}),
        ),
        (
            "CHANNEL_DELETE",
            json!({"id": GENERAL.to_string(), "type": 0, "guild_id": unknown}),
        ),
        (
            "THREAD_CREATE",
            json!({"id": "202", "type": 11, "guild_id": unknown, "parent_id": "200"}),
        ),
        (
            "THREAD_LIST_SYNC",
            json!({"guild_id": unknown, "threads": [], "members": []}),
        ),
        (
            "THREAD_MEMBERS_UPDATE",
            json!({"id": "202", "guild_id": unknown, "member_count": 1}),
        ),
        ("MESSAGE_CREATE", {
            let mut m = message(1000, GENERAL, ALICE, "hi");
            m["guild_id"] = json!(unknown);
            m
        }),
        (
            "MESSAGE_DELETE",
            json!({"id": "1000", "channel_id": "200", "guild_id": unknown}),
        ),
        (
            "PRESENCE_UPDATE",
            json!({"user": {"id": ALICE.to_string()}, "guild_id": unknown, "status": "online"}),
        ),
        (
            "VOICE_STATE_UPDATE",
            json!({"guild_id": unknown, "channel_id": "201", "user_id": ALICE.to_string(),
            "session_id": "v"}),
        ),
    ] {
        assert!(
            matches!(cache.update(&event(name, &d)), Update::Nothing),
            "{name}"
        );
    }
    assert_eq!(snapshot(&cache), before);
}

#[test]
fn a_message_in_an_unknown_channel_of_a_known_guild_is_not_kept() {
    let cache = cache_with_guild();
    cache.update(&event("MESSAGE_CREATE", &message(1000, 777, ALICE, "hi")));
    assert!(cache.message(1000.into()).is_none());
    assert!(cache.channel(ChannelId::new(777)).is_none());
}

#[test]
fn a_new_session_drops_what_it_may_have_missed_on_its_shard_only() {
    // Guild ids on shard 0 and shard 1 of 2: (id >> 22) % 2.
    let (even, odd) = (2u64 << 22, 3u64 << 22);
    let cache = Cache::new();
    cache.update(&ready_shard(&[even], Some([0, 2])));
    cache.update(&ready_shard(&[odd], Some([1, 2])));
    cache.update(&event("GUILD_CREATE", &guild(even)));
    cache.update(&event("GUILD_CREATE", &{
        let mut g = guild(odd);
        g["channels"] = json!([text_channel(201, "other")]);
        g
    }));
    assert_eq!(cache.stats().guilds, 2);

    // Shard 0 gets a new session whose READY no longer lists `even`.
    cache.update(&ready_shard(&[], Some([0, 2])));
    assert!(cache.guild(GuildId::new(even)).is_none());
    assert!(!cache.read(|v| v.guild_ids().any(|g| g == GuildId::new(even))));
    assert_eq!(
        cache.guild(GuildId::new(odd)).unwrap().name(),
        format!("guild {odd}")
    );
    assert!(cache.channel(ChannelId::new(201)).is_some());

    // Shard 1's new session lists `odd`: unavailable until its GUILD_CREATE.
    cache.update(&ready_shard(&[odd], Some([1, 2])));
    assert!(cache.is_unavailable(GuildId::new(odd)));
    assert!(cache.channel(ChannelId::new(201)).is_none());
}

#[test]
fn user_update_replaces_the_current_user() {
    let cache = cache_with_guild();
    let mut renamed = user(BOT, "bot2");
    renamed["verified"] = json!(true);
    let Update::CurrentUser(before) = cache.update(&event("USER_UPDATE", &renamed)) else {
        panic!("no before value")
    };
    assert_eq!(before.user().username(), "bot");
    let now = cache.current_user().unwrap();
    assert_eq!((now.user().username(), now.verified()), ("bot2", true));
    assert_eq!(
        cache.user(UserId::new(BOT)).unwrap().username(),
        "bot2",
        "the shared user too"
    );
    twice(&cache, &event("USER_UPDATE", &renamed));
}

#[test]
fn ready_and_guild_create_twice_are_idempotent() {
    let cache = Cache::new();
    twice(&cache, &ready(&[GUILD]));
    twice(&cache, &event("GUILD_CREATE", &guild(GUILD)));
    assert_eq!(cache.stats().members, 2);
    assert_eq!(cache.stats().users, 2);
}

#[test]
fn resources_left_out_are_not_cached() {
    let cache = Cache::builder()
        .resource_types(ResourceType::GUILDS | ResourceType::ROLES)
        .build();
    cache.update(&ready(&[GUILD]));
    cache.update(&event("GUILD_CREATE", &guild(GUILD)));
    cache.update(&event(
        "MESSAGE_CREATE",
        &message(1000, GENERAL, ALICE, "hi"),
    ));
    let stats = cache.stats();
    assert_eq!((stats.guilds, stats.roles), (1, 2));
    assert_eq!(
        (
            stats.channels,
            stats.members,
            stats.users,
            stats.messages,
            stats.emojis
        ),
        (0, 0, 0, 0, 0)
    );
    // Without channels there is nothing to check a message's channel against.
    assert!(cache.read(|v| v.roles(GuildId::new(GUILD)).count()) == 2);
}

#[test]
fn every_event_the_cache_reads_is_asked_for() {
    use tether_model::gateway::EventType;
    let all = ResourceType::all().event_types();
    for name in [
        "READY",
        "USER_UPDATE",
        "GUILD_CREATE",
        "GUILD_UPDATE",
        "GUILD_DELETE",
        "GUILD_ROLE_CREATE",
        "GUILD_ROLE_UPDATE",
        "GUILD_ROLE_DELETE",
        "GUILD_EMOJIS_UPDATE",
        "GUILD_STICKERS_UPDATE",
        "CHANNEL_CREATE",
        "CHANNEL_UPDATE",
        "CHANNEL_DELETE",
        "CHANNEL_PINS_UPDATE",
        "THREAD_CREATE",
        "THREAD_UPDATE",
        "THREAD_DELETE",
        "THREAD_LIST_SYNC",
        "THREAD_MEMBER_UPDATE",
        "THREAD_MEMBERS_UPDATE",
        "GUILD_MEMBER_ADD",
        "GUILD_MEMBER_UPDATE",
        "GUILD_MEMBER_REMOVE",
        "GUILD_MEMBERS_CHUNK",
        "PRESENCE_UPDATE",
        "VOICE_STATE_UPDATE",
        "MESSAGE_CREATE",
        "MESSAGE_UPDATE",
        "MESSAGE_DELETE",
        "MESSAGE_DELETE_BULK",
        "MESSAGE_REACTION_ADD",
        "MESSAGE_REACTION_REMOVE",
        "MESSAGE_REACTION_REMOVE_ALL",
        "MESSAGE_REACTION_REMOVE_EMOJI",
    ] {
        assert!(all.contains(EventType::from_name(name).unwrap()), "{name}");
    }
    let minimal = ResourceType::empty().event_types();
    assert!(minimal.contains(EventType::GuildCreate));
    assert!(!minimal.contains(EventType::MessageCreate));
    assert!(
        !ResourceType::DEFAULT
            .event_types()
            .contains(EventType::PresenceUpdate)
    );
    assert!(
        !ResourceType::DEFAULT
            .event_types()
            .contains(EventType::TypingStart)
    );
}
