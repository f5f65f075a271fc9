//! Cues on the server's clock: the ones a client holds, and which are due (PROTOCOL.md
//! "Cues"). Sans-IO like the room engine: time is an input (`now`, server µs), nothing here
//! reads a clock or sleeps. The TypeScript SDK's `CueSchedule` (`client-sdk/js/src/cues.ts`)
//! follows the same rule.
//!
//! # The rule
//! A cue that is due is never silently dropped, however late the application gets to it.
//! - **One order.** Cues are delivered by `at`, then by `id`. The server numbers cues in their
//!   logical order, so at one instant `rest` comes before `next_up`.
//! - **Late polls lose nothing.** [`CueSchedule::poll_due`] returns every held cue whose instant
//!   has passed, however late it is called; the cues due at one moment come in one batch, in
//!   that order, and the last one is the state to show.
//! - **A replaced timeline keeps what was due.** The `timeline` of a `snapshot` or `phase`
//!   replaces the cues held, but a held cue missing from it whose instant has passed (at `now`,
//!   or at the new phase's `since`, whichever is later) was due before the change: it stays, to
//!   be returned by the next poll. Only cues still to come are cancelled (pause, skip, end).
//!   This is what a busy client needs: the `rest` phase arrives at the instant of the `rest`
//!   and `next_up` cues, and often before the application acted on them.
//! - **Late arrivals come at once.** A cue received after its instant is due at once.
//!
//! ```no_run
//! use breakroom_client::{Client, CueSchedule};
//! use tokio::time::{Instant, sleep_until};
//!
//! # async fn run(mut client: Client) {
//! let mut cues = CueSchedule::new();
//! loop {
//!     let wake = cues.next_due().map(|at| client.local_instant(at));
//!     let far = Instant::now() + std::time::Duration::from_secs(3600);
//!     tokio::select! {
//!         event = client.next_event() => {
//!             let Some(event) = event else { break };
//!             cues.handle_event(client.server_now(), &event);
//!         }
//!         _ = sleep_until(wake.unwrap_or(far)) => {}
//!     }
//!     for cue in cues.poll_due(client.server_now()) {
//!         println!("{:?} {:?}", cue.kind, cue.exercise);
//!     }
//! }
//! # }
//! ```

use std::collections::{BTreeMap, HashMap};

use breakroom_protocol::{Cue, Micros, PhaseState};

use crate::event::Event;

/// The cues a client holds, in delivery order, and which of them are due.
#[derive(Debug, Clone, Default)]
pub struct CueSchedule {
    /// Cues still to come, keyed by `(at, id)`: iteration is delivery order.
    held: BTreeMap<(Micros, u32), Cue>,
    /// The `at` of each held cue, by id.
    at_of: HashMap<u32, Micros>,
    /// Cues that were due when a timeline replaced the held ones, until the next poll.
    overdue: Vec<Cue>,
}

impl CueSchedule {
    /// An empty schedule.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds an event at server time `now`: a [`Event::Cue`] is held, the timeline of an
    /// [`Event::Phase`] or [`Event::Snapshot`] replaces the held cues, and [`Event::Closed`]
    /// (closed for good) cancels the cues still to come, keeping those already due. Other
    /// events change nothing.
    pub fn handle_event(&mut self, now: Micros, event: &Event) {
        match event {
            Event::Cue(cue) => self.handle_cue(cue.clone()),
            Event::Phase { phase, timeline } => self.handle_timeline(now, phase, timeline),
            Event::Snapshot(s) => self.handle_timeline(now, &s.phase, &s.timeline),
            Event::Closed { .. } => self.replace(now, &[]),
            _ => {}
        }
    }

    /// A `cue` message: held until its instant. A cue with an id already held replaces it.
    pub fn handle_cue(&mut self, cue: Cue) {
        self.overdue.retain(|c| c.id != cue.id);
        self.remove(cue.id);
        self.at_of.insert(cue.id, cue.at);
        self.held.insert((cue.at, cue.id), cue);
    }

    /// The `timeline` of a `snapshot` or `phase` message, whose phase is `phase`, handled at
    /// server time `now`: replaces the held cues, except those already due.
    pub fn handle_timeline(&mut self, now: Micros, phase: &PhaseState, timeline: &[Cue]) {
        self.replace(now.max(phase.since), timeline);
    }

    /// Replaces the held cues with `timeline`, keeping those due at `cutoff`.
    fn replace(&mut self, cutoff: Micros, timeline: &[Cue]) {
        let old = std::mem::take(&mut self.held);
        self.at_of.clear();
        for cue in timeline {
            self.overdue.retain(|c| c.id != cue.id);
            self.at_of.insert(cue.id, cue.at);
            self.held.insert((cue.at, cue.id), cue.clone());
        }
        self.overdue.extend(
            old.into_values()
                .filter(|c| c.at <= cutoff && !self.at_of.contains_key(&c.id)),
        );
    }

