//! Bodies in 3-D, in metres, and the steps a recipe applies to them before a
//! [`crate::camera`] step projects them into an image.
//!
//! # Coordinates
//!
//! A right-handed world with **Y up** and the floor at Y = 0. The person stands at the origin
//! facing **+Z** (towards a camera at yaw 0); their left is **+X**. A BlazePose world landmark
//! `(x, y, z)` (metres, origin at the hip midpoint, y down, z away from the camera) becomes
//! `(x, −y, −z)`.
//!
//! [`stand`] puts a recorded clip there: it turns the whole clip about the vertical so that the
//! hip and shoulder lines (averaged over the clip) lie along X, and then, frame by frame, moves
//! the body so that the feet (ankles, heels, toes) are centred on the origin and the lowest foot
//! landmark touches the floor ([`ground`]). World landmarks keep the hip midpoint at the origin,
//! so in a squat the recorded feet rise; grounded, the hips descend as they really do.
//!
//! # Steps on 3-D clips
//!
//! - [`narrow_stance`]: ankles, heels and toes moved towards the midline until the ankles are
//!   `feet_apart` shoulder widths apart, the knees by half as much.
//! - [`shallow`]: every frame blended with the standing frame 0 so that the deepest hip drop is
//!   `hip_drop_torso` torso lengths (a bob, not a squat), then grounded again.
//! - [`scale_body`]: the person scaled about the origin on the floor (a taller or shorter
//!   person).

use breakroom_protocol::PoseModel;

/// A point in metres.
pub type P3 = [f64; 3];

/// One 3-D frame: capture time and the 33 BlazePose landmarks in metres.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame3 {
    /// Capture time, µs.
    pub t_us: u64,
    /// Every landmark, world coordinates (see the module docs).
    pub pts: Vec<P3>,
}

/// A 3-D clip (always BlazePose-33).
#[derive(Debug, Clone, PartialEq)]
pub struct Clip3 {
    /// The frames, in time order.
    pub frames: Vec<Frame3>,
}

impl Clip3 {
    /// Frames `range` (by index), times unchanged.
    pub fn cut(&self, range: std::ops::Range<usize>) -> Clip3 {
        Clip3 {
            frames: self.frames.get(range).unwrap_or_default().to_vec(),
        }
    }
}

/// The landmark layout of 3-D clips.
pub const MODEL: PoseModel = PoseModel::BlazePose33;

// BlazePose-33 indices, left then right.
/// Shoulders.
pub const SHOULDER: [usize; 2] = [11, 12];
/// Hips.
pub const HIP: [usize; 2] = [23, 24];
/// Knees.
pub const KNEE: [usize; 2] = [25, 26];
/// Ankles.
pub const ANKLE: [usize; 2] = [27, 28];
/// Heels.
pub const HEEL: [usize; 2] = [29, 30];
/// Toes (foot index).
pub const TOE: [usize; 2] = [31, 32];
/// Every foot landmark: ankles, heels, toes.
pub const FEET: [usize; 6] = [27, 28, 29, 30, 31, 32];

/// `a + b`.
pub fn add(a: P3, b: P3) -> P3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

/// `a − b`.
pub fn sub(a: P3, b: P3) -> P3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

/// `a × k`.
pub fn mul(a: P3, k: f64) -> P3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

