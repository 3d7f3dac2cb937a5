//! Events built from JSON, and a cache with a bot in a guild.

use serde_json::{Value, json};
use tether_cache::Cache;
use tether_model::gateway::Event;

pub(crate) const BOT: u64 = 10;
pub(crate) const ALICE: u64 = 11;
pub(crate) const BOB: u64 = 12;
pub(crate) const GUILD: u64 = 100;
pub(crate) const GENERAL: u64 = 200;
pub(crate) const ROLE: u64 = 300;

/// A dispatch event from its name and payload.
pub(crate) fn event(name: &str, data: &Value) -> Event {
    Event::from_dispatch(name, &data.to_string()).unwrap()
}

pub(crate) fn user(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0",
           "global_name": null, "avatar": null})
}

pub(crate) fn member(id: u64, name: &str, roles: &[u64]) -> Value {
    json!({"user": user(id, name), "roles": roles.iter().map(u64::to_string).collect::<Vec<_>>(),
           "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0})
}

pub(crate) fn ready(guilds: &[u64]) -> Event {
    ready_shard(guilds, None)
}

pub(crate) fn ready_shard(guilds: &[u64], shard: Option<[u32; 2]>) -> Event {
    let guilds: Vec<Value> = guilds
        .iter()
        .map(|g| json!({"id": g.to_string(), "unavailable": true}))
        .collect();
    let mut d = json!({"v": 10, "user": user(BOT, "bot"), "guilds": guilds, "session_id": "s",
           "resume_gateway_url": "wss://example.invalid", "application": {"id": "1", "flags": 0}});
    if let Some(shard) = shard {
        d["shard"] = json!(shard);
    }
    event("READY", &d)
}

pub(crate) fn text_channel(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "type": 0, "name": name, "position": 0, "topic": null})
}

/// A guild with `@everyone`, a "mod" role, `#general`, and the bot and
/// alice as members.
pub(crate) fn guild(id: u64) -> Value {
    json!({
        "id": id.to_string(), "name": format!("guild {id}"), "owner_id": ALICE.to_string(),
        "roles": [{"id": id.to_string(), "name": "@everyone", "permissions": "1024"},
                  {"id": ROLE.to_string(), "name": "mod", "permissions": "8", "position": 1}],
        "emojis": [{"id": "400", "name": "party", "roles": [], "animated": false}],
        "stickers": [{"id": "500", "name": "wave", "tags": "wave", "type": 2, "format_type": 1}],
        "channels": [text_channel(GENERAL, "general")],
        "threads": [],
        "members": [member(BOT, "bot", &[]), member(ALICE, "alice", &[ROLE])],
        "member_count": 2,
        "joined_at": "2024-01-01T00:00:00+00:00",
        "voice_states": [], "presences": [], "large": false,
    })
}

/// A cache after `READY` and the guild's `GUILD_CREATE`.
pub(crate) fn cache_with_guild() -> Cache {
    let cache = Cache::builder()
        .resource_types(tether_cache::ResourceType::all())
        .build();
    cache.update(&ready(&[GUILD]));
    cache.update(&event("GUILD_CREATE", &guild(GUILD)));
    cache
}

pub(crate) fn message(id: u64, channel: u64, author: u64, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "guild_id": GUILD.to_string(),
        "author": user(author, if author == ALICE { "alice" } else { "someone" }),
        "member": {"roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false},
        "content": content, "timestamp": "2024-02-01T00:00:00+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0,
    })
}

/// Applies `event` twice and checks that the second time changed nothing.
pub(crate) fn twice(cache: &Cache, event: &Event) {
    cache.update(event);
    let before = snapshot(cache);
    cache.update(event);
    assert_eq!(
        snapshot(cache),
        before,
        "applying {} twice differs",
        event.name()
    );
}

/// Everything in the cache, as text, for comparing states.
pub(crate) fn snapshot(cache: &Cache) -> String {
    cache.read(|v| {
        let mut out = Vec::new();
        out.push(format!("{:?}", v.stats()));
        out.push(format!("{:?}", v.current_user()));
        let mut guilds: Vec<_> = v.guild_ids().collect();
        guilds.sort();
        for g in guilds {
            out.push(format!("{g} {} {:?}", v.is_unavailable(g), v.guild(g)));
            let mut items: Vec<String> = v.guild_channels(g).map(|c| format!("{c:?}")).collect();
            items.extend(v.roles(g).map(|r| format!("{r:?}")));
            items.extend(
                v.members(g)
                    .map(|m| format!("{m:?} {:?}", v.user(m.user_id()))),
            );
            items.extend(v.voice_states(g).map(|s| format!("{s:?}")));
            items.extend(v.presences(g).map(|p| format!("{p:?}")));
            items.push(format!("{:?} {:?}", v.emojis(g), v.stickers(g)));
            for c in v.guild_channels(g) {
                items.extend(v.thread_members(c.id()).map(|m| format!("{m:?}")));
                items.extend(v.channel_messages(c.id()).map(|m| format!("{m:?}")));
            }
            items.sort();
            out.extend(items);
        }
        let mut dms: Vec<String> = v
            .private_channels()
            .map(|c| format!("{c:?} {:?}", v.channel_messages(c.id()).collect::<Vec<_>>()))
            .collect();
        dms.sort();
        out.extend(dms);
        out.join("\n")
    })
}
