//! Each exercise's signal: one or two numbers measured on a frame's usable landmarks, and
//! where they fall against the thresholds.
//!
//! Every signal is an angle or a ratio of two lengths of the body, so it does not change when
//! the person walks closer or away. A signal needs certain landmarks; when some are missing the
//! frame gives no signal (the detector then holds its state). Bilateral exercises measured
//! on limbs (squats, push-ups, calf raises, wall sit) make do with one side; the others need
//! both (arm raises need both arms up, so waving one arm is not an arm raise).

use super::counter::{Lean, Zone};
use super::kind::{Direction, Kind, Thresholds};
use super::pose::{Part, Pose, Side, angle_deg, distance, elevation_deg, midpoint, tilt_deg};

/// Shortest body span (shoulder width, torso length) in normalized image units that is taken
/// for a person rather than landmarks collapsed on each other.
const MIN_SPAN: f64 = 0.01;

/// One frame's signal.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Signal {
    /// The measured values; the second is used only by exercises with two conditions.
    pub(crate) values: [f64; 2],
    /// Visibility of the landmarks used, summed and divided by the number the exercise uses
    /// with both sides seen: 0 to 1.
    pub(crate) quality: f64,
}

/// A per-side measurement: the value and the summed visibility of its landmarks.
type Measure = Option<(f64, f64)>;

/// The exercise's signal on this frame, if its landmarks are usable.
pub(crate) fn measure(kind: Kind, pose: &Pose) -> Option<Signal> {
    let one = |value: f64, seen: f64, of: f64| Signal {
        values: [value, 0.0],
        quality: (seen / of).clamp(0.0, 1.0),
    };
    match kind {
        Kind::Undetectable => None,
        Kind::Lunges => {
            // The lunge is measured on the posture (hip drop, legs split): this only says
            // whether both legs are seen.
            let (l, lv) = knee_angle(pose, Side::Left)?;
            let (r, rv) = knee_angle(pose, Side::Right)?;
            Some(one(l.min(r), lv + rv, 6.0))
        }
        Kind::Squats | Kind::WallSit => {
            let (v, seen) = sides(pose, knee_angle, false)?;
            Some(one(v, seen, 6.0))
        }
        Kind::DeskPushups => {
            let (v, seen) = sides(pose, elbow_angle, false)?;
            Some(one(v, seen, 6.0))
        }
        Kind::ArmRaises => {
            let (v, seen) = sides(pose, arm_elevation, true)?;
            Some(one(v, seen, 4.0))
        }
        Kind::JumpingJacks => {
            let (arms, seen) = sides(pose, arm_elevation, true)?;
            // The shoulders' visibility is already in the arms' `seen`.
            let (ls, _) = pose.get(Part::Shoulder, Side::Left)?;
            let (rs, _) = pose.get(Part::Shoulder, Side::Right)?;
            let (la, lav) = pose.get(Part::Ankle, Side::Left)?;
            let (ra, rav) = pose.get(Part::Ankle, Side::Right)?;
            let shoulders = (ls.x - rs.x).abs();
            if shoulders < MIN_SPAN {
                return None;
            }
            let feet = (la.x - ra.x).abs() / shoulders;
            let seen = seen + lav + rav;
            Some(Signal {
                values: [arms, feet],
                quality: (seen / 6.0).clamp(0.0, 1.0),
            })
        }
        Kind::ShoulderRolls => {
            let (nose, nv) = pose.get(Part::Nose, Side::Left)?;
            let (ls, lv) = pose.get(Part::Shoulder, Side::Left)?;
            let (rs, rv) = pose.get(Part::Shoulder, Side::Right)?;
            let width = distance(ls, rs);
            if width < MIN_SPAN {
                return None;
            }
            let gap = (midpoint(ls, rs).y - nose.y) / width;
            Some(one(gap, nv + lv + rv, 3.0))
        }
        Kind::MarchInPlace => {
            let (torso, tv) = torso(pose)?;
            let (lk, lv) = pose.get(Part::Knee, Side::Left)?;
            let (rk, rv) = pose.get(Part::Knee, Side::Right)?;
            // Positive when the left knee is the higher one (smaller y).
            Some(one((rk.y - lk.y) / torso, tv + lv + rv, 6.0))
        }
        Kind::SideBends => {
            let (ls, lv) = pose.get(Part::Shoulder, Side::Left)?;
            let (rs, rv) = pose.get(Part::Shoulder, Side::Right)?;
            Some(one(tilt_deg(ls, rs, MIN_SPAN)?, lv + rv, 2.0))
        }
        Kind::NeckStretch => {
            let (le, lev) = pose.get(Part::Ear, Side::Left)?;
            let (re, rev) = pose.get(Part::Ear, Side::Right)?;
            let (ls, lv) = pose.get(Part::Shoulder, Side::Left)?;
            let (rs, rv) = pose.get(Part::Shoulder, Side::Right)?;
            let head = tilt_deg(le, re, MIN_SPAN / 2.0)? - tilt_deg(ls, rs, MIN_SPAN)?;
            Some(one(head, lev + rev + lv + rv, 4.0))
        }
        Kind::CalfRaises => {
            let (torso, tv) = torso(pose)?;
            // Both heels rise in a calf raise (one alone is the back foot of a lunge): the
            // lower of the two when both are seen.
            let (lift, fv) = match (foot_lift(pose, Side::Left), foot_lift(pose, Side::Right)) {
                (Some((l, lv)), Some((r, rv))) => (l.min(r), lv + rv),
                (Some(one), None) | (None, Some(one)) => one,
                (None, None) => return None,
            };
            Some(one(lift / torso, tv + fv, 10.0))
        }
    }
}

