//! One gateway session: its identity, sequence numbers and replay buffer.
//!
//! A session outlives its connections. Every dispatch it is sent gets the
//! next sequence number and, except `READY` and `RESUMED`, a place in a
//! bounded buffer; a Resume replays the buffer after the client's `seq`.
//! When the buffer is full the oldest event is forgotten, and a Resume from
//! before it can no longer be served (op 9 `false`).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use tether_model::Intents;
use tether_model::id::{ApplicationId, GuildId, UserId};

use super::{ConnectionId, Fault};

#[derive(Debug)]
pub(crate) struct Session {
    pub(crate) id: String,
    pub(crate) application: ApplicationId,
    pub(crate) user: UserId,
    pub(crate) shard: [u32; 2],
    pub(crate) intents: Intents,
    pub(crate) large_threshold: usize,
    pub(crate) seq: u64,
    buffer: VecDeque<Buffered>,
    capacity: usize,
    /// Every event with a sequence number up to this one may be gone.
    evicted_through: u64,
    pub(crate) connection: Option<ConnectionId>,
    pub(crate) expires_at: Option<Instant>,
    pub(crate) resumes: u32,
    pub(crate) armed: Vec<(u64, Fault)>,
}

#[derive(Debug)]
pub(crate) struct Buffered {
    pub(crate) seq: u64,
    pub(crate) t: &'static str,
    pub(crate) d: Arc<str>,
}

/// Why a Resume cannot replay.
#[derive(Debug, Eq, PartialEq)]
pub(crate) enum ReplayError {
    /// The client claims a sequence number the session never sent (4007).
    Future,
    /// Events after the client's sequence number were forgotten (op 9).
    Lost,
}

pub(crate) struct NewSession {
    pub(crate) id: String,
    pub(crate) application: ApplicationId,
    pub(crate) user: UserId,
    pub(crate) shard: [u32; 2],
    pub(crate) intents: Intents,
    pub(crate) large_threshold: usize,
    pub(crate) capacity: usize,
    pub(crate) connection: ConnectionId,
}

impl Session {
    pub(crate) fn new(new: NewSession) -> Self {
        Self {
            id: new.id,
            application: new.application,
            user: new.user,
            shard: new.shard,
            intents: new.intents,
            large_threshold: new.large_threshold,
            seq: 0,
            buffer: VecDeque::new(),
            capacity: new.capacity,
            evicted_through: 0,
            connection: Some(new.connection),
            expires_at: None,
            resumes: 0,
            armed: Vec::new(),
        }
    }

    /// Whether this session's shard receives the guild's events.
    pub(crate) fn routes(&self, guild: GuildId) -> bool {
        guild.shard(self.shard[1]) == self.shard[0]
    }

    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn record(&mut self, seq: u64, t: &'static str, d: Arc<str>) {
        if self.capacity == 0 {
            self.evicted_through = seq;
            return;
        }
        if self.buffer.len() >= self.capacity {
            if let Some(old) = self.buffer.pop_front() {
                self.evicted_through = old.seq;
            }
        }
        self.buffer.push_back(Buffered { seq, t, d });
    }

    /// The buffered events after `seq`, in order.
    pub(crate) fn replay_after(
        &self,
        seq: u64,
    ) -> Result<impl Iterator<Item = &Buffered>, ReplayError> {
        if seq > self.seq {
            return Err(ReplayError::Future);
        }
        if seq < self.evicted_through {
            return Err(ReplayError::Lost);
        }
        // The buffer is sorted by sequence number.
        let start = self.buffer.partition_point(|b| b.seq <= seq);
        Ok(self.buffer.range(start..))
    }

    pub(crate) fn buffered(&self) -> usize {
        self.buffer.len()
    }
}

/// A dispatch frame: `{"t":…,"s":…,"op":0,"d":…}`.
pub(crate) fn dispatch_frame(t: &str, seq: u64, d: &str) -> String {
    let mut out = String::with_capacity(d.len() + t.len() + 40);
    out.push_str("{\"t\":\"");
    out.push_str(t);
    out.push_str("\",\"s\":");
    out.push_str(&seq.to_string());
    out.push_str(",\"op\":0,\"d\":");
    out.push_str(d);
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(capacity: usize) -> Session {
        Session::new(NewSession {
            id: "s".to_owned(),
            application: ApplicationId::new(1),
            user: UserId::new(2),
            shard: [0, 1],
            intents: Intents::empty(),
            large_threshold: 50,
            capacity,
            connection: ConnectionId(1),
        })
    }

    #[test]
    fn replay_serves_everything_after_seq() {
        let mut s = session(3);
        for _ in 0..5 {
            let seq = s.next_seq();
            s.record(seq, "X", Arc::from(seq.to_string()));
        }
        let seqs = |s: &Session, from| {
            s.replay_after(from)
                .map(|it| it.map(|b| b.seq).collect::<Vec<_>>())
        };
        assert_eq!(seqs(&s, 2), Ok(vec![3, 4, 5]));
        assert_eq!(seqs(&s, 4), Ok(vec![5]));
        assert_eq!(seqs(&s, 5), Ok(vec![]));
        assert_eq!(seqs(&s, 1), Err(ReplayError::Lost));
        assert_eq!(seqs(&s, 6), Err(ReplayError::Future));
    }

    #[test]
    fn unbuffered_sequence_numbers_do_not_break_replay() {
        let mut s = session(10);
        let ready = s.next_seq();
        assert_eq!(ready, 1);
        let seq = s.next_seq();
        s.record(seq, "GUILD_CREATE", Arc::from("{}"));
        let got: Vec<u64> = s.replay_after(0).unwrap().map(|b| b.seq).collect();
        assert_eq!(got, vec![2]);
    }

    #[test]
    fn frame_shape() {
        assert_eq!(
            dispatch_frame("READY", 1, "{}"),
            r#"{"t":"READY","s":1,"op":0,"d":{}}"#
        );
    }
}
