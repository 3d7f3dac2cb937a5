//! Presences and activities.
//!
//! Discord warns that no field of a presence is guaranteed and that types are
//! not validated, so everything but the user id defaults when absent.
//!
//! See [Discord Docs/Gateway Events](https://discord.com/developers/docs/events/gateway-events#presence-update).

use serde::{Deserialize, Serialize};

use crate::id::{ApplicationId, GuildId, UserId};

/// A user's online status.
///
/// Any value is accepted: a string this library does not know, or a value
/// of another type, is [`Status::Unknown`] (Discord warns that presence
/// fields are not validated).
#[derive(Clone, Copy, Debug, Default, Eq, Hash, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Status {
    /// Online.
    Online,
    /// Do not disturb.
    Dnd,
    /// Idle.
    Idle,
    /// Invisible (sent only; others see offline).
    Invisible,
    /// Offline.
    #[default]
    Offline,
    /// A status this library does not know.
    Unknown,
}

impl<'de> Deserialize<'de> for Status {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Status;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a status")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Status, E> {
                Ok(match v {
                    "online" => Status::Online,
                    "dnd" => Status::Dnd,
                    "idle" => Status::Idle,
                    "invisible" => Status::Invisible,
                    "offline" => Status::Offline,
                    _ => Status::Unknown,
                })
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Status, E> {
                Ok(Status::Unknown)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Status, E> {
                Ok(Status::Unknown)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Status, E> {
                Ok(Status::Unknown)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Status, E> {
                Ok(Status::Unknown)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Status, E> {
                Ok(Status::Unknown)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Status, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(Status::Unknown)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Status, A::Error> {
                while map
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(Status::Unknown)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A user id, as carried by a presence's (possibly partial) user object.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct PartialUser {
    /// User id.
    pub id: UserId,
}

/// A user's presence in a guild (`PRESENCE_UPDATE`, and `GUILD_CREATE`'s
/// `presences`).
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Presence {
    /// The user; only `id` is guaranteed.
    pub user: PartialUser,
    /// Guild; absent inside `GUILD_CREATE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guild_id: Option<GuildId>,
    /// Status.
    #[serde(default)]
    pub status: Status,
    /// Activities.
    #[serde(default)]
    pub activities: Vec<Activity>,
    /// Status per platform.
    #[serde(default)]
    pub client_status: ClientStatus,
}

/// Status per platform; absent platforms are offline.
#[derive(Clone, Copy, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct ClientStatus {
    /// Desktop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desktop: Option<Status>,
    /// Mobile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mobile: Option<Status>,
    /// Web.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<Status>,
}

/// An activity ("Playing …").
#[derive(Clone, Debug, Default, Deserialize, Eq, PartialEq, Serialize)]
pub struct Activity {
    /// Name.
    #[serde(default)]
    pub name: String,
    /// 0 playing, 1 streaming, 2 listening, 3 watching, 4 custom, 5 competing.
    #[serde(rename = "type", default)]
    pub kind: u8,
    /// Stream URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Unix ms when added (received only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<u64>,
    /// Application id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<ApplicationId>,
    /// What the user is doing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<String>,
    /// Party status, or the custom status text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
}
