//! A minimal gateway client and REST helpers for the tests.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tether_emulator::{Emulator, EmulatorBuilder, EmulatorHandle};
use tokio::net::TcpStream;
use tokio_websockets::{MaybeTlsStream, Message, WebSocketStream};

/// Bound on any single wait in the tests.
pub(crate) const WAIT: Duration = Duration::from_secs(10);
/// Every documented intent.
pub(crate) const ALL_INTENTS: u64 = 53_608_447;

/// A builder with identify pacing off, so tests can identify back to back.
pub(crate) fn builder() -> EmulatorBuilder {
    Emulator::builder().identify_interval(Duration::ZERO)
}

/// A builder whose REST limits never get in the way.
pub(crate) fn unlimited() -> EmulatorBuilder {
    let mut limits = tether_emulator::RateLimits::default();
    limits.routes.clear();
    limits.default_route = tether_emulator::Limit::new(10_000, Duration::from_secs(1));
    limits.global = limits.default_route;
    builder().rate_limits(limits)
}

pub(crate) async fn emulator() -> EmulatorHandle {
    builder().spawn().await.expect("emulator starts")
}

pub(crate) fn token(handle: &EmulatorHandle) -> String {
    handle.bot_token().expose().to_owned()
}

/// What a read gave.
#[derive(Debug)]
pub(crate) enum Received {
    Json(Value),
    /// A close frame (its code), or the end of the stream (`None`).
    Closed(Option<u16>),
    /// A frame the client could not decode.
    Undecodable(Vec<u8>),
}

enum Inflate {
    None,
    Zlib { z: flate2::Decompress, buf: Vec<u8> },
    Zstd(zstd::stream::raw::Decoder<'static>),
}

pub(crate) struct Client {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    inflate: Inflate,
    /// Binary frames received (to check frame splitting).
    pub(crate) binary_frames: usize,
}

impl Client {
    pub(crate) async fn connect(handle: &EmulatorHandle, query: &str) -> Self {
        Self::connect_url(&format!("{}/?{query}", handle.gateway_url())).await
    }

    pub(crate) async fn connect_url(url: &str) -> Self {
        let (ws, _) = tokio::time::timeout(
            WAIT,
            tokio_websockets::ClientBuilder::new()
                .uri(url)
                .expect("valid uri")
                .connect(),
        )
        .await
        .expect("connect in time")
        .expect("handshake");
        let inflate = if url.contains("compress=zlib-stream") {
            Inflate::Zlib {
                z: flate2::Decompress::new(true),
                buf: Vec::new(),
            }
        } else if url.contains("compress=zstd-stream") {
            Inflate::Zstd(zstd::stream::raw::Decoder::new().expect("zstd"))
        } else {
            Inflate::None
        };
        Self {
            ws,
            inflate,
            binary_frames: 0,
        }
    }

    /// Connects and reads Hello.
    pub(crate) async fn hello(handle: &EmulatorHandle, query: &str) -> (Self, Value) {
        let mut client = Self::connect(handle, query).await;
        let hello = client.json().await;
        assert_eq!(hello["op"], 10, "{hello}");
        (client, hello)
    }

    pub(crate) async fn send(&mut self, value: &Value) {
        self.ws
            .send(Message::text(value.to_string()))
            .await
            .expect("send");
    }

    pub(crate) async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("send");
    }

    pub(crate) async fn close(mut self, code: u16) {
        let code = tokio_websockets::CloseCode::try_from(code).expect("close code");
        let _ = self.ws.send(Message::close(Some(code), "bye")).await;
        // Read until the server's reply (or the end) so the close is seen.
        let _ = tokio::time::timeout(WAIT, async {
            while let Some(Ok(_)) = self.ws.next().await {}
        })
        .await;
    }

    /// Drops the TCP connection without a close frame.
    pub(crate) fn drop_tcp(self) {
        drop(self);
    }

