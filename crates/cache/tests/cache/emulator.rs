//! Agreement with the emulator: a bot's cache, fed by a real gateway
//! connection, ends equal to the emulator's world, field by field, after
//! thousands of seeded random changes with resumes and an op 9 between.
//!
//! What is compared, for what the bot can see (its guilds and its DMs):
//! guilds, channels, roles, members and their users exactly (same sets,
//! same fields, after renames, topic, permission and nickname changes);
//! active threads exactly, archived ones when cached; every cached message equals the emulator's, reactions
//! included, and every message sent since the bot last received a guild's
//! state (its channels' `last_message_id` in `GUILD_CREATE`) is cached; the
//! cache holds exactly the users its members and messages refer to; every
//! cached presence matches the user's status.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fmt::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use tether_cache::{
    Cache, CachedChannel, CachedMember, CachedMessage, CachedUser, ReactionEmoji, ResourceType,
};
use tether_emulator::{Emulator, EmulatorHandle, Fault, World};
use tether_gateway::{Backoff, Shard, ShardConfig, ShardEvent};
use tether_model::application::flags;
use tether_model::channel::Channel;
use tether_model::gateway::{Event, EventType};
use tether_model::guild::{Member, Role};
use tether_model::id::{ChannelId, GuildId, MessageId, RoleId, UserId};
use tether_model::message::Message;
use tether_model::permissions::Permissions;
use tether_model::presence::Status;
use tether_model::user::User;
use tether_model::{Intents, Token};
use tokio::sync::{Notify, watch};

const TOKEN: &str = "cache-agreement-bot-token";
const OPERATIONS: usize = 4000;
const SEED: u64 = 0xcac4_e5ed;
const MARKER: &str = "end of the agreement run";
const EMOJIS: [&str; 4] = ["🔥", "👍", "party:4242", "wave:4243"];

