//! One process holding many shards: memory per idle shard, CPU while idle,
//! time to connect them all, and events per second across the cluster.
//!
//! ```text
//! cargo run --release -p tether-gateway --example scale -- \
//!     [--shards 1000] [--idle 60] [--compression zlib-stream|zstd-stream|none] \
//!     [--burst 100000] [--max-concurrency 100] [--identify-ms 300] [--heartbeat-ms 41250]
//! ```
//!
//! The emulator runs in a child process (this example started again with
//! `--serve-emulator`), so that the figures read from `/proc/self` are the
//! client's alone; the child's are printed beside them. Loopback only.
//!
//! 1. The child serves a world with one guild per shard, whose ids spread
//!    one guild onto each shard, with `max_concurrency` buckets and a short
//!    identify window.
//! 2. The cluster connects every shard; the time until every `READY` and
//!    every `GUILD_CREATE` arrived is the connect time. Resident memory
//!    (`VmRSS`) before and after, divided by the shard count, is the memory
//!    per shard, buffers and session state included.
//! 3. The shards stay idle, heartbeating, for `--idle` seconds; user plus
//!    system CPU time over that period (`/proc/self/stat`) is the idle
//!    cost.
//! 4. The child sends `--burst` messages round-robin over every guild; the
//!    time from the request to the last `MESSAGE_CREATE` decoded gives the
//!    events per second (the child produces them on the same two cores).
//!
//! Bounded in count (the options) and time (each phase has a deadline).
//! Each shard needs one file descriptor here and one in the child; when the
//! soft `ulimit -n` is too low for the shard count, the run says so and
//! uses as many shards as fit.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, ValueEnum};
use tether_emulator::{Config, Emulator, World};
use tether_gateway::{
    CloseKind, Cluster, Compression, LocalQueue, ShardConfig, ShardEvent, ShardRange,
};
use tether_model::application::flags;
use tether_model::gateway::{Event, EventType, EventTypeFlags, GatewayBot, SessionStartLimit};
use tether_model::id::ChannelId;
use tether_model::{Intents, Token};
use tokio::sync::mpsc;

const TOKEN: &str = "scale-bot-token.emulator.local";
/// File descriptors kept for everything but the shards' sockets.
const SPARE_FDS: u64 = 64;
const CONNECT_DEADLINE: Duration = Duration::from_secs(300);
const BURST_DEADLINE: Duration = Duration::from_secs(300);
/// Messages the emulator sends to one channel before moving to the next.
const BURST_CHUNK: usize = 8;

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Transport {
    ZlibStream,
    ZstdStream,
    None,
}

#[derive(Debug, Parser)]
struct Args {
    /// Shards to run (and guilds in the world, one per shard).
    #[arg(long, default_value_t = 1000)]
    shards: u32,
    /// Seconds to stay idle once connected.
    #[arg(long, default_value_t = 60)]
    idle: u64,
    /// Transport compression.
    #[arg(long, value_enum, default_value_t = Transport::ZlibStream)]
    compression: Transport,
    /// Messages to send in the burst, round-robin over the guilds.
    #[arg(long, default_value_t = 100_000)]
    burst: u64,
    /// Identify buckets.
    #[arg(long, default_value_t = 100)]
    max_concurrency: u16,
    /// The emulator's identify window per bucket, in ms; the client's queue
    /// waits a quarter longer, since it measures when it grants and the
    /// emulator when the Identify arrives (after the others of its wave).
    #[arg(long, default_value_t = 300)]
    identify_ms: u64,
    /// Heartbeat interval the emulator sends in Hello, in ms.
    #[arg(long, default_value_t = 41_250)]
    heartbeat_ms: u64,
    /// Internal: serve the emulator on stdin/stdout (the child process).
    #[arg(long, hide = true)]
    serve_emulator: bool,
}

fn main() -> anyhow::Result<()> {
    let mut args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    if args.serve_emulator {
        return runtime.block_on(serve_emulator(&args));
    }
    let limit = open_files_limit()?;
    let fit = u32::try_from(limit.saturating_sub(SPARE_FDS)).unwrap_or(u32::MAX);
    if args.shards > fit {
        println!(
            "ulimit -n is {limit}: each shard needs one descriptor here and one in the emulator, \
             so this run uses {fit} shards instead of {} (raise the limit with `ulimit -n`)",
            args.shards
        );
        args.shards = fit;
    }
    if args.shards == 0 {
        bail!("no shard fits in the file descriptor limit");
    }
    runtime.block_on(run(&args))
}

