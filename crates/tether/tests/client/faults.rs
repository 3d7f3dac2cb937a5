//! Exactly once under faults.
//!
//! The emulator sends 10,000 `MESSAGE_CREATE` events while, at seeded random
//! points, it injects every fault it has: TCP drops, op 7, op 9 `true` and
//! `false`, withheld heartbeat ACKs, corrupt compressed frames, and close
//! codes 4000–4009 (all but 4004, which is fatal by design, and 4006, which
//! does not exist). The handler records every message it sees, by content.
//!
//! The semantics Discord promises, and what is asserted:
//!
//! * Within a session nothing is lost: after a drop, op 7, op 9 `true`, a
//!   zombie connection, a corrupt frame or a resumable close, the client
//!   resumes and the gateway replays what it missed.
//! * When a session ends (op 9 `false`, close 4007 or 4009), the events it
//!   had not delivered yet are gone, as on Discord, and so are events sent
//!   while the bot has no session. Such a loss window runs from the last
//!   message the client had seen when the fault struck to the first
//!   message sent after the new `READY`; only messages inside a window may
//!   be missing.
//! * No message is ever seen twice (no duplicate after a resume), and
//!   messages are seen in the order they were sent.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use tether::Event;
use tether::gateway::ShardEvent;
use tether_emulator::Fault;
use tokio::sync::{Notify, mpsc};

use crate::support;

const MESSAGES: u32 = 10_000;
const FAULTS: usize = 40;
const SEED: u64 = 0x7e7e_f00d;

/// A fault and whether it ends the session.
fn fault_kinds() -> Vec<(Fault, bool)> {
    let mut kinds = vec![
        (Fault::DropConnection, false),
        (Fault::Reconnect, false),
        (Fault::InvalidSession { resumable: true }, false),
        (Fault::InvalidSession { resumable: false }, true),
        (Fault::HeartbeatAcks { enabled: false }, false),
        (Fault::CorruptFrame, false),
    ];
    for code in [4000, 4001, 4002, 4003, 4005, 4007, 4008, 4009] {
        let ends_session = matches!(code, 4007 | 4009);
        kinds.push((
            Fault::Close {
                code,
                reason: format!("test close {code}"),
            },
            ends_session,
        ));
    }
    kinds
}

/// `SplitMix64`, so the fault schedule is the same on every run.
fn next(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
async fn every_promised_event_exactly_once_and_in_order() {
    support::trace();
    // Fast heartbeats, so that withheld ACKs are noticed quickly; this
    // test sends no gateway commands, which would have to share the budget.
    let emulator = support::emulator_beating_every(Duration::from_millis(500)).await;
    let seen = Arc::new(Mutex::new(Vec::<u32>::new()));
    let last_seen = Arc::new(AtomicI64::new(-1));
    let (established_tx, mut established) = mpsc::unbounded_channel();
    let done = Arc::new(Notify::new());
    let (recorded, last, finished) = (Arc::clone(&seen), Arc::clone(&last_seen), Arc::clone(&done));
    let client = support::client(&emulator)
        .sequential(true)
        .event_types(tether::EventTypeFlags::from(tether::EventType::Resumed))
        .on_message(move |_, msg| {
            let (recorded, last, finished) = (
                Arc::clone(&recorded),
                Arc::clone(&last),
                Arc::clone(&finished),
            );
            async move {
                let index: u32 = msg.content.trim_start_matches('m').parse().unwrap();
                recorded.lock().unwrap().push(index);
                last.store(i64::from(index), Ordering::SeqCst);
                if index == MESSAGES - 1 {
                    finished.notify_one();
                }
            }
        })
        .on_gateway(move |_, event| {
            if let ShardEvent::Dispatch {
                event: Event::Ready(_) | Event::Resumed(_),
                ..
            } = event
            {
                let _ = established_tx.send(());
            }
        })
        .build()
        .unwrap();
    let (handle, task) = support::start(client);
    tokio::time::timeout(Duration::from_secs(10), established.recv())
        .await
        .unwrap()
        .unwrap();

    let kinds = fault_kinds();
    let mut state = SEED;
    let mut points: Vec<u32> = (0..FAULTS)
        .map(|_| u32::try_from(next(&mut state) % u64::from(MESSAGES - 1)).unwrap() + 1)
        .collect();
    points.sort_unstable();
    let (user, channel) = (emulator.human_id(), emulator.channel_id());
    let mut sent = 0u32;
    let mut windows = Vec::new();
    for (n, point) in points.iter().enumerate() {
        emulator
            .say_many(user, channel, (sent..*point).map(|i| format!("m{i}")))
            .unwrap();
        sent = *point;
        // Every kind comes up in turn; the order among them is seeded.
        let (fault, ends_session) =
            kinds[(n + usize::try_from(SEED % 7).unwrap()) % kinds.len()].clone();
        let session = support::connected(&emulator).await;
        while established.try_recv().is_ok() {}
        let seen_at_fault = last_seen.load(Ordering::SeqCst);
        emulator.fault_session(&session, fault.clone()).unwrap();
        tokio::time::timeout(Duration::from_secs(30), established.recv())
            .await
            .unwrap_or_else(|_| panic!("no READY or RESUMED after {fault:?}"))
            .unwrap();
        if ends_session {
            windows.push((seen_at_fault, sent));
        }
    }
    emulator
        .say_many(user, channel, (sent..MESSAGES).map(|i| format!("m{i}")))
        .unwrap();
    tokio::time::timeout(Duration::from_secs(60), done.notified())
        .await
        .expect("the last message never arrived");
    handle.shutdown();
    task.await.unwrap().unwrap();
    emulator.shutdown().await;

    let seen = seen.lock().unwrap().clone();
    let unique: HashSet<u32> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "a message was seen twice");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "messages out of order"
    );
    let may_be_lost = |i: u32| {
        windows
            .iter()
            .any(|(from, to)| i64::from(i) > *from && i < *to)
    };
    let missing: Vec<u32> = (0..MESSAGES)
        .filter(|i| !unique.contains(i) && !may_be_lost(*i))
        .collect();
    assert!(
        missing.is_empty(),
        "lost outside any loss window: {missing:?}"
    );
    let missed = MESSAGES as usize - seen.len();
    println!(
        "{} faults ({} session-ending), {} messages seen once each, {missed} lost in {} windows",
        points.len(),
        windows.len(),
        seen.len(),
        windows.len()
    );
}
