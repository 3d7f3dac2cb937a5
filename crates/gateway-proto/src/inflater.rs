//! Transport decompression: `zlib-stream`, `zstd-stream` and payload
//! compression, with a hard ceiling on message size.
//!
//! The gateway URL's `compress` query parameter picks a transport
//! compression for the whole connection ([`Compression`]); [`Inflater`] turns
//! the binary WebSocket messages that arrive into JSON text. See
//! [Discord Docs/Gateway] "Encoding and Compression".
//!
//! # zlib-stream
//!
//! The server runs **one deflate stream per connection** (RFC 1950 zlib
//! framing: a two-byte header, then deflate data) and compresses every
//! gateway message into it. Later messages refer back to earlier ones (the
//! deflate window is 32 KiB), so the client keeps one inflate context for the
//! connection and must feed it every byte, in order.
//!
//! After each message the server performs a deflate *sync flush*, which ends
//! the current block and appends an empty *stored* block: three header bits,
//! padding to a byte boundary, then `LEN = 0x0000` and its one's complement
//! `NLEN = 0xffff`. Every complete message therefore ends with the four bytes
//! **`00 00 ff ff`**, and at that point the decoder holds no partial
//! output. A message may still span several WebSocket messages, so the
//! inflater appends each to a buffer and only inflates once the buffer ends
//! with `00 00 ff ff` after a frame was received. Compressed data may contain
//! those four bytes elsewhere too, so the check is only made at frame ends,
//! as the docs prescribe: Discord never ends a frame there mid-message.
//!
//! # zstd-stream
//!
//! The server runs **one zstd frame for the whole connection** and, after
//! each message, flushes it (`ZSTD_e_flush`): the pending block is closed
//! and emitted, but the frame is not ended, so the decompression window
//! carries over to the next message and the frame magic `28 b5 2f fd` is
//! only seen at the start of the connection. Each WebSocket message holds
//! exactly one gateway message. Because the frame never ends,
//! `ZSTD_decompressStream` never reports completion; a message is complete
//! once all of its input is consumed and the decoder stopped with room to
//! spare in the output buffer (so it has nothing left to flush).
//!
//! # Payload compression
//!
//! With [`Compression::None`], Discord may still compress individual large
//! payloads when Identify asked for it (`compress: true`): such a binary
//! message is a complete, independent zlib stream (header, deflate data,
//! Adler-32 trailer). The inflater recognises the RFC 1950 header (first byte
//! usually `0x78`) and inflates it with a freshly reset context; any other
//! binary message is passed through as UTF-8 text.
//!
//! # Bounded memory
//!
//! Nothing the server sends can make the inflater allocate without bound:
//!
//! - decompressed output goes to one buffer, reused across messages and
//!   grown on demand up to `max_message_size`; inflating stops as soon as a
//!   message would pass the ceiling (the "zip bomb" case) and reports
//!   [`InflateErrorKind::TooLarge`];
//! - buffered compressed input (a zlib message spread over frames) is held
//!   to the same ceiling;
//! - the zlib context is a fixed 32 KiB window; the zstd window is whatever
//!   the frame header declares, up to libzstd's default limit of 128 MiB
//!   (window log 27).
//!
//! The inflater never panics on input: corrupt data is
//! [`InflateErrorKind::Corrupt`], and text that is not UTF-8 is
//! [`InflateErrorKind::Utf8`]. Either way the connection's stream is then
//! unusable, so the shard closes the connection and [`Inflater::reset`]s the
//! inflater for the next one.
//!
//! [Discord Docs/Gateway]: https://discord.com/developers/docs/events/gateway#encoding-and-compression

use std::error::Error;
use std::fmt;

use flate2::{Decompress, FlushDecompress, Status};
use zstd::zstd_safe::{self, DCtx, InBuffer, OutBuffer, ResetDirective};

/// Which transport compression a connection uses, chosen at run time.
///
/// The default is [`ZlibStream`](Self::ZlibStream), which every Discord
/// gateway supports.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum Compression {
    /// No transport compression: JSON arrives in text messages, and binary
    /// messages carry either plain text or a payload-compressed zlib stream.
    None,
    /// `compress=zlib-stream`: one zlib stream per connection, each message
    /// ending in a sync flush (`00 00 ff ff`).
    #[default]
    ZlibStream,
    /// `compress=zstd-stream`: one never-ending zstd frame per connection,
    /// flushed after each message.
    ZstdStream,
}

impl Compression {
    /// Returns the value of the gateway URL's `compress` query parameter, or
    /// `None` when the parameter should be left out.
    ///
    /// # Examples
    ///
    /// ```
    /// use tether_gateway_proto::Compression;
    ///
    /// assert_eq!(Compression::ZstdStream.query_value(), Some("zstd-stream"));
    /// assert_eq!(Compression::None.query_value(), None);
    /// ```
    pub const fn query_value(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::ZlibStream => Some("zlib-stream"),
            Self::ZstdStream => Some("zstd-stream"),
        }
    }
}