/// What the event pump learned besides the cache: where each channel's
/// guaranteed history starts, and counts for the report.
#[derive(Debug, Default)]
struct Pump {
    /// Messages after this id in the channel were all delivered.
    boundary: HashMap<ChannelId, MessageId>,
    /// The bot's DM channels, as the test opens them.
    dms: BTreeSet<ChannelId>,
    events: BTreeMap<String, u64>,
    readies: u64,
    resumes: u64,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cache_agrees_with_the_emulator_after_random_changes_and_faults() {
    let (world, bot, humans) = world();
    let emulator = Emulator::builder()
        .world(world)
        .heartbeat_interval(Duration::from_secs(1))
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let cache = Arc::new(
        Cache::builder()
            .resource_types(ResourceType::all())
            .message_limit(1_000_000)
            .build(),
    );
    let pump = Arc::new(Mutex::new(Pump::default()));
    let marker_seen = Arc::new(Notify::new());
    // Sessions established (READY or RESUMED), so that each fault strikes
    // a session that recovered from the one before.
    let (established_tx, mut established) = watch::channel(0u32);
    let intents = Intents::GUILDS
        | Intents::GUILD_MEMBERS
        | Intents::GUILD_PRESENCES
        | Intents::GUILD_MESSAGES
        | Intents::GUILD_MESSAGE_REACTIONS
        | Intents::DIRECT_MESSAGES
        | Intents::DIRECT_MESSAGE_REACTIONS
        | Intents::MESSAGE_CONTENT;
    let config = ShardConfig::new(Token::new(TOKEN), intents)
        .gateway_url(emulator.gateway_url())
        .backoff(Backoff::new(
            Duration::from_millis(20),
            Duration::from_millis(200),
        ))
        .seed(SEED)
        // Only what the cache says it reads (and RESUMED, which the test
        // counts): the agreement shows it needs nothing else.
        .event_types(ResourceType::all().event_types() | EventType::Resumed.into());
    let mut shard = Shard::builder(config).spawn();
    let pump_task = {
        let (cache, pump, marker_seen, emulator) = (
            Arc::clone(&cache),
            Arc::clone(&pump),
            Arc::clone(&marker_seen),
            emulator.clone(),
        );
        tokio::spawn(async move {
            while let Some(event) = shard.next_event().await {
                let ShardEvent::Dispatch { event, .. } = event else {
                    continue;
                };
                cache.update(&event);
                record(&pump, &emulator, &event);
                if matches!(&event, Event::Ready(_) | Event::Resumed(_)) {
                    established_tx.send_modify(|n| *n += 1);
                }
                if matches!(&event, Event::MessageCreate(m) if m.content == MARKER) {
                    marker_seen.notify_one();
                }
            }
        })
    };

    let mut rng = SmallRng::seed_from_u64(SEED);
    let mut script = Script::default();
    let mut made: BTreeMap<&'static str, usize> = BTreeMap::new();
    let faults = [
        (OPERATIONS / 6, Fault::Reconnect),
        (OPERATIONS * 2 / 6, Fault::DropConnection),
        (
            OPERATIONS * 3 / 6,
            Fault::InvalidSession { resumable: false },
        ),
        (
            OPERATIONS * 4 / 6,
            Fault::InvalidSession { resumable: true },
        ),
        (OPERATIONS * 5 / 6, Fault::DropConnection),
    ];
    for op in 0..OPERATIONS {
        if let Some(n) = faults.iter().position(|(at, _)| *at == op) {
            let recovered = u32::try_from(n).unwrap() + 1;
            tokio::time::timeout(
                Duration::from_secs(20),
                established.wait_for(|e| *e >= recovered),
            )
            .await
            .expect("no READY or RESUMED after the last fault")
            .unwrap();
            let session = connected(&emulator, bot).await;
            emulator
                .fault_session(&session, faults[n].1.clone())
                .unwrap();
        }
        if let Some(kind) = change(&emulator, &mut rng, &pump, bot, &humans, &mut script) {
            *made.entry(kind).or_default() += 1;
        }
    }

    // Once recovered from the last fault, a last message marks the end of
    // the stream.
    let all = u32::try_from(faults.len()).unwrap() + 1;
    tokio::time::timeout(Duration::from_secs(20), established.wait_for(|e| *e >= all))
        .await
        .expect("no READY or RESUMED after the last fault")
        .unwrap();
    let dm = open_dm(&emulator, &pump, humans[0], bot).unwrap();
    emulator.say(humans[0], dm.id, MARKER).unwrap();
    tokio::time::timeout(Duration::from_secs(20), marker_seen.notified())
        .await
        .expect("the marker message never reached the cache");

    {
        let pump = pump.lock().unwrap();
        let checked = emulator
            .inspect(|core| compare(&cache, core.world(), bot, &pump, &script.bot_reactions));
        println!(
            "{} changes {made:?}\n{} events applied {:?}\n{} READY, {} RESUMED; compared {checked}",
            made.values().sum::<usize>(),
            pump.events.values().sum::<u64>(),
            pump.events,
            pump.readies,
            pump.resumes
        );
        assert_eq!(pump.readies, 2, "the op 9 made a new session");
        assert_eq!(pump.resumes, 4, "the other faults made resumes");
        for name in [
            "CHANNEL_UPDATE",
            "GUILD_ROLE_UPDATE",
            "GUILD_MEMBER_UPDATE",
            "GUILD_UPDATE",
            "THREAD_CREATE",
            "THREAD_UPDATE",
            "THREAD_DELETE",
        ] {
            assert!(pump.events.contains_key(name), "no {name} was applied");
        }
    }
    pump_task.abort();
    emulator.shutdown().await;
}

/// A bot, ten humans, three guilds with two channels each.
fn world() -> (World, UserId, Vec<UserId>) {
    let mut world = World::new();
    let privileged =
        flags::GATEWAY_PRESENCE | flags::GATEWAY_GUILD_MEMBERS | flags::GATEWAY_MESSAGE_CONTENT;
    let bot = world.add_bot("Cache Bot", TOKEN, privileged);
    let humans: Vec<UserId> = (0..10)
        .map(|i| world.add_user(&format!("user{i}")))
        .collect();
    for g in 0..3 {
        let guild = world.add_guild(&format!("guild{g}"), humans[g]);
        world.add_member(guild, bot).unwrap();
        for human in humans.iter().skip(g).step_by(2) {
            world.add_member(guild, *human).unwrap();
        }
        world.add_channel(guild, "general", 0).unwrap();
        world.add_channel(guild, "voice", 2).unwrap();
        let role = world
            .add_role(guild, "regular", Permissions::SEND_MESSAGES)
            .unwrap();
        world.grant_role(guild, humans[g], role).unwrap();
    }
    (world, bot, humans)
}

/// Waits for the bot's session to be attached to a connection.
async fn connected(emulator: &EmulatorHandle, bot: UserId) -> String {
    emulator
        .wait_for(Duration::from_secs(15), |core| {
            core.sessions()
                .into_iter()
                .find(|s| s.user_id == bot && s.connection.is_some())
                .map(|s| s.id)
        })
        .await
        .expect("the bot did not reconnect")
}

/// Notes where each channel's delivered history starts: a guild's state
/// (and, for DMs, a new session) starts it afresh.
fn record(pump: &Mutex<Pump>, emulator: &EmulatorHandle, event: &Event) {
    let mut pump = pump.lock().unwrap();
    *pump.events.entry(event.name().to_owned()).or_default() += 1;
    match event {
        Event::Ready(_) => {
            pump.readies += 1;
            // DM messages sent before now may be lost; later ones are not.
            let dms: Vec<(ChannelId, MessageId)> = emulator.inspect(|core| {
                pump.dms
                    .iter()
                    .filter_map(|id| Some((*id, core.world().channel(*id)?.last_message_id?)))
                    .collect()
            });
            pump.boundary.extend(dms);
        }
        Event::Resumed(_) => pump.resumes += 1,
        Event::GuildCreate(guild) => {
            for channel in guild.channels.iter().chain(&guild.threads) {
                pump.boundary
                    .insert(channel.id, channel.last_message_id.unwrap_or_default());
            }
        }
        _ => {}
    }
}

/// What the test's own changes left behind, to pick the next ones from
/// and to know the bot's reactions by.
#[derive(Debug, Default)]
struct Script {
    /// Messages sent: channel, message, author.
    messages: Vec<(ChannelId, MessageId, UserId)>,
    /// Reactions made: channel, message, emoji, user.
    reactions: Vec<(ChannelId, MessageId, &'static str, UserId)>,
    /// The bot's reactions that stand.
    bot_reactions: HashSet<(MessageId, &'static str)>,
}

/// One random change to the world, as a person or a moderator would make;
/// returns its name, or `None` when the dice asked for something the world
/// could not do (an edit of a message whose author left, …).
fn change(
    emulator: &EmulatorHandle,
    rng: &mut SmallRng,
    pump: &Mutex<Pump>,
    bot: UserId,
    humans: &[UserId],
    script: &mut Script,
) -> Option<&'static str> {
    let Script {
        messages,
        reactions,
        bot_reactions,
    } = script;
    // Mostly the bot's guilds: changes elsewhere it cannot see.
    let guilds = emulator.inspect(|core| core.world().guild_ids());
    let mine = emulator.inspect(|core| core.world().guilds_of(bot));
    let guild = *if rng.random_bool(0.9) && !mine.is_empty() {
        &mine
    } else {
        &guilds
    }
    .choose(rng)?;
    let (members, channels, roles, owner) = emulator.inspect(|core| {
        let world = core.world();
        let members: Vec<UserId> = world
            .members(guild)
            .iter()
            .filter_map(|m| m.user.as_ref().map(|u| u.id))
            .collect();
        let roles: Vec<RoleId> = world
            .roles(guild)
            .iter()
            .map(|r| r.id)
            .filter(|r| r.get() != guild.get())
            .collect();
        let owner = world.guild(guild).map(|g| g.owner_id);
        (members, world.channels(guild), roles, owner)
    });
    // Archived threads take no messages and are never unarchived: a new
    // session's GUILD_CREATE does not list them, so the cache may have
    // forgotten them and their history.
    let threads: Vec<ChannelId> = emulator.inspect(|core| {
        core.world()
            .threads(guild)
            .iter()
            .filter(|t| t.thread_metadata.as_ref().is_some_and(|m| !m.archived))
            .map(|t| t.id)
            .collect()
    });
    let text: Vec<ChannelId> = channels
        .iter()
        .filter(|c| matches!(c.kind, 0 | 2))
        .map(|c| c.id)
        .chain(threads.iter().copied())
        .collect();
    Some(match rng.random_range(0..105) {
        0..=24 => {
            let (author, channel) = (*members.choose(rng)?, *text.choose(rng)?);
            let mut content = format!("message {}", rng.random::<u32>());
            if rng.random_bool(0.2) {
                write!(content, " <@{}>", members.choose(rng)?).ok()?;
            }
            if rng.random_bool(0.05) {
                write!(content, " <@&{}>", roles.choose(rng)?).ok()?;
            }
            let m = emulator.say(author, channel, content.as_str()).ok()?;
            messages.push((channel, m.id, author));
            "say"
        }
        25..=28 => {
            let human = *humans.choose(rng)?;
            let dm = open_dm(emulator, pump, human, bot).ok()?;
            let author = if rng.random_bool(0.7) { human } else { bot };
            let m = emulator.say(author, dm.id, "psst").ok()?;
            messages.push((dm.id, m.id, author));
            "say in a DM"
        }
        29..=38 => {
            let &(channel, message, author) = messages.choose(rng)?;
            let content = format!("edited {}", rng.random::<u16>());
            emulator
                .edit_message(author, channel, message, &content)
                .ok()?;
            "edit"
        }
        39..=44 => {
            if messages.is_empty() {
                return None;
            }
            let (channel, message, author) =
                messages.swap_remove(rng.random_range(0..messages.len()));
            emulator.delete_message(author, channel, message).ok()?;
            "delete"
        }
        45..=54 => {
            let &(channel, message, _) = messages.choose(rng)?;
            let emoji = *EMOJIS.choose(rng)?;
            let user = if rng.random_bool(0.2) {
                bot
            } else {
                *humans.choose(rng)?
            };
            emulator.react(user, channel, message, emoji).ok()?;
            reactions.push((channel, message, emoji, user));
            if user == bot {
                bot_reactions.insert((message, emoji));
            }
            "react"
        }
        55..=59 => {
            if reactions.is_empty() {
                return None;
            }
            let (channel, message, emoji, user) =
                reactions.swap_remove(rng.random_range(0..reactions.len()));
            emulator.unreact(user, channel, message, emoji).ok()?;
            if user == bot {
                bot_reactions.remove(&(message, emoji));
            }
            "unreact"
        }
        60..=65 => {
            let outside: Vec<UserId> = humans
                .iter()
                .copied()
                .filter(|h| !members.contains(h))
                .collect();
            emulator.add_member(guild, *outside.choose(rng)?).unwrap();
            "member joins"
        }
        66..=69 => {
            let leavers: Vec<UserId> = members
                .iter()
                .copied()
                .filter(|u| *u != bot && Some(*u) != owner)
                .collect();
            emulator
                .remove_member(guild, *leavers.choose(rng)?)
                .unwrap();
            "member leaves"
        }
        70..=77 => {
            let user = *members.choose(rng)?;
            let chosen: Vec<RoleId> = roles
                .iter()
                .copied()
                .filter(|_| rng.random_bool(0.5))
                .collect();
            emulator.set_member_roles(guild, user, chosen).unwrap();
            "member roles"
        }
        78..=80 => {
            let name = format!("role {}", rng.random::<u16>());
            emulator
                .create_role(guild, &name, Permissions::VIEW_CHANNEL)
                .unwrap();
            "role created"
        }
        81..=82 => {
            emulator.delete_role(guild, *roles.choose(rng)?).unwrap();
            "role deleted"
        }
        83..=85 => {
            let kind = if rng.random_bool(0.7) { 0 } else { 2 };
            emulator
                .create_channel(guild, &format!("channel {}", rng.random::<u16>()), kind)
                .unwrap();
            "channel created"
        }
        86..=87 if channels.len() > 1 => {
            emulator.delete_channel(channels.choose(rng)?.id).unwrap();
            "channel deleted"
        }
        88..=92 => {
            let statuses = [
                Status::Online,
                Status::Idle,
                Status::Dnd,
                Status::Offline,
                Status::Invisible,
            ];
            emulator
                .set_presence(*members.choose(rng)?, *statuses.choose(rng)?)
                .unwrap();
            "presence"
        }
        93 if rng.random_bool(0.3) && members.contains(&bot) => {
            emulator.remove_member(guild, bot).unwrap();
            "bot leaves"
        }
        93 => {
            let elsewhere: Vec<GuildId> = guilds
                .iter()
                .copied()
                .filter(|g| !mine.contains(g))
                .collect();
            emulator.add_member(*elsewhere.choose(rng)?, bot).unwrap();
            "bot joins"
        }
        94 if guilds.len() < 7 => {
            let owner = *humans.choose(rng)?;
            let mut invited = vec![bot];
            invited.extend(
                humans
                    .iter()
                    .copied()
                    .filter(|u| *u != owner && rng.random_bool(0.4)),
            );
            emulator
                .create_guild(&format!("guild {}", rng.random::<u16>()), owner, &invited)
                .unwrap();
            "guild created"
        }
        95 if guilds.len() > 4 => {
            emulator.delete_guild(guild).unwrap();
            "guild deleted"
        }
        96 => {
            let channel = channels.choose(rng)?;
            let name = format!("renamed {}", rng.random::<u16>());
            // Only text channels have topics; an empty one clears it.
            let topic = match channel.kind {
                0 if rng.random_bool(0.2) => Some(String::new()),
                0 => Some(format!("topic {}", rng.random::<u16>())),
                _ => None,
            };
            emulator
                .update_channel(channel.id, Some(&name), topic.as_deref())
                .unwrap();
            "channel updated"
        }
        97 => {
            let name = format!("role {}", rng.random::<u16>());
            let permissions = *[
                Permissions::VIEW_CHANNEL,
                Permissions::SEND_MESSAGES,
                Permissions::MANAGE_MESSAGES,
            ]
            .choose(rng)?;
            emulator
                .update_role(guild, *roles.choose(rng)?, Some(&name), Some(permissions))
                .unwrap();
            "role updated"
        }
        98 => {
            let nick = rng
                .random_bool(0.7)
                .then(|| format!("nick {}", rng.random::<u16>()));
            emulator
                .set_nick(guild, *members.choose(rng)?, nick.as_deref())
                .unwrap();
            "nickname"
        }
        99 => {
            emulator
                .update_guild(guild, &format!("guild {}", rng.random::<u16>()))
                .unwrap();
            "guild renamed"
        }
        100..=101 => {
            let parents: Vec<ChannelId> = channels
                .iter()
                .filter(|c| c.kind == 0)
                .map(|c| c.id)
                .collect();
            let name = format!("thread {}", rng.random::<u16>());
            emulator
                .create_thread(*parents.choose(rng)?, &name, *members.choose(rng)?)
                .unwrap();
            "thread created"
        }
        102 => {
            let name = format!("thread {}", rng.random::<u16>());
            emulator
                .update_thread(*threads.choose(rng)?, Some(&name), None)
                .unwrap();
            "thread renamed"
        }
        103 => {
            emulator.archive_thread(*threads.choose(rng)?).unwrap();
            "thread archived"
        }
        104 => {
            let all = emulator.inspect(|core| core.world().threads(guild));
            emulator.delete_thread(all.choose(rng)?.id).unwrap();
            "thread deleted"
        }
        _ => return None,
    })
}

/// Opens a DM, noting it for the pump.
fn open_dm(
    emulator: &EmulatorHandle,
    pump: &Mutex<Pump>,
    human: UserId,
    bot: UserId,
) -> Result<Channel, tether_emulator::Error> {
    let dm = emulator.open_dm(human, bot)?;
    pump.lock().unwrap().dms.insert(dm.id);
    Ok(dm)
}

/// Compares the cache with the world; returns what was compared.
fn compare(
    cache: &Cache,
    world: &World,
    bot: UserId,
    pump: &Pump,
    bot_reactions: &HashSet<(MessageId, &'static str)>,
) -> String {
    let guilds: BTreeSet<GuildId> = world.guilds_of(bot).into_iter().collect();
    cache.read(|view| {
        let cached: BTreeSet<GuildId> = view.guild_ids().collect();
        assert_eq!(cached, guilds, "guilds");
        let mut counts = BTreeMap::<&str, usize>::new();
        let mut referenced: HashSet<UserId> = HashSet::new();
        for &id in &guilds {
            assert!(!view.is_unavailable(id));
            let model = world.guild(id).unwrap();
            let members = world.members(id);
            let guild = view.guild(id).unwrap();
            assert_eq!(guild.name(), model.name);
            assert_eq!(guild.owner_id(), model.owner_id);
            assert_eq!(guild.icon().map(ToString::to_string), model.icon);
            assert_eq!(guild.preferred_locale(), model.preferred_locale);
            assert_eq!(guild.verification_level(), model.verification_level);
            assert_eq!(guild.afk_channel_id(), model.afk_channel_id);
            assert_eq!(
                guild.member_count(),
                Some(members.len() as u64),
                "member count of {id}"
            );
            let bot_member = members
                .iter()
                .find(|m| m.user.as_ref().is_some_and(|u| u.id == bot))
                .unwrap();
            assert_eq!(guild.joined_at(), bot_member.joined_at);
            *counts.entry("guilds").or_default() += 1;

            let roles: BTreeMap<RoleId, Role> =
                world.roles(id).into_iter().map(|r| (r.id, r)).collect();
            let cached_roles: BTreeSet<RoleId> = view.roles(id).map(|r| r.id()).collect();
            assert_eq!(
                cached_roles,
                roles.keys().copied().collect(),
                "roles of {id}"
            );
            for role in view.roles(id) {
                let model = &roles[&role.id()];
                assert_eq!(
                    (
                        role.name(),
                        role.color(),
                        role.hoist(),
                        role.position(),
                        role.permissions()
                    ),
                    (
                        model.name.as_str(),
                        model.color,
                        model.hoist,
                        model.position,
                        model.permissions
                    )
                );
                assert_eq!(
                    (role.managed(), role.mentionable(), role.flags()),
                    (model.managed, model.mentionable, model.flags)
                );
                *counts.entry("roles").or_default() += 1;
            }

            let by_user: BTreeMap<UserId, &Member> = members
                .iter()
                .map(|m| (m.user.as_ref().unwrap().id, m))
                .collect();
            let cached_members: BTreeSet<UserId> = view.members(id).map(|m| m.user_id()).collect();
            assert_eq!(
                cached_members,
                by_user.keys().copied().collect(),
                "members of {id}"
            );
            for member in view.members(id) {
                let model = by_user[&member.user_id()];
                assert_member(member, model);
                let user = view
                    .user(member.user_id())
                    .expect("a member's user is cached");
                assert_user(&user, model.user.as_ref().unwrap());
                referenced.insert(member.user_id());
                *counts.entry("members").or_default() += 1;
            }
            for presence in view.presences(id) {
                let status = match world.status(presence.user_id()).unwrap() {
                    Status::Invisible | Status::Unknown => Status::Offline,
                    other => other,
                };
                assert_eq!(
                    presence.status(),
                    status,
                    "presence of {}",
                    presence.user_id()
                );
                *counts.entry("presences").or_default() += 1;
            }

            let channels: BTreeMap<ChannelId, Channel> =
                world.channels(id).into_iter().map(|c| (c.id, c)).collect();
            let cached_channels: BTreeSet<ChannelId> = view
                .guild_channels(id)
                .filter(|c| !c.is_thread())
                .map(|c| c.id())
                .collect();
            assert_eq!(
                cached_channels,
                channels.keys().copied().collect(),
                "channels of {id}"
            );
            // Active threads are cached; archived ones may be (until a new
            // session's GUILD_CREATE, which lists only active ones).
            let threads: BTreeMap<ChannelId, Channel> =
                world.threads(id).into_iter().map(|c| (c.id, c)).collect();
            let active = threads
                .values()
                .filter(|t| t.thread_metadata.as_ref().is_some_and(|m| !m.archived))
                .map(|t| t.id);
            let cached_threads: BTreeSet<ChannelId> = view
                .guild_channels(id)
                .filter(|c| c.is_thread())
                .map(|c| c.id())
                .collect();
            let active: BTreeSet<ChannelId> = active.collect();
            assert!(
                cached_threads.is_superset(&active),
                "active threads of {id} missing: {:?}",
                active.difference(&cached_threads).collect::<Vec<_>>()
            );
            for channel in view.guild_channels(id) {
                if channel.is_thread() {
                    let model = threads
                        .get(&channel.id())
                        .unwrap_or_else(|| panic!("thread {} was deleted", channel.id()));
                    assert_channel(channel, model);
                    assert_eq!(
                        (channel.owner_id(), channel.thread_metadata()),
                        (model.owner_id, model.thread_metadata.as_ref()),
                        "thread {}",
                        model.id
                    );
                    *counts.entry("threads").or_default() += 1;
                } else {
                    assert_channel(channel, &channels[&channel.id()]);
                    *counts.entry("channels").or_default() += 1;
                }
                let seen = compare_messages(
                    *view,
                    world,
                    channel.id(),
                    pump,
                    bot_reactions,
                    &mut referenced,
                );
                *counts.entry("messages").or_default() += seen;
            }
            assert!(view.emojis(id).unwrap().is_empty() && view.stickers(id).unwrap().is_empty());
        }
        for dm in view.private_channels() {
            let model = world.channel(dm.id()).expect("a cached DM exists");
            assert_eq!((dm.kind(), model.kind), (1, 1));
            assert_eq!(dm.last_message_id(), model.last_message_id);
            let recipients: Vec<UserId> = model.recipients.iter().map(|u| u.id).collect();
            assert!(dm.recipients().iter().all(|r| recipients.contains(r)));
            *counts.entry("dms").or_default() += 1;
            let seen =
                compare_messages(*view, world, dm.id(), pump, bot_reactions, &mut referenced);
            *counts.entry("messages").or_default() += seen;
        }
        assert_eq!(
            view.stats().users,
            referenced.len(),
            "users nothing refers to were dropped"
        );
        assert_eq!(
            view.stats().messages,
            counts.get("messages").copied().unwrap_or_default(),
            "no stray messages"
        );
        format!("{counts:?}, {} users", referenced.len())
    })
}

/// Compares a channel's cached messages with the world's; returns how many.
fn compare_messages(
    view: tether_cache::CacheView<'_>,
    world: &World,
    channel: ChannelId,
    pump: &Pump,
    bot_reactions: &HashSet<(MessageId, &'static str)>,
    referenced: &mut HashSet<UserId>,
) -> usize {
    let model: BTreeMap<MessageId, Message> = world
        .messages(channel)
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    let cached: BTreeSet<MessageId> = view.channel_messages(channel).map(|m| m.id()).collect();
    let boundary = pump.boundary.get(&channel).copied().unwrap_or_default();
    let expected: BTreeSet<MessageId> = model.keys().copied().filter(|id| *id > boundary).collect();
    assert!(
        cached.is_superset(&expected),
        "messages of {channel} after {boundary} missing: {:?}",
        expected.difference(&cached).collect::<Vec<_>>()
    );
    for message in view.channel_messages(channel) {
        let m = model
            .get(&message.id())
            .unwrap_or_else(|| panic!("message {} was deleted", message.id()));
        assert_message(message, m, bot_reactions);
        referenced.insert(message.author().id());
        let user = view
            .user(message.author().id())
            .expect("a message's author is cached");
        assert_eq!(**message.author(), *user);
    }
    cached.len()
}

fn assert_user(cached: &CachedUser, model: &User) {
    assert_eq!(
        (
            cached.id(),
            cached.username(),
            cached.global_name(),
            cached.bot(),
            cached.system()
        ),
        (
            model.id,
            model.username.as_str(),
            model.global_name.as_deref(),
            model.bot,
            model.system
        )
    );
    assert_eq!(cached.avatar().map(ToString::to_string), model.avatar);
    assert_eq!(cached.discriminator_str(), model.discriminator);
    assert_eq!(cached.public_flags(), model.public_flags);
}

fn assert_member(cached: &CachedMember, model: &Member) {
    assert_eq!(
        cached.roles(),
        model.roles.as_slice(),
        "roles of {}",
        cached.user_id()
    );
    assert_eq!(cached.nick(), model.nick.as_deref());
    assert_eq!(cached.avatar().map(ToString::to_string), model.avatar);
    assert_eq!(
        (
            cached.joined_at(),
            cached.premium_since(),
            cached.communication_disabled_until()
        ),
        (
            model.joined_at,
            model.premium_since,
            model.communication_disabled_until
        )
    );
    assert_eq!(
        (
            cached.deaf(),
            cached.mute(),
            cached.flags(),
            cached.pending()
        ),
        (model.deaf, model.mute, model.flags, model.pending)
    );
}

fn assert_channel(cached: &CachedChannel, model: &Channel) {
    assert_eq!(
        (cached.kind(), cached.guild_id(), cached.position()),
        (model.kind, model.guild_id, model.position)
    );
    assert_eq!(
        (cached.name(), cached.topic()),
        (model.name.as_deref(), model.topic.as_deref())
    );
    assert_eq!(
        cached.last_message_id(),
        model.last_message_id,
        "last message of {}",
        model.id
    );
    assert_eq!(
        (
            cached.bitrate(),
            cached.user_limit(),
            cached.rate_limit_per_user()
        ),
        (model.bitrate, model.user_limit, model.rate_limit_per_user)
    );
    assert_eq!(
        (cached.nsfw(), cached.parent_id(), cached.flags()),
        (model.nsfw, model.parent_id, model.flags)
    );
    assert_eq!(
        cached.permission_overwrites(),
        model.permission_overwrites.as_slice()
    );
}

fn assert_message(
    cached: &CachedMessage,
    model: &Message,
    bot_reactions: &HashSet<(MessageId, &'static str)>,
) {
    assert_eq!(
        (cached.channel_id(), cached.guild_id()),
        (model.channel_id, model.guild_id)
    );
    assert_user(cached.author(), &model.author);
    assert_eq!(cached.content(), model.content, "content of {}", model.id);
    assert_eq!(
        (cached.timestamp(), cached.edited_timestamp()),
        (model.timestamp, model.edited_timestamp)
    );
    assert_eq!(
        (cached.tts(), cached.mention_everyone(), cached.pinned()),
        (model.tts, model.mention_everyone, model.pinned)
    );
    let mentions: Vec<UserId> = model.mentions.iter().map(|m| m.id).collect();
    assert_eq!(cached.mentions(), mentions.as_slice());
    assert_eq!(cached.mention_roles(), model.mention_roles.as_slice());
    assert_eq!(
        (cached.kind(), cached.flags(), cached.webhook_id()),
        (model.kind, model.flags, model.webhook_id)
    );
    assert_eq!(cached.embeds(), model.embeds.as_slice());
    assert_eq!(cached.message_reference(), model.message_reference.as_ref());
    // Reactions compare by emoji: the emulator keeps a reaction's place
    // when its count drops to zero and rises again, the cache does not.
    assert_eq!(
        cached.reactions().len(),
        model.reactions.len(),
        "reactions of {}",
        model.id
    );
    for expected in &model.reactions {
        let reaction = cached
            .reactions()
            .iter()
            .find(|r| r.emoji().is(&expected.emoji))
            .unwrap_or_else(|| panic!("{:?} missing on {}", expected.emoji, model.id));
        assert_eq!(
            reaction.count(),
            expected.count,
            "count of {:?} on {}",
            expected.emoji,
            model.id
        );
        let emoji = EMOJIS.iter().find(|e| match reaction.emoji() {
            ReactionEmoji::Unicode(name) => **e == &**name,
            ReactionEmoji::Custom { id, .. } => e.ends_with(&format!(":{id}")),
        });
        let mine = emoji.is_some_and(|e| bot_reactions.contains(&(model.id, *e)));
        assert_eq!(reaction.me(), mine, "me on {}", model.id);
    }
}