/// The posture around an exercise's own signal, which the exclusions and the lower-body
/// detectors read, each NaN when its landmarks are not seen; see [`Posture`]'s fields. The
/// upper body's (arms, head, turn, shoulder line) only with `upper`: NaN otherwise, for the
/// exercises that do not read them (it saves a third of the detector's time).
pub(crate) fn posture(pose: &Pose, upper: bool) -> [f64; POSTURE] {
    let nan = f64::NAN;
    let hips = pose.mean(Part::Hip);
    // The foot on the floor: the lower ankle (a march lifts the other).
    let floor = [Side::Left, Side::Right]
        .iter()
        .filter_map(|side| pose.get(Part::Ankle, *side))
        .map(|(a, _)| a.y)
        .fold(nan, f64::max);
    let extent = match hips {
        Some(h) => floor - h.y,
        None => nan,
    };
    let shoulders = pose.mean(Part::Shoulder);
    let torso = match (shoulders, hips) {
        (Some(s), Some(h)) => distance(s, h),
        _ => nan,
    };
    let knees = [knee_angle(pose, Side::Left), knee_angle(pose, Side::Right)];
    let knee_min = knees.iter().flatten().map(|(a, _)| *a).fold(nan, f64::min);
    let dy = |part: Part, lower_is: Side| match (
        pose.get(part, Side::Left),
        pose.get(part, Side::Right),
    ) {
        (Some((l, _)), Some((r, _))) => match lower_is {
            Side::Right => r.y - l.y,
            Side::Left => l.y - r.y,
        },
        _ => nan,
    };
    let tilt = match (shoulders, hips) {
        (Some(s), Some(h)) if distance(s, h) >= MIN_SPAN => {
            (s.x - h.x).abs().atan2(h.y - s.y).to_degrees()
        }
        _ => nan,
    };
    let (arms, head, turn, shoulder_line) = if upper {
        upper_posture(pose)
    } else {
        (nan, nan, nan, nan)
    };
    [
        extent,
        torso,
        knee_min,
        dy(Part::Knee, Side::Right),
        dy(Part::Ankle, Side::Left),
        tilt,
        arms,
        head,
        turn,
        shoulder_line,
    ]
}

