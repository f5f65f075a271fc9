//! The skeleton relay: each participant's latest pose, sent on the room's tick as one frame per
//! audience.
//!
//! Only the latest pose of each participant is kept, never a history, and poses never leave
//! this module except in a frame. A tick's frame for an audience holds the poses that arrived
//! since the previous tick (the *fresh* frame); beside it the tick offers the *full* frame, every
//! fresh-enough pose the audience may see, for a member whose previous frame is still unsent
//! (the host replaces that frame, latest wins): so a client that drops frames loses nothing but
//! time, and a client that keeps up gets each skeleton once. The relay only wakes up when a new
//! pose arrived since the last tick: an idle room sleeps.
//!
//! **The hold guarantee**: a pose goes out in a frame at most one tick period after it arrived
//! (or is replaced by a newer pose of its sender that does), whatever the senders' phases; a
//! host that runs the tick late adds only its own lateness. With a tick phase, every frame
//! falls on the grid `phase + k·period`: a pose waits for the first grid point at or after its
//! arrival, and the poses that arrive until then ride in the same frame. (The first pose after
//! a quiet spell is not sent at once: a frame sent off the grid then pushed the next grid tick
//! a whole period on, and the poses that arrived just after it waited up to two periods.)

use std::collections::BTreeMap;

use breakroom_protocol::{Micros, ParticipantId, PeerPose, PoseBlock, Sharing};

#[derive(Debug, Clone)]
struct Latest {
    pose: PeerPose,
    received: Micros,
    sharing: Sharing,
    /// Arrived since the last tick.
    fresh: bool,
}

/// One audience's frame at a tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// The poses that arrived since the previous tick; never empty.
    pub(crate) fresh: Vec<PeerPose>,
    /// Every fresh-enough pose the audience may see (a superset of `fresh`).
    pub(crate) full: Vec<PeerPose>,
}

/// One tick's frames, by audience; `None` where nothing new is visible to it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Frames {
    /// For facilitators and co-hosts: poses shared with the room or with facilitators.
    pub(crate) controllers: Option<Frame>,
    /// For participants and viewers: poses shared with the room.
    pub(crate) everyone: Option<Frame>,
}

/// Latest poses and the tick schedule.
#[derive(Debug, Clone, Default)]
pub(crate) struct Relay {
    latest: BTreeMap<ParticipantId, Latest>,
    fresh_for_controllers: bool,
    fresh_for_everyone: bool,
    last_tick: Option<Micros>,
    next_tick: Option<Micros>,
}

impl Relay {
    /// Keeps `kp` as the participant's latest pose and schedules a tick if none is: with a
    /// phase `tick.1`, at the first point of the grid `phase + k·tick.0` at or after `now`
    /// (after the last tick); without one, at once after a quiet spell, else one `tick.0` after
    /// the last tick. Either way the pose goes out at most one period after `now`.
    pub(crate) fn accept(
        &mut self,
        now: Micros,
        p: ParticipantId,
        sharing: Sharing,
        t: Micros,
        kp: PoseBlock,
        (tick_us, phase): (u64, Option<u64>),
    ) {
        match sharing {
            Sharing::Nobody => {
                self.latest.remove(&p);
                return;
            }
            Sharing::Room => {
                self.fresh_for_everyone = true;
                self.fresh_for_controllers = true;
            }
            Sharing::Facilitators => self.fresh_for_controllers = true,
        }
        self.latest.insert(
            p,
            Latest {
                pose: PeerPose { p, t, kp },
                received: now,
                sharing,
                fresh: true,
            },
        );
        if self.next_tick.is_none() {
            self.next_tick = Some(match phase {
                // The first grid point at or after the arrival that is not the last tick's.
                Some(phase) => {
                    let from = self
                        .last_tick
                        .map_or(now, |last| now.max(last.saturating_add(1)));
                    on_grid(from, tick_us, phase)
                }
                None => self
                    .last_tick
                    .map_or(now, |last| last.saturating_add(tick_us))
                    .max(now),
            });
        }
    }

    /// Forgets a participant's pose (left, dropped or kicked).
    pub(crate) fn forget(&mut self, p: ParticipantId) {
        self.latest.remove(&p);
    }

    /// Forgets every pose.
    pub(crate) fn clear(&mut self) {
        *self = Relay::default();
    }

    /// When the next frame is due, if anything new arrived.
    pub(crate) fn next_tick(&self) -> Option<Micros> {
        self.next_tick
    }

    /// Builds the frames of a tick at `now`, leaving out poses received over `stale_us` ago.
    pub(crate) fn tick(&mut self, now: Micros, stale_us: u64) -> Frames {
        self.latest
            .retain(|_, l| now.saturating_sub(l.received) <= stale_us);
        let visible = |room_only: bool| -> Option<Frame> {
            let mut fresh = Vec::new();
            let mut full = Vec::new();
            for l in self.latest.values() {
                if room_only && l.sharing != Sharing::Room {
                    continue;
                }
                if l.fresh {
                    fresh.push(l.pose.clone());
                }
                full.push(l.pose.clone());
            }
            (!fresh.is_empty()).then_some(Frame { fresh, full })
        };
        let frames = Frames {
            controllers: if self.fresh_for_controllers {
                visible(false)
            } else {
                None
            },
            everyone: if self.fresh_for_everyone {
                visible(true)
            } else {
                None
            },
        };
        for l in self.latest.values_mut() {
            l.fresh = false;
        }
        self.fresh_for_controllers = false;
        self.fresh_for_everyone = false;
        // The slot this tick was due in, not the instant the host's timer fired: a timer that
        // fires a little late must not push the next tick past its grid point (a whole period).
        self.last_tick = Some(self.next_tick.map_or(now, |due| due.min(now)));
        self.next_tick = None;
        frames
    }
}

