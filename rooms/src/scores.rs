//! Score accounting: cumulative counters per participant and program step, capped by what is
//! physically plausible, with flags for claims that are not.
//!
//! Clients report cumulative counters since the step's exercise began. A report may only
//! raise them; the accepted value is the claim capped by the exercise's maximum rate over the
//! elapsed exercise time (plus [`BURST_REPS`]) for reps, and by wall time (plus
//! [`ACTIVE_SLACK_MS`]) for active time. Accepted values never decrease. A card outlives its
//! place in the room, so people who left still appear in the summary.
//!
//! The cross-check: each card runs the exercise detector on the keypoints its participant
//! streams during the running step (whatever their sharing choice) and keeps only the
//! detector's small state and counts, never the keypoints. A step with keypoints is
//! *verified*; a claim that runs ahead of the detected count by more than
//! [`mismatch_tolerance`] is flagged `mismatch` (and still scored as claimed, within the rate
//! cap). A step without keypoints (camera off) is scored as claimed and marked unverified.
//!
//! A reach-game step is checked the same way, its hits counted from the keypoints by
//! [`HitCounter`] on the step's seeded targets instead of a detector. A sound step cannot be
//! checked (audio never leaves the device): its keypoints are not even counted, so it is
//! always unverified and never flagged `mismatch`; the rate cap still applies.

use std::collections::BTreeMap;

use breakroom_protocol::{FlagReason, Landmark, Micros, ParticipantId, PoseModel, ScoreFlag};

use crate::catalogue::{Exercise, Input, Unit};
use crate::config::{ACTIVE_SLACK_MS, BURST_REPS};
use crate::detect::Detector;
use crate::detect::reach::HitCounter;
use crate::error::RoomError;

/// Keypoint frames a step needs before its score counts as verified (a second at 5 Hz).
pub const MIN_VERIFIED_FRAMES: u32 = 5;

/// How far a claim may run ahead of the detected count before it is flagged: 1 rep plus 10 %
/// of the detected count, or 3 s plus 10 % for held exercises. Measured on the fixtures, the
/// server-side count at the relayed rate misses at most one rep of an honest count (a rep
/// still being finished when the report is sent, or a frame gap at the bottom of a squat).
pub fn mismatch_tolerance(unit: Unit, detected: u32) -> u32 {
    match unit {
        Unit::Reps => 1 + detected / 10,
        Unit::Seconds => 3 + detected / 10,
    }
}

/// Extra room for a claim checked while its step still runs: the client may count a rep from
/// a frame the server has not received yet. The end-of-step check uses none.
const LIVE_SLACK: u32 = 1;

/// Accepted counters of one step.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct StepScore {
    claimed_reps: u32,
    claimed_ms: u32,
    pub(crate) reps: u32,
    pub(crate) active_ms: u32,
    pub(crate) points: u32,
    /// Keypoint frames received during the step.
    pub(crate) frames: u32,
    /// What the server's detector counted from them: reps, and ms in the target pose.
    detected_reps: u32,
    detected_ms: u32,
}

impl StepScore {
    /// Whether enough keypoints arrived to check this step.
    pub(crate) fn verified(&self) -> bool {
        self.frames >= MIN_VERIFIED_FRAMES
    }

    fn scored(&self) -> bool {
        self.claimed_reps > 0 || self.claimed_ms > 0
    }

    /// The claim and the detected count in the exercise's unit, when the claim is ahead of the
    /// detection by more than the tolerance (plus `slack`).
    fn mismatch(&self, unit: Unit, slack: u32) -> Option<(u32, u32)> {
        if !self.verified() {
            return None;
        }
        let (claimed, detected) = match unit {
            Unit::Reps => (self.claimed_reps, self.detected_reps),
            Unit::Seconds => (self.claimed_ms / 1000, self.detected_ms / 1000),
        };
        let allowed = detected.saturating_add(mismatch_tolerance(unit, detected) + slack);
        (claimed > allowed).then_some((claimed, detected))
    }
}

/// What checks a step's claims from its keypoints.
#[derive(Debug, Clone)]
enum Check {
    /// The exercise's detector (boxed: it is many times a hit counter's size).
    Pose(Box<Detector>),
    /// The reach game's hits, on the step's targets.
    Reach(HitCounter),
}

/// Claims made outside an exercise window, in one stretch: (reps, active ms) by exercise id.
type OffWindowClaims = BTreeMap<String, (u32, u32)>;

