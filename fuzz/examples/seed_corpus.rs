//! Writes the seed corpus of every target into `corpus/`.
//!
//! Run with `cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus`.
//! The output is deterministic, so rerunning it only changes files when this
//! generator changes.

use std::fs;
use std::path::Path;

use flate2::{Compress, FlushCompress};
use std::time::Duration;

use tether_fuzz::{Frame, PAYLOAD_COMPRESSION, Settings, Step, encode, encode_shard};
use tether_gateway_proto::{CloseKind, Compression, Rng};
use zstd::stream::raw::{Encoder, InBuffer, Operation, OutBuffer};

/// Ceiling index for 1 MiB (see the input format in `src/lib.rs`).
const ONE_MIB: u8 = 14;
/// Ceiling index for 64 KiB.
const SIXTY_FOUR_KIB: u8 = 10;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    write(&root, "inflate_zlib", zlib_seeds());
    write(&root, "inflate_zstd", zstd_seeds());
    write(&root, "model_event", model_event_seeds());
    write(&root, "shard_message", shard_seeds());
}

fn write<N: AsRef<Path>>(root: &Path, target: &str, seeds: Vec<(N, Vec<u8>)>) {
    let dir = root.join(target);
    fs::create_dir_all(&dir).expect("create the corpus directory");
    for (name, data) in seeds {
        fs::write(dir.join(name), data).expect("write a seed");
    }
}

fn zlib_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut server = ZlibServer::new();
    let hello = server.send(HELLO);
    let one = encode(ONE_MIB, &[whole(&hello)]);

    let mut server = ZlibServer::new();
    let messages: Vec<_> = (0..6).map(|i| server.send(&dispatch(i))).collect();
    let shared = encode(
        ONE_MIB,
        &messages.iter().map(|m| whole(m)).collect::<Vec<_>>(),
    );

    // Three pieces per message; the last cut falls inside `00 00 ff ff`.
    let mut server = ZlibServer::new();
    let messages: Vec<_> = (0..3).map(|i| server.send(&dispatch(i))).collect();
    let mut frames = Vec::new();
    for message in &messages {
        let (head, tail) = message.split_at(message.len() - 2);
        let (a, b) = head.split_at(head.len() / 2);
        frames.extend([whole(a), whole(b), whole(tail)]);
    }
    let split = encode(ONE_MIB, &frames);

    let mut first = ZlibServer::new();
    let mut second = ZlibServer::new();
    let (a, b) = (first.send(&dispatch(0)), first.send(&dispatch(1)));
    let (c, d) = (second.send(HELLO), second.send(&dispatch(2)));
    let reconnect = encode(
        ONE_MIB,
        &[
            whole(&a),
            whole(&b),
            Frame {
                reset: true,
                data: &c,
            },
            whole(&d),
        ],
    );

    // A message cut in half, then the stream goes on; and a half message
    // that claims to be complete.
    let mut server = ZlibServer::new();
    let (a, b) = (server.send(&dispatch(0)), server.send(&dispatch(1)));
    let mut fake_end = a[..a.len() / 2].to_vec();
    fake_end.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let truncated = encode(
        ONE_MIB,
        &[
            whole(&a[..a.len() / 2]),
            whole(&b),
            Frame {
                reset: true,
                data: &fake_end,
            },
        ],
    );

    let bomb_frame = ZlibServer::new().send(&vec![b' '; 1 << 20]);
    let bomb = encode(SIXTY_FOUR_KIB, &[whole(&bomb_frame)]);

    let p1 = zlib_oneshot(&dispatch(7));
    let p2 = zlib_oneshot(HELLO);
    let plain = dispatch(8);
    let cut = &p1[..p1.len() - 3];
    let payload = encode(
        ONE_MIB | PAYLOAD_COMPRESSION,
        &[whole(&p1), whole(&plain), whole(&p2), whole(cut)],
    );

    vec![
        ("zlib_one_message", one),
        ("zlib_shared_context", shared),
        ("zlib_split_frames", split),
        ("zlib_reset_between_connections", reconnect),
        ("zlib_truncated", truncated),
        ("zlib_bomb", bomb),
        ("payload_compressed", payload),
        ("garbage", garbage(1)),
    ]
}

