//! A virtual pinhole camera: a 3-D clip ([`crate::space`]) filmed from any direction into
//! normalized image coordinates, as a pose model running on that camera would report them.
//!
//! The recipe step:
//!
//! ```json
//! {"camera": {"yaw_deg": 30, "pitch_deg": -20, "distance_m": 2.5, "focal": 0.8, "aspect": [9, 16]}}
//! ```
//!
//! - `yaw_deg`: where the camera stands around the person: 0 in front, 90 at the person's left
//!   side, −90 at their right (a side view shows the person in profile), ±30 and ±60 between.
//! - `pitch_deg`: the camera's elevation seen from the point it looks at: −20 is a laptop
//!   camera low (near the floor) looking UP at the person, +20 a camera high looking down,
//!   0 level.
//! - `distance_m`: from the camera to the point it looks at (1.5–3 m in the fixtures).
//! - `look_at_m` (optional, default 0.9): the height of that point on the person's vertical
//!   axis, about the standing hips; it is the image centre.
//! - `focal`: the focal length in units of the image's longer side (0.71 is a 70° horizontal
//!   field of view on a landscape laptop camera; 0.8 a phone's main camera held upright).
//! - `aspect`: `[width, height]` of the image, e.g. `[9, 16]` portrait or `[16, 9]` landscape.
//!   Coordinates are normalized by each side (x / width, y / height), as pose models report.
//!
//! Before projecting, each frame is grounded ([`crate::space::ground`]). Every landmark of
//! every frame must land inside the image; generating a fixture whose person does not fit
//! panics (the recipe must move the camera back or widen it).
//!
//! Visibility: 1, except for the side turned away from the camera. When the body's left-right
//! axis (hip and shoulder lines) points away from the camera by more than 30° (|sin| of the
//! angle between the axis and the image plane above 0.5), the landmarks of the far side are
//! partly hidden behind the body: their visibility falls linearly from 1 to 0.67 (a model's
//! "probably visible") in a full side view. So 0.76 at 60°, 0.67 at 90°; nothing falls below
//! the detector's 0.5.

use serde::Deserialize;

use crate::clip::{BLAZE_POSE_PAIRS, Clip, Frame};
use crate::space::{self, Clip3, MODEL, P3, add, cross, dot, mul, sub, unit};

/// The camera step's parameters (see the module docs).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Camera {
    /// Around the person: 0 front, 90 their left side, −90 their right.
    pub yaw_deg: f64,
    /// Elevation of the camera seen from the point it looks at: negative looks up.
    pub pitch_deg: f64,
    /// From the camera to the point it looks at, metres.
    pub distance_m: f64,
    /// Height of the point looked at (the image centre), metres.
    #[serde(default = "default_look_at")]
    pub look_at_m: f64,
    /// Focal length in image long sides.
    pub focal: f64,
    /// `[width, height]` of the image.
    pub aspect: [f64; 2],
}

fn default_look_at() -> f64 {
    0.9
}

/// Smallest margin from the image's edge every projected landmark keeps.
const MARGIN: f64 = 0.01;

impl Camera {
    /// The camera's position and its right, up and forward axes.
    fn pose(&self) -> (P3, [P3; 3]) {
        let (sy, cy) = self.yaw_deg.to_radians().sin_cos();
        let (sp, cp) = self.pitch_deg.to_radians().sin_cos();
        let target = [0.0, self.look_at_m, 0.0];
        let pos = add(target, mul([cp * sy, sp, cp * cy], self.distance_m));
        let forward = unit(sub(target, pos));
        let right = unit(cross(forward, [0.0, 1.0, 0.0]));
        let up = cross(right, forward);
        (pos, [right, up, forward])
    }

    /// `p` in normalized image coordinates, and its depth in metres.
    pub fn project(&self, p: P3) -> (f64, f64, f64) {
        let (pos, [right, up, forward]) = self.pose();
        let v = sub(p, pos);
        let (xc, yc, zc) = (dot(v, right), dot(v, up), dot(v, forward));
        let [w, h] = self.aspect;
        let long = w.max(h);
        let (fx, fy) = (self.focal * long / w, self.focal * long / h);
        (0.5 + fx * xc / zc, 0.5 - fy * yc / zc, zc)
    }

    /// The side turned away from the camera (0 left, 1 right) and its visibility.
    fn far_side(&self, f: &space::Frame3) -> (usize, f64) {
        let (_, [_, _, forward]) = self.pose();
        let mut axis = [0.0; 3];
        for pair in [space::HIP, space::SHOULDER] {
            axis = add(axis, sub(f.pts[pair[0]], f.pts[pair[1]]));
        }
        axis[1] = 0.0;
        let away = dot(unit(axis), forward);
        let share = ((away.abs() - 0.5) / 0.5).clamp(0.0, 1.0);
        (usize::from(away < 0.0), 1.0 - 0.33 * share)
    }

