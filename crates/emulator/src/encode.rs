//! Per-connection transport encoding: plain text frames, `zlib-stream`,
//! `zstd-stream` and payload compression.
//!
//! - `zlib-stream`: one deflate stream (zlib header) per connection; each
//!   message is compressed and sync-flushed, so its bytes end with
//!   `00 00 ff ff`. A message may be split over several binary frames on
//!   request, to exercise client-side buffering.
//! - `zstd-stream`: one zstd frame per connection; each message is
//!   compressed and flushed (`ZSTD_e_flush`), never ending the frame; one
//!   binary frame per message.
//! - payload compression (Identify `compress: true` and no transport
//!   compression): payloads above a threshold are sent as independent zlib
//!   streams in binary frames; smaller ones stay text.

use std::io::{self, Write};

use flate2::{Compress, FlushCompress};
use zstd::stream::raw::{Encoder as ZstdEncoder, InBuffer, Operation, OutBuffer};

use crate::core::Compression;

/// Bytes that neither inflater accepts: a deflate block of the reserved
/// type 3 ending like a sync flush, which zstd also reads as a reserved
/// block type, and which is not UTF-8 either.
pub(crate) const CORRUPT: [u8; 8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0xFF, 0xFF];

/// Upper bound on compressor steps per message; each step consumes input
/// or fills a growing buffer, so this is never reached by a working codec.
const MAX_STEPS: usize = 64;

/// One WebSocket frame to send.
#[derive(Debug, Eq, PartialEq)]
pub(crate) enum Frame {
    Text(String),
    Binary(Vec<u8>),
}

pub(crate) struct Encoder {
    codec: Codec,
    payload_threshold: Option<usize>,
    split: u8,
}

enum Codec {
    Plain,
    Zlib(Box<Compress>),
    Zstd(Box<ZstdEncoder<'static>>),
}

impl Encoder {
    pub(crate) fn new(compression: Compression) -> io::Result<Self> {
        let codec = match compression {
            Compression::ZlibStream => {
                Codec::Zlib(Box::new(Compress::new(flate2::Compression::fast(), true)))
            }
            Compression::ZstdStream => Codec::Zstd(Box::new(ZstdEncoder::new(1)?)),
            Compression::None => Codec::Plain,
        };
        Ok(Self {
            codec,
            payload_threshold: None,
            split: 1,
        })
    }

    pub(crate) fn payload_compression(&mut self, threshold: usize) {
        if matches!(self.codec, Codec::Plain) {
            self.payload_threshold = Some(threshold);
        }
    }

    pub(crate) fn split(&mut self, parts: u8) {
        self.split = parts.max(1);
    }

    /// The frames carrying one gateway message.
    pub(crate) fn encode(&mut self, text: String) -> io::Result<Vec<Frame>> {
        match &mut self.codec {
            Codec::Plain => match self.payload_threshold {
                Some(threshold) if text.len() > threshold => {
                    let mut z =
                        flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
                    z.write_all(text.as_bytes())?;
                    Ok(vec![Frame::Binary(z.finish()?)])
                }
                _ => Ok(vec![Frame::Text(text)]),
            },
            Codec::Zlib(z) => {
                let bytes = deflate_sync(z, text.as_bytes())?;
                Ok(split(bytes, self.split))
            }
            Codec::Zstd(z) => Ok(vec![Frame::Binary(zstd_flush(z, text.as_bytes())?)]),
        }
    }
}

fn deflate_sync(z: &mut Compress, input: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(input.len() / 3 + 64);
    let start = z.total_in();
    for _ in 0..MAX_STEPS {
        let consumed = usize::try_from(z.total_in() - start).unwrap_or(usize::MAX);
        let rest = input.get(consumed..).unwrap_or_default();
        z.compress_vec(rest, &mut out, FlushCompress::Sync)
            .map_err(io::Error::other)?;
        let consumed = usize::try_from(z.total_in() - start).unwrap_or(usize::MAX);
        // The flush is complete once all input is in and the output buffer
        // was not filled to the brim.
        if consumed >= input.len() && out.len() < out.capacity() {
            return Ok(out);
        }
        out.reserve(out.capacity().max(256));
    }
    Err(io::Error::other("deflate made no progress"))
}

fn zstd_flush(z: &mut ZstdEncoder<'static>, input: &[u8]) -> io::Result<Vec<u8>> {
    let mut out: Vec<u8> = Vec::with_capacity(input.len() / 3 + 64);
    let mut src = InBuffer::around(input);
    let mut steps = 0;
    while src.pos() < input.len() {
        steps += 1;
        if steps > MAX_STEPS {
            return Err(io::Error::other("zstd made no progress"));
        }
        out.reserve(256);
        let pos = out.len();
        let mut dst = OutBuffer::around_pos(&mut out, pos);
        z.run(&mut src, &mut dst)?;
    }
    loop {
        steps += 1;
        if steps > MAX_STEPS {
            return Err(io::Error::other("zstd flush made no progress"));
        }
        out.reserve(256);
        let pos = out.len();
        let mut dst = OutBuffer::around_pos(&mut out, pos);
        if z.flush(&mut dst)? == 0 {
            return Ok(out);
        }
    }
}

fn split(bytes: Vec<u8>, parts: u8) -> Vec<Frame> {
    let parts = usize::from(parts).min(bytes.len()).max(1);
    if parts == 1 {
        return vec![Frame::Binary(bytes)];
    }
    let size = bytes.len().div_ceil(parts);
    bytes
        .chunks(size)
        .map(|c| Frame::Binary(c.to_vec()))
        .collect()
}

#[cfg(test)]
mod tests {
    use flate2::{Decompress, FlushDecompress};

