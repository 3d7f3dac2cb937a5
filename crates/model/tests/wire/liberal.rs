//! Liberal input: what Discord may send beyond the documented minimum.

use serde_json::Value;
use tether_model::Timestamp;
use tether_model::gateway::{Event, Frame, Hello};
use tether_model::permissions::Permissions;

use crate::common::{
    all_fixtures, assert_round_trips, dispatch, event_name, expect_event, payload,
};

/// Keys whose values stay raw JSON in the model: changing anything under
/// them legitimately changes the decoded value.
const RAW_SUBTREES: [&str; 2] = ["new_value", "old_value"];

fn walk(value: &mut Value, key: Option<&str>, f: &mut impl FnMut(Option<&str>, &mut Value)) {
    if key.is_some_and(|k| RAW_SUBTREES.contains(&k)) {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map.iter_mut() {
                walk(v, Some(k), f);
            }
        }
        // Array elements are judged by the key of the array.
        Value::Array(items) => items.iter_mut().for_each(|v| walk(v, key, f)),
        _ => {}
    }
    // Children first, so that what `f` adds is not walked again.
    f(key, value);
}

/// Decodes `data` both as given and after `change`, and expects the same event.
fn assert_same_after(stem: &str, data: &str, mut change: impl FnMut(Option<&str>, &mut Value)) {
    let original = Event::from_dispatch(event_name(stem), data).unwrap();
    let mut value: Value = serde_json::from_str(data).unwrap();
    walk(&mut value, None, &mut change);
    let changed = value.to_string();
    let decoded = Event::from_dispatch(event_name(stem), &changed)
        .unwrap_or_else(|e| panic!("{stem}: {e}\n{changed}"));
    assert_eq!(decoded, original, "{stem} decoded differently:\n{changed}");
}

#[test]
fn unknown_keys_are_ignored_in_every_object() {
    for (stem, text) in all_fixtures() {
        let data = Frame::parse(&text).unwrap().data().to_owned();
        assert_same_after(&stem, &data, |_, v| {
            if let Value::Object(map) = v {
                map.insert(
                    "_tether_unknown".into(),
                    serde_json::json!({"a": [null, 1.5, "x"], "b": {}}),
                );
                map.insert("zz_future_field".into(), Value::Null);
            }
        });
    }
}

#[test]
fn snowflakes_may_arrive_as_json_numbers_anywhere() {
    let is_id_key = |k: &str| {
        k == "id"
            || k.ends_with("_id")
            || k.ends_with("_ids")
            || k == "ids"
            || k.ends_with("roles")
            || k == "not_found"
            || k == "exempt_channels"
    };
    let mut converted = 0;
    for (stem, text) in all_fixtures() {
        let data = Frame::parse(&text).unwrap().data().to_owned();
        assert_same_after(&stem, &data, |key, v| {
            if !key.is_some_and(is_id_key) {
                return;
            }
            if let Value::String(s) = v {
                if let Ok(n) = s.parse::<u64>() {
                    *v = Value::from(n);
                    converted += 1;
                }
            }
        });
    }
    assert!(converted > 300, "only {converted} ids converted");
}

#[test]
fn unknown_event_names_keep_their_raw_payload() {
    let raw = r#"{"id":"1","nested":{"deep":[1,2,{"x":null}]},"n":1e300}"#;
    let event = Event::from_dispatch("GUILD_APPLIED_BOOSTS_UPDATE", raw).unwrap();
    let unknown = expect_event!(&event, Event::Unknown);
    assert_eq!(
        (unknown.name.as_str(), unknown.raw.get()),
        ("GUILD_APPLIED_BOOSTS_UPDATE", raw)
    );
    assert_eq!(
        (event.kind(), event.name()),
        (None, "GUILD_APPLIED_BOOSTS_UPDATE")
    );
    // Names are case-sensitive and exact: near misses are unknown, not errors.
    for name in [
        "message_create",
        "MESSAGE_CREATE ",
        "",
        "MESSAGE_CREATEX",
        "\u{0}",
    ] {
        let e = Event::from_dispatch(name, "null").unwrap();
        assert!(matches!(e, Event::Unknown(_)), "{name:?}");
    }
    // Any JSON value is a valid unknown payload.
    for data in ["null", "true", "[]", "\"s\"", "-0.5", " {} "] {
        assert_round_trips(&Event::from_dispatch("X_NEW", data).unwrap());
    }
}