/// The upper body's part of [`posture`]: the higher arm's elevation, the head's tilt against
/// the shoulders, the turn, the shoulder line's tilt.
fn upper_posture(pose: &Pose) -> (f64, f64, f64, f64) {
    let nan = f64::NAN;
    let arms = [
        arm_elevation(pose, Side::Left),
        arm_elevation(pose, Side::Right),
    ]
    .iter()
    .flatten()
    .map(|(a, _)| *a)
    .fold(nan, f64::max);
    let head = match (
        pose.get(Part::Ear, Side::Left),
        pose.get(Part::Ear, Side::Right),
        pose.get(Part::Shoulder, Side::Left),
        pose.get(Part::Shoulder, Side::Right),
    ) {
        (Some((le, _)), Some((re, _)), Some((ls, _)), Some((rs, _))) => {
            match (tilt_deg(le, re, MIN_SPAN / 2.0), tilt_deg(ls, rs, MIN_SPAN)) {
                (Some(ears), Some(shoulders)) => (ears - shoulders).abs(),
                _ => nan,
            }
        }
        _ => nan,
    };
    // How far the head is turned from the camera: the nose's horizontal offset from the ears'
    // middle, in half the ears' horizontal span (both horizontal, so the image's aspect ratio
    // cancels; tilting the head moves the nose little sideways): 0 facing the camera, about
    // 0.75 turned 30°, 1.3 turned 45°, large from the side, where the ears line up. One ear
    // hidden behind the head is a side view too.
    let turn = match (
        pose.get(Part::Nose, Side::Left),
        pose.get(Part::Ear, Side::Left),
        pose.get(Part::Ear, Side::Right),
    ) {
        (Some((n, _)), Some((l, _)), Some((r, _))) => {
            let half = (l.x - r.x).abs() / 2.0;
            ((n.x - (l.x + r.x) / 2.0).abs() / half.max(1e-3)).min(TURNED)
        }
        (Some(_), Some(_), None) | (Some(_), None, Some(_)) => TURNED,
        _ => nan,
    };
    let shoulder_line = match (
        pose.get(Part::Shoulder, Side::Left),
        pose.get(Part::Shoulder, Side::Right),
    ) {
        (Some((l, _)), Some((r, _))) => tilt_deg(l, r, MIN_SPAN).map_or(nan, f64::abs),
        _ => nan,
    };
    (arms, head, turn, shoulder_line)
}

/// [`Posture::turn`] of a side view.
const TURNED: f64 = 10.0;

/// How many values [`posture`] measures.
pub(crate) const POSTURE: usize = 10;

/// The smoothed posture, read by name; `None` where not seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Posture {
    /// How far the hips have dropped from standing, as a share of the standing legs' height in
    /// the image (the lower ankle's y − the hips' mean y): 0 standing, about 0.45 at the bottom of a
    /// deep squat, below 0 on the toes. `None` when hips or ankles are not seen, or the body
    /// is not upright (legs shorter than half the torso in the image, or the torso leaning
    /// more than [`super::rules::UPRIGHT_DEG`]: lying, sitting, cut off).
    pub(crate) drop: Option<f64>,
    /// Signed split of the legs in standing leg heights, positive when the person's left leg
    /// is in front: (right knee's y − left knee's y) + (left ankle's y − right ankle's y). The
    /// back knee sinks in a lunge (side views), and the front foot is nearer, so lower in the
    /// image (front views): both add up. A march cancels out (the lifted knee's foot rises),
    /// and so, mostly, does a foot nearer the camera than the other (its knee and ankle both
    /// sink in the image): a squat's legs are level when this is near 0, whatever the view.
    pub(crate) split: Option<f64>,
    /// Left ankle's y − right ankle's y, in standing leg heights.
    pub(crate) ankles_dy: Option<f64>,
    /// The more bent knee's angle, degrees.
    pub(crate) knee_min: Option<f64>,
    /// The torso's lean from the image's vertical, degrees (0 upright, 90 lying).
    pub(crate) tilt: Option<f64>,
    /// The higher arm's elevation, degrees (0 hanging, 180 overhead).
    pub(crate) arms: Option<f64>,
    /// The head's tilt against the shoulder line, degrees, either side.
    pub(crate) head: Option<f64>,
    /// How far the person is turned from the camera: the nose's horizontal offset from the
    /// ears' middle, in half their horizontal span; 0 facing it, about 1.3 turned 45°, up to
    /// 10 in a side view.
    pub(crate) turn: Option<f64>,
    /// The shoulder line's tilt from level, degrees, either side.
    pub(crate) shoulders: Option<f64>,
}

impl Posture {
    /// Reads smoothed [`posture`] values against the standing legs' height `standing`.
    pub(crate) fn read(values: [f64; POSTURE], standing: Option<f64>) -> Posture {
        let [
            extent,
            torso,
            knee_min,
            knee_dy,
            ankle_dy,
            tilt,
            arms,
            head,
            turn,
            shoulders,
        ] = values;
        let some = |v: f64| v.is_finite().then_some(v);
        let upright = extent.is_finite()
            && (!torso.is_finite() || extent >= 0.5 * torso)
            && (!tilt.is_finite() || tilt <= super::rules::UPRIGHT_DEG);
        let standing = standing.filter(|s| *s >= MIN_SPAN && upright);
        let per_leg = |v: f64| standing.and_then(|s| some(v / s));
        Posture {
            drop: standing.map(|s| 1.0 - extent / s),
            split: per_leg(knee_dy + ankle_dy),
            ankles_dy: per_leg(ankle_dy),
            knee_min: some(knee_min),
            tilt: some(tilt),
            arms: some(arms),
            head: some(head),
            turn: some(turn),
            shoulders: some(shoulders),
        }
    }
}

