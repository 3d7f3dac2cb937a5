//! The driver against a small scripted WebSocket server on 127.0.0.1.
//!
//! The server speaks just enough gateway: Hello, `READY` on Identify, a run of
//! `MESSAGE_CREATE` dispatches, then a TCP drop with no close frame; on Resume
//! it replays from two events *before* the client's sequence (a sloppy
//! server), then `RESUMED` and new events. The client must see every event
//! exactly once, in order, with zlib-stream, zstd-stream and no compression.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // tests fail loudly

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tether_gateway::{CloseKind, Compression, Shard, ShardConfig, ShardEvent};
use tether_model::gateway::{CloseCode, Event};
use tether_model::{Intents, Token};
use tokio::net::{TcpListener, TcpStream};
use tokio_websockets::{Message, ServerBuilder, WebSocketStream};

const TOKEN: &str = "driver-test-token";

/// Compresses server messages the way the query asked for.
enum Deflater {
    None,
    Zlib(flate2::Compress),
    Zstd(zstd::stream::raw::Encoder<'static>),
}

impl Deflater {
    fn for_uri(uri: &str) -> Self {
        if uri.contains("compress=zlib-stream") {
            Self::Zlib(flate2::Compress::new(flate2::Compression::fast(), true))
        } else if uri.contains("compress=zstd-stream") {
            Self::Zstd(zstd::stream::raw::Encoder::new(3).unwrap())
        } else {
            Self::None
        }
    }

    fn message(&mut self, json: &str) -> Message {
        match self {
            Self::None => Message::text(json.to_owned()),
            Self::Zlib(c) => {
                let mut out = Vec::with_capacity(json.len() + 64);
                c.compress_vec(json.as_bytes(), &mut out, flate2::FlushCompress::Sync)
                    .unwrap();
                assert!(out.ends_with(&[0, 0, 0xff, 0xff]));
                Message::binary(out)
            }
            Self::Zstd(e) => {
                use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
                let mut out = vec![0u8; json.len() + 1024];
                let mut input = InBuffer::around(json.as_bytes());
                let mut output = OutBuffer::around(&mut out);
                while input.pos() < json.len() {
                    e.run(&mut input, &mut output).unwrap();
                }
                while e.flush(&mut output).unwrap() > 0 {}
                let n = output.pos();
                out.truncate(n);
                Message::binary(out)
            }
        }
    }
}

#[derive(Default)]
struct Log {
    identifies: usize,
    resumes: Vec<u64>,
    close_codes: Vec<u16>,
}

fn message_json(seq: u64) -> String {
    format!(
        r#"{{"t":"MESSAGE_CREATE","s":{seq},"op":0,"d":{{"id":"{seq}","channel_id":"5","guild_id":"2",
        "author":{{"id":"9","username":"alice","discriminator":"0","global_name":null,"avatar":null}},
        "content":"message {seq}","timestamp":"2024-01-01T00:00:00.000000+00:00","edited_timestamp":null,
        "tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],
        "embeds":[],"pinned":false,"type":0}}}}"#
    )
}

/// Serves connections until the test ends. The first session delivers
/// 2..=6 and drops; 7..=10 "happen" while the client is away.
async fn serve(listener: TcpListener, log: Arc<Mutex<Log>>) {
    let port = listener.local_addr().unwrap().port();
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            return;
        };
        let log = Arc::clone(&log);
        tokio::spawn(async move {
            let Ok((request, socket)) = ServerBuilder::new().accept(stream).await else {
                return;
            };
            let uri = request.uri().to_string();
            assert!(
                uri.contains("v=10") && uri.contains("encoding=json"),
                "{uri}"
            );
            connection(socket, Deflater::for_uri(&uri), port, log).await;
        });
    }
}