/// Decompresses one connection's binary gateway messages into JSON text.
///
/// Create one per shard with the connection's [`Compression`] and call
/// [`reset`](Self::reset) whenever a new WebSocket connection starts
/// (including a resume): every compression context is per connection. Feed
/// it every *binary* message with [`push`](Self::push); text messages are
/// already JSON and bypass it.
///
/// - **zlib-stream**: one inflate context per connection; frames are buffered
///   until one ends with the sync-flush marker `00 00 ff ff`, then the buffer
///   is inflated as one message.
/// - **zstd-stream**: one decompression context per connection, whose frame
///   never ends; every WebSocket message is one gateway message.
/// - **[`Compression::None`]**: a binary message that starts with a zlib
///   header is an independently compressed payload and is inflated on its
///   own; any other is passed through as text.
///
/// Decompressed text goes to one buffer reused across messages, which grows
/// up to `max_message_size` and never beyond: inflating stops as soon as a
/// message would exceed it.
///
/// # Examples
///
/// ```
/// use tether_gateway_proto::{InflateErrorKind, Inflater};
///
/// let mut inflater = Inflater::zlib_stream(4 << 20);
/// // A zlib-stream message ends with a sync flush (`00 00 ff ff`).
/// let hello = [
///     0x78, 0x9c, 0xaa, 0x56, 0xca, 0x2f, 0x50, 0xb2, 0x32, 0x34, 0xa8, 0x05,
///     0x00, 0x00, 0x00, 0xff, 0xff,
/// ];
/// // Split over two WebSocket messages: nothing comes out of the first.
/// assert_eq!(inflater.push(&hello[..5])?, None);
/// assert_eq!(inflater.push(&hello[5..])?, Some(r#"{"op":10}"#));
///
/// // Garbage is an error, never a panic; reset before the next connection.
/// let err = inflater.push(&[1, 2, 3, 0, 0, 0xff, 0xff]).unwrap_err();
/// assert_eq!(err.kind(), InflateErrorKind::Corrupt);
/// inflater.reset();
/// # Ok::<(), tether_gateway_proto::InflateError>(())
/// ```
pub struct Inflater {
    codec: Codec,
    /// Compressed bytes of a zlib-stream message whose last frame has not
    /// arrived yet.
    pending: Vec<u8>,
    /// Decompressed text of the latest message; reused so that steady-state
    /// decoding does not allocate.
    output: Vec<u8>,
    max_message_size: usize,
    /// Kind of the error that broke the stream, until the next reset.
    poisoned: Option<InflateErrorKind>,
    compressed_bytes: u64,
    decompressed_bytes: u64,
}

/// The per-connection decompression context.
enum Codec {
    /// Payload compression only. The context is created on the first
    /// compressed payload, which many connections never see.
    None {
        payload: Option<Decompress>,
    },
    /// The stream is inflated as raw deflate after its two-byte zlib
    /// header: the Adler-32 trailer is only checked when a stream ends,
    /// which a gateway stream never does, so computing the running
    /// checksum over every byte would be wasted work.
    ZlibStream {
        raw: Decompress,
        header_pending: bool,
    },
    ZstdStream(DCtx<'static>),
}

impl Inflater {
    /// Creates an inflater for `compression` that refuses messages larger
    /// than `max_message_size` bytes (decompressed), and compressed input
    /// buffered beyond that size.
    pub fn new(compression: Compression, max_message_size: usize) -> Self {
        let codec = match compression {
            Compression::None => Codec::None { payload: None },
            Compression::ZlibStream => Codec::ZlibStream {
                raw: Decompress::new(false),
                header_pending: true,
            },
            Compression::ZstdStream => Codec::ZstdStream(DCtx::create()),
        };
        Self {
            codec,
            pending: Vec::new(),
            output: Vec::new(),
            max_message_size,
            poisoned: None,
            compressed_bytes: 0,
            decompressed_bytes: 0,
        }
    }

    /// Creates an inflater for `compress=zlib-stream`; see [`new`](Self::new).
    pub fn zlib_stream(max_message_size: usize) -> Self {
        Self::new(Compression::ZlibStream, max_message_size)
    }

    /// Creates an inflater for `compress=zstd-stream`; see [`new`](Self::new).
    pub fn zstd_stream(max_message_size: usize) -> Self {
        Self::new(Compression::ZstdStream, max_message_size)
    }

    /// Feeds one binary WebSocket message and returns the gateway message it
    /// completes, if any.
    ///
    /// Returns `Ok(None)` while a zlib-stream message is still incomplete
    /// (its buffered bytes do not end with `00 00 ff ff` yet). With zstd-stream and
    /// with [`Compression::None`] every frame is a whole message. The text
    /// borrows the inflater's reused buffer, so it is valid until the next
    /// call.
    ///
    /// # Errors
    ///
    /// - [`InflateErrorKind::Corrupt`] if the data is not valid for the
    ///   compression (including truncated payload-compressed messages);
    /// - [`InflateErrorKind::TooLarge`] if the message would exceed
    ///   `max_message_size` bytes, or its buffered compressed input would;
    /// - [`InflateErrorKind::Utf8`] if the message is not UTF-8.
    ///
    /// After an error the connection's stream cannot be decoded any further:
    /// every later call returns an error of the same kind until
    /// [`reset`](Self::reset) is called for a new connection.
    pub fn push(&mut self, frame: &[u8]) -> Result<Option<&str>, InflateError> {
        self.compressed_bytes = self.compressed_bytes.saturating_add(len_u64(frame.len()));
        if let Some(kind) = self.poisoned {
            return Err(InflateError { kind, source: None });
        }
        // Borrowing the fields separately lets the error path record the
        // failure while the returned text borrows `output`.
        let Self {
            codec,
            pending,
            output,
            max_message_size,
            poisoned,
            decompressed_bytes,
            ..
        } = self;
        let result = decode(codec, pending, output, *max_message_size, frame).and_then(|bytes| {
            bytes
                .map(|bytes| std::str::from_utf8(bytes).map_err(InflateError::utf8))
                .transpose()
        });
        match &result {
            Ok(Some(text)) => {
                *decompressed_bytes = decompressed_bytes.saturating_add(len_u64(text.len()));
            }
            Ok(None) => {}
            Err(error) => *poisoned = Some(error.kind),
        }
        result
    }

