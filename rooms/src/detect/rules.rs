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
/// Push-ups lean the torso at least this far from upright, degrees (against a desk about 45,
/// on the floor about 80); a standing person's arms bending is not a push-up.
pub(crate) const PUSHUP_LEAN_DEG: f64 = 25.0;
/// Shoulder rolls are done with the torso upright (within this many degrees)...
pub(crate) const ROLL_UPRIGHT_DEG: f64 = 20.0;
/// ... the hips still (drop at most this share)...
pub(crate) const ROLL_HIPS_STILL: f64 = 0.08;
/// ... the arms low (elevation at most this, degrees: arms overhead lift the shoulders)...
pub(crate) const ROLL_ARMS_DEG: f64 = 60.0;
/// ... and the head straight (tilted at most this, degrees: a tilted head nears a shoulder).
pub(crate) const ROLL_HEAD_DEG: f64 = 10.0;
/// ... facing the camera (shoulder width at least this share of the torso's length, within
/// about 45°: turned further, the nose-to-shoulders gap changes with the turn).
pub(crate) const ROLL_FACING: f64 = 0.5;
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

/// The zone of a frame's smoothed values, with the posture around them, for a counter in
/// `state`; `excluded_at` is the latest time (µs) a frame broke the exercise's exclusions, this
/// one included.
pub(crate) fn zone(
    kind: Kind,
    th: &Thresholds,
    values: [f64; 2],
    p: &Posture,
    state: State,
    t_us: u64,
    excluded_at: Option<u64>,
) -> Zone {
    let recent = excluded_at.is_some_and(|at| t_us.saturating_sub(at) < EXCLUSION_HOLD_US);
    match kind {
        Kind::Squats => squat(th, values[0], p),
        Kind::Lunges => lunge(th, p),
        _ => match (signals::zone(th, values), state) {
            (Zone::Active(_), _) | (Zone::Between, State::Active(_)) if recent => Zone::Excluded,
            (zone, _) => zone,
        },
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

/// Squats: down when the knees bend past `enter` *or* the hips drop past the first of
/// `more` (a front view of a narrow stance hides the knee's bend: the thigh points at the
/// camera), with the legs level (a lunge's are split) and the torso upright. Up when the hips
/// are back within the second of `more` of standing height, the knees out of the down zone;
/// when the hips' drop cannot be measured (no ankles seen), when the knees open past `exit`.
/// (Standing legs seen at an angle look bent: 150° is common at 60° yaw, so the knee angle
/// alone is a poor sign of standing.)
fn squat(th: &Thresholds, knee_angle: f64, p: &Posture) -> Zone {
    let [drop_down, drop_up, level] = th.more;
    let level = at_most(p.split.map(f64::abs), level) && at_most(p.tilt, UPRIGHT_DEG);
    let bent = p.knee_min.is_some_and(|k| k <= KNEES_BENT_DEG);
    let dropped = bent && p.drop.is_some_and(|d| d >= drop_down);
    let up = match p.drop {
        Some(drop) => drop <= drop_up && knee_angle > th.enter,
        None => knee_angle >= th.exit,
    };
    if (knee_angle <= th.enter || dropped) && level {
        Zone::Active(Lean::Only)
    } else if up {
        Zone::Rest
    } else {
        Zone::Between
    }
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
pub(crate) fn excluded(kind: Kind, lean: Option<Lean>, p: &Posture) -> bool {
    !allowed(kind, lean, p)
}

/// Whether the exercise's exclusions let the active position be entered or held.
fn allowed(kind: Kind, lean: Option<Lean>, p: &Posture) -> bool {
    match kind {
        Kind::MarchInPlace => {
            // The lifted side's ankle minus the other's, in image y (positive: lower).
            let foot = match lean {
                Some(Lean::Right) => p.ankles_dy.map(|d| -d),
                Some(Lean::Left) => p.ankles_dy,
                Some(Lean::Only) | None => None,
            };
            at_most(p.drop, HIPS_STILL) && at_most(foot, MARCH_FOOT)
        }
        Kind::CalfRaises => at_most(p.drop, CALF_HIPS) && at_least(p.knee_min, KNEES_STRAIGHT_DEG),
        Kind::SideBends => {
            at_most(p.drop, BEND_HIPS_STILL) && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
        }
        Kind::NeckStretch => {
            at_most(p.drop, HIPS_STILL) && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
        }
        Kind::ShoulderRolls => {
            at_most(p.drop, ROLL_HIPS_STILL)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.arms, ROLL_ARMS_DEG)
                && at_most(p.tilt, ROLL_UPRIGHT_DEG)
                && at_most(p.head, ROLL_HEAD_DEG)
                && at_least(p.facing, ROLL_FACING)
        }
        Kind::DeskPushups => {
            at_least(p.tilt, PUSHUP_LEAN_DEG)
                && at_least(p.knee_min, KNEES_STRAIGHT_DEG)
                && at_most(p.drop, HIPS_STILL)
        }
        Kind::WallSit => at_most(p.split.map(f64::abs), LEGS_LEVEL),
        Kind::Undetectable | Kind::Squats | Kind::Lunges | Kind::JumpingJacks | Kind::ArmRaises => {
            true
        }
    }
}
