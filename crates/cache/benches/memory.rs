//! Memory and speed of the cache on a realistic bot's world.
//!
//! 1,000 guilds whose sizes fall off like real ones (the largest has about
//! 2,200 members, the smallest about 20), 100,000 members in all, drawn
//! from 45,000 users so that many users are in several guilds; names,
//! display names, avatars, nicknames and role lists in realistic
//! proportions. The world is built as model events in memory first
//! (`READY`, one `GUILD_CREATE` per guild with its channels, roles, emojis
//! and, for guilds up to the large threshold, its members; member chunks
//! for the larger ones), then applied to caches that keep different
//! resources; a counting global allocator measures what each keeps.
//!
//! Run with `cargo bench -p tether-cache --bench memory`.

#![expect(
    clippy::cast_precision_loss,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::indexing_slicing,
    reason = "a benchmark: counts far below 2^52 become figures for humans, indexes come from ranges of the same vectors"
)]

use std::alloc::System;
use std::collections::HashSet;
use std::time::Instant;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use tether_cache::{Cache, CachedMember, CachedUser, ResourceType};
use tether_model::Timestamp;
use tether_model::application::PartialApplication;
use tether_model::channel::Channel;
use tether_model::gateway::Event;
use tether_model::gateway::event::{MemberChunk, Ready};
use tether_model::guild::{Emoji, Guild, Member, Role, UnavailableGuild};
use tether_model::id::{ChannelId, EmojiId, GuildId, MessageId, RoleId, UserId};
use tether_model::message::Message;
use tether_model::permissions::Permissions;
use tether_model::user::{CurrentUser, User};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const GUILDS: usize = 1000;
const MEMBERS: usize = 100_000;
const USERS: usize = 45_000;
/// Guilds above this many members send only some in `GUILD_CREATE`.
const LARGE: usize = 250;
const CHUNK: usize = 1000;
const MESSAGES: usize = 200_000;
const BOT: u64 = 1;

fn main() {
    let mut rng = SmallRng::seed_from_u64(0x5eed);
    let world = World::build(&mut rng);
    println!(
        "world: {} guilds, {} members ({} distinct users, {} in several guilds), {} roles, {} channels; {} events",
        world.guilds.len(),
        world.member_count(),
        world.distinct_users(),
        world.shared_users(),
        world.guilds.iter().map(|g| g.roles.len()).sum::<usize>(),
        world.guilds.iter().map(|g| g.channels.len()).sum::<usize>(),
        world.events.len(),
    );
    println!(
        "sizes: CachedMember {} B, CachedUser {} B (each behind an Arc: +16 B)",
        size_of::<CachedMember>(),
        size_of::<CachedUser>()
    );

    let everything = ResourceType::DEFAULT;
    let skeleton = everything.difference(ResourceType::MEMBERS | ResourceType::USERS);
    let no_users = everything.difference(ResourceType::USERS);
    let full = (0..3)
        .map(|_| load(&world.events, everything))
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .expect("three loads");
    let guilds_only = load(&world.events, skeleton);
    let members_only = load(&world.events, no_users);
    let members = world.member_count() as f64;
    let per_guild = guilds_only.bytes as f64 / GUILDS as f64;
    let per_member_total = (full.bytes - guilds_only.bytes) as f64 / members;
    let per_member = (members_only.bytes - guilds_only.bytes) as f64 / members;
    let per_user = (full.bytes - members_only.bytes) as f64 / full.users as f64;
    println!();
    println!("memory (bytes requested from the allocator, live after loading):");
    println!(
        "  whole cache:         {:>11} B in {} allocations",
        full.bytes, full.allocations
    );
    println!(
        "  per guild:           {per_guild:>11.0} B  (guild, roles, channels, emojis; no members)"
    );
    println!(
        "  per member:          {per_member_total:>11.1} B  (member and its share of the users)"
    );
    println!(
        "    member alone:      {per_member:>11.1} B  ({:.2} allocations)",
        (members_only.allocations - guilds_only.allocations) as f64 / members
    );
    println!("    per distinct user: {per_user:>11.1} B");
    println!();
    println!(
        "load speed (best of 3): {} events ({} members) in {:.1} ms: {:.0} events/s, {:.0} members/s",
        world.events.len(),
        world.member_count(),
        full.seconds * 1e3,
        world.events.len() as f64 / full.seconds,
        members / full.seconds,
    );

    let messages = world.messages(&mut rng);
    let cache = Cache::new();
    for event in &world.events {
        cache.update(event);
    }
    let mut seconds = f64::INFINITY;
    for _ in 0..3 {
        let start = Instant::now();
        for event in &messages {
            cache.update(event);
        }
        seconds = seconds.min(start.elapsed().as_secs_f64());
    }
    println!(
        "MESSAGE_CREATE (best of 3): {MESSAGES} applied in {:.1} ms: {:.0} events/s ({} kept)",
        seconds * 1e3,
        MESSAGES as f64 / seconds,
        cache.stats().messages
    );
}

