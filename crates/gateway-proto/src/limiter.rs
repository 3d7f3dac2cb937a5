//! The gateway command rate limiter: 120 sends per connection per 60 s, with
//! room kept for heartbeats.
//!
//! Discord accepts at most **120 gateway events per connection per 60
//! seconds** from a client; one more closes the connection with code 4008
//! ("rate limited"), and repeat offenders can lose API access. Heartbeats
//! count towards the 120 like any other command, but unlike a presence
//! update a heartbeat cannot wait: a late heartbeat gets the connection
//! declared dead. See [Discord Docs/Gateway] "Rate Limiting".
//!
//! # Algorithm: a sliding-window log
//!
//! [`CommandLimiter`] remembers the instant of every send of the last 60
//! seconds in a ring of at most 120 entries, oldest first. A send made at `t`
//! holds its permit during `[t, t + 60 s)`. Checking a sliding window is
//! stricter than whatever fixed bucket Discord counts in: if no 60-second
//! window ever holds more than 120 sends, no bucket can either.
//!
//! Heartbeats get a reserved share of the 120. A heartbeat is sent at most
//! once per `heartbeat_interval`, so a 60-second window holds at most
//! `ceil(60 s / heartbeat_interval)` regular beats, and the gateway may ask
//! for one extra beat at any time (opcode 1, answered at once without moving
//! the timer). The limiter therefore reserves
//!
//! ```text
//! reserved = ceil(60 s / heartbeat_interval) + 1
//! ```
//!
//! permits (3 for Discord's usual 41.25 s interval) and lets user commands
//! have the other `120 - reserved` (117). Precisely, with `c` commands and
//! `h` heartbeats in the window, a command may go when
//!
//! ```text
//! c < 120 - max(h, reserved)
//! ```
//!
//! so commands get their full share while heartbeats stay within their
//! reservation, and are squeezed if extra heartbeats ever eat into it.
//! Heartbeats themselves are never refused. As long as the caller sends no
//! more than `reserved` heartbeats in any 60 seconds (the regular schedule
//! plus one requested beat), no window ever holds more than 120 sends.
//!
//! The limiter never reads the clock: every method takes `now`, and a
//! refused command reports the instant at which it may go, for the shard's
//! timer table.
//!
//! [Discord Docs/Gateway]: https://discord.com/developers/docs/events/gateway#rate-limiting

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Sends Discord accepts per connection per [`WINDOW`].
const SENDS_PER_WINDOW: usize = 120;

/// Length of the sliding window.
const WINDOW: Duration = Duration::from_secs(60);

/// Ceiling on the heartbeat reservation, so that user commands always keep at
/// least one permit and a refused command always has a retry instant. Only
/// heartbeat intervals under about half a second reach it.
const MAX_RESERVED: usize = SENDS_PER_WINDOW - 1;

/// Sliding-window rate limiter for gateway sends, with heartbeat capacity
/// reserved.
///
/// Create one per connection from the Hello's `heartbeat_interval` (or
/// [`reset`](Self::reset) it when a new connection starts with the same
/// interval).
///
/// It keeps a sliding-window log of the last 60 seconds of sends (a ring of
/// at most 120 instants) and reserves `ceil(60 s / heartbeat_interval) + 1`
/// permits for heartbeats: the regular beats plus one the gateway may request
/// (opcode 1). With `c` commands and `h` heartbeats in the window a command
/// may go when `c < 120 - max(h, reserved)`; heartbeats always go. As long as
/// heartbeats stay within the reservation, no 60-second window ever holds
/// more than 120 sends.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// use tether_gateway_proto::CommandLimiter;
///
/// let t0 = Instant::now();
/// let mut limiter = CommandLimiter::new(Duration::from_millis(41_250));
/// assert_eq!(limiter.available(t0), 117);
///
/// for _ in 0..117 {
///     limiter.try_acquire_command(t0).expect("within the user share");
/// }
/// // The 118th command must wait for the first permit to come back ...
/// assert_eq!(limiter.try_acquire_command(t0), Err(t0 + Duration::from_secs(60)));
/// // ... while a heartbeat still goes out at once.
/// limiter.acquire_heartbeat(t0);
/// ```
#[derive(Clone, Debug)]
pub struct CommandLimiter {
    /// Sends that may still be in the window, oldest first. Never longer
    /// than [`SENDS_PER_WINDOW`], so it never reallocates.
    log: VecDeque<Entry>,
    /// Permits held back for heartbeats, in `2..=MAX_RESERVED`.
    reserved: usize,
}

