//! Messages: create, partial updates, deletes, limits and reactions.

use std::sync::Arc;

use serde_json::{Value, json};
use tether_cache::{Cache, ReactionEmoji, ResourceType, Update};
use tether_model::Timestamp;
use tether_model::gateway::Event;
use tether_model::id::{ChannelId, EmojiId, GuildId, MessageId, RoleId, UserId};

use crate::support::*;

fn create(id: u64, content: &str) -> Event {
    event("MESSAGE_CREATE", &message(id, GENERAL, ALICE, content))
}

fn reaction(name: &str, id: u64, user: u64, emoji: &Value) -> Event {
    event(
        name,
        &json!({"user_id": user.to_string(), "channel_id": GENERAL.to_string(),
        "message_id": id.to_string(), "guild_id": GUILD.to_string(), "emoji": emoji, "burst": false, "type": 0}),
    )
}

#[test]
fn a_message_is_cached_with_its_author_member_and_channel() {
    let cache = cache_with_guild();
    let mut m = message(1000, GENERAL, BOB, "hello");
    m["member"]["nick"] = json!("bobby");
    m["mentions"] = json!([user(ALICE, "alice")]);
    m["mention_roles"] = json!([ROLE.to_string()]);
    assert!(matches!(
        cache.update(&event("MESSAGE_CREATE", &m)),
        Update::Nothing
    ));
    let cached = cache.message(MessageId::new(1000)).unwrap();
    assert_eq!(
        (cached.content(), cached.author().username()),
        ("hello", "someone")
    );
    assert_eq!(cached.mentions(), &[UserId::new(ALICE)]);
    assert_eq!(cached.mention_roles(), &[RoleId::new(ROLE)]);
    assert!(
        Arc::ptr_eq(cached.author(), &cache.user(UserId::new(BOB)).unwrap()),
        "shared"
    );
    assert_eq!(
        cache
            .member(GuildId::new(GUILD), UserId::new(BOB))
            .unwrap()
            .nick(),
        Some("bobby")
    );
    assert_eq!(
        cache
            .channel(ChannelId::new(GENERAL))
            .unwrap()
            .last_message_id(),
        Some(MessageId::new(1000))
    );
    twice(&cache, &event("MESSAGE_CREATE", &m));
}

#[test]
fn a_repeated_create_keeps_the_reactions_seen_since() {
    let cache = cache_with_guild();
    cache.update(&create(1000, "hi"));
    cache.update(&reaction(
        "MESSAGE_REACTION_ADD",
        1000,
        BOB,
        &json!({"name": "🔥"}),
    ));
    cache.update(&create(1000, "hi"));
    assert_eq!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .len(),
        1
    );
}

#[test]
fn partial_updates_merge_into_the_cached_message() {
    let cache = cache_with_guild();
    let mut m = message(1000, GENERAL, ALICE, "first");
    m["pinned"] = json!(true);
    m["embeds"] = json!([{"title": "card"}]);
    cache.update(&event("MESSAGE_CREATE", &m));
    let edited_at = "2024-02-01T00:05:00+00:00";
    let edit = event(
        "MESSAGE_UPDATE",
        &json!({"id": "1000", "channel_id": GENERAL.to_string(),
        "guild_id": GUILD.to_string(), "content": "second", "edited_timestamp": edited_at}),
    );
    let Update::Message(before) = cache.update(&edit) else {
        panic!()
    };
    assert_eq!(before.content(), "first");
    let after = cache.message(MessageId::new(1000)).unwrap();
    assert_eq!(after.content(), "second");
    assert_eq!(
        after.edited_timestamp(),
        Some(edited_at.parse::<Timestamp>().unwrap())
    );
    assert!(after.pinned(), "absent: unchanged");
    assert_eq!(after.embeds().len(), 1, "absent: unchanged");
    assert_eq!(after.timestamp(), before.timestamp());
    twice(&cache, &edit);

    // Only an embed update (Discord's link unfurl): content stays.
    let unfurl = event(
        "MESSAGE_UPDATE",
        &json!({"id": "1000", "channel_id": GENERAL.to_string(),
        "guild_id": GUILD.to_string(), "embeds": [], "pinned": false, "mentions": [user(BOB, "bob")]}),
    );
    cache.update(&unfurl);
    let after = cache.message(MessageId::new(1000)).unwrap();
    assert_eq!(
        (after.content(), after.embeds().len(), after.pinned()),
        ("second", 0, false)
    );
    assert_eq!(after.mentions(), &[UserId::new(BOB)]);

    // An edit of a message the cache does not hold changes nothing.
    let other = event(
        "MESSAGE_UPDATE",
        &json!({"id": "7", "channel_id": GENERAL.to_string(), "content": "x"}),
    );
    assert!(matches!(cache.update(&other), Update::Nothing));
    assert!(cache.message(MessageId::new(7)).is_none());
}

