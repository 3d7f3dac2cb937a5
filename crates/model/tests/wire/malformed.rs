//! Malformed input is an `Err`, never a panic or a stack overflow.

use serde_json::Value;
use tether_model::gateway::{Event, Frame};

use crate::common::{all_fixtures, assert_round_trips, event_name, payload};

fn decode(name: &str, data: &str) -> Result<Event, serde_json::Error> {
    Event::from_dispatch(name, data)
}

/// `data` with the value at `key` (top level) replaced, or removed if `None`.
fn with_top_level(data: &str, key: &str, value: Option<Value>) -> String {
    let Value::Object(mut map) = serde_json::from_str(data).unwrap() else {
        panic!("not an object")
    };
    match value {
        Some(v) => map.insert(key.to_owned(), v),
        None => map.remove(key),
    };
    Value::Object(map).to_string()
}

#[test]
fn missing_required_fields_are_errors() {
    let cases: &[(&str, &[&str])] = &[
        (
            "READY",
            &[
                "v",
                "user",
                "session_id",
                "resume_gateway_url",
                "application",
            ],
        ),
        ("GUILD_CREATE", &["id"]),
        ("GUILD_DELETE", &["id"]),
        ("CHANNEL_CREATE", &["id", "type"]),
        ("THREAD_DELETE", &["id", "guild_id", "type"]),
        ("THREAD_LIST_SYNC", &["guild_id"]),
        ("THREAD_MEMBERS_UPDATE", &["id", "guild_id", "member_count"]),
        ("THREAD_MEMBER_UPDATE", &["guild_id", "join_timestamp"]),
        ("GUILD_MEMBER_ADD", &["guild_id"]),
        ("GUILD_MEMBER_UPDATE", &["guild_id", "user"]),
        ("GUILD_MEMBER_REMOVE", &["guild_id", "user"]),
        (
            "GUILD_MEMBERS_CHUNK",
            &["guild_id", "chunk_index", "chunk_count"],
        ),
        ("GUILD_ROLE_CREATE", &["guild_id", "role"]),
        ("GUILD_ROLE_DELETE", &["guild_id", "role_id"]),
        (
            "MESSAGE_CREATE",
            &["id", "channel_id", "author", "timestamp"],
        ),
        ("MESSAGE_UPDATE", &["id", "channel_id"]),
        ("MESSAGE_DELETE", &["id", "channel_id"]),
        ("MESSAGE_DELETE_BULK", &["ids", "channel_id"]),
        (
            "MESSAGE_REACTION_ADD",
            &["user_id", "channel_id", "message_id", "emoji"],
        ),
        ("TYPING_START", &["channel_id", "user_id", "timestamp"]),
        ("PRESENCE_UPDATE", &["user"]),
        ("VOICE_STATE_UPDATE", &["user_id"]),
        ("VOICE_SERVER_UPDATE", &["token", "guild_id"]),
        (
            "INTERACTION_CREATE",
            &["id", "application_id", "type", "token"],
        ),
        ("USER_UPDATE", &["id"]),
        ("RATE_LIMITED", &["opcode", "retry_after"]),
    ];
    for (stem, keys) in cases {
        let data = payload(stem);
        assert!(decode(event_name(stem), &data).is_ok(), "{stem} fixture");
        for key in *keys {
            let without = with_top_level(&data, key, None);
            assert!(
                decode(event_name(stem), &without).is_err(),
                "{stem} without {key} decoded"
            );
        }
    }
}

