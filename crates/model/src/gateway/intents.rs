//! Gateway intents: which groups of events a session receives.
//!
//! See [Discord Docs/Gateway](https://discord.com/developers/docs/events/gateway#gateway-intents).

use bitflags::bitflags;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

bitflags! {
    /// A set of gateway intents, sent in Identify.
    ///
    /// Three intents are privileged ([`Intents::PRIVILEGED`]): they must be
    /// enabled for the application in the Developer Portal, or Discord
    /// closes the connection with 4014.
    ///
    /// ```
    /// use tether_model::Intents;
    /// let intents = Intents::GUILD_MESSAGES | Intents::MESSAGE_CONTENT;
    /// assert_eq!(intents.bits(), 33280);
    /// assert_eq!(intents.privileged(), Intents::MESSAGE_CONTENT);
    /// ```
    #[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq)]
    pub struct Intents: u64 {
        /// Guild, channel, thread, role and stage lifecycle events.
        const GUILDS = 1 << 0;
        /// Member add/update/remove (privileged).
        const GUILD_MEMBERS = 1 << 1;
        /// Bans and audit log entries.
        const GUILD_MODERATION = 1 << 2;
        /// Emoji, sticker and soundboard updates.
        const GUILD_EXPRESSIONS = 1 << 3;
        /// Integration updates.
        const GUILD_INTEGRATIONS = 1 << 4;
        /// Webhook updates.
        const GUILD_WEBHOOKS = 1 << 5;
        /// Invite create/delete.
        const GUILD_INVITES = 1 << 6;
        /// Voice state updates and channel effects.
        const GUILD_VOICE_STATES = 1 << 7;
        /// Presence updates (privileged).
        const GUILD_PRESENCES = 1 << 8;
        /// Guild message create/update/delete.
        const GUILD_MESSAGES = 1 << 9;
        /// Guild reactions.
        const GUILD_MESSAGE_REACTIONS = 1 << 10;
        /// Guild typing.
        const GUILD_MESSAGE_TYPING = 1 << 11;
        /// DM message create/update/delete.
        const DIRECT_MESSAGES = 1 << 12;
        /// DM reactions.
        const DIRECT_MESSAGE_REACTIONS = 1 << 13;
        /// DM typing.
        const DIRECT_MESSAGE_TYPING = 1 << 14;
        /// Message content, embeds, attachments and components (privileged).
        const MESSAGE_CONTENT = 1 << 15;
        /// Scheduled events.
        const GUILD_SCHEDULED_EVENTS = 1 << 16;
        /// Auto moderation rule changes.
        const AUTO_MODERATION_CONFIGURATION = 1 << 20;
        /// Auto moderation actions.
        const AUTO_MODERATION_EXECUTION = 1 << 21;
        /// Guild poll votes.
        const GUILD_MESSAGE_POLLS = 1 << 24;
        /// DM poll votes.
        const DIRECT_MESSAGE_POLLS = 1 << 25;
    }
}

impl Intents {
    /// The intents that need enabling in the Developer Portal.
    pub const PRIVILEGED: Self = Self::GUILD_MEMBERS
        .union(Self::GUILD_PRESENCES)
        .union(Self::MESSAGE_CONTENT);

    /// Every documented intent that is not privileged.
    pub const NON_PRIVILEGED: Self = Self::all().difference(Self::PRIVILEGED);

    /// The privileged intents in this set.
    #[must_use]
    pub const fn privileged(self) -> Self {
        self.intersection(Self::PRIVILEGED)
    }

    /// Whether `bits` names only documented intents.
    pub const fn is_valid_bits(bits: u64) -> bool {
        Self::from_bits(bits).is_some()
    }
}

impl Serialize for Intents {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_u64(self.bits())
    }
}

impl<'de> Deserialize<'de> for Intents {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Unknown bits are kept so that a server can check them (4013).
        u64::deserialize(deserializer).map(Self::from_bits_retain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_match_discord_docs() {
        assert_eq!(Intents::all().bits(), 53_608_447);
        assert_eq!(Intents::NON_PRIVILEGED.bits(), 53_575_421);
        assert_eq!(Intents::PRIVILEGED.bits(), 2 | 256 | 32768);
        assert!(!Intents::is_valid_bits(1 << 17));
    }
}
