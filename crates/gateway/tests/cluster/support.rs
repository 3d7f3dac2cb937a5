//! Worlds, emulators and event collection shared by the tests.

use std::time::{Duration, Instant};

use tether_emulator::{EmulatorHandle, World};
use tether_gateway::{Cluster, ShardConfig, ShardEvent, ShardId};
use tether_model::application::flags;
use tether_model::gateway::{GatewayBot, SessionStartLimit};
use tether_model::id::{ChannelId, GuildId, UserId};
use tether_model::{Intents, Token};

/// Bound on any wait for the cluster in the tests.
pub(crate) const WAIT: Duration = Duration::from_secs(20);

const TOKEN: &str = "cluster-test-token.emulator.local";

/// A world's guilds and the human who talks in them.
pub(crate) struct Guilds {
    pub(crate) human: UserId,
    /// Each guild with its `#general`, in id order.
    pub(crate) guilds: Vec<(GuildId, ChannelId)>,
}

/// A world with one bot, one human and `count` guilds (at least 1) holding
/// both. The guilds are made before their channels, so that their ids take
/// consecutive milliseconds and spread evenly over any shard count.
pub(crate) fn world(count: u32) -> (World, Guilds) {
    let mut world = World::new();
    let all =
        flags::GATEWAY_PRESENCE | flags::GATEWAY_GUILD_MEMBERS | flags::GATEWAY_MESSAGE_CONTENT;
    let bot = world.add_bot("Cluster Bot", TOKEN, all);
    let human = world.add_user("alice");
    let ids: Vec<GuildId> = (0..count.max(1))
        .map(|n| world.add_guild(&format!("guild-{n}"), human))
        .collect();
    let guilds = ids
        .into_iter()
        .map(|guild| {
            world.add_member(guild, bot).unwrap();
            (guild, world.add_channel(guild, "general", 0).unwrap())
        })
        .collect();
    (world, Guilds { human, guilds })
}

/// A shard configuration for the emulator's bot.
pub(crate) fn config(emulator: &EmulatorHandle, intents: Intents) -> ShardConfig {
    ShardConfig::new(Token::new(TOKEN), intents).gateway_url(emulator.gateway_url())
}

/// What `GET /gateway/bot` would answer now, with `shards` as the count.
pub(crate) fn gateway_bot(emulator: &EmulatorHandle, shards: u32) -> GatewayBot {
    let app = emulator.application_id();
    let limit = emulator.inspect(|core| core.session_start_limit(Instant::now(), app));
    GatewayBot {
        url: emulator.gateway_url(),
        shards,
        session_start_limit: SessionStartLimit {
            total: limit.total,
            remaining: limit.remaining,
            reset_after: limit.reset_after,
            max_concurrency: limit.max_concurrency,
        },
    }
}

/// Feeds the cluster's events to `step` until it returns something; fails
/// when the cluster ends or [`WAIT`] passes.
pub(crate) async fn until<T>(
    cluster: &mut Cluster,
    mut step: impl FnMut(ShardId, ShardEvent) -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let next = tokio::time::timeout_at(deadline, cluster.next_event()).await;
        let Ok(Some((shard, event))) = next else {
            panic!("the cluster ended or stalled: {next:?}");
        };
        if let Some(value) = step(shard, event) {
            return value;
        }
    }
}

/// Waits until every shard of the cluster sent `READY`.
pub(crate) async fn all_ready(cluster: &mut Cluster) {
    let mut ready = std::collections::BTreeSet::new();
    let count = usize::try_from(cluster.range().count()).unwrap();
    until(cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: tether_model::Event::Ready(_),
            ..
        } = event
        {
            ready.insert(shard.number());
        }
        (ready.len() == count).then_some(())
    })
    .await;
}

/// Drains the cluster until its stream ends, within [`WAIT`].
pub(crate) async fn drain(cluster: &mut Cluster) -> Vec<(ShardId, ShardEvent)> {
    let mut events = Vec::new();
    tokio::time::timeout(WAIT, async {
        while let Some(event) = cluster.next_event().await {
            events.push(event);
        }
    })
    .await
    .expect("the cluster's stream ends after close");
    events
}
