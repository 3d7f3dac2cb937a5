//! Every fixture decodes to the right type and survives a round trip.

use std::collections::BTreeSet;

use tether_model::gateway::{Event, EventType, Frame, OutgoingFrame};

use crate::common::{all_fixtures, assert_round_trips, event_name, kind_of};

#[test]
fn every_documented_event_has_a_fixture() {
    let covered: BTreeSet<&str> = all_fixtures()
        .iter()
        .map(|(stem, _)| EventType::from_name(event_name(stem)).unwrap().name())
        .collect();
    let missing: Vec<&str> = EventType::ALL
        .iter()
        .map(|k| k.name())
        .filter(|n| !covered.contains(n))
        .collect();
    assert!(missing.is_empty(), "no fixture for {missing:?}");
}

#[test]
fn every_fixture_decodes_to_its_type_and_round_trips() {
    let fixtures = all_fixtures();
    assert!(fixtures.len() >= EventType::ALL.len());
    for (stem, text) in &fixtures {
        let frame = Frame::parse(text).unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(
            (frame.op, frame.t.as_deref()),
            (0, Some(event_name(stem))),
            "{stem}"
        );
        assert!(frame.s.is_some(), "{stem}: dispatches carry a sequence");
        let event = Event::from_dispatch(event_name(stem), frame.data())
            .unwrap_or_else(|e| panic!("{stem}: {e}"));
        assert_eq!(event.kind(), Some(kind_of(stem)), "{stem}");
        assert_eq!(event.name(), event_name(stem));
        assert_round_trips(&event);
    }
}

#[test]
fn decode_by_type_matches_decode_by_name() {
    for (stem, text) in all_fixtures() {
        let data = Frame::parse(&text).unwrap().data().to_owned();
        let by_name = Event::from_dispatch(event_name(&stem), &data).unwrap();
        assert_eq!(
            Event::decode(kind_of(&stem), &data).unwrap(),
            by_name,
            "{stem}"
        );
    }
}

/// The emulator's path: a typed event written into a dispatch frame is read
/// back by the client's path (frame, then event) unchanged.
#[test]
fn events_survive_a_whole_dispatch_frame() {
    for (seq, (stem, text)) in (1..).zip(all_fixtures()) {
        let frame = Frame::parse(&text).unwrap();
        let event = Event::from_dispatch(event_name(&stem), frame.data()).unwrap();
        let out = OutgoingFrame {
            op: 0,
            d: &event,
            s: Some(seq),
            t: Some(event.name().to_owned()),
        };
        let wire = serde_json::to_string(&out).unwrap();
        let back = Frame::parse(&wire).unwrap();
        assert_eq!(
            (back.op, back.s, back.t.as_deref()),
            (0, Some(seq), Some(event.name()))
        );
        assert_eq!(
            Event::from_dispatch(event.name(), back.data()).unwrap(),
            event,
            "{stem}"
        );
    }
}

/// Writing keeps the wire conventions: ids as strings, timestamps in
/// Discord's own form, and no `type` key lost to the Rust field names.
#[test]
fn written_payloads_follow_wire_conventions() {
    let message = crate::common::dispatch("MESSAGE_CREATE");
    let json = message.payload_json().unwrap();
    for needle in [
        r#""id":"1192000000000000001""#,
        r#""channel_id":"290926798999357250""#,
        r#""timestamp":"2024-05-10T09:41:27.123000+00:00""#,
        r#""type":0"#,
        r#""edited_timestamp":null"#,
    ] {
        assert!(json.contains(needle), "{needle} missing from {json}");
    }
    assert!(
        !json.contains("referenced_message"),
        "absent stays absent: {json}"
    );
    assert!(!json.contains("\"kind\""), "{json}");
}

#[test]
fn unknown_event_writes_its_payload_verbatim() {
    let raw = "{ \"weird\" : [1, 2.50, \"\\u00e9\"] }";
    let event = Event::from_dispatch("SOMETHING_NEW", raw).unwrap();
    assert_eq!(event.payload_json().unwrap(), raw);
    assert_round_trips(&event);
}
