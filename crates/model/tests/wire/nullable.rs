//! Fields where Discord means different things by "absent" and "null".

use serde_json::Value;
use tether_model::Timestamp;
use tether_model::gateway::event::{MemberUpdate, MessageUpdate, PinsUpdate};
use tether_model::message::Message;

use crate::common::{assert_value_round_trips, payload};

/// The object `json` with `key` absent, null, or set to `value`.
fn variants(json: &str, key: &str, value: &Value) -> [String; 3] {
    let Value::Object(mut base) = serde_json::from_str(json).unwrap() else {
        panic!("not an object")
    };
    base.remove(key);
    let absent = Value::Object(base.clone()).to_string();
    base.insert(key.to_owned(), Value::Null);
    let null = Value::Object(base.clone()).to_string();
    base.insert(key.to_owned(), value.clone());
    let set = Value::Object(base).to_string();
    [absent, null, set]
}

/// What the written form says about `key`: absent, null, or a value.
fn written(json: &str, key: &str) -> Option<Value> {
    let Value::Object(map) = serde_json::from_str(json).unwrap() else {
        panic!("not an object")
    };
    map.get(key).cloned()
}

#[test]
fn member_update_nick() {
    let [absent, null, set] = variants(
        &payload("GUILD_MEMBER_UPDATE"),
        "nick",
        &Value::from("Newbie"),
    );
    let absent: MemberUpdate = serde_json::from_str(&absent).unwrap();
    let null: MemberUpdate = serde_json::from_str(&null).unwrap();
    let set: MemberUpdate = serde_json::from_str(&set).unwrap();
    assert_eq!(absent.nick, None);
    assert_eq!(null.nick, Some(None));
    assert_eq!(set.nick, Some(Some("Newbie".to_owned())));
    assert_eq!(written(&assert_value_round_trips(&absent), "nick"), None);
    assert_eq!(
        written(&assert_value_round_trips(&null), "nick"),
        Some(Value::Null)
    );
    assert_eq!(
        written(&assert_value_round_trips(&set), "nick"),
        Some(Value::from("Newbie"))
    );
}

#[test]
fn message_referenced_message() {
    let referenced = serde_json::from_str::<Value>(&payload("MESSAGE_CREATE")).unwrap();
    let [absent, null, set] = variants(
        &payload("MESSAGE_CREATE.reply_deleted"),
        "referenced_message",
        &referenced,
    );
    let absent: Message = serde_json::from_str(&absent).unwrap();
    let null: Message = serde_json::from_str(&null).unwrap();
    let set: Message = serde_json::from_str(&set).unwrap();
    assert_eq!(absent.referenced_message, None);
    assert_eq!(null.referenced_message, Some(None));
    let inner = set.referenced_message.as_ref().unwrap().as_ref().unwrap();
    assert_eq!(inner.attachments.len(), 2);
    assert_eq!(
        written(&assert_value_round_trips(&absent), "referenced_message"),
        None
    );
    assert_eq!(
        written(&assert_value_round_trips(&null), "referenced_message"),
        Some(Value::Null)
    );
    let json = assert_value_round_trips(&set);
    assert!(
        written(&json, "referenced_message").unwrap().is_object(),
        "{json}"
    );
}

#[test]
fn message_update_edited_timestamp() {
    let when = Value::from("2024-05-10T11:50:00.654321+02:00");
    let [absent, null, set] = variants(&payload("MESSAGE_UPDATE"), "edited_timestamp", &when);
    let absent: MessageUpdate = serde_json::from_str(&absent).unwrap();
    let null: MessageUpdate = serde_json::from_str(&null).unwrap();
    let set: MessageUpdate = serde_json::from_str(&set).unwrap();
    let expected: Timestamp = "2024-05-10T09:50:00.654321Z".parse().unwrap();
    assert_eq!(absent.edited_timestamp, None);
    assert_eq!(null.edited_timestamp, Some(None));
    assert_eq!(set.edited_timestamp, Some(Some(expected)));
    assert_eq!(
        written(&assert_value_round_trips(&absent), "edited_timestamp"),
        None
    );
    assert_eq!(
        written(&assert_value_round_trips(&null), "edited_timestamp"),
        Some(Value::Null)
    );
    assert_eq!(
        written(&assert_value_round_trips(&set), "edited_timestamp"),
        Some(Value::from("2024-05-10T09:50:00.654321+00:00"))
    );
}

#[test]
fn pins_update_last_pin_timestamp() {
    let when = Value::from("2024-05-03T14:22:09Z");
    let [absent, null, set] =
        variants(&payload("CHANNEL_PINS_UPDATE"), "last_pin_timestamp", &when);
    let absent: PinsUpdate = serde_json::from_str(&absent).unwrap();
    let null: PinsUpdate = serde_json::from_str(&null).unwrap();
    let set: PinsUpdate = serde_json::from_str(&set).unwrap();
    assert_eq!(absent.last_pin_timestamp, None);
    assert_eq!(null.last_pin_timestamp, Some(None));
    assert_eq!(
        set.last_pin_timestamp,
        Some(Some("2024-05-03T14:22:09Z".parse().unwrap()))
    );
    assert_eq!(
        written(&assert_value_round_trips(&absent), "last_pin_timestamp"),
        None
    );
    assert_eq!(
        written(&assert_value_round_trips(&null), "last_pin_timestamp"),
        Some(Value::Null)
    );
    assert_eq!(
        written(&assert_value_round_trips(&set), "last_pin_timestamp"),
        Some(Value::from("2024-05-03T14:22:09.000000+00:00"))
    );
}

/// Fields documented `name?: ?T` that the model folds into one `Option`:
/// absent and null both read as `None`, which is what a cache wants for
/// these (null means "cleared", absent never happens on these events).
#[test]
fn folded_nullables_read_null_and_absent_alike() {
    let [absent, null, _] = variants(
        &payload("GUILD_MEMBER_UPDATE"),
        "communication_disabled_until",
        &Value::Null,
    );
    let absent: MemberUpdate = serde_json::from_str(&absent).unwrap();
    let null: MemberUpdate = serde_json::from_str(&null).unwrap();
    assert_eq!(absent.communication_disabled_until, None);
    assert_eq!(null.communication_disabled_until, None);
}
