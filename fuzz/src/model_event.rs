//! The `model_event` target: any text as a gateway frame, and any dispatch
//! in it as a typed [`Event`].
//!
//! # Input format
//!
//! The input is the text of one gateway message, as the shard receives it
//! after decompression: `{"t":…,"s":…,"op":…,"d":…}`. Input that is not
//! UTF-8, not a frame, or has no `t` is skipped. The seeds are the model
//! crate's dispatch fixtures (`crates/model/tests/fixtures/`), one whole
//! frame per file.
//!
//! # Contract checked
//!
//! Decoding may fail, but nothing panics, and an event that decodes
//! round-trips as [`Event::payload_json`] documents: writing its payload and
//! decoding that under the same name gives an equal event, and writing it
//! again gives the same text (the written form is canonical).

use tether_model::gateway::{Event, Frame};

/// Parses `data` as a frame and decodes its dispatch.
///
/// # Panics
///
/// If a decoded event does not round-trip (see the module docs).
pub fn model_event(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(frame) = Frame::parse(text) else {
        return;
    };
    let Some(name) = frame.t.as_deref() else {
        return;
    };
    let Ok(event) = Event::from_dispatch(name, frame.data()) else {
        return;
    };
    assert_eq!(event.name(), name, "the event forgot its name");
    let json = event
        .payload_json()
        .unwrap_or_else(|e| panic!("{name}: payload does not serialise: {e}"));
    let again = Event::from_dispatch(name, &json)
        .unwrap_or_else(|e| panic!("{name}: written payload does not decode: {e}\n{json}"));
    assert_eq!(again, event, "{name} changed in a round trip:\n{json}");
    let rewritten = again
        .payload_json()
        .unwrap_or_else(|e| panic!("{name}: re-decoded payload does not serialise: {e}"));
    assert_eq!(rewritten, json, "{name}: written form is not canonical");
}

#[cfg(test)]
mod tests {
    use super::model_event;

    #[test]
    fn skips_what_is_not_a_dispatch() {
        model_event(b"\xff");
        model_event(b"[]");
        model_event(br#"{"op":11}"#);
        model_event(br#"{"op":0,"t":"MESSAGE_DELETE","d":{"id":"x"}}"#);
    }

    #[test]
    fn round_trips_known_and_unknown_events() {
        model_event(br#"{"op":0,"s":1,"t":"MESSAGE_DELETE","d":{"id":1,"channel_id":"2"}}"#);
        model_event(br#"{"op":0,"s":2,"t":"NOT_YET_DOCUMENTED","d":{"a": [1, 2.5e3]}}"#);
    }
}