/// The parent: runs the cluster and measures.
async fn run(args: &Args) -> anyhow::Result<()> {
    let mut child = EmulatorProcess::start(args)?;
    let url = child.line().await?;
    let url = url
        .strip_prefix("gateway ")
        .context("the emulator did not say its URL")?
        .to_owned();
    println!(
        "{} shards, {:?}, max_concurrency {}, identify window {} ms, heartbeat {} ms, emulator pid {}",
        args.shards,
        args.compression,
        args.max_concurrency,
        args.identify_ms,
        args.heartbeat_ms,
        child.process.id()
    );
    let rss_before = rss_kib("self")?;
    let started = Instant::now();
    let mut cluster = spawn_cluster(args, url)?;
    connect(&mut cluster, args, &child, started, rss_before).await?;
    idle(&mut cluster, args, &child).await?;
    burst(&mut cluster, args, &mut child).await?;
    child.send("stats")?;
    println!("emulator: {}", child.line().await?);
    let closing = Instant::now();
    cluster.close(CloseKind::Normal).await;
    println!(
        "closed every shard in {:.2} s",
        closing.elapsed().as_secs_f64()
    );
    child.stop();
    Ok(())
}

fn spawn_cluster(args: &Args, url: String) -> anyhow::Result<Cluster> {
    let bot = GatewayBot {
        url,
        shards: args.shards,
        session_start_limit: SessionStartLimit {
            total: 1_000_000,
            remaining: 1_000_000,
            reset_after: 86_400_000,
            max_concurrency: u32::from(args.max_concurrency),
        },
    };
    let compression = match args.compression {
        Transport::ZlibStream => Compression::ZlibStream,
        Transport::ZstdStream => Compression::ZstdStream,
        Transport::None => Compression::None,
    };
    let intents = Intents::GUILDS | Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT;
    let config = ShardConfig::new(Token::new(TOKEN), intents)
        .compression(compression)
        .event_types(EventTypeFlags::from_iter([
            EventType::Ready,
            EventType::GuildCreate,
            EventType::MessageCreate,
        ]));
    let queue = LocalQueue::new(args.max_concurrency)
        .interval(Duration::from_millis(args.identify_ms * 5 / 4));
    Ok(Cluster::builder(config)
        .gateway_bot(&bot)
        .shards(ShardRange::all(args.shards).context("at least one shard")?)
        .identify_queue(Arc::new(queue))
        .spawn())
}

/// Waits for every `READY` and `GUILD_CREATE`; reports time and memory.
async fn connect(
    cluster: &mut Cluster,
    args: &Args,
    child: &EmulatorProcess,
    started: Instant,
    rss_before: u64,
) -> anyhow::Result<()> {
    let shards = u64::from(args.shards);
    let (mut ready, mut guilds) = (0u64, 0u64);
    let deadline = tokio::time::Instant::now() + CONNECT_DEADLINE;
    while ready < shards || guilds < shards {
        match next(cluster, deadline).await? {
            Event::Ready(_) => ready += 1,
            Event::GuildCreate(_) => guilds += 1,
            _ => {}
        }
    }
    let connect_time = started.elapsed();
    let rss_connected = rss_kib("self")?;
    println!(
        "connected: {shards} READY and {guilds} GUILD_CREATE in {:.2} s ({:.0} shards/s)",
        connect_time.as_secs_f64(),
        as_f64(shards) / connect_time.as_secs_f64()
    );
    println!(
        "memory: VmRSS {} KiB before, {} KiB connected: {:.1} KiB per shard (emulator process: {} KiB)",
        rss_before,
        rss_connected,
        as_f64(rss_connected.saturating_sub(rss_before)) / as_f64(shards),
        rss_kib(&child.pid())?
    );
    Ok(())
}

/// Stays idle, heartbeating; reports CPU time.
async fn idle(cluster: &mut Cluster, args: &Args, child: &EmulatorProcess) -> anyhow::Result<()> {
    let idle = Duration::from_secs(args.idle);
    let cpu_before = cpu_seconds("self")?;
    let child_cpu_before = cpu_seconds(&child.pid())?;
    let idle_end = tokio::time::Instant::now() + idle;
    let mut beats = 0u64;
    while let Ok(Some((_, event))) = tokio::time::timeout_at(idle_end, cluster.next_event()).await {
        if let ShardEvent::HeartbeatAck { .. } = event {
            beats += 1;
        }
    }
    let cpu = cpu_seconds("self")? - cpu_before;
    let child_cpu = cpu_seconds(&child.pid())? - child_cpu_before;
    let seconds = idle.as_secs_f64().max(1e-9);
    println!(
        "idle {} s: {beats} heartbeats ACKed; CPU {cpu:.2} s ({:.2} % of a core, {:.1} µs per shard-second); \
         emulator process {child_cpu:.2} s; VmRSS {} KiB",
        idle.as_secs(),
        100.0 * cpu / seconds,
        1e6 * cpu / (seconds * f64::from(args.shards)),
        rss_kib("self")?
    );
    println!("status: {}", cluster.info());
    Ok(())
}

