//! The gateway frame: `{"op": …, "d": …, "s": …, "t": …}`.
//!
//! See [Discord Docs/Gateway Events](https://discord.com/developers/docs/events/gateway-events#payload-structure).

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

/// A received frame, borrowed from the message text.
///
/// `d` stays raw JSON so that the payload is deserialised only once its
/// type is known (and not at all for event types nobody listens to).
/// Missing `s`, `t` and `d` are accepted: some servers omit them on
/// non-dispatch frames.
#[derive(Debug, Deserialize)]
pub struct Frame<'a> {
    /// Opcode number; unknown numbers are kept so the caller can report them.
    pub op: u8,
    /// Payload.
    #[serde(borrow, default)]
    pub d: Option<&'a RawValue>,
    /// Sequence number (dispatches only).
    #[serde(default)]
    pub s: Option<u64>,
    /// Event name (dispatches only).
    #[serde(borrow, default)]
    pub t: Option<std::borrow::Cow<'a, str>>,
}

impl<'a> Frame<'a> {
    /// Parses a frame from a gateway message.
    ///
    /// ```
    /// use tether_model::gateway::Frame;
    /// let f = Frame::parse(r#"{"t":null,"s":null,"op":10,"d":{"heartbeat_interval":41250}}"#)?;
    /// assert_eq!(f.op, 10);
    /// assert_eq!(f.d.map(|d| d.get()), Some(r#"{"heartbeat_interval":41250}"#));
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn parse(text: &'a str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }

    /// The payload's raw JSON, `"null"` when absent.
    pub fn data(&self) -> &'a str {
        self.d.map_or("null", RawValue::get)
    }
}

/// A frame to send: opcode and payload.
///
/// Client frames need only `op` and `d`; servers add `s` and `t` (which
/// this type writes as `null` when absent, as Discord does).
#[derive(Clone, Debug, Deserialize, PartialEq, Serialize)]
pub struct OutgoingFrame<T> {
    /// Opcode.
    pub op: u8,
    /// Payload.
    pub d: T,
    /// Sequence number, for server dispatches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub s: Option<u64>,
    /// Event name, for server dispatches.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t: Option<String>,
}

/// The payload of Hello (op 10).
#[derive(Clone, Copy, Debug, Deserialize, Eq, PartialEq, Serialize)]
pub struct Hello {
    /// Milliseconds between heartbeats.
    pub heartbeat_interval: u64,
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn tolerates_missing_and_extra_keys() {
        let f = Frame::parse(r#"{"t":null,"op":11}"#).unwrap();
        assert_eq!(
            (f.op, f.s, f.t.is_none(), f.data()),
            (11, None, true, "null")
        );
        let f = Frame::parse(r#"{"op":0,"s":7,"t":"X","d":{},"_trace":[1]}"#).unwrap();
        assert_eq!((f.s, f.t.as_deref()), (Some(7), Some("X")));
        assert!(Frame::parse(r#"{"d":1}"#).is_err());
        assert!(Frame::parse("[]").is_err());
        let f = Frame::parse(r#"{"op":0,"s":1,"t":"A\u0042","d":null}"#).unwrap();
        assert_eq!(f.t.as_deref(), Some("AB"));
    }
}
