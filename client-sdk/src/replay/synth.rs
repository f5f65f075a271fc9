//! Synthesized squats: a person drawn by hand from body proportions (not from any recording),
//! facing the camera in a 720×1280 portrait image, squatting twice a pass.
//!
//! Geometry is on square units (x × 720/1280, y, both in image heights): the ankles, heels and
//! feet stay put; the hips drop by most of a thigh; the knees go out (from the camera, the
//! thighs foreshorten as they come forward, so the 2D knee angle closes to about 97°); the
//! upper body follows the hips, and the arms come forward to chest height.

use breakroom_protocol::{Landmark, PoseModel};

use super::Recording;

/// Frames per second of the synthesized pass.
const FPS: u32 = 15;
/// Seconds of standing before each squat.
const STAND_S: f64 = 0.5;
/// Seconds of one squat, down and up.
const SQUAT_S: f64 = 2.5;
/// Squats a pass.
const REPS: u32 = 2;
/// Width over height of the image.
const ASPECT: f64 = 720.0 / 1280.0;

/// The standing pose, BlazePose-33 order, `[x, y]` in square units about the body's centre
/// line (+x is the person's left, on the image's right as a camera facing them sees it).
const STANDING: [[f64; 2]; 33] = [
    [0.0, 0.170],    // 0 nose
    [0.012, 0.160],  // 1 left eye inner
    [0.018, 0.160],  // 2 left eye
    [0.024, 0.160],  // 3 left eye outer
    [-0.012, 0.160], // 4 right eye inner
    [-0.018, 0.160], // 5 right eye
    [-0.024, 0.160], // 6 right eye outer
    [0.035, 0.165],  // 7 left ear
    [-0.035, 0.165], // 8 right ear
    [0.012, 0.190],  // 9 mouth left
    [-0.012, 0.190], // 10 mouth right
    [0.075, 0.260],  // 11 left shoulder
    [-0.075, 0.260], // 12 right shoulder
    [0.085, 0.400],  // 13 left elbow
    [-0.085, 0.400], // 14 right elbow
    [0.090, 0.520],  // 15 left wrist
    [-0.090, 0.520], // 16 right wrist
    [0.094, 0.550],  // 17 left pinky
    [-0.094, 0.550], // 18 right pinky
    [0.090, 0.555],  // 19 left index
    [-0.090, 0.555], // 20 right index
    [0.082, 0.540],  // 21 left thumb
    [-0.082, 0.540], // 22 right thumb
    [0.050, 0.520],  // 23 left hip
    [-0.050, 0.520], // 24 right hip
    [0.052, 0.700],  // 25 left knee
    [-0.052, 0.700], // 26 right knee
    [0.052, 0.870],  // 27 left ankle
    [-0.052, 0.870], // 28 right ankle
    [0.055, 0.885],  // 29 left heel
    [-0.055, 0.885], // 30 right heel
    [0.060, 0.900],  // 31 left foot index
    [-0.060, 0.900], // 32 right foot index
];

/// How far the hips drop at the bottom, in image heights.
const HIP_DROP: f64 = 0.17;
/// How far each knee goes out at the bottom.
const KNEE_OUT: f64 = 0.045;

/// The pose at squat depth `p` (0 standing, 1 at the bottom).
fn pose(p: f64) -> Vec<Landmark> {
    let centre = 0.5 * ASPECT;
    STANDING
        .iter()
        .enumerate()
        .map(|(i, &[x, y])| {
            let side = x.signum();
            let (x, y) = match i {
                // The upper body follows the hips down.
                0..=12 => (x, y + p * HIP_DROP),
                // The arms come forward: from the front, the hands rise to chest height.
                13..=22 => {
                    let chest = STANDING[11][1] + 0.05 + (i as f64 - 13.0) * 0.002;
                    (x * (1.0 - 0.4 * p), y + p * (HIP_DROP + (chest - y)))
                }
                23 | 24 => (x, y + p * HIP_DROP),
                25 | 26 => (x + side * p * KNEE_OUT, y + p * 0.01),
                _ => (x, y),
            };
            Landmark {
                x: ((centre + x) / ASPECT) as f32,
                y: y as f32,
                z: None,
                visibility: 1.0,
            }
        })
        .collect()
}

/// 0 → 1 → 0 over a squat, smoothly.
fn depth(t: f64) -> f64 {
    let cycle = STAND_S + SQUAT_S;
    let u = (t % cycle - STAND_S) / SQUAT_S;
    if !(0.0..=1.0).contains(&u) {
        return 0.0;
    }
    (1.0 - (2.0 * std::f64::consts::PI * u).cos()) / 2.0
}

/// One pass: [`REPS`] squats at [`FPS`], standing at both ends.
pub(super) fn squats() -> Recording {
    let frames = (STAND_S + SQUAT_S) * f64::from(REPS) * f64::from(FPS);
    Recording {
        model: PoseModel::BlazePose33,
        frames: (0..frames.round() as u32)
            .map(|k| pose(depth(f64::from(k) / f64::from(FPS))))
            .collect(),
        fps: FPS as f32,
        aspect: ASPECT as f32,
    }
}
