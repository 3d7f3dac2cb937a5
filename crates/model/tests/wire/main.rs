//! tether-model against real-shaped Discord payloads: one fixture per
//! dispatch event (`tests/fixtures/`), round trips, absent vs null, liberal
//! and malformed input, property tests and a mutation sweep.
//!
//! One test binary with a module per topic, so the crate is linked once.

// clippy exempts `#[test]` functions from these, not the helpers beside them.
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap or index is a failed test"
)]

mod common;

mod api;
mod decode_any;
mod events;
mod liberal;
mod malformed;
mod nullable;
mod props;
mod round_trip;
