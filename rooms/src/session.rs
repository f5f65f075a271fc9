//! The session's state machine: lobby → countdown → (exercise → rest)… → results → closed.
//!
//! The session owns the [`Plan`] while it runs, the pause, and the score windows (which
//! exercise step a score report counts towards and how much exercise time has elapsed). It
//! produces no messages itself: the room asks it what is due and tells everyone.

use breakroom_protocol::{Cue, Micros, Phase, PhaseState, Program};

use crate::catalogue::Catalogue;
use crate::config::{RoomConfig, SCORE_GRACE_US};
use crate::error::RoomError;
use crate::timeline::Plan;

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// Not started.
    Lobby,
    /// Counting down, exercising or resting.
    Running,
    /// Over; results shown.
    Results,
    /// The room is closed.
    Closed,
}

/// What a skip led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Skipped {
    /// A countdown to the next step.
    Next,
    /// The last step was skipped: the program is complete.
    Finished,
}

#[derive(Debug, Clone, Copy)]
struct Pause {
    since: Micros,
    /// Paused because no host is connected, rather than by a facilitator.
    auto: bool,
}

/// The stretch of time during which reports for one exercise step count.
#[derive(Debug, Clone)]
struct Window {
    step: usize,
    exercise: String,
    started: Micros,
    ended: Option<Micros>,
    paused_us: u64,
    paused_since: Option<Micros>,
}

impl Window {
    fn elapsed(&self, now: Micros) -> u64 {
        let end = self.ended.unwrap_or(now).max(self.started);
        let paused_now = self.paused_since.map_or(0, |p| end.saturating_sub(p));
        (end - self.started).saturating_sub(self.paused_us.saturating_add(paused_now))
    }

    fn resume(&mut self, now: Micros) {
        if let Some(p) = self.paused_since.take() {
            self.paused_us = self.paused_us.saturating_add(now.saturating_sub(p));
        }
    }
}

/// A score window, as seen by score accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ScoreWindow {
    /// Program step index.
    pub(crate) step: usize,
    /// Exercise time elapsed in the step, pauses excluded.
    pub(crate) elapsed_us: u64,
    /// Whether the step is still running (not ended).
    pub(crate) running: bool,
}

/// The session of a room.
#[derive(Debug, Clone)]
pub(crate) struct Session {
    stage: Stage,
    since: Micros,
    started_at: Option<Micros>,
    ended_at: Option<Micros>,
    plan: Option<Plan>,
    pause: Option<Pause>,
    current: Option<Window>,
    last: Option<Window>,
    completed: bool,
    summary_due: Option<Micros>,
    summarized: bool,
    next_cue_id: u32,
    /// The latest `at` of any cue sent so far.
    last_cue_at: Micros,
    /// The instant of the first cue after the latest start, resume or skip, and the lead it
    /// and any cue before it are sent with (at least the configured lead).
    first: Option<(Micros, u64)>,
    /// Counts phase changes: tells apart two stretches of the same phase.
    serial: u32,
}

impl Session {
    /// A session in the lobby since `now`.
    pub(crate) fn new(now: Micros) -> Session {
        Session {
            stage: Stage::Lobby,
            since: now,
            started_at: None,
            ended_at: None,
            plan: None,
            pause: None,
            current: None,
            last: None,
            completed: false,
            summary_due: None,
            summarized: false,
            next_cue_id: 1,
            last_cue_at: 0,
            first: None,
            serial: 0,
        }
    }

    pub(crate) fn stage(&self) -> Stage {
        self.stage
    }

    pub(crate) fn is_running(&self) -> bool {
        self.stage == Stage::Running
    }

    pub(crate) fn is_auto_paused(&self) -> bool {
        self.pause.is_some_and(|p| p.auto)
    }

    /// Started and not yet summarized: a summary is owed.
    pub(crate) fn owes_summary(&self) -> bool {
        self.started_at.is_some() && !self.summarized
    }

    pub(crate) fn completed(&self) -> bool {
        self.completed
    }

    pub(crate) fn started_at(&self) -> Option<Micros> {
        self.started_at
    }

    pub(crate) fn ended_at(&self) -> Option<Micros> {
        self.ended_at
    }

    pub(crate) fn serial(&self) -> u32 {
        self.serial
    }

    /// Where the session stands, as clients see it.
    pub(crate) fn phase_state(&self) -> PhaseState {
        let (phase, step, until) = match (self.stage, &self.plan) {
            (Stage::Running, Some(plan)) => {
                let seg = plan.current();
                let until = if self.pause.is_some() { None } else { seg.end };
                (seg.phase, Some(seg.step), until)
            }
            (Stage::Lobby, _) => (Phase::Lobby, None, None),
            (Stage::Closed, _) => (Phase::Closed, None, None),
            (Stage::Results | Stage::Running, _) => (Phase::Results, None, None),
        };
        PhaseState {
            phase,
            step,
            since: self.since,
            until,
            paused: self.pause.is_some(),
        }
    }

