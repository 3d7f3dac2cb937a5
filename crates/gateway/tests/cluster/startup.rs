//! Start-up within Discord's identify rules: buckets, waves, the daily budget.

use std::time::Duration;

use tether_emulator::{Config, Emulator};
use tether_gateway::{CloseKind, Cluster, ShardRange};
use tether_model::Intents;

use crate::support::{all_ready, config, gateway_bot, world};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sixty_four_shards_start_in_four_waves_without_a_refusal() {
    // The emulator refuses a second Identify in a bucket within 200 ms; the
    // queue spaces them by 250 ms, since it measures when it grants and the
    // emulator when the Identify arrives.
    let (world, _) = world(4);
    let emulator = Emulator::builder()
        .world(world)
        .max_concurrency(16)
        .identify_interval(Duration::from_millis(200))
        .spawn()
        .await
        .unwrap();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .gateway_bot(&gateway_bot(&emulator, 64))
        .identify_interval(Duration::from_millis(250))
        .spawn();
    assert_eq!(cluster.range(), ShardRange::all(64).unwrap());
    all_ready(&mut cluster).await;

    let stats = emulator.stats();
    assert_eq!(stats.invalid_sessions, 0, "an Identify was refused");
    assert_eq!(stats.identifies, 64);
    let log = emulator.identify_log();
    for bucket in 0..16 {
        let entries: Vec<_> = log.iter().filter(|r| r.bucket == bucket).collect();
        let shards: Vec<u32> = entries.iter().map(|r| r.shard[0]).collect();
        // Shards 0–15 first, then 16–31, 32–47 and 48–63.
        assert_eq!(shards, [bucket, bucket + 16, bucket + 32, bucket + 48]);
        for pair in entries.windows(2) {
            let gap = pair[1].at - pair[0].at;
            assert!(
                gap >= Duration::from_millis(200),
                "bucket {bucket}: {gap:?}"
            );
        }
    }
    let first = log.iter().map(|r| r.at).min().unwrap();
    let last = log.iter().map(|r| r.at).max().unwrap();
    assert!(
        last - first >= Duration::from_millis(600),
        "four waves take three windows"
    );
    cluster.close(CloseKind::Normal).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_session_start_limit_waits_for_its_reset() {
    // Two session starts per second: two shards start (each has a bucket of
    // its own, so any two), the other two wait for the reset (plus the
    // queue's safety margin).
    let mut settings = Config::default();
    settings.session_start_total = 2;
    settings.session_start_reset = Duration::from_secs(1);
    let (world, _) = world(4);
    let emulator = Emulator::builder()
        .config(settings)
        .world(world)
        .max_concurrency(4)
        .identify_interval(Duration::from_millis(50))
        .spawn()
        .await
        .unwrap();
    let bot = gateway_bot(&emulator, 4);
    assert_eq!(
        (
            bot.session_start_limit.remaining,
            bot.session_start_limit.total
        ),
        (2, 2)
    );
    let started = tokio::time::Instant::now();
    let mut cluster = Cluster::builder(config(&emulator, Intents::GUILDS))
        .gateway_bot(&bot)
        .identify_interval(Duration::from_millis(100))
        .spawn();
    all_ready(&mut cluster).await;
    assert!(started.elapsed() >= Duration::from_secs(1));

    assert_eq!(
        emulator.stats().invalid_sessions,
        0,
        "an Identify was refused"
    );
    let log = emulator.identify_log();
    assert_eq!(log.len(), 4);
    assert!(log[1].at - log[0].at < Duration::from_secs(1));
    for late in &log[2..] {
        assert!(
            late.at - log[0].at >= Duration::from_secs(1),
            "{late:?} came before the reset"
        );
    }
    cluster.close(CloseKind::Normal).await;
}
