//! The `shard_message` target: a [`Shard`] driven through arbitrary
//! conversations on a fake clock.
//!
//! The input picks the shard's configuration, then a sequence of steps, each
//! one input a driver can give a shard (a message, time passing, the socket
//! opening or closing, an identify permit, a user command, a local close,
//! backpressure). After every step the target drains
//! [`Shard::poll_output`] until [`Output::Wait`], as a driver does.
//!
//! # Input format
//!
//! ```text
//! byte 0     settings: bits 0-1 pick the compression (1 zlib-stream,
//!            2 zstd-stream, 0 and 3 none); bit 2 starts from a saved
//!            session (resume instead of identify); bit 3 decodes no event
//!            type (every dispatch takes the skip path)
//! bytes 1-8  seed of the shard's random source, little-endian
//! then       steps, each a tag byte (taken modulo 12) and its argument:
//!    0  text message: u16 length, then that many bytes (invalid UTF-8
//!       is replaced, as a WebSocket text frame is always UTF-8)
//!    1  binary message: u16 length, then that many bytes
//!    2  the clock advances by a u32 number of milliseconds; handle_timeout
//!    3  the clock advances to the last Wait deadline, if any; handle_timeout
//!    4  the transport closed: u16 close code, 0 for no close frame
//!    5  identify permit
//!    6  the WebSocket opened
//!    7  the user sends a command (Request Guild Members)
//!    8  local close, normal
//!    9  local close, resumable
//!   10  reading paused (backpressure)
//!   11  reading resumed
//! ```
//!
//! Numbers are little-endian; bytes missing at the end of the input read as
//! zero, and a length past the end takes what is left.
//!
//! # Contract checked
//!
//! Besides not panicking:
//!
//! * every drain ends in `Wait` within [`MAX_DRAIN`] outputs, and one step
//!   yields at most [`MAX_OUTPUTS_PER_STEP`];
//! * after a timeout at `now`, the next deadline (if any) is after `now`,
//!   so a driver that sleeps until it never spins;
//! * every transmitted frame is gateway JSON of at most
//!   [`MAX_COMMAND_SIZE`] bytes, and no connection sends more than 120
//!   frames other than heartbeats in any 60 seconds;
//! * no connection sends more than one Identify or Resume (Discord closes
//!   it with 4005 "already authenticated");
//! * close frames are 1000 or 4000, the only two the shard means to send;
//! * [`Shard::send`] refuses a small command only because the queue is full
//!   or the shard stopped.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use tether_gateway_proto::{
    CloseFrame, CloseKind, Compression, MAX_COMMAND_SIZE, Message, Output, SendErrorKind, Session,
    Shard, ShardConfig,
};
use tether_model::Token;
use tether_model::gateway::{Command, EventTypeFlags, Frame, Intents, OpCode, RequestGuildMembers};
use tether_model::id::GuildId;

/// Most outputs one drain may take before it must return `Wait`.
pub const MAX_DRAIN: usize = 10_000;

/// Most outputs one step may yield. The largest burst is the command queue
/// released when a session becomes ready, which the rate limiter holds to
/// under 120 frames; every other step yields a handful.
pub const MAX_OUTPUTS_PER_STEP: usize = 128;

/// Gateway URL of the configuration.
const GATEWAY: &str = "wss://gateway.fuzz.invalid";

/// Frames other than heartbeats Discord accepts per connection per
/// [`WINDOW`].
const SENDS_PER_WINDOW: usize = 120;

/// The rate limit's window.
const WINDOW: Duration = Duration::from_mins(1);

/// Ceiling for one decompressed message: small, so that a zip bomb costs
/// little time, yet above every seed message.
const MAX_MESSAGE_SIZE: usize = 1 << 20;

/// Number of step tags; a tag byte is taken modulo this.
const TAGS: u8 = 12;

/// Settings bit for a saved session.
const SAVED_SESSION: u8 = 0x04;

/// Settings bit for decoding no event type.
const NO_EVENTS: u8 = 0x08;

/// The configuration part of an input.
#[derive(Clone, Copy, Debug)]
pub struct Settings {
    /// Transport compression.
    pub compression: Compression,
    /// Start from a saved session, resuming instead of identifying.
    pub saved_session: bool,
    /// Decode no event type, so that dispatches only advance the sequence.
    pub no_events: bool,
    /// Seed of the shard's random source (heartbeat and backoff jitter).
    pub seed: u64,
}

