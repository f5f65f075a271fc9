//! The rep counter: a hysteresis state machine over [`Zone`]s, capped at the exercise's
//! plausible maximum rate, which also times holds of the target pose.
//!
//! A rep is a full cycle rest → active → rest (or active on one side → active on the other, for
//! exercises done to alternate sides). A cycle that starts in the active position (the person
//! was already squatting when the stream began) is not counted. Two reps are counted at least
//! `min_interval_us` apart: a rep completed sooner waits (at most two wait; more are dropped),
//! so no input can produce more than `elapsed / min_interval + 1` reps.

/// Which side an active position is on, for exercises done to either side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lean {
    /// The exercise has a single active position.
    Only,
    /// The person's left.
    Left,
    /// The person's right.
    Right,
}

/// Where a frame's smoothed signal falls against the thresholds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Zone {
    /// Past the exit threshold: at rest.
    Rest,
    /// Past the enter threshold: in the active position.
    Active(Lean),
    /// Between the thresholds: keep the current state.
    Between,
    /// The body does something else at the same time (a side bend while the hips drop into
    /// a squat): keep the current state; the current stay in the active position no longer
    /// completes a rep, and a hold is not timed (it starts again after).
    Excluded,
}

/// The counter's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Unknown,
    Rest,
    Active(Lean),
}

/// Most completed reps that wait for the minimum interval; further ones are dropped. Two
/// absorb the jitter of an honest pace near the maximum rate (reps detected at frame times).
pub(crate) const MAX_PENDING: u8 = 2;

/// Longest gap between two frames in the target pose that counts fully as time held: a
/// longer gap (the stream stalled, the person left) is credited this much.
pub(crate) const MAX_HOLD_GAP_US: u64 = 1_000_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counter {
    /// Where the person is.
    state: State,
    /// The active phase was entered from rest (or from the other side), so leaving it completes
    /// a rep.
    armed: bool,
    /// Completed reps waiting for the minimum interval to pass (at most [`MAX_PENDING`]).
    pending: u8,
    /// Reps counted.
    reps: u32,
    /// When the latest rep was counted.
    last_rep_us: Option<u64>,
    /// Shortest time between two counted reps: a minute over the exercise's maximum rate.
    min_interval_us: u64,
    /// Time held in the active position.
    held_us: u64,
    /// Time of the previous observed frame, and whether it was in the active position.
    last_seen: Option<(u64, bool)>,
    /// Shortest stay in the active position that counts (holds: a squat passing through a
    /// wall sit's angle is not a wall sit); 0 for exercises counted in moves.
    min_hold_us: u64,
    /// When the current stay in the active position began.
    run_start_us: u64,
    /// Time held in the current stay, until it reaches `min_hold_us`.
    run_held_us: u64,
    /// Whether the current stay has lasted `min_hold_us`, so counts.
    run_counts: bool,
}

impl Counter {
    #[cfg(test)]
    pub(crate) const fn new(min_interval_us: u64) -> Counter {
        Counter::holding(min_interval_us, 0)
    }

    /// A counter whose active position counts only once held for `min_hold_us`.
    pub(crate) const fn holding(min_interval_us: u64, min_hold_us: u64) -> Counter {
        Counter {
            state: State::Unknown,
            armed: false,
            pending: 0,
            reps: 0,
            last_rep_us: None,
            min_interval_us,
            held_us: 0,
            last_seen: None,
            min_hold_us,
            run_start_us: 0,
            run_held_us: 0,
            run_counts: min_hold_us == 0,
        }
    }

    /// Feeds the zone of a frame whose landmarks were seen, at `t_us` (never earlier than the
    /// previous call).
    pub(crate) fn observe(&mut self, t_us: u64, zone: Zone) {
        let (next, completed) = match (self.state, zone) {
            (state, Zone::Between) => (state, false),
            (state, Zone::Excluded) => {
                self.armed = false;
                (state, false)
            }
            (State::Unknown | State::Rest, Zone::Rest) => (State::Rest, false),
            (State::Unknown, Zone::Active(lean)) => {
                self.armed = false;
                (State::Active(lean), false)
            }
            (State::Rest, Zone::Active(lean)) => {
                self.armed = true;
                (State::Active(lean), false)
            }
            (State::Active(_), Zone::Rest) => (State::Rest, self.armed),
            (State::Active(from), Zone::Active(to)) if from != to => {
                let completed = self.armed;
                self.armed = true;
                (State::Active(to), completed)
            }
            (State::Active(same), Zone::Active(_)) => (State::Active(same), false),
        };
        if zone == Zone::Excluded {
            // Nothing of this stay counts: its hold starts again after the exclusion.
            self.state = next;
            self.last_seen = Some((t_us, false));
            self.run_start_us = t_us;
            self.run_held_us = 0;
            self.run_counts = self.min_hold_us == 0;
            self.flush(t_us);
            return;
        }
        if completed && self.run_counts {
            self.pending = (self.pending + 1).min(MAX_PENDING);
        }
        let active = matches!(next, State::Active(_));
        let resumed = matches!(self.last_seen, Some((_, false))) && self.state == next;
        if active && (next != self.state || resumed) {
            // A new stay in the active position (from rest, or the other side).
            self.run_start_us = t_us;
            self.run_held_us = 0;
            self.run_counts = self.min_hold_us == 0;
        }
        if let (Some((at, true)), true) = (self.last_seen, active) {
            let gap = t_us.saturating_sub(at).min(MAX_HOLD_GAP_US);
            self.run_held_us = self.run_held_us.saturating_add(gap);
        }
        if active && !self.run_counts && t_us.saturating_sub(self.run_start_us) >= self.min_hold_us
        {
            self.run_counts = true;
        }
        if self.run_counts {
            self.held_us = self.held_us.saturating_add(self.run_held_us);
            self.run_held_us = 0;
        }
        self.state = next;
        self.last_seen = Some((t_us, active));
        self.flush(t_us);
    }

