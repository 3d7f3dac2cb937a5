//! Optional timestamps in eight bytes.

use std::fmt;

use tether_model::Timestamp;

/// An optional [`Timestamp`] packed in eight bytes instead of sixteen:
/// `i64::MIN` microseconds stands for "none". No timestamp Discord sends can
/// be that far back (RFC 3339 stops at year 0, about `-6.2e16` µs).
#[derive(Clone, Copy, Eq, Hash, PartialEq)]
pub(crate) struct OptTime(i64);

impl OptTime {
    pub(crate) const NONE: Self = Self(i64::MIN);

    pub(crate) fn new(time: Option<Timestamp>) -> Self {
        time.map_or(Self::NONE, |t| Self(t.as_micros()))
    }

    pub(crate) fn get(self) -> Option<Timestamp> {
        (self != Self::NONE).then(|| Timestamp::from_micros(self.0))
    }
}

impl Default for OptTime {
    fn default() -> Self {
        Self::NONE
    }
}

impl fmt::Debug for OptTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.get(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        assert_eq!(OptTime::new(None).get(), None);
        let t = Timestamp::from_micros(1_500_000_000_000_000);
        assert_eq!(OptTime::new(Some(t)).get(), Some(t));
        assert_eq!(
            OptTime::new(Some(Timestamp::from_micros(0))).get(),
            Some(Timestamp::from_micros(0))
        );
    }
}