/// One step of an input: something a driver hands the shard.
#[derive(Clone, Copy, Debug)]
pub enum Step<'a> {
    /// A text message, as bytes; invalid UTF-8 is replaced.
    Text(&'a [u8]),
    /// A binary message.
    Binary(&'a [u8]),
    /// The clock moves on by this much (whole milliseconds, at most
    /// `u32::MAX`), then `handle_timeout`.
    Advance(Duration),
    /// The clock moves on to the last `Wait` deadline, if there is one,
    /// then `handle_timeout`.
    ToDeadline,
    /// The transport closed, with this close code, or without a close
    /// frame (`None`; code 0 encodes the same).
    Close(Option<u16>),
    /// The identify queue gives its permit.
    IdentifyPermit,
    /// The WebSocket handshake finished.
    Open,
    /// The user sends a Request Guild Members command.
    Send,
    /// The user closes the shard.
    Shutdown(CloseKind),
    /// The driver stops (`true`) or resumes (`false`) reading the socket.
    Backpressure(bool),
}

/// Drives a [`Shard`] with the settings and steps in `data`.
///
/// # Panics
///
/// If the shard breaks its contract (see the module docs).
pub fn shard_message(data: &[u8]) {
    let (settings, steps) = parse(data);
    let mut shard = Shard::new(settings.config());
    let mut driver = Driver::new();
    driver.drain(&mut shard, false);
    for step in steps {
        driver.apply(&mut shard, step);
        driver.drain(
            &mut shard,
            matches!(step, Step::Advance(_) | Step::ToDeadline),
        );
    }
}

/// Builds an input in the format above, for writing seeds.
///
/// # Panics
///
/// If a message is longer than 65 535 bytes or an advance longer than
/// `u32::MAX` milliseconds.
#[must_use]
pub fn encode_shard(settings: &Settings, steps: &[Step<'_>]) -> Vec<u8> {
    let mut flags = match settings.compression {
        Compression::ZlibStream => 1,
        Compression::ZstdStream => 2,
        _ => 0,
    };
    if settings.saved_session {
        flags |= SAVED_SESSION;
    }
    if settings.no_events {
        flags |= NO_EVENTS;
    }
    let mut out = vec![flags];
    out.extend_from_slice(&settings.seed.to_le_bytes());
    for step in steps {
        match *step {
            Step::Text(bytes) => push_message(&mut out, 0, bytes),
            Step::Binary(bytes) => push_message(&mut out, 1, bytes),
            Step::Advance(by) => {
                out.push(2);
                let ms = u32::try_from(by.as_millis()).expect("a seed advance fits in u32 ms");
                out.extend_from_slice(&ms.to_le_bytes());
            }
            Step::ToDeadline => out.push(3),
            Step::Close(code) => {
                out.push(4);
                out.extend_from_slice(&code.unwrap_or(0).to_le_bytes());
            }
            Step::IdentifyPermit => out.push(5),
            Step::Open => out.push(6),
            Step::Send => out.push(7),
            Step::Shutdown(CloseKind::Normal) => out.push(8),
            Step::Shutdown(CloseKind::Resumable) => out.push(9),
            Step::Backpressure(paused) => out.push(if paused { 10 } else { 11 }),
        }
    }
    out
}

/// Appends a message step: its tag, length and bytes.
fn push_message(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).expect("a seed message is at most 65 535 bytes");
    out.push(tag);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes);
}

impl Settings {
    fn from_bits(bits: u8, seed: u64) -> Self {
        let compression = match bits & 0x03 {
            1 => Compression::ZlibStream,
            2 => Compression::ZstdStream,
            _ => Compression::None,
        };
        Self {
            compression,
            saved_session: bits & SAVED_SESSION != 0,
            no_events: bits & NO_EVENTS != 0,
            seed,
        }
    }

    fn config(self) -> ShardConfig {
        let mut config = ShardConfig::new(
            Token::new("fuzz-token"),
            Intents::GUILDS | Intents::GUILD_MESSAGES,
        )
        .gateway_url(GATEWAY)
        .compression(self.compression)
        .seed(self.seed)
        .max_message_size(MAX_MESSAGE_SIZE);
        if self.no_events {
            config = config.event_types(EventTypeFlags::NONE);
        }
        if self.saved_session {
            config = config.resume(Session {
                id: "fuzz-session".to_owned(),
                sequence: 1,
                resume_url: "wss://resume.fuzz.invalid".to_owned(),
            });
        }
        config
    }
}