struct Loaded {
    users: usize,
    bytes: isize,
    allocations: isize,
    seconds: f64,
}

/// Applies every event to a new cache keeping `resources`; measures what
/// the cache holds afterwards (the events were allocated before).
fn load(events: &[Event], resources: ResourceType) -> Loaded {
    let region = Region::new(GLOBAL);
    let start = Instant::now();
    let cache = Cache::builder().resource_types(resources).build();
    for event in events {
        cache.update(event);
    }
    let seconds = start.elapsed().as_secs_f64();
    let change = region.change();
    let stats = cache.stats();
    assert_eq!(stats.guilds, GUILDS);
    drop(cache);
    Loaded {
        users: stats.users,
        bytes: change.bytes_allocated as isize - change.bytes_deallocated as isize,
        allocations: change.allocations as isize - change.deallocations as isize,
        seconds,
    }
}

struct GuildPlan {
    id: GuildId,
    members: Vec<usize>,
    roles: Vec<RoleId>,
    channels: Vec<ChannelId>,
}

struct World {
    users: Vec<User>,
    guilds: Vec<GuildPlan>,
    events: Vec<Event>,
}

impl World {
    fn build(rng: &mut SmallRng) -> Self {
        let users: Vec<User> = (0..USERS).map(|i| user(rng, i)).collect();
        // Sizes fall off as 1/(rank + 10), scaled to MEMBERS in all.
        let weights: Vec<f64> = (0..GUILDS).map(|i| 1.0 / (i as f64 + 10.0)).collect();
        let total: f64 = weights.iter().sum();
        let mut sizes: Vec<usize> = weights
            .iter()
            .map(|w| ((w / total) * MEMBERS as f64) as usize)
            .collect();
        let short = MEMBERS - sizes.iter().sum::<usize>();
        for size in sizes.iter_mut().take(short) {
            *size += 1;
        }
        let mut next_id = 1_000_000u64;
        let mut id = || {
            next_id += 1;
            next_id << 22
        };
        let guilds: Vec<GuildPlan> = sizes
            .iter()
            .map(|&size| {
                let mut members = HashSet::new();
                // The bot, then users drawn with a skew towards the first
                // ones: they are the people in many servers.
                while members.len() < size - 1 {
                    let u: f64 = rng.random();
                    members.insert(((u * u) * USERS as f64) as usize);
                }
                let roles = (0..(3 + size / 50).min(40))
                    .map(|_| RoleId::new(id()))
                    .collect();
                let channels = (0..(5 + size / 100).min(50))
                    .map(|_| ChannelId::new(id()))
                    .collect();
                GuildPlan {
                    id: GuildId::new(id()),
                    members: members.into_iter().collect(),
                    roles,
                    channels,
                }
            })
            .collect();
        let mut world = Self {
            users,
            guilds,
            events: Vec::new(),
        };
        world.events = world.events(rng);
        world
    }

    fn member_count(&self) -> usize {
        self.guilds.iter().map(|g| g.members.len() + 1).sum()
    }

    fn distinct_users(&self) -> usize {
        // The bot, and every user in some guild.
        1 + self.membership().iter().filter(|n| **n > 0).count()
    }

    fn shared_users(&self) -> usize {
        self.membership().iter().filter(|n| **n > 1).count()
    }

