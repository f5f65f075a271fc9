//! Landmarks by body part, whatever the model, and the plane geometry the signals use.
//!
//! A landmark is *usable* when its coordinates are finite and strictly inside the range the
//! keypoint block can carry (-0.25, 1.25) — a landmark clamped to the edge is off-screen by an
//! unknown amount — and its visibility is at least [`MIN_VISIBILITY`]. Signals only ever see
//! usable landmarks.

use breakroom_protocol::pose::{COORD_MAX, COORD_MIN};
use breakroom_protocol::{Landmark, PoseModel};

/// Lowest visibility at which a landmark is used.
pub(crate) const MIN_VISIBILITY: f64 = 0.5;

/// Shortest segment, in normalized image units, that gives a direction: anything shorter is
/// two landmarks on top of each other.
const MIN_SEGMENT: f64 = 1e-4;

/// The person's side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Side {
    Left,
    Right,
}

/// A body part that both models (or BlazePose alone, for heels and toes) locate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Nose,
    Ear,
    Shoulder,
    Elbow,
    Wrist,
    Hip,
    Knee,
    Ankle,
    /// BlazePose only.
    Heel,
    /// BlazePose only: the tip of the foot.
    FootIndex,
}

/// Index of a part in a model's landmark list; `None` when the model does not have it.
/// The nose has no side: both sides give index 0.
fn index(model: PoseModel, part: Part, side: Side) -> Option<usize> {
    let left = matches!(side, Side::Left);
    let pick = |l: usize, r: usize| if left { l } else { r };
    match model {
        PoseModel::BlazePose33 => Some(match part {
            Part::Nose => 0,
            Part::Ear => pick(7, 8),
            Part::Shoulder => pick(11, 12),
            Part::Elbow => pick(13, 14),
            Part::Wrist => pick(15, 16),
            Part::Hip => pick(23, 24),
            Part::Knee => pick(25, 26),
            Part::Ankle => pick(27, 28),
            Part::Heel => pick(29, 30),
            Part::FootIndex => pick(31, 32),
        }),
        PoseModel::Coco17 => match part {
            Part::Nose => Some(0),
            Part::Ear => Some(pick(3, 4)),
            Part::Shoulder => Some(pick(5, 6)),
            Part::Elbow => Some(pick(7, 8)),
            Part::Wrist => Some(pick(9, 10)),
            Part::Hip => Some(pick(11, 12)),
            Part::Knee => Some(pick(13, 14)),
            Part::Ankle => Some(pick(15, 16)),
            Part::Heel | Part::FootIndex => None,
        },
    }
}

/// A point in normalized image coordinates (y grows downwards).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Point {
    pub(crate) x: f64,
    pub(crate) y: f64,
}

/// Number of (part, side) slots: ten parts on two sides (the nose uses one).
pub(crate) const SLOTS: usize = 20;

/// The slot of a part on a side.
pub(crate) const fn slot(part: Part, side: Side) -> usize {
    part as usize * 2 + side as usize
}

/// The parts of the legs (hip down to the toes), which a leg swap exchanges.
pub(crate) const LEG: [Part; 5] = [
    Part::Hip,
    Part::Knee,
    Part::Ankle,
    Part::Heel,
    Part::FootIndex,
];

/// Every part, in slot order.
pub(crate) const PARTS: [Part; 10] = [
    Part::Nose,
    Part::Ear,
    Part::Shoulder,
    Part::Elbow,
    Part::Wrist,
    Part::Hip,
    Part::Knee,
    Part::Ankle,
    Part::Heel,
    Part::FootIndex,
];

/// One frame's usable landmarks by body part, read once from the frame (the rest of the
/// detector never sees the raw list), which [`super::filter::Filter`] may then correct.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pose {
    /// Per [`slot`]: the point and its visibility, when usable.
    slots: [Option<(Point, f64)>; SLOTS],
}

impl Pose {
    pub(crate) fn new(model: PoseModel, landmarks: &[Landmark]) -> Pose {
        let mut slots = [None; SLOTS];
        for part in PARTS {
            for side in [Side::Left, Side::Right] {
                slots[slot(part, side)] = index(model, part, side)
                    .and_then(|i| landmarks.get(i))
                    .and_then(usable);
            }
        }
        Pose { slots }
    }

    /// A usable landmark and its visibility.
    pub(crate) fn get(&self, part: Part, side: Side) -> Option<(Point, f64)> {
        self.slots[slot(part, side)]
    }

