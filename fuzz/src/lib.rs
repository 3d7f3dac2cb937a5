//! Fuzz target bodies for tether, as plain functions.
//!
//! Each `fuzz_targets/<name>.rs` is a one-line libFuzzer wrapper around the
//! function of the same name here, and `tests/corpus.rs` replays
//! `corpus/<name>/` through that function on stable Rust. So the targets keep
//! compiling, and the seeds (plus any crash input added to them) keep
//! passing, in ordinary CI; long libFuzzer runs are for local use.
//!
//! | target | what it drives | input format |
//! | --- | --- | --- |
//! | [`inflate_zlib`], [`inflate_zstd`] | an [`Inflater`](tether_gateway_proto::Inflater) | [`inflate`] |
//! | [`model_event()`] | [`Frame::parse`](tether_model::gateway::Frame::parse) and [`Event::from_dispatch`](tether_model::gateway::Event::from_dispatch) | [`model_event`](mod@model_event) |
//! | [`shard_message()`] | a [`Shard`](tether_gateway_proto::Shard) on a fake clock | [`shard_message`](mod@shard_message) |
//!
//! # Running
//!
//! ```text
//! cargo test --manifest-path fuzz/Cargo.toml --locked              # replay the seeds (stable)
//! cargo run --manifest-path fuzz/Cargo.toml --example seed_corpus  # rewrite the seeds
//! cargo +nightly fuzz run --features libfuzzer shard_message \
//!     ../work/shard_message fuzz/corpus/shard_message -- -max_total_time=180
//! ```
//!
//! libFuzzer writes what it finds into the first corpus directory, so give
//! it a work directory outside git and the checked-in seeds second; a bare
//! `cargo fuzz run <target>` would grow `corpus/<target>/` itself. A crash
//! input worth keeping goes into `corpus/<target>/` under a name saying what
//! it broke, so that `cargo test` replays it from then on.
//!
//! Adding a target: write `pub fn <name>(data: &[u8])` in a module here
//! (with its input format in the module doc) and re-export it, add a wrapper
//! in `fuzz_targets/` and a `[[bin]]` entry in `Cargo.toml`, put seeds in
//! `corpus/<name>/` (written by `examples/seed_corpus.rs`), and add one
//! `replay` line to `tests/corpus.rs`.

pub mod inflate;
pub mod model_event;
pub mod shard_message;

pub use self::inflate::{Frame, PAYLOAD_COMPRESSION, encode, inflate_zlib, inflate_zstd};
pub use self::model_event::model_event;
pub use self::shard_message::{Settings, Step, encode_shard, shard_message};