    /// How many guilds each user is in.
    fn membership(&self) -> Vec<u16> {
        let mut seen = vec![0u16; USERS];
        for g in &self.guilds {
            for m in &g.members {
                seen[*m] += 1;
            }
        }
        seen
    }

    fn events(&self, rng: &mut SmallRng) -> Vec<Event> {
        let me = CurrentUser {
            user: User {
                id: UserId::new(BOT),
                username: "Cache Bench".to_owned(),
                discriminator: "4321".to_owned(),
                bot: true,
                ..User::default()
            },
            verified: true,
            ..CurrentUser::default()
        };
        let mut events = vec![Event::Ready(Box::new(Ready {
            v: 10,
            user: me.clone(),
            guilds: self
                .guilds
                .iter()
                .map(|g| UnavailableGuild {
                    id: g.id,
                    unavailable: true,
                })
                .collect(),
            session_id: "bench".to_owned(),
            resume_gateway_url: "wss://example.invalid".to_owned(),
            shard: None,
            application: PartialApplication::default(),
        }))];
        for plan in &self.guilds {
            let mut members: Vec<Member> = plan
                .members
                .iter()
                .map(|u| member(rng, &self.users[*u], &plan.roles))
                .collect();
            members.push(Member {
                user: Some(me.user.clone()),
                roles: Vec::new(),
                joined_at: Some(time(rng)),
                ..Member::default()
            });
            let large = members.len() > LARGE;
            let in_create = if large {
                // Online members, those with roles or a nickname: about 10%.
                members
                    .iter()
                    .filter(|_| rng.random_bool(0.1))
                    .cloned()
                    .collect()
            } else {
                members.clone()
            };
            events.push(Event::GuildCreate(Box::new(guild(
                rng, plan, in_create, large,
            ))));
            if large {
                let count = members.len().div_ceil(CHUNK);
                for (index, part) in members.chunks(CHUNK).enumerate() {
                    events.push(Event::GuildMembersChunk(Box::new(MemberChunk {
                        guild_id: plan.id,
                        members: part.to_vec(),
                        chunk_index: index as u32,
                        chunk_count: count as u32,
                        not_found: Vec::new(),
                        presences: Vec::new(),
                        nonce: Some("bench".to_owned()),
                    })));
                }
            }
        }
        events
    }

    /// Messages in random channels by random members.
    fn messages(&self, rng: &mut SmallRng) -> Vec<Event> {
        (0..MESSAGES)
            .map(|i| {
                let plan = &self.guilds[rng.random_range(0..self.guilds.len())];
                let author = &self.users[plan.members[rng.random_range(0..plan.members.len())]];
                let words = rng.random_range(3..30);
                let content: Vec<String> = (0..words).map(|_| syllables(rng, 1, 3)).collect();
                Event::MessageCreate(Box::new(Message {
                    id: MessageId::new((1u64 << 50) + i as u64),
                    channel_id: plan.channels[rng.random_range(0..plan.channels.len())],
                    guild_id: Some(plan.id),
                    author: author.clone(),
                    member: Some(Member {
                        joined_at: Some(Timestamp::from_micros(1_600_000_000_000_000)),
                        ..Member::default()
                    }),
                    content: content.join(" "),
                    timestamp: Timestamp::from_micros(1_700_000_000_000_000),
                    ..Message::default()
                }))
            })
            .collect()
    }
}

