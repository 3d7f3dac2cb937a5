//! A reproducible stream of realistic `MESSAGE_CREATE` dispatches.
//!
//! Each message looks like what a busy guild sends: an author with a
//! display name and avatar, the author's member with roles, text of varying
//! length from a vocabulary, now and then mentions (with their members), an
//! attachment, an embed, and Discord's usual flags. The average message is
//! about 1.3 KB of JSON. Everything comes from a seeded xorshift, so the
//! same seed gives the same bytes on every machine.

use std::fmt::Write as _;

const WORDS: &[&str] = &[
    "the", "gateway", "shard", "resume", "hello", "raid", "tonight", "anyone", "playing", "queue",
    "lol", "server", "update", "patch", "notes", "bot", "ping", "latency", "rust", "async",
    "discord", "voice", "channel", "role", "mods", "please", "check", "this", "out", "link",
    "meme", "gg", "nice", "thanks", "what", "when", "where", "how", "why", "because", "maybe",
    "tomorrow", "weekend", "event", "giveaway", "winner", "congrats", "welcome", "rules", "read",
];

const NAMES: &[&str] = &[
    "alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory",
    "niaj", "olivia", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe",
];

/// A seeded xorshift64* generator: tiny, deterministic, good enough here.
pub(crate) struct Rand(u64);

impl Rand {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.max(1))
    }

    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or("")
    }
}

fn snowflake(r: &mut Rand, base_ms: u64) -> u64 {
    ((base_ms + r.below(1_000_000)) << 22) | r.below(1 << 22)
}

/// Users are drawn from a fixed pool, as in a real guild where the same
/// people talk all day: a user's fields depend only on its index.
const USERS: u64 = 200;

fn user(out: &mut String, index: u64) {
    let r = &mut Rand::new(index + 1);
    let id = snowflake(r, 200_000_000_000);
    let name = r.pick(NAMES);
    let n = r.below(1000);
    let _ = write!(
        out,
        r#"{{"id":"{id}","username":"{name}{n}","avatar":"{:016x}{:016x}","discriminator":"0","public_flags":{},"global_name":"{}{n}"}}"#,
        r.next(),
        r.next(),
        r.below(3) * 64,
        name.to_uppercase(),
    );
}

fn member(out: &mut String, index: u64, roles: &[u64]) {
    let r = &mut Rand::new(index + 1_000_001);
    out.push_str(r#"{"roles":["#);
    let count = 1 + r.below(4);
    for i in 0..count {
        if i > 0 {
            out.push(',');
        }
        let role = roles
            .get(usize::try_from(r.below(roles.len() as u64)).unwrap_or(0))
            .copied()
            .unwrap_or(1);
        let _ = write!(out, r#""{role}""#);
    }
    let _ = write!(
        out,
        r#"],"premium_since":null,"pending":false,"nick":{},"mute":false,"joined_at":"2023-0{}-1{}T1{}:2{}:3{}.{:06}+00:00","flags":0,"deaf":false}}"#,
        if r.below(3) == 0 {
            format!(r#""{}""#, r.pick(NAMES))
        } else {
            "null".to_owned()
        },
        1 + r.below(9),
        r.below(10),
        r.below(10),
        r.below(10),
        r.below(10),
        r.below(1_000_000),
    );
}

/// The JSON frame of one `MESSAGE_CREATE` with sequence number `seq`.
pub(crate) fn message_create(r: &mut Rand, seq: u64) -> String {
    let base = 1_700_000_000_000u64 - 1_420_070_400_000;
    let guild = 81_384_788_765_712_384u64;
    let channel = 381_880_193_700_069_377u64;
    let roles = [
        381_880_193_251_409_931u64,
        381_880_193_251_409_932,
        381_880_193_251_409_933,
        381_880_193_251_409_934,
        381_880_193_251_409_935,
        381_880_193_251_409_936,
    ];
    let mut d = String::with_capacity(1600);
    let id = snowflake(r, base);
    let _ = write!(
        d,
        r#"{{"type":0,"tts":false,"timestamp":"2024-0{}-{:02}T{:02}:{:02}:{:02}.{:06}+00:00","pinned":false,"nonce":"{}","mentions":["#,
        1 + r.below(9),
        1 + r.below(28),
        r.below(24),
        r.below(60),
        r.below(60),
        r.below(1_000_000),
        r.next() >> 2
    );
    // Most messages mention nobody; some mention one or two people.
    for i in 0..r.below(4).saturating_sub(1) {
        if i > 0 {
            d.push(',');
        }
        let mentioned = r.below(USERS);
        let mut u = String::new();
        user(&mut u, mentioned);
        u.pop();
        d.push_str(&u);
        d.push_str(r#","member":"#);
        member(&mut d, mentioned, &roles);
        d.push('}');
    }
    let author = r.below(USERS);
    d.push_str(r#"],"mention_roles":[],"mention_everyone":false,"member":"#);
    member(&mut d, author, &roles);
    let _ = write!(d, r#","id":"{id}","flags":0,"embeds":["#);
    if r.below(4) == 0 {
        let _ = write!(
            d,
            r#"{{"type":"rich","title":"{} {} {}","description":"{}","url":"https://example.com/{:x}","color":{},"footer":{{"text":"{}"}}}}"#,
            r.pick(WORDS),
            r.pick(WORDS),
            r.pick(WORDS),
            words(r, 12),
            r.next(),
            r.below(0xff_ffff),
            r.pick(WORDS)
        );
    }
    d.push_str(r#"],"edited_timestamp":null,"content":""#);
    let len = 3 + r.below(30);
    d.push_str(&words(r, len));
    d.push_str(r#"","components":[],"channel_type":0,"channel_id":""#);
    let _ = write!(d, r#"{channel}","author":"#);
    user(&mut d, author);
    d.push_str(r#","attachments":["#);
    if r.below(6) == 0 {
        let a = snowflake(r, base);
        let _ = write!(
            d,
            r#"{{"id":"{a}","filename":"image{}.png","size":{},"url":"https://cdn.discordapp.com/attachments/{channel}/{a}/image.png?ex={:x}&is={:x}&hm={:x}","proxy_url":"https://media.discordapp.net/attachments/{channel}/{a}/image.png","width":{},"height":{},"content_type":"image/png"}}"#,
            r.below(100),
            r.below(5_000_000),
            r.next(),
            r.next(),
            r.next(),
            100 + r.below(1900),
            100 + r.below(1900)
        );
    }
    let _ = write!(d, r#"],"guild_id":"{guild}"}}"#);
    format!(r#"{{"t":"MESSAGE_CREATE","s":{seq},"op":0,"d":{d}}}"#)
}

fn words(r: &mut Rand, n: u64) -> String {
    let mut s = String::new();
    for i in 0..n {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(r.pick(WORDS));
    }
    s
}
