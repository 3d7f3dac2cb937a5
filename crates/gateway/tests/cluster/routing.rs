//! Guild events on the shard the formula names, guild commands routed
//! there, and a bot shared by two clusters.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use tether_emulator::Emulator;
use tether_gateway::{
    CloseKind, Cluster, ClusterSendErrorKind, IdentifyQueue, LocalQueue, ShardEvent, ShardId,
    ShardRange,
};
use tether_model::gateway::{Command, RequestGuildMembers};
use tether_model::id::GuildId;
use tether_model::{Event, Intents};

use crate::support::{config, gateway_bot, until, world};

const INTENTS: Intents = Intents::GUILDS
    .union(Intents::GUILD_MESSAGES)
    .union(Intents::GUILD_MEMBERS);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guild_events_arrive_on_the_shard_the_formula_names() {
    let (world, guilds) = world(24);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let mut cluster = Cluster::builder(config(&emulator, INTENTS))
        .gateway_bot(&gateway_bot(&emulator, 1))
        .shards(ShardRange::all(3).unwrap())
        .identify_interval(Duration::from_millis(100))
        .spawn();
    let formula =
        |guild: GuildId| ShardId::new(u32::try_from((guild.get() >> 22) % 3).unwrap(), 3).unwrap();

    // GUILD_CREATE, at start-up.
    let mut created = BTreeMap::new();
    until(&mut cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: Event::GuildCreate(guild),
            ..
        } = event
        {
            assert!(
                created.insert(guild.id, shard).is_none(),
                "{} twice",
                guild.id
            );
        }
        (created.len() == guilds.guilds.len()).then_some(())
    })
    .await;
    for (guild, shard) in &created {
        assert_eq!(*shard, formula(*guild));
    }
    let per_shard: BTreeSet<u32> = created.values().map(|s| s.number()).collect();
    assert_eq!(per_shard.len(), 3, "every shard holds guilds");

    // MESSAGE_CREATE, one in each guild.
    for (n, (_, channel)) in guilds.guilds.iter().enumerate() {
        emulator
            .say(guilds.human, *channel, format!("hello {n}"))
            .unwrap();
    }
    let mut messages = BTreeMap::new();
    until(&mut cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: Event::MessageCreate(message),
            ..
        } = event
        {
            messages.insert(message.guild_id.unwrap(), shard);
        }
        (messages.len() == guilds.guilds.len()).then_some(())
    })
    .await;
    assert_eq!(messages, created);

    // A command about a guild goes to its shard, and so does the answer.
    for (guild, _) in &guilds.guilds[..6] {
        let request = RequestGuildMembers::query(*guild, "", 0);
        cluster
            .send_to_guild(*guild, Command::RequestGuildMembers(request))
            .await
            .unwrap();
    }
    let mut chunks = BTreeMap::new();
    until(&mut cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: Event::GuildMembersChunk(chunk),
            ..
        } = event
        {
            chunks.insert(chunk.guild_id, shard);
        }
        (chunks.len() == 6).then_some(())
    })
    .await;
    for (guild, shard) in chunks {
        assert_eq!(shard, formula(guild));
    }
    cluster.close(CloseKind::Normal).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_ranges_of_one_bot_receive_every_guild_exactly_once() {
    let (world, guilds) = world(40);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(2)
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    // Shards 0 and 2 share bucket 0 across the two clusters: one queue
    // serves both, as a shared queue would serve two processes.
    let queue: Arc<dyn IdentifyQueue> =
        Arc::new(LocalQueue::new(2).interval(Duration::from_millis(100)));
    let clusters = [0..2, 2..4].map(|range| {
        Cluster::builder(config(&emulator, Intents::GUILDS))
            .shards(ShardRange::new(range, 4).unwrap())
            .max_concurrency(2)
            .identify_queue(Arc::clone(&queue))
            .spawn()
    });
    let [mut low, mut high] = clusters;
    let (low_guilds, high_guilds) =
        tokio::join!(guilds_of_ready(&mut low), guilds_of_ready(&mut high));

    let mut count: BTreeMap<GuildId, usize> = BTreeMap::new();
    for guild in low_guilds.iter().chain(&high_guilds) {
        *count.entry(*guild).or_default() += 1;
    }
    let expected: BTreeMap<GuildId, usize> = guilds.guilds.iter().map(|(g, _)| (*g, 1)).collect();
    assert_eq!(count, expected, "every guild exactly once");
    assert!(low_guilds.iter().all(|g| g.shard(4) < 2));
    assert!(high_guilds.iter().all(|g| g.shard(4) >= 2));
    assert_eq!(emulator.stats().invalid_sessions, 0);

    // A guild of the other range is not this cluster's to command.
    let foreign = high_guilds[0];
    let request = Command::RequestGuildMembers(RequestGuildMembers::query(foreign, "", 0));
    let error = low.send_to_guild(foreign, request).await.unwrap_err();
    assert_eq!(error.kind(), ClusterSendErrorKind::NotInCluster);
    assert_eq!(error.shard().number(), foreign.shard(4));
    assert!(matches!(
        error.into_command(),
        Command::RequestGuildMembers(_)
    ));

    tokio::join!(low.close(CloseKind::Normal), high.close(CloseKind::Normal));
}

/// The guilds whose `GUILD_CREATE` came, once every shard's `READY` and
/// every guild it listed arrived.
async fn guilds_of_ready(cluster: &mut Cluster) -> Vec<GuildId> {
    let shards = usize::try_from(cluster.range().count()).unwrap();
    let mut listed: BTreeMap<u32, usize> = BTreeMap::new();
    let mut created = Vec::new();
    until(cluster, |shard, event| {
        match event {
            ShardEvent::Dispatch {
                event: Event::Ready(ready),
                ..
            } => {
                listed.insert(shard.number(), ready.guilds.len());
            }
            ShardEvent::Dispatch {
                event: Event::GuildCreate(guild),
                ..
            } => created.push(guild.id),
            _ => {}
        }
        (listed.len() == shards && created.len() == listed.values().sum::<usize>()).then_some(())
    })
    .await;
    created
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_lists_only_the_shards_guilds() {
    let (world, _) = world(12);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .shards(ShardRange::all(4).unwrap())
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(100))
        .spawn();
    let mut seen = 0;
    until(&mut cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: Event::Ready(ready),
            ..
        } = event
        {
            assert_eq!(ready.shard, Some([shard.number(), 4]));
            assert_eq!(ready.guilds.len(), 3);
            assert!(ready.guilds.iter().all(|g| g.id.shard(4) == shard.number()));
            seen += 1;
        }
        (seen == 4).then_some(())
    })
    .await;
    cluster.close(CloseKind::Normal).await;
}
