//! The bot client end to end, against the emulator on 127.0.0.1.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // tests fail loudly

mod cache;
mod faults;
mod handlers;
mod hello;
mod lifecycle;
mod support;
mod wait_for;