    /// The slots, for the filter.
    pub(crate) fn slots_mut(&mut self) -> &mut [Option<(Point, f64)>; SLOTS] {
        &mut self.slots
    }

    /// Exchanges the left and right legs' landmarks (a tracker that swapped them).
    pub(crate) fn swap_legs(&mut self) {
        for part in LEG {
            self.slots
                .swap(slot(part, Side::Left), slot(part, Side::Right));
        }
    }

    /// Several usable landmarks of one side, with the sum of their visibilities; `None` if any
    /// is not usable.
    pub(crate) fn all<const N: usize>(
        &self,
        parts: [Part; N],
        side: Side,
    ) -> Option<([Point; N], f64)> {
        let mut points = [Point { x: 0.0, y: 0.0 }; N];
        let mut seen = 0.0;
        for (point, part) in points.iter_mut().zip(parts) {
            let (p, v) = self.get(part, side)?;
            *point = p;
            seen += v;
        }
        Some((points, seen))
    }

    /// The mean of a part's usable sides.
    pub(crate) fn mean(&self, part: Part) -> Option<Point> {
        match (self.get(part, Side::Left), self.get(part, Side::Right)) {
            (Some((l, _)), Some((r, _))) => Some(midpoint(l, r)),
            (Some((p, _)), None) | (None, Some((p, _))) => Some(p),
            (None, None) => None,
        }
    }
}

/// A landmark as a point, if usable.
fn usable(l: &Landmark) -> Option<(Point, f64)> {
    let inside = |c: f32| c.is_finite() && c > COORD_MIN && c < COORD_MAX;
    let visibility = f64::from(l.visibility);
    // `>=` is false for NaN, so a NaN visibility is unusable too.
    if !(inside(l.x) && inside(l.y) && visibility >= MIN_VISIBILITY) {
        return None;
    }
    let point = Point {
        x: f64::from(l.x),
        y: f64::from(l.y),
    };
    Some((point, visibility.min(1.0)))
}

/// The length of `(x, y)`: `sqrt(x² + y²)`, several times cheaper than `f64::hypot`, which
/// guards against overflows that normalized coordinates cannot reach. (The TypeScript port
/// computes it the same way, so both detectors agree to the last bit.)
pub(crate) fn length(x: f64, y: f64) -> f64 {
    (x * x + y * y).sqrt()
}

/// Distance between two points.
pub(crate) fn distance(a: Point, b: Point) -> f64 {
    length(a.x - b.x, a.y - b.y)
}

/// Midpoint of two points.
pub(crate) fn midpoint(a: Point, b: Point) -> Point {
    Point {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    }
}

/// The angle at `b` between `b→a` and `b→c`, in degrees (0 to 180); `None` if a segment is
/// too short to have a direction.
pub(crate) fn angle_deg(a: Point, b: Point, c: Point) -> Option<f64> {
    let (ux, uy) = (a.x - b.x, a.y - b.y);
    let (vx, vy) = (c.x - b.x, c.y - b.y);
    let (nu, nv) = (length(ux, uy), length(vx, vy));
    if nu < MIN_SEGMENT || nv < MIN_SEGMENT {
        return None;
    }
    let cos = ((ux * vx + uy * vy) / (nu * nv)).clamp(-1.0, 1.0);
    Some(cos.acos().to_degrees())
}

/// How far the segment `from→to` is raised from pointing straight down the image, in degrees:
/// 0 hanging down, 90 horizontal, 180 straight up. `None` for a too-short segment.
pub(crate) fn elevation_deg(from: Point, to: Point) -> Option<f64> {
    let below = Point {
        x: from.x,
        y: from.y + 1.0,
    };
    angle_deg(below, from, to)
}

/// The tilt of the line between a left and a right landmark from the horizontal, in degrees,
/// positive when the left one is lower in the image. Independent of mirroring (it uses the
/// horizontal distance's magnitude). `None` when the two are less than `min_dx` apart
/// horizontally (a side view, where the line has no meaningful tilt).
pub(crate) fn tilt_deg(left: Point, right: Point, min_dx: f64) -> Option<f64> {
    let dx = (left.x - right.x).abs();
    if dx < min_dx.max(MIN_SEGMENT) {
        return None;
    }
    Some((left.y - right.y).atan2(dx).to_degrees())
}