    /// The clip as this camera films it: grounded, projected, with the visibility of hidden
    /// landmarks lowered. Panics when a landmark falls outside the image.
    pub fn film(&self, clip: &Clip3) -> Clip {
        let frames = clip
            .frames
            .iter()
            .map(|f| {
                let mut f = f.clone();
                space::ground(&mut f);
                let projected: Vec<(f64, f64, f64)> =
                    f.pts.iter().map(|&p| self.project(p)).collect();
                let mut lms: Vec<[f64; 3]> =
                    projected.iter().map(|&(x, y, _)| [x, y, 1.0]).collect();
                let (hidden, visibility) = self.far_side(&f);
                for pair in BLAZE_POSE_PAIRS {
                    let far = if hidden == 0 { pair.0 } else { pair.1 };
                    lms[far][2] = visibility;
                }
                for (i, &[x, y, _]) in lms.iter().enumerate() {
                    let inside = (MARGIN..=1.0 - MARGIN).contains(&x)
                        && (MARGIN..=1.0 - MARGIN).contains(&y);
                    assert!(
                        inside,
                        "camera {self:?}: landmark {i} at ({x:.3}, {y:.3}) at {} µs is outside \
                         the image; move the camera back or widen it",
                        f.t_us
                    );
                }
                Frame { t_us: f.t_us, lms }
            })
            .collect();
        Clip {
            model: MODEL,
            frames,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::recordings;
    use crate::space::{ANKLE, HIP, SHOULDER};

    /// A phone held upright at 2.5 m, or a laptop camera at 3 m.
    fn camera(yaw: f64, pitch: f64, aspect: [f64; 2]) -> Camera {
        let portrait = aspect[1] > aspect[0];
        Camera {
            yaw_deg: yaw,
            pitch_deg: pitch,
            distance_m: if portrait { 2.5 } else { 3.0 },
            look_at_m: 0.9,
            focal: if portrait { 0.8 } else { 0.6 },
            aspect,
        }
    }

    fn standing() -> Clip3 {
        recordings::squats_3d().cut(0..1)
    }

    #[test]
    fn a_standing_body_in_front_is_upright_centred_and_of_human_proportions() {
        for aspect in [[9.0, 16.0], [16.0, 9.0]] {
            let f = &camera(0.0, 0.0, aspect).film(&standing()).frames[0];
            let y = |i: usize| f.lms[i][1];
            let mean = |a: usize, b: usize| (y(a) + y(b)) / 2.0;
            // Head above shoulders above hips above knees above feet (y grows downwards).
            assert!(y(0) < mean(11, 12) && mean(11, 12) < mean(23, 24));
            assert!(mean(23, 24) < mean(25, 26) && mean(25, 26) < mean(27, 28));
            // Square pixels: height over shoulder width, as a person (3.5-7).
            let [w, h] = aspect;
            let px = |i: usize| [f.lms[i][0] * w, f.lms[i][1] * h];
            let height = (px(27)[1] + px(28)[1]) / 2.0 - px(0)[1];
            let shoulders = (px(11)[0] - px(12)[0]).abs();
            let ratio = height / shoulders;
            assert!((3.5..7.0).contains(&ratio), "{ratio}");
            // Facing the camera: the person's left on the image's right.
            assert!(f.lms[SHOULDER[0]][0] > f.lms[SHOULDER[1]][0]);
            assert!(f.lms.iter().all(|l| l[2] > 0.99));
        }
    }

    #[test]
    fn a_side_view_collapses_the_shoulders_and_hides_the_far_side_a_little() {
        let front = &camera(0.0, 0.0, [9.0, 16.0]).film(&standing()).frames[0];
        let side = &camera(90.0, 0.0, [9.0, 16.0]).film(&standing()).frames[0];
        let width = |f: &Frame, pair: [usize; 2]| (f.lms[pair[0]][0] - f.lms[pair[1]][0]).abs();
        assert!(width(side, SHOULDER) < 0.25 * width(front, SHOULDER));
        assert!(width(side, HIP) < 0.25 * width(front, HIP));
        // Yaw 90 films the left side: the right shoulder is behind, partly hidden.
        assert!(side.lms[SHOULDER[1]][2] < 0.9 && side.lms[SHOULDER[1]][2] >= 0.66);
        assert!(side.lms[SHOULDER[0]][2] > 0.99);
    }

    #[test]
    fn a_camera_looking_up_sees_the_feet_larger_than_the_head() {
        // From below, the feet are nearer than the head: the image is taller below the hips.
        let up = &camera(0.0, -20.0, [9.0, 16.0]).film(&standing()).frames[0];
        let down = &camera(0.0, 20.0, [9.0, 16.0]).film(&standing()).frames[0];
        let legs_over_upper = |f: &Frame| {
            let hip = (f.lms[HIP[0]][1] + f.lms[HIP[1]][1]) / 2.0;
            let ankle = (f.lms[ANKLE[0]][1] + f.lms[ANKLE[1]][1]) / 2.0;
            (ankle - hip) / (hip - f.lms[0][1])
        };
        assert!(legs_over_upper(up) > legs_over_upper(down) * 1.1);
    }

    #[test]
    #[should_panic(expected = "outside the image")]
    fn a_person_who_does_not_fit_fails_loudly() {
        let mut close = camera(0.0, 0.0, [16.0, 9.0]);
        close.distance_m = 1.0;
        close.focal = 1.5;
        close.film(&standing());
    }
}