    /// The cues still to come; none while paused (their instants are unknown until resume).
    pub(crate) fn upcoming(&self, now: Micros) -> Vec<Cue> {
        match (&self.plan, self.pause) {
            (Some(plan), None) if self.stage == Stage::Running => plan.upcoming(now),
            _ => Vec::new(),
        }
    }

    fn running_plan(&self) -> Option<&Plan> {
        match self.stage {
            Stage::Running if self.pause.is_none() => self.plan.as_ref(),
            _ => None,
        }
    }

    /// When the next cue must be sent, if the session runs: `lead + early` before its
    /// instant, or the first cue's lead plus `early` for the first cue after a start, resume
    /// or skip.
    pub(crate) fn next_cue_send(&self, lead: u64, early: u64) -> Option<Micros> {
        let at = self.running_plan()?.next_send(0)?;
        let lead = match self.first {
            Some((first, first_lead)) if at <= first => lead.max(first_lead),
            _ => lead,
        };
        Some(at.saturating_sub(lead.saturating_add(early)))
    }

    /// When the current phase ends, if the session runs.
    pub(crate) fn phase_end(&self) -> Option<Micros> {
        self.running_plan().and_then(|p| p.current().end)
    }

    /// When the summary of a completed program is due.
    pub(crate) fn summary_due(&self) -> Option<Micros> {
        self.summary_due.filter(|_| !self.summarized)
    }

    /// Starts the program at `now`; its first cue is at least `first_lead` ahead.
    pub(crate) fn start(
        &mut self,
        now: Micros,
        config: &RoomConfig,
        first_lead: u64,
    ) -> Result<(), RoomError> {
        match self.stage {
            Stage::Lobby => {}
            Stage::Running => {
                return Err(RoomError::InvalidState("the session is already running"));
            }
            Stage::Results | Stage::Closed => {
                return Err(RoomError::InvalidState("the session is over"));
            }
        }
        self.stage = Stage::Running;
        self.started_at = Some(now);
        self.replan(now, config, 0, first_lead);
        Ok(())
    }

    fn replan(&mut self, now: Micros, config: &RoomConfig, from: usize, first_lead: u64) {
        // The first cue's own lead: the configured one, or more for a slow member.
        let first_lead = config.lead_us.max(first_lead);
        // Cues go out a little before `at - lead`, so a cue of the cancelled timeline may
        // already be out for later than `now + lead`: the new one starts after it, keeping cue
        // ids in `at` order across the session.
        let after_sent = self.last_cue_at.saturating_sub(now).saturating_add(1);
        let (lead, countdown) = (config.lead_us.max(after_sent), config.countdown_us);
        let mut plan = Plan::build(
            &config.program,
            from,
            now,
            lead.max(first_lead),
            countdown,
            self.next_cue_id,
        );
        plan.seed_games(&config.session, &config.program, Catalogue::builtin());
        self.next_cue_id = plan.next_id().unwrap_or(self.next_cue_id);
        self.plan = Some(plan);
        self.pause = None;
        self.since = now;
        self.serial = self.serial.wrapping_add(1);
        // Only the first cue's own lead is owed early, not the wait for a cue already out.
        self.first = self
            .plan
            .as_ref()
            .and_then(|p| p.next_send(0))
            .map(|at| (at, first_lead));
    }

    fn check_running(&self) -> Result<(), RoomError> {
        match self.stage {
            Stage::Running => Ok(()),
            Stage::Lobby => Err(RoomError::InvalidState("the session has not started")),
            Stage::Results | Stage::Closed => Err(RoomError::InvalidState("the session is over")),
        }
    }

    /// Pauses the timeline at `now`.
    pub(crate) fn pause(&mut self, now: Micros, auto: bool) -> Result<(), RoomError> {
        self.check_running()?;
        if self.pause.is_some() {
            return Err(RoomError::InvalidState("the session is already paused"));
        }
        self.pause = Some(Pause { since: now, auto });
        if let Some(w) = self.current.as_mut() {
            w.paused_since = Some(now);
        }
        Ok(())
    }

    /// Resumes the timeline: the remaining plan shifts by the paused time, and its first cue
    /// is at least `first_lead` ahead.
    pub(crate) fn resume(&mut self, now: Micros, first_lead: u64) -> Result<(), RoomError> {
        self.check_running()?;
        let Some(pause) = self.pause.take() else {
            return Err(RoomError::InvalidState("the session is not paused"));
        };
        if let Some(plan) = self.plan.as_mut() {
            plan.resume(pause.since, now, first_lead);
            self.first = plan.next_send(0).map(|at| (at, first_lead));
        }
        if let Some(w) = self.current.as_mut() {
            w.resume(now);
        }
        Ok(())
    }

