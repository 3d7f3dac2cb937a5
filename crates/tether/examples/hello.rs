//! The getting-started bot: answers `$hello` with `Hello!` and ignores its
//! own messages.
//!
//! With `DISCORD_TOKEN` set, it connects to Discord and runs until Ctrl-C.
//! Without it, it starts the tether emulator in this process with its demo
//! world, connects to it, lets the simulated user alice say `$hello`,
//! prints the connection's lifecycle and the exchange, and exits.
//!
//! ```text
//! cargo run --example hello
//! ```

use std::future::Future as _;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use tether::gateway::{ShardEvent, ShardId};
use tether::{Client, ClientBuilder, Context, Event, Intents, kinds};
use tether_emulator::Emulator;
use tokio::sync::Notify;

/// The bot itself: the same for Discord and for the emulator.
pub fn hello_bot(builder: ClientBuilder) -> ClientBuilder {
    builder.on_message(|ctx: Context, msg| async move {
        let me = ctx.current_user().map(|u| u.user.id);
        if Some(msg.author.id) == me || !msg.content.starts_with("$hello") {
            return Ok(());
        }
        ctx.http()
            .create_message(msg.channel_id)
            .content("Hello!")
            .send()
            .await
            .map(drop)
    })
}

fn intents() -> Intents {
    Intents::GUILDS | Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match std::env::var("DISCORD_TOKEN") {
        Ok(token) if !token.trim().is_empty() => on_discord(&token).await,
        _ => {
            let transcript = offline(true).await?;
            println!("\nthe exchange:");
            for line in &transcript.exchange {
                println!("  {line}");
            }
            Ok(())
        }
    }
}

async fn on_discord(token: &str) -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    println!("connecting to Discord; Ctrl-C to stop");
    hello_bot(Client::builder(token, intents()))
        .on_gateway(print_lifecycle(Instant::now(), None, true))
        .build()?
        .run()
        .await?;
    Ok(())
}

/// What the offline run saw.
#[derive(Debug)]
pub struct Transcript {
    /// The chat, one line per message.
    pub exchange: Vec<String>,
    /// The bot's reply as the emulator stored it.
    pub reply: tether::model::message::Message,
}

/// Runs the bot against an in-process emulator: alice says `$hello`, the
/// bot answers, and the emulator's copy of the answer is returned.
pub async fn offline(print: bool) -> anyhow::Result<Transcript> {
    let started = Instant::now();
    let emulator = Emulator::builder()
        .heartbeat_interval(Duration::from_secs(1))
        .spawn()
        .await
        .context("starting the emulator")?;
    if print {
        println!("no DISCORD_TOKEN: running against the tether emulator");
        println!("  REST    {}", emulator.api_base());
        println!("  gateway {}", emulator.gateway_url());
    }

    // The demo waits for one acknowledged heartbeat before alice speaks,
    // so that the whole lifecycle shows.
    let beat = Arc::new(Notify::new());
    let lifecycle = print_lifecycle(started, Some(Arc::clone(&beat)), print);
    let client = hello_bot(Client::builder(emulator.bot_token().expose(), intents()))
        .api_base(emulator.api_base())
        .on_gateway(lifecycle)
        .build()?;
    let handle = client.handle();
    let waiter = handle.clone();
    let running = tokio::spawn(async move {
        let mut client = client;
        client.start().await
    });

    let outcome = async {
        tokio::time::timeout(Duration::from_secs(10), beat.notified())
            .await
            .context("no heartbeat was acknowledged")?;
        let bot = emulator.bot_user_id();
        // The reply comes back over the gateway too. Its waiter is
        // registered (by one poll) before alice speaks, so that the
        // lifecycle shows the whole round trip whatever arrives first.
        let mut echo = std::pin::pin!(waiter.wait_for::<kinds::MessageCreate>(
            move |m| m.author.id == bot && m.content == "Hello!",
            Duration::from_secs(10),
        ));
        let first_poll = std::future::poll_fn(|cx| std::task::Poll::Ready(echo.as_mut().poll(cx)));
        if let std::task::Poll::Ready(early) = first_poll.await {
            anyhow::bail!("the echo wait ended before alice spoke: {early:?}");
        }
        let said = emulator.say(emulator.human_id(), emulator.channel_id(), "$hello")?;
        let reply = emulator
            .wait_for_message(
                |m| m.author.id == bot && m.id > said.id && m.channel_id == said.channel_id,
                Duration::from_secs(10),
            )
            .await
            .context("the bot did not answer")?;
        echo.await
            .context("the reply did not come back over the gateway")?;
        let exchange = vec![
            format!("{}: {}", said.author.username, said.content),
            format!("{}: {}", reply.author.username, reply.content),
        ];
        anyhow::Ok(Transcript { exchange, reply })
    }
    .await;

    handle.shutdown();
    running.await.context("the client task failed")??;
    emulator.shutdown().await;
    outcome
}

/// A gateway hook printing the lifecycle with the time since start (when
/// `print`); `beat` is notified on the first heartbeat ACK.
fn print_lifecycle(
    started: Instant,
    beat: Option<Arc<Notify>>,
    print: bool,
) -> impl Fn(ShardId, &ShardEvent) + Send + Sync + 'static {
    let first_ack = AtomicBool::new(true);
    move |shard, event| {
        let at = started.elapsed().as_secs_f64();
        let line = match event {
            ShardEvent::Hello { heartbeat_interval } => {
                format!(
                    "Hello: heartbeat every {} ms",
                    heartbeat_interval.as_millis()
                )
            }
            ShardEvent::Identifying => "Identify sent".to_owned(),
            ShardEvent::Resuming { sequence } => format!("Resume sent from sequence {sequence}"),
            ShardEvent::HeartbeatSent { sequence } => match sequence {
                Some(s) => format!("heartbeat sent (sequence {s})"),
                None => "heartbeat sent (no sequence yet)".to_owned(),
            },
            ShardEvent::HeartbeatAck { latency } => {
                if first_ack.swap(false, Ordering::Relaxed) {
                    if let Some(beat) = &beat {
                        beat.notify_one();
                    }
                }
                format!(
                    "heartbeat ACK, latency {:.2} ms",
                    latency.as_secs_f64() * 1000.0
                )
            }
            ShardEvent::Dispatch { event, sequence } => match event {
                Event::Ready(ready) => format!(
                    "READY #{sequence}: logged in as {} in {} guild(s), session {}",
                    ready.user.user.username,
                    ready.guilds.len(),
                    ready.session_id
                ),
                Event::GuildCreate(guild) => {
                    format!(
                        "GUILD_CREATE #{sequence}: {} ({} channels)",
                        guild.name,
                        guild.channels.len()
                    )
                }
                Event::MessageCreate(m) => {
                    format!(
                        "MESSAGE_CREATE #{sequence}: {} said {:?}",
                        m.author.username, m.content
                    )
                }
                other => format!("{} #{sequence}", other.name()),
            },
            ShardEvent::Disconnected {
                reason,
                will_resume,
            } => {
                format!("disconnected: {reason} (will resume: {will_resume})")
            }
            ShardEvent::Fatal(error) => format!("stopped: {error}"),
            ShardEvent::Shutdown { .. } => "shard closed".to_owned(),
            other => format!("{other:?}"),
        };
        if print {
            println!("[{at:7.3}s] shard {} {line}", shard.number());
        }
    }
}