#[test]
fn permissions_keep_unknown_bits_and_accept_numbers() {
    let role = |permissions: &str| {
        let json = format!(
            r#"{{"guild_id":"1","role":{{"id":"2","name":"r","permissions":{permissions}}}}}"#
        );
        let event = Event::from_dispatch("GUILD_ROLE_UPDATE", &json).unwrap();
        let upsert = expect_event!(event.clone(), Event::GuildRoleUpdate);
        (upsert.role.permissions, event)
    };
    let (all_bits, event) = role(r#""18446744073709551615""#);
    assert_eq!(all_bits.bits(), u64::MAX);
    assert!(assert_round_trips(&event).contains(r#""permissions":"18446744073709551615""#));
    let (future, _) = role(r#""36028797018963968""#);
    assert_eq!(future.bits(), 1 << 55);
    assert!(!future.intersects(Permissions::all() & !Permissions::from_bits_retain(1 << 55)));
    let (numeric, _) = role("2048");
    assert_eq!(numeric, Permissions::SEND_MESSAGES);
    let (zero, _) = role(r#""0""#);
    assert!(zero.is_empty());
}

#[test]
fn timestamps_in_every_rfc3339_form() {
    // 2024-05-10T09:41:27Z plus a fraction, written many ways.
    let base: Timestamp = "2024-05-10T09:41:27Z".parse().unwrap();
    let cases: &[(&str, i64)] = &[
        ("2024-05-10T09:41:27Z", 0),
        ("2024-05-10T09:41:27+00:00", 0),
        ("2024-05-10T09:41:27-00:00", 0),
        ("2024-05-10T09:41:27.1Z", 100_000),
        ("2024-05-10T09:41:27.12Z", 120_000),
        ("2024-05-10T09:41:27.123Z", 123_000),
        ("2024-05-10T09:41:27.1234Z", 123_400),
        ("2024-05-10T09:41:27.12345Z", 123_450),
        ("2024-05-10T09:41:27.123456+00:00", 123_456),
        // Beyond microseconds the extra digits are cut, not rounded.
        ("2024-05-10T09:41:27.1234567Z", 123_456),
        ("2024-05-10T09:41:27.12345678Z", 123_456),
        ("2024-05-10T09:41:27.123456789Z", 123_456),
        ("2024-05-10T09:41:27.999999999Z", 999_999),
        ("2024-05-10T11:41:27.5+02:00", 500_000),
        ("2024-05-10T04:11:27.5-05:30", 500_000),
        ("2024-05-10T23:41:27+14:00", 0),
        ("2024-05-09T21:41:27-12:00", 0),
        ("2024-05-10t09:41:27z", 0),
        ("2024-05-10 09:41:27Z", 0),
    ];
    for (form, micros) in cases {
        let expected = Timestamp::from_micros(base.as_micros() + micros);
        assert_eq!(form.parse::<Timestamp>(), Ok(expected), "{form}");
        // And inside a real payload, through serde.
        let json = payload("CHANNEL_PINS_UPDATE").replace("2024-05-03T14:22:09.5+02:00", form);
        let event = Event::from_dispatch("CHANNEL_PINS_UPDATE", &json).unwrap();
        let pins = expect_event!(&event, Event::ChannelPinsUpdate);
        assert_eq!(pins.last_pin_timestamp, Some(Some(expected)), "{form}");
        assert_round_trips(&event);
    }
}

#[test]
fn frames_tolerate_missing_and_extra_keys() {
    let hello = Frame::parse(
        r#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250,"_trace":["[\"gateway-prd-main-xxxx\",{\"micros\":0.0}]"]}}"#,
    )
    .unwrap();
    let hello: Hello = serde_json::from_str(hello.data()).unwrap();
    assert_eq!(hello.heartbeat_interval, 41_250);
    for (text, op) in [
        (r#"{"t":null,"op":11}"#, 11),
        (r#"{"op":11,"d":null}"#, 11),
        (r#"{"op":9,"d":false,"s":null,"t":null,"_trace":{}}"#, 9),
        (r#"{"op":7}"#, 7),
        (r#" {"d":{"a":1},"op":0,"t":"NEW","s":3} "#, 0),
    ] {
        assert_eq!(Frame::parse(text).unwrap().op, op, "{text}");
    }
    // An escaped event name is unescaped.
    let f =
        Frame::parse(r#"{"op":0,"s":1,"t":"MESSAGE\u005fDELETE","d":{"id":"1","channel_id":"2"}}"#)
            .unwrap();
    let e = Event::from_dispatch(f.t.as_deref().unwrap(), f.data()).unwrap();
    assert!(matches!(e, Event::MessageDelete(_)));
}

#[test]
fn a_message_needs_only_its_required_fields() {
    // The minimum a MESSAGE_CREATE needs; everything else defaults.
    let data =
        r#"{"id":"1","channel_id":"2","author":{"id":"3"},"timestamp":"2024-05-10T09:41:27Z"}"#;
    let m = expect_event!(
        Event::from_dispatch("MESSAGE_CREATE", data).unwrap(),
        Event::MessageCreate
    );
    assert_eq!(
        (m.author.username.as_str(), m.author.discriminator.as_str()),
        ("", "0")
    );
    assert!(m.content.is_empty() && m.mentions.is_empty() && m.embeds.is_empty());
    assert_eq!(
        (m.kind, m.member.as_ref(), m.edited_timestamp),
        (0, None, None)
    );
}

#[test]
fn core_events_still_decode_with_a_mangled_neighbour_field() {
    // Real clients see undocumented keys whose types change over time; they
    // must not disturb the documented ones.
    let ready = payload("READY").replace(
        r#""user_settings":{}"#,
        r#""user_settings":[1,"x",{"y":[]}]"#,
    );
    let event = Event::from_dispatch("READY", &ready).unwrap();
    assert_eq!(event, dispatch("READY"));
}

/// Discord warns that presence fields are not validated: a status of the
/// wrong type is `Unknown`, and an activity without a name still decodes,
/// so that one odd presence never loses a whole `GUILD_CREATE`.
#[test]
fn presence_fields_of_any_type_are_accepted() {
    use tether_model::gateway::Event;
    use tether_model::presence::Status;
    let data = r#"{"user":{"id":"1"},"guild_id":"2","status":1,"activities":[{"type":0}],
        "client_status":{"web":["odd"]}}"#;
    let Ok(Event::PresenceUpdate(p)) = Event::from_dispatch("PRESENCE_UPDATE", data) else {
        panic!("presence did not decode");
    };
    assert_eq!(p.status, Status::Unknown);
    assert_eq!(p.client_status.web, Some(Status::Unknown));
    assert_eq!(p.activities[0].name, "");
}

/// Permissions are "arbitrarily large" integers on Discord; a value past
/// 64 bits keeps its low bits instead of failing the event.
#[test]
fn permissions_beyond_64_bits_are_accepted() {
    let role: tether_model::guild::Role =
        serde_json::from_str(r#"{"id":"1","name":"r","permissions":"36893488147419103240"}"#)
            .unwrap();
    assert_eq!(role.permissions.bits(), 8);
}

#[test]
fn resumed_with_null_payload_is_accepted() {
    use tether_model::gateway::Event;
    assert!(matches!(
        Event::from_dispatch("RESUMED", "null"),
        Ok(Event::Resumed(_))
    ));
}
