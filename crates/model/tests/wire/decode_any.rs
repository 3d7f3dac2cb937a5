//! Deterministic mutation sweep: every fixture, damaged thousands of ways,
//! goes through `Frame::parse` and `Event::from_dispatch` without a panic,
//! and whatever still decodes round-trips.
//!
//! [`model_event`] is the body a `model_event` fuzz target should run.

use tether_model::gateway::{Event, Frame};

use crate::common::all_fixtures;

/// Decodes arbitrary bytes as a gateway dispatch; panics only if the model
/// is wrong (a decoded event that does not survive a round trip).
pub(crate) fn model_event(bytes: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Outcome::NotUtf8;
    };
    let Ok(frame) = Frame::parse(text) else {
        return Outcome::BadFrame;
    };
    let Some(name) = frame.t.as_deref() else {
        return Outcome::NoName;
    };
    let Ok(event) = Event::from_dispatch(name, frame.data()) else {
        return Outcome::BadPayload;
    };
    let json = event.payload_json().expect("a decoded event serialises");
    let again = Event::from_dispatch(name, &json)
        .unwrap_or_else(|e| panic!("{name}: written payload does not decode: {e}\n{json}"));
    assert_eq!(again, event, "{name} changed in a round trip\n{json}");
    Outcome::Decoded
}

/// How far an input got; counted so that the sweep is not vacuous.
#[derive(Clone, Copy, Debug, Eq, Hash, PartialEq)]
pub(crate) enum Outcome {
    NotUtf8,
    BadFrame,
    NoName,
    BadPayload,
    Decoded,
}

/// xorshift64*: tiny, deterministic, good enough to pick mutations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n.max(1) as u64).unwrap()
    }
}

const TOKENS: &[&[u8]] = &[
    b"null",
    b"true",
    b"-1",
    b"0",
    b"1e999",
    b"18446744073709551616",
    b"-9223372036854775809",
    b"\"\"",
    b"{}",
    b"[]",
    b"\\u0000",
    b"\\ud800",
    b"\"x\"",
    b"1.5",
    b"[[[[",
    b"}}}}",
    b",",
    b":",
    b"\"2024-13-40T25:61:61Z\"",
    b"\"0000-01-01T00:00:00+01:00\"",
    b"\"9999-12-31T23:59:59-01:00\"",
    "é🎉".as_bytes(),
    b"\xff\xfe",
];
const BYTES: &[u8] = b"{}[]\":,\\0123456789-+.eEZT ntruflsa\x00\x7f";

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut out = input.to_vec();
    for _ in 0..=rng.below(3) {
        let len = out.len();
        if len == 0 {
            break;
        }
        let at = rng.below(len);
        match rng.below(9) {
            0 => out[at] ^= 1 << rng.below(8),
            1 => out[at] = BYTES[rng.below(BYTES.len())],
            2 => out.truncate(at),
            3 => {
                let end = (at + 1 + rng.below(16)).min(len);
                out.drain(at..end);
            }
            4 => {
                let end = (at + 1 + rng.below(64)).min(len);
                let copy = out[at..end].to_vec();
                let to = rng.below(out.len());
                out.splice(to..to, copy);
            }
            5 => {
                let other = rng.below(len);
                out.swap(at, other);
            }
            6 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..at, token.iter().copied());
            }
            7 => {
                // Replace one JSON value-ish run (up to the next delimiter) with a token.
                let end = out[at..]
                    .iter()
                    .position(|b| b",}]".contains(b))
                    .map_or(len, |p| at + p);
                let token = TOKENS[rng.below(TOKENS.len())];
                out.splice(at..end, token.iter().copied());
            }
            _ => {
                // Nudge a digit, the likeliest way to hit a range edge.
                if let Some(p) = out[at..].iter().position(u8::is_ascii_digit) {
                    out[at + p] = b'0' + u8::try_from(rng.below(10)).unwrap();
                }
            }
        }
    }
    out
}

