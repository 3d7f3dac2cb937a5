//! Invariants under random events: seeded streams of every event kind the
//! cache handles, over a small id space so that events collide (unknown
//! guilds, channels moved between guilds, messages in deleted channels,
//! threads in the wrong guild), each delivered twice.
//!
//! After every event: applying it again changes nothing; every guild's
//! channels say they are that guild's, and every cached guild channel is
//! listed by its guild; every cached message's channel is cached; the
//! cache holds exactly the users its members and messages refer to.

use std::collections::HashSet;

use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use tether_cache::{Cache, CacheView, ResourceType};
use tether_model::gateway::Event;
use tether_model::id::{ChannelId, MessageId};

use crate::support::{event, snapshot, user};

const EVENTS: usize = 3000;
const SEEDS: [u64; 3] = [1, 2, 0xdead_beef];

/// Guild ids on shards 0, 1 and 0 of 2.
const GUILDS: [u64; 3] = [2 << 22, 3 << 22, 4 << 22];
const CHANNELS: std::ops::RangeInclusive<u64> = 10..=19;
const THREADS: std::ops::RangeInclusive<u64> = 20..=25;
const DMS: std::ops::RangeInclusive<u64> = 30..=32;
const USERS: std::ops::RangeInclusive<u64> = 100..=109;
const ROLES: std::ops::RangeInclusive<u64> = 200..=204;
const MESSAGES: std::ops::RangeInclusive<u64> = 1000..=1060;
const BOT: u64 = 100;

#[test]
fn random_events_keep_the_cache_consistent() {
    for seed in SEEDS {
        let mut rng = SmallRng::seed_from_u64(seed);
        let cache = Cache::builder()
            .resource_types(ResourceType::all())
            .message_limit(40)
            .channel_message_limit(10)
            .build();
        for n in 0..EVENTS {
            let event = random_event(&mut rng);
            cache.update(&event);
            let once = snapshot(&cache);
            cache.update(&event);
            assert_eq!(
                snapshot(&cache),
                once,
                "seed {seed}, event {n}: {} twice differs",
                event.name()
            );
            cache
                .read(|view| check(*view))
                .unwrap_or_else(|e| panic!("seed {seed}, event {n} ({}): {e}", event.name()));
        }
    }
}

fn check(view: CacheView<'_>) -> Result<(), String> {
    let guilds: Vec<_> = view.guild_ids().collect();
    for g in &guilds {
        for channel in view.guild_channels(*g) {
            if channel.guild_id() != Some(*g) {
                return Err(format!(
                    "{g} lists channel {} of {:?}",
                    channel.id(),
                    channel.guild_id()
                ));
            }
        }
    }
    for id in all_channels() {
        let Some(channel) = view.channel(ChannelId::new(id)) else {
            continue;
        };
        if let Some(g) = channel.guild_id() {
            if !view.guild_channels(g).any(|c| c.id() == channel.id()) {
                return Err(format!("channel {id} of {g} is not listed by it"));
            }
        }
    }
    let mut referenced = HashSet::new();
    for g in &guilds {
        referenced.extend(view.members(*g).map(|m| m.user_id()));
    }
    for id in MESSAGES {
        let Some(message) = view.message(MessageId::new(id)) else {
            continue;
        };
        if view.channel(message.channel_id()).is_none() {
            return Err(format!(
                "message {id} is in uncached channel {}",
                message.channel_id()
            ));
        }
        if message.webhook_id().is_none() {
            referenced.insert(message.author().id());
        }
    }
    for user in &referenced {
        if view.user(*user).is_none() {
            return Err(format!("user {user} is referred to but not cached"));
        }
    }
    if view.stats().users != referenced.len() {
        return Err(format!(
            "{} users cached, {} referred to",
            view.stats().users,
            referenced.len()
        ));
    }
    Ok(())
}

fn all_channels() -> impl Iterator<Item = u64> {
    CHANNELS.chain(THREADS).chain(DMS)
}

fn pick(rng: &mut SmallRng, range: std::ops::RangeInclusive<u64>) -> u64 {
    rng.random_range(range)
}

fn id(n: u64) -> Value {
    json!(n.to_string())
}

fn member(rng: &mut SmallRng, user_id: u64) -> Value {
    let roles: Vec<Value> = ROLES.filter(|_| rng.random_bool(0.3)).map(id).collect();
    json!({"user": user(user_id, &format!("u{user_id}{}", rng.random_range(0..2))), "roles": roles,
           "nick": if rng.random_bool(0.3) { json!("nick") } else { json!(null) },
           "joined_at": "2024-01-01T00:00:00+00:00", "deaf": rng.random_bool(0.1), "mute": false})
}