#[test]
fn wrong_types_are_errors() {
    let cases: &[(&str, &str, Value)] = &[
        ("MESSAGE_CREATE", "id", Value::Bool(true)),
        ("MESSAGE_CREATE", "id", Value::from("12a")),
        ("MESSAGE_CREATE", "id", Value::from(-1)),
        ("MESSAGE_CREATE", "id", Value::from(1.5)),
        ("MESSAGE_CREATE", "content", Value::from(5)),
        ("MESSAGE_CREATE", "mentions", serde_json::json!({})),
        (
            "MESSAGE_CREATE",
            "mentions",
            serde_json::json!([{"username": "x"}]),
        ),
        ("MESSAGE_CREATE", "timestamp", Value::from("yesterday")),
        ("MESSAGE_CREATE", "timestamp", Value::from(1_715_335_200)),
        ("MESSAGE_CREATE", "nonce", Value::from(1.5)),
        ("MESSAGE_CREATE", "type", Value::from(256)),
        ("MESSAGE_CREATE", "referenced_message", Value::from("gone")),
        (
            "GUILD_CREATE",
            "roles",
            serde_json::json!([{"id": "1", "permissions": "lots"}]),
        ),
        (
            "GUILD_CREATE",
            "roles",
            serde_json::json!([{"id": "1", "permissions": "-8"}]),
        ),
        (
            "GUILD_CREATE",
            "joined_at",
            Value::from("2024-02-30T00:00:00Z"),
        ),
        (
            "GUILD_MEMBERS_CHUNK",
            "not_found",
            serde_json::json!([null]),
        ),
        ("GUILD_MEMBERS_CHUNK", "chunk_index", Value::from(-1)),
        ("PRESENCE_UPDATE", "user", Value::from("80351110224678912")),
        (
            "TYPING_START",
            "timestamp",
            Value::from("2024-05-10T09:41:27Z"),
        ),
        ("INTERACTION_CREATE", "type", Value::from("2")),
        ("READY", "shard", serde_json::json!([0])),
        ("READY", "shard", serde_json::json!([0, 1, 2])),
        ("READY", "guilds", serde_json::json!({"id": "1"})),
        ("GUILD_MEMBER_UPDATE", "nick", Value::from(7)),
        ("RATE_LIMITED", "retry_after", Value::from("soon")),
        ("RESUMED", "x", Value::Null),
    ];
    for (stem, key, value) in cases {
        let data = with_top_level(&payload(stem), key, Some(value.clone()));
        let result = decode(event_name(stem), &data);
        // `RESUMED` ignores unknown keys, so that one is the control case.
        assert_eq!(
            result.is_err(),
            *stem != "RESUMED",
            "{stem}.{key} = {value}: {result:?}"
        );
    }
    for data in ["null", "[]", "\"READY\"", "42", "true"] {
        assert!(decode("READY", data).is_err(), "READY {data}");
        assert!(
            decode("MESSAGE_CREATE", data).is_err(),
            "MESSAGE_CREATE {data}"
        );
    }
}

#[test]
fn any_top_level_value_swap_never_panics() {
    let swaps = [
        Value::Null,
        Value::from(-1),
        Value::from("x"),
        serde_json::json!({}),
        serde_json::json!([]),
    ];
    let mut tried = 0;
    for (stem, text) in all_fixtures() {
        let data = Frame::parse(&text).unwrap().data().to_owned();
        let Value::Object(map) = serde_json::from_str(&data).unwrap() else {
            continue;
        };
        for key in map.keys() {
            for swap in &swaps {
                let changed = with_top_level(&data, key, Some(swap.clone()));
                if let Ok(event) = decode(event_name(&stem), &changed) {
                    assert_round_trips(&event);
                }
                tried += 1;
            }
        }
    }
    assert!(tried > 3_000, "{tried}");
}

#[test]
fn invalid_json_is_an_error() {
    for text in [
        "",
        " ",
        "{",
        "}",
        r#"{"id":"1","channel_id":"2""#,
        r#"{"id":"1","channel_id":"2"} trailing"#,
        r#"{"id":"1","channel_id":"2",}"#,
        "{'id':'1'}",
        r#"{"id":"1" /* c */,"channel_id":"2"}"#,
        "\u{feff}{\"id\":\"1\",\"channel_id\":\"2\"}",
        r#"{"id":NaN,"channel_id":"2"}"#,
        r#"{"id":"1","channel_id":"2","x":"\q"}"#,
        r#"{"id":"1","channel_id":"2","id":"3"}"#,
    ] {
        assert!(decode("MESSAGE_DELETE", text).is_err(), "{text:?}");
        // Unknown events still need valid JSON (duplicate keys are a
        // typed-decoding matter, not a syntax one).
        if !text.contains(r#""id":"3""#) {
            assert!(
                decode("NOT_A_REAL_EVENT", text).is_err(),
                "unknown {text:?}"
            );
        }
        assert!(Frame::parse(text).is_err(), "frame {text:?}");
    }
}

