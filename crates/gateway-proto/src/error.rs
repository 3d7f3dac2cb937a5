//! Why a connection ended, fatal outcomes, and caller misuse.
//!
//! Following the blame rule of the crate docs: faults of the peer are not
//! errors of any call, they are [`DisconnectReason`]s in a
//! [`ShardEvent::Disconnected`](crate::ShardEvent::Disconnected); a close
//! code that needs the user to change something is a [`FatalError`]; only
//! caller misuse ([`SendError`]) comes back as `Err`.
//!
//! Messages are lowercase without trailing period, and their wording is
//! not part of the API: match on kinds.

use std::fmt;

use tether_model::gateway::{CloseCode, Command, Intents};

use crate::inflater::InflateError;
use crate::shard::CloseFrame;

/// Why a connection ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum DisconnectReason {
    /// The peer closed, with its close frame if it sent one.
    Closed(Option<CloseFrame>),
    /// The connection could not be opened.
    ConnectFailed,
    /// A heartbeat went un-ACKed until the next was due.
    Zombie,
    /// The server sent op 7 Reconnect.
    Reconnect,
    /// The server sent op 9 Invalid Session.
    InvalidSession {
        /// Whether it said the session may be resumed.
        resumable: bool,
    },
    /// Compressed data was corrupt or too large.
    Inflate(InflateError),
    /// A frame was not valid gateway JSON.
    MalformedFrame(String),
    /// No Hello arrived in time after the socket opened.
    HelloTimeout,
}

impl fmt::Display for DisconnectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Closed(Some(frame)) => {
                write!(f, "closed by the gateway with code {}", frame.code)?;
                if let Some(code) = CloseCode::from_code(frame.code) {
                    write!(f, " ({})", code.description())?;
                }
                Ok(())
            }
            Self::Closed(None) => f.write_str("connection dropped without a close frame"),
            Self::ConnectFailed => f.write_str("could not connect"),
            Self::Zombie => f.write_str("heartbeat not acknowledged (zombie connection)"),
            Self::Reconnect => f.write_str("gateway asked to reconnect"),
            Self::InvalidSession { resumable: true } => {
                f.write_str("session invalidated (resumable)")
            }
            Self::InvalidSession { resumable: false } => {
                f.write_str("session invalidated (not resumable)")
            }
            Self::Inflate(e) => write!(f, "bad compressed data: {e}"),
            Self::MalformedFrame(e) => write!(f, "malformed frame: {e}"),
            Self::HelloTimeout => f.write_str("no hello from the gateway"),
        }
    }
}

/// A close code that stops the shard: the configuration must change.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct FatalError {
    kind: FatalErrorKind,
}

/// The kind of [`FatalError`], one per fatal close code.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum FatalErrorKind {
    /// 4004: the token is invalid.
    AuthenticationFailed,
    /// 4010: the shard id or count is invalid.
    InvalidShard,
    /// 4011: the bot is in too many guilds for its shard count.
    ShardingRequired,
    /// 4012: the API version is invalid.
    InvalidApiVersion,
    /// 4013: the intents have undocumented bits.
    InvalidIntents,
    /// 4014: privileged intents were requested that the application does
    /// not have enabled.
    DisallowedIntents {
        /// The privileged intents that were requested.
        privileged: Intents,
    },
}

impl FatalError {
    /// The fatal error of a close code, or `None` if the code is not fatal.
    /// `intents` are the intents the shard asked for, to name them in the
    /// 4014 message.
    pub fn from_close(code: CloseCode, intents: Intents) -> Option<Self> {
        let kind = match code {
            CloseCode::AuthenticationFailed => FatalErrorKind::AuthenticationFailed,
            CloseCode::InvalidShard => FatalErrorKind::InvalidShard,
            CloseCode::ShardingRequired => FatalErrorKind::ShardingRequired,
            CloseCode::InvalidApiVersion => FatalErrorKind::InvalidApiVersion,
            CloseCode::InvalidIntents => FatalErrorKind::InvalidIntents,
            CloseCode::DisallowedIntents => FatalErrorKind::DisallowedIntents {
                privileged: intents.privileged(),
            },
            _ => return None,
        };
        Some(Self { kind })
    }

