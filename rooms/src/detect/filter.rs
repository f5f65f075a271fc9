//! Single-frame landmark outliers, rejected before any angle is measured.
//!
//! Trackers glitch: one landmark jumps a fifth of the image away for a frame or two and comes
//! back, or, in a side view, the left and right legs trade labels for a frame. Either bends a
//! knee angle far enough to count a rep that was not there. Two corrections run on the legs and
//! shoulders (the landmarks every lower-body signal uses) before the signals are measured:
//!
//! 1. **Leg swap**: when the legs' landmarks sit much closer to the *other* side's previous
//!    positions than to their own, the frame's legs are swapped back.
//! 2. **Velocity gate**: a landmark farther from its previous accepted position than a body can
//!    move in the time between the frames (`GATE_TORSO + GATE_TORSO_PER_S × dt` torso lengths)
//!    is an outlier: the previous position stands in for it. A landmark that stays away for
//!    more than [`MAX_REJECTED`] frames in a row has really moved, and is accepted.
//!
//! After a gap of [`RESET_GAP_US`] without frames, everything is accepted afresh. The filter
//! keeps the last accepted position of the twelve landmarks it watches, in memory, replaced
//! at every frame: never stored, never sent.

use super::pose::{LEG, Part, Point, Pose, SLOTS, Side, distance, midpoint, slot};

/// The gate's fixed part, in torso lengths: what a landmark may move between two frames
/// however close together.
const GATE_TORSO: f64 = 0.35;
/// The gate's growth with the time between frames, in torso lengths per second.
const GATE_TORSO_PER_S: f64 = 2.5;
/// Most frames in a row a landmark is held at its previous position.
pub(crate) const MAX_REJECTED: u8 = 2;
/// A gap after which the previous positions are forgotten, in µs.
pub(crate) const RESET_GAP_US: u64 = 500_000;
/// A swap is undone only when it fits at most this share of the unswapped legs' movement.
const SWAP_RATIO: f64 = 0.5;
/// ... and when the unswapped legs moved at least this many torso lengths (two legs seen on
/// top of each other, in a side view, fit either way).
const SWAP_MIN_TORSO: f64 = 0.3;

/// The landmarks watched: shoulders and the legs.
const WATCHED: [Part; 6] = [
    Part::Shoulder,
    Part::Hip,
    Part::Knee,
    Part::Ankle,
    Part::Heel,
    Part::FootIndex,
];

/// The previous frame's accepted positions and how long each has been held.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Filter {
    /// Per slot: the last accepted point, and how many frames in a row it stood in.
    last: [Option<(Point, u8)>; SLOTS],
    /// Time of the previous frame.
    at_us: Option<u64>,
}

impl Filter {
    pub(crate) const fn new() -> Filter {
        Filter {
            last: [None; SLOTS],
            at_us: None,
        }
    }

    pub(crate) fn reset(&mut self) {
        *self = Filter::new();
    }

    /// Corrects the frame at `t_us` (never earlier than the previous one) in place.
    pub(crate) fn apply(&mut self, t_us: u64, pose: &mut Pose) {
        let dt_us = self.at_us.map(|at| t_us.saturating_sub(at));
        self.at_us = Some(t_us);
        let scale = match dt_us {
            Some(dt) if dt <= RESET_GAP_US => self.torso(),
            _ => None,
        };
        let Some(scale) = scale else {
            // Nothing to compare with: accept the frame as it is.
            self.remember(pose);
            return;
        };
        let dt_s = dt_us.unwrap_or(0) as f64 / 1e6;
        if self.swapped(pose, scale) {
            pose.swap_legs();
        }
        let gate = scale * (GATE_TORSO + GATE_TORSO_PER_S * dt_s);
        let slots = pose.slots_mut();
        for part in WATCHED {
            for side in [Side::Left, Side::Right] {
                let i = slot(part, side);
                let Some((now, visibility)) = slots[i] else {
                    // Unseen: the previous position stays for when it comes back.
                    continue;
                };
                let Some((before, held)) = self.last[i] else {
                    // Seen for the first time: nothing to compare with.
                    self.last[i] = Some((now, 0));
                    continue;
                };
                if distance(now, before) > gate && held < MAX_REJECTED {
                    slots[i] = Some((before, visibility));
                    self.last[i] = Some((before, held + 1));
                } else {
                    self.last[i] = Some((now, 0));
                }
            }
        }
    }

    /// Remembers every watched landmark of a frame accepted as it is.
    fn remember(&mut self, pose: &Pose) {
        for part in WATCHED {
            for side in [Side::Left, Side::Right] {
                let i = slot(part, side);
                self.last[i] = pose.get(part, side).map(|(p, _)| (p, 0));
            }
        }
    }

    /// The previous frame's torso length (shoulders' midpoint to hips' midpoint).
    fn torso(&self) -> Option<f64> {
        let mid = |part: Part| {
            let l = self.last[slot(part, Side::Left)]?.0;
            let r = self.last[slot(part, Side::Right)]?.0;
            Some(midpoint(l, r))
        };
        let length = distance(mid(Part::Shoulder)?, mid(Part::Hip)?);
        (length > 0.01).then_some(length)
    }