    /// Takes every cue due at server time `now`, in delivery order: the held cues whose
    /// instant has passed, and those found due when a timeline replaced them.
    pub fn poll_due(&mut self, now: Micros) -> Vec<Cue> {
        let later = self.held.split_off(&(now.saturating_add(1), 0));
        let due = std::mem::replace(&mut self.held, later);
        let mut out = std::mem::take(&mut self.overdue);
        for cue in due.into_values() {
            self.at_of.remove(&cue.id);
            out.push(cue);
        }
        out.sort_by_key(|c| (c.at, c.id));
        out
    }

    /// When to poll next, in server time: the earliest held instant, or 0 (the past) when
    /// cues found due at a replaced timeline wait to be polled. `None` when nothing is held.
    pub fn next_due(&self) -> Option<Micros> {
        if !self.overdue.is_empty() {
            return Some(0);
        }
        self.held.keys().next().map(|(at, _)| *at)
    }

    /// The cues held, in delivery order (not those waiting to be polled).
    pub fn pending(&self) -> impl Iterator<Item = &Cue> {
        self.held.values()
    }

    /// Forgets every cue.
    pub fn clear(&mut self) {
        self.held.clear();
        self.at_of.clear();
        self.overdue.clear();
    }

    fn remove(&mut self, id: u32) {
        if let Some(at) = self.at_of.remove(&id) {
            self.held.remove(&(at, id));
        }
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::{CueKind, Phase};

    use super::*;

    const T: Micros = 2_000_000;

    fn cue(id: u32, kind: CueKind, at: Micros) -> Cue {
        Cue {
            id,
            kind,
            at,
            step: 0,
            exercise: None,
            n: None,
            seed: None,
        }
    }

    fn phase(phase: Phase, since: Micros, paused: bool) -> PhaseState {
        PhaseState {
            phase,
            step: Some(0),
            since,
            until: None,
            paused,
        }
    }

    fn rest_and_next() -> Vec<Cue> {
        vec![cue(9, CueKind::Rest, T), cue(10, CueKind::NextUp, T)]
    }

    /// "kind#id kind#id" of a batch.
    fn names(cues: &[Cue]) -> String {
        cues.iter()
            .map(|c| format!("{:?}#{}", c.kind, c.id))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Polls the way an application whose wake-ups run `lag` µs late does, from `from` to
    /// `to`: wakes at `next_due() + lag` and polls. Returns each batch with the time it came.
    fn run_late(s: &mut CueSchedule, from: Micros, to: Micros, lag: Micros) -> Vec<String> {
        let mut now = from;
        let mut out = Vec::new();
        while let Some(at) = s.next_due() {
            now = now.max(at.saturating_add(lag));
            if now > to {
                break;
            }
            out.push(format!("{}@{}", names(&s.poll_due(now)), now / 1000));
        }
        out
    }

    #[test]
    fn late_polls_deliver_every_cue_in_order_and_together_when_due_together() {
        let mut s = CueSchedule::new();
        let timeline: Vec<Cue> = (1..=3)
            .map(|i| cue(i, CueKind::Countdown, 1_000_000 + u64::from(i) * 100_000))
            .chain([cue(4, CueKind::Go, 1_400_000)])
            .collect();
        s.handle_timeline(
            1_000_000,
            &phase(Phase::Countdown, 1_000_000, false),
            &timeline,
        );
        assert_eq!(
            run_late(&mut s, 1_000_000, 3_000_000, 0),
            [
                "Countdown#1@1100",
                "Countdown#2@1200",
                "Countdown#3@1300",
                "Go#4@1400"
            ]
        );
        s.handle_timeline(
            1_000_000,
            &phase(Phase::Countdown, 1_000_000, false),
            &timeline,
        );
        assert_eq!(
            run_late(&mut s, 1_000_000, 3_000_000, 250_000),
            ["Countdown#1 Countdown#2 Countdown#3@1350", "Go#4@1650"]
        );
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn a_replaced_timeline_keeps_the_overdue_cues() {
        // The application has not acted on rest and next_up (due at T) when the `rest` phase
        // (since T) arrives at T + 5 ms with only the cues still to come.
        let mut s = CueSchedule::new();
        let countdown = cue(11, CueKind::Countdown, T + 1_000_000);
        let mut timeline = vec![cue(8, CueKind::Halfway, T - 500_000)];
        timeline.extend(rest_and_next());
        timeline.push(countdown.clone());
        s.handle_timeline(
            1_000_000,
            &phase(Phase::Exercise, 1_000_000, false),
            &timeline,
        );
        assert_eq!(names(&s.poll_due(T - 400_000)), "Halfway#8");
        s.handle_timeline(T + 5_000, &phase(Phase::Rest, T, false), &[countdown]);
        assert_eq!(s.next_due(), Some(0), "due at once");
        assert_eq!(names(&s.poll_due(T + 5_000)), "Rest#9 NextUp#10");
        assert_eq!(names(&s.poll_due(T + 999_999)), "");
        assert_eq!(names(&s.poll_due(T + 1_000_000)), "Countdown#11");
    }

    #[test]
    fn the_phase_since_counts_as_passed_when_the_clock_estimate_is_behind() {
        let mut s = CueSchedule::new();
        s.handle_timeline(
            1_000_000,
            &phase(Phase::Exercise, 1_000_000, false),
            &rest_and_next(),
        );
        s.handle_timeline(T - 2_000, &phase(Phase::Rest, T, false), &[]);
        assert_eq!(names(&s.poll_due(T - 2_000)), "Rest#9 NextUp#10");
    }

    #[test]
    fn pause_skip_and_end_cancel_only_the_cues_still_to_come() {
        let mut s = CueSchedule::new();
        let timeline = [
            cue(5, CueKind::Halfway, 1_500_000),
            cue(6, CueKind::Done, 3_000_000),
        ];
        s.handle_timeline(
            1_000_000,
            &phase(Phase::Exercise, 1_000_000, false),
            &timeline,
        );
        s.handle_timeline(1_400_000, &phase(Phase::Exercise, 1_000_000, true), &[]);
        assert_eq!(s.next_due(), None);
        assert_eq!(names(&s.poll_due(9_000_000)), "");
        // Resume: the remaining timeline, shifted.
        let shifted = [
            cue(5, CueKind::Halfway, 7_000_000),
            cue(6, CueKind::Done, 8_500_000),
        ];
        s.handle_timeline(
            6_400_000,
            &phase(Phase::Exercise, 1_000_000, false),
            &shifted,
        );
        assert_eq!(
            run_late(&mut s, 6_400_000, 10_000_000, 0),
            ["Halfway#5@7000", "Done#6@8500"]
        );
    }

    #[test]
    fn cues_at_one_instant_come_together_in_id_order() {
        let mut s = CueSchedule::new();
        let [rest, next] = <[Cue; 2]>::try_from(rest_and_next()).expect("two cues");
        s.handle_cue(next);
        s.handle_cue(rest);
        s.handle_cue(cue(3, CueKind::Go, T + 1));
        assert_eq!(
            run_late(&mut s, 0, 5_000_000, 0),
            ["Rest#9 NextUp#10@2000", "Go#3@2000"]
        );
        // Overdue cues and due held cues merge into one order.
        s.handle_timeline(
            0,
            &phase(Phase::Exercise, 0, false),
            &[cue(2, CueKind::Beat, T), cue(7, CueKind::Halfway, T)],
        );
        s.handle_timeline(
            T,
            &phase(Phase::Exercise, 0, false),
            &[cue(7, CueKind::Halfway, T), cue(12, CueKind::Done, T + 5)],
        );
        assert_eq!(names(&s.poll_due(T + 10)), "Beat#2 Halfway#7 Done#12");
    }

    #[test]
    fn closing_keeps_the_due_cues_and_cancels_the_rest() {
        let mut s = CueSchedule::new();
        s.handle_timeline(0, &phase(Phase::Exercise, 0, false), &rest_and_next());
        s.handle_cue(cue(11, CueKind::Countdown, T + 1_000_000));
        let closed = Event::Closed {
            code: 1000,
            reason: "closed by the client".to_owned(),
        };
        s.handle_event(T + 10, &closed);
        assert_eq!(s.next_due(), Some(0));
        assert_eq!(names(&s.poll_due(T + 10)), "Rest#9 NextUp#10");
        assert_eq!(s.next_due(), None);
    }

    #[test]
    fn late_arrivals_are_due_at_once_and_known_ids_are_replaced() {
        let mut s = CueSchedule::new();
        s.handle_cue(cue(4, CueKind::Go, 900_000));
        assert_eq!(names(&s.poll_due(1_000_000)), "Go#4");
        s.handle_cue(cue(5, CueKind::Halfway, 1_500_000));
        s.handle_cue(cue(5, CueKind::Halfway, 1_800_000));
        assert_eq!(s.pending().count(), 1);
        assert_eq!(names(&s.poll_due(1_600_000)), "");
        assert_eq!(names(&s.poll_due(1_800_000)), "Halfway#5");
        // A timeline handled after its cues' instants: they are due at once.
        s.handle_timeline(
            T + 50_000,
            &phase(Phase::Exercise, T + 10_000, false),
            &[
                cue(12, CueKind::Go, T + 10_000),
                cue(13, CueKind::Halfway, T + 900_000),
            ],
        );
        assert_eq!(names(&s.poll_due(T + 50_000)), "Go#12");
        assert_eq!(s.next_due(), Some(T + 900_000));
    }
}