/// One recorded send.
#[derive(Clone, Copy, Debug)]
struct Entry {
    at: Instant,
    kind: Kind,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Command,
    Heartbeat,
}

impl CommandLimiter {
    /// Creates a limiter for a connection whose Hello announced
    /// `heartbeat_interval`.
    ///
    /// Reserves `ceil(60 s / heartbeat_interval) + 1` permits for heartbeats
    /// and leaves the rest of the 120 to commands (117 with Discord's usual
    /// 41.25 s). An interval so short that heartbeats alone would fill the
    /// window (under about half a second, including zero) still leaves one
    /// permit to commands.
    pub fn new(heartbeat_interval: Duration) -> Self {
        Self {
            log: VecDeque::with_capacity(SENDS_PER_WINDOW),
            reserved: reserved_for(heartbeat_interval),
        }
    }

    /// Takes a permit for a user command (presence, voice state, member
    /// request) sent at `now`, if one is free.
    ///
    /// On success the send is recorded and the command must be transmitted.
    ///
    /// # Errors
    ///
    /// Returns the earliest instant at which a command may be sent, which is
    /// always later than `now`. Nothing is recorded; call again at (or after)
    /// that instant.
    pub fn try_acquire_command(&mut self, now: Instant) -> Result<(), Instant> {
        self.prune(now);
        let (commands, heartbeats) = self.counts();
        if commands < self.command_limit(heartbeats) {
            self.record(now, Kind::Command);
            return Ok(());
        }
        Err(self.retry_instant(commands, heartbeats))
    }

    /// Records a heartbeat sent at `now`; heartbeats are never refused.
    ///
    /// Heartbeats draw on the reserved share. If the caller sends more
    /// heartbeats in a window than were reserved, commands are refused for
    /// longer to make up for it; only when heartbeats alone exceed 120 per
    /// window (a caller bug) does the oldest entry get forgotten to keep the
    /// ring at its fixed size.
    pub fn acquire_heartbeat(&mut self, now: Instant) {
        self.prune(now);
        if self.log.len() == SENDS_PER_WINDOW {
            self.log.pop_front();
        }
        self.record(now, Kind::Heartbeat);
    }

    /// Forgets every send, for a new connection: Discord counts per
    /// connection.
    ///
    /// Keeps the heartbeat reservation; create a new limiter with
    /// [`new`](Self::new) if the interval changed.
    pub fn reset(&mut self) {
        self.log.clear();
    }

    /// Returns how many commands could be sent at `now`.
    pub fn available(&self, now: Instant) -> usize {
        let (commands, heartbeats) = self.counts_at(now);
        self.command_limit(heartbeats).saturating_sub(commands)
    }

    /// Returns when the oldest send still in the window at `now` leaves it
    /// and gives its permit back, or `None` if the window is empty.
    ///
    /// The returned instant is always later than `now`.
    pub fn next_release(&self, now: Instant) -> Option<Instant> {
        self.log
            .get(self.first_in_window(now))
            .map(|send| send.at + WINDOW)
    }

    /// Returns how many commands may be in the window alongside `heartbeats`.
    fn command_limit(&self, heartbeats: usize) -> usize {
        SENDS_PER_WINDOW.saturating_sub(heartbeats.max(self.reserved))
    }

    /// Counts the commands and heartbeats in the log.
    fn counts(&self) -> (usize, usize) {
        count_kinds(self.log.iter())
    }

    /// Counts the commands and heartbeats in the window at `now`, without
    /// pruning (for the `&self` queries).
    fn counts_at(&self, now: Instant) -> (usize, usize) {
        count_kinds(self.log.range(self.first_in_window(now)..))
    }

    /// Returns the index of the oldest send still in the window at `now`.
    fn first_in_window(&self, now: Instant) -> usize {
        // The log is sorted (see `record`), so the expired sends are a prefix.
        self.log
            .partition_point(|send| now.saturating_duration_since(send.at) >= WINDOW)
    }