/// Asks the child for the burst and decodes it; reports events per second.
async fn burst(
    cluster: &mut Cluster,
    args: &Args,
    child: &mut EmulatorProcess,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let cpu_before = cpu_seconds("self")?;
    child.send(&format!("burst {}", args.burst))?;
    let deadline = tokio::time::Instant::now() + BURST_DEADLINE;
    let mut messages = 0u64;
    let mut per_shard = vec![0u64; usize::try_from(args.shards)?];
    while messages < args.burst {
        let Some((shard, event)) = tokio::time::timeout_at(deadline, cluster.next_event())
            .await
            .ok()
            .flatten()
        else {
            bail!(
                "burst: {messages} of {} messages arrived in time",
                args.burst
            );
        };
        if let ShardEvent::Dispatch {
            event: Event::MessageCreate(_),
            ..
        } = event
        {
            messages += 1;
            if let Some(count) = per_shard.get_mut(usize::try_from(shard.number())?) {
                *count += 1;
            }
        }
    }
    let elapsed = started.elapsed();
    let cpu = cpu_seconds("self")? - cpu_before;
    let produced = child.line().await?;
    let min = per_shard.iter().min().copied().unwrap_or(0);
    let max = per_shard.iter().max().copied().unwrap_or(0);
    println!(
        "burst: {messages} MESSAGE_CREATE decoded in {:.2} s: {:.0} events/s across the cluster \
         ({min}..={max} per shard; emulator: {produced}); client CPU {cpu:.2} s, \
         {:.0} events per client CPU-second",
        elapsed.as_secs_f64(),
        as_f64(messages) / elapsed.as_secs_f64(),
        as_f64(messages) / cpu.max(1e-9)
    );
    Ok(())
}

/// The next dispatch of any shard; an error when the deadline passes or
/// a shard stops for good.
async fn next(cluster: &mut Cluster, deadline: tokio::time::Instant) -> anyhow::Result<Event> {
    loop {
        let item = tokio::time::timeout_at(deadline, cluster.next_event()).await;
        match item {
            Err(_) => bail!("timed out: {}", cluster.info()),
            Ok(None) => bail!("every shard stopped"),
            Ok(Some((shard, ShardEvent::Fatal(error)))) => bail!("{shard}: {error}"),
            Ok(Some((_, ShardEvent::Dispatch { event, .. }))) => return Ok(event),
            Ok(Some(_)) => {}
        }
    }
}

/// The child process serving the emulator, driven over its stdin/stdout.
struct EmulatorProcess {
    process: Child,
    stdin: Option<ChildStdin>,
    lines: mpsc::UnboundedReceiver<String>,
}