    /// Skips to the countdown of the next step (clearing any pause), or completes the program;
    /// the countdown's first cue is at least `first_lead` ahead.
    pub(crate) fn skip(
        &mut self,
        now: Micros,
        config: &RoomConfig,
        first_lead: u64,
    ) -> Result<Skipped, RoomError> {
        self.check_running()?;
        let step = self
            .plan
            .as_ref()
            .map_or(0, |p| usize::from(p.current().step));
        self.close_window(now);
        if step + 1 >= config.program.steps.len() {
            self.finish(now, true);
            return Ok(Skipped::Finished);
        }
        self.replan(now, config, step + 1, first_lead);
        Ok(Skipped::Next)
    }

    /// Ends a running session early (facilitator, host gone, room closing).
    pub(crate) fn end(&mut self, now: Micros) {
        if self.stage == Stage::Running {
            self.close_window(now);
            self.finish(now, false);
        }
    }

    fn finish(&mut self, at: Micros, completed: bool) {
        self.stage = Stage::Results;
        self.plan = None;
        self.pause = None;
        self.since = at;
        self.ended_at = Some(at);
        self.completed = completed;
        self.serial = self.serial.wrapping_add(1);
        // A completed program waits a moment for late reports of its last step.
        self.summary_due = completed.then(|| at.saturating_add(SCORE_GRACE_US));
    }

    /// Takes the next cue to send at `now` (shifting the plan if the send is late).
    pub(crate) fn take_cue(&mut self, now: Micros, lead: u64) -> Option<Cue> {
        let cue = self.plan.as_mut()?.take_cue(now, lead)?;
        self.last_cue_at = self.last_cue_at.max(cue.at);
        Some(cue)
    }

    /// Moves to the next phase at its scheduled end `at`. Returns whether the program completed.
    pub(crate) fn advance(&mut self, at: Micros, program: &Program) -> bool {
        let Some(plan) = self.plan.as_mut() else {
            return false;
        };
        let Some(seg) = plan.advance().cloned() else {
            return false;
        };
        self.close_window(at);
        self.since = at;
        self.serial = self.serial.wrapping_add(1);
        match seg.phase {
            Phase::Exercise => {
                let step = usize::from(seg.step);
                let exercise = program.steps.get(step).map(|s| s.exercise.clone());
                self.current = exercise.map(|exercise| Window {
                    step,
                    exercise,
                    started: at,
                    ended: None,
                    paused_us: 0,
                    paused_since: None,
                });
            }
            Phase::Results => {
                self.finish(at, true);
                return true;
            }
            _ => {}
        }
        false
    }

    fn close_window(&mut self, at: Micros) {
        if let Some(mut w) = self.current.take() {
            w.resume(at);
            w.ended = Some(at.max(w.started));
            self.last = Some(w);
        }
    }

    /// The window a report for `exercise` at `now` counts towards: the running exercise, or the
    /// one that just ended (within [`SCORE_GRACE_US`]). None once the summary is made.
    pub(crate) fn score_window(&self, exercise: &str, now: Micros) -> Option<ScoreWindow> {
        if self.summarized {
            return None;
        }
        let view = |w: &Window| ScoreWindow {
            step: w.step,
            elapsed_us: w.elapsed(now),
            running: w.ended.is_none(),
        };
        if let Some(w) = self.current.as_ref().filter(|w| w.exercise == exercise) {
            return Some(view(w));
        }
        self.last
            .as_ref()
            .filter(|w| w.exercise == exercise)
            .filter(|w| {
                w.ended
                    .is_some_and(|e| now <= e.saturating_add(SCORE_GRACE_US))
            })
            .map(view)
    }

    /// The exercise step running now (not paused), if any: what streamed keypoints feed.
    pub(crate) fn running_step(&self) -> Option<(usize, &str)> {
        self.current
            .as_ref()
            .filter(|w| w.ended.is_none() && w.paused_since.is_none())
            .map(|w| (w.step, w.exercise.as_str()))
    }

    /// The exercise step whose window is open (running or paused), if any.
    pub(crate) fn open_step(&self) -> Option<(usize, &str)> {
        self.current
            .as_ref()
            .filter(|w| w.ended.is_none())
            .map(|w| (w.step, w.exercise.as_str()))
    }

    /// Records that the summary was produced.
    pub(crate) fn mark_summarized(&mut self) {
        self.summarized = true;
        self.summary_due = None;
    }

    pub(crate) fn is_summarized(&self) -> bool {
        self.summarized
    }

    /// Closes the session for good.
    pub(crate) fn close(&mut self, now: Micros) {
        self.stage = Stage::Closed;
        self.plan = None;
        self.pause = None;
        self.current = None;
        self.since = now;
        self.summary_due = None;
        self.serial = self.serial.wrapping_add(1);
    }
}
