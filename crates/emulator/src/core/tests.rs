//! The core driven by hand with a fake clock: protocol rules that depend
//! on time, and fan-out rules.

use std::time::{Duration, Instant};

use serde_json::Value;
use tether_model::Intents;

use super::*;
use crate::world::DEMO_TOKEN;

const T0_UNIX_MS: u64 = 1_750_000_000_000;

struct Harness {
    core: Core,
    t0: Instant,
    bot: UserId,
    human: UserId,
    guild: GuildId,
    channel: ChannelId,
}

impl Harness {
    fn new(config: Config) -> Self {
        let world = World::demo();
        let p = world.primary().unwrap();
        let t0 = Instant::now();
        Self {
            core: Core::new(world, config, t0, T0_UNIX_MS),
            t0,
            bot: p.bot.user_id,
            human: p.human,
            guild: p.guild,
            channel: p.channel,
        }
    }

    fn at(&self, ms: u64) -> Instant {
        self.t0 + Duration::from_millis(ms)
    }

    /// Drains the outputs for one connection (others are kept).
    fn drain(&mut self, id: ConnectionId) -> Vec<Action> {
        let mut mine = Vec::new();
        let mut others = Vec::new();
        while let Some(out) = self.core.poll_output() {
            if out.connection == id {
                mine.push(out.action);
            } else {
                others.push(out);
            }
        }
        self.core.outputs.extend(others);
        mine
    }

    fn frames(&mut self, id: ConnectionId) -> Vec<Value> {
        self.drain(id)
            .into_iter()
            .filter_map(|a| match a {
                Action::Send(text) | Action::Replay(text) => {
                    Some(serde_json::from_str(&text).unwrap())
                }
                _ => None,
            })
            .collect()
    }

    fn send(&mut self, ms: u64, id: ConnectionId, v: &Value) {
        let now = self.at(ms);
        self.core.handle_message(now, id, v.to_string().as_bytes());
    }

    fn identify(
        &mut self,
        ms: u64,
        intents: u64,
        shard: Option<[u32; 2]>,
    ) -> (ConnectionId, String) {
        let (id, session, _) = self.identify_frames(ms, intents, shard);
        (id, session)
    }

    fn identify_frames(
        &mut self,
        ms: u64,
        intents: u64,
        shard: Option<[u32; 2]>,
    ) -> (ConnectionId, String, Vec<Value>) {
        let now = self.at(ms);
        let id = self.core.open(now, "/", "v=10&encoding=json");
        let mut d = serde_json::json!({
            "token": DEMO_TOKEN, "intents": intents,
            "properties": {"os": "linux", "browser": "t", "device": "t"}
        });
        if let Some(shard) = shard {
            d["shard"] = serde_json::json!(shard);
        }
        self.send(ms, id, &serde_json::json!({"op": 2, "d": d}));
        let frames: Vec<Value> = self
            .frames(id)
            .into_iter()
            .filter(|f| f["op"] == 0)
            .collect();
        let ready = frames.iter().find(|f| f["t"] == "READY").expect("READY");
        let session = ready["d"]["session_id"].as_str().unwrap().to_owned();
        (id, session, frames)
    }

    fn closed_with(&mut self, id: ConnectionId) -> Option<u16> {
        self.drain(id).into_iter().find_map(|a| match a {
            Action::Close { code, .. } => Some(code),
            _ => None,
        })
    }
}

const ALL: u64 = 53_608_447;