    use super::*;

    fn inflate_all(frames: &[Frame], z: &mut Decompress) -> String {
        let mut buf = Vec::new();
        for f in frames {
            let Frame::Binary(b) = f else {
                panic!("text frame")
            };
            buf.extend_from_slice(b);
        }
        assert!(buf.ends_with(&[0, 0, 0xFF, 0xFF]));
        let mut out = Vec::with_capacity(1 << 20);
        z.decompress_vec(&buf, &mut out, FlushDecompress::Sync)
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn zlib_stream_shares_one_context_and_splits() {
        let mut enc = Encoder::new(Compression::ZlibStream).unwrap();
        let mut dec = Decompress::new(true);
        let a = enc.encode(r#"{"op":10}"#.to_owned()).unwrap();
        assert_eq!(inflate_all(&a, &mut dec), r#"{"op":10}"#);
        enc.split(3);
        let big = "x".repeat(5000);
        let b = enc.encode(big.clone()).unwrap();
        assert_eq!(b.len(), 3);
        assert_eq!(inflate_all(&b, &mut dec), big);
    }

    #[test]
    fn zstd_stream_never_ends_the_frame() {
        let mut enc = Encoder::new(Compression::ZstdStream).unwrap();
        let mut dec = zstd::stream::raw::Decoder::new().unwrap();
        for text in ["first", "second message", &"y".repeat(10_000)] {
            let frames = enc.encode(text.to_owned()).unwrap();
            let [Frame::Binary(bytes)] = frames.as_slice() else {
                panic!()
            };
            let mut out = vec![0u8; 20_000];
            let mut src = InBuffer::around(bytes);
            let mut dst = OutBuffer::around(out.as_mut_slice());
            let hint = dec.run(&mut src, &mut dst).unwrap();
            assert_ne!(hint, 0, "the frame goes on");
            let n = dst.pos();
            assert_eq!(&out[..n], text.as_bytes());
        }
    }

    #[test]
    fn payload_compression_only_above_the_threshold() {
        let mut enc = Encoder::new(Compression::None).unwrap();
        enc.payload_compression(10);
        assert_eq!(
            enc.encode("short".to_owned()).unwrap(),
            vec![Frame::Text("short".to_owned())]
        );
        let frames = enc.encode("a long enough payload".to_owned()).unwrap();
        let [Frame::Binary(bytes)] = frames.as_slice() else {
            panic!()
        };
        assert_eq!(bytes[0], 0x78, "zlib header");
        let mut out = String::new();
        std::io::Read::read_to_string(
            &mut flate2::read::ZlibDecoder::new(bytes.as_slice()),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "a long enough payload");
    }

    #[test]
    fn corrupt_bytes_break_both_inflaters() {
        let mut enc = Encoder::new(Compression::ZlibStream).unwrap();
        let mut dec = Decompress::new(true);
        inflate_all(&enc.encode("ok".to_owned()).unwrap(), &mut dec);
        let mut out = Vec::with_capacity(100);
        assert!(
            dec.decompress_vec(&CORRUPT, &mut out, FlushDecompress::Sync)
                .is_err()
        );

        let mut enc = Encoder::new(Compression::ZstdStream).unwrap();
        let mut dec = zstd::stream::raw::Decoder::new().unwrap();
        let frames: [Frame; 1] = enc.encode("ok".to_owned()).unwrap().try_into().unwrap();
        let [Frame::Binary(first)] = frames else {
            panic!()
        };
        let mut out = vec![0u8; 100];
        dec.run_on_buffers(&first, &mut out).unwrap();
        assert!(dec.run_on_buffers(&CORRUPT, &mut out).is_err());
    }
}
