//! `wait_for`: futures that resolve on the next event matching a predicate.
//!
//! Waiters sit in a list checked against every event before the handlers
//! run. A waiter that matches is removed and gets a copy of the event. A
//! waiter whose future is dropped (cancelled, or timed out) removes itself,
//! so the list holds only live waiters.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tether_model::gateway::{Event, EventType};
use tokio::sync::{mpsc, oneshot};

type Predicate = Box<dyn Fn(&Event) -> bool + Send + Sync>;

struct Waiter {
    id: u64,
    kind: EventType,
    predicate: Predicate,
    sink: Sink,
}

/// Where a matching event goes: one event, or every one until the
/// receiver is dropped.
enum Sink {
    Once(oneshot::Sender<Event>),
    Many(mpsc::UnboundedSender<Event>),
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
pub(crate) struct WaitGuard<R> {
    waiters: Arc<Waiters>,
    id: u64,
    pub(crate) receiver: R,
}

impl<R> Drop for WaitGuard<R> {
    fn drop(&mut self) {
        self.waiters.remove(self.id);
    }
}

impl Waiters {
    /// A waiter for the next matching event.
    pub(crate) fn register(
        self: &Arc<Self>,
        kind: EventType,
        predicate: Predicate,
    ) -> WaitGuard<oneshot::Receiver<Event>> {
        let (sender, receiver) = oneshot::channel();
        self.add(kind, predicate, Sink::Once(sender), receiver)
    }

    /// A waiter for every matching event, until the guard is dropped.
    pub(crate) fn register_many(
        self: &Arc<Self>,
        kind: EventType,
        predicate: Predicate,
    ) -> WaitGuard<mpsc::UnboundedReceiver<Event>> {
        let (sender, receiver) = mpsc::unbounded_channel();
        self.add(kind, predicate, Sink::Many(sender), receiver)
    }

    fn add<R>(
        self: &Arc<Self>,
        kind: EventType,
        predicate: Predicate,
        sink: Sink,
        receiver: R,
    ) -> WaitGuard<R> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        self.lock().push(Waiter {
            id,
            kind,
            predicate,
            sink,
        });
        WaitGuard {
            waiters: Arc::clone(self),
            id,
            receiver,
        }
    }

    /// Hands `event` to every waiter it satisfies, removing the one-shot
    /// ones.
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
            if !hit {
                i += 1;
                continue;
            }
            let keep = match list.get(i).map(|w| &w.sink) {
                Some(Sink::Many(sender)) => sender.send(event.clone()).is_ok(),
                _ => false,
            };
            if keep {
                i += 1;
            } else {
                let waiter = list.swap_remove(i);
                if let Sink::Once(sender) = waiter.sink {
                    // A receiver dropped meanwhile just loses the event.
                    let _ = sender.send(event.clone());
                }
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