/// Dot product.
pub fn dot(a: P3, b: P3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

/// Cross product.
pub fn cross(a: P3, b: P3) -> P3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// Length.
pub fn norm(a: P3) -> f64 {
    dot(a, a).sqrt()
}

/// `a` scaled to length 1 (unchanged when it is zero).
pub fn unit(a: P3) -> P3 {
    let n = norm(a);
    if n == 0.0 { a } else { mul(a, 1.0 / n) }
}

/// Distance between two points.
pub fn dist(a: P3, b: P3) -> f64 {
    norm(sub(a, b))
}

/// The midpoint.
pub fn mid(a: P3, b: P3) -> P3 {
    mul(add(a, b), 0.5)
}

/// The angle at `b` between `a` and `c`, degrees.
pub fn angle_deg(a: P3, b: P3, c: P3) -> f64 {
    let (u, v) = (unit(sub(a, b)), unit(sub(c, b)));
    dot(u, v).clamp(-1.0, 1.0).acos().to_degrees()
}

/// Turns `p` about the vertical (Y) axis by `deg`, counter-clockwise seen from above (+X
/// towards −Z).
pub fn turn_y(p: P3, deg: f64) -> P3 {
    let (s, c) = deg.to_radians().sin_cos();
    [p[0] * c + p[2] * s, p[1], -p[0] * s + p[2] * c]
}

impl Frame3 {
    /// The hip midpoint.
    pub fn hip_mid(&self) -> P3 {
        mid(self.pts[HIP[0]], self.pts[HIP[1]])
    }

    /// The shoulder midpoint.
    pub fn shoulder_mid(&self) -> P3 {
        mid(self.pts[SHOULDER[0]], self.pts[SHOULDER[1]])
    }

    /// Shoulder midpoint to hip midpoint.
    pub fn torso(&self) -> f64 {
        dist(self.shoulder_mid(), self.hip_mid())
    }

    /// Shoulder to shoulder.
    pub fn shoulder_width(&self) -> f64 {
        dist(self.pts[SHOULDER[0]], self.pts[SHOULDER[1]])
    }

    /// The mean 3-D knee angle (hip–knee–ankle), degrees.
    pub fn knee_angle(&self) -> f64 {
        (0..2)
            .map(|s| angle_deg(self.pts[HIP[s]], self.pts[KNEE[s]], self.pts[ANKLE[s]]))
            .sum::<f64>()
            / 2.0
    }

    /// Every landmark moved by `d`.
    pub fn shift(&mut self, d: P3) {
        for p in &mut self.pts {
            *p = add(*p, d);
        }
    }

    /// The height of the lowest foot landmark.
    pub fn floor_gap(&self) -> f64 {
        FEET.iter()
            .map(|&i| self.pts[i][1])
            .fold(f64::INFINITY, f64::min)
    }
}

/// Moves the frame up or down so that its lowest foot landmark (ankle, heel or toe) is on the
/// floor.
pub fn ground(frame: &mut Frame3) {
    let gap = frame.floor_gap();
    frame.shift([0.0, -gap, 0.0]);
}

/// Puts a recorded clip on the floor, facing +Z, feet centred on the origin (see the module
/// docs).
pub fn stand(mut clip: Clip3) -> Clip3 {
    // The body's left-right direction: hip and shoulder lines, left minus right, summed.
    let (mut x, mut z) = (0.0, 0.0);
    for f in &clip.frames {
        for pair in [HIP, SHOULDER] {
            let d = sub(f.pts[pair[0]], f.pts[pair[1]]);
            x += d[0];
            z += d[2];
        }
    }
    // Turning by −atan2(−z, x) brings (x, z) onto +X: turn_y by deg maps (1, 0) to
    // (cos, −sin), so a line at (cos a, −sin a) comes back with −a.
    let facing = (-z).atan2(x).to_degrees();
    for f in &mut clip.frames {
        for p in &mut f.pts {
            *p = turn_y(*p, -facing);
        }
        let n = FEET.len() as f64;
        let cx = FEET.iter().map(|&i| f.pts[i][0]).sum::<f64>() / n;
        let cz = FEET.iter().map(|&i| f.pts[i][2]).sum::<f64>() / n;
        f.shift([-cx, 0.0, -cz]);
        ground(f);
    }
    clip
}

/// Ankles, heels and toes moved along X towards the midline (the hips' X) until the ankles
/// are `feet_apart` shoulder widths (of frame 0) apart, frame by frame (the recorded ankles
/// drift apart a little as the knees go out; narrowed, the feet stay put), the knees by
/// `knee_share` of that move. A stance already narrower is left as it is.
pub fn narrow_stance(mut clip: Clip3, feet_apart: f64, knee_share: f64) -> Clip3 {
    let Some(first) = clip.frames.first() else {
        return clip;
    };
    let target = feet_apart * first.shoulder_width();
    for f in &mut clip.frames {
        let gap = (f.pts[ANKLE[0]][0] - f.pts[ANKLE[1]][0]).abs();
        let inwards = ((gap - target) / 2.0).max(0.0);
        let centre = (f.pts[ANKLE[0]][0] + f.pts[ANKLE[1]][0]) / 2.0;
        for side in 0..2 {
            // Towards the midline: the sign of (centre − this side's ankle).
            let sign = (centre - f.pts[ANKLE[side]][0]).signum();
            for i in [ANKLE[side], HEEL[side], TOE[side]] {
                f.pts[i][0] += sign * inwards;
            }
            f.pts[KNEE[side]][0] += sign * inwards * knee_share;
        }
    }
    clip
}

/// The deepest drop of the hip midpoint below its frame-0 height, in frame 0's torso lengths.
pub fn max_hip_drop_torso(clip: &Clip3) -> f64 {
    let Some(first) = clip.frames.first() else {
        return 0.0;
    };
    let (h0, torso) = (first.hip_mid()[1], first.torso());
    clip.frames
        .iter()
        .map(|f| (h0 - f.hip_mid()[1]) / torso)
        .fold(0.0, f64::max)
}

/// Every frame blended with frame 0 (landmark positions interpolated, relative to the hip
/// midpoint, by one factor for the whole clip) so that the deepest hip drop is
/// `hip_drop_torso` torso lengths, then grounded. The timing is the recording's; the depth is
/// a bob's. Bones shorten a little mid-way (a chord instead of an arc): a few percent.
pub fn shallow(mut clip: Clip3, hip_drop_torso: f64) -> Clip3 {
    let Some(first) = clip.frames.first().cloned() else {
        return clip;
    };
    let h0 = first.hip_mid();
    let rel0: Vec<P3> = first.pts.iter().map(|&p| sub(p, h0)).collect();
    let blend = |clip: &Clip3, k: f64| {
        let mut out = clip.clone();
        for f in &mut out.frames {
            let h = f.hip_mid();
            for (p, &r0) in f.pts.iter_mut().zip(&rel0) {
                let r = sub(*p, h);
                *p = add(h0, add(r0, mul(sub(r, r0), k)));
            }
            ground(f);
        }
        out
    };
    // The drop grows monotonically with k: bisect for the target.
    let (mut lo, mut hi) = (0.0, 1.0);
    for _ in 0..40 {
        let k = (lo + hi) / 2.0;
        if max_hip_drop_torso(&blend(&clip, k)) < hip_drop_torso {
            lo = k;
        } else {
            hi = k;
        }
    }
    clip = blend(&clip, (lo + hi) / 2.0);
    clip
}

/// The person scaled by `factor` about the origin on the floor.
pub fn scale_body(mut clip: Clip3, factor: f64) -> Clip3 {
    for f in &mut clip.frames {
        for p in &mut f.pts {
            *p = mul(*p, factor);
        }
    }
    clip
}

/// Sampled at `hz` from the first frame to the last, each landmark interpolated linearly.
pub fn resample(clip: &Clip3, hz: u64) -> Clip3 {
    let (Some(first), Some(last)) = (clip.frames.first(), clip.frames.last()) else {
        return clip.clone();
    };
    let mut frames = Vec::new();
    let mut j = 0;
    for k in 0.. {
        let t = first.t_us + k * 1_000_000 / hz;
        if t > last.t_us {
            break;
        }
        while j + 1 < clip.frames.len() && clip.frames[j + 1].t_us <= t {
            j += 1;
        }
        let a = &clip.frames[j];
        let b = clip.frames.get(j + 1).unwrap_or(a);
        let span = b.t_us.saturating_sub(a.t_us);
        let w = if span == 0 {
            0.0
        } else {
            (t - a.t_us) as f64 / span as f64
        };
        let pts = a
            .pts
            .iter()
            .zip(&b.pts)
            .map(|(&p, &q)| add(p, mul(sub(q, p), w)))
            .collect();
        frames.push(Frame3 { t_us: t, pts });
    }
    Clip3 { frames }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::recordings;

    #[test]
    fn a_stood_recording_faces_the_camera_with_a_foot_on_the_floor() {
        let clip = recordings::squats_3d();
        for f in &clip.frames {
            assert!(f.floor_gap().abs() < 1e-9, "{}", f.floor_gap());
            // Hips above knees above ankles, all standing on the floor.
            assert!(f.hip_mid()[1] > f.pts[KNEE[0]][1] && f.pts[KNEE[0]][1] > f.pts[ANKLE[0]][1]);
        }
        let f0 = &clip.frames[0];
        // Facing +Z: the left hip is at +X, the nose in front of the hips.
        assert!(f0.pts[HIP[0]][0] > f0.pts[HIP[1]][0]);
        assert!(f0.pts[0][2] > f0.hip_mid()[2]);
        let d = sub(f0.pts[HIP[0]], f0.pts[HIP[1]]);
        assert!(d[2].abs() < 0.4 * d[0], "hip line along X: {d:?}");
        // A person standing: hips 0.75-1.05 m high, the nose 1.4-1.9 m.
        assert!(
            (0.75..1.05).contains(&f0.hip_mid()[1]),
            "{:?}",
            f0.hip_mid()
        );
        assert!((1.4..1.9).contains(&f0.pts[0][1]), "{:?}", f0.pts[0]);
    }

    #[test]
    fn grounding_keeps_a_foot_on_the_floor_and_the_hips_descend_in_a_squat() {
        let clip = recordings::squats_3d();
        let h: Vec<f64> = clip.frames.iter().map(|f| f.hip_mid()[1]).collect();
        let torso = clip.frames[0].torso();
        // The real squats drop the hips by about half a torso or more (frame ~10).
        let drop = (h[0] - h[10]) / torso;
        assert!(drop > 0.45, "hip drop {drop:.2} torso lengths");
        let mut raised = clip.frames[10].clone();
        raised.shift([0.0, 0.37, 0.0]);
        ground(&mut raised);
        assert!(raised.floor_gap().abs() < 1e-12);
    }

    #[test]
    fn narrowing_brings_the_ankles_to_half_a_shoulder_width() {
        let clip = narrow_stance(recordings::squats_3d(), 0.5, 0.5);
        for f in &clip.frames {
            let gap = (f.pts[ANKLE[0]][0] - f.pts[ANKLE[1]][0]).abs();
            let ratio = gap / clip.frames[0].shoulder_width();
            assert!(
                (ratio - 0.5).abs() < 1e-9,
                "ankles {ratio:.2} shoulder widths"
            );
            // Still a left and a right foot: no crossing.
            assert!(f.pts[ANKLE[0]][0] > f.pts[ANKLE[1]][0]);
        }
        // The knees moved half as far: still wider than the ankles.
        let f = &clip.frames[10];
        assert!(f.pts[KNEE[0]][0] - f.pts[KNEE[1]][0] > f.pts[ANKLE[0]][0] - f.pts[ANKLE[1]][0]);
    }

    #[test]
    fn a_shallow_bob_drops_the_hips_a_quarter_torso() {
        let clip = shallow(recordings::squats_3d(), 0.25);
        assert!((max_hip_drop_torso(&clip) - 0.25).abs() < 0.01);
        for f in &clip.frames {
            assert!(f.floor_gap().abs() < 1e-9);
            assert!(f.knee_angle() > 120.0, "a bob keeps the knees open");
        }
    }
}