    /// Prepares for a new connection: fresh compression context, empty
    /// buffers, errors forgotten.
    ///
    /// Allocated buffer capacity and the byte counters are kept.
    pub fn reset(&mut self) {
        match &mut self.codec {
            // Payload contexts are reset before each payload anyway.
            Codec::None { .. } => {}
            Codec::ZlibStream {
                raw,
                header_pending,
            } => {
                raw.reset(false);
                *header_pending = true;
            }
            Codec::ZstdStream(zstd) => {
                // A session-only reset cannot fail; should libzstd disagree,
                // a new context is just as fresh.
                if zstd.reset(ResetDirective::SessionOnly).is_err() {
                    *zstd = DCtx::create();
                }
            }
        }
        self.pending.clear();
        self.output.clear();
        self.poisoned = None;
    }

    /// Returns the compression this inflater decodes.
    pub fn compression(&self) -> Compression {
        match self.codec {
            Codec::None { .. } => Compression::None,
            Codec::ZlibStream { .. } => Compression::ZlibStream,
            Codec::ZstdStream(_) => Compression::ZstdStream,
        }
    }

    /// Returns the total size of all frames passed to [`push`](Self::push)
    /// since creation (resets included).
    ///
    /// Together with [`decompressed_bytes`](Self::decompressed_bytes) this
    /// gives the compression ratio.
    pub fn compressed_bytes(&self) -> u64 {
        self.compressed_bytes
    }

    /// Returns the total size of all messages returned by
    /// [`push`](Self::push) since creation (resets included).
    pub fn decompressed_bytes(&self) -> u64 {
        self.decompressed_bytes
    }

    /// Returns the capacity of the reused output buffer.
    #[cfg(test)]
    fn output_capacity(&self) -> usize {
        self.output.capacity()
    }
}

impl fmt::Debug for Inflater {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inflater")
            .field("compression", &self.compression())
            .field("max_message_size", &self.max_message_size)
            .field("pending", &self.pending.len())
            .field("poisoned", &self.poisoned)
            .field("compressed_bytes", &self.compressed_bytes)
            .field("decompressed_bytes", &self.decompressed_bytes)
            .finish_non_exhaustive()
    }
}

/// An error decoding a compressed gateway message.
///
/// The message wording is unspecified and may change; branch on
/// [`kind`](Self::kind) instead.
#[derive(Debug)]
pub struct InflateError {
    kind: InflateErrorKind,
    source: Option<Box<dyn Error + Send + Sync>>,
}

impl InflateError {
    /// Returns what went wrong.
    pub fn kind(&self) -> InflateErrorKind {
        self.kind
    }

    fn corrupt(source: impl Into<Box<dyn Error + Send + Sync>>) -> Self {
        Self {
            kind: InflateErrorKind::Corrupt,
            source: Some(source.into()),
        }
    }

    fn too_large(limit: usize) -> Self {
        Self {
            kind: InflateErrorKind::TooLarge { limit },
            source: None,
        }
    }

    fn utf8(source: std::str::Utf8Error) -> Self {
        Self {
            kind: InflateErrorKind::Utf8,
            source: Some(Box::new(source)),
        }
    }
}

impl fmt::Display for InflateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            InflateErrorKind::Corrupt => f.write_str("compressed gateway message is corrupt"),
            InflateErrorKind::TooLarge { limit } => {
                write!(f, "gateway message is larger than the {limit} byte limit")
            }
            InflateErrorKind::Utf8 => f.write_str("gateway message is not valid utf-8"),
        }
    }
}

