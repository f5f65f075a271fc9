//! A 3-D stick body, for the synthetic motions a flat front view cannot draw: push-ups leaning
//! on a desk and a wall sit seen from the side, squats with the thighs coming towards the
//! camera, bending forward. Its segment lengths are the standing frame's; it is posed in 3-D
//! (limbs placed by two-bone inverse kinematics), turned to the camera's yaw and projected
//! orthographically onto the image (square pixels, as [`Body`] holds them).
//!
//! World axes: x towards the person's left, y down (the floor is at the standing frame's
//! ankle height, plus the heel), z the way the person faces.

use super::{ANKLE, Body, ELBOW, HAND, HEEL, HIP, KNEE, LEFT, RIGHT, SHOULDER, TOE, WRIST};

/// A point or direction in world coordinates.
pub type V3 = [f64; 3];

fn add(a: V3, b: V3) -> V3 {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}

fn sub(a: V3, b: V3) -> V3 {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

fn mul(a: V3, k: f64) -> V3 {
    [a[0] * k, a[1] * k, a[2] * k]
}

fn dot(a: V3, b: V3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn len(a: V3) -> f64 {
    dot(a, a).sqrt()
}

fn unit(a: V3) -> V3 {
    let l = len(a);
    if l < 1e-12 {
        [0.0, 1.0, 0.0]
    } else {
        mul(a, 1.0 / l)
    }
}

/// The direction `deg` degrees forward of straight up (a trunk leaning forward), in the
/// body's sagittal plane.
pub fn up_leaning(deg: f64) -> V3 {
    let (s, c) = deg.to_radians().sin_cos();
    [0.0, -c, s]
}

/// The standing frame's segment lengths and face, in square-pixel image units.
#[derive(Debug, Clone)]
pub struct Lengths {
    shoulder_w: f64,
    hip_w: f64,
    torso: f64,
    upper_arm: f64,
    forearm: f64,
    thigh: f64,
    shin: f64,
    /// Ear midpoint above the shoulder midpoint.
    neck: f64,
    /// Each head landmark (0..=10) from the ear midpoint: (sideways, down, forward).
    face: Vec<V3>,
}

fn mean_dist(b: &Body, pairs: [[usize; 2]; 2]) -> f64 {
    let d = |[i, j]: [usize; 2]| (b.pts[i][0] - b.pts[j][0]).hypot(b.pts[i][1] - b.pts[j][1]);
    (d(pairs[0]) + d(pairs[1])) / 2.0
}

impl Lengths {
    /// The lengths of a standing front view.
    pub fn of(base: &Body) -> Lengths {
        let p = &base.pts;
        let mid = |a: usize, b: usize| [(p[a][0] + p[b][0]) / 2.0, (p[a][1] + p[b][1]) / 2.0];
        let sm = mid(SHOULDER[LEFT], SHOULDER[RIGHT]);
        let hm = mid(HIP[LEFT], HIP[RIGHT]);
        let ears = mid(7, 8);
        let width = |a: usize, b: usize| (p[a][0] - p[b][0]).abs();
        // The person's left is towards larger x in the standing frame; `side` turns image x
        // into world x whichever way it is.
        let side = if p[SHOULDER[LEFT]][0] > p[SHOULDER[RIGHT]][0] {
            1.0
        } else {
            -1.0
        };
        let face = (0..=10)
            .map(|i| {
                let forward = match i {
                    7 | 8 => 0.0,
                    0 => 0.035,
                    _ => 0.028,
                };
                [side * (p[i][0] - ears[0]), p[i][1] - ears[1], forward]
            })
            .collect();
        Lengths {
            shoulder_w: width(SHOULDER[LEFT], SHOULDER[RIGHT]),
            hip_w: width(HIP[LEFT], HIP[RIGHT]),
            torso: (sm[0] - hm[0]).hypot(sm[1] - hm[1]),
            upper_arm: mean_dist(base, [[11, 13], [12, 14]]),
            forearm: mean_dist(base, [[13, 15], [14, 16]]),
            thigh: mean_dist(base, [[23, 25], [24, 26]]),
            shin: mean_dist(base, [[25, 27], [26, 28]]),
            neck: sm[1] - ears[1],
            face,
        }
    }

    /// Hip (joint) to ankle with the leg straight.
    pub fn leg(&self) -> f64 {
        self.thigh + self.shin
    }

    /// Thigh length.
    pub fn thigh(&self) -> f64 {
        self.thigh
    }

    /// Shin length.
    pub fn shin(&self) -> f64 {
        self.shin
    }

    /// Shoulder midpoint to hip midpoint.
    pub fn torso(&self) -> f64 {
        self.torso
    }

    /// Shoulder to wrist with the elbow at `elbow_deg` (180 straight).
    pub fn arm_reach(&self, elbow_deg: f64) -> f64 {
        let (u, f) = (self.upper_arm, self.forearm);
        (u * u + f * f - 2.0 * u * f * elbow_deg.to_radians().cos()).sqrt()
    }

    /// Hip width.
    pub fn hip_w(&self) -> f64 {
        self.hip_w
    }

    /// Standing height, ankles to the top of the head (about the ears' height above the
    /// shoulders again above them).
    pub fn height(&self) -> f64 {
        self.leg() + self.torso + 1.6 * self.neck
    }
}

/// Where an arm goes.
#[derive(Debug, Clone, Copy)]
pub enum Arm {
    /// The wrist at a point (a hand on a desk, hands clasped); the elbow bends towards `pole`.
    At {
        /// The wrist.
        wrist: V3,
        /// Which way the elbow points.
        pole: V3,
    },
    /// The arm pointing along `dir` from the shoulder with the elbow at `elbow_deg`, bending
    /// towards `pole`.
    Dir {
        /// From the shoulder to the wrist.
        dir: V3,
        /// Elbow angle (180 straight).
        elbow_deg: f64,
        /// Which way the elbow points.
        pole: V3,
    },
}

impl Arm {
    /// Hanging at the side, the elbow almost straight.
    pub const HANG: Arm = Arm::Dir {
        dir: [0.0, 1.0, 0.05],
        elbow_deg: 170.0,
        pole: [0.0, 0.0, -1.0],
    };
}

/// A pose, in world coordinates.
#[derive(Debug, Clone, Copy)]
pub struct Stance {
    /// The hip joints' midpoint.
    pub hip: V3,
    /// Trunk lean forward from vertical, degrees.
    pub lean_deg: f64,
    /// Head pitched forward (a nod) relative to the trunk, degrees.
    pub nod_deg: f64,
    /// The ankles (left, right); each leg reaches as far towards its ankle as it can.
    pub ankles: [V3; 2],
    /// The arms (left, right).
    pub arms: [Arm; 2],
    /// How far each heel is lifted, the foot pivoting down about the ankle (left, right),
    /// degrees: a back foot on its toes in a lunge.
    pub heel_lift_deg: [f64; 2],
}

/// A foot's heel and toe from its ankle, the foot pitched down by `lift_deg` (heel up).
fn foot(ankle: V3, sign: f64, lift_deg: f64) -> (V3, V3) {
    let (s, c) = lift_deg.to_radians().sin_cos();
    let pitch = |[x, y, z]: V3| [x, y * c + z * s, z * c - y * s];
    (
        add(ankle, pitch([0.0, 0.022, -0.03])),
        add(ankle, pitch([sign * 0.01, 0.04, 0.12])),
    )
}

/// Where the ankle goes so that a foot with its heel lifted by `lift_deg` keeps its toe on the
/// floor, for an ankle at `ankle` when the foot is flat.
pub fn ankle_on_toes(ankle: V3, lift_deg: f64) -> V3 {
    let (s, c) = lift_deg.to_radians().sin_cos();
    [
        ankle[0],
        ankle[1] + 0.04 - (0.04 * c + 0.12 * s),
        ankle[2] + 0.12 - (0.12 * c - 0.04 * s),
    ]
}

/// Where the knee goes from `hip` to `ankle`, and the ankle it reaches, by two-bone inverse
/// kinematics in the plane of the limb and `pole`.
fn two_bone(root: V3, end: V3, a: f64, b: f64, pole: V3) -> (V3, V3) {
    let axis = sub(end, root);
    let d = len(axis).clamp((a - b).abs() + 1e-6, a + b - 1e-6);
    let e1 = unit(axis);
    let end = add(root, mul(e1, d));
    let along = (a * a - b * b + d * d) / (2.0 * d);
    let h = (a * a - along * along).max(0.0).sqrt();
    let e2 = unit(sub(pole, mul(e1, dot(pole, e1))));
    (add(add(root, mul(e1, along)), mul(e2, h)), end)
}

/// The 33 BlazePose landmarks of a stance, in world coordinates.
pub fn pose(l: &Lengths, s: &Stance) -> Vec<V3> {
    let mut pts = vec![[0.0; 3]; 33];
    let up = up_leaning(s.lean_deg);
    let shoulders = add(s.hip, mul(up, l.torso));
    for (side, sign) in [(LEFT, 1.0), (RIGHT, -1.0)] {
        pts[HIP[side]] = add(s.hip, [sign * l.hip_w / 2.0, 0.0, 0.0]);
        pts[SHOULDER[side]] = add(shoulders, [sign * l.shoulder_w / 2.0, 0.0, 0.0]);
        // Knees point forward, a little out (over the toes).
        let (knee, ankle) = two_bone(
            pts[HIP[side]],
            s.ankles[side],
            l.thigh,
            l.shin,
            [sign * 0.15, 0.0, 1.0],
        );
        pts[KNEE[side]] = knee;
        pts[ANKLE[side]] = ankle;
        let (heel, toe) = foot(ankle, sign, s.heel_lift_deg[side]);
        pts[HEEL[side]] = heel;
        pts[TOE[side]] = toe;
        let shoulder = pts[SHOULDER[side]];
        let (wrist, pole) = match s.arms[side] {
            Arm::At { wrist, pole } => (wrist, pole),
            Arm::Dir {
                dir,
                elbow_deg,
                pole,
            } => (add(shoulder, mul(unit(dir), l.arm_reach(elbow_deg))), pole),
        };
        let (elbow, wrist) = two_bone(shoulder, wrist, l.upper_arm, l.forearm, pole);
        pts[ELBOW[side]] = elbow;
        pts[WRIST[side]] = wrist;
        let fore = unit(sub(wrist, elbow));
        for (k, &h) in HAND[side].iter().enumerate() {
            let reach = l.forearm * (0.15 + 0.05 * k as f64);
            pts[h] = add(wrist, mul(fore, reach));
        }
    }
    let head_up = up_leaning(s.lean_deg + s.nod_deg);
    let head_fwd = up_leaning(s.lean_deg + s.nod_deg + 90.0);
    let ears = add(shoulders, mul(head_up, l.neck));
    for (i, o) in l.face.iter().enumerate() {
        pts[i] = add(
            add(add(ears, [o[0], 0.0, 0.0]), mul(head_up, -o[1])),
            mul(head_fwd, o[2]),
        );
    }
    pts
}

/// The landmarks seen by a camera turned `yaw_deg` about the vertical (0: the person faces
/// the camera, their left towards larger x as in the standing frame; 90: seen from their
/// right side, facing larger x), projected orthographically with the world origin at
/// `origin` in the image.
pub fn project(pts: &[V3], yaw_deg: f64, origin: [f64; 2]) -> Body {
    let (s, c) = yaw_deg.to_radians().sin_cos();
    Body {
        pts: pts
            .iter()
            .map(|p| [origin[0] + p[0] * c + p[2] * s, origin[1] + p[1]])
            .collect(),
    }
}
