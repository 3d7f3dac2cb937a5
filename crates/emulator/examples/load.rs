//! How many `MESSAGE_CREATE` events one emulator process pushes to one
//! zlib-stream connection per second.
//!
//! ```text
//! cargo run --release -p tether-emulator --example load [-- EVENTS]
//! ```
//!
//! Loopback only, bounded in count (default 200,000 events) and time (60 s).
//! The client in this process inflates every frame and checks its event
//! name, but does not parse the JSON, so the figure is the emulator's
//! (fan-out, framing, deflate, WebSocket writes) plus a cheap client. The
//! producer keeps at most 20,000 events in flight, so the connection's send
//! queue never reaches its budget.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures_util::{SinkExt, StreamExt};
use tether_emulator::Emulator;
use tokio::sync::watch;
use tokio_websockets::Message;

const IN_FLIGHT: u64 = 20_000;
const BATCH: u64 = 1_000;
const TIME_LIMIT: Duration = Duration::from_secs(60);

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let events: u64 = match std::env::args().nth(1) {
        Some(n) => n.parse().context("EVENTS must be a number")?,
        None => 200_000,
    };
    let emulator = Emulator::builder().spawn().await?;
    let url = format!(
        "{}/?v=10&encoding=json&compress=zlib-stream",
        emulator.gateway_url()
    );
    let (mut ws, _) = tokio_websockets::ClientBuilder::new()
        .uri(&url)?
        .connect()
        .await?;
    let identify = serde_json::json!({"op": 2, "d": {
        "token": emulator.bot_token().expose(), "intents": 33_281,
        "properties": {"os": "linux", "browser": "load", "device": "load"}
    }});
    ws.send(Message::text(identify.to_string())).await?;

    let (progress, mut seen) = watch::channel(0u64);
    let reader = tokio::spawn(async move {
        let mut inflate = flate2::Decompress::new(true);
        let mut buf = Vec::new();
        let mut out = Vec::with_capacity(1 << 16);
        let (mut created, mut wire_bytes) = (0u64, 0u64);
        while created < events {
            let Some(message) = ws.next().await else {
                bail!("connection ended")
            };
            let message = message?;
            if !message.is_binary() {
                continue;
            }
            let payload: &[u8] = message.as_payload();
            wire_bytes += payload.len() as u64;
            buf.extend_from_slice(payload);
            if !buf.ends_with(&[0, 0, 0xFF, 0xFF]) {
                continue;
            }
            out.clear();
            let start = inflate.total_in();
            while usize::try_from(inflate.total_in() - start)? < buf.len() {
                let done = usize::try_from(inflate.total_in() - start)?;
                out.reserve(buf.len() * 4);
                let rest = buf.get(done..).unwrap_or_default();
                inflate.decompress_vec(rest, &mut out, flate2::FlushDecompress::Sync)?;
            }
            buf.clear();
            if out.starts_with(b"{\"t\":\"MESSAGE_CREATE\"") {
                created += 1;
                if created % BATCH == 0 || created == events {
                    progress.send_replace(created);
                }
            }
        }
        Ok(wire_bytes)
    });

    // Messages sent before the session exists would reach nobody.
    emulator
        .wait_for(TIME_LIMIT, |core| core.sessions().first().map(drop))
        .await?;
    let started = Instant::now();
    let (alice, general) = (emulator.human_id(), emulator.channel_id());
    let mut sent = 0u64;
    while sent < events {
        if started.elapsed() > TIME_LIMIT {
            bail!("time limit reached after {sent} events");
        }
        if sent - *seen.borrow() >= IN_FLIGHT {
            tokio::time::timeout(TIME_LIMIT, seen.changed()).await??;
            continue;
        }
        let n = BATCH.min(events - sent);
        emulator.say_many(
            alice,
            general,
            (sent..sent + n).map(|i| format!("load test message number {i}")),
        )?;
        sent += n;
    }
    let wire_bytes = tokio::time::timeout(TIME_LIMIT, reader).await???;
    let elapsed = started.elapsed().as_secs_f64();
    #[expect(clippy::cast_precision_loss, reason = "a rate for humans")]
    let (rate, mib) = (
        events as f64 / elapsed,
        wire_bytes as f64 / elapsed / f64::from(1 << 20),
    );
    println!("{events} MESSAGE_CREATE over one zlib-stream connection in {elapsed:.2} s");
    println!("{rate:.0} events/s, {mib:.1} MiB/s compressed on the wire");
    Ok(())
}