    /// Whether the frame's legs fit the previous ones far better swapped.
    fn swapped(&self, pose: &Pose, scale: f64) -> bool {
        let (mut keep, mut swap, mut pairs) = (0.0, 0.0, 0);
        for part in &LEG[1..] {
            let now = (pose.get(*part, Side::Left), pose.get(*part, Side::Right));
            let before = (
                self.last[slot(*part, Side::Left)],
                self.last[slot(*part, Side::Right)],
            );
            if let ((Some((l, _)), Some((r, _))), (Some((bl, _)), Some((br, _)))) = (now, before) {
                keep += distance(l, bl) + distance(r, br);
                swap += distance(l, br) + distance(r, bl);
                pairs += 1;
            }
        }
        pairs >= 2 && keep > SWAP_MIN_TORSO * scale && swap < SWAP_RATIO * keep
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use breakroom_protocol::{Landmark, PoseModel};

    use super::*;

    /// A standing BlazePose body facing the camera, torso 0.25 long, its left knee at
    /// `left_knee`, seen or not.
    fn body(left_knee: (f32, f32), left_knee_seen: bool) -> Vec<Landmark> {
        let mut lms = vec![
            Landmark {
                x: 0.5,
                y: 0.2,
                z: None,
                visibility: 1.0,
            };
            33
        ];
        let mut put = |i: usize, x: f32, y: f32| {
            lms[i].x = x;
            lms[i].y = y;
        };
        put(11, 0.6, 0.3);
        put(12, 0.4, 0.3);
        put(23, 0.56, 0.55);
        put(24, 0.44, 0.55);
        put(25, left_knee.0, left_knee.1);
        put(26, 0.44, 0.72);
        for (l, r, y) in [(27, 28, 0.9), (29, 30, 0.91), (31, 32, 0.93)] {
            put(l, 0.57, y);
            put(r, 0.43, y);
        }
        if !left_knee_seen {
            lms[25].visibility = 0.0;
        }
        lms
    }

    fn left_knee(filter: &mut Filter, t_us: u64, lms: &[Landmark]) -> Point {
        let mut pose = Pose::new(PoseModel::BlazePose33, lms);
        filter.apply(t_us, &mut pose);
        pose.get(Part::Knee, Side::Left).map(|(p, _)| p).unwrap()
    }

    const STILL: (f32, f32) = (0.56, 0.72);
    const AWAY: (f32, f32) = (0.76, 0.72);

    #[test]
    fn a_landmark_jumping_away_for_a_frame_is_held_at_its_place() {
        let mut f = Filter::new();
        left_knee(&mut f, 0, &body(STILL, true));
        // 0.2 of the image (0.8 torso) in 33 ms: held.
        let held = left_knee(&mut f, 33_333, &body(AWAY, true));
        assert!((held.x - 0.56).abs() < 1e-6, "{held:?}");
        let back = left_knee(&mut f, 66_666, &body(STILL, true));
        assert!((back.x - 0.56).abs() < 1e-6);
    }

    #[test]
    fn a_landmark_that_stays_away_has_moved() {
        let mut f = Filter::new();
        left_knee(&mut f, 0, &body(STILL, true));
        let seen: Vec<f64> = (1..=3)
            .map(|k| left_knee(&mut f, k * 33_333, &body(AWAY, true)).x)
            .collect();
        // Held for MAX_REJECTED frames, then accepted.
        assert!((seen[0] - 0.56).abs() < 1e-6 && (seen[1] - 0.56).abs() < 1e-6);
        assert!((seen[2] - 0.76).abs() < 1e-6, "{seen:?}");
    }

    #[test]
    fn a_landmark_first_seen_later_is_watched_from_then_on() {
        let mut f = Filter::new();
        left_knee_unseen(&mut f, 0);
        left_knee(&mut f, 33_333, &body(STILL, true));
        let held = left_knee(&mut f, 66_666, &body(AWAY, true));
        assert!((held.x - 0.56).abs() < 1e-6, "{held:?}");
    }

    fn left_knee_unseen(filter: &mut Filter, t_us: u64) {
        let lms = body(STILL, false);
        let mut pose = Pose::new(PoseModel::BlazePose33, &lms);
        filter.apply(t_us, &mut pose);
        assert!(pose.get(Part::Knee, Side::Left).is_none());
    }

    #[test]
    fn swapped_legs_are_swapped_back() {
        let mut f = Filter::new();
        let mut split = body((0.62, 0.7), true);
        // The left leg stepped out to the image's right, the right one to its left.
        split[26].x = 0.36;
        for (l, r) in [(27, 28), (29, 30), (31, 32)] {
            split[l].x = 0.66;
            split[r].x = 0.34;
        }
        let mut pose = Pose::new(PoseModel::BlazePose33, &split);
        f.apply(0, &mut pose);
        // The tracker swaps the legs' labels for a frame.
        let mut swapped = split.clone();
        for (l, r) in [(23, 24), (25, 26), (27, 28), (29, 30), (31, 32)] {
            swapped.swap(l, r);
        }
        let mut pose = Pose::new(PoseModel::BlazePose33, &swapped);
        f.apply(33_333, &mut pose);
        let knee = pose.get(Part::Knee, Side::Left).map(|(p, _)| p).unwrap();
        assert!((knee.x - 0.62).abs() < 1e-6, "{knee:?}");
    }
}
