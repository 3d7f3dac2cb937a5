//! The emulator's error type.
//!
//! Errors are opaque structs with a [`kind`](Error::kind): callers branch on
//! the [`ErrorKind`], and the wording of messages is unspecified.

use std::fmt;

/// An error from the emulator's library API.
///
/// Faults of the clients connected to the emulator (bad frames, bad REST
/// bodies) never surface here: they are answered on the wire, with a close
/// code or a Discord-shaped error body.
pub struct Error {
    kind: ErrorKind,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

/// What went wrong.
#[derive(Clone, Debug, Eq, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server could not bind its address or serve.
    #[error("could not start the emulator server")]
    Bind,
    /// The emulator has shut down.
    #[error("the emulator has shut down")]
    Closed,
    /// The actor may not do this (Discord JSON error `code`, e.g. 50001
    /// missing access, 50005 editing another user's message).
    #[error("forbidden: {reason}")]
    Forbidden {
        /// Discord JSON error code.
        code: u32,
        /// What was refused.
        reason: &'static str,
    },
    /// The input is not acceptable (Discord JSON error `code`: 30010 too
    /// many reactions, 50006 empty message, 50008 non-text channel, 50035
    /// invalid form body).
    #[error("invalid input: {reason}")]
    InvalidInput {
        /// Discord JSON error code.
        code: u32,
        /// The offending field, when one is to blame.
        field: Option<&'static str>,
        /// What is wrong.
        reason: &'static str,
    },
    /// A world description (TOML file) is invalid.
    #[error("invalid world: {reason}")]
    InvalidWorld {
        /// What is wrong, naming the entry.
        reason: String,
    },
    /// Something the call names does not exist.
    #[error("unknown {0}")]
    NotFound(Entity),
    /// A wait ran out of time.
    #[error("timed out")]
    Timeout,
}

/// A kind of thing that can be missing.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum Entity {
    /// An application (bot).
    Application,
    /// A channel.
    Channel,
    /// A gateway connection.
    Connection,
    /// An emoji.
    Emoji,
    /// A guild.
    Guild,
    /// A guild member.
    Member,
    /// A message.
    Message,
    /// A role.
    Role,
    /// A gateway session.
    Session,
    /// A user.
    User,
}

impl Entity {
    /// Discord's JSON error code for "unknown …" of this kind.
    pub const fn unknown_code(self) -> u32 {
        match self {
            Self::Application => 10002,
            Self::Channel => 10003,
            Self::Guild => 10004,
            Self::Member => 10007,
            Self::Message => 10008,
            Self::Role => 10011,
            Self::User => 10013,
            Self::Emoji => 10014,
            Self::Session | Self::Connection => 0,
        }
    }

    /// Discord's name for the kind, as in "Unknown Channel".
    pub const fn name(self) -> &'static str {
        match self {
            Self::Application => "Application",
            Self::Channel => "Channel",
            Self::Connection => "Connection",
            Self::Emoji => "Emoji",
            Self::Guild => "Guild",
            Self::Member => "Member",
            Self::Message => "Message",
            Self::Role => "Role",
            Self::Session => "Session",
            Self::User => "User",
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name().to_ascii_lowercase())
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind) -> Self {
        Self { kind, source: None }
    }

    pub(crate) fn with_source(
        kind: ErrorKind,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            kind,
            source: Some(source.into()),
        }
    }

    pub(crate) fn not_found(entity: Entity) -> Self {
        Self::new(ErrorKind::NotFound(entity))
    }

    pub(crate) fn invalid(code: u32, field: Option<&'static str>, reason: &'static str) -> Self {
        Self::new(ErrorKind::InvalidInput {
            code,
            field,
            reason,
        })
    }

    pub(crate) fn forbidden(code: u32, reason: &'static str) -> Self {
        Self::new(ErrorKind::Forbidden { code, reason })
    }

    pub(crate) fn world(reason: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidWorld {
            reason: reason.into(),
        })
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The kind and the underlying error, if any.
    pub fn into_parts(self) -> (ErrorKind, Option<Box<dyn std::error::Error + Send + Sync>>) {
        (self.kind, self.source)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("kind", &self.kind);
        if let Some(source) = &self.source {
            d.field("source", source);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.kind, f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

const _: () = {
    const fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<Error>();
};
