//! Entitlement and subscription events (shard 0 only).

use serde::{Deserialize, Serialize};

use crate::id::{ApplicationId, EntitlementId, GuildId, SkuId, SubscriptionId, UserId};
use crate::timestamp::Timestamp;

/// `ENTITLEMENT_CREATE`, `_UPDATE` and `_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Entitlement {
    /// Entitlement id.
    pub id: EntitlementId,
    /// SKU granted.
    pub sku_id: SkuId,
    /// Application.
    pub application_id: ApplicationId,
    /// User granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<UserId>,
    /// Guild granted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Entitlement type.
    #[serde(rename = "type")]
    pub kind: u8,
    /// Whether it was deleted.
    #[serde(default)]
    pub deleted: bool,
    /// Start of validity.
    #[serde(default)]
    pub starts_at: Option<Timestamp>,
    /// End of validity.
    #[serde(default)]
    pub ends_at: Option<Timestamp>,
    /// Whether a consumable was used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub consumed: Option<bool>,
}

/// `SUBSCRIPTION_CREATE`, `_UPDATE` and `_DELETE`.
#[derive(Clone, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Subscription {
    /// Subscription id.
    pub id: SubscriptionId,
    /// Subscriber.
    pub user_id: UserId,
    /// SKUs subscribed to.
    #[serde(default)]
    pub sku_ids: Vec<SkuId>,
    /// Entitlements granted.
    #[serde(default)]
    pub entitlement_ids: Vec<EntitlementId>,
    /// Start of the current period.
    pub current_period_start: Timestamp,
    /// End of the current period.
    pub current_period_end: Timestamp,
    /// 0 active, 1 ending, 2 inactive.
    pub status: u8,
    /// When it was cancelled.
    #[serde(default)]
    pub canceled_at: Option<Timestamp>,
}
