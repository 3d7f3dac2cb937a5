//! `wait_for`: futures that resolve on the next event matching a predicate.
//!
//! Waiters sit in a list checked against every event before the handlers
//! run. A waiter that matches is removed and gets a copy of the event. A
//! waiter whose future is dropped (cancelled, or timed out) removes itself,
//! so the list holds only live waiters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tether_model::gateway::{Event, EventType};
use tokio::sync::oneshot;

type Predicate = Box<dyn Fn(&Event) -> bool + Send + Sync>;

struct Waiter {
    id: u64,
    kind: EventType,
    predicate: Predicate,
    sender: oneshot::Sender<Event>,
}

/// The list of waiters of one client.
#[derive(Default)]
pub(crate) struct Waiters {
    next_id: AtomicU64,
    list: Mutex<Vec<Waiter>>,
}

impl std::fmt::Debug for Waiters {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiters").field("len", &self.len()).finish()
    }
}

/// Removes its waiter when dropped; hold it while awaiting.
pub(crate) struct WaitGuard {
    waiters: Arc<Waiters>,
    id: u64,
    pub(crate) receiver: oneshot::Receiver<Event>,
}

impl Drop for WaitGuard {
    fn drop(&mut self) {
        self.waiters.remove(self.id);
    }
}

impl Waiters {
    pub(crate) fn register(self: &Arc<Self>, kind: EventType, predicate: Predicate) -> WaitGuard {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let (sender, receiver) = oneshot::channel();
        self.lock().push(Waiter {
            id,
            kind,
            predicate,
            sender,
        });
        WaitGuard {
            waiters: Arc::clone(self),
            id,
            receiver,
        }
    }

    /// Hands `event` to every waiter it satisfies, removing them.
    pub(crate) fn fire(&self, event: &Event) {
        let Some(kind) = event.kind() else { return };
        let mut list = self.lock();
        if list.is_empty() {
            return;
        }
        let mut i = 0;
        while i < list.len() {
            // A predicate is user code: a panic in it counts as no match
            // rather than taking the dispatcher down.
            let hit = list.get(i).is_some_and(|w| {
                w.kind == kind
                    && std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        (w.predicate)(event)
                    }))
                    .unwrap_or(false)
            });
            if hit {
                let waiter = list.swap_remove(i);
                // A receiver dropped meanwhile just loses the event.
                let _ = waiter.sender.send(event.clone());
            } else {
                i += 1;
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.lock().len()
    }

    fn remove(&self, id: u64) {
        self.lock().retain(|w| w.id != id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Waiter>> {
        // Nothing panics while the lock is held (predicates are caught), but
        // a poisoned list would still be consistent: each operation is a
        // single push, remove or retain.
        self.list
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}
