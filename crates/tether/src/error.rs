//! The client's errors.
//!
//! Messages are lowercase without trailing period and never contain the
//! token; their wording is not part of the API: match on [`ErrorKind`].

use std::error::Error as StdError;
use std::fmt;

use tether_gateway::FatalError;

/// Boxed error type handlers may return.
pub type BoxError = Box<dyn StdError + Send + Sync>;

/// An error of the bot client.
#[derive(Debug)]
pub struct Error {
    kind: ErrorKind,
    source: Option<BoxError>,
}

/// What went wrong; see [`Error::kind`].
#[derive(Debug)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Discord refused the token (HTTP 401 on `GET /users/@me`): the token
    /// is wrong or was reset.
    LoginFailed,
    /// A REST call failed; the source is the `tether-http` error.
    Http,
    /// A shard stopped with a fatal close code (authentication failed,
    /// invalid shard, sharding required, invalid API version, invalid or
    /// disallowed intents).
    Gateway(FatalError),
    /// The builder's configuration is not usable.
    Config {
        /// What is wrong.
        reason: String,
    },
    /// `wait_for` gave up.
    Timeout,
    /// `wait_for` asked for an event type the client does not decode.
    NotReceived {
        /// The event's wire name.
        event: &'static str,
    },
    /// A shard refused a gateway command (too large, or too many queued);
    /// the source is the shard's error, which hands the command back.
    Command,
    /// The client stopped before the operation could finish.
    Stopped,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(kind: ErrorKind, source: impl Into<BoxError>) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    pub(crate) fn http(error: tether_http::Error) -> Self {
        if matches!(error.kind(), tether_http::ErrorKind::Unauthorized) {
            Self::with_source(ErrorKind::LoginFailed, error)
        } else {
            Self::with_source(ErrorKind::Http, error)
        }
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The kind and the underlying error.
    pub fn into_parts(self) -> (ErrorKind, Option<BoxError>) {
        (self.kind, self.source)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ErrorKind::LoginFailed => f.write_str(
                "login failed: Discord rejected the bot token (check DISCORD_TOKEN or reset the token in the Developer Portal)",
            ),
            ErrorKind::Http => f.write_str("a REST request failed"),
            ErrorKind::Gateway(fatal) => write!(f, "{fatal}"),
            ErrorKind::Config { reason } => write!(f, "invalid client configuration: {reason}"),
            ErrorKind::Timeout => f.write_str("timed out waiting for the event"),
            ErrorKind::NotReceived { event } => write!(
                f,
                "{event} is not received by this client: register a handler for it or add it with ClientBuilder::event_types"
            ),
            ErrorKind::Command => f.write_str("the shard refused the gateway command"),
            ErrorKind::Stopped => f.write_str("the client has stopped"),
        }
    }
}

impl StdError for Error {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

const _: fn() = || {
    fn assert_error<T: StdError + Send + Sync + 'static>() {}
    assert_error::<Error>();
};