impl Error for InflateError {
    fn source(&self) -> Option<&(dyn Error + 'static)> {
        self.source
            .as_deref()
            .map(|source| source as &(dyn Error + 'static))
    }
}

const _: fn() = || {
    fn assert<T: Send + Sync + 'static + Error>() {}
    // The shard, and with it the inflater, moves between threads.
    fn assert_send<T: Send>() {}
    assert::<InflateError>();
    assert_send::<Inflater>();
};

/// The kind of an [`InflateError`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum InflateErrorKind {
    /// The compressed data is invalid or truncated.
    Corrupt,
    /// The message, or its buffered compressed input, exceeds the ceiling.
    TooLarge {
        /// Configured `max_message_size`, in bytes.
        limit: usize,
    },
    /// The decompressed message is not UTF-8 text.
    Utf8,
}

/// Tail of every zlib-stream message: the empty stored block of a sync flush.
const SYNC_FLUSH: [u8; 4] = [0x00, 0x00, 0xff, 0xff];

/// Smallest allocation for a buffer that has to grow; most gateway messages
/// fit in it.
const MIN_BUFFER: usize = 8 * 1024;

/// Decodes `frame`, returning the complete message's bytes if there is one.
fn decode<'o>(
    codec: &mut Codec,
    pending: &mut Vec<u8>,
    output: &'o mut Vec<u8>,
    max: usize,
    frame: &[u8],
) -> Result<Option<&'o [u8]>, InflateError> {
    match codec {
        Codec::None { payload } => {
            if frame.len() > max {
                return Err(InflateError::too_large(max));
            }
            output.clear();
            if is_zlib_header(frame) {
                let zlib = payload.get_or_insert_with(|| Decompress::new(true));
                zlib.reset(true);
                let mut stream = Stream::Zlib(zlib, FlushDecompress::None);
                drain(&mut stream, frame, output, max, Until::StreamEnd)?;
            } else {
                // Rare (Discord sends plain JSON as text), so a copy is
                // cheaper than a second lifetime in `push`'s signature.
                reserve_within(output, frame.len(), max);
                output.extend_from_slice(frame);
            }
        }
        Codec::ZlibStream {
            raw,
            header_pending,
        } => {
            if pending.len().saturating_add(frame.len()) > max {
                return Err(InflateError::too_large(max));
            }
            // The common case, a whole message in one frame, skips the copy.
            let input = if pending.is_empty() && frame.ends_with(&SYNC_FLUSH) {
                frame
            } else {
                reserve_within(pending, pending.len() + frame.len(), max);
                pending.extend_from_slice(frame);
                // Checking the buffer rather than the frame also catches a
                // marker split across tiny frames.
                if !pending.ends_with(&SYNC_FLUSH) {
                    return Ok(None);
                }
                pending.as_slice()
            };
            let input = if *header_pending {
                if !is_zlib_header(input) {
                    pending.clear();
                    return Err(InflateError::corrupt("zlib-stream without a zlib header"));
                }
                *header_pending = false;
                input.get(2..).unwrap_or_default()
            } else {
                input
            };
            output.clear();
            let mut stream = Stream::Zlib(raw, FlushDecompress::Sync);
            let drained = drain(&mut stream, input, output, max, Until::Flushed);
            pending.clear();
            drained?;
        }
        Codec::ZstdStream(zstd) => {
            if frame.len() > max {
                return Err(InflateError::too_large(max));
            }
            output.clear();
            drain(&mut Stream::Zstd(zstd), frame, output, max, Until::Flushed)?;
        }
    }
    Ok(Some(output))
}

/// A decompression context borrowed for one message.
enum Stream<'c> {
    Zlib(&'c mut Decompress, FlushDecompress),
    Zstd(&'c mut DCtx<'static>),
}

/// Where a [`Stream::step`] writes.
enum Sink<'o> {
    /// The spare capacity of the output buffer.
    Output(&'o mut Vec<u8>),
    /// A single byte, to learn whether a message at the ceiling goes on.
    Probe(&'o mut [u8; 1]),
}

/// What one decompression call did.
struct Step {
    consumed: usize,
    produced: usize,
    /// The stream's end marker was reached (zlib only: the zstd frame of a
    /// connection is not supposed to end, and if it does a new one may
    /// follow).
    ended: bool,
}

/// When a message is complete.
#[derive(Clone, Copy)]
enum Until {
    /// All input consumed and everything flushed (the streaming modes).
    Flushed,
    /// The stream's end marker reached (payload compression).
    StreamEnd,
}

impl Stream<'_> {
    fn step(&mut self, input: &[u8], sink: Sink<'_>) -> Result<Step, InflateError> {
        match self {
            Self::Zlib(zlib, flush) => {
                let (in_before, out_before) = (zlib.total_in(), zlib.total_out());
                let status = match sink {
                    Sink::Output(output) => zlib.decompress_vec(input, output, *flush),
                    Sink::Probe(probe) => zlib.decompress(input, probe, *flush),
                }
                .map_err(InflateError::corrupt)?;
                Ok(Step {
                    consumed: delta(in_before, zlib.total_in()),
                    produced: delta(out_before, zlib.total_out()),
                    ended: status == Status::StreamEnd,
                })
            }
            Self::Zstd(zstd) => {
                let mut input = InBuffer::around(input);
                let produced = match sink {
                    Sink::Output(output) => {
                        let start = output.len();
                        let mut buffer = OutBuffer::around_pos(output, start);
                        zstd.decompress_stream(&mut buffer, &mut input)
                            .map_err(zstd_error)?;
                        buffer.pos() - start
                    }
                    Sink::Probe(probe) => {
                        let mut buffer = OutBuffer::around(probe);
                        zstd.decompress_stream(&mut buffer, &mut input)
                            .map_err(zstd_error)?;
                        buffer.pos()
                    }
                };
                Ok(Step {
                    consumed: input.pos(),
                    produced,
                    ended: false,
                })
            }
        }
    }
}

/// Decompresses all of `input` into `output`, growing it up to `max` bytes.
fn drain(
    stream: &mut Stream<'_>,
    input: &[u8],
    output: &mut Vec<u8>,
    max: usize,
    until: Until,
) -> Result<(), InflateError> {
    let mut rest = input;
    loop {
        if output.len() == output.capacity() && output.len() < max {
            reserve_within(output, output.len() + 1, max);
        }
        let (step, overflow) = if output.len() < output.capacity() {
            let step = stream.step(rest, Sink::Output(output))?;
            (step, output.len() > max)
        } else {
            // Full at the ceiling: the message fits only if the decoder has
            // nothing more to give, and one byte of stack tells us that
            // without allocating past the ceiling.
            let mut probe = [0];
            let step = stream.step(rest, Sink::Probe(&mut probe))?;
            let overflow = step.produced > 0;
            (step, overflow)
        };
        if overflow {
            return Err(InflateError::too_large(max));
        }
        rest = rest.get(step.consumed..).unwrap_or_default();
        // Stopping with room left in the output means the decoder has
        // written everything it can from the input it was given.
        let idle = step.produced == 0 || output.len() < output.capacity();
        if step.ended {
            return if rest.is_empty() {
                Ok(())
            } else {
                Err(InflateError::corrupt(
                    "data after the end of the zlib stream",
                ))
            };
        }
        if idle && rest.is_empty() {
            return match until {
                Until::Flushed => Ok(()),
                Until::StreamEnd => Err(InflateError::corrupt("truncated zlib stream")),
            };
        }
        // Every other iteration consumed input or produced output (bounded
        // by the ceiling), so the loop ends.
        if idle && step.consumed == 0 {
            return Err(InflateError::corrupt("decoder made no progress"));
        }
    }
}