fn channel(rng: &mut SmallRng, guild: Option<u64>) -> Value {
    let thread = rng.random_bool(0.3) && guild.is_some();
    let mut c = if thread {
        json!({"id": id(pick(rng, THREADS)), "type": 11, "parent_id": id(pick(rng, CHANNELS)),
               "name": "thread", "member_count": rng.random_range(0..5)})
    } else if guild.is_some() {
        json!({"id": id(pick(rng, CHANNELS)), "type": 0, "name": format!("c{}", rng.random_range(0..3))})
    } else {
        json!({"id": id(pick(rng, DMS)), "type": 1, "recipients": [user(pick(rng, USERS), "dm")]})
    };
    if let Some(g) = guild {
        c["guild_id"] = id(g);
    }
    c
}

fn message(rng: &mut SmallRng) -> Value {
    let dm = rng.random_bool(0.2);
    let author = pick(rng, USERS);
    let mut m = json!({"id": id(pick(rng, MESSAGES)),
        "channel_id": id(if dm { pick(rng, DMS) } else { rng.random_range(*CHANNELS.start()..=*THREADS.end()) }),
        "author": user(author, &format!("u{author}{}", rng.random_range(0..2))),
        "content": "hello", "timestamp": "2024-02-01T00:00:00+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [],
        "attachments": [], "embeds": [], "pinned": false, "type": 0});
    if !dm {
        m["guild_id"] = id(*GUILDS.choose(rng).unwrap());
        if rng.random_bool(0.7) {
            m["member"] = json!({"roles": [], "joined_at": "2024-01-01T00:00:00+00:00", "deaf": false, "mute": false});
        }
    }
    if rng.random_bool(0.05) {
        m["webhook_id"] = id(author);
    }
    m
}

