//! Members, shared users, member chunks, presences and voice states.

use std::sync::Arc;

use serde_json::json;
use tether_cache::{Cache, ResourceType, Update};
use tether_model::id::{ChannelId, GuildId, RoleId, UserId};
use tether_model::presence::Status;

use crate::support::*;

fn join(user_id: u64, name: &str) -> tether_model::gateway::Event {
    let mut d = member(user_id, name, &[]);
    d["guild_id"] = json!(GUILD.to_string());
    event("GUILD_MEMBER_ADD", &d)
}

fn count(cache: &Cache) -> Option<u64> {
    cache.guild(GuildId::new(GUILD)).unwrap().member_count()
}

#[test]
fn a_join_is_counted_once() {
    let cache = cache_with_guild();
    let add = join(BOB, "bob");
    assert!(matches!(cache.update(&add), Update::Nothing));
    assert_eq!(count(&cache), Some(3));
    assert_eq!(cache.user(UserId::new(BOB)).unwrap().username(), "bob");
    twice(&cache, &add);
    assert_eq!(count(&cache), Some(3));
}

#[test]
fn a_leave_returns_the_member_and_is_counted_once() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    cache.update(&event(
        "PRESENCE_UPDATE",
        &json!({"user": {"id": ALICE.to_string()},
        "guild_id": GUILD.to_string(), "status": "online"}),
    ));
    cache.update(&event(
        "VOICE_STATE_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "channel_id": "201", "user_id": ALICE.to_string(), "session_id": "v"}),
    ));
    let remove = event(
        "GUILD_MEMBER_REMOVE",
        &json!({"guild_id": GUILD.to_string(), "user": user(ALICE, "alice")}),
    );
    let Update::Member(before) = cache.update(&remove) else {
        panic!()
    };
    assert_eq!(before.roles(), &[RoleId::new(ROLE)]);
    assert!(cache.member(g, UserId::new(ALICE)).is_none());
    assert!(
        cache.user(UserId::new(ALICE)).is_none(),
        "no one refers to her any more"
    );
    assert!(cache.read(|v| v.presence(g, UserId::new(ALICE)).is_none()));
    assert!(cache.read(|v| v.voice_state(g, UserId::new(ALICE)).is_none()));
    assert_eq!(count(&cache), Some(1));
    // Every member is cached, so a repeat cannot be someone uncached.
    twice(&cache, &remove);
    assert_eq!(count(&cache), Some(1));
}

#[test]
fn a_leave_of_an_uncached_member_still_counts_in_a_large_guild() {
    let cache = cache_with_guild();
    let mut g = guild(GUILD);
    g["member_count"] = json!(5000);
    g["large"] = json!(true);
    cache.update(&event("GUILD_CREATE", &g));
    cache.update(&event(
        "GUILD_MEMBER_REMOVE",
        &json!({"guild_id": GUILD.to_string(), "user": user(BOB, "bob")}),
    ));
    assert_eq!(count(&cache), Some(4999));
}

#[test]
fn member_updates_merge() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let mut update = json!({"guild_id": GUILD.to_string(), "user": user(ALICE, "alice2"),
        "roles": [], "nick": "al", "avatar": null, "joined_at": "2024-01-01T00:00:00+00:00",
        "premium_since": null, "communication_disabled_until": null});
    let Update::Member(before) = cache.update(&event("GUILD_MEMBER_UPDATE", &update)) else {
        panic!()
    };
    assert_eq!((before.nick(), before.roles().len()), (None, 1));
    let after = cache.member(g, UserId::new(ALICE)).unwrap();
    assert_eq!(
        (after.nick(), after.roles().len(), after.deaf()),
        (Some("al"), 0, false)
    );
    assert_eq!(cache.user(UserId::new(ALICE)).unwrap().username(), "alice2");
    twice(&cache, &event("GUILD_MEMBER_UPDATE", &update));

    // No `nick`: unchanged. `deaf` present: replaced.
    update.as_object_mut().unwrap().remove("nick");
    update["deaf"] = json!(true);
    cache.update(&event("GUILD_MEMBER_UPDATE", &update));
    let after = cache.member(g, UserId::new(ALICE)).unwrap();
    assert_eq!((after.nick(), after.deaf()), (Some("al"), true));
    // `nick: null`: cleared.
    update["nick"] = json!(null);
    cache.update(&event("GUILD_MEMBER_UPDATE", &update));
    assert_eq!(cache.member(g, UserId::new(ALICE)).unwrap().nick(), None);

    // An uncached member is added from the update.
    update["user"] = user(BOB, "bob");
    assert!(matches!(
        cache.update(&event("GUILD_MEMBER_UPDATE", &update)),
        Update::Nothing
    ));
    assert!(cache.member(g, UserId::new(BOB)).is_some());
    assert_eq!(count(&cache), Some(2), "an update is not a join");
}

