//! Readers on other threads while events are applied.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tether_model::id::{ChannelId, GuildId, MessageId};

use crate::support::*;

#[test]
fn readers_see_whole_events_while_a_writer_applies_them() {
    const MESSAGES: u64 = 5000;
    let cache = Arc::new(cache_with_guild());
    let done = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..3)
        .map(|_| {
            let (cache, done) = (Arc::clone(&cache), Arc::clone(&done));
            std::thread::spawn(move || {
                let mut reads = 0u64;
                while !done.load(Ordering::Relaxed) && reads < 1_000_000 {
                    // A message the channel points at is always cached with it:
                    // both change in one event.
                    cache.read(|v| {
                        let last = v
                            .channel(ChannelId::new(GENERAL))
                            .unwrap()
                            .last_message_id();
                        if let Some(last) = last {
                            assert!(v.message(last).is_some());
                        }
                        assert!(v.guild(GuildId::new(GUILD)).is_some());
                    });
                    reads += 1;
                }
                reads
            })
        })
        .collect();
    for id in 1..=MESSAGES {
        cache.update(&event("MESSAGE_CREATE", &message(id, GENERAL, ALICE, "x")));
    }
    done.store(true, Ordering::Relaxed);
    let reads: u64 = readers.into_iter().map(|r| r.join().unwrap()).sum();
    assert!(reads > 0);
    assert!(cache.message(MessageId::new(MESSAGES)).is_some());
    assert_eq!(cache.stats().messages, 1000);
}
