//! A latest-wins slot: one writer replaces, one reader takes, nothing queues.
//!
//! Pose frames travel through these in both directions: the application's newest skeleton
//! waits in one for the socket, and the room's newest frame waits in another for the
//! application. A stale frame is worth nothing, so the newest overwrites it.

use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;

/// Holds at most one value; a new one replaces the old.
#[derive(Debug)]
pub(crate) struct Latest<T> {
    value: Mutex<Option<T>>,
    waker: AtomicWaker,
}

impl<T> Default for Latest<T> {
    fn default() -> Self {
        Latest {
            value: Mutex::new(None),
            waker: AtomicWaker::new(),
        }
    }
}

impl<T> Latest<T> {
    fn lock(&self) -> MutexGuard<'_, Option<T>> {
        // A panic while holding the lock cannot leave an `Option` half-written.
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `value`, dropping any value not yet taken; returns whether one was dropped.
    pub(crate) fn put(&self, value: T) -> bool {
        let replaced = self.lock().replace(value).is_some();
        self.waker.wake();
        replaced
    }

    /// Takes the value, if any.
    pub(crate) fn take(&self) -> Option<T> {
        self.lock().take()
    }

    /// Takes the value, or registers the reader's waker for the next [`Latest::put`].
    pub(crate) fn poll_take(&self, cx: &mut Context<'_>) -> Poll<T> {
        self.waker.register(cx.waker());
        match self.take() {
            Some(value) => Poll::Ready(value),
            None => Poll::Pending,
        }
    }

    /// Waits until the slot holds a value, without taking it.
    pub(crate) async fn filled(&self) {
        poll_fn(|cx| {
            self.waker.register(cx.waker());
            if self.lock().is_some() {
                Poll::Ready(())
            } else {
                Poll::Pending
            }
        })
        .await;
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use super::*;

    #[test]
    fn newest_value_wins() {
        let slot = Latest::default();
        assert!(!slot.put(1));
        assert!(slot.put(2));
        assert!(slot.put(3));
        assert_eq!(slot.take(), Some(3));
        assert_eq!(slot.take(), None);
    }

    #[tokio::test]
    async fn a_waiting_reader_is_woken() {
        let slot = Arc::new(Latest::default());
        let writer = Arc::clone(&slot);
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(5)).await;
            writer.put("frame");
        });
        slot.filled().await;
        assert_eq!(poll_fn(|cx| slot.poll_take(cx)).await, "frame");
        task.await.expect("writer task");
    }
}