/// One participant's record for the session.
#[derive(Debug, Clone)]
pub(crate) struct Card {
    pub(crate) user: String,
    pub(crate) name: String,
    pub(crate) team: Option<String>,
    /// Joined as a participant (not as a host); such cards always appear in the summary.
    pub(crate) participant: bool,
    /// Was in the room while the session ran.
    pub(crate) took_part: bool,
    pub(crate) steps: Vec<StepScore>,
    pub(crate) flags: Vec<ScoreFlag>,
    /// Which flags were raised already: one per reason, exercise and window.
    flag_keys: BTreeMap<(u8, String, u64), usize>,
    /// The check (detector or hit counter) of the step the participant's keypoints currently
    /// feed.
    check: Option<(usize, Check)>,
    /// Claims made outside any exercise window (lobby, rest, another step), by exercise, in
    /// the stretch of the session they were made in: counters never go down there either.
    off_window: Option<(u64, OffWindowClaims)>,
}

impl Card {
    /// Totals over the session: points, reps, active milliseconds.
    pub(crate) fn totals(&self) -> (u32, u32, u32) {
        self.steps.iter().fold((0u32, 0u32, 0u32), |(p, r, a), s| {
            (
                p.saturating_add(s.points),
                r.saturating_add(s.reps),
                a.saturating_add(s.active_ms),
            )
        })
    }

    pub(crate) fn has_score(&self) -> bool {
        self.steps.iter().any(|s| s.reps > 0 || s.active_ms > 0)
    }

    /// Whether the score is backed by keypoints: every step scored so far was verified, and
    /// before any score, whether keypoints were seen at all.
    pub(crate) fn verified(&self) -> bool {
        if self.steps.iter().any(StepScore::scored) {
            self.steps
                .iter()
                .filter(|s| s.scored())
                .all(StepScore::verified)
        } else {
            self.steps.iter().any(|s| s.frames > 0)
        }
    }

    fn mismatch_flag(
        &mut self,
        p: ParticipantId,
        step: usize,
        exercise: &Exercise,
        slack: u32,
        now: Micros,
    ) -> Option<ScoreFlag> {
        let s = self.steps.get(step)?;
        let (claimed, detected) = s.mismatch(exercise.unit, slack)?;
        let accepted = match exercise.unit {
            Unit::Reps => s.reps,
            Unit::Seconds => s.active_ms / 1000,
        };
        let flag = ScoreFlag {
            p,
            exercise: exercise.id.clone(),
            reason: FlagReason::Mismatch,
            claimed,
            accepted,
            detected: Some(detected),
            at: now,
        };
        let key = (
            reason_key(FlagReason::Mismatch),
            exercise.id.clone(),
            step as u64,
        );
        self.flag(key, flag)
    }

    /// Records a flag once per key; a repeat updates the stored flag's figures, keeping the
    /// `at` of when it was first raised (which, with `p`, `exercise` and `reason`, identifies
    /// it for clients). Returns the flag as stored when it is new or its figures changed, to
    /// tell facilitators: what they hold is always what the summary will say.
    fn flag(&mut self, key: (u8, String, u64), flag: ScoreFlag) -> Option<ScoreFlag> {
        if let Some(&i) = self.flag_keys.get(&key) {
            let stored = self.flags.get_mut(i)?;
            let updated = ScoreFlag {
                at: stored.at,
                ..flag
            };
            if *stored == updated {
                return None;
            }
            *stored = updated.clone();
            return Some(updated);
        }
        // Two keys can raise a flag at one instant (a skip ends one stretch and starts the next
        // between two reports). Clients know a flag by `(p, exercise, reason, at)`, so the
        // second updates the first rather than standing beside it under the same identity.
        let same = |f: &ScoreFlag| {
            f.exercise == flag.exercise && f.reason == flag.reason && f.at == flag.at
        };
        if let Some(i) = self.flags.iter().position(same) {
            self.flag_keys.insert(key, i);
            if self.flags[i] == flag {
                return None;
            }
            self.flags[i] = flag.clone();
            return Some(flag);
        }
        self.flag_keys.insert(key, self.flags.len());
        self.flags.push(flag.clone());
        Some(flag)
    }
}

/// What a report did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Outcome {
    /// Accepted counters changed.
    pub(crate) changed: bool,
    /// New flags to tell facilitators about.
    pub(crate) flags: Vec<ScoreFlag>,
}