    /// Counts the waiting rep if the minimum interval has passed at `t_us`.
    pub(crate) fn flush(&mut self, t_us: u64) {
        let due = self
            .last_rep_us
            .is_none_or(|last| t_us.saturating_sub(last) >= self.min_interval_us);
        if self.pending > 0 && due {
            self.pending -= 1;
            self.reps = self.reps.saturating_add(1);
            self.last_rep_us = Some(t_us);
        }
    }

    pub(crate) const fn state(&self) -> State {
        self.state
    }

    pub(crate) const fn reps(&self) -> u32 {
        self.reps
    }

    /// Milliseconds held in the active position, saturating.
    pub(crate) fn held_ms(&self) -> u32 {
        u32::try_from(self.held_us / 1000).unwrap_or(u32::MAX)
    }

    pub(crate) fn reset(&mut self) {
        *self = Counter::holding(self.min_interval_us, self.min_hold_us);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: u64 = 1_000_000;

    fn run(min_interval_us: u64, zones: &[(u64, Zone)]) -> Counter {
        let mut c = Counter::new(min_interval_us);
        for &(t, z) in zones {
            c.observe(t, z);
        }
        c
    }

    #[test]
    fn a_rep_is_a_full_cycle_from_rest() {
        use Zone::*;
        let act = Active(Lean::Only);
        let c = run(S, &[(0, Rest), (S, act), (2 * S, Between), (3 * S, Rest)]);
        assert_eq!((c.reps(), c.state()), (1, State::Rest));
        // Starting in the active position does not count.
        let c = run(S, &[(0, act), (S, Rest), (2 * S, act)]);
        assert_eq!((c.reps(), c.state()), (0, State::Active(Lean::Only)));
        // Alternating sides count each side.
        let (l, r) = (Active(Lean::Left), Active(Lean::Right));
        let c = run(S, &[(0, Rest), (S, l), (2 * S, r), (3 * S, Rest)]);
        assert_eq!(c.reps(), 2);
    }

    #[test]
    fn reps_faster_than_the_rate_wait_and_excess_is_dropped() {
        use Zone::*;
        let act = Active(Lean::Only);
        let mut zones = vec![(0, Rest)];
        // Ten cycles in one second, with a 1 s minimum interval.
        for i in 0..10 {
            zones.push((i * 100_000 + 50_000, act));
            zones.push((i * 100_000 + 100_000, Rest));
        }
        let mut c = run(S, &zones);
        assert_eq!(c.reps(), 1);
        c.flush(2 * S);
        assert_eq!(c.reps(), 2, "a waiting rep is counted once due");
        c.flush(2 * S + S / 2);
        assert_eq!(c.reps(), 2, "not before the interval");
        c.flush(3 * S);
        assert_eq!(c.reps(), 3, "the second waiting one");
        c.flush(10 * S);
        assert_eq!(c.reps(), 3, "the other seven were dropped");
    }

    #[test]
    fn holds_are_timed_with_gaps_capped() {
        use Zone::*;
        let act = Active(Lean::Only);
        let c = run(
            S,
            &[
                (0, Rest),
                (S, act),
                (2 * S, act),
                (5 * S, act),
                (6 * S, Rest),
            ],
        );
        assert_eq!(c.held_ms(), 2_000);
    }

    #[test]
    fn a_stay_shorter_than_the_minimum_hold_is_neither_timed_nor_counted() {
        use Zone::*;
        let act = Active(Lean::Only);
        let mut c = Counter::holding(S, 1_500_000);
        // One second at the bottom (a squat passing through), then back up.
        for (t, z) in [
            (0, Rest),
            (S, act),
            (S + S / 2, act),
            (2 * S, act),
            (3 * S, Rest),
        ] {
            c.observe(t, z);
        }
        assert_eq!((c.reps(), c.held_ms()), (0, 0));
        // Two seconds: all of it counts, the first 1.5 s included.
        for (t, z) in [(4 * S, act), (5 * S, act), (6 * S, act), (7 * S, Rest)] {
            c.observe(t, z);
        }
        assert_eq!((c.reps(), c.held_ms()), (1, 2_000));
    }

    #[test]
    fn an_excluded_frame_voids_the_stay_in_the_active_position() {
        use Zone::*;
        let act = Active(Lean::Only);
        let c = run(S, &[(0, Rest), (S, act), (2 * S, Excluded), (3 * S, Rest)]);
        assert_eq!((c.reps(), c.state()), (0, State::Rest));
        // The next stay counts again, and excluded frames at rest change nothing.
        let c = run(
            S,
            &[
                (0, Rest),
                (S, Excluded),
                (2 * S, act),
                (3 * S, act),
                (4 * S, Rest),
            ],
        );
        assert_eq!(c.reps(), 1);
    }
}