#[test]
fn deletes_return_what_was_cached() {
    let cache = cache_with_guild();
    for id in 1000..1005 {
        cache.update(&create(id, &format!("m{id}")));
    }
    let delete = event(
        "MESSAGE_DELETE",
        &json!({"id": "1000", "channel_id": GENERAL.to_string(),
        "guild_id": GUILD.to_string()}),
    );
    let Update::Message(deleted) = cache.update(&delete) else {
        panic!()
    };
    assert_eq!(deleted.content(), "m1000");
    assert!(matches!(cache.update(&delete), Update::Nothing), "repeated");
    let bulk = event(
        "MESSAGE_DELETE_BULK",
        &json!({"ids": ["1003", "1001", "999"],
        "channel_id": GENERAL.to_string(), "guild_id": GUILD.to_string()}),
    );
    let Update::Messages(deleted) = cache.update(&bulk) else {
        panic!()
    };
    let ids: Vec<u64> = deleted.iter().map(|m| m.id().get()).collect();
    assert_eq!(ids, [1001, 1003]);
    twice(&cache, &bulk);
    let left: Vec<u64> = cache.read(|v| {
        v.channel_messages(ChannelId::new(GENERAL))
            .map(|m| m.id().get())
            .collect()
    });
    assert_eq!(left, [1002, 1004]);
}

#[test]
fn the_oldest_messages_are_evicted_first() {
    let cache = Cache::builder()
        .message_limit(4)
        .channel_message_limit(3)
        .build();
    cache.update(&ready(&[GUILD]));
    let mut g = guild(GUILD);
    g["channels"] = json!([text_channel(GENERAL, "general"), text_channel(201, "other")]);
    cache.update(&event("GUILD_CREATE", &g));
    for id in 1..=4 {
        cache.update(&create(id, "general"));
    }
    let general = |cache: &Cache| -> Vec<u64> {
        cache.read(|v| {
            v.channel_messages(ChannelId::new(GENERAL))
                .map(|m| m.id().get())
                .collect()
        })
    };
    assert_eq!(general(&cache), [2, 3, 4], "per-channel limit");
    for id in 5..=7 {
        let mut m = message(id, 201, BOB, "other");
        m.as_object_mut().unwrap().remove("member");
        cache.update(&event("MESSAGE_CREATE", &m));
    }
    assert_eq!(cache.stats().messages, 4, "total limit");
    assert_eq!(general(&cache), [4]);
    // Bob is no member: his messages alone keep him cached.
    assert!(cache.user(UserId::new(BOB)).is_some());
    for id in 8..=10 {
        cache.update(&create(id, "general"));
    }
    let other: Vec<u64> = cache.read(|v| {
        v.channel_messages(ChannelId::new(201))
            .map(|m| m.id().get())
            .collect()
    });
    assert_eq!((general(&cache), other), (vec![8, 9, 10], vec![7]));
    // General's own limit makes room now: 7, the oldest, stays.
    cache.update(&create(11, "general"));
    assert!(cache.message(MessageId::new(7)).is_some());
    assert!(cache.user(UserId::new(BOB)).is_some());
    cache.update(&event(
        "MESSAGE_DELETE",
        &json!({"id": "7", "channel_id": "201", "guild_id": GUILD.to_string()}),
    ));
    assert!(
        cache.user(UserId::new(BOB)).is_none(),
        "his last message is gone"
    );

    let none = Cache::builder().message_limit(0).build();
    none.update(&ready(&[GUILD]));
    none.update(&event("GUILD_CREATE", &guild(GUILD)));
    none.update(&create(1, "x"));
    assert_eq!(none.stats().messages, 0);
}

#[test]
fn reactions_are_counted_once_per_user() {
    let cache = cache_with_guild();
    cache.update(&create(1000, "react to me"));
    let fire = json!({"name": "🔥"});
    let add = reaction("MESSAGE_REACTION_ADD", 1000, BOB, &fire);
    let Update::Message(before) = cache.update(&add) else {
        panic!()
    };
    assert!(before.reactions().is_empty());
    twice(&cache, &add);
    cache.update(&reaction("MESSAGE_REACTION_ADD", 1000, BOT, &fire));
    twice(&cache, &reaction("MESSAGE_REACTION_ADD", 1000, BOT, &fire));
    let custom = json!({"id": "400", "name": "party"});
    cache.update(&reaction("MESSAGE_REACTION_ADD", 1000, ALICE, &custom));
    // The same custom emoji, renamed: matched by id.
    cache.update(&reaction(
        "MESSAGE_REACTION_ADD",
        1000,
        BOB,
        &json!({"id": "400", "name": "renamed"}),
    ));

    let m = cache.message(MessageId::new(1000)).unwrap();
    let r = m.reactions();
    assert_eq!(r.len(), 2);
    assert_eq!(
        (r[0].emoji(), r[0].count(), r[0].me()),
        (&ReactionEmoji::Unicode("🔥".into()), 2, true)
    );
    assert!(matches!(r[1].emoji(), ReactionEmoji::Custom { id, .. } if *id == EmojiId::new(400)));
    assert_eq!((r[1].count(), r[1].me()), (2, false));

    let remove = reaction("MESSAGE_REACTION_REMOVE", 1000, BOT, &fire);
    cache.update(&remove);
    twice(&cache, &remove);
    let r = cache.message(MessageId::new(1000)).unwrap().reactions()[0].clone();
    assert_eq!((r.count(), r.me()), (1, false));
    cache.update(&reaction("MESSAGE_REACTION_REMOVE", 1000, BOB, &fire));
    assert_eq!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .len(),
        1,
        "count 0: gone"
    );

    let emoji = event(
        "MESSAGE_REACTION_REMOVE_EMOJI",
        &json!({"channel_id": GENERAL.to_string(),
        "message_id": "1000", "guild_id": GUILD.to_string(), "emoji": custom}),
    );
    let Update::Message(before) = cache.update(&emoji) else {
        panic!()
    };
    assert_eq!(before.reactions().len(), 1);
    assert!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .is_empty()
    );
    cache.update(&add);
    let all = event(
        "MESSAGE_REACTION_REMOVE_ALL",
        &json!({"channel_id": GENERAL.to_string(),
        "message_id": "1000", "guild_id": GUILD.to_string()}),
    );
    cache.update(&all);
    twice(&cache, &all);
    assert!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .is_empty()
    );
}

