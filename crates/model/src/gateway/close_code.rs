//! Gateway close codes and what each means for the session.
//!
//! | code | meaning | next step |
//! |---|---|---|
//! | 4000 unknown error, 4001 unknown opcode, 4002 decode error, 4003 not authenticated, 4005 already authenticated, 4008 rate limited | the connection failed, the session lives | resume |
//! | 4007 invalid seq, 4009 session timed out | the session is gone | identify anew |
//! | 4004 authentication failed, 4010 invalid shard, 4011 sharding required, 4012 invalid API version, 4013 invalid intents, 4014 disallowed intents | configuration error | stop |
//!
//! Codes outside the table, and a connection that ends without a close
//! frame, are treated as resumable.
//!
//! See [Discord Docs/Opcodes](https://discord.com/developers/docs/topics/opcodes-and-status-codes#gateway-gateway-close-event-codes).

/// A close code the gateway sends.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub enum CloseCode {
    /// 4000: unknown error; resume.
    UnknownError = 4000,
    /// 4001: the client sent an unknown opcode or a bad payload; resume.
    UnknownOpcode = 4001,
    /// 4002: the client sent an undecodable payload; resume.
    DecodeError = 4002,
    /// 4003: a payload was sent before identifying; resume.
    NotAuthenticated = 4003,
    /// 4004: the token is invalid; fatal.
    AuthenticationFailed = 4004,
    /// 4005: identified twice; resume.
    AlreadyAuthenticated = 4005,
    /// 4007: resume with an invalid sequence; identify anew.
    InvalidSequence = 4007,
    /// 4008: too many commands; resume.
    RateLimited = 4008,
    /// 4009: the session timed out; identify anew.
    SessionTimedOut = 4009,
    /// 4010: invalid shard; fatal.
    InvalidShard = 4010,
    /// 4011: the bot needs more shards; fatal.
    ShardingRequired = 4011,
    /// 4012: invalid API version; fatal.
    InvalidApiVersion = 4012,
    /// 4013: invalid intents; fatal.
    InvalidIntents = 4013,
    /// 4014: a privileged intent is not enabled for the application; fatal.
    DisallowedIntents = 4014,
}

/// What a close means for the session.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub enum CloseAction {
    /// Reconnect and resume the session.
    Resume,
    /// Reconnect and identify a new session.
    Reidentify,
    /// Do not reconnect: the configuration must change.
    Fatal,
}

impl CloseCode {
    /// All close codes, in numeric order.
    pub const ALL: [Self; 14] = [
        Self::UnknownError,
        Self::UnknownOpcode,
        Self::DecodeError,
        Self::NotAuthenticated,
        Self::AuthenticationFailed,
        Self::AlreadyAuthenticated,
        Self::InvalidSequence,
        Self::RateLimited,
        Self::SessionTimedOut,
        Self::InvalidShard,
        Self::ShardingRequired,
        Self::InvalidApiVersion,
        Self::InvalidIntents,
        Self::DisallowedIntents,
    ];

    /// The close code for a number, or `None` for codes Discord does not define.
    pub const fn from_code(code: u16) -> Option<Self> {
        Some(match code {
            4000 => Self::UnknownError,
            4001 => Self::UnknownOpcode,
            4002 => Self::DecodeError,
            4003 => Self::NotAuthenticated,
            4004 => Self::AuthenticationFailed,
            4005 => Self::AlreadyAuthenticated,
            4007 => Self::InvalidSequence,
            4008 => Self::RateLimited,
            4009 => Self::SessionTimedOut,
            4010 => Self::InvalidShard,
            4011 => Self::ShardingRequired,
            4012 => Self::InvalidApiVersion,
            4013 => Self::InvalidIntents,
            4014 => Self::DisallowedIntents,
            _ => return None,
        })
    }

    /// The numeric code.
    pub const fn code(self) -> u16 {
        self as u16
    }

    /// What this close means for the session.
    pub const fn action(self) -> CloseAction {
        match self {
            Self::UnknownError
            | Self::UnknownOpcode
            | Self::DecodeError
            | Self::NotAuthenticated
            | Self::AlreadyAuthenticated
            | Self::RateLimited => CloseAction::Resume,
            Self::InvalidSequence | Self::SessionTimedOut => CloseAction::Reidentify,
            Self::AuthenticationFailed
            | Self::InvalidShard
            | Self::ShardingRequired
            | Self::InvalidApiVersion
            | Self::InvalidIntents
            | Self::DisallowedIntents => CloseAction::Fatal,
        }
    }

    /// What a close with any numeric code (or none) means: unknown codes and
    /// closes without a code are resumable.
    pub fn action_for(code: Option<u16>) -> CloseAction {
        code.and_then(Self::from_code)
            .map_or(CloseAction::Resume, Self::action)
    }

    /// Discord's name for the code.
    pub const fn description(self) -> &'static str {
        match self {
            Self::UnknownError => "unknown error",
            Self::UnknownOpcode => "unknown opcode",
            Self::DecodeError => "decode error",
            Self::NotAuthenticated => "not authenticated",
            Self::AuthenticationFailed => "authentication failed",
            Self::AlreadyAuthenticated => "already authenticated",
            Self::InvalidSequence => "invalid seq",
            Self::RateLimited => "rate limited",
            Self::SessionTimedOut => "session timed out",
            Self::InvalidShard => "invalid shard",
            Self::ShardingRequired => "sharding required",
            Self::InvalidApiVersion => "invalid API version",
            Self::InvalidIntents => "invalid intent(s)",
            Self::DisallowedIntents => "disallowed intent(s)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_discord_docs() {
        let fatal = [4004, 4010, 4011, 4012, 4013, 4014];
        let reidentify = [4007, 4009];
        for code in 4000..=4014 {
            let Some(c) = CloseCode::from_code(code) else {
                assert_eq!(code, 4006, "only 4006 is undefined in the range");
                continue;
            };
            assert_eq!(c.code(), code);
            let want = if fatal.contains(&code) {
                CloseAction::Fatal
            } else if reidentify.contains(&code) {
                CloseAction::Reidentify
            } else {
                CloseAction::Resume
            };
            assert_eq!(c.action(), want, "{code}");
        }
        assert_eq!(CloseCode::action_for(None), CloseAction::Resume);
        assert_eq!(CloseCode::action_for(Some(1006)), CloseAction::Resume);
        assert_eq!(CloseCode::action_for(Some(4999)), CloseAction::Resume);
        assert!(CloseCode::ALL.windows(2).all(|w| w[0].code() < w[1].code()));
        assert_eq!(CloseCode::ALL.len(), 14);
    }
}
