//! `GUILD_CREATE`, `GUILD_UPDATE`, roles, emojis and stickers.

use serde_json::json;
use tether_cache::{ImageHash, Update};
use tether_model::Timestamp;
use tether_model::id::{ChannelId, GuildId, RoleId, UserId};
use tether_model::permissions::Permissions;

use crate::support::*;

#[test]
fn guild_create_caches_the_whole_guild() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let guild = cache.guild(g).unwrap();
    assert_eq!(guild.owner_id(), UserId::new(ALICE));
    assert_eq!(
        guild.joined_at(),
        Some("2024-01-01T00:00:00Z".parse::<Timestamp>().unwrap())
    );
    assert_eq!(
        cache.channel(ChannelId::new(GENERAL)).unwrap().guild_id(),
        Some(g),
        "filled in"
    );
    let role = cache.role(g, RoleId::new(ROLE)).unwrap();
    assert_eq!(
        (role.name(), role.permissions()),
        ("mod", Permissions::ADMINISTRATOR)
    );
    let alice = cache.member(g, UserId::new(ALICE)).unwrap();
    assert_eq!(alice.roles(), &[RoleId::new(ROLE)]);
    assert_eq!(cache.user(UserId::new(ALICE)).unwrap().username(), "alice");
    cache.read(|v| {
        assert_eq!(v.emojis(g).unwrap()[0].name(), Some("party"));
        assert_eq!(v.stickers(g).unwrap()[0].name(), "wave");
        assert_eq!(v.members(g).count(), 2);
        assert_eq!(v.guild_channels(g).count(), 1);
    });
}

#[test]
fn guild_update_keeps_what_only_guild_create_says() {
    let cache = cache_with_guild();
    let update = event(
        "GUILD_UPDATE",
        &json!({"id": GUILD.to_string(), "name": "renamed",
        "owner_id": ALICE.to_string(), "icon": "a_1269e74af4df7417b13759eae50c83dc",
        "roles": [{"id": GUILD.to_string(), "name": "@everyone", "permissions": "1024"}]}),
    );
    let Update::Guild(before) = cache.update(&update) else {
        panic!("no before value")
    };
    assert_eq!(before.name(), "guild 100");
    let g = GuildId::new(GUILD);
    let after = cache.guild(g).unwrap();
    assert_eq!(after.name(), "renamed");
    assert_eq!(
        after.icon(),
        Some(&ImageHash::new("a_1269e74af4df7417b13759eae50c83dc"))
    );
    assert_eq!(after.member_count(), Some(2));
    assert_eq!(after.joined_at(), before.joined_at());
    assert!(
        cache.role(g, RoleId::new(ROLE)).is_none(),
        "the role list is replaced"
    );
    twice(&cache, &update);
}

#[test]
fn a_second_guild_create_replaces_the_state_but_keeps_surviving_channels_messages() {
    let cache = cache_with_guild();
    let mut g = guild(GUILD);
    g["channels"] = json!([text_channel(GENERAL, "general"), text_channel(201, "new")]);
    cache.update(&event("GUILD_CREATE", &g));
    cache.update(&event(
        "MESSAGE_CREATE",
        &message(1000, GENERAL, ALICE, "kept"),
    ));
    cache.update(&event(
        "MESSAGE_CREATE",
        &message(1001, 201, ALICE, "dropped"),
    ));

    g["channels"] = json!([text_channel(GENERAL, "general")]);
    g["members"] = json!([member(BOT, "bot", &[])]);
    let Update::Guild(_) = cache.update(&event("GUILD_CREATE", &g)) else {
        panic!()
    };
    assert!(cache.message(1000.into()).is_some());
    assert!(cache.message(1001.into()).is_none());
    assert!(cache.channel(ChannelId::new(201)).is_none());
    assert!(
        cache
            .member(GuildId::new(GUILD), UserId::new(ALICE))
            .is_none()
    );
    // Alice's message still refers to her, so she stays.
    assert!(cache.user(UserId::new(ALICE)).is_some());
    cache.update(&event(
        "MESSAGE_DELETE",
        &json!({"id": "1000", "channel_id": GENERAL.to_string(),
        "guild_id": GUILD.to_string()}),
    ));
    assert!(
        cache.user(UserId::new(ALICE)).is_none(),
        "dropped with her last reference"
    );
}

#[test]
fn roles_are_created_updated_and_deleted() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let create = event(
        "GUILD_ROLE_CREATE",
        &json!({"guild_id": GUILD.to_string(),
        "role": {"id": "301", "name": "new", "color": 255, "permissions": "0", "position": 2}}),
    );
    assert!(matches!(cache.update(&create), Update::Nothing));
    twice(&cache, &create);
    let update = event(
        "GUILD_ROLE_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "role": {"id": "301", "name": "renamed", "color": 255, "permissions": "0", "position": 2}}),
    );
    let Update::Role(before) = cache.update(&update) else {
        panic!()
    };
    assert_eq!(before.name(), "new");
    assert_eq!(cache.role(g, RoleId::new(301)).unwrap().name(), "renamed");
    assert_eq!(cache.role(g, RoleId::new(301)).unwrap().color(), 255);

    let delete = event(
        "GUILD_ROLE_DELETE",
        &json!({"guild_id": GUILD.to_string(), "role_id": ROLE.to_string()}),
    );
    let Update::Role(deleted) = cache.update(&delete) else {
        panic!()
    };
    assert_eq!(deleted.name(), "mod");
    assert!(
        cache
            .member(g, UserId::new(ALICE))
            .unwrap()
            .roles()
            .is_empty(),
        "members lose it"
    );
    twice(&cache, &delete);
}

#[test]
fn emojis_and_stickers_are_replaced_whole() {
    let cache = cache_with_guild();
    let g = GuildId::new(GUILD);
    let emojis = event(
        "GUILD_EMOJIS_UPDATE",
        &json!({"guild_id": GUILD.to_string(),
        "emojis": [{"id": "401", "name": "wave", "animated": true, "roles": [ROLE.to_string()]}]}),
    );
    let Update::Emojis(before) = cache.update(&emojis) else {
        panic!()
    };
    assert_eq!(before[0].name(), Some("party"));
    let now = cache.read(|v| v.emojis(g)).unwrap();
    assert_eq!(
        (now.len(), now[0].animated(), now[0].roles()),
        (1, Some(true), &[RoleId::new(ROLE)][..])
    );
    twice(&cache, &emojis);

    let stickers = event(
        "GUILD_STICKERS_UPDATE",
        &json!({"guild_id": GUILD.to_string(), "stickers": []}),
    );
    let Update::Stickers(before) = cache.update(&stickers) else {
        panic!()
    };
    assert_eq!(before.len(), 1);
    assert!(cache.read(|v| v.stickers(g)).unwrap().is_empty());
}