impl EmulatorProcess {
    fn start(args: &Args) -> anyhow::Result<Self> {
        let mut process = Command::new(std::env::current_exe()?)
            .args([
                "--serve-emulator".to_owned(),
                format!("--shards={}", args.shards),
                format!("--max-concurrency={}", args.max_concurrency),
                format!("--identify-ms={}", args.identify_ms),
                format!("--heartbeat-ms={}", args.heartbeat_ms),
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .context("starting the emulator process")?;
        let stdout = process.stdout.take().context("the child's stdout")?;
        let (tx, lines) = mpsc::unbounded_channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Ok(Self {
            stdin: process.stdin.take(),
            process,
            lines,
        })
    }

    async fn line(&mut self) -> anyhow::Result<String> {
        tokio::time::timeout(BURST_DEADLINE, self.lines.recv())
            .await
            .context("the emulator did not answer")?
            .context("the emulator process ended")
    }

    fn pid(&self) -> String {
        self.process.id().to_string()
    }

    fn send(&mut self, command: &str) -> anyhow::Result<()> {
        let stdin = self.stdin.as_mut().context("the emulator's stdin")?;
        writeln!(stdin, "{command}")?;
        stdin.flush()?;
        Ok(())
    }

    fn stop(mut self) {
        // Closing stdin ends the child.
        self.stdin = None;
        let _ = self.process.wait();
    }
}

/// The child: serves the emulator until its stdin closes, answering
/// `burst N` and `stats` on stdout.
async fn serve_emulator(args: &Args) -> anyhow::Result<()> {
    let mut world = World::new();
    let bot = world.add_bot(
        "Scale Bot",
        TOKEN,
        flags::GATEWAY_GUILD_MEMBERS | flags::GATEWAY_MESSAGE_CONTENT | flags::GATEWAY_PRESENCE,
    );
    let human = world.add_user("alice");
    // Guilds first, channels after: the guild ids take consecutive
    // milliseconds and so land one on each shard.
    let guilds: Vec<_> = (0..args.shards)
        .map(|n| world.add_guild(&format!("guild-{n}"), human))
        .collect();
    let mut channels: Vec<ChannelId> = Vec::with_capacity(guilds.len());
    for guild in guilds {
        world.add_member(guild, bot)?;
        channels.push(world.add_channel(guild, "general", 0)?);
    }
    let mut config = Config::default();
    config.session_start_total = 1_000_000;
    config.max_concurrency = u32::from(args.max_concurrency);
    config.identify_interval = Duration::from_millis(args.identify_ms);
    config.heartbeat_interval = Duration::from_millis(args.heartbeat_ms);
    let emulator = Emulator::builder()
        .config(config)
        .world(world)
        .spawn()
        .await?;
    println!("gateway {}", emulator.gateway_url());

    let (tx, mut commands) = mpsc::unbounded_channel();
    std::thread::spawn(move || {
        for line in std::io::stdin().lock().lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    while let Some(command) = commands.recv().await {
        if let Some(count) = command.strip_prefix("burst ") {
            let count: usize = count.parse()?;
            let (emulator, channels) = (emulator.clone(), channels.clone());
            let report = tokio::task::spawn_blocking(move || {
                let started = Instant::now();
                // A few messages per channel at a time, cycling over the
                // channels, so that every shard gets its share all along.
                let mut sent = 0;
                'burst: loop {
                    for channel in &channels {
                        if sent >= count {
                            break 'burst;
                        }
                        let chunk = BURST_CHUNK.min(count - sent);
                        let contents = (sent..sent + chunk).map(|n| format!("message {n}"));
                        emulator.say_many(human, *channel, contents)?;
                        sent += chunk;
                    }
                }
                Ok::<_, anyhow::Error>(format!(
                    "produced in {:.2} s",
                    started.elapsed().as_secs_f64()
                ))
            })
            .await??;
            println!("{report}");
        } else if command == "stats" {
            let stats = emulator.stats();
            println!(
                "{} identifies, {} refused (op 9), {} resumes, {} connections; VmRSS {} KiB",
                stats.identifies,
                stats.invalid_sessions,
                stats.resumes,
                stats.connections,
                rss_kib("self")?
            );
        }
    }
    Ok(())
}

/// `VmRSS` of a process (`self` or a pid), in KiB.
fn rss_kib(pid: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .context("no VmRSS in /proc/PID/status")?;
    Ok(line.trim().trim_end_matches("kB").trim().parse()?)
}

/// User plus system CPU time of a process, in seconds.
fn cpu_seconds(pid: &str) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name, which is in parentheses and may hold
    // spaces: state is field 3, utime 14 and stime 15.
    let rest = stat.rsplit_once(')').context("bad /proc/PID/stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).context("no utime")?.parse()?;
    let stime: u64 = fields.get(12).context("no stime")?.parse()?;
    Ok(as_f64(utime + stime) / as_f64(clock_ticks()))
}

/// Clock ticks per second (`AT_CLKTCK` from the auxiliary vector; 100 if
/// it cannot be read).
fn clock_ticks() -> u64 {
    const AT_CLKTCK: u64 = 17;
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
        return 100;
    };
    auxv.chunks_exact(16)
        .find_map(|pair| {
            let (key, value) = pair.split_at(8);
            let key = u64::from_ne_bytes(key.try_into().ok()?);
            let value = u64::from_ne_bytes(value.try_into().ok()?);
            (key == AT_CLKTCK).then_some(value)
        })
        .filter(|ticks| *ticks > 0)
        .unwrap_or(100)
}

/// The soft limit on open files.
fn open_files_limit() -> anyhow::Result<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits")?;
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .context("no open files limit in /proc/self/limits")?;
    let soft = line
        .trim_start_matches("Max open files")
        .split_whitespace()
        .next()
        .context("no soft limit")?;
    Ok(if soft == "unlimited" {
        u64::MAX
    } else {
        soft.parse()?
    })
}

#[expect(clippy::cast_precision_loss, reason = "figures for display")]
fn as_f64(n: u64) -> f64 {
    n as f64
}
