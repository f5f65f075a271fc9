//! Where a frame falls for each exercise: its own signal against the thresholds, the squat's
//! and the lunge's own rules, and the exclusions that keep each detector silent on the other
//! exercises' movements.
//!
//! A frame that breaks an exercise's exclusions, or comes less than [`EXCLUSION_HOLD_US`] after
//! one that did, falls [`Zone::Excluded`] when the person is in, or entering, the active
//! position: the state is kept, and the current stay no longer completes a rep (a side bend
//! during which the hips drop into a squat is part of the squat). Returning to rest is never
//! excluded. A posture value that is not seen (the legs out of the
//! picture at a desk) excludes nothing. The squat's level legs only keep it from going down
//! (a tracking glitch halfway must not void a real squat).

use super::counter::{Lean, State, Zone};
use super::kind::{Kind, Thresholds};
use super::signals::{self, Posture};

/// Hips that stay "still" drop less than this share of the standing legs' height (a squat
/// drops 0.3 to 0.5, a lunge 0.25 to 0.45).
pub(crate) const HIPS_STILL: f64 = 0.12;
/// Knees that are "straight" are at least this open, degrees.
pub(crate) const KNEES_STRAIGHT_DEG: f64 = 150.0;
/// Knees that are "bent" at all are at most this open, degrees: the hip-drop cue of squats
/// and lunges needs them (someone walking away from the camera shrinks too, with straight legs).
pub(crate) const KNEES_BENT_DEG: f64 = 160.0;
/// Squats and lunges are done with the torso leaning at most this far, degrees (a deep squat
/// leans about 45 in a side view; a push-up lies at about 90).
pub(crate) const UPRIGHT_DEG: f64 = 70.0;
/// Legs whose split is at most this share of their standing height are level (wall sit).
pub(crate) const LEGS_LEVEL: f64 = 0.15;
/// Push-ups lean the torso at least this far from upright in the image, degrees (against a
/// desk about 45, on the floor about 80; a landscape frame squeezes 45 to about 25, a portrait
/// one stretches it); a standing person's arms bending is not a push-up.
pub(crate) const PUSHUP_LEAN_DEG: f64 = 15.0;
/// Shoulder rolls and calf raises are done with the torso upright (within this many degrees)...
pub(crate) const ROLL_UPRIGHT_DEG: f64 = 20.0;
/// ... the hips still (drop at most this share)...
pub(crate) const ROLL_HIPS_STILL: f64 = 0.08;
/// ... the arms low (elevation at most this, degrees: arms overhead lift the shoulders)...
pub(crate) const ROLL_ARMS_DEG: f64 = 60.0;
/// ... and the head straight (tilted at most this, degrees: a tilted head nears a shoulder).
pub(crate) const ROLL_HEAD_DEG: f64 = 20.0;
/// Shoulder rolls, side bends and neck stretches are seen facing the camera, turned at most
/// about 45° (`Posture::turn` at most this): turned further, the shoulder line foreshortens,
/// so any height difference reads as a steep tilt, and the nose-to-shoulders gap changes
/// with the turn.
pub(crate) const TURN_MAX: f64 = 1.3;
/// ... and the shoulder line level (tilted at most this, degrees: a side bend changes the
/// nose-to-shoulders gap too).
pub(crate) const ROLL_SHOULDERS_DEG: f64 = 18.0;
/// Side bends keep the hips at standing height (drop at most this share).
pub(crate) const BEND_HIPS_STILL: f64 = 0.08;
/// Calf raises lift the hips (a drop of at most this share: the heels of a lunge's back foot
/// rise while the hips sink).
pub(crate) const CALF_HIPS: f64 = 0.05;
/// A marching foot comes up with its knee: the lifted side's ankle is not lower than the
/// other's by more than this share of the standing legs' height (a lunge's front foot is).
pub(crate) const MARCH_FOOT: f64 = 0.05;

/// How long a broken exclusion keeps the active position from being entered, µs: the end of
/// a squat straightens the back and lifts the head, which is not a shoulder roll.
pub(crate) const EXCLUSION_HOLD_US: u64 = 500_000;

/// The zone of a frame's smoothed values, with the posture around them, before exclusions.
pub(crate) fn zone(kind: Kind, th: &Thresholds, values: [f64; 2], p: &Posture) -> Zone {
    match kind {
        Kind::Squats => squat(th, values[0], p),
        Kind::Lunges => lunge(th, p),
        _ => signals::zone(th, values),
    }
}

/// `zone` after the exclusions, for a counter in `state`: [`Zone::Excluded`] when the frame
/// would enter or hold the active position less than [`EXCLUSION_HOLD_US`] after
/// `excluded_at`, the latest time (µs) a frame broke the exercise's exclusions (this one
/// included).
pub(crate) fn exclude(zone: Zone, state: State, t_us: u64, excluded_at: Option<u64>) -> Zone {
    let recent = excluded_at.is_some_and(|at| t_us.saturating_sub(at) < EXCLUSION_HOLD_US);
    match (zone, state) {
        (Zone::Active(_), _) | (Zone::Between, State::Active(_)) if recent => Zone::Excluded,
        (zone, _) => zone,
    }
}