/// How far `t` is past the last point of the grid `phase + k·period` (0 on the grid).
fn past_grid(t: Micros, period: u64, phase: u64) -> u64 {
    (t % period + period - phase % period) % period
}

/// The first instant at or after `t` on the grid `phase + k·period`.
pub(crate) fn on_grid(t: Micros, period: u64, phase: u64) -> Micros {
    if period == 0 {
        return t;
    }
    match past_grid(t, period, phase) {
        0 => t,
        behind => t.saturating_add(period - behind),
    }
}

/// The last instant at or before `t` on the grid `phase + k·period`.
pub(crate) fn grid_floor(t: Micros, period: u64, phase: u64) -> Micros {
    if period == 0 {
        return t;
    }
    t.saturating_sub(past_grid(t, period, phase))
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakroom_protocol::{Landmark, PoseModel};

    fn kp() -> PoseBlock {
        let still = Landmark {
            x: 0.5,
            y: 0.5,
            z: None,
            visibility: 1.0,
        };
        PoseBlock::from_landmarks(PoseModel::Coco17, &[still; 17]).expect("a valid block")
    }

    #[test]
    fn grid_points() {
        assert_eq!(on_grid(1000, 100, 30), 1030);
        assert_eq!(on_grid(1030, 100, 30), 1030);
        assert_eq!(on_grid(1031, 100, 30), 1130);
        assert_eq!(on_grid(1031, 100, 130), 1130);
        assert_eq!(on_grid(1031, 0, 7), 1031);
        assert_eq!(grid_floor(1031, 100, 30), 1030);
        assert_eq!(grid_floor(1030, 100, 30), 1030);
        assert_eq!(grid_floor(1029, 100, 30), 930);
        assert_eq!(grid_floor(1029, 100, 130), 930);
        assert_eq!(grid_floor(20, 100, 30), 0);
        assert_eq!(grid_floor(1031, 0, 7), 1031);
    }

    /// A pose of participant 1 arrives at `now`; returns when the next tick is due.
    fn pose_at(relay: &mut Relay, now: Micros, tick: (u64, Option<u64>)) -> Micros {
        relay.accept(now, ParticipantId(1), Sharing::Room, now, kp(), tick);
        relay.next_tick().expect("a tick is due")
    }

    /// Two rooms whose skeletons arrive at the same instants tick apart, each on its own phase
    /// from the first frame on, never sooner than a period apart; without a phase the first
    /// frame goes out at once and the next ones a period after the last.
    #[test]
    fn phased_rooms_spread_their_ticks() {
        let tick = 33_333;
        let mut ticks = Vec::new();
        for phase in [Some(0), Some(16_000), None] {
            let mut relay = Relay::default();
            let mut at = Vec::new();
            let mut now = 1_000_000;
            for _ in 0..6 {
                let due = pose_at(&mut relay, now, (tick, phase));
                assert!(due >= now);
                assert!(due - now <= tick, "a pose held over a period");
                if let Some(&last) = at.last() {
                    assert!(due - last >= tick, "two ticks within a period");
                }
                assert!(relay.tick(due, 1_000_000).everyone.is_some());
                at.push(due);
                now = due + 1_000;
            }
            ticks.push(at);
        }
        // Each phased room sits on its grid from the first frame: 0 and 16 ms into the period.
        assert!(ticks[0].iter().all(|t| t % tick == 0), "{:?}", ticks[0]);
        assert!(
            ticks[1].iter().all(|t| t % tick == 16_000),
            "{:?}",
            ticks[1]
        );
        // Without a phase the first frame goes out at once, then the ticks follow the arrivals.
        assert_eq!(ticks[2][0], 1_000_000);
        assert_eq!(ticks[2][1], 1_000_000 + tick);
    }

    /// A pose that arrives on a grid point just after that point's tick waits for the next
    /// one, not a second frame at the same instant.
    #[test]
    fn a_pose_right_after_a_tick_waits_one_period() {
        let tick = 33_333;
        let mut relay = Relay::default();
        let due = pose_at(&mut relay, 0, (tick, Some(0)));
        assert_eq!(due, 0);
        assert!(relay.tick(0, 1_000_000).everyone.is_some());
        assert_eq!(pose_at(&mut relay, 0, (tick, Some(0))), tick);
    }

    /// A host's timer fires a little after the tick is due: the room still ticks once per
    /// period on its grid, not every other grid point.
    #[test]
    fn late_timers_keep_the_rate() {
        let tick = 33_333;
        for phase in [Some(5_000), None] {
            let mut relay = Relay::default();
            let mut now = 1_000_000;
            let mut at = Vec::new();
            for _ in 0..8 {
                let due = pose_at(&mut relay, now, (tick, phase));
                // The timer fires 300 µs late; a pose arrives just after the frame went out.
                assert!(relay.tick(due + 300, 1_000_000).everyone.is_some());
                at.push(due);
                now = due + 400;
            }
            let gaps: Vec<u64> = at.windows(2).skip(1).map(|w| w[1] - w[0]).collect();
            assert!(gaps.iter().all(|&g| g == tick), "{phase:?}: {gaps:?}");
        }
    }
}