#[test]
fn reactions_from_the_create_payload_can_be_removed() {
    let cache = cache_with_guild();
    let mut m = message(1000, GENERAL, ALICE, "old");
    m["reactions"] = json!([{"count": 2, "me": false, "emoji": {"name": "👍"}}]);
    cache.update(&event("MESSAGE_CREATE", &m));
    let thumbs = json!({"name": "👍"});
    cache.update(&reaction("MESSAGE_REACTION_REMOVE", 1000, BOB, &thumbs));
    cache.update(&reaction("MESSAGE_REACTION_REMOVE", 1000, ALICE, &thumbs));
    assert!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .is_empty()
    );
    cache.update(&reaction("MESSAGE_REACTION_REMOVE", 1000, 13, &thumbs));
    assert!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .is_empty()
    );
}

#[test]
fn webhook_authors_are_not_users() {
    let cache = cache_with_guild();
    let mut m = message(1000, GENERAL, 900, "from a hook");
    m["webhook_id"] = json!("900");
    m["author"]["username"] = json!("Deploy Bot");
    m.as_object_mut().unwrap().remove("member");
    cache.update(&event("MESSAGE_CREATE", &m));
    let cached = cache.message(MessageId::new(1000)).unwrap();
    assert_eq!(cached.author().username(), "Deploy Bot");
    assert!(cache.user(UserId::new(900)).is_none());
    cache.update(&event(
        "MESSAGE_DELETE",
        &json!({"id": "1000", "channel_id": GENERAL.to_string(),
        "guild_id": GUILD.to_string()}),
    ));
    assert_eq!(cache.stats().users, 2);
}

#[test]
fn without_users_messages_keep_their_own_authors() {
    let cache = Cache::builder()
        .resource_types(ResourceType::DEFAULT.difference(ResourceType::USERS))
        .build();
    cache.update(&ready(&[GUILD]));
    cache.update(&event("GUILD_CREATE", &guild(GUILD)));
    cache.update(&create(1000, "hi"));
    assert_eq!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .author()
            .username(),
        "alice"
    );
    assert_eq!(cache.stats().users, 0);
    assert_eq!(cache.stats().members, 2);
}

#[test]
fn a_message_keeps_at_most_a_hundred_emojis() {
    let cache = cache_with_guild();
    cache.update(&create(1000, "react to me"));
    for i in 0..150 {
        cache.update(&reaction(
            "MESSAGE_REACTION_ADD",
            1000,
            BOB,
            &json!({"id": (5000 + i).to_string(), "name": "e"}),
        ));
    }
    assert_eq!(
        cache
            .message(MessageId::new(1000))
            .unwrap()
            .reactions()
            .len(),
        100
    );
}

#[test]
fn a_popular_reaction_remembers_a_hundred_reactors() {
    let cache = cache_with_guild();
    cache.update(&create(1000, "react to me"));
    let fire = json!({"name": "🔥"});
    for user in 0..150 {
        cache.update(&reaction("MESSAGE_REACTION_ADD", 1000, 1_000 + user, &fire));
    }
    let r = cache.message(MessageId::new(1000)).unwrap().reactions()[0].clone();
    assert_eq!((r.count(), r.known_users().len()), (150, 100));
    // Past the bound, a repeat cannot be told apart: it is counted.
    cache.update(&reaction("MESSAGE_REACTION_ADD", 1000, 1_000, &fire));
    assert_eq!(
        cache.message(MessageId::new(1000)).unwrap().reactions()[0].count(),
        150,
        "a known one is not"
    );
    cache.update(&reaction("MESSAGE_REACTION_REMOVE", 1000, 1_149, &fire));
    assert_eq!(
        cache.message(MessageId::new(1000)).unwrap().reactions()[0].count(),
        149
    );
}