fn zstd_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut server = ZstdServer::new();
    let hello = server.send(HELLO);
    let one = encode(ONE_MIB, &[whole(&hello)]);

    let mut server = ZstdServer::new();
    let messages: Vec<_> = (0..6).map(|i| server.send(&dispatch(i))).collect();
    let shared = encode(
        ONE_MIB,
        &messages.iter().map(|m| whole(m)).collect::<Vec<_>>(),
    );

    let mut first = ZstdServer::new();
    let mut second = ZstdServer::new();
    let (a, b) = (first.send(&dispatch(0)), first.send(&dispatch(1)));
    let (c, d) = (second.send(HELLO), second.send(&dispatch(2)));
    let reconnect = encode(
        ONE_MIB,
        &[
            whole(&a),
            whole(&b),
            Frame {
                reset: true,
                data: &c,
            },
            whole(&d),
        ],
    );

    let mut server = ZstdServer::new();
    let (a, b) = (server.send(&dispatch(0)), server.send(&dispatch(1)));
    let truncated = encode(ONE_MIB, &[whole(&a[..a.len() / 2]), whole(&b)]);

    let bomb_frame = ZstdServer::new().send(&vec![b' '; 1 << 20]);
    let bomb = encode(SIXTY_FOUR_KIB, &[whole(&bomb_frame)]);

    vec![
        ("zstd_one_message", one),
        ("zstd_shared_frame", shared),
        ("zstd_reset_between_connections", reconnect),
        ("zstd_truncated", truncated),
        ("zstd_bomb", bomb),
        ("garbage", garbage(2)),
    ]
}

/// The model crate's dispatch fixtures (whole frames, under their own
/// names), an event this library does not know, and a frame without `t`.
fn model_event_seeds() -> Vec<(String, Vec<u8>)> {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("../crates/model/tests/fixtures");
    let mut seeds: Vec<_> = fs::read_dir(&fixtures)
        .expect("read the model fixtures")
        .map(|entry| entry.expect("readable fixture entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            (name, fs::read(&path).expect("readable fixture"))
        })
        .collect();
    seeds.sort();
    seeds.push((
        "unknown_event".to_owned(),
        br#"{"t":"NOT_YET_DOCUMENTED","s":3,"op":0,"d":{"id":"1","nested":{"list":[1,2.5,null,"x"]}}}"#.to_vec(),
    ));
    seeds.push(("hello".to_owned(), HELLO.to_vec()));
    seeds
}

