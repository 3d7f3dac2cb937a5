#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
#![forbid(unsafe_code)]

mod client;
mod error;
pub mod ratelimit;
pub mod request;
mod route;

pub use self::client::{
    Client, ClientBuilder, DEFAULT_API_BASE, DEFAULT_MAX_ATTEMPTS, DEFAULT_TIMEOUT, USER_AGENT,
};
pub use self::error::{Error, ErrorKind};
