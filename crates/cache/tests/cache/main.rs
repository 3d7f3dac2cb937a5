//! tether-cache's tests: one binary, a module per topic.

#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::too_many_lines,
    reason = "test code: helpers panic on surprises, and scenarios read top to bottom"
)]

mod channels;
mod concurrency;
mod emulator;
mod guilds;
mod invariants;
mod members;
mod messages;
mod session;
mod support;