/// A score report, as the room attributed it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Report<'a> {
    pub(crate) exercise: &'a Exercise,
    pub(crate) step: usize,
    /// Whether the step still runs (its keypoints may still be arriving).
    pub(crate) running: bool,
    pub(crate) elapsed_us: u64,
    pub(crate) reps: u32,
    pub(crate) active_ms: u32,
    pub(crate) now: Micros,
}

/// Every card of the session.
#[derive(Debug, Clone)]
pub(crate) struct Ledger {
    cards: BTreeMap<ParticipantId, Card>,
    steps: usize,
}

fn reason_key(reason: FlagReason) -> u8 {
    match reason {
        FlagReason::TooFast => 0,
        FlagReason::WrongExercise => 1,
        FlagReason::Mismatch => 2,
    }
}

impl Ledger {
    /// An empty ledger for a program of `steps` steps.
    pub(crate) fn new(steps: usize) -> Ledger {
        Ledger {
            cards: BTreeMap::new(),
            steps,
        }
    }

    /// Opens a card for a new place.
    pub(crate) fn open(
        &mut self,
        p: ParticipantId,
        user: &str,
        name: &str,
        team: Option<&str>,
        participant: bool,
        took_part: bool,
    ) {
        let card = Card {
            user: user.to_owned(),
            name: name.to_owned(),
            team: team.map(str::to_owned),
            participant,
            took_part,
            steps: vec![StepScore::default(); self.steps],
            flags: Vec::new(),
            flag_keys: BTreeMap::new(),
            check: None,
            off_window: None,
        };
        self.cards.insert(p, card);
    }

    /// Marks these cards as having taken part (the session started with them in the room).
    pub(crate) fn take_part(&mut self, ps: impl IntoIterator<Item = ParticipantId>) {
        for p in ps {
            if let Some(card) = self.cards.get_mut(&p) {
                card.took_part = true;
            }
        }
    }

    pub(crate) fn card(&self, p: ParticipantId) -> Option<&Card> {
        self.cards.get(&p)
    }

    pub(crate) fn cards(&self) -> impl Iterator<Item = (&ParticipantId, &Card)> {
        self.cards.iter()
    }

    /// Every flag so far, oldest first.
    pub(crate) fn all_flags(&self) -> Vec<ScoreFlag> {
        let mut flags: Vec<ScoreFlag> = self.cards.values().flat_map(|c| c.flags.clone()).collect();
        flags.sort_by_key(|f| (f.at, f.p));
        flags
    }

    /// Applies a report for a running (or just finished) exercise step.
    pub(crate) fn report(&mut self, p: ParticipantId, r: Report<'_>) -> Result<Outcome, RoomError> {
        let card = self.cards.get_mut(&p).ok_or(RoomError::NotInRoom)?;
        let s = card
            .steps
            .get_mut(r.step)
            .ok_or(RoomError::InvalidState("no such step"))?;
        if r.reps < s.claimed_reps || r.active_ms < s.claimed_ms {
            return Err(RoomError::ScoreDecreased);
        }
        s.claimed_reps = r.reps;
        s.claimed_ms = r.active_ms;
        let rate = u64::from(r.exercise.max_per_min).saturating_mul(r.elapsed_us) / 60_000_000;
        let cap_reps = u32::try_from(rate)
            .unwrap_or(u32::MAX)
            .saturating_add(BURST_REPS);
        let wall_ms = u32::try_from(r.elapsed_us / 1000).unwrap_or(u32::MAX);
        let cap_ms = wall_ms.saturating_add(ACTIVE_SLACK_MS);
        let reps = r.reps.min(cap_reps).max(s.reps);
        let active_ms = r.active_ms.min(cap_ms).max(s.active_ms);
        let changed = (reps, active_ms) != (s.reps, s.active_ms);
        s.reps = reps;
        s.active_ms = active_ms;
        s.points = r.exercise.points(reps, active_ms);
        let too_fast = match r.exercise.unit {
            Unit::Reps => (r.reps > cap_reps).then_some((r.reps, reps)),
            Unit::Seconds => {
                (r.active_ms > cap_ms).then_some((r.active_ms / 1000, active_ms / 1000))
            }
        };
        let flag = too_fast.and_then(|(claimed, accepted)| {
            let flag = ScoreFlag {
                p,
                exercise: r.exercise.id.clone(),
                reason: FlagReason::TooFast,
                claimed,
                accepted,
                detected: None,
                at: r.now,
            };
            let key = (
                reason_key(FlagReason::TooFast),
                r.exercise.id.clone(),
                r.step as u64,
            );
            card.flag(key, flag)
        });
        let slack = if r.running { LIVE_SLACK } else { 0 };
        let mismatch = card.mismatch_flag(p, r.step, r.exercise, slack, r.now);
        Ok(Outcome {
            changed,
            flags: flag.into_iter().chain(mismatch).collect(),
        })
    }

