//! Snowflake ids.
//!
//! Discord ids are 64-bit "snowflakes": the top 42 bits are milliseconds since
//! the Discord epoch (2015-01-01T00:00:00Z), then 5 bits of worker id, 5 bits
//! of process id and a 12-bit increment. On the wire they are JSON strings;
//! numbers are accepted too, because Discord echoes back small ids as numbers
//! in some places (`not_found` of `GUILD_MEMBERS_CHUNK`).
//!
//! Each kind of id is its own type, so that a [`ChannelId`] cannot be passed
//! where a [`GuildId`] is expected.
//!
//! See [Discord Docs/Reference](https://discord.com/developers/docs/reference#snowflakes).

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Milliseconds from the Unix epoch to the Discord epoch (2015-01-01T00:00:00Z).
pub const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;

/// Error returned when a string is not a snowflake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseIdError {
    input_len: usize,
}

impl fmt::Display for ParseIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "not a snowflake id ({} bytes of input)", self.input_len)
    }
}

impl std::error::Error for ParseIdError {}

macro_rules! ids {
    ($($(#[$meta:meta])* $name:ident;)*) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw snowflake value.
            pub const fn new(value: u64) -> Self {
                Self(value)
            }

            /// The raw snowflake value.
            pub const fn get(self) -> u64 {
                self.0
            }

            /// Unix time in milliseconds at which this id was created.
            ///
            /// ```
            #[doc = concat!("use tether_model::id::", stringify!($name), ";")]
            #[doc = concat!("let id = ", stringify!($name), "::new(175928847299117063);")]
            /// assert_eq!(id.timestamp_ms(), 1_462_015_105_796);
            /// ```
            pub const fn timestamp_ms(self) -> u64 {
                (self.0 >> 22) + DISCORD_EPOCH_MS
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = ParseIdError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self).map_err(|_| ParseIdError { input_len: s.len() })
            }
        }

        impl From<u64> for $name {
            fn from(value: u64) -> Self {
                Self(value)
            }
        }

        impl From<$name> for u64 {
            fn from(id: $name) -> Self {
                id.0
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                deserializer.deserialize_any(SnowflakeVisitor).map(Self)
            }
        }
    )*};
}

ids! {
    /// Id of an application (a bot's owner record).
    ApplicationId;
    /// Id of an attachment.
    AttachmentId;
    /// Id of an audit log entry.
    AuditLogEntryId;
    /// Id of an auto moderation rule.
    AutoModerationRuleId;
    /// Id of a channel, thread or DM.
    ChannelId;
    /// Id of an application command.
    CommandId;
    /// Id of a custom emoji.
    EmojiId;
    /// Id of an entitlement.
    EntitlementId;
    /// Id of a guild (a "server").
    GuildId;
    /// Id of an integration.
    IntegrationId;
    /// Id of an interaction.
    InteractionId;
    /// Id of a message.
    MessageId;
    /// Id of a role.
    RoleId;
    /// Id of a guild scheduled event.
    ScheduledEventId;
    /// Id of a SKU.
    SkuId;
    /// Id of a soundboard sound.
    SoundId;
    /// Id of a stage instance.
    StageInstanceId;
    /// Id of a sticker.
    StickerId;
    /// Id of a subscription.
    SubscriptionId;
    /// Id of a user.
    UserId;
    /// Id of a webhook.
    WebhookId;
    /// An id whose kind depends on context (for example a permission
    /// overwrite's target, which is a role or a member).
    GenericId;
}

impl GuildId {
    /// The shard that receives this guild's events when the bot runs
    /// `shard_count` shards: `(guild_id >> 22) % shard_count`.
    ///
    /// Returns 0 when `shard_count` is 0, so that a misconfigured count
    /// cannot panic.
    ///
    /// ```
    /// use tether_model::id::GuildId;
    /// assert_eq!(GuildId::new(41771983423143937).shard(3), 0);
    /// assert_eq!(GuildId::new(81384788765712384).shard(16), 2);
    /// ```
    pub const fn shard(self, shard_count: u32) -> u32 {
        if shard_count == 0 {
            return 0;
        }
        // The remainder is below `shard_count`, a u32, so the cast is lossless.
        #[expect(clippy::cast_possible_truncation, reason = "remainder < u32::MAX")]
        let shard = ((self.0 >> 22) % shard_count as u64) as u32;
        shard
    }
}

struct SnowflakeVisitor;

impl Visitor<'_> for SnowflakeVisitor {
    type Value = u64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a snowflake as a string or an integer")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        Ok(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        u64::try_from(v).map_err(|_| E::invalid_value(de::Unexpected::Signed(v), &self))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        v.parse()
            .map_err(|_| E::invalid_value(de::Unexpected::Str(v), &self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_string_and_accepts_numbers() {
        let id = UserId::new(80_351_110_224_678_912);
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"80351110224678912\"");
        assert_eq!(
            serde_json::from_str::<UserId>("\"80351110224678912\"").unwrap(),
            id
        );
        assert_eq!(
            serde_json::from_str::<UserId>("80351110224678912").unwrap(),
            id
        );
        assert!(serde_json::from_str::<UserId>("\"12a\"").is_err());
        assert!(serde_json::from_str::<UserId>("-1").is_err());
        assert!(serde_json::from_str::<UserId>("null").is_err());
    }

    #[test]
    fn shard_of_zero_count_is_zero() {
        assert_eq!(GuildId::new(u64::MAX).shard(0), 0);
    }

    #[test]
    fn timestamp_uses_discord_epoch() {
        assert_eq!(UserId::new(0).timestamp_ms(), DISCORD_EPOCH_MS);
    }
}
