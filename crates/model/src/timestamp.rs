//! RFC 3339 timestamps.
//!
//! Discord sends ISO 8601 timestamps such as `2017-07-11T17:27:07.299000+00:00`,
//! but other forms appear too (`Z` suffix, no fraction, other offsets, more or
//! fewer fraction digits). [`Timestamp`] accepts any RFC 3339 form, stores the
//! instant as microseconds since the Unix epoch (eight bytes, `Copy`), and
//! always serialises in Discord's own form with six fraction digits and
//! `+00:00`.

use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// An instant, with microsecond precision, parsed from an RFC 3339 string.
///
/// ```
/// use tether_model::Timestamp;
///
/// let a: Timestamp = "2017-07-11T17:27:07.299000+00:00".parse()?;
/// let b: Timestamp = "2017-07-11T19:27:07.299Z".parse::<Timestamp>()?;
/// assert_eq!(a.as_micros() + 2 * 3_600_000_000, b.as_micros());
/// assert_eq!(a.to_string(), "2017-07-11T17:27:07.299000+00:00");
/// # Ok::<(), tether_model::timestamp::ParseTimestampError>(())
/// ```
/// `Default` is the Unix epoch.
#[derive(Clone, Copy, Debug, Default, Eq, Hash, Ord, PartialEq, PartialOrd)]
pub struct Timestamp(i64);

impl Timestamp {
    /// A timestamp from microseconds since the Unix epoch.
    ///
    /// Every parsed timestamp lies in the years 0000 to 9999 (UTC); one
    /// built here outside that range is written with a year RFC 3339
    /// cannot express and does not parse back.
    pub const fn from_micros(micros: i64) -> Self {
        Self(micros)
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// Milliseconds since the Unix epoch, rounded towards negative infinity.
    pub const fn as_millis(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// Error returned when a string is not an RFC 3339 timestamp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseTimestampError {
    reason: &'static str,
}

impl fmt::Display for ParseTimestampError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid RFC 3339 timestamp: {}", self.reason)
    }
}

impl std::error::Error for ParseTimestampError {}

const fn err(reason: &'static str) -> ParseTimestampError {
    ParseTimestampError { reason }
}

impl FromStr for Timestamp {
    type Err = ParseTimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let b = s.as_bytes();
        let mut cur = Cursor { b, pos: 0 };
        let year = cur.digits(4)?;
        cur.expect(b'-')?;
        let month = cur.digits(2)?;
        cur.expect(b'-')?;
        let day = cur.digits(2)?;
        match cur.next() {
            Some(b'T' | b't' | b' ') => {}
            _ => return Err(err("missing 'T' between date and time")),
        }
        let hour = cur.digits(2)?;
        cur.expect(b':')?;
        let minute = cur.digits(2)?;
        cur.expect(b':')?;
        let second = cur.digits(2)?;
        let mut micros = 0;
        if cur.peek() == Some(b'.') {
            cur.pos += 1;
            let mut n = 0;
            while let Some(d @ b'0'..=b'9') = cur.peek() {
                if n < 6 {
                    micros = micros * 10 + i64::from(d - b'0');
                }
                n += 1;
                cur.pos += 1;
            }
            if n == 0 {
                return Err(err("empty fraction"));
            }
            for _ in n..6 {
                micros *= 10;
            }
        }
        let offset_secs = match cur.next() {
            Some(b'Z' | b'z') => 0,
            Some(sign @ (b'+' | b'-')) => {
                let h = cur.digits(2)?;
                cur.expect(b':')?;
                let m = cur.digits(2)?;
                if h > 23 || m > 59 {
                    return Err(err("offset out of range"));
                }
                let secs = h * 3600 + m * 60;
                if sign == b'-' { -secs } else { secs }
            }
            _ => return Err(err("missing offset")),
        };
        if cur.pos != b.len() {
            return Err(err("trailing characters"));
        }
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            // 60 allows a leap second, which RFC 3339 permits.
            || second > 60
        {
            return Err(err("field out of range"));
        }
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        let instant = secs * 1_000_000 + micros;
        // An offset can carry a four-digit year out of 0000–9999 in UTC,
        // where `Display` could no longer write a form this parser reads.
        if !(MIN_MICROS..=MAX_MICROS).contains(&instant) {
            return Err(err("instant outside years 0000 to 9999 in UTC"));
        }
        Ok(Self(instant))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.0.div_euclid(1_000_000);
        let micros = self.0.rem_euclid(1_000_000);
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{micros:06}+00:00",
            rem / 3600,
            rem % 3600 / 60,
            rem % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Timestamp, E> {
                v.parse().map_err(E::custom)
            }
        }
        deserializer.deserialize_str(V)
    }
}