    /// Feeds a participant's keypoints, received at `now` during running step `step`, to their
    /// check for that step: the exercise's detector, or for the reach game a hit counter on
    /// the targets of `seed` (the step's seed; a reach step without one is not checked). A
    /// sound exercise's step ignores keypoints. Only the check's state is kept.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn pose(
        &mut self,
        p: ParticipantId,
        step: usize,
        exercise: &Exercise,
        seed: Option<u32>,
        now: Micros,
        model: PoseModel,
        landmarks: &[Landmark],
    ) {
        let Some(card) = self.cards.get_mut(&p) else {
            return;
        };
        let Some(score) = card.steps.get_mut(step) else {
            return;
        };
        let reach = match (exercise.input, seed) {
            (Input::Pose, _) => None,
            (Input::Reach, Some(seed)) => Some(seed),
            (Input::Reach, None) | (Input::Sound, _) => return,
        };
        let check = match &mut card.check {
            Some((s, c)) if *s == step => c,
            check => {
                let fresh = match reach {
                    Some(seed) => Check::Reach(HitCounter::new(seed)),
                    None => Check::Pose(Box::new(Detector::new(exercise))),
                };
                &mut check.insert((step, fresh)).1
            }
        };
        match check {
            Check::Pose(detector) => {
                let reading = detector.update(now, model, landmarks);
                score.detected_reps = reading.reps;
                score.detected_ms = reading.active_ms;
            }
            Check::Reach(counter) => {
                score.detected_reps = counter.update(now, model, landmarks);
            }
        }
        score.frames = score.frames.saturating_add(1);
    }

    /// The step ended: checks every claim against the final detected count, drops the
    /// detectors, and returns the new flags.
    pub(crate) fn close_step(
        &mut self,
        step: usize,
        exercise: &Exercise,
        now: Micros,
    ) -> Vec<ScoreFlag> {
        let mut flags = Vec::new();
        for (&p, card) in &mut self.cards {
            if card.check.as_ref().is_some_and(|(s, _)| *s == step) {
                card.check = None;
            }
            flags.extend(card.mismatch_flag(p, step, exercise, 0, now));
        }
        flags
    }

    /// Records a claim made outside any exercise window, in stretch `window` of the session:
    /// like a claim in a window, it may not lower a counter claimed before in the same stretch
    /// for the same exercise. Bounded: one entry per exercise of the program, for one stretch.
    pub(crate) fn off_window_claim(
        &mut self,
        p: ParticipantId,
        exercise: &str,
        reps: u32,
        active_ms: u32,
        window: u64,
    ) -> Result<(), RoomError> {
        let card = self.cards.get_mut(&p).ok_or(RoomError::NotInRoom)?;
        let claims = match &mut card.off_window {
            Some((w, claims)) if *w == window => claims,
            slot => &mut slot.insert((window, BTreeMap::new())).1,
        };
        match claims.get_mut(exercise) {
            Some((r, ms)) => {
                if reps < *r || active_ms < *ms {
                    return Err(RoomError::ScoreDecreased);
                }
                (*r, *ms) = (reps, active_ms);
            }
            None => {
                claims.insert(exercise.to_owned(), (reps, active_ms));
            }
        }
        Ok(())
    }

    /// Flags a report for an exercise of the program that is not running. `window` tells apart
    /// stretches of the session, so each stretch raises one flag at most.
    pub(crate) fn wrong_exercise(
        &mut self,
        p: ParticipantId,
        exercise: &Exercise,
        reps: u32,
        active_ms: u32,
        now: Micros,
        window: u64,
    ) -> Option<ScoreFlag> {
        let card = self.cards.get_mut(&p)?;
        let claimed = match exercise.unit {
            Unit::Reps => reps,
            Unit::Seconds => active_ms / 1000,
        };
        let flag = ScoreFlag {
            p,
            exercise: exercise.id.clone(),
            reason: FlagReason::WrongExercise,
            claimed,
            accepted: 0,
            detected: None,
            at: now,
        };
        let key = (
            reason_key(FlagReason::WrongExercise),
            exercise.id.clone(),
            window,
        );
        card.flag(key, flag)
    }
}