/// Returns whether `frame` starts with an RFC 1950 zlib header: deflate
/// method, a window of at most 32 KiB, no preset dictionary, valid check
/// bits. JSON text starts with `{`, so it never matches.
fn is_zlib_header(frame: &[u8]) -> bool {
    let [cmf, flg, ..] = *frame else {
        return false;
    };
    let deflate = cmf & 0x0f == 8 && cmf >> 4 <= 7;
    let no_dictionary = flg & 0x20 == 0;
    deflate && no_dictionary && (u16::from(cmf) << 8 | u16::from(flg)) % 31 == 0
}

/// Makes room for `needed` bytes in `buffer`, growing geometrically but never
/// to a capacity above `max` (`needed` must not exceed it).
fn reserve_within(buffer: &mut Vec<u8>, needed: usize, max: usize) {
    if needed <= buffer.capacity() {
        return;
    }
    let target = needed
        .max(buffer.capacity().saturating_mul(2))
        .max(MIN_BUFFER)
        .min(max);
    buffer.reserve_exact(target.saturating_sub(buffer.len()));
}

/// Returns `after - before` for a decoder's byte counters.
fn delta(before: u64, after: u64) -> usize {
    // A single call moves at most the length of an in-memory slice.
    usize::try_from(after.saturating_sub(before)).unwrap_or(usize::MAX)
}

fn len_u64(len: usize) -> u64 {
    u64::try_from(len).unwrap_or(u64::MAX)
}

