//! tether-http against an in-test Discord stand-in on 127.0.0.1:0 that
//! enforces rate limits strictly and sends Discord's headers.
//!
//! One test binary with a module per topic, so the crate is linked once.

// clippy exempts `#[test]` functions from these, not the helpers beside them.
#![expect(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap or index is a failed test"
)]

mod calls;
mod errors;
mod ratelimit;
mod secrets;
mod server;
