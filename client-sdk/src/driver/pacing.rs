//! Pacing what goes out: the outbox of controls, the latest score per exercise, the newest
//! pose, each sent no faster than the server's limits allow.

use tokio::time::Instant;

use breakroom_protocol::ClientMsg;

use super::{Driver, OUTBOX_MAX, Queued, Request, Restoring, SCORES_MAX, per_second};
use crate::error::Error;

impl Driver {
    pub(super) fn queue(&mut self, seq: u32, request: Request) -> Result<(), Error> {
        let msg = match request {
            Request::Score {
                exercise,
                reps,
                active_ms,
            } => {
                // Counters are cumulative: a newer report replaces an unsent one.
                let msg = ClientMsg::Score {
                    seq,
                    exercise: exercise.clone(),
                    reps,
                    active_ms,
                };
                if let Some(entry) = self.scores.iter_mut().find(|(e, _)| *e == exercise) {
                    entry.1 = msg;
                } else if self.scores.len() >= SCORES_MAX {
                    return Err(Error::Backlog);
                } else {
                    self.scores.push_back((exercise, msg));
                }
                return Ok(());
            }
            Request::Leave => ClientMsg::Leave { seq },
            Request::Control { action, target } => ClientMsg::Control {
                seq,
                action,
                target,
            },
            Request::Reaction(reaction) => ClientMsg::Reaction { seq, reaction },
        };
        if self.outbox.len() >= OUTBOX_MAX {
            return Err(Error::Backlog);
        }
        self.outbox.push_back(Queued { msg, join: None });
        Ok(())
    }

    /// When the next paced message may go, if any is waiting and the connection can take it.
    pub(super) fn next_due(&self) -> Option<Instant> {
        if self.ws.is_none() || self.restoring != Restoring::No {
            return None;
        }
        [
            (!self.outbox.is_empty()).then_some(self.next_control),
            (!self.scores.is_empty()).then_some(self.next_score),
            self.pose_waiting.then_some(self.next_pose),
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Sends whatever is due.
    pub(super) async fn flush(&mut self) {
        let now = Instant::now();
        if now >= self.next_control && !self.flush_control(now).await {
            return;
        }
        if now >= self.next_score && !self.flush_score(now).await {
            return;
        }
        if self.pose_waiting && now >= self.next_pose {
            self.flush_pose(now).await;
        }
    }

    /// Sends the next queued message; `false` if the connection was lost.
    pub(super) async fn flush_control(&mut self, now: Instant) -> bool {
        let Some(queued) = self.outbox.pop_front() else {
            return true;
        };
        self.next_control = now + per_second(self.limits.control_hz.max(1));
        if !self.send(&queued.msg).await {
            if let Some(join) = queued.join {
                let _ = join.reply.send(Err(Error::ConnectionLost));
            }
            return false;
        }
        if let Some(join) = queued.join {
            self.joins.push_back(join);
        }
        if matches!(queued.msg, ClientMsg::Leave { .. }) {
            self.room = None;
            self.shared.set_you(None);
        }
        true
    }

    /// Sends the oldest waiting score report; `false` if the connection was lost.
    pub(super) async fn flush_score(&mut self, now: Instant) -> bool {
        let Some((_, msg)) = self.scores.pop_front() else {
            return true;
        };
        self.next_score = now + per_second(self.limits.score_hz.max(1));
        self.send(&msg).await
    }

    /// Sends the newest pose: only in a room, and not at all if the server allows none.
    pub(super) async fn flush_pose(&mut self, now: Instant) {
        self.pose_waiting = false;
        let hz = self.limits.pose_hz.min(self.options.max_pose_hz);
        let Some((t, kp)) = self.shared.outgoing_pose.take() else {
            return;
        };
        if hz == 0 || self.room.is_none() {
            return;
        }
        self.next_pose = now + per_second(hz);
        self.send(&ClientMsg::Pose { t, kp }).await;
    }
}