fn zstd_error(code: zstd_safe::ErrorCode) -> InflateError {
    InflateError::corrupt(zstd_safe::get_error_name(code))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::error::Error as _;

    use flate2::{Compress, FlushCompress};
    use proptest::prelude::*;
    use zstd::stream::raw::{Encoder, InBuffer, Operation, OutBuffer};

    use super::{Compression, InflateErrorKind, Inflater, SYNC_FLUSH};

    const MAX: usize = 1 << 20;

    /// A server-side zlib-stream: one deflate context, sync flush per message.
    struct ZlibServer(Compress);

    impl ZlibServer {
        fn new() -> Self {
            Self(Compress::new(flate2::Compression::default(), true))
        }

        fn send(&mut self, message: &[u8]) -> Vec<u8> {
            let start = self.0.total_in();
            let mut out = Vec::with_capacity(64);
            loop {
                let consumed = usize::try_from(self.0.total_in() - start).unwrap();
                out.reserve(message.len() / 2 + 64);
                self.0
                    .compress_vec(&message[consumed..], &mut out, FlushCompress::Sync)
                    .unwrap();
                let done = usize::try_from(self.0.total_in() - start).unwrap() == message.len();
                if done && out.len() < out.capacity() {
                    break;
                }
            }
            assert!(out.ends_with(&SYNC_FLUSH));
            out
        }
    }

    /// A complete, independent zlib stream (payload compression).
    fn zlib_oneshot(message: &[u8]) -> Vec<u8> {
        let mut compress = Compress::new(flate2::Compression::default(), true);
        let mut out = Vec::with_capacity(message.len() + 64);
        let status = compress
            .compress_vec(message, &mut out, FlushCompress::Finish)
            .unwrap();
        assert_eq!(status, flate2::Status::StreamEnd);
        out
    }

    /// A server-side zstd-stream: one frame, flushed (never ended) per message.
    struct ZstdServer(Encoder<'static>);

    impl ZstdServer {
        fn new() -> Self {
            Self(Encoder::new(3).unwrap())
        }

        fn send(&mut self, message: &[u8]) -> Vec<u8> {
            let mut out = vec![0; zstd::zstd_safe::compress_bound(message.len()) + 64];
            let mut output = OutBuffer::around(&mut out[..]);
            let mut input = InBuffer::around(message);
            while input.pos() < message.len() {
                self.0.run(&mut input, &mut output).unwrap();
            }
            while self.0.flush(&mut output).unwrap() != 0 {}
            let written = output.pos();
            out.truncate(written);
            out
        }
    }

    /// Gateway-like messages, repetitive across messages so that the shared
    /// context matters.
    fn dispatch(i: usize) -> String {
        format!(
            r#"{{"op":0,"s":{i},"t":"MESSAGE_CREATE","d":{{"id":"{}","content":"hello number {i}","channel_id":"1234567890"}}}}"#,
            1_000_000 + i * 7
        )
    }

    #[test]
    fn compression_query_values_and_default() {
        assert_eq!(Compression::default(), Compression::ZlibStream);
        assert_eq!(Compression::ZlibStream.query_value(), Some("zlib-stream"));
        assert_eq!(Compression::ZstdStream.query_value(), Some("zstd-stream"));
        assert_eq!(Compression::None.query_value(), None);
        for compression in [
            Compression::None,
            Compression::ZlibStream,
            Compression::ZstdStream,
        ] {
            assert_eq!(Inflater::new(compression, MAX).compression(), compression);
        }
    }

    #[test]
    fn zlib_message_split_at_every_point() {
        let text = dispatch(1).repeat(20);
        let compressed = ZlibServer::new().send(text.as_bytes());
        for split in 0..=compressed.len() {
            let (a, b) = compressed.split_at(split);
            let mut inflater = Inflater::zlib_stream(MAX);
            if split < compressed.len() && a.ends_with(&SYNC_FLUSH) {
                continue; // The server would not split here: see module docs.
            }
            let first = inflater.push(a).unwrap().map(str::to_owned);
            if split == compressed.len() {
                assert_eq!(first.as_deref(), Some(text.as_str()));
                assert_eq!(inflater.push(b).unwrap(), None);
            } else {
                assert_eq!(first, None, "split at {split}");
                assert_eq!(
                    inflater.push(b).unwrap(),
                    Some(text.as_str()),
                    "split at {split}"
                );
            }
        }
    }

    #[test]
    fn zlib_message_in_one_byte_frames() {
        let mut server = ZlibServer::new();
        let mut inflater = Inflater::zlib_stream(MAX);
        for i in 0..3 {
            let text = dispatch(i);
            let compressed = server.send(text.as_bytes());
            let (last, init) = compressed.split_last().unwrap();
            for byte in init {
                assert_eq!(inflater.push(&[*byte]).unwrap(), None);
            }
            assert_eq!(inflater.push(&[*last]).unwrap(), Some(text.as_str()));
        }
    }

    #[test]
    fn zlib_messages_share_one_context() {
        let mut server = ZlibServer::new();
        let mut inflater = Inflater::zlib_stream(MAX);
        let frames: Vec<_> = (0..200)
            .map(|i| server.send(dispatch(i).as_bytes()))
            .collect();
        // Back-references into earlier messages make later ones tiny, and
        // undecodable on their own.
        assert!(frames[100].len() * 3 < dispatch(100).len());
        assert!(Inflater::zlib_stream(MAX).push(&frames[100]).is_err());
        for (i, frame) in frames.iter().enumerate() {
            assert_eq!(inflater.push(frame).unwrap(), Some(dispatch(i).as_str()));
        }
        let compressed: usize = frames.iter().map(Vec::len).sum();
        let decompressed: usize = (0..200).map(|i| dispatch(i).len()).sum();
        assert_eq!(inflater.compressed_bytes(), compressed as u64);
        assert_eq!(inflater.decompressed_bytes(), decompressed as u64);
    }

    #[test]
    fn zstd_stream_of_many_messages() {
        let mut server = ZstdServer::new();
        let mut inflater = Inflater::zstd_stream(MAX);
        for i in 0..200 {
            let text = dispatch(i);
            let frame = server.send(text.as_bytes());
            // Only the first message carries the frame magic.
            assert_eq!(frame.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]), i == 0);
            assert_eq!(inflater.push(&frame).unwrap(), Some(text.as_str()));
        }
    }

    #[test]
    fn zstd_message_larger_than_the_initial_buffer() {
        let mut server = ZstdServer::new();
        let mut inflater = Inflater::zstd_stream(MAX);
        let text: String = (0..2000).map(dispatch).collect();
        assert!(text.len() > 200_000);
        let frame = server.send(text.as_bytes());
        assert_eq!(inflater.push(&frame).unwrap(), Some(text.as_str()));
    }

    #[test]
    fn corrupt_zlib_stream_is_an_error_until_reset() {
        let mut inflater = Inflater::zlib_stream(MAX);
        let err = inflater.push(b"not zlib at all\0\0\xff\xff").unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::Corrupt);
        assert!(err.source().is_some());
        // The stream is broken: valid data is refused until a reset.
        let frame = ZlibServer::new().send(b"{}");
        let again = inflater.push(&frame).unwrap_err();
        assert_eq!(again.kind(), InflateErrorKind::Corrupt);
        inflater.reset();
        assert_eq!(inflater.push(&frame).unwrap(), Some("{}"));
    }

    #[test]
    fn corrupt_data_mid_stream_is_an_error() {
        let mut server = ZlibServer::new();
        let mut inflater = Inflater::zlib_stream(MAX);
        inflater.push(&server.send(dispatch(0).as_bytes())).unwrap();
        let mut frame = server.send(dispatch(1).as_bytes());
        // An invalid block type (0b11) right at the start of the message.
        frame[0] |= 0b110;
        assert_eq!(
            inflater.push(&frame).unwrap_err().kind(),
            InflateErrorKind::Corrupt
        );
    }

    #[test]
    fn corrupt_zstd_is_an_error() {
        let mut inflater = Inflater::zstd_stream(MAX);
        let err = inflater.push(b"\x28\xb5\x2f\xfd garbage").unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::Corrupt);
        assert!(err.source().is_some());
        let mut inflater = Inflater::zstd_stream(MAX);
        assert_eq!(
            inflater.push(b"no magic").unwrap_err().kind(),
            InflateErrorKind::Corrupt
        );
        // Reset recovers the context.
        inflater.reset();
        let frame = ZstdServer::new().send(b"{}");
        assert_eq!(inflater.push(&frame).unwrap(), Some("{}"));
    }

    #[test]
    fn truncated_zlib_message_stays_buffered_and_reset_drops_it() {
        let mut server = ZlibServer::new();
        let mut inflater = Inflater::zlib_stream(MAX);
        let frame = server.send(dispatch(0).as_bytes());
        // The frame with the sync flush never arrives.
        assert_eq!(inflater.push(&frame[..frame.len() - 4]).unwrap(), None);
        inflater.reset();
        let text = r#"{"op":10}"#;
        let fresh = ZlibServer::new().send(text.as_bytes());
        assert_eq!(inflater.push(&fresh).unwrap(), Some(text));
    }

    #[test]
    fn truncated_payload_compression_is_corrupt() {
        let compressed = zlib_oneshot(dispatch(0).as_bytes());
        for cut in [2, compressed.len() / 2, compressed.len() - 1] {
            let mut inflater = Inflater::new(Compression::None, MAX);
            let err = inflater.push(&compressed[..cut]).unwrap_err();
            assert_eq!(err.kind(), InflateErrorKind::Corrupt, "cut at {cut}");
        }
    }

    #[test]
    fn truncated_zstd_message_does_not_panic() {
        // The zstd frame never ends, so truncation at a block boundary is
        // indistinguishable from a shorter message; what matters is that it
        // is not mistaken for the original and nothing panics.
        let mut server = ZstdServer::new();
        let text = dispatch(0).repeat(50);
        let frame = server.send(text.as_bytes());
        for cut in 0..frame.len() {
            let mut inflater = Inflater::zstd_stream(MAX);
            if let Ok(Some(out)) = inflater.push(&frame[..cut]) {
                assert_ne!(out, text);
            }
        }
    }

    #[test]
    fn zlib_bomb_stops_at_the_ceiling() {
        let limit = 64 * 1024;
        let spaces = vec![b' '; 2 * 1024 * 1024];
        let frame = ZlibServer::new().send(&spaces);
        assert!(frame.len() < limit);
        let mut inflater = Inflater::zlib_stream(limit);
        let err = inflater.push(&frame).unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::TooLarge { limit });
        assert!(inflater.output_capacity() <= limit);
        assert_eq!(
            err.to_string(),
            "gateway message is larger than the 65536 byte limit"
        );
    }

    #[test]
    fn zstd_bomb_stops_at_the_ceiling() {
        let limit = 64 * 1024;
        let frame = ZstdServer::new().send(&vec![b' '; 2 * 1024 * 1024]);
        let mut inflater = Inflater::zstd_stream(limit);
        let err = inflater.push(&frame).unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::TooLarge { limit });
        assert!(inflater.output_capacity() <= limit);
    }

    #[test]
    fn message_of_exactly_the_ceiling_fits_and_one_more_byte_does_not() {
        for size in [100, 8 * 1024, 8 * 1024 + 1, 50_000] {
            let exact = "x".repeat(size);
            let over = "x".repeat(size + 1);
            for compression in [Compression::ZlibStream, Compression::ZstdStream] {
                let (fits, too_big) = if compression == Compression::ZstdStream {
                    let mut server = ZstdServer::new();
                    (server.send(exact.as_bytes()), server.send(over.as_bytes()))
                } else {
                    let mut server = ZlibServer::new();
                    (server.send(exact.as_bytes()), server.send(over.as_bytes()))
                };
                let mut inflater = Inflater::new(compression, size);
                assert_eq!(inflater.push(&fits).unwrap(), Some(exact.as_str()));
                assert_eq!(
                    inflater.push(&too_big).unwrap_err().kind(),
                    InflateErrorKind::TooLarge { limit: size },
                    "{compression:?} {size}"
                );
                assert!(inflater.output_capacity() <= size);
            }
            let mut inflater = Inflater::new(Compression::None, size);
            let fits = zlib_oneshot(exact.as_bytes());
            assert_eq!(inflater.push(&fits).unwrap(), Some(exact.as_str()));
            assert_eq!(
                inflater
                    .push(&zlib_oneshot(over.as_bytes()))
                    .unwrap_err()
                    .kind(),
                InflateErrorKind::TooLarge { limit: size }
            );
        }
    }

    #[test]
    fn buffered_compressed_input_is_held_to_the_ceiling() {
        let limit = 1000;
        let mut inflater = Inflater::zlib_stream(limit);
        assert_eq!(inflater.push(&[0x78; 600]).unwrap(), None);
        let err = inflater.push(&[0x78; 600]).unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::TooLarge { limit });
        let mut inflater = Inflater::zstd_stream(limit);
        assert_eq!(
            inflater.push(&[0; 1001]).unwrap_err().kind(),
            InflateErrorKind::TooLarge { limit }
        );
        let mut inflater = Inflater::new(Compression::None, limit);
        assert_eq!(
            inflater.push(&[b' '; 1001]).unwrap_err().kind(),
            InflateErrorKind::TooLarge { limit }
        );
    }

    #[test]
    fn reset_between_connections() {
        let mut inflater = Inflater::zlib_stream(MAX);
        let mut zstd = Inflater::zstd_stream(MAX);
        for connection in 0..3 {
            let mut server = ZlibServer::new();
            let mut zstd_server = ZstdServer::new();
            for i in 0..5 {
                let text = dispatch(connection * 10 + i);
                let frame = server.send(text.as_bytes());
                assert_eq!(inflater.push(&frame).unwrap(), Some(text.as_str()));
                let frame = zstd_server.send(text.as_bytes());
                assert_eq!(zstd.push(&frame).unwrap(), Some(text.as_str()));
            }
            // A half-received message must not leak into the next connection.
            inflater.push(&server.send(b"{}")[..3]).unwrap();
            zstd.push(&zstd_server.send(b"{}")[..3]).ok();
            inflater.reset();
            zstd.reset();
        }
    }

    #[test]
    fn output_buffer_is_reused_across_messages() {
        let mut server = ZlibServer::new();
        let mut inflater = Inflater::zlib_stream(MAX);
        let big = |i: usize| format!("{i:0>8}").repeat(12_500);
        inflater.push(&server.send(big(0).as_bytes())).unwrap();
        let capacity = inflater.output_capacity();
        let address = inflater
            .push(&server.send(big(1).as_bytes()))
            .unwrap()
            .unwrap()
            .as_ptr();
        for i in 2..20 {
            let text = inflater
                .push(&server.send(big(i).as_bytes()))
                .unwrap()
                .unwrap();
            assert_eq!(text.as_ptr(), address);
            assert_eq!(inflater.output_capacity(), capacity);
        }
        inflater.reset();
        assert_eq!(inflater.output_capacity(), capacity);
    }

    #[test]
    fn payload_compressed_binary_frame_on_uncompressed_connection() {
        let mut inflater = Inflater::new(Compression::None, MAX);
        for i in 0..3 {
            let text = dispatch(i);
            let payload = zlib_oneshot(text.as_bytes());
            assert_eq!(payload[0], 0x78);
            assert_eq!(inflater.push(&payload).unwrap(), Some(text.as_str()));
            // Uncompressed binary frames pass through.
            assert_eq!(inflater.push(text.as_bytes()).unwrap(), Some(text.as_str()));
        }
        // Trailing bytes after the zlib stream are not silently ignored.
        let mut trailing = zlib_oneshot(b"{}");
        trailing.push(b'x');
        assert_eq!(
            inflater.push(&trailing).unwrap_err().kind(),
            InflateErrorKind::Corrupt
        );
    }

    #[test]
    fn invalid_utf8_is_reported_with_its_source() {
        let mut inflater = Inflater::zlib_stream(MAX);
        let err = inflater
            .push(&ZlibServer::new().send(b"{\"a\":\"\xff\"}"))
            .unwrap_err();
        assert_eq!(err.kind(), InflateErrorKind::Utf8);
        assert!(err.source().unwrap().is::<std::str::Utf8Error>());
        assert_eq!(err.to_string(), "gateway message is not valid utf-8");
        let mut plain = Inflater::new(Compression::None, MAX);
        assert_eq!(
            plain.push(b"\xc3\x28").unwrap_err().kind(),
            InflateErrorKind::Utf8
        );
    }

    #[test]
    fn debug_output_is_informative() {
        let inflater = Inflater::zstd_stream(10);
        let debug = format!("{inflater:?}");
        assert!(
            debug.starts_with("Inflater { compression: ZstdStream"),
            "{debug}"
        );
    }

    /// Splits `frame` at `cuts` (fractions), skipping cuts the server would
    /// not make: a frame ending in the sync-flush marker ends the message.
    fn split(frame: &[u8], cuts: &[f64]) -> Vec<Vec<u8>> {
        #[expect(
            clippy::cast_possible_truncation,
            clippy::cast_precision_loss,
            clippy::cast_sign_loss
        )]
        let mut points: Vec<usize> = cuts
            .iter()
            .map(|cut| (cut * frame.len() as f64) as usize)
            .collect();
        points.sort_unstable();
        let mut pieces = Vec::new();
        let mut start = 0;
        for point in points {
            if point > start && !frame[start..point].ends_with(&SYNC_FLUSH) {
                pieces.push(frame[start..point].to_vec());
                start = point;
            }
        }
        pieces.push(frame[start..].to_vec());
        pieces
    }

    proptest! {
        #[test]
        fn any_split_of_a_zlib_stream_yields_the_same_texts(
            messages in prop::collection::vec(
                prop::collection::vec(any::<char>(), 1..300)
                    .prop_map(|chars| chars.into_iter().collect::<String>()),
                1..12,
            ),
            cuts in prop::collection::vec(prop::collection::vec(0.0..1.0, 0..6), 12),
        ) {
            let mut server = ZlibServer::new();
            let mut inflater = Inflater::zlib_stream(MAX);
            for (text, cuts) in messages.iter().zip(&cuts) {
                let frames = split(&server.send(text.as_bytes()), cuts);
                let (last, init) = frames.split_last().unwrap();
                for frame in init {
                    prop_assert_eq!(inflater.push(frame).unwrap(), None);
                }
                prop_assert_eq!(inflater.push(last).unwrap(), Some(text.as_str()));
            }
        }

        #[test]
        fn arbitrary_frames_never_panic_or_exceed_the_ceiling(
            frames in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..64), 0..16),
            mode in 0_usize..3,
        ) {
            let compression =
                [Compression::None, Compression::ZlibStream, Compression::ZstdStream][mode];
            let limit = 256;
            let mut inflater = Inflater::new(compression, limit);
            for mut frame in frames {
                if compression == Compression::ZlibStream {
                    frame.extend_from_slice(&SYNC_FLUSH);
                }
                if let Ok(Some(text)) = inflater.push(&frame) {
                    prop_assert!(text.len() <= limit);
                }
                prop_assert!(inflater.output_capacity() <= limit);
            }
        }
    }
}