async fn connection(
    mut socket: WebSocketStream<TcpStream>,
    mut deflater: Deflater,
    port: u16,
    log: Arc<Mutex<Log>>,
) {
    let hello = r#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":60000}}"#;
    socket.send(deflater.message(hello)).await.unwrap();
    while let Some(Ok(frame)) = socket.next().await {
        if let Some((code, _)) = frame.as_close() {
            log.lock().unwrap().close_codes.push(code.into());
            return;
        }
        let Some(text) = frame.as_text() else {
            continue;
        };
        let v: serde_json::Value = serde_json::from_str(text).unwrap();
        match v["op"].as_u64().unwrap() {
            2 => {
                assert_eq!(v["d"]["token"], TOKEN);
                log.lock().unwrap().identifies += 1;
                let ready = format!(
                    r#"{{"t":"READY","s":1,"op":0,"d":{{"v":10,"user":{{"id":"1","username":"bot","discriminator":"0000","bot":true}},
                    "guilds":[],"session_id":"s1","resume_gateway_url":"ws://127.0.0.1:{port}/resume",
                    "application":{{"id":"3","flags":0}}}}}}"#
                );
                socket.send(deflater.message(&ready)).await.unwrap();
                for seq in 2..=6 {
                    socket
                        .send(deflater.message(&message_json(seq)))
                        .await
                        .unwrap();
                }
                socket.flush().await.unwrap();
                // Drop the TCP connection without a close frame.
                return;
            }
            6 => {
                assert_eq!(v["d"]["session_id"], "s1");
                let seq = v["d"]["seq"].as_u64().unwrap();
                log.lock().unwrap().resumes.push(seq);
                for s in seq.saturating_sub(2).max(2)..=10 {
                    socket
                        .send(deflater.message(&message_json(s)))
                        .await
                        .unwrap();
                }
                let resumed = r#"{"t":"RESUMED","s":11,"op":0,"d":{}}"#;
                socket.send(deflater.message(resumed)).await.unwrap();
                for s in 12..=14 {
                    socket
                        .send(deflater.message(&message_json(s)))
                        .await
                        .unwrap();
                }
            }
            _ => {}
        }
    }
}

async fn run(compression: Compression) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    let log = Arc::new(Mutex::new(Log::default()));
    let server = tokio::spawn(serve(listener, Arc::clone(&log)));

    let config = ShardConfig::new(Token::new(TOKEN), Intents::GUILD_MESSAGES)
        .gateway_url(url)
        .compression(compression)
        .jitter(0.99);
    let mut shard = Shard::builder(config).spawn();
    let handle = shard.handle();
    let mut seen = Vec::new();
    let mut resumed = false;
    let collected = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(event) = shard.next_event().await {
            match event {
                ShardEvent::Dispatch {
                    event: Event::MessageCreate(m),
                    sequence,
                } => {
                    assert_eq!(m.content, format!("message {sequence}"));
                    seen.push(sequence);
                }
                ShardEvent::Dispatch {
                    event: Event::Resumed(_),
                    ..
                } => resumed = true,
                _ => {}
            }
            if seen.last() == Some(&14) {
                break;
            }
        }
    })
    .await;
    assert!(collected.is_ok(), "timed out; saw {seen:?}");
    assert!(resumed);
    // 11 is RESUMED.
    let expected: Vec<u64> = (2..=10).chain(12..=14).collect();
    assert_eq!(seen, expected, "every event once, in order");
    let info = handle.info();
    assert_eq!((info.stats.identifies, info.stats.resumes), (1, 1));
    assert!(
        info.stats.duplicates >= 1,
        "the sloppy replay was deduplicated"
    );
    if compression != Compression::None {
        assert!(info.compression_ratio().unwrap() > 1.0);
    }

    let session = handle.close(CloseKind::Resumable).await.unwrap();
    assert_eq!((session.id.as_str(), session.sequence), ("s1", 14));
    assert!(
        shard
            .next_event()
            .await
            .is_some_and(|e| matches!(e, ShardEvent::Shutdown { .. }))
    );
    assert!(shard.next_event().await.is_none());
    {
        let log = log.lock().unwrap();
        assert_eq!(log.identifies, 1);
        assert_eq!(log.resumes, [6]);
    }
    server.abort();
}

#[tokio::test]
async fn drop_and_resume_uncompressed() {
    run(Compression::None).await;
}

#[tokio::test]
async fn drop_and_resume_zlib_stream() {
    run(Compression::ZlibStream).await;
}

#[tokio::test]
async fn drop_and_resume_zstd_stream() {
    run(Compression::ZstdStream).await;
}

#[tokio::test]
async fn fatal_close_ends_the_stream_with_a_named_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let (_, mut socket) = ServerBuilder::new().accept(stream).await.unwrap();
        let hello = r#"{"op":10,"d":{"heartbeat_interval":60000}}"#;
        socket.send(Message::text(hello)).await.unwrap();
        let _identify = socket.next().await;
        let code =
            tokio_websockets::CloseCode::try_from(CloseCode::AuthenticationFailed.code()).unwrap();
        socket
            .send(Message::close(Some(code), "Authentication failed."))
            .await
            .unwrap();
    });
    let config = ShardConfig::new(Token::new("bad"), Intents::empty())
        .gateway_url(url)
        .compression(Compression::None);
    let mut shard = Shard::builder(config).spawn();
    let mut fatal = None;
    while let Some(event) = tokio::time::timeout(Duration::from_secs(10), shard.next_event())
        .await
        .unwrap()
    {
        if let ShardEvent::Fatal(e) = event {
            fatal = Some(e);
        }
    }
    let fatal = fatal.expect("a fatal error");
    assert_eq!(fatal.close_code(), CloseCode::AuthenticationFailed);
    assert!(
        !fatal.to_string().contains("bad"),
        "no token in the message"
    );
}
