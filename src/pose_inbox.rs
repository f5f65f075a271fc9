//! A room's pose inbox: how skeletons reach the room actor without waking it for each one.
//!
//! Skeletons are most of a room's inputs (a dozen participants at 15 Hz), and the room only
//! sends them on its tick. So connections do not send them through the actor's command
//! channel: they append them here, with their arrival time, and wake the actor only when it
//! asked to be woken: when no frame is due yet (the next pose is what schedules one). While a
//! frame is due, poses wait here and the actor hands them to the engine, in arrival order, when
//! it next wakes up, which is at that frame at the latest (see `Room::frame_due`). A room then
//! wakes about twice per tick instead of once per skeleton.
//!
//! Other inputs keep using the channel; the actor takes the poses waiting here before each of
//! them, so a member's pose is never handled after something that member sent later.

use std::sync::Mutex;

use breakroom_protocol::{Micros, PoseBlock};
use breakroom_rooms::MemberId;
use tokio::sync::Notify;

/// Poses waiting beyond this many wake the actor even while a frame is due, which bounds the
/// inbox. The per-connection pose rate limit keeps a room far below it.
const WAKE_AT: usize = 512;

/// A pose as it arrived.
#[derive(Debug)]
pub struct Arrived {
    /// Who sent it.
    pub member: MemberId,
    /// When it reached the server.
    pub received: Micros,
    /// The sender's capture time.
    pub t: Micros,
    /// The keypoints.
    pub kp: PoseBlock,
}

#[derive(Debug, Default)]
struct State {
    poses: Vec<Arrived>,
    /// The actor will take the waiting poses without being woken: a frame is due.
    covered: bool,
    /// The room closed: nothing is taken any more.
    closed: bool,
}

/// The pose inbox of one room, shared by its connections and its actor.
#[derive(Debug, Default)]
pub struct PoseInbox {
    state: Mutex<State>,
    wake: Notify,
}

/// The room has closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Closed;

impl PoseInbox {
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // Nothing panics while holding this lock; if something did, the state is still valid.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Appends a pose, waking the actor if no frame is due.
    pub fn push(&self, pose: Arrived) -> Result<(), Closed> {
        let mut s = self.lock();
        if s.closed {
            return Err(Closed);
        }
        s.poses.push(pose);
        let wake = !s.covered || s.poses.len() >= WAKE_AT;
        drop(s);
        if wake {
            self.wake.notify_one();
        }
        Ok(())
    }

    /// Moves the waiting poses into `into` (which the actor reuses), in arrival order.
    pub fn take(&self, into: &mut Vec<Arrived>) {
        let mut s = self.lock();
        std::mem::swap(&mut s.poses, into);
    }

    /// Tells the inbox whether a frame is due (the actor will wake by then and take what
    /// waits). Returns whether poses are waiting that the actor must take now, because none is.
    #[must_use]
    pub fn settle(&self, frame_due: bool) -> bool {
        let mut s = self.lock();
        s.covered = frame_due;
        !frame_due && !s.poses.is_empty()
    }

    /// Resolves when the actor is asked to take poses.
    pub async fn woken(&self) {
        self.wake.notified().await;
    }

    /// The room closed: later pushes fail and waiting poses are dropped.
    pub fn close(&self) {
        let mut s = self.lock();
        s.closed = true;
        s.poses = Vec::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakroom_protocol::{Landmark, PoseModel};
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    fn arrived(member: u64, received: Micros) -> Arrived {
        Arrived {
            member: MemberId(member),
            received,
            t: received,
            kp: PoseBlock::from_landmarks(PoseModel::Coco17, &[Landmark::default(); 17])
                .expect("a valid block"),
        }
    }

    fn is_woken(inbox: &PoseInbox) -> bool {
        let mut cx = Context::from_waker(Waker::noop());
        pin!(inbox.woken()).poll(&mut cx) == Poll::Ready(())
    }

    #[test]
    fn wakes_only_when_no_frame_is_due_and_keeps_arrival_order() {
        let inbox = PoseInbox::default();
        inbox.push(arrived(1, 10)).expect("open");
        assert!(
            is_woken(&inbox),
            "no frame due: the first pose wakes the actor"
        );
        let mut taken = Vec::new();
        inbox.take(&mut taken);
        assert_eq!(taken.len(), 1);
        assert!(!inbox.settle(true));
        inbox.push(arrived(2, 20)).expect("open");
        inbox.push(arrived(3, 30)).expect("open");
        assert!(!is_woken(&inbox), "a frame is due: poses wait for it");
        taken.clear();
        inbox.take(&mut taken);
        let order: Vec<_> = taken.iter().map(|a| (a.member.0, a.received)).collect();
        assert_eq!(order, [(2, 20), (3, 30)]);
    }

    #[test]
    fn a_pose_that_slips_in_before_the_frame_is_settled_is_not_forgotten() {
        let inbox = PoseInbox::default();
        assert!(!inbox.settle(true));
        // Arrives while the actor still believes a frame is due (it is sending it)...
        inbox.push(arrived(1, 10)).expect("open");
        assert!(!is_woken(&inbox));
        // ...so settling with no frame due must report it.
        assert!(inbox.settle(false));
        let mut taken = Vec::new();
        inbox.take(&mut taken);
        assert_eq!(taken.len(), 1);
        assert!(!inbox.settle(false));
    }

    #[test]
    fn a_full_inbox_wakes_the_actor_and_a_closed_one_refuses() {
        let inbox = PoseInbox::default();
        assert!(!inbox.settle(true));
        for i in 0..WAKE_AT as u64 - 1 {
            inbox.push(arrived(i, i)).expect("open");
        }
        assert!(!is_woken(&inbox));
        inbox.push(arrived(0, 0)).expect("open");
        assert!(is_woken(&inbox), "the bound wakes the actor");
        inbox.close();
        assert_eq!(inbox.push(arrived(1, 1)), Err(Closed));
        let mut taken = Vec::new();
        inbox.take(&mut taken);
        assert!(taken.is_empty());
    }
}
