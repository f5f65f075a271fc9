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

/// One frame's landmarks, read through [`Pose::get`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Pose<'a> {
    /// The layout the landmarks follow.
    model: PoseModel,
    /// As received: any length, any values (only usable ones are read).
    landmarks: &'a [Landmark],
}

impl<'a> Pose<'a> {
    pub(crate) fn new(model: PoseModel, landmarks: &'a [Landmark]) -> Pose<'a> {
        Pose { model, landmarks }
    }

    /// A usable landmark and its visibility.
    pub(crate) fn get(&self, part: Part, side: Side) -> Option<(Point, f64)> {
        let l = self.landmarks.get(index(self.model, part, side)?)?;
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

    /// Several usable landmarks of one side, with the sum of their visibilities; `None` if any
    /// is not usable.
    pub(crate) fn all<const N: usize>(
        &self,
        parts: [Part; N],
        side: Side,
    ) -> Option<([Point; N], f64)> {
        let mut points = [Point { x: 0.0, y: 0.0 }; N];
        let mut seen = 0.0;
        for (slot, part) in points.iter_mut().zip(parts) {
            let (p, v) = self.get(part, side)?;
            *slot = p;
            seen += v;
        }
        Some((points, seen))
    }
}

/// Distance between two points.
pub(crate) fn distance(a: Point, b: Point) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
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
    let (nu, nv) = (ux.hypot(uy), vx.hypot(vy));
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