fn random_event(rng: &mut SmallRng) -> Event {
    let g = *GUILDS.choose(rng).unwrap();
    let u = pick(rng, USERS);
    let emoji = if rng.random_bool(0.5) {
        json!({"name": "🔥"})
    } else {
        json!({"id": "7", "name": "party"})
    };
    match rng.random_range(0..100) {
        0..=1 => {
            let guilds: Vec<Value> = GUILDS
                .iter()
                .filter(|_| rng.random_bool(0.7))
                .map(|g| json!({"id": id(*g), "unavailable": true}))
                .collect();
            let mut d = json!({"v": 10, "user": user(BOT, "bot"), "guilds": guilds, "session_id": "s",
                "resume_gateway_url": "wss://x", "application": {"id": "1", "flags": 0}});
            if rng.random_bool(0.5) {
                d["shard"] = json!([rng.random_range(0..2), 2]);
            }
            event("READY", &d)
        }
        2..=9 => {
            if rng.random_bool(0.1) {
                return event("GUILD_CREATE", &json!({"id": id(g), "unavailable": true}));
            }
            let chosen: Vec<u64> = USERS.filter(|_| rng.random_bool(0.5)).collect();
            let members: Vec<Value> = chosen.into_iter().map(|u| member(rng, u)).collect();
            let channels: Vec<Value> = (0..rng.random_range(0..4))
                .map(|_| {
                    let mut c = channel(rng, None);
                    c["type"] = json!(0);
                    c["id"] = id(pick(rng, CHANNELS));
                    c
                })
                .collect();
            let roles: Vec<Value> = ROLES
                .filter(|_| rng.random_bool(0.5))
                .map(|r| json!({"id": id(r), "name": "r"}))
                .collect();
            event(
                "GUILD_CREATE",
                &json!({"id": id(g), "name": "g", "member_count": members.len(),
                "members": members, "channels": channels, "threads": [], "roles": roles,
                "presences": [{"user": {"id": id(u)}, "status": "online"}],
                "voice_states": [{"user_id": id(u), "channel_id": id(pick(rng, CHANNELS)), "session_id": "v"}],
                "emojis": [{"id": "7", "name": "party"}]}),
            )
        }
        10..=11 => event(
            "GUILD_DELETE",
            &json!({"id": id(g), "unavailable": rng.random_bool(0.5)}),
        ),
        12 => event(
            "GUILD_UPDATE",
            &json!({"id": id(g), "name": format!("g{}", rng.random_range(0..3))}),
        ),
        13..=17 => {
            let guild = rng.random_bool(0.85).then_some(g);
            event("CHANNEL_CREATE", &channel(rng, guild))
        }
        18..=19 => event("CHANNEL_UPDATE", &channel(rng, Some(g))),
        20..=21 => {
            let c = channel(rng, Some(g));
            let name = if c["type"] == json!(11) {
                "THREAD_DELETE"
            } else {
                "CHANNEL_DELETE"
            };
            event(name, &c)
        }
        22 => {
            let threads: Vec<Value> = (0..2)
                .map(|_| {
                    let mut t = channel(rng, Some(g));
                    t["type"] = json!(11);
                    t["id"] = id(pick(rng, THREADS));
                    t["parent_id"] = id(pick(rng, CHANNELS));
                    t
                })
                .collect();
            event(
                "THREAD_LIST_SYNC",
                &json!({"guild_id": id(g), "threads": threads, "members": [],
                "channel_ids": if rng.random_bool(0.5) { json!([id(pick(rng, CHANNELS))]) } else { json!(null) }}),
            )
        }
        23..=24 => event(
            "THREAD_MEMBERS_UPDATE",
            &json!({"id": id(pick(rng, THREADS)), "guild_id": id(g),
            "member_count": 2,
            "added_members": [{"id": id(pick(rng, THREADS)), "user_id": id(u), "join_timestamp": "2024-01-01T00:00:00+00:00",
                               "flags": 0, "member": member(rng, u)}],
            "removed_member_ids": [id(pick(rng, USERS))]}),
        ),
        25..=30 => {
            let mut m = member(rng, u);
            m["guild_id"] = id(g);
            event("GUILD_MEMBER_ADD", &m)
        }
        31..=35 => {
            let mut m = member(rng, u);
            m["guild_id"] = id(g);
            event("GUILD_MEMBER_UPDATE", &m)
        }
        36..=40 => event(
            "GUILD_MEMBER_REMOVE",
            &json!({"guild_id": id(g), "user": user(u, "gone")}),
        ),
        41..=42 => event(
            "GUILD_MEMBERS_CHUNK",
            &json!({"guild_id": id(g),
            "members": [member(rng, u)], "chunk_index": 0, "chunk_count": 1,
            "not_found": [id(pick(rng, USERS))], "presences": [{"user": {"id": id(u)}, "status": "idle"}]}),
        ),
        43..=44 => event(
            "GUILD_ROLE_CREATE",
            &json!({"guild_id": id(g), "role": {"id": id(pick(rng, ROLES)), "name": "r"}}),
        ),
        45 => event(
            "GUILD_ROLE_DELETE",
            &json!({"guild_id": id(g), "role_id": id(pick(rng, ROLES))}),
        ),
        46 => event(
            "GUILD_EMOJIS_UPDATE",
            &json!({"guild_id": id(g), "emojis": []}),
        ),
        47..=66 => event("MESSAGE_CREATE", &message(rng)),
        67..=72 => {
            let m = message(rng);
            let mut d =
                json!({"id": m["id"], "channel_id": m["channel_id"], "guild_id": m["guild_id"]});
            if rng.random_bool(0.7) {
                d["content"] = json!(format!("edit {}", rng.random_range(0..3)));
            }
            if rng.random_bool(0.3) {
                d["author"] = m["author"].clone();
            }
            event("MESSAGE_UPDATE", &d)
        }
        73..=77 => {
            let m = message(rng);
            event(
                "MESSAGE_DELETE",
                &json!({"id": m["id"], "channel_id": m["channel_id"], "guild_id": m["guild_id"]}),
            )
        }
        78 => {
            let m = message(rng);
            let ids: Vec<Value> = (0..5).map(|_| id(pick(rng, MESSAGES))).collect();
            event(
                "MESSAGE_DELETE_BULK",
                &json!({"ids": ids, "channel_id": m["channel_id"], "guild_id": m["guild_id"]}),
            )
        }
        79..=88 => {
            let m = message(rng);
            let name = if rng.random_bool(0.6) {
                "MESSAGE_REACTION_ADD"
            } else {
                "MESSAGE_REACTION_REMOVE"
            };
            let user_id = if rng.random_bool(0.2) { BOT } else { u };
            event(
                name,
                &json!({"user_id": id(user_id), "channel_id": m["channel_id"], "message_id": m["id"],
                "guild_id": m["guild_id"], "emoji": emoji, "member": member(rng, user_id)}),
            )
        }
        89 => {
            let m = message(rng);
            event(
                "MESSAGE_REACTION_REMOVE_EMOJI",
                &json!({"channel_id": m["channel_id"], "message_id": m["id"],
                "guild_id": m["guild_id"], "emoji": emoji}),
            )
        }
        90 => {
            let m = message(rng);
            event(
                "MESSAGE_REACTION_REMOVE_ALL",
                &json!({"channel_id": m["channel_id"], "message_id": m["id"], "guild_id": m["guild_id"]}),
            )
        }
        91..=93 => event(
            "PRESENCE_UPDATE",
            &json!({"user": {"id": id(u)}, "guild_id": id(g),
            "status": *["online", "idle", "offline"].choose(rng).unwrap()}),
        ),
        94..=96 => event(
            "VOICE_STATE_UPDATE",
            &json!({"guild_id": id(g), "user_id": id(u), "session_id": "v",
            "channel_id": if rng.random_bool(0.6) { id(pick(rng, CHANNELS)) } else { json!(null) },
            "member": member(rng, u)}),
        ),
        97 => event(
            "USER_UPDATE",
            &user(BOT, &format!("bot{}", rng.random_range(0..2))),
        ),
        98 => event(
            "CHANNEL_PINS_UPDATE",
            &json!({"guild_id": id(g), "channel_id": id(pick(rng, CHANNELS)),
            "last_pin_timestamp": "2024-03-01T00:00:00+00:00"}),
        ),
        _ => event(
            "THREAD_MEMBER_UPDATE",
            &json!({"guild_id": id(g), "id": id(pick(rng, THREADS)),
            "user_id": id(BOT), "join_timestamp": "2024-01-01T00:00:00+00:00", "flags": 1}),
        ),
    }
}