#[test]
fn hello_then_ready_then_guild_create() {
    let mut h = Harness::new(Config::default());
    let id = h.core.open(h.t0, "/", "v=10&encoding=json");
    let hello = h.frames(id);
    assert_eq!(hello[0]["op"], 10);
    assert_eq!(hello[0]["d"]["heartbeat_interval"], 41_250);
    h.send(0, id, &serde_json::json!({"op": 1, "d": null}));
    assert_eq!(h.frames(id)[0]["op"], 11);
    h.send(
        1,
        id,
        &serde_json::json!({"op": 2, "d": {"token": DEMO_TOKEN, "intents": ALL, "properties": {}}}),
    );
    let frames = h.frames(id);
    let names: Vec<&str> = frames.iter().map(|f| f["t"].as_str().unwrap()).collect();
    assert_eq!(names, ["READY", "GUILD_CREATE"]);
    assert_eq!(frames[0]["s"], 1);
    assert_eq!(frames[0]["d"]["guilds"][0]["unavailable"], true);
    assert_eq!(
        frames[0]["d"]["resume_gateway_url"],
        "ws://127.0.0.1/resume"
    );
    assert_eq!(frames[1]["s"], 2);
    assert_eq!(frames[1]["d"]["members"].as_array().unwrap().len(), 2);
    assert_eq!(
        frames[1]["d"]["presences"].as_array().unwrap().len(),
        2,
        "alice and the bot are online"
    );
}

#[test]
fn message_content_is_redacted_without_the_intent() {
    let mut h = Harness::new(Config::default());
    let (full, _) = h.identify(0, ALL, None);
    let config = Config {
        identify_interval: Duration::ZERO,
        ..Config::default()
    };
    h.core.config = config;
    let (plain, _) = h.identify(0, Intents::GUILD_MESSAGES.bits(), None);
    h.core
        .create_message(h.at(10), h.human, h.channel, NewMessage::text("secret"))
        .unwrap();
    let bot = h.bot;
    h.core
        .create_message(
            h.at(11),
            h.human,
            h.channel,
            NewMessage::text(format!("<@{bot}> hi")),
        )
        .unwrap();
    let got_full: Vec<Value> = h.frames(full);
    let got_plain: Vec<Value> = h.frames(plain);
    assert_eq!(got_full[0]["d"]["content"], "secret");
    assert_eq!(got_plain[0]["d"]["content"], "");
    assert_eq!(
        got_plain[1]["d"]["content"],
        format!("<@{bot}> hi"),
        "mentions see content"
    );
    assert!(got_plain[0]["d"]["member"].is_object());
}

#[test]
fn intents_filter_dispatches() {
    let mut h = Harness::new(Config::default());
    let (id, _) = h.identify(0, Intents::GUILDS.bits(), None);
    h.core
        .create_message(h.at(10), h.human, h.channel, NewMessage::text("x"))
        .unwrap();
    h.core.typing(h.at(10), h.human, h.channel).unwrap();
    assert!(h.frames(id).is_empty());
    h.core.create_channel(h.at(11), h.guild, "new", 0).unwrap();
    assert_eq!(h.frames(id)[0]["t"], "CHANNEL_CREATE");
}

