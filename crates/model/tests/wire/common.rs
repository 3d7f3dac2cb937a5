//! Fixture loading and round-trip helpers shared by the other modules.

use std::path::{Path, PathBuf};

use tether_model::gateway::{Event, EventType, Frame};

/// Directory of the dispatch fixtures: one full gateway frame per file,
/// named `<EVENT_NAME>.json` or `<EVENT_NAME>.<variant>.json`.
pub(crate) fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every fixture as `(file stem, text)`, sorted by name.
pub(crate) fn all_fixtures() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(fixture_dir())
        .expect("fixture dir exists")
        .map(|entry| entry.expect("readable dir entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "json"))
        .map(|path| {
            let stem = path.file_stem().unwrap().to_str().unwrap().to_owned();
            let text = std::fs::read_to_string(&path).unwrap();
            (stem, text)
        })
        .collect();
    out.sort();
    out
}

/// The event name a fixture file is for (`GUILD_DELETE.removed` → `GUILD_DELETE`).
pub(crate) fn event_name(stem: &str) -> &str {
    stem.split('.').next().unwrap()
}

/// The text of one fixture, by file stem.
pub(crate) fn fixture(stem: &str) -> String {
    let path = fixture_dir().join(format!("{stem}.json"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The raw `d` payload of one fixture.
pub(crate) fn payload(stem: &str) -> String {
    let text = fixture(stem);
    Frame::parse(&text).unwrap().data().to_owned()
}

/// Parses a fixture's frame and decodes its dispatch.
pub(crate) fn dispatch(stem: &str) -> Event {
    let text = fixture(stem);
    let frame = Frame::parse(&text).unwrap_or_else(|e| panic!("{stem}: frame: {e}"));
    assert_eq!(frame.op, 0, "{stem}: not a dispatch");
    let name = frame.t.as_deref().expect("dispatch has t");
    Event::from_dispatch(name, frame.data()).unwrap_or_else(|e| panic!("{stem}: decode: {e}"))
}

/// Asserts that an event survives serialisation: writing its payload and
/// decoding it under its name gives an equal event, and writing that again
/// gives the same text (the written form is canonical).
pub(crate) fn assert_round_trips(event: &Event) -> String {
    let json = event.payload_json().expect("payload serialises");
    let again = Event::from_dispatch(event.name(), &json)
        .unwrap_or_else(|e| panic!("{}: re-decode failed: {e}\n{json}", event.name()));
    assert_eq!(
        &again,
        event,
        "{} changed in a round trip:\n{json}",
        event.name()
    );
    assert_eq!(
        again.payload_json().unwrap(),
        json,
        "{}: not canonical",
        event.name()
    );
    json
}

/// `from_str(to_string(x)) == x` for any serde type.
pub(crate) fn assert_value_round_trips<T>(value: &T) -> String
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(value).expect("serialises");
    let back: T = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}\n{json}"));
    assert_eq!(&back, value, "changed in a round trip:\n{json}");
    json
}

/// Unwraps an event of the expected variant, or fails with what it was.
macro_rules! expect_event {
    ($event:expr, $variant:path) => {
        match $event {
            $variant(payload) => payload,
            other => panic!("expected {}, got {other:?}", stringify!($variant)),
        }
    };
}
pub(crate) use expect_event;

/// The event type a fixture's name maps to.
pub(crate) fn kind_of(stem: &str) -> EventType {
    EventType::from_name(event_name(stem)).unwrap_or_else(|| panic!("{stem}: unknown event name"))
}
