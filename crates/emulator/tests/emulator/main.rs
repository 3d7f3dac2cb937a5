//! Integration tests of the emulator over real sockets on 127.0.0.1, with
//! a minimal gateway client (tokio-websockets, flate2, zstd) and reqwest;
//! never tether's client crates.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::too_many_lines,
    reason = "test code: helpers panic on surprises, and scenarios read top to bottom"
)]

mod support;

mod compression;
mod control;
mod faults;
mod gateway;
mod hygiene;
mod rest;
mod resume;
mod updates;
mod world;