#[test]
fn missed_heartbeat_closes_with_4000_and_keeps_the_session() {
    let config = Config {
        heartbeat_interval: Duration::from_secs(1),
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let (id, session) = h.identify(0, ALL, None);
    h.send(1000, id, &serde_json::json!({"op": 1, "d": 2}));
    h.drain(id);
    assert_eq!(h.core.next_deadline(), Some(h.at(1500)));
    h.core.handle_timeout(h.at(2499));
    assert!(h.drain(id).is_empty());
    h.core.handle_timeout(h.at(2500));
    assert_eq!(h.closed_with(id), Some(4000));
    assert_eq!(h.core.session(&session).unwrap().connection, None);
}

#[test]
fn detached_sessions_expire_after_the_grace_time() {
    let config = Config {
        resume_grace: Duration::from_secs(10),
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let (id, session) = h.identify(0, ALL, None);
    h.core.handle_close(h.at(100), id, Some(4000));
    h.core.handle_timeout(h.at(10_099));
    assert!(h.core.session(&session).is_some());
    h.core.handle_timeout(h.at(10_100));
    assert!(h.core.session(&session).is_none());
}

#[test]
fn client_close_1000_ends_the_session() {
    let mut h = Harness::new(Config::default());
    let (id, session) = h.identify(0, ALL, None);
    h.core.handle_close(h.at(1), id, Some(1000));
    assert!(h.core.session(&session).is_none());
}

#[test]
fn resume_replays_exactly_the_missed_events() {
    let mut h = Harness::new(Config::default());
    let (id, session) = h.identify(0, ALL, None);
    for n in 0..5 {
        h.core
            .create_message(
                h.at(10),
                h.human,
                h.channel,
                NewMessage::text(n.to_string()),
            )
            .unwrap();
    }
    let seen = h.frames(id);
    assert_eq!(seen.last().unwrap()["s"], 7);
    h.core.handle_close(h.at(20), id, None);
    h.core
        .create_message(h.at(21), h.human, h.channel, NewMessage::text("while away"))
        .unwrap();
    let id2 = h.core.open(h.at(30), "/resume", "v=10");
    h.drain(id2);
    h.send(
        30,
        id2,
        &serde_json::json!({"op": 6, "d": {"token": DEMO_TOKEN, "session_id": session, "seq": 5}}),
    );
    let frames = h.frames(id2);
    let seqs: Vec<u64> = frames.iter().map(|f| f["s"].as_u64().unwrap()).collect();
    let names: Vec<&str> = frames.iter().map(|f| f["t"].as_str().unwrap()).collect();
    assert_eq!(seqs, [6, 7, 8, 9]);
    assert_eq!(
        names,
        [
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "MESSAGE_CREATE",
            "RESUMED"
        ]
    );
    assert_eq!(frames[2]["d"]["content"], "while away");
    assert_eq!(h.core.session(&session).unwrap().resumes, 1);
}

#[test]
fn resume_failures() {
    let config = Config {
        replay_capacity: 2,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let (id, session) = h.identify(0, ALL, None);
    for _ in 0..4 {
        h.core
            .create_message(h.at(1), h.human, h.channel, NewMessage::text("x"))
            .unwrap();
    }
    h.core.handle_close(h.at(2), id, Some(4000));
    let resume = |seq: u64| serde_json::json!({"op": 6, "d": {"token": DEMO_TOKEN, "session_id": session, "seq": seq}});
    // From the future: 4007.
    let a = h.core.open(h.at(3), "/", "v=10");
    h.drain(a);
    h.send(3, a, &resume(99));
    assert_eq!(h.closed_with(a), Some(4007));
    // Bad token: 4004.
    let b = h.core.open(h.at(3), "/", "v=10");
    h.drain(b);
    h.send(
        3,
        b,
        &serde_json::json!({"op": 6, "d": {"token": "nope", "session_id": session, "seq": 1}}),
    );
    assert_eq!(h.closed_with(b), Some(4004));
    // Older than the buffer: op 9 false, and the session is gone.
    let c = h.core.open(h.at(3), "/", "v=10");
    h.drain(c);
    h.send(3, c, &resume(2));
    let frames = h.frames(c);
    assert_eq!(
        (frames[0]["op"].as_u64(), frames[0]["d"].as_bool()),
        (Some(9), Some(false))
    );
    assert!(h.core.session(&session).is_none());
}

#[test]
fn identify_buckets_space_identifies() {
    let config = Config {
        max_concurrency: 2,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    h.identify(0, ALL, Some([0, 4]));
    h.identify(0, ALL, Some([1, 4]));
    let now = h.at(1000);
    let id = h.core.open(now, "/", "v=10");
    h.drain(id);
    h.send(1000, id, &serde_json::json!({"op": 2, "d": {"token": DEMO_TOKEN, "intents": 1, "properties": {}, "shard": [2, 4]}}));
    let frames = h.frames(id);
    assert_eq!(
        (frames[0]["op"].as_u64(), frames[0]["d"].as_bool()),
        (Some(9), Some(false))
    );
    h.identify(5000, ALL, Some([2, 4]));
    let log = h.core.identify_log();
    let buckets: Vec<(u32, u32)> = log.iter().map(|r| (r.shard[0], r.bucket)).collect();
    assert_eq!(buckets, [(0, 0), (1, 1), (2, 0)]);
    assert_eq!(log[2].at - log[0].at, Duration::from_secs(5));
    let limit = h
        .core
        .session_start_limit(h.at(5000), log[0].application_id);
    assert_eq!((limit.total, limit.remaining), (1000, 997));
}

#[test]
fn session_start_limit_resets() {
    let config = Config {
        session_start_total: 1,
        session_start_reset: Duration::from_secs(60),
        identify_interval: Duration::ZERO,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    h.identify(0, ALL, None);
    let id = h.core.open(h.at(1), "/", "v=10");
    h.drain(id);
    h.send(
        1,
        id,
        &serde_json::json!({"op": 2, "d": {"token": DEMO_TOKEN, "intents": 1, "properties": {}}}),
    );
    assert_eq!(h.frames(id)[0]["op"], 9);
    h.identify(60_000, ALL, None);
}

#[test]
fn command_rate_limit_closes_with_4008() {
    let mut h = Harness::new(Config::default());
    let id = h.core.open(h.t0, "/", "v=10");
    h.drain(id);
    for n in 0..120 {
        h.send(n, id, &serde_json::json!({"op": 1, "d": null}));
    }
    assert_eq!(h.closed_with(id), None);
    h.send(500, id, &serde_json::json!({"op": 1, "d": null}));
    assert_eq!(h.closed_with(id), Some(4008));
    // A fresh window allows 120 again.
    let id = h.core.open(h.t0, "/", "v=10");
    for n in 0..120 {
        h.send(n, id, &serde_json::json!({"op": 1, "d": null}));
    }
    h.send(60_000, id, &serde_json::json!({"op": 1, "d": null}));
    assert_eq!(h.closed_with(id), None);
}

#[test]
fn armed_fault_fires_right_after_its_event() {
    let mut h = Harness::new(Config::default());
    let (id, session) = h.identify(0, ALL, None);
    h.core
        .fault_at_seq(&session, 4, Fault::DropConnection)
        .unwrap();
    for _ in 0..4 {
        h.core
            .create_message(h.at(1), h.human, h.channel, NewMessage::text("x"))
            .unwrap();
    }
    let actions = h.drain(id);
    let sends = actions
        .iter()
        .filter(|a| matches!(a, Action::Send(_)))
        .count();
    assert_eq!(sends, 2, "messages 3 and 4, then the drop");
    assert_eq!(actions.last(), Some(&Action::Drop));
    assert_eq!(h.core.session(&session).unwrap().seq, 6);
}

#[test]
fn member_chunks_are_split_at_1000() {
    let mut h = Harness::new(Config::default());
    for n in 0..2500 {
        let u = h.core.create_user(h.t0, &format!("user{n}"));
        h.core
            .world
            .add_member_at(T0_UNIX_MS, h.guild, u.id)
            .unwrap();
    }
    let (id, _) = h.identify(0, ALL, None);
    let guild = h.guild;
    h.send(1, id, &serde_json::json!({"op": 8, "d": {"guild_id": guild, "query": "", "limit": 0, "nonce": "n1", "presences": true}}));
    let chunks = h.frames(id);
    let sizes: Vec<usize> = chunks
        .iter()
        .map(|c| c["d"]["members"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, [1000, 1000, 502]);
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c["d"]["chunk_index"], i);
        assert_eq!(c["d"]["chunk_count"], 3);
        assert_eq!(c["d"]["nonce"], "n1");
    }
    // A second full request within 30 s is rate limited.
    h.send(
        2,
        id,
        &serde_json::json!({"op": 8, "d": {"guild_id": guild, "query": "", "limit": 0}}),
    );
    let limited = h.frames(id);
    assert_eq!(limited[0]["t"], "RATE_LIMITED");
    assert_eq!(limited[0]["d"]["opcode"], 8);
    // By id, with one unknown.
    let human = h.human;
    h.send(
        3,
        id,
        &serde_json::json!({"op": 8, "d": {"guild_id": guild, "user_ids": [human, "1"]}}),
    );
    let by_id = h.frames(id);
    assert_eq!(by_id[0]["d"]["members"].as_array().unwrap().len(), 1);
    assert_eq!(by_id[0]["d"]["not_found"], serde_json::json!(["1"]));
    // A prefix query returns at most the limit.
    h.send(
        4,
        id,
        &serde_json::json!({"op": 8, "d": {"guild_id": guild, "query": "USER1", "limit": 5}}),
    );
    assert_eq!(h.frames(id)[0]["d"]["members"].as_array().unwrap().len(), 5);
}

#[test]
fn large_guilds_list_only_some_members() {
    let mut h = Harness::new(Config::default());
    for n in 0..60 {
        let u = h.core.create_user(h.t0, &format!("quiet{n}"));
        h.core
            .world
            .set_status(u.id, tether_model::presence::Status::Offline)
            .unwrap();
        h.core
            .world
            .add_member_at(T0_UNIX_MS, h.guild, u.id)
            .unwrap();
    }
    let (_, _, frames) = h.identify_frames(0, ALL, None);
    let guild = &frames[1]["d"];
    assert_eq!(guild["large"], true);
    assert_eq!(guild["member_count"], 62);
    assert_eq!(
        guild["members"].as_array().unwrap().len(),
        2,
        "the bot and online alice"
    );
    let config = Config {
        identify_interval: Duration::ZERO,
        ..Config::default()
    };
    h.core.config = config;
    let (_, _, frames) = h.identify_frames(0, Intents::GUILDS.bits(), None);
    assert_eq!(
        frames[1]["d"]["members"].as_array().unwrap().len(),
        1,
        "only the bot"
    );
    assert!(frames[1]["d"]["presences"].as_array().unwrap().is_empty());
}

#[test]
fn shard_routing_and_dms() {
    let config = Config {
        identify_interval: Duration::ZERO,
        ..Config::default()
    };
    let mut h = Harness::new(config);
    let shard_of_guild = h.guild.shard(2);
    let (on, _) = h.identify(0, ALL, Some([shard_of_guild, 2]));
    let (off, _) = h.identify(0, ALL, Some([1 - shard_of_guild, 2]));
    h.core
        .create_message(h.at(1), h.human, h.channel, NewMessage::text("routed"))
        .unwrap();
    assert_eq!(h.frames(on).len(), 1);
    assert!(h.frames(off).is_empty());
    let dm = h.core.open_dm(h.at(2), h.human, h.bot).unwrap();
    h.core
        .create_message(h.at(2), h.human, dm.id, NewMessage::text("dm"))
        .unwrap();
    let (zero, other) = if shard_of_guild == 0 {
        (on, off)
    } else {
        (off, on)
    };
    let dms = h.frames(zero);
    assert_eq!(dms[0]["d"]["content"], "dm");
    assert!(dms[0]["d"].get("guild_id").is_none());
    assert!(h.frames(other).is_empty());
}

#[test]
fn identify_validation_codes() {
    let mut world = World::demo();
    let plain = world.add_bot("Plain", "plain-token", 0);
    let guild = world.guild_ids()[0];
    world.add_member(guild, plain).unwrap();
    let config = Config {
        max_guilds_per_shard: 0,
        ..Config::default()
    };
    let mut core = Core::new(world, config, Instant::now(), T0_UNIX_MS);
    let now = core.started();
    let cases: [(Value, u16); 8] = [
        (
            serde_json::json!({"op": 2, "d": {"token": "bad", "intents": 1, "properties": {}}}),
            4004,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "intents": 1, "properties": {}, "shard": [1, 1]}}),
            4010,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "intents": 1, "properties": {}, "shard": [0, 0]}}),
            4010,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "intents": 1 << 17, "properties": {}}}),
            4013,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "properties": {}}}),
            4013,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "intents": 32768, "properties": {}}}),
            4014,
        ),
        (
            serde_json::json!({"op": 2, "d": {"token": "plain-token", "intents": 1, "properties": {}}}),
            4011,
        ),
        (serde_json::json!({"op": 2, "d": "nope"}), 4001),
    ];
    for (frame, code) in cases {
        let id = core.open(now, "/", "v=10");
        core.handle_message(now, id, frame.to_string().as_bytes());
        let mut got = None;
        while let Some(out) = core.poll_output() {
            if let (true, Action::Close { code, .. }) = (out.connection == id, out.action) {
                got = Some(code);
            }
        }
        assert_eq!(got, Some(code), "{frame}");
    }
}
