//! What members send while taking part: skeletons, score reports and reactions.
//!
//! Viewers send nothing: each of these from a viewer is refused as forbidden.

use breakroom_protocol::{Micros, ParticipantId, PoseBlock, Reaction, Role, ServerMsg};

use crate::MemberId;
use crate::error::RoomError;
use crate::members::Place;
use crate::room::Room;
use crate::scores::Report;
use crate::timeline::game_seed;

impl Room {
    /// The sender's place, if it may send at all.
    fn sender(&self, member: MemberId) -> Result<&Place, RoomError> {
        if self.is_closed() {
            return Err(RoomError::Closed);
        }
        let place = self.roster.of_member(member).ok_or(RoomError::NotInRoom)?;
        if place.role == Role::Viewer {
            return Err(RoomError::Forbidden("viewers only watch"));
        }
        Ok(place)
    }

    /// A member's latest skeleton. Kept until the next one replaces it; relayed on the room's
    /// tick to whoever the member's sharing allows.
    ///
    /// `now` is when the pose arrived; its capture time `t` must lie within
    /// `MAX_POSE_SKEW_US` of it (see `breakroom_protocol::validate::pose_time`), else the pose is
    /// refused: a capture time far from the server's clock would break every receiver's
    /// freshness rule.
    pub fn handle_pose(
        &mut self,
        now: Micros,
        member: MemberId,
        t: Micros,
        kp: PoseBlock,
    ) -> Result<(), RoomError> {
        let now = self.begin(now);
        let place = self.sender(member)?;
        if !place.may_pose {
            return Err(RoomError::Forbidden(
                "the token does not allow sending skeletons",
            ));
        }
        if kp.check().is_err() {
            return Err(RoomError::BadRequest("malformed keypoint block"));
        }
        if !breakroom_protocol::validate::pose_time(t, now) {
            return Err(RoomError::BadRequest(
                "the pose's capture time is over 1 s from the server's clock",
            ));
        }
        let (id, sharing) = (place.id, place.sharing);
        // Only a plausible body is relayed, and only in its canonical form.
        let kp = self
            .judges
            .judge(now, id, &kp)
            .map_err(RoomError::ImplausiblePose)?;
        // The cross-check sees every participant's keypoints, shared or not, and keeps only
        // its detector's counts (for the reach game, its hit counter's, on the step's seed).
        if let (Some((step, exercise)), Some(model)) = (self.session.running_step(), kp.model())
            && let Some(ex) = self.catalogue.get(exercise)
        {
            let verified = |ledger: &crate::scores::Ledger| ledger.card(id).map(|c| c.verified());
            let before = verified(&self.ledger);
            let seed = game_seed(
                &self.config.session,
                &self.config.program,
                self.catalogue,
                step,
            );
            self.ledger
                .pose(id, step, ex, seed, now, model, &kp.landmarks());
            // The scoreboard shows whether keypoints back each score: when this pose changes
            // that, everyone learns it on the next board, not only at the next score.
            if verified(&self.ledger) != before {
                self.touch_scoreboard(now);
            }
        }
        self.relay.accept(
            now,
            id,
            sharing,
            t,
            kp,
            (self.config.tick_us, self.config.tick_phase_us),
        );
        self.run_timers(now);
        Ok(())
    }

    /// How many of a participant's skeletons were refused as implausible in this room.
    pub fn implausible_poses(&self, p: ParticipantId) -> u64 {
        self.judges.refused(p)
    }

    /// Skeletons refused as implausible since the previous poll, by kind
    /// ([`crate::plausible::Implausible::KINDS`]): poll until `None`, for metrics.
    pub fn poll_implausible(&mut self) -> Option<(&'static str, u64)> {
        self.judges.poll()
    }

    /// Cumulative counters for one exercise since its step began.
    ///
    /// Counted towards the running exercise step, or the one that ended less than
    /// `SCORE_GRACE_US` ago. Implausibly high claims are capped and flagged; a claim for an
    /// exercise of the program that is not running is flagged and counts nothing.
    pub fn handle_score(
        &mut self,
        now: Micros,
        member: MemberId,
        exercise: &str,
        reps: u32,
        active_ms: u32,
    ) -> Result<(), RoomError> {
        let now = self.begin(now);
        let place = self.sender(member)?;
        if !place.may_score {
            return Err(RoomError::Forbidden(
                "the token does not allow sending scores",
            ));
        }
        let id = place.id;
        let in_program = self
            .config
            .program
            .steps
            .iter()
            .any(|s| s.exercise == exercise);
        let catalogue = self.catalogue;
        let ex = catalogue.get(exercise).filter(|_| in_program);
        let Some(ex) = ex else {
            return Err(RoomError::UnknownExercise(exercise.to_owned()));
        };
        let flags = match self.session.score_window(exercise, now) {
            Some(w) => {
                let report = Report {
                    exercise: ex,
                    step: w.step,
                    running: w.running,
                    elapsed_us: w.elapsed_us,
                    reps,
                    active_ms,
                    now,
                };
                let outcome = self.ledger.report(id, report)?;
                if outcome.changed {
                    self.touch_scoreboard(now);
                }
                outcome.flags
            }
            None if self.session.is_summarized() => {
                return Err(RoomError::InvalidState("the session is over"));
            }
            None => {
                // Outside the exercise's window (the lobby, a rest, another step): counts
                // nothing, but a counter still may not go down within one stretch.
                let window = u64::from(self.session.serial());
                self.ledger
                    .off_window_claim(id, exercise, reps, active_ms, window)?;
                if reps == 0 && active_ms == 0 {
                    self.run_timers(now);
                    return Ok(());
                }
                self.ledger
                    .wrong_exercise(id, ex, reps, active_ms, now, window)
                    .into_iter()
                    .collect()
            }
        };
        if !flags.is_empty() {
            let to = self.roster.members_where(|p| p.role.can_control());
            for flag in flags {
                self.out.send(to.clone(), ServerMsg::Flag { flag });
            }
        }
        self.run_timers(now);
        Ok(())
    }

    /// A reaction, shown to everyone (the sender included).
    pub fn handle_reaction(
        &mut self,
        now: Micros,
        member: MemberId,
        reaction: Reaction,
    ) -> Result<(), RoomError> {
        let now = self.begin(now);
        let p = self.sender(member)?.id;
        let to = self.roster.connected();
        self.out.send(to, ServerMsg::Reaction { p, reaction });
        self.run_timers(now);
        Ok(())
    }
}
