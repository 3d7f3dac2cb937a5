//! Status and latency, close with sessions (also before every wave
//! started), resume, and the fatal 4011.

use std::collections::BTreeSet;
use std::time::Duration;

use tether_emulator::{Config, Emulator};
use tether_gateway::{
    CloseKind, Cluster, ClusterSendErrorKind, FatalErrorKind, ShardEvent, ShardRange, ShardStatus,
};
use tether_model::gateway::{Command, RequestGuildMembers};
use tether_model::{Event, Intents};

use crate::support::{all_ready, config, drain, until, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_latency_close_and_resume() {
    let (world, _) = world(8);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(50))
        .heartbeat_interval(Duration::from_millis(200))
        .spawn()
        .await
        .unwrap();
    let range = ShardRange::all(4).unwrap();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .shards(range)
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(100))
        .spawn();
    all_ready(&mut cluster).await;
    let mut acked = BTreeSet::new();
    until(&mut cluster, |shard, event| {
        if let ShardEvent::HeartbeatAck { .. } = event {
            acked.insert(shard.number());
        }
        (acked.len() == 4).then_some(())
    })
    .await;
    let info = cluster.info();
    assert!(info.all_connected(), "{info}");
    assert_eq!(info.count(ShardStatus::Connected), 4);
    assert!(info.max_latency().is_some());
    assert!(
        info.to_string()
            .starts_with("4 shards: 4 connected; latency mean"),
        "{info}"
    );

    // Close keeping the sessions; the stream ends with each shard's Shutdown.
    let sessions = cluster.close(CloseKind::Resumable).await;
    assert_eq!(sessions.len(), 4);
    let shutdowns = drain(&mut cluster)
        .await
        .into_iter()
        .filter(|(_, e)| matches!(e, ShardEvent::Shutdown { session: Some(_) }))
        .count();
    assert_eq!(shutdowns, 4);
    assert_eq!(cluster.info().count(ShardStatus::Stopped), 4);

    // A new cluster resumes them all: no Identify, no wait in the queue.
    let identifies = emulator.stats().identifies;
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .shards(range)
        .max_concurrency(4)
        .resume_sessions(sessions)
        .spawn();
    let mut resumed = BTreeSet::new();
    until(&mut cluster, |shard, event| {
        match event {
            ShardEvent::Dispatch {
                event: Event::Resumed(_),
                ..
            } => {
                resumed.insert(shard.number());
            }
            ShardEvent::Identifying => panic!("{shard} identified instead of resuming"),
            _ => {}
        }
        (resumed.len() == 4).then_some(())
    })
    .await;
    assert_eq!(emulator.stats().identifies, identifies);
    assert_eq!(emulator.stats().resumes, 4);
    assert!(cluster.close(CloseKind::Normal).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_few_shards_for_the_guilds_is_fatal() {
    // 24 guilds, at most 5 per shard: 2 shards are too few (4011).
    let mut settings = Config::default();
    settings.max_guilds_per_shard = 5;
    let (world, _) = world(24);
    let emulator = Emulator::builder()
        .config(settings)
        .world(world)
        .max_concurrency(2)
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .shards(ShardRange::all(2).unwrap())
        .max_concurrency(2)
        .spawn();
    let fatal: Vec<_> = drain(&mut cluster)
        .await
        .into_iter()
        .filter_map(|(shard, event)| match event {
            ShardEvent::Fatal(error) => Some((shard.number(), error.kind())),
            _ => None,
        })
        .collect();
    assert_eq!(fatal.len(), 2, "{fatal:?}");
    assert!(
        fatal
            .iter()
            .all(|(_, kind)| *kind == FatalErrorKind::ShardingRequired)
    );
    assert_eq!(cluster.info().count(ShardStatus::Stopped), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_before_every_wave_started() {
    // Two shards per wave and a 10 s window: shards 0 and 1 identify,
    // 2 and 3 connect and wait for the window, 4 to 7 wait for them.
    let (world, guilds) = world(8);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(2)
        .identify_interval(Duration::ZERO)
        .spawn()
        .await
        .unwrap();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .shards(ShardRange::all(8).unwrap())
        .max_concurrency(2)
        .identify_interval(Duration::from_secs(10))
        .spawn();
    let mut ready = BTreeSet::new();
    until(&mut cluster, |shard, event| {
        if let ShardEvent::Dispatch {
            event: Event::Ready(_),
            ..
        } = event
        {
            ready.insert(shard.number());
        }
        (ready.len() == 2).then_some(())
    })
    .await;
    let handle = cluster.handle();
    assert_eq!(
        handle.shards().count(),
        4,
        "the second wave connects, the third waits"
    );
    let info = handle.info();
    assert!(
        info.shards[4..]
            .iter()
            .all(|s| s.status == ShardStatus::Identifying),
        "{info}"
    );

    let (late, _) = guilds.guilds.iter().find(|(g, _)| g.shard(8) == 6).unwrap();
    let request = Command::RequestGuildMembers(RequestGuildMembers::query(*late, "", 0));
    let error = handle.send_to_guild(*late, request).await.unwrap_err();
    assert_eq!(error.kind(), ClusterSendErrorKind::NotStarted);

    assert!(handle.close(CloseKind::Resumable).await.len() == 2);
    drain(&mut cluster).await;
    assert_eq!(handle.info().count(ShardStatus::Stopped), 8);
    assert_eq!(handle.shards().count(), 4, "later waves never start");
    assert_eq!(emulator.stats().identifies, 2);
}