#[test]
fn mutated_fixtures_never_panic() {
    const PER_FIXTURE: usize = 48;
    let mut rng = Rng(0x07e7_e7e7_e0dd_ba11);
    let mut counts = std::collections::HashMap::new();
    let fixtures = all_fixtures();
    for (stem, text) in &fixtures {
        assert_eq!(
            model_event(text.as_bytes()),
            Outcome::Decoded,
            "{stem} unmutated"
        );
        for _ in 0..PER_FIXTURE {
            let bytes = mutate(&mut rng, text.as_bytes());
            *counts.entry(model_event(&bytes)).or_insert(0) += 1;
            // Invalid UTF-8 never reaches the model; its lossy repair does.
            if std::str::from_utf8(&bytes).is_err() {
                let repaired = String::from_utf8_lossy(&bytes);
                *counts.entry(model_event(repaired.as_bytes())).or_insert(0) += 1;
            }
        }
    }
    println!("{counts:?}");
    let total: usize = counts.values().sum();
    assert!(total >= fixtures.len() * PER_FIXTURE, "{counts:?}");
    // The sweep must exercise both sides: decodes and payload rejections.
    for outcome in [Outcome::Decoded, Outcome::BadPayload, Outcome::BadFrame] {
        assert!(
            counts.get(&outcome).copied().unwrap_or(0) > 100,
            "{outcome:?}: {counts:?}"
        );
    }
}

#[test]
fn every_prefix_of_a_frame_is_handled() {
    for stem in [
        "MESSAGE_CREATE",
        "READY",
        "INTERACTION_CREATE",
        "GUILD_MEMBERS_CHUNK",
    ] {
        let text = crate::common::fixture(stem);
        let text = text.trim_end();
        for end in (0..text.len()).filter(|i| text.is_char_boundary(*i)) {
            let outcome = model_event(&text.as_bytes()[..end]);
            assert_ne!(
                outcome,
                Outcome::Decoded,
                "{stem} decoded from a {end}-byte prefix"
            );
        }
    }
}

/// Palette of replacement values: wrong types, edge numbers, near-valid
/// strings.
fn palette(rng: &mut Rng) -> serde_json::Value {
    use serde_json::json;
    match rng.below(16) {
        0 => json!(null),
        1 => json!(true),
        2 => json!(0),
        3 => json!(-1),
        4 => json!(u64::MAX),
        5 => json!(1.5),
        6 => json!(""),
        7 => json!("290926798626357250"),
        8 => json!("2024-02-30T00:00:00Z"),
        9 => json!("2024-05-10T09:41:27.123456789-05:30"),
        10 => json!([]),
        11 => json!({}),
        12 => json!([{"id": "1"}]),
        13 => json!({"id": "1", "name": null}),
        14 => json!("18446744073709551616"),
        _ => json!("é\u{0}\"\\"),
    }
}

/// Replaces, removes or duplicates the `target`-th node of a pre-order walk.
fn mutate_node(value: &mut serde_json::Value, target: &mut usize, rng: &mut Rng) -> bool {
    use serde_json::Value;
    if *target == 0 {
        *value = palette(rng);
        return true;
    }
    *target -= 1;
    match value {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                if *target == 0 && rng.below(3) == 0 {
                    map.remove(&key);
                    return true;
                }
                if mutate_node(map.get_mut(&key).unwrap(), target, rng) {
                    return true;
                }
            }
            false
        }
        Value::Array(items) => items.iter_mut().any(|item| mutate_node(item, target, rng)),
        _ => false,
    }
}

fn node_count(value: &serde_json::Value) -> usize {
    1 + match value {
        serde_json::Value::Object(map) => map.values().map(node_count).sum(),
        serde_json::Value::Array(items) => items.iter().map(node_count).sum(),
        _ => 0,
    }
}

/// Structure-aware mutations: the JSON stays valid, so every input reaches
/// the typed decoders with a wrong type, a missing key or an edge value.
#[test]
fn mutated_payload_values_never_panic() {
    const PER_FIXTURE: usize = 32;
    let mut rng = Rng(0x005e_ed0f_da7a);
    let mut counts = std::collections::HashMap::new();
    for (stem, text) in all_fixtures() {
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap();
        let nodes = node_count(&frame["d"]);
        for _ in 0..PER_FIXTURE {
            let mut mutated = frame.clone();
            for _ in 0..=rng.below(2) {
                let mut target = rng.below(nodes);
                mutate_node(&mut mutated["d"], &mut target, &mut rng);
            }
            let outcome = model_event(mutated.to_string().as_bytes());
            assert!(
                matches!(outcome, Outcome::Decoded | Outcome::BadPayload),
                "{stem}: {outcome:?}"
            );
            *counts.entry(outcome).or_insert(0) += 1;
        }
    }
    println!("{counts:?}");
    for outcome in [Outcome::Decoded, Outcome::BadPayload] {
        assert!(
            counts.get(&outcome).copied().unwrap_or(0) > 500,
            "{outcome:?}: {counts:?}"
        );
    }
}
