//! The inflate targets: compressed frames through an [`Inflater`].
//!
//! # Input format
//!
//! ```text
//! byte 0   settings: bits 0-3 pick the ceiling, 2^(6 + n) bytes (64 B to 2 MiB);
//!          bit 4 (inflate_zlib only) picks Compression::None, i.e. payload
//!          compression, instead of zlib-stream
//! then     frames, each a little-endian u16 header and that many bytes (fewer
//!          at the end of the input); header bit 15 resets the inflater (a new
//!          connection) before the frame, bits 0-14 are the length
//! ```
//!
//! Splitting by length headers lets the fuzzer move frame boundaries, which
//! is where stream decoders break, while the frame bytes stay intact.

use tether_gateway_proto::{Compression, InflateErrorKind, Inflater};

/// Settings bit of [`inflate_zlib`] that selects payload compression.
pub const PAYLOAD_COMPRESSION: u8 = 0x10;

/// Header bit that resets the inflater before a frame.
const RESET: u16 = 0x8000;

/// Feeds zlib-stream (or, with [`PAYLOAD_COMPRESSION`], payload-compressed)
/// frames to an [`Inflater`]; panics if it breaks its contract.
pub fn inflate_zlib(data: &[u8]) {
    let (settings, frames) = parse(data);
    let compression = if settings & PAYLOAD_COMPRESSION == 0 {
        Compression::ZlibStream
    } else {
        Compression::None
    };
    inflate(compression, settings, frames);
}

/// Feeds zstd-stream frames to an [`Inflater`]; panics if it breaks its
/// contract.
pub fn inflate_zstd(data: &[u8]) {
    let (settings, frames) = parse(data);
    inflate(Compression::ZstdStream, settings, frames);
}

/// One frame of a fuzz input.
#[derive(Clone, Copy, Debug)]
pub struct Frame<'a> {
    /// Reset the inflater (a new connection) before pushing this frame.
    pub reset: bool,
    /// The binary WebSocket message; at most 32 767 bytes.
    pub data: &'a [u8],
}

/// Builds an input in the format above, for writing seeds.
///
/// # Panics
///
/// If a frame is longer than 32 767 bytes.
#[must_use]
pub fn encode(settings: u8, frames: &[Frame<'_>]) -> Vec<u8> {
    let mut out = vec![settings];
    for frame in frames {
        let len = u16::try_from(frame.data.len())
            .ok()
            .filter(|&len| len < RESET)
            .expect("a seed frame is at most 32 767 bytes");
        let header = if frame.reset { len | RESET } else { len };
        out.extend_from_slice(&header.to_le_bytes());
        out.extend_from_slice(frame.data);
    }
    out
}

/// Returns the ceiling that `settings` selects.
fn ceiling(settings: u8) -> usize {
    1 << (6 + (settings & 0x0f))
}

fn inflate<'a>(compression: Compression, settings: u8, frames: impl Iterator<Item = Frame<'a>>) {
    let ceiling = ceiling(settings);
    let mut inflater = Inflater::new(compression, ceiling);
    let mut pushed = 0;
    let mut produced = 0;
    for frame in frames {
        if frame.reset {
            inflater.reset();
        }
        pushed += frame.data.len();
        match inflater.push(frame.data) {
            Ok(Some(text)) => {
                assert!(text.len() <= ceiling, "{} bytes over {ceiling}", text.len());
                produced += text.len();
            }
            Ok(None) => {}
            Err(error) => {
                if let InflateErrorKind::TooLarge { limit } = error.kind() {
                    assert_eq!(limit, ceiling);
                }
                // The documented contract: broken until reset.
                let again = inflater.push(b"{}").expect_err("push after an error fails");
                assert_eq!(again.kind(), error.kind());
                pushed += 2;
                inflater.reset();
            }
        }
    }
    assert_eq!(inflater.compressed_bytes(), pushed as u64);
    assert_eq!(inflater.decompressed_bytes(), produced as u64);
}

/// Splits an input into its settings byte and frames.
fn parse(data: &[u8]) -> (u8, impl Iterator<Item = Frame<'_>>) {
    let (settings, mut rest) = data.split_first().map_or((0, &[][..]), |(s, r)| (*s, r));
    let frames = std::iter::from_fn(move || {
        let (&[low, high], tail) = rest.split_first_chunk::<2>()?;
        let header = u16::from_le_bytes([low, high]);
        let len = usize::from(header & !RESET).min(tail.len());
        let (data, next) = tail.split_at(len);
        rest = next;
        Some(Frame {
            reset: header & RESET != 0,
            data,
        })
    });
    (settings, frames)
}

#[cfg(test)]
mod tests {
    use super::{Frame, encode, parse};

    #[test]
    fn encode_and_parse_round_trip() {
        let frames = [
            Frame {
                reset: false,
                data: b"abc",
            },
            Frame {
                reset: true,
                data: b"",
            },
            Frame {
                reset: false,
                data: &[0; 300],
            },
        ];
        let input = encode(7, &frames);
        let (settings, parsed) = parse(&input);
        assert_eq!(settings, 7);
        let parsed: Vec<_> = parsed.map(|f| (f.reset, f.data.to_vec())).collect();
        let expected: Vec<_> = frames.iter().map(|f| (f.reset, f.data.to_vec())).collect();
        assert_eq!(parsed, expected);
    }

    #[test]
    fn short_and_empty_inputs_parse() {
        assert_eq!(parse(&[]).1.count(), 0);
        assert_eq!(parse(&[1, 2]).1.count(), 0);
        // A length past the end takes what is left.
        let (_, mut frames) = parse(&[0, 10, 0, b'x']);
        assert_eq!(frames.next().unwrap().data, b"x");
        assert!(frames.next().is_none());
    }
}