/// `value <= max`, or true when not seen.
fn at_most(value: Option<f64>, max: f64) -> bool {
    value.is_none_or(|v| v <= max)
}

/// `value >= min`, or true when not seen.
fn at_least(value: Option<f64>, min: f64) -> bool {
    value.is_none_or(|v| v >= min)
}

/// Squats: down when the hips drop past the first of `more` with the knees bent, up when they
/// are back within the second of `more`: the hips' drop is the same from every side, where
/// the knee's angle is not (seen from the front, a narrow squat's thigh points at the camera
/// and the knee looks barely bent; from the side, stretched by a portrait frame, a quarter-
/// torso bob looks like a squat). Only when the drop cannot be measured (no ankle seen, the
/// torso lying) do the knees decide: down at `enter`, up at `exit`. Legs split (a lunge) or
/// a lying torso (a push-up) void the squat ([`squat_legs`]), and are no way up either (a
/// foot misplaced for a frame is not standing).
fn squat(th: &Thresholds, knee_angle: f64, p: &Posture) -> Zone {
    let [drop_down, drop_up, _] = th.more;
    let bent = p.knee_min.is_some_and(|k| k <= KNEES_BENT_DEG);
    let (down, up) = match p.drop {
        Some(drop) => (bent && drop >= drop_down, drop <= drop_up),
        None => (knee_angle <= th.enter, knee_angle >= th.exit),
    };
    if down {
        Zone::Active(Lean::Only)
    } else if up && squat_legs(th, p) {
        Zone::Rest
    } else {
        Zone::Between
    }
}

/// Whether a squat's legs are level (the third of `more`) and its torso upright (not a
/// push-up).
fn squat_legs(th: &Thresholds, p: &Posture) -> bool {
    at_most(p.split.map(f64::abs), th.more[2]) && at_most(p.tilt, UPRIGHT_DEG)
}

/// Lunges: active when the hips drop past `enter` with the legs split past `extra` (the side
/// is the front leg's) and the torso upright; at rest when the hips are back within `exit`.
/// (The knees' angles say little here: seen from the front, the front thigh points at the
/// camera and the back shin away from it.)
fn lunge(th: &Thresholds, p: &Posture) -> Zone {
    let (Some(drop), Some(split)) = (p.drop, p.split) else {
        return Zone::Between;
    };
    let split_min = th.extra.unwrap_or(0.0);
    if drop >= th.enter && split.abs() >= split_min && at_most(p.tilt, UPRIGHT_DEG) {
        Zone::Active(if split > 0.0 { Lean::Left } else { Lean::Right })
    } else if drop <= th.exit {
        Zone::Rest
    } else {
        Zone::Between
    }
}

/// Whether a frame breaks the exercise's exclusions; `lean` is the side of the active position
/// the frame's signal is in, if any.
pub(crate) fn excluded(kind: Kind, th: &Thresholds, lean: Option<Lean>, p: &Posture) -> bool {
    !allowed(kind, th, lean, p)
}

/// Whether the exercise's exclusions let the active position be entered or held.
fn allowed(kind: Kind, th: &Thresholds, lean: Option<Lean>, p: &Posture) -> bool {
    match kind {
        // Split legs void a squat, whenever they split (a lunge seen from the side splits them
        // only as it deepens).
        Kind::Squats => squat_legs(th, p),
        Kind::MarchInPlace => {
            // The lifted side's ankle minus the other's, in image y (positive: lower).
            let foot = match lean {
                Some(Lean::Right) => p.ankles_dy.map(|d| -d),
                Some(Lean::Left) => p.ankles_dy,
                Some(Lean::Only) | None => None,
            };
            at_most(p.drop, HIPS_STILL) && at_most(foot, MARCH_FOOT)
        }
        Kind::CalfRaises => {
            at_most(p.drop, CALF_HIPS)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.tilt, ROLL_UPRIGHT_DEG)
        }
        Kind::SideBends => {
            at_most(p.drop, BEND_HIPS_STILL)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.turn, TURN_MAX)
        }
        Kind::NeckStretch => {
            at_most(p.drop, HIPS_STILL)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.turn, TURN_MAX)
        }
        Kind::ShoulderRolls => {
            at_most(p.drop, ROLL_HIPS_STILL)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.arms, ROLL_ARMS_DEG)
                && at_most(p.tilt, ROLL_UPRIGHT_DEG)
                && at_most(p.head, ROLL_HEAD_DEG)
                && at_most(p.shoulders, ROLL_SHOULDERS_DEG)
                && at_most(p.turn, TURN_MAX)
        }
        Kind::DeskPushups => {
            at_least(p.tilt, PUSHUP_LEAN_DEG) && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
        }
        Kind::WallSit => at_most(p.split.map(f64::abs), LEGS_LEVEL),
        Kind::Undetectable | Kind::Lunges | Kind::JumpingJacks | Kind::ArmRaises => true,
    }
}