/// 0000-01-01T00:00:00Z in microseconds since the Unix epoch.
const MIN_MICROS: i64 = -62_167_219_200_000_000;
/// 9999-12-31T23:59:59.999999Z in microseconds since the Unix epoch.
const MAX_MICROS: i64 = 253_402_300_799_999_999;

struct Cursor<'a> {
    b: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let c = self.peek();
        self.pos += 1;
        c
    }

    fn expect(&mut self, c: u8) -> Result<(), ParseTimestampError> {
        if self.next() == Some(c) {
            Ok(())
        } else {
            Err(err("unexpected character"))
        }
    }

    fn digits(&mut self, n: usize) -> Result<i64, ParseTimestampError> {
        let mut v = 0;
        for _ in 0..n {
            match self.next() {
                Some(d @ b'0'..=b'9') => v = v * 10 + i64::from(d - b'0'),
                _ => return Err(err("expected a digit")),
            }
        }
        Ok(v)
    }
}

fn is_leap(y: i64) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's `days_from_civil`: days since 1970-01-01 in the proleptic
// Gregorian calendar.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn accepts_every_rfc3339_form() {
        let base: Timestamp = "2017-07-11T17:27:07.299000+00:00".parse().unwrap();
        for form in [
            "2017-07-11T17:27:07.299Z",
            "2017-07-11t17:27:07.299z",
            "2017-07-11 17:27:07.299+00:00",
            "2017-07-11T17:27:07.299000000Z",
            "2017-07-11T19:27:07.299+02:00",
            "2017-07-11T15:57:07.299-01:30",
        ] {
            assert_eq!(form.parse::<Timestamp>().unwrap(), base, "{form}");
        }
        let whole: Timestamp = "2017-07-11T17:27:07Z".parse().unwrap();
        assert_eq!(base.as_micros() - whole.as_micros(), 299_000);
        assert_eq!(whole.as_millis(), 1_499_794_027_000);
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "2017-07-11",
            "2017-07-11T17:27:07",
            "2017-13-11T17:27:07Z",
            "2017-02-29T17:27:07Z",
            "2017-07-11T17:27:07.Z",
            "2017-07-11T17:27:07Zjunk",
            "2017-07-11T24:00:00Z",
            "２017-07-11T17:27:07Z",
            "0000-01-01T00:00:00+00:01",
            "9999-12-31T23:59:59-00:01",
        ] {
            assert!(bad.parse::<Timestamp>().is_err(), "{bad}");
        }
        assert!("2016-02-29T00:00:00Z".parse::<Timestamp>().is_ok());
        let first: Timestamp = "0000-01-01T00:00:00Z".parse().unwrap();
        let last: Timestamp = "9999-12-31T23:59:59.999999Z".parse().unwrap();
        assert_eq!(
            (first.as_micros(), last.as_micros()),
            (MIN_MICROS, MAX_MICROS)
        );
        assert_eq!(first.to_string(), "0000-01-01T00:00:00.000000+00:00");
        assert_eq!(last.to_string(), "9999-12-31T23:59:59.999999+00:00");
    }

    proptest! {
        #[test]
        fn display_round_trips(micros in -30_000_000_000_000_000i64..30_000_000_000_000_000) {
            let t = Timestamp::from_micros(micros);
            prop_assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t);
        }
    }
}