#[test]
fn users_are_stored_once_for_all_guilds() {
    let cache = cache_with_guild();
    cache.update(&ready(&[GUILD, 101]));
    cache.update(&event("GUILD_CREATE", &guild(GUILD)));
    cache.update(&event("GUILD_CREATE", &guild(101)));
    assert_eq!(cache.stats().members, 4);
    assert_eq!(cache.stats().users, 2);
    let a = cache.user(UserId::new(ALICE)).unwrap();
    cache.update(&event(
        "GUILD_MEMBER_REMOVE",
        &json!({"guild_id": "101", "user": user(ALICE, "alice")}),
    ));
    let b = cache.user(UserId::new(ALICE)).unwrap();
    assert!(Arc::ptr_eq(&a, &b), "still referred to by the other guild");
    // A rename seen in one guild shows everywhere.
    cache.update(&event(
        "GUILD_MEMBER_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "user": user(ALICE, "alicia"), "roles": []}),
    ));
    assert_eq!(cache.user(UserId::new(ALICE)).unwrap().username(), "alicia");
}

#[test]
fn member_chunks_add_members_presences_and_drop_the_not_found() {
    let cache = Cache::builder().resource_types(ResourceType::all()).build();
    cache.update(&ready(&[GUILD]));
    cache.update(&event("GUILD_CREATE", &guild(GUILD)));
    let g = GuildId::new(GUILD);
    let chunk = event(
        "GUILD_MEMBERS_CHUNK",
        &json!({"guild_id": GUILD.to_string(),
        "members": [member(BOB, "bob", &[ROLE]), member(13, "carol", &[])],
        "chunk_index": 0, "chunk_count": 1, "not_found": [ALICE.to_string(), "99"],
        "presences": [{"user": {"id": BOB.to_string()}, "status": "idle"},
                      {"user": {"id": "13"}, "status": "offline"}],
        "nonce": "n"}),
    );
    assert!(matches!(cache.update(&chunk), Update::Nothing));
    assert_eq!(
        cache.member(g, UserId::new(BOB)).unwrap().roles(),
        &[RoleId::new(ROLE)]
    );
    assert!(cache.member(g, UserId::new(13)).is_some());
    assert!(
        cache.member(g, UserId::new(ALICE)).is_none(),
        "not found: not a member"
    );
    assert_eq!(
        cache
            .read(|v| v.presence(g, UserId::new(BOB)))
            .unwrap()
            .status(),
        Status::Idle
    );
    assert!(
        cache.read(|v| v.presence(g, UserId::new(13))).is_none(),
        "offline: no presence"
    );
    twice(&cache, &chunk);
}

#[test]
fn presences_are_kept_while_online_and_only_when_asked_for() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let online = event(
        "PRESENCE_UPDATE",
        &json!({"user": {"id": ALICE.to_string()},
        "guild_id": GUILD.to_string(), "status": "online",
        "activities": [{"name": "chess", "type": 0}], "client_status": {"desktop": "online"}}),
    );
    assert!(matches!(cache.update(&online), Update::Nothing));
    twice(&cache, &online);
    let presence = cache.read(|v| v.presence(g, UserId::new(ALICE))).unwrap();
    assert_eq!(presence.activities()[0].name, "chess");
    let offline = event(
        "PRESENCE_UPDATE",
        &json!({"user": {"id": ALICE.to_string()},
        "guild_id": GUILD.to_string(), "status": "offline"}),
    );
    let Update::Presence(before) = cache.update(&offline) else {
        panic!()
    };
    assert_eq!(before.status(), Status::Online);
    assert!(cache.read(|v| v.presence(g, UserId::new(ALICE))).is_none());

    let default = Cache::new();
    default.update(&ready(&[GUILD]));
    default.update(&event("GUILD_CREATE", &guild(GUILD)));
    default.update(&online);
    assert_eq!(default.stats().presences, 0, "off by default");
}

#[test]
fn voice_states_follow_joins_moves_and_leaves() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let state = |channel: serde_json::Value| {
        event(
            "VOICE_STATE_UPDATE",
            &json!({"guild_id": GUILD.to_string(), "channel_id": channel,
            "user_id": BOB.to_string(), "session_id": "v", "self_mute": true,
            "member": member(BOB, "bob", &[])}),
        )
    };
    assert!(matches!(
        cache.update(&state(json!("201"))),
        Update::Nothing
    ));
    twice(&cache, &state(json!("201")));
    let vs = cache.read(|v| v.voice_state(g, UserId::new(BOB))).unwrap();
    assert_eq!(
        (vs.channel_id(), vs.self_mute(), vs.deaf()),
        (ChannelId::new(201), true, false)
    );
    assert!(
        cache.member(g, UserId::new(BOB)).is_some(),
        "its member is cached"
    );
    let Update::VoiceState(before) = cache.update(&state(json!("202"))) else {
        panic!()
    };
    assert_eq!(before.channel_id(), ChannelId::new(201));
    let Update::VoiceState(_) = cache.update(&state(json!(null))) else {
        panic!()
    };
    assert!(cache.read(|v| v.voice_state(g, UserId::new(BOB))).is_none());
}
