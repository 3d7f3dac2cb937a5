//! Receive-path throughput: inflate + frame decode + typed event, on one
//! core, through the sans-IO shard exactly as the driver feeds it.
//!
//! Run with `cargo bench -p tether-gateway-proto --bench receive`. It
//! prints, for each compression, events per second and MB/s of
//! decompressed JSON over a recorded stream of realistic `MESSAGE_CREATE`
//! events (see `stream.rs`), and the cost of skipping an event type the
//! user did not ask for. Each figure is the best of several passes.

#![allow(
    clippy::unwrap_used,
    clippy::cast_precision_loss,
    clippy::disallowed_methods
)]

mod stream;

use std::hint::black_box;
use std::time::{Duration, Instant};

use flate2::{Compress, FlushCompress};
use tether_gateway_proto::{
    Compression, Inflater, Message, Output, Shard, ShardConfig, ShardEvent,
};
use tether_model::gateway::{EventType, EventTypeFlags};
use tether_model::{Intents, Token};

const EVENTS: u64 = 20_000;
const PASSES: usize = 7;

fn frames(json: &[String], compression: Compression) -> Vec<Vec<u8>> {
    match compression {
        Compression::ZlibStream => zlib(json),
        Compression::ZstdStream => zstd(json),
        _ => json.iter().map(|j| j.as_bytes().to_vec()).collect(),
    }
}

fn zlib(json: &[String]) -> Vec<Vec<u8>> {
    let mut c = Compress::new(flate2::Compression::default(), true);
    json.iter()
        .map(|j| {
            let mut out = Vec::with_capacity(j.len() + 64);
            c.compress_vec(j.as_bytes(), &mut out, FlushCompress::Sync)
                .unwrap();
            assert!(
                out.ends_with(&[0, 0, 0xff, 0xff]),
                "one sync-flushed message"
            );
            out
        })
        .collect()
}

fn zstd(json: &[String]) -> Vec<Vec<u8>> {
    use zstd::stream::raw::{Encoder, InBuffer, Operation, OutBuffer};
    let mut e = Encoder::new(3).unwrap();
    json.iter()
        .map(|j| {
            let mut out = vec![0u8; j.len() + 1024];
            let mut input = InBuffer::around(j.as_bytes());
            let mut output = OutBuffer::around(&mut out);
            while input.pos() < j.len() {
                e.run(&mut input, &mut output).unwrap();
            }
            while e.flush(&mut output).unwrap() > 0 {}
            let n = output.pos();
            out.truncate(n);
            out
        })
        .collect()
}

/// A shard past READY, with sequence 1.
fn ready_shard(compression: Compression, flags: EventTypeFlags) -> Shard {
    let config = ShardConfig::new(Token::new("bench"), Intents::GUILD_MESSAGES)
        .compression(compression)
        .event_types(flags);
    let mut shard = Shard::new(config);
    let t = Instant::now();
    while !matches!(shard.poll_output(), Output::Wait(_)) {}
    shard.handle_open(t);
    // The handshake is uncompressed text here; only the timed stream is
    // compressed, and the inflater starts its context on the first binary
    // frame.
    shard.handle_message(
        t,
        Message::Text(r#"{"op":10,"d":{"heartbeat_interval":41250}}"#),
    );
    shard.handle_identify_permit(t);
    shard.handle_message(t, Message::Text(r#"{"t":"READY","s":1,"op":0,"d":{"v":10,"user":{"id":"1","username":"b"},"guilds":[],"session_id":"s","resume_gateway_url":"wss://r","application":{"id":"1","flags":0}}}"#));
    while !matches!(shard.poll_output(), Output::Wait(_)) {}
    shard
}

/// Feeds every frame and drains the outputs; returns the elapsed time and
/// the number of dispatches delivered.
fn pass(frames: &[Vec<u8>], compression: Compression, flags: EventTypeFlags) -> (Duration, u64) {
    let mut shard = ready_shard(compression, flags);
    // Text frames arrive as `&str` (the WebSocket layer checks UTF-8), so
    // the check is made before the clock starts.
    let messages: Vec<Message<'_>> = frames
        .iter()
        .map(|frame| match compression {
            Compression::None => Message::Text(std::str::from_utf8(frame).unwrap()),
            _ => Message::Binary(frame),
        })
        .collect();
    let t = Instant::now();
    let start = Instant::now();
    let mut delivered = 0;
    for message in messages {
        shard.handle_message(t, message);
        loop {
            match shard.poll_output() {
                Output::Event(ShardEvent::Dispatch { event, .. }) => {
                    black_box(&event);
                    delivered += 1;
                }
                Output::Wait(_) => break,
                other => {
                    black_box(other);
                }
            }
        }
    }
    (start.elapsed(), delivered)
}

/// Inflates every frame, nothing else: the floor under the full path (zero
/// for uncompressed text frames, which skip the inflater).
fn inflate_only(frames: &[Vec<u8>], compression: Compression) -> Duration {
    if compression == Compression::None {
        return Duration::ZERO;
    }
    (0..PASSES)
        .map(|_| {
            let mut inflater = Inflater::new(compression, 1 << 24);
            let start = Instant::now();
            for frame in frames {
                black_box(inflater.push(frame).unwrap());
            }
            start.elapsed()
        })
        .min()
        .unwrap()
}

fn best(
    frames: &[Vec<u8>],
    compression: Compression,
    flags: EventTypeFlags,
    expect: u64,
) -> Duration {
    (0..PASSES)
        .map(|_| {
            let (elapsed, delivered) = pass(frames, compression, flags);
            assert_eq!(
                delivered, expect,
                "every event must be delivered (or skipped) as asked"
            );
            elapsed
        })
        .min()
        .unwrap()
}

fn main() {
    let mut r = stream::Rand::new(0x5eed);
    let json: Vec<String> = (0..EVENTS)
        .map(|i| stream::message_create(&mut r, i + 2))
        .collect();
    let json_bytes: usize = json.iter().map(String::len).sum();
    println!(
        "stream: {EVENTS} MESSAGE_CREATE events, {:.0} bytes of JSON on average",
        json_bytes as f64 / EVENTS as f64
    );
    let wanted = EventTypeFlags::from(EventType::MessageCreate);
    let unwanted = EventTypeFlags::from(EventType::Ready);
    for (name, compression) in [
        ("zlib-stream", Compression::ZlibStream),
        ("zstd-stream", Compression::ZstdStream),
        ("uncompressed", Compression::None),
    ] {
        let frames = frames(&json, compression);
        let wire: usize = frames.iter().map(Vec::len).sum();
        let full = best(&frames, compression, wanted, EVENTS);
        let skip = best(&frames, compression, unwanted, 0);
        let inflate = inflate_only(&frames, compression);
        let secs = full.as_secs_f64();
        let per_event = |d: Duration| d.as_secs_f64() / EVENTS as f64 * 1e6;
        println!(
            "{name:>12}: {:>9.0} events/s, {:>6.1} MB/s of JSON, {:>5.0} B/event on the wire",
            EVENTS as f64 / secs,
            json_bytes as f64 / secs / 1e6,
            wire as f64 / EVENTS as f64,
        );
        println!(
            "{:>12}  per event: {:.3} µs in all = {:.3} µs inflate + {:.3} µs frame and typed decode; \
             skipping an unwanted event: {:.3} µs (inflate included)",
            "",
            per_event(full),
            per_event(inflate),
            per_event(full) - per_event(inflate),
            per_event(skip),
        );
    }
}