/// Conversations: sessions in each compression, reconnects, closes.
fn shard_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut seeds = Vec::new();
    for (name, compression) in [
        ("session_uncompressed", Compression::None),
        ("session_zlib", Compression::ZlibStream),
        ("session_zstd", Compression::ZstdStream),
    ] {
        let mut s = Script::new(compression, 1);
        s.establish()
            .say(&message(2))
            .say(&message(3))
            .step(Step::ToDeadline)
            .say(ACK)
            .say(r#"{"op":1,"d":null}"#)
            .say(ACK)
            .step(Step::Send)
            .say(&fixture("GUILD_CREATE"))
            .step(Step::ToDeadline)
            .say(ACK)
            .say(&message(4))
            .step(Step::Shutdown(CloseKind::Resumable))
            .step(Step::Close(None));
        seeds.push((name, s.encode()));
    }

    // Op 7, then a resume that replays what was seen.
    let mut s = Script::new(Compression::ZlibStream, 2);
    s.establish()
        .say(&message(2))
        .say(&message(3))
        .say(r#"{"t":null,"s":null,"op":7,"d":null}"#)
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .say(&message(3))
        .say(&message(4))
        .say(&resumed(5))
        .say(&message(6));
    seeds.push(("reconnect_and_resume", s.encode()));

    // Op 9 false re-identifies after a pause; op 9 true resumes.
    let mut s = Script::new(Compression::None, 3);
    s.establish()
        .say(&message(2))
        .say(r#"{"t":null,"s":null,"op":9,"d":false}"#)
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .step(Step::IdentifyPermit)
        .say(&ready(1))
        .say(r#"{"t":null,"s":null,"op":9,"d":true}"#)
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .say(&resumed(2));
    seeds.push(("invalid_session", s.encode()));

    // A beat goes unanswered: the next one finds a zombie.
    let mut s = Script::new(Compression::ZstdStream, 4);
    s.establish()
        .step(Step::ToDeadline)
        .say(&message(2))
        .step(Step::ToDeadline)
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .say(&resumed(3));
    seeds.push(("zombie_then_resume", s.encode()));

    // 4000 resumes, 4009 re-identifies, 4004 is fatal.
    let mut s = Script::new(Compression::ZlibStream, 5);
    s.establish()
        .step(Step::Close(Some(4000)))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .say(&resumed(2))
        .step(Step::Close(Some(4009)))
        .step(Step::ToDeadline)
        .open()
        .say(&hello())
        .step(Step::IdentifyPermit)
        .say(&ready(1))
        .step(Step::Close(Some(4004)))
        .step(Step::ToDeadline);
    seeds.push(("close_codes", s.encode()));
    seeds.extend(shard_setup_seeds());
    seeds
}

/// Seeds for the settings bits, timeouts, the rate limiter and shutdown.
fn shard_setup_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut seeds = Vec::new();

    let mut s = Script::new(Compression::None, 6).saved_session();
    s.open()
        .say(&hello())
        .say(&message(2))
        .say(&message(3))
        .say(&resumed(4))
        .step(Step::ToDeadline)
        .say(ACK);
    seeds.push(("saved_session_resumes", s.encode()));

    let mut s = Script::new(Compression::ZlibStream, 7).no_events();
    s.establish()
        .say(&message(2))
        .say(&fixture("MESSAGE_CREATE"))
        .say(&fixture("PRESENCE_UPDATE"))
        .say(r#"{"t":"NOT_YET_DOCUMENTED","s":90,"op":0,"d":{}}"#);
    seeds.push(("filtered_events", s.encode()));

    // No Hello within 20 s; then a connection attempt that fails.
    let mut s = Script::new(Compression::None, 8);
    s.open()
        .step(Step::Advance(Duration::from_millis(20_001)))
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .step(Step::Close(None))
        .step(Step::ToDeadline)
        .establish();
    seeds.push(("hello_timeout_and_connect_failure", s.encode()));

    // More commands than the limiter lets out in a minute.
    let mut s = Script::new(Compression::None, 9);
    for _ in 0..130 {
        s.step(Step::Send);
    }
    s.establish();
    for _ in 0..3 {
        s.step(Step::ToDeadline).say(ACK);
    }
    seeds.push(("commands_rate_limited", s.encode()));

    // Reading paused: beats go on and a missing ACK is not a zombie.
    let mut s = Script::new(Compression::ZstdStream, 10);
    s.establish()
        .step(Step::Backpressure(true))
        .step(Step::ToDeadline)
        .step(Step::ToDeadline)
        .step(Step::Backpressure(false))
        .say(ACK)
        .step(Step::Shutdown(CloseKind::Normal))
        .step(Step::ToDeadline);
    seeds.push(("backpressure_and_shutdown", s.encode()));

    seeds.push(("garbage", garbage(3)));
    seeds
}

const ACK: &str = r#"{"t":null,"s":null,"op":11,"d":null}"#;

fn hello() -> String {
    String::from_utf8(HELLO.to_vec()).expect("HELLO is UTF-8")
}

fn ready(seq: u64) -> String {
    format!(
        r#"{{"t":"READY","s":{seq},"op":0,"d":{{"v":10,"user":{{"id":"1","username":"bot","discriminator":"0000","bot":true}},"guilds":[{{"id":"2","unavailable":true}}],"session_id":"fuzz-session","resume_gateway_url":"wss://resume.fuzz.invalid","shard":[0,1],"application":{{"id":"3","flags":0}},"_trace":[]}}}}"#
    )
}

fn resumed(seq: u64) -> String {
    format!(r#"{{"t":"RESUMED","s":{seq},"op":0,"d":{{"_trace":["gateway-prd-1"]}}}}"#)
}

fn message(seq: u64) -> String {
    format!(
        r#"{{"t":"MESSAGE_CREATE","s":{seq},"op":0,"d":{{"id":"{seq}","channel_id":"5","guild_id":"2","author":{{"id":"9","username":"alice","discriminator":"0","global_name":null,"avatar":null}},"content":"message {seq}","timestamp":"2024-01-01T00:00:00.000000+00:00","edited_timestamp":null,"tts":false,"mention_everyone":false,"mentions":[],"mention_roles":[],"attachments":[],"embeds":[],"pinned":false,"type":0}}}}"#
    )
}

/// A model fixture (a whole dispatch frame) by file stem.
fn fixture(stem: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../crates/model/tests/fixtures")
        .join(format!("{stem}.json"));
    fs::read_to_string(path).expect("readable fixture")
}

/// A conversation for the `shard_message` target, written from the
/// server's side: messages are compressed as the settings say, with a fresh
/// compression context per connection, as Discord does.
struct Script {
    settings: Settings,
    server: Server,
    steps: Vec<Owned>,
}

enum Server {
    Text,
    Zlib(ZlibServer),
    Zstd(ZstdServer),
}

enum Owned {
    Message(Vec<u8>),
    Step(Step<'static>),
}

impl Script {
    fn new(compression: Compression, seed: u64) -> Self {
        Self {
            settings: Settings {
                compression,
                saved_session: false,
                no_events: false,
                seed,
            },
            server: Server::Text,
            steps: Vec::new(),
        }
    }

    fn saved_session(mut self) -> Self {
        self.settings.saved_session = true;
        self
    }

    fn no_events(mut self) -> Self {
        self.settings.no_events = true;
        self
    }

    /// The socket opens, with a new compression context.
    fn open(&mut self) -> &mut Self {
        self.server = match self.settings.compression {
            Compression::ZlibStream => Server::Zlib(ZlibServer::new()),
            Compression::ZstdStream => Server::Zstd(ZstdServer::new()),
            _ => Server::Text,
        };
        self.step(Step::Open)
    }

    /// Opens, says Hello, gives the identify permit and sends READY (1).
    fn establish(&mut self) -> &mut Self {
        self.open()
            .say(&hello())
            .step(Step::IdentifyPermit)
            .say(&ready(1))
    }

    /// The server sends a message.
    fn say(&mut self, json: &str) -> &mut Self {
        let message = match &mut self.server {
            Server::Text => json.as_bytes().to_vec(),
            Server::Zlib(server) => server.send(json.as_bytes()),
            Server::Zstd(server) => server.send(json.as_bytes()),
        };
        self.steps.push(Owned::Message(message));
        self
    }

    fn step(&mut self, step: Step<'static>) -> &mut Self {
        self.steps.push(Owned::Step(step));
        self
    }

    fn encode(&self) -> Vec<u8> {
        let text = !matches!(
            self.settings.compression,
            Compression::ZlibStream | Compression::ZstdStream
        );
        let steps: Vec<_> = self
            .steps
            .iter()
            .map(|owned| match owned {
                Owned::Message(bytes) if text => Step::Text(bytes),
                Owned::Message(bytes) => Step::Binary(bytes),
                Owned::Step(step) => *step,
            })
            .collect();
        encode_shard(&self.settings, &steps)
    }
}

const HELLO: &[u8] =
    br#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["gateway-prd-1"]}}"#;

fn dispatch(i: u32) -> Vec<u8> {
    format!(
        r#"{{"t":"MESSAGE_CREATE","s":{i},"op":0,"d":{{"id":"{}","channel_id":"5","content":"message {i}"}}}}"#,
        1_000_000 + i
    )
    .into_bytes()
}

fn whole(data: &[u8]) -> Frame<'_> {
    Frame { reset: false, data }
}

/// Random bytes in random frames, from a fixed seed.
fn garbage(seed: u64) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    (0..512).map(|_| rng.next_u64().to_le_bytes()[0]).collect()
}

/// One deflate context, a sync flush per message: what Discord sends.
struct ZlibServer(Compress);

impl ZlibServer {
    fn new() -> Self {
        Self(Compress::new(flate2::Compression::default(), true))
    }

    fn send(&mut self, message: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(message.len() + 1024);
        let status = self
            .0
            .compress_vec(message, &mut out, FlushCompress::Sync)
            .expect("deflate");
        assert_eq!(status, flate2::Status::Ok);
        assert!(
            out.ends_with(&[0, 0, 0xff, 0xff]),
            "output buffer too small"
        );
        out
    }
}

/// A complete zlib stream, as payload compression sends.
fn zlib_oneshot(message: &[u8]) -> Vec<u8> {
    let mut compress = Compress::new(flate2::Compression::default(), true);
    let mut out = Vec::with_capacity(message.len() + 64);
    let status = compress
        .compress_vec(message, &mut out, FlushCompress::Finish)
        .expect("deflate");
    assert_eq!(status, flate2::Status::StreamEnd);
    out
}

/// One zstd frame per connection, flushed but never ended per message.
struct ZstdServer(Encoder<'static>);

impl ZstdServer {
    fn new() -> Self {
        Self(Encoder::new(3).expect("zstd encoder"))
    }

    fn send(&mut self, message: &[u8]) -> Vec<u8> {
        let mut out = vec![0; zstd::zstd_safe::compress_bound(message.len()) + 64];
        let mut output = OutBuffer::around(&mut out[..]);
        let mut input = InBuffer::around(message);
        while input.pos() < message.len() {
            self.0.run(&mut input, &mut output).expect("zstd");
        }
        while self.0.flush(&mut output).expect("zstd") != 0 {}
        let written = output.pos();
        out.truncate(written);
        out
    }
}