    /// Drops the sends that left the window.
    fn prune(&mut self, now: Instant) {
        let expired = self.first_in_window(now);
        self.log.drain(..expired);
    }

    /// Appends a send, keeping the log sorted even if `now` goes backwards.
    fn record(&mut self, now: Instant, kind: Kind) {
        let at = self.log.back().map_or(now, |last| last.at.max(now));
        self.log.push_back(Entry { at, kind });
    }

    /// Finds when enough of the (pruned) log has expired for a command to go.
    fn retry_instant(&self, mut commands: usize, mut heartbeats: usize) -> Instant {
        for send in &self.log {
            match send.kind {
                Kind::Command => commands -= 1,
                Kind::Heartbeat => heartbeats -= 1,
            }
            if commands < self.command_limit(heartbeats) {
                return send.at + WINDOW;
            }
        }
        // Once the whole log has expired `commands` is 0 and the limit is at
        // least 120 - MAX_RESERVED = 1, so the loop always returns.
        unreachable!("an empty window always admits a command")
    }
}

/// Returns `ceil(WINDOW / interval) + 1`, capped at [`MAX_RESERVED`].
fn reserved_for(interval: Duration) -> usize {
    let nanos = interval.as_nanos();
    if nanos == 0 {
        return MAX_RESERVED;
    }
    let beats = WINDOW.as_nanos().div_ceil(nanos);
    usize::try_from(beats).map_or(MAX_RESERVED, |beats| {
        beats.saturating_add(1).min(MAX_RESERVED)
    })
}

