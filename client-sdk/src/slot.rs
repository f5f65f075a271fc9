//! A latest-wins slot: one writer puts, one reader takes, nothing queues.
//!
//! Pose frames travel through these in both directions. The application's newest skeleton
//! waits in one for the socket: a stale skeleton is worth nothing, so the newest replaces it
//! ([`Latest::put`]). The room's frames wait in another for the application: a frame carries
//! only the skeletons that changed since the room's previous frame, so a frame not yet taken
//! is merged with the next one rather than replaced ([`Latest::put_frame`]); the reader gets
//! the newest skeleton of every participant, never a backlog.
//!
//! Invariant: a frame waiting in the slot holds at most one skeleton per participant, sorted by
//! participant id, provided every frame put holds at most one per participant (the server
//! sends one).

use std::future::poll_fn;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use breakroom_protocol::{Micros, ParticipantId, PeerPose};
use futures_util::task::AtomicWaker;

/// A pose frame: the server time of the room's tick, and skeletons.
pub(crate) type PoseFrame = (Micros, Vec<PeerPose>);

/// Holds at most one value; a new one replaces the old (or, for pose frames, merges into it).
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

impl Latest<PoseFrame> {
    /// Stores a pose frame, or merges it into the frame not yet taken; returns whether one was
    /// waiting. Merging keeps every participant's newest skeleton: a skeleton in the new frame
    /// replaces the waiting one of its participant, a participant absent from the new frame
    /// keeps its waiting skeleton, and the merged frame takes the new frame's time. The stored
    /// frame is sorted by participant id.
    ///
    /// On the hot path: the sort check runs outside the lock, and when the same participants
    /// move tick after tick a merge is a binary search and a move per skeleton, with no
    /// allocation (a newcomer is inserted in place).
    pub(crate) fn put_frame(&self, (t, mut poses): PoseFrame) -> bool {
        if !poses.is_sorted_by_key(|pose| pose.p) {
            poses.sort_unstable_by_key(|pose| pose.p);
        }
        let merged = {
            let mut held = self.lock();
            match held.as_mut() {
                Some(waiting) => {
                    merge_into(waiting, t, poses);
                    true
                }
                None => {
                    *held = Some((t, poses));
                    false
                }
            }
        };
        self.waker.wake();
        merged
    }
}

impl Latest<PoseFrame> {
    /// Drops `p`'s skeleton from the frame not yet taken (and the frame, if nothing is left).
    /// For a participant who left: events overtake the frame slot, so without this the
    /// application could learn of the departure and then draw a skeleton from before it.
    pub(crate) fn forget(&self, p: ParticipantId) {
        let mut held = self.lock();
        if let Some((_, poses)) = held.as_mut() {
            poses.retain(|pose| pose.p != p);
            if poses.is_empty() {
                *held = None;
            }
        }
    }
}

/// Merges a newer frame into a waiting one; both are sorted by participant id, and so is the
/// result.
fn merge_into(waiting: &mut PoseFrame, t: Micros, poses: Vec<PeerPose>) {
    waiting.0 = t;
    let held = &mut waiting.1;
    for pose in poses {
        match held.binary_search_by_key(&pose.p, |held| held.p) {
            Ok(i) => held[i] = pose,
            Err(i) => held.insert(i, pose),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use breakroom_protocol::{Landmark, PoseBlock, PoseModel};

    use super::*;

    /// A frame at `t` from `(participant, capture time)` pairs; the capture time tells two
    /// skeletons of one participant apart.
    fn frame(t: Micros, poses: &[(u32, Micros)]) -> PoseFrame {
        let kp = PoseBlock::from_landmarks(PoseModel::BlazePose33, &[Landmark::default(); 33])
            .expect("33 landmarks make a BlazePose33 block");
        let poses = poses
            .iter()
            .map(|&(p, captured)| PeerPose {
                p: ParticipantId(p),
                t: captured,
                kp: kp.clone(),
            })
            .collect();
        (t, poses)
    }

    /// Puts `frames` without taking, then expects one take to return `expected`.
    fn check(frames: &[PoseFrame], expected: PoseFrame) {
        let slot = Latest::default();
        for (i, f) in frames.iter().enumerate() {
            assert_eq!(slot.put_frame(f.clone()), i > 0, "put {i} merged");
        }
        assert_eq!(slot.take(), Some(expected));
        assert_eq!(slot.take(), None);
    }

    #[test]
    fn forgetting_a_participant_drops_only_its_waiting_skeleton() {
        let slot = Latest::default();
        slot.put_frame(frame(10, &[(1, 1), (2, 2)]));
        slot.forget(ParticipantId(2));
        assert_eq!(slot.take(), Some(frame(10, &[(1, 1)])));
        // A frame left empty is no frame at all.
        slot.put_frame(frame(20, &[(2, 12)]));
        slot.forget(ParticipantId(2));
        assert_eq!(slot.take(), None);
        // Nothing waiting: nothing to do, and later frames are untouched.
        slot.forget(ParticipantId(3));
        slot.put_frame(frame(30, &[(3, 23)]));
        assert_eq!(slot.take(), Some(frame(30, &[(3, 23)])));
    }

    #[test]
    fn unread_pose_frames_merge_per_participant() {
        // A {p1, p2} then B {p2', p3}: p1 stays, p2' replaces p2, p3 joins, B's time.
        check(
            &[frame(10, &[(1, 1), (2, 2)]), frame(20, &[(2, 12), (3, 13)])],
            frame(20, &[(1, 1), (2, 12), (3, 13)]),
        );
        // Newcomers land in participant order, whatever order they came in.
        check(
            &[frame(10, &[(5, 1), (1, 2)]), frame(20, &[(3, 12)])],
            frame(20, &[(1, 2), (3, 12), (5, 1)]),
        );
        // Three unread frames fold into one; an empty frame changes only the time.
        check(
            &[
                frame(10, &[(1, 1)]),
                frame(20, &[(2, 12)]),
                frame(30, &[(1, 21)]),
                frame(40, &[]),
            ],
            frame(40, &[(1, 21), (2, 12)]),
        );
    }

    #[test]
    fn a_taken_pose_frame_is_not_merged_again() {
        let slot = Latest::default();
        assert!(!slot.put_frame(frame(10, &[(1, 1), (2, 2)])));
        assert_eq!(slot.take(), Some(frame(10, &[(1, 1), (2, 2)])));
        assert!(!slot.put_frame(frame(20, &[(3, 13)])));
        assert_eq!(slot.take(), Some(frame(20, &[(3, 13)])));
        assert_eq!(slot.take(), None);
    }

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