/// The fake driver: the clock, the last deadline, and what the current
/// connection has sent.
struct Driver {
    now: Instant,
    deadline: Option<Instant>,
    /// Instants of the frames other than heartbeats sent on the current
    /// connection during the last [`WINDOW`], oldest first.
    recent_sends: VecDeque<Instant>,
    /// Whether the current connection sent Identify or Resume.
    authenticated: bool,
}

impl Driver {
    fn new() -> Self {
        Self {
            // The one real instant; every later one is this plus a duration.
            now: Instant::now(),
            deadline: None,
            recent_sends: VecDeque::new(),
            authenticated: false,
        }
    }

    fn apply(&mut self, shard: &mut Shard, step: Step<'_>) {
        match step {
            Step::Text(bytes) => {
                let text = String::from_utf8_lossy(bytes);
                shard.handle_message(self.now, Message::Text(&text));
            }
            Step::Binary(bytes) => shard.handle_message(self.now, Message::Binary(bytes)),
            Step::Advance(by) => {
                self.now = self.now.checked_add(by).unwrap_or(self.now);
                shard.handle_timeout(self.now);
            }
            Step::ToDeadline => {
                if let Some(deadline) = self.deadline {
                    self.now = self.now.max(deadline);
                }
                shard.handle_timeout(self.now);
            }
            Step::Close(code) => {
                let frame = code.map(|code| CloseFrame {
                    code,
                    reason: String::new(),
                });
                shard.handle_close(self.now, frame);
            }
            Step::IdentifyPermit => shard.handle_identify_permit(self.now),
            Step::Open => shard.handle_open(self.now),
            Step::Send => {
                let command = Command::RequestGuildMembers(RequestGuildMembers::query(
                    GuildId::new(1),
                    "",
                    0,
                ));
                if let Err(error) = shard.send(self.now, command) {
                    assert!(
                        matches!(
                            error.kind(),
                            SendErrorKind::QueueFull | SendErrorKind::Stopped
                        ),
                        "small command refused: {error}"
                    );
                }
            }
            Step::Shutdown(kind) => shard.close(self.now, kind),
            Step::Backpressure(paused) => shard.set_backpressure(paused),
        }
    }

    /// Drains the shard's outputs until `Wait`, checking each.
    fn drain(&mut self, shard: &mut Shard, timed_out: bool) {
        for count in 0..MAX_DRAIN {
            match shard.poll_output() {
                Output::Wait(deadline) => {
                    assert!(
                        count <= MAX_OUTPUTS_PER_STEP,
                        "one step yielded {count} outputs"
                    );
                    if let (true, Some(deadline)) = (timed_out, deadline) {
                        assert!(
                            deadline > self.now,
                            "a timeout left a deadline {:?} in the past",
                            self.now - deadline
                        );
                    }
                    self.deadline = deadline;
                    return;
                }
                Output::Connect { .. } => {
                    self.recent_sends.clear();
                    self.authenticated = false;
                }
                Output::Transmit(transmit) => self.transmitted(transmit.as_str()),
                Output::Close(frame) => assert!(
                    frame.code == 1000 || frame.code == 4000,
                    "unexpected close code {}",
                    frame.code
                ),
                Output::RequestIdentify | Output::Event(_) => {}
            }
        }
        panic!("the shard yielded {MAX_DRAIN} outputs without a Wait");
    }

    fn transmitted(&mut self, json: &str) {
        assert!(
            json.len() <= MAX_COMMAND_SIZE,
            "sent {} bytes, over Discord's limit",
            json.len()
        );
        let frame =
            Frame::parse(json).unwrap_or_else(|e| panic!("sent a frame that is not JSON: {e}"));
        match OpCode::from_u8(frame.op) {
            // Heartbeats are outside the limit the window checks.
            Some(OpCode::Heartbeat) => return,
            Some(OpCode::Identify | OpCode::Resume) => {
                assert!(
                    !self.authenticated,
                    "a second Identify or Resume on one connection"
                );
                self.authenticated = true;
            }
            _ => {}
        }
        while self
            .recent_sends
            .front()
            .is_some_and(|&sent| sent + WINDOW <= self.now)
        {
            self.recent_sends.pop_front();
        }
        self.recent_sends.push_back(self.now);
        assert!(
            self.recent_sends.len() <= SENDS_PER_WINDOW,
            "over {SENDS_PER_WINDOW} frames in {WINDOW:?} on one connection"
        );
    }
}

