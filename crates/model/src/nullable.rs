//! Serde helpers for fields where "absent" and "null" mean different things.
//!
//! Discord marks such fields `name?: ?T`. They map to `Option<Option<T>>`:
//! `None` = absent (unchanged, unknown), `Some(None)` = explicitly null,
//! `Some(Some(v))` = a value. Use with
//! `#[serde(default, with = "crate::nullable", skip_serializing_if = "Option::is_none")]`.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Deserialises a present field (null or a value); absence is handled by
/// `#[serde(default)]`.
pub(crate) fn deserialize<'de, T, D>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    T: Deserialize<'de>,
    D: Deserializer<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

/// Serialises `Some(None)` as `null` and `Some(Some(v))` as `v`; `None` must be
/// skipped with `skip_serializing_if`.
#[expect(
    clippy::ref_option,
    reason = "serde's `with` passes a reference to the field"
)]
pub(crate) fn serialize<T, S>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error>
where
    T: Serialize,
    S: Serializer,
{
    match value {
        Some(inner) => inner.serialize(serializer),
        None => serializer.serialize_none(),
    }
}