/// Counts `(commands, heartbeats)`.
fn count_kinds<'a>(sends: impl Iterator<Item = &'a Entry>) -> (usize, usize) {
    sends.fold((0, 0), |(commands, heartbeats), send| match send.kind {
        Kind::Command => (commands + 1, heartbeats),
        Kind::Heartbeat => (commands, heartbeats + 1),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::time::{Duration, Instant};

    use proptest::prelude::*;

    use super::{CommandLimiter, SENDS_PER_WINDOW, WINDOW};

    const DISCORD_INTERVAL: Duration = Duration::from_millis(41_250);
    const NANO: Duration = Duration::from_nanos(1);

    /// An arbitrary origin: only differences between instants matter.
    #[expect(
        clippy::disallowed_methods,
        reason = "tests need some instant to start from"
    )]
    fn t0() -> Instant {
        Instant::now()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    /// Asserts that no half-open 60 s window holds more than 120 of `sends`
    /// (which must be sorted).
    fn assert_window_invariant(sends: &[Instant]) {
        for (i, start) in sends.iter().enumerate() {
            let in_window = sends[i..]
                .iter()
                .take_while(|&&t| t.duration_since(*start) < WINDOW)
                .count();
            assert!(
                in_window <= SENDS_PER_WINDOW,
                "{in_window} sends in the window starting at send {i}"
            );
        }
    }

    #[test]
    fn reservation_follows_the_heartbeat_interval() {
        let t0 = t0();
        let cases = [
            (DISCORD_INTERVAL, 117),
            (secs(60), 118),
            (secs(30), 117),
            (secs(600), 118),
            (secs(1), 59),
            (Duration::from_millis(100), 1),
            (Duration::ZERO, 1),
        ];
        for (interval, share) in cases {
            assert_eq!(
                CommandLimiter::new(interval).available(t0),
                share,
                "{interval:?}"
            );
        }
    }

    #[test]
    fn command_over_the_share_is_refused_until_the_first_permit_returns() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        // One command per 100 ms: the 118th is refused ...
        for i in 0..117 {
            limiter
                .try_acquire_command(t0 + Duration::from_millis(100 * i))
                .unwrap();
        }
        let t = t0 + Duration::from_millis(11_700);
        assert_eq!(limiter.available(t), 0);
        assert_eq!(limiter.try_acquire_command(t), Err(t0 + WINDOW));
        // ... and still refused one nanosecond before the first send expires.
        let just_before = (t0 + WINDOW).checked_sub(NANO).unwrap();
        assert_eq!(limiter.try_acquire_command(just_before), Err(t0 + WINDOW));
        assert_eq!(limiter.next_release(just_before), Some(t0 + WINDOW));
        // At the instant it expires one permit is back, and the next one
        // returns 100 ms later.
        assert_eq!(limiter.available(t0 + WINDOW), 1);
        limiter.try_acquire_command(t0 + WINDOW).unwrap();
        assert_eq!(
            limiter.try_acquire_command(t0 + WINDOW),
            Err(t0 + WINDOW + Duration::from_millis(100))
        );
    }

    #[test]
    fn hundred_twenty_first_send_in_a_minute_is_refused() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        // Three heartbeats (the whole reservation) and 117 commands: 120.
        limiter.acquire_heartbeat(t0);
        for i in 1..=117 {
            limiter
                .try_acquire_command(t0 + Duration::from_millis(i))
                .unwrap();
        }
        limiter.acquire_heartbeat(t0 + secs(41));
        limiter.acquire_heartbeat(t0 + secs(42));
        assert_eq!(limiter.available(t0 + secs(50)), 0);
        // The 121st must wait until the first *command* expires: the
        // heartbeat at t0 going away frees nothing, as heartbeats sent since
        // still use the reservation.
        assert_eq!(
            limiter.try_acquire_command(t0 + secs(50)),
            Err(t0 + WINDOW + Duration::from_millis(1))
        );
    }

    #[test]
    fn heartbeat_goes_out_when_commands_exhausted_their_share() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        for _ in 0..117 {
            limiter.try_acquire_command(t0).unwrap();
        }
        assert!(limiter.try_acquire_command(t0).is_err());
        // The regular beats plus one requested by the gateway.
        limiter.acquire_heartbeat(t0 + secs(1));
        limiter.acquire_heartbeat(t0 + secs(20));
        limiter.acquire_heartbeat(t0 + secs(42));
        assert_eq!(limiter.available(t0 + secs(42)), 0);
    }

    #[test]
    fn extra_heartbeats_squeeze_commands_instead_of_exceeding_the_limit() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        for i in 0..5 {
            limiter.acquire_heartbeat(t0 + secs(i));
        }
        // Five heartbeats, two more than reserved: 115 commands left.
        assert_eq!(limiter.available(t0 + secs(5)), 115);
        for _ in 0..115 {
            limiter.try_acquire_command(t0 + secs(5)).unwrap();
        }
        // Each heartbeat over the reservation returns a permit when it
        // expires; from then on the reservation holds the line.
        assert_eq!(
            limiter.try_acquire_command(t0 + secs(5)),
            Err(t0 + secs(60))
        );
        limiter.try_acquire_command(t0 + secs(60)).unwrap();
        limiter.try_acquire_command(t0 + secs(61)).unwrap();
        assert_eq!(
            limiter.try_acquire_command(t0 + secs(62)),
            Err(t0 + secs(65))
        );
    }

    #[test]
    fn reset_starts_a_fresh_window() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        for _ in 0..117 {
            limiter.try_acquire_command(t0).unwrap();
        }
        limiter.acquire_heartbeat(t0);
        limiter.reset();
        assert_eq!(limiter.available(t0), 117);
        assert_eq!(limiter.next_release(t0), None);
        limiter.try_acquire_command(t0).unwrap();
    }

    #[test]
    fn next_release_tracks_the_oldest_send_in_the_window() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        assert_eq!(limiter.next_release(t0), None);
        limiter.try_acquire_command(t0).unwrap();
        limiter.acquire_heartbeat(t0 + secs(10));
        assert_eq!(limiter.next_release(t0 + secs(30)), Some(t0 + secs(60)));
        assert_eq!(limiter.next_release(t0 + secs(60)), Some(t0 + secs(70)));
        assert_eq!(limiter.next_release(t0 + secs(70)), None);
    }

    #[test]
    fn clock_going_backwards_neither_panics_nor_frees_permits() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        for _ in 0..117 {
            limiter.try_acquire_command(t0 + secs(30)).unwrap();
        }
        assert_eq!(limiter.try_acquire_command(t0), Err(t0 + secs(90)));
        limiter.acquire_heartbeat(t0);
        assert_eq!(limiter.available(t0 + secs(89)), 0);
    }

    #[test]
    fn command_spam_with_heartbeats_never_exceeds_the_limit() {
        let t0 = t0();
        let mut limiter = CommandLimiter::new(DISCORD_INTERVAL);
        let capacity = limiter.log.capacity();
        let mut sent = Vec::new();
        let mut next_beat = t0 + Duration::from_millis(12_345);
        // Ten minutes of a command attempt every 50 ms.
        for step in 0..12_000 {
            let now = t0 + Duration::from_millis(50 * step);
            if now >= next_beat {
                limiter.acquire_heartbeat(now);
                sent.push(now);
                next_beat += DISCORD_INTERVAL;
            }
            if limiter.try_acquire_command(now).is_ok() {
                sent.push(now);
            }
        }
        assert_window_invariant(&sent);
        // And the user share was actually used: ~117 per minute.
        assert!(sent.len() > 10 * 117, "{}", sent.len());
        // The ring never grew.
        assert_eq!(limiter.log.capacity(), capacity);
    }

    #[derive(Clone, Copy, Debug)]
    enum Event {
        Command,
        Heartbeat,
    }

    /// Generates a heartbeat interval and a sorted list of events (offsets
    /// from t0) in which heartbeats respect the reservation: a regular
    /// schedule with delays, plus requested beats where they fit.
    fn scenario() -> impl Strategy<Value = (Duration, Vec<(Duration, Event)>)> {
        (1_000_u64..90_000).prop_flat_map(|interval_ms| {
            let interval = Duration::from_millis(interval_ms);
            (
                Just(interval),
                0..interval_ms,
                prop::collection::vec(0..interval_ms / 2, 0..40),
                prop::collection::vec(0_u64..400_000, 0..8),
                prop::collection::vec((0_u64..400_000, 1_u64..5), 0..80),
            )
                .prop_map(|(interval, first, lateness, requested, bursts)| {
                    let reserved = super::reserved_for(interval);
                    let mut beats = Vec::new();
                    let mut at = Duration::from_millis(first);
                    for late in lateness {
                        beats.push(at);
                        at += interval + Duration::from_millis(late);
                    }
                    for extra in requested {
                        let extra = Duration::from_millis(extra);
                        let mut with = beats.clone();
                        with.push(extra);
                        with.sort();
                        let fits = with.iter().all(|&start| {
                            with.iter()
                                .filter(|&&b| b.checked_sub(start).is_some_and(|d| d < WINDOW))
                                .count()
                                <= reserved
                        });
                        if fits {
                            beats = with;
                        }
                    }
                    let mut events: Vec<_> =
                        beats.into_iter().map(|b| (b, Event::Heartbeat)).collect();
                    // Bursts of up to 50 × `repeat` attempts at one instant.
                    for (at, repeat) in bursts {
                        for _ in 0..repeat * 10 {
                            events.push((Duration::from_millis(at), Event::Command));
                        }
                    }
                    events.sort_by_key(|&(at, _)| at);
                    (interval, events)
                })
        })
    }

    proptest! {
        #[test]
        fn never_more_than_120_per_window_and_heartbeats_always_go(
            (interval, events) in scenario()
        ) {
            let t0 = t0();
            let mut limiter = CommandLimiter::new(interval);
            let mut sent = Vec::new();
            for (offset, event) in events {
                let now = t0 + offset;
                match event {
                    Event::Heartbeat => {
                        limiter.acquire_heartbeat(now);
                        sent.push(now);
                    }
                    Event::Command => match limiter.try_acquire_command(now) {
                        Ok(()) => sent.push(now),
                        Err(retry) => {
                            prop_assert!(retry > now);
                            // The retry instant is exact: refused a
                            // nanosecond earlier, admitted at it.
                            let mut probe = limiter.clone();
                            let before = retry.checked_sub(NANO).unwrap();
                            prop_assert!(probe.try_acquire_command(before).is_err());
                            prop_assert!(probe.try_acquire_command(retry).is_ok());
                        }
                    },
                }
                prop_assert!(limiter.log.len() <= SENDS_PER_WINDOW);
            }
            assert_window_invariant(&sent);
        }
    }
}