/// A lone surrogate escape is grammatical JSON but not Unicode: refused
/// where the model needs the string, skipped unread where it does not.
#[test]
fn lone_surrogates_fail_only_where_read() {
    let ignored = r#"{"id":"1","channel_id":"2","x":"\ud800"}"#;
    assert!(decode("MESSAGE_DELETE", ignored).is_ok());
    let read = r#"{"id":"1","channel_id":"2","author":{"id":"3"},"timestamp":"2024-05-10T09:41:27Z","content":"\ud800"}"#;
    assert!(decode("MESSAGE_CREATE", read).is_err());
    assert!(Frame::parse(r#"{"op":0,"s":1,"t":"\udc00","d":null}"#).is_err());
}

#[test]
fn out_of_range_numbers_are_errors() {
    for (name, data) in [
        (
            "MESSAGE_DELETE",
            r#"{"id":"18446744073709551616","channel_id":"2"}"#,
        ),
        (
            "MESSAGE_DELETE",
            r#"{"id":18446744073709551616,"channel_id":"2"}"#,
        ),
        (
            "MESSAGE_DELETE",
            r#"{"id":"99999999999999999999999999999999","channel_id":"2"}"#,
        ),
        ("MESSAGE_DELETE", r#"{"id":1e400,"channel_id":"2"}"#),
        ("MESSAGE_DELETE", r#"{"id":"","channel_id":"2"}"#),
        ("MESSAGE_DELETE", r#"{"id":" 1","channel_id":"2"}"#),
        (
            "GUILD_MEMBERS_CHUNK",
            r#"{"guild_id":"1","chunk_index":4294967296,"chunk_count":1}"#,
        ),
        (
            "TYPING_START",
            r#"{"channel_id":"1","user_id":"2","timestamp":18446744073709551616}"#,
        ),
        ("RATE_LIMITED", r#"{"opcode":8,"retry_after":1e999}"#),
        (
            "GUILD_ROLE_DELETE",
            r#"{"guild_id":"1","role_id":-9223372036854775808}"#,
        ),
    ] {
        assert!(decode(name, data).is_err(), "{name} {data}");
    }
    for text in [
        r#"{"op":256,"d":null}"#,
        r#"{"op":-1,"d":null}"#,
        r#"{"op":0,"s":-1,"t":"X","d":null}"#,
        r#"{"op":0,"s":18446744073709551616,"t":"X","d":null}"#,
        r#"{"op":0,"s":1,"t":7,"d":null}"#,
        r#"{"op":"0","d":null}"#,
        r#"{"d":null}"#,
        "null",
    ] {
        assert!(Frame::parse(text).is_err(), "{text}");
    }
}

/// Regression: the mutation sweep (`decode_any`) found that
/// `9999-12-31T23:59:59-01:00` parsed, then was written as year 10000,
/// which does not parse back. Instants outside 0000–9999 UTC are refused.
#[test]
fn timestamp_offset_past_year_9999_is_refused() {
    for form in [
        "9999-12-31T23:59:59-01:00",
        "0000-01-01T00:00:00+00:01",
        "9999-12-31T23:30:00-00:30",
    ] {
        let data = format!(r#"{{"channel_id":"1","last_pin_timestamp":"{form}"}}"#);
        assert!(decode("CHANNEL_PINS_UPDATE", &data).is_err(), "{form}");
    }
    for form in [
        "9999-12-31T23:59:59.999999Z",
        "9999-12-31T23:59:59+01:00",
        "0000-01-01T00:00:00-01:00",
    ] {
        let data = format!(r#"{{"channel_id":"1","last_pin_timestamp":"{form}"}}"#);
        assert_round_trips(&decode("CHANNEL_PINS_UPDATE", &data).unwrap());
    }
}

/// Nests `inner` `depth` times inside `open`/`close`.
fn nest(open: &str, inner: &str, close: &str, depth: usize) -> String {
    let mut s = String::with_capacity((open.len() + close.len()) * depth + inner.len());
    (0..depth).for_each(|_| s.push_str(open));
    s.push_str(inner);
    (0..depth).for_each(|_| s.push_str(close));
    s
}

/// Runs `f` on a thread with a 2 MiB stack, the size of tokio's worker
/// threads and Rust's default for spawned threads, where a bot decodes.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// Deep nesting never overflows the stack. Where the model decodes the
/// nested value it is an error (`serde_json` stops at 128 levels); where it
/// only skips or keeps it raw (unknown events, unknown keys, a frame's
/// `d`), `serde_json` walks it without recursion, so it may be accepted.
#[test]
fn deep_nesting_never_overflows_the_stack() {
    on_small_stack(|| {
        for depth in [200, 10_000, 200_000] {
            let arrays = nest("[", "", "]", depth);
            let objects = nest(r#"{"a":"#, "1", "}", depth);
            for raw in [&arrays, &objects] {
                if let Ok(event) = decode("NOT_A_REAL_EVENT", raw) {
                    assert_eq!(event.payload_json().unwrap(), *raw);
                }
                let unknown_key = format!(r#"{{"id":"1","channel_id":"2","x":{raw}}}"#);
                if let Ok(event) = decode("MESSAGE_DELETE", &unknown_key) {
                    assert_round_trips(&event);
                }
                let frame = format!(r#"{{"op":0,"s":1,"t":"X","d":{raw}}}"#);
                if let Ok(frame) = Frame::parse(&frame) {
                    assert_eq!(frame.data(), raw.as_str());
                }
            }
            // Decoded values: errors.
            for (name, data) in [
                (
                    "GUILD_AUDIT_LOG_ENTRY_CREATE",
                    format!(
                        r#"{{"id":"1","guild_id":"2","action_type":1,"changes":[{{"key":"k","new_value":{arrays}}}]}}"#
                    ),
                ),
                // Flattened payloads buffer unknown keys, so those are decoded too.
                (
                    "GUILD_MEMBER_ADD",
                    format!(r#"{{"guild_id":"1","x":{arrays}}}"#),
                ),
                ("USER_UPDATE", format!(r#"{{"id":"1","x":{objects}}}"#)),
                (
                    "THREAD_MEMBER_UPDATE",
                    format!(
                        r#"{{"guild_id":"1","join_timestamp":"2024-05-05T12:01:00Z","x":{arrays}}}"#
                    ),
                ),
                (
                    "MESSAGE_CREATE",
                    format!(
                        r#"{{"id":"1","channel_id":"2","author":{{"id":"3"}},"timestamp":"2024-05-10T09:41:27Z","nonce":{arrays}}}"#
                    ),
                ),
                (
                    "INTERACTION_CREATE",
                    format!(
                        r#"{{"id":"1","application_id":"2","type":2,"token":"t","data":{{"options":[{{"name":"a","type":3,"value":{arrays}}}]}}}}"#
                    ),
                ),
            ] {
                assert!(decode(name, &data).is_err(), "{name} at depth {depth}");
            }
        }
    });
}

/// A reply chain decodes up to `MAX_REFERENCE_DEPTH` levels and is an error
/// beyond; before the cap, about 110 levels (well inside `serde_json`'s limit
/// of 128) overflowed a 2 MiB stack in a debug build and aborted.
#[test]
fn deep_reply_chains_are_capped_before_the_stack_is_at_risk() {
    let max = usize::from(tether_model::message::MAX_REFERENCE_DEPTH);
    on_small_stack(move || {
        let leaf =
            r#"{"id":"1","channel_id":"2","author":{"id":"3"},"timestamp":"2024-05-10T09:41:27Z""#;
        let chain = |depth: usize| {
            let mut s = String::new();
            (0..depth).for_each(|_| {
                s.push_str(leaf);
                s.push_str(r#","referenced_message":"#);
            });
            s.push_str("null");
            (0..depth).for_each(|_| s.push('}'));
            s
        };
        for depth in [max + 1, 110, 127, 128, 100_000] {
            assert!(decode("MESSAGE_CREATE", &chain(depth)).is_err(), "{depth}");
        }
        // The cap is per message being decoded: an error leaves nothing behind.
        let event = decode("MESSAGE_CREATE", &chain(max)).unwrap();
        let mut levels = 0;
        let mut message = match &event {
            Event::MessageCreate(m) => m.as_ref(),
            other => panic!("{other:?}"),
        };
        while let Some(Some(inner)) = &message.referenced_message {
            levels += 1;
            message = inner;
        }
        assert_eq!(
            (levels, &message.referenced_message),
            (max - 1, &Some(None))
        );
        let copy = event.clone();
        assert_round_trips(&copy);
        assert_eq!(copy, event);

        // An interaction's message counts as the first level.
        let interaction = format!(
            r#"{{"id":"1","application_id":"2","type":3,"token":"t","message":{}}}"#,
            chain(max)
        );
        assert!(decode("INTERACTION_CREATE", &interaction).is_ok());
        let too_deep = format!(
            r#"{{"id":"1","application_id":"2","type":3,"token":"t","message":{}}}"#,
            chain(max + 1)
        );
        assert!(decode("INTERACTION_CREATE", &too_deep).is_err());

        let option = |depth: usize| {
            let mut s = String::from(
                r#"{"id":"1","application_id":"2","type":2,"token":"t","data":{"options":["#,
            );
            (0..depth).for_each(|_| s.push_str(r#"{"name":"g","type":2,"options":["#));
            (0..depth).for_each(|_| s.push_str("]}"));
            s.push_str("]}}");
            s
        };
        // Options are small frames: serde_json's own limit stops them first.
        assert!(decode("INTERACTION_CREATE", &option(62)).is_ok());
        assert!(decode("INTERACTION_CREATE", &option(63)).is_err());
        assert!(decode("INTERACTION_CREATE", &option(100_000)).is_err());
    });
}

#[test]
fn huge_but_flat_input_is_fine() {
    let content = "é\"\\\n".repeat(200_000);
    let data = serde_json::json!({
        "id": "1", "channel_id": "2", "author": {"id": "3"},
        "timestamp": "2024-05-10T09:41:27Z", "content": content,
        "mention_roles": vec!["4"; 50_000],
    })
    .to_string();
    let event = decode("MESSAGE_CREATE", &data).unwrap();
    let Event::MessageCreate(message) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(message.content, content);
    assert_eq!(message.mention_roles.len(), 50_000);
    assert_round_trips(&event);
}