/// Where smoothed values fall: `values[0]` against enter/exit in the thresholds' direction,
/// and `values[1]` against the extra threshold, if any, for entering the active position.
pub(crate) fn zone(th: &Thresholds, values: [f64; 2]) -> Zone {
    let [v, second] = values;
    let extra_ok = th.extra.is_none_or(|extra| second >= extra);
    match th.direction {
        Direction::Below if v <= th.enter => Zone::Active(Lean::Only),
        Direction::Below if v >= th.exit => Zone::Rest,
        Direction::Above if v >= th.enter && extra_ok => Zone::Active(Lean::Only),
        Direction::Above if v <= th.exit => Zone::Rest,
        Direction::EitherSide if v >= th.enter => Zone::Active(Lean::Left),
        Direction::EitherSide if v <= -th.enter => Zone::Active(Lean::Right),
        Direction::EitherSide if v.abs() <= th.exit => Zone::Rest,
        _ => Zone::Between,
    }
}

/// Where a single pose's values fall against the midpoint of enter and exit: a verdict for
/// every pose, without hysteresis.
pub(crate) fn classify(th: &Thresholds, values: [f64; 2]) -> Zone {
    let mid = (th.enter + th.exit) / 2.0;
    let midway = Thresholds {
        enter: mid,
        exit: mid,
        ..*th
    };
    match zone(&midway, values) {
        // Only jumping jacks with arms up but feet together land here: not open.
        Zone::Between => Zone::Rest,
        z => z,
    }
}

/// The mean over the sides where `f` measures, with the summed visibility of the landmarks
/// used; `None` if no side (or, with `both`, not both) measures.
fn sides(pose: &Pose, f: fn(&Pose, Side) -> Measure, both: bool) -> Measure {
    match (f(pose, Side::Left), f(pose, Side::Right)) {
        (Some((l, lv)), Some((r, rv))) => Some(((l + r) / 2.0, lv + rv)),
        (Some(one), None) | (None, Some(one)) if !both => Some(one),
        _ => None,
    }
}

/// Hip–knee–ankle angle.
fn knee_angle(pose: &Pose, side: Side) -> Measure {
    let ([hip, knee, ankle], seen) = pose.all([Part::Hip, Part::Knee, Part::Ankle], side)?;
    Some((angle_deg(hip, knee, ankle)?, seen))
}

/// Shoulder–elbow–wrist angle.
fn elbow_angle(pose: &Pose, side: Side) -> Measure {
    let ([shoulder, elbow, wrist], seen) =
        pose.all([Part::Shoulder, Part::Elbow, Part::Wrist], side)?;
    Some((angle_deg(shoulder, elbow, wrist)?, seen))
}

/// How far the upper arm is raised from hanging down (0) through horizontal (90) to overhead
/// (180). Measured against the image's vertical rather than the torso, so it works when the
/// hips are hidden by a desk.
fn arm_elevation(pose: &Pose, side: Side) -> Measure {
    let ([shoulder, elbow], seen) = pose.all([Part::Shoulder, Part::Elbow], side)?;
    Some((elevation_deg(shoulder, elbow)?, seen))
}

/// How far the heel and ankle sit above the tip of the foot (image units, positive upwards):
/// both grow when the person rises on the toes.
fn foot_lift(pose: &Pose, side: Side) -> Measure {
    let ([ankle, heel, toe], seen) = pose.all([Part::Ankle, Part::Heel, Part::FootIndex], side)?;
    Some((((toe.y - heel.y) + (toe.y - ankle.y)) / 2.0, seen))
}

/// Shoulder-to-hip length, the mean over the sides seen, with the summed visibility.
fn torso(pose: &Pose) -> Measure {
    let side = |pose: &Pose, side: Side| -> Measure {
        let ([shoulder, hip], seen) = pose.all([Part::Shoulder, Part::Hip], side)?;
        Some((distance(shoulder, hip), seen))
    };
    let (length, seen) = sides(pose, side, false)?;
    (length >= MIN_SPAN).then_some((length, seen))
}
