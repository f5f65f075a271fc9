//! A connection's outbox: the transport-neutral handle through which rooms reach members.
//!
//! Reliable messages (cues, scoreboards, controls, errors) queue up to a bound and are never
//! dropped: a member whose queue overflows is closed as a slow consumer. Skeleton frames use a
//! single latest-wins slot, so a slow reader gets the newest frame, never a backlog. Rooms push
//! shared, already-encoded bytes; a writer task (WebSocket today, another transport later)
//! drains the outbox in batches.

use std::collections::VecDeque;
use std::sync::Mutex;

use breakroom_protocol::{Micros, close};
use bytes::Bytes;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

/// One thing for the writer to send.
#[derive(Debug, Clone)]
pub enum Item {
    /// An encoded message; `cue_at` is set for cues, so the writer can measure how far ahead
    /// of their time they reach the socket.
    Msg {
        /// The encoded message.
        bytes: Bytes,
        /// For a cue: its server time.
        cue_at: Option<Micros>,
    },
    /// A WebSocket `Ping` control frame with this payload: a round-trip probe
    /// (`crate::round_trip`), answered by the client's WebSocket layer with a `Pong`.
    Probe([u8; 8]),
    /// A pong, completed with its send time by the writer, as close to the socket as possible.
    Pong {
        /// The client's send time.
        t0: Micros,
        /// Server receive time.
        t1: Micros,
    },
}

/// Why and how to close the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CloseReason {
    /// WebSocket close code.
    pub code: u16,
    /// Human-readable reason.
    pub reason: String,
}

#[derive(Debug, Default)]
struct State {
    queue: VecDeque<Item>,
    pose: Option<Bytes>,
    close: Option<CloseReason>,
}

/// The outbox of one connection.
#[derive(Debug)]
pub struct Outbox {
    state: Mutex<State>,
    notify: Notify,
    limit: usize,
    /// Cancelled when the queue overflows: the writer stops at once, even mid-write.
    overflowed: CancellationToken,
}

/// What [`Outbox::push`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    /// Queued.
    Queued,
    /// The queue was full: the connection is now closing as a slow consumer.
    Overflow,
    /// The connection is already closing; dropped.
    Closed,
}

impl Outbox {
    /// An outbox holding at most `limit` reliable messages.
    pub fn new(limit: usize) -> Outbox {
        Outbox {
            state: Mutex::new(State::default()),
            notify: Notify::new(),
            limit,
            overflowed: CancellationToken::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // A panic while holding this lock is a bug elsewhere; the state stays usable.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues a reliable item.
    pub fn push(&self, item: Item) -> Pushed {
        let mut s = self.lock();
        if s.close.is_some() {
            return Pushed::Closed;
        }
        if s.queue.len() >= self.limit {
            s.queue.clear();
            s.pose = None;
            s.close = Some(CloseReason {
                code: close::SLOW_CONSUMER,
                reason: "outbox full: reading too slowly".into(),
            });
            drop(s);
            self.overflowed.cancel();
            self.notify.notify_one();
            return Pushed::Overflow;
        }
        s.queue.push_back(item);
        drop(s);
        self.notify.notify_one();
        Pushed::Queued
    }

    /// Puts a skeleton frame in the latest-wins slot: `fresh` (what changed since the previous
    /// frame) when the slot is empty, or `full()` (every visible skeleton) in place of a frame
    /// still unsent, so that nothing is lost but time. Returns whether an unsent frame was
    /// replaced.
    pub fn push_pose(&self, fresh: &Bytes, full: impl FnOnce() -> Bytes) -> bool {
        let mut s = self.lock();
        if s.close.is_some() {
            return false;
        }
        let replaced = s.pose.is_some();
        s.pose = Some(if replaced { full() } else { fresh.clone() });
        drop(s);
        self.notify.notify_one();
        replaced
    }

    /// Asks the writer to close the connection after what is queued (the first reason wins).
    pub fn close(&self, code: u16, reason: impl Into<String>) {
        let mut s = self.lock();
        if s.close.is_none() {
            s.close = Some(CloseReason {
                code,
                reason: reason.into(),
            });
        }
        drop(s);
        self.notify.notify_one();
    }

    /// Resolves once the queue has overflowed: the peer is too slow to keep.
    pub async fn overflowed(&self) {
        self.overflowed.cancelled().await;
    }

    /// Whether a close was requested.
    pub fn is_closing(&self) -> bool {
        self.lock().close.is_some()
    }

    /// Reliable messages waiting.
    pub fn depth(&self) -> usize {
        self.lock().queue.len()
    }

    /// Waits for work, then moves everything pending into `batch` (reliable items first, then
    /// the newest skeleton frame). Returns the close reason once closing.
    pub async fn next_batch(&self, batch: &mut Vec<Item>) -> Option<CloseReason> {
        loop {
            {
                let mut s = self.lock();
                batch.extend(s.queue.drain(..));
                if let Some(pose) = s.pose.take() {
                    batch.push(Item::Msg {
                        bytes: pose,
                        cue_at: None,
                    });
                }
                if s.close.is_some() || !batch.is_empty() {
                    return s.close.clone();
                }
            }
            self.notify.notified().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(b: &'static [u8]) -> Item {
        Item::Msg {
            bytes: Bytes::from_static(b),
            cue_at: None,
        }
    }

    #[tokio::test]
    async fn poses_are_latest_wins_and_reliable_items_keep_order() {
        let outbox = Outbox::new(4);
        assert_eq!(outbox.push(msg(b"a")), Pushed::Queued);
        let full = || Bytes::from_static(b"full");
        assert!(!outbox.push_pose(&Bytes::from_static(b"p1"), full));
        assert!(outbox.push_pose(&Bytes::from_static(b"p2"), full));
        assert_eq!(outbox.push(msg(b"b")), Pushed::Queued);
        let mut batch = Vec::new();
        assert_eq!(outbox.next_batch(&mut batch).await, None);
        let got: Vec<&[u8]> = batch
            .iter()
            .map(|i| match i {
                Item::Msg { bytes, .. } => bytes.as_ref(),
                Item::Pong { .. } => b"pong",
                Item::Probe(_) => b"probe",
            })
            .collect();
        // The second frame found the first unsent: the complete set took its place.
        assert_eq!(got, vec![&b"a"[..], b"b", b"full"]);
        // Once the writer took the frame, the next one is a fresh frame again.
        assert!(!outbox.push_pose(&Bytes::from_static(b"p3"), full));
        batch.clear();
        assert_eq!(outbox.next_batch(&mut batch).await, None);
        assert!(matches!(&batch[..], [Item::Msg { bytes, .. }] if bytes.as_ref() == b"p3"));
    }

    #[tokio::test]
    async fn overflow_closes_as_slow_consumer() {
        let outbox = Outbox::new(2);
        outbox.push(msg(b"1"));
        outbox.push(msg(b"2"));
        assert_eq!(outbox.push(msg(b"3")), Pushed::Overflow);
        assert_eq!(outbox.push(msg(b"4")), Pushed::Closed);
        let mut batch = Vec::new();
        let close = outbox.next_batch(&mut batch).await.expect("closing");
        assert_eq!(close.code, close::SLOW_CONSUMER);
        assert!(batch.is_empty());
    }
}
