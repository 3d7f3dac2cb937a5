//! The cluster against the emulator: start-up within the identify rules,
//! guild routing, ranges shared by two clusters, status, close and resume.

#![allow(clippy::unwrap_used, clippy::indexing_slicing)] // tests fail loudly

mod lifecycle;
mod routing;
mod startup;
mod support;
