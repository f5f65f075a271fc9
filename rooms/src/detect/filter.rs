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
                let (Some((now, visibility)), Some((before, held))) = (slots[i], self.last[i])
                else {
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