    /// What went wrong.
    pub fn kind(&self) -> FatalErrorKind {
        self.kind
    }

    /// The close code behind it.
    pub fn close_code(&self) -> CloseCode {
        match self.kind {
            FatalErrorKind::AuthenticationFailed => CloseCode::AuthenticationFailed,
            FatalErrorKind::InvalidShard => CloseCode::InvalidShard,
            FatalErrorKind::ShardingRequired => CloseCode::ShardingRequired,
            FatalErrorKind::InvalidApiVersion => CloseCode::InvalidApiVersion,
            FatalErrorKind::InvalidIntents => CloseCode::InvalidIntents,
            FatalErrorKind::DisallowedIntents { .. } => CloseCode::DisallowedIntents,
        }
    }
}

impl fmt::Display for FatalError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "gateway closed with {}: ", self.close_code().code())?;
        match self.kind {
            FatalErrorKind::AuthenticationFailed => {
                f.write_str("authentication failed, the bot token is invalid")
            }
            FatalErrorKind::InvalidShard => {
                f.write_str("invalid shard, the shard id must be below the shard count")
            }
            FatalErrorKind::ShardingRequired => f.write_str(
                "sharding required, the bot is in too many guilds for its shard count \
                 (use the count GET /gateway/bot recommends)",
            ),
            FatalErrorKind::InvalidApiVersion => f.write_str("invalid API version"),
            FatalErrorKind::InvalidIntents => {
                f.write_str("invalid intents, the value has undocumented bits")
            }
            FatalErrorKind::DisallowedIntents { privileged } => {
                f.write_str("disallowed intents, enable the privileged intent(s) ")?;
                let mut names = privileged.iter_names().map(|(name, _)| name).peekable();
                if names.peek().is_none() {
                    f.write_str("you requested")?;
                }
                for (i, name) in names.enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_str(name)?;
                }
                f.write_str(
                    " for this application in the Discord Developer Portal \
                     (Bot > Privileged Gateway Intents), or stop requesting them",
                )
            }
        }
    }
}

impl std::error::Error for FatalError {}

/// A command the shard refused; the command is handed back.
#[derive(Debug)]
pub struct SendError {
    kind: SendErrorKind,
    command: Command,
}

/// The kind of [`SendError`].
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
#[non_exhaustive]
pub enum SendErrorKind {
    /// The command is larger than the gateway's 4096-byte limit.
    TooLarge {
        /// Its size in bytes.
        size: usize,
    },
    /// Too many commands are waiting already.
    QueueFull,
    /// The shard stopped.
    Stopped,
}

impl SendError {
    pub(crate) fn new(kind: SendErrorKind, command: Command) -> Self {
        Self { kind, command }
    }

    /// The error for a command sent to a shard that has stopped, for
    /// drivers whose shard task is gone.
    pub fn stopped(command: Command) -> Self {
        Self::new(SendErrorKind::Stopped, command)
    }

    /// Why the command was refused.
    pub fn kind(&self) -> SendErrorKind {
        self.kind
    }

    /// The refused command, back to the caller.
    pub fn into_command(self) -> Command {
        self.command
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = self.command.opcode().get();
        match self.kind {
            SendErrorKind::TooLarge { size } => write!(
                f,
                "gateway command (op {op}) is {size} bytes, over the 4096-byte limit"
            ),
            SendErrorKind::QueueFull => {
                write!(
                    f,
                    "gateway command (op {op}) refused, too many commands queued"
                )
            }
            SendErrorKind::Stopped => {
                write!(
                    f,
                    "gateway command (op {op}) refused, the shard has stopped"
                )
            }
        }
    }
}

impl std::error::Error for SendError {}

const _: fn() = || {
    fn assert_error<T: std::error::Error + Send + Sync + 'static>() {}
    assert_error::<FatalError>();
    assert_error::<SendError>();
};