    pub(crate) async fn recv(&mut self) -> Received {
        loop {
            let next = tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("a frame in time");
            let message = match next {
                None | Some(Err(_)) => return Received::Closed(None),
                Some(Ok(message)) => message,
            };
            if let Some((code, _)) = message.as_close() {
                return Received::Closed(Some(code.into()));
            }
            if message.is_close() {
                return Received::Closed(None);
            }
            if let Some(text) = message.as_text() {
                return Received::Json(serde_json::from_str(text).expect("json text"));
            }
            if !message.is_binary() {
                continue;
            }
            self.binary_frames += 1;
            let bytes: &[u8] = message.as_payload();
            match &mut self.inflate {
                Inflate::None => {
                    // Payload compression: an independent zlib stream.
                    let mut text = String::new();
                    let mut d = flate2::read::ZlibDecoder::new(bytes);
                    return match std::io::Read::read_to_string(&mut d, &mut text) {
                        Ok(_) => Received::Json(serde_json::from_str(&text).expect("json")),
                        Err(_) => Received::Undecodable(bytes.to_vec()),
                    };
                }
                Inflate::Zlib { z, buf } => {
                    buf.extend_from_slice(bytes);
                    if !buf.ends_with(&[0, 0, 0xFF, 0xFF]) {
                        continue;
                    }
                    let input = std::mem::take(buf);
                    match inflate_zlib(z, &input) {
                        Some(text) => {
                            return Received::Json(serde_json::from_str(&text).expect("json"));
                        }
                        None => return Received::Undecodable(input),
                    }
                }
                Inflate::Zstd(d) => match inflate_zstd(d, bytes) {
                    Some(text) => {
                        return Received::Json(serde_json::from_str(&text).expect("json"));
                    }
                    None => return Received::Undecodable(bytes.to_vec()),
                },
            }
        }
    }

    /// The next JSON message (panics on a close).
    pub(crate) async fn json(&mut self) -> Value {
        match self.recv().await {
            Received::Json(v) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// Reads until a dispatch named `t`, returning it.
    pub(crate) async fn dispatch(&mut self, t: &str) -> Value {
        for _ in 0..10_000 {
            let v = self.json().await;
            if v["t"] == t {
                return v;
            }
        }
        panic!("no {t}");
    }

    /// Reads until the connection ends; returns the close code (None: no
    /// close frame). Other messages are skipped.
    pub(crate) async fn closed(&mut self) -> Option<u16> {
        for _ in 0..100_000 {
            if let Received::Closed(code) = self.recv().await {
                return code;
            }
        }
        panic!("never closed");
    }

    /// Identifies and reads READY.
    pub(crate) async fn identify(&mut self, token: &str, intents: u64) -> Value {
        self.send(&identify(token, intents)).await;
        self.dispatch("READY").await
    }
}

pub(crate) fn identify(token: &str, intents: u64) -> Value {
    json!({"op": 2, "d": {
        "token": token, "intents": intents,
        "properties": {"os": "linux", "browser": "test", "device": "test"}
    }})
}

pub(crate) fn resume(token: &str, session: &str, seq: u64) -> Value {
    json!({"op": 6, "d": {"token": token, "session_id": session, "seq": seq}})
}

fn inflate_zlib(z: &mut flate2::Decompress, input: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(input.len() * 4 + 1024);
    let start = z.total_in();
    for _ in 0..64 {
        let done = usize::try_from(z.total_in() - start).ok()?;
        z.decompress_vec(&input[done..], &mut out, flate2::FlushDecompress::Sync)
            .ok()?;
        let done = usize::try_from(z.total_in() - start).ok()?;
        if done == input.len() && out.len() < out.capacity() {
            return String::from_utf8(out).ok();
        }
        out.reserve(out.capacity());
    }
    None
}

fn inflate_zstd(d: &mut zstd::stream::raw::Decoder<'static>, input: &[u8]) -> Option<String> {
    use zstd::stream::raw::{InBuffer, Operation, OutBuffer};
    let mut out: Vec<u8> = Vec::with_capacity(input.len() * 4 + 1024);
    let mut src = InBuffer::around(input);
    for _ in 0..64 {
        let pos = out.len();
        let mut dst = OutBuffer::around_pos(&mut out, pos);
        d.run(&mut src, &mut dst).ok()?;
        let full = dst.pos() == out.capacity();
        if src.pos() == input.len() && !full {
            return String::from_utf8(out).ok();
        }
        out.reserve(out.capacity());
    }
    None
}

/// REST calls as a bot.
pub(crate) struct Rest {
    pub(crate) http: reqwest::Client,
    pub(crate) base: String,
    pub(crate) token: String,
}

impl Rest {
    pub(crate) fn new(handle: &EmulatorHandle) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: handle.api_base(),
            token: token(handle),
        }
    }

    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.base))
            .header("Authorization", format!("Bot {}", self.token))
            .timeout(WAIT)
    }

    pub(crate) async fn get(&self, path: &str) -> (u16, Value) {
        call(self.request(reqwest::Method::GET, path)).await
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        call(self.request(reqwest::Method::POST, path).json(body)).await
    }
}

/// Sends a request; returns the status and the JSON body (`null` if empty).
pub(crate) async fn call(request: reqwest::RequestBuilder) -> (u16, Value) {
    let response = request.send().await.expect("http");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    let body = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).expect("json body")
    };
    (status, body)
}