fn guild(rng: &mut SmallRng, plan: &GuildPlan, members: Vec<Member>, large: bool) -> Guild {
    let mut roles: Vec<Role> = vec![Role {
        id: RoleId::new(plan.id.get()),
        name: "@everyone".to_owned(),
        permissions: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
        ..Role::default()
    }];
    roles.extend(plan.roles.iter().enumerate().map(|(i, id)| Role {
        id: *id,
        name: syllables(rng, 1, 3),
        color: rng.random_range(0..0xff_ffff),
        hoist: rng.random_bool(0.3),
        position: i as i32 + 1,
        permissions: Permissions::from_bits_retain(rng.random::<u64>() & 0xff_ffff),
        mentionable: rng.random_bool(0.5),
        ..Role::default()
    }));
    let channels = plan
        .channels
        .iter()
        .enumerate()
        .map(|(i, id)| Channel {
            id: *id,
            kind: if i % 5 == 4 { 2 } else { 0 },
            position: Some(i as i32),
            name: Some(syllables(rng, 2, 4)),
            topic: rng.random_bool(0.4).then(|| {
                (0..8)
                    .map(|_| syllables(rng, 1, 3))
                    .collect::<Vec<_>>()
                    .join(" ")
            }),
            rate_limit_per_user: Some(0),
            last_message_id: Some(MessageId::new(rng.random::<u64>() >> 2)),
            ..Channel::default()
        })
        .collect();
    let emojis = (0..rng.random_range(0..30))
        .map(|_| Emoji {
            id: Some(EmojiId::new(rng.random::<u64>() >> 2)),
            name: Some(syllables(rng, 1, 3)),
            require_colons: Some(true),
            managed: Some(false),
            animated: Some(rng.random_bool(0.2)),
            available: Some(true),
            ..Emoji::default()
        })
        .collect();
    Guild {
        id: plan.id,
        name: format!("{} {}", syllables(rng, 2, 3), syllables(rng, 1, 3)),
        icon: rng.random_bool(0.8).then(|| hash(rng)),
        owner_id: UserId::new(BOT + 1),
        roles,
        emojis,
        features: vec!["COMMUNITY".to_owned(), "NEWS".to_owned()],
        preferred_locale: "en-US".to_owned(),
        joined_at: Some(time(rng)),
        large,
        member_count: Some((plan.members.len() + 1) as u64),
        members,
        channels,
        ..Guild::default()
    }
}

fn user(rng: &mut SmallRng, i: usize) -> User {
    let username = format!(
        "{}{}",
        syllables(rng, 2, 4),
        if rng.random_bool(0.3) {
            rng.random_range(0..1000).to_string()
        } else {
            String::new()
        }
    );
    User {
        id: UserId::new((2_000_000 + i as u64) << 22),
        global_name: rng.random_bool(0.6).then(|| {
            let mut name = syllables(rng, 2, 3);
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            name
        }),
        username,
        discriminator: if rng.random_bool(0.1) {
            format!("{:04}", rng.random_range(1..10_000))
        } else {
            "0".to_owned()
        },
        avatar: rng.random_bool(0.75).then(|| hash(rng)),
        bot: rng.random_bool(0.01),
        system: false,
        public_flags: Some(if rng.random_bool(0.1) { 64 } else { 0 }),
    }
}

fn member(rng: &mut SmallRng, user: &User, guild_roles: &[RoleId]) -> Member {
    let count = match rng.random_range(0..100) {
        0..35 => 0,
        35..65 => 1,
        65..85 => 2,
        85..95 => 3,
        _ => 5,
    };
    let roles: HashSet<RoleId> = (0..count)
        .map(|_| guild_roles[rng.random_range(0..guild_roles.len())])
        .collect();
    Member {
        user: Some(user.clone()),
        nick: rng.random_bool(0.12).then(|| syllables(rng, 2, 4)),
        avatar: rng.random_bool(0.02).then(|| hash(rng)),
        roles: roles.into_iter().collect(),
        joined_at: Some(time(rng)),
        premium_since: rng.random_bool(0.03).then(|| time(rng)),
        pending: Some(false),
        ..Member::default()
    }
}

fn syllables(rng: &mut SmallRng, min: usize, max: usize) -> String {
    const PARTS: [&str; 24] = [
        "ka", "ri", "to", "mo", "la", "zen", "vy", "ar", "el", "qu", "in", "sha", "do", "ne", "bo",
        "lux", "ti", "ra", "fen", "or", "mi", "sol", "ve", "no",
    ];
    (0..rng.random_range(min..=max))
        .map(|_| PARTS[rng.random_range(0..PARTS.len())])
        .collect()
}

fn hash(rng: &mut SmallRng) -> String {
    let prefix = if rng.random_bool(0.05) { "a_" } else { "" };
    format!("{prefix}{:032x}", rng.random::<u128>())
}

fn time(rng: &mut SmallRng) -> Timestamp {
    Timestamp::from_micros(rng.random_range(1_450_000_000_000_000..1_750_000_000_000_000))
}