/// Splits an input into its settings and steps.
fn parse(data: &[u8]) -> (Settings, impl Iterator<Item = Step<'_>>) {
    let (bits, rest) = data.split_first().map_or((0, &[][..]), |(b, r)| (*b, r));
    let (seed, mut rest) = read_le::<8>(rest);
    let settings = Settings::from_bits(bits, u64::from_le_bytes(seed));
    let steps = std::iter::from_fn(move || {
        let (&tag, tail) = rest.split_first()?;
        let (step, next) = match tag % TAGS {
            tag @ (0 | 1) => {
                let (len, tail) = read_le::<2>(tail);
                let len = usize::from(u16::from_le_bytes(len)).min(tail.len());
                let (bytes, tail) = tail.split_at(len);
                let step = if tag == 0 {
                    Step::Text(bytes)
                } else {
                    Step::Binary(bytes)
                };
                (step, tail)
            }
            2 => {
                let (ms, tail) = read_le::<4>(tail);
                let ms = u64::from(u32::from_le_bytes(ms));
                (Step::Advance(Duration::from_millis(ms)), tail)
            }
            3 => (Step::ToDeadline, tail),
            4 => {
                let (code, tail) = read_le::<2>(tail);
                let code = Some(u16::from_le_bytes(code)).filter(|&code| code != 0);
                (Step::Close(code), tail)
            }
            5 => (Step::IdentifyPermit, tail),
            6 => (Step::Open, tail),
            7 => (Step::Send, tail),
            8 => (Step::Shutdown(CloseKind::Normal), tail),
            9 => (Step::Shutdown(CloseKind::Resumable), tail),
            10 => (Step::Backpressure(true), tail),
            _ => (Step::Backpressure(false), tail),
        };
        rest = next;
        Some(step)
    });
    (settings, steps)
}

/// Reads `N` bytes for a little-endian number; bytes missing at the end of
/// the input read as zero.
fn read_le<const N: usize>(data: &[u8]) -> ([u8; N], &[u8]) {
    let (head, tail) = data.split_at(N.min(data.len()));
    let mut bytes = [0; N];
    for (to, from) in bytes.iter_mut().zip(head) {
        *to = *from;
    }
    (bytes, tail)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tether_gateway_proto::{CloseKind, Compression};

    use super::{Settings, Step, encode_shard, parse, shard_message};

    fn debug(steps: impl IntoIterator<Item = Step<'static>>) -> Vec<String> {
        steps.into_iter().map(|s| format!("{s:?}")).collect()
    }

    #[test]
    fn encode_and_parse_round_trip() {
        let steps = [
            Step::Text(br#"{"op":11}"#),
            Step::Binary(&[0, 1, 2]),
            Step::Advance(Duration::from_millis(41_250)),
            Step::ToDeadline,
            Step::Close(Some(4009)),
            Step::Close(None),
            Step::IdentifyPermit,
            Step::Open,
            Step::Send,
            Step::Shutdown(CloseKind::Normal),
            Step::Shutdown(CloseKind::Resumable),
            Step::Backpressure(true),
            Step::Backpressure(false),
        ];
        let settings = Settings {
            compression: Compression::ZstdStream,
            saved_session: true,
            no_events: false,
            seed: 0x0123_4567_89ab_cdef,
        };
        let input = encode_shard(&settings, &steps);
        let (parsed, parsed_steps) = parse(&input);
        assert_eq!(format!("{parsed:?}"), format!("{settings:?}"));
        let parsed_steps: Vec<_> = parsed_steps.map(|s| format!("{s:?}")).collect();
        assert_eq!(parsed_steps, debug(steps));
    }

    #[test]
    fn short_and_empty_inputs_parse() {
        assert_eq!(parse(&[]).1.count(), 0);
        assert_eq!(parse(&[1, 2, 3]).0.seed, 0x0302);
        // A length past the end takes what is left; a short number is
        // zero-extended.
        let (_, steps) = parse(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 12, 1, 0, b'x', 4, 0x0f]);
        let steps: Vec<_> = steps.map(|s| format!("{s:?}")).collect();
        assert_eq!(steps, debug([Step::Text(b"x"), Step::Close(Some(15))]));
        let (_, steps) = parse(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 9, 0, b'y']);
        let steps: Vec<_> = steps.map(|s| format!("{s:?}")).collect();
        assert_eq!(steps, debug([Step::Binary(b"y")]));
        shard_message(&[]);
    }
}
