//! What trackers get wrong, as recipe steps on 2-D clips, and the 2-D measures they (and the
//! report of the fixtures) use.
//!
//! - `glitches` ([`glitches`]): single-frame tracking glitches. About every `every_s` seconds
//!   (±30%, seeded) one landmark of `landmarks` jumps `jump[0]`–`jump[1]` of the image in a
//!   random direction for one frame (one time in three for two frames) and comes back.
//! - `swap_legs` ([`swap_legs`]): about every `every_s` seconds (±30%) the left and right leg
//!   landmarks (hips, knees, ankles, heels, toes) trade places for one frame, as a tracker does
//!   in a side view.
//! - `drop_knee_angle` ([`drop_knee_angle`]): capture gaps at the phase changes: every frame
//!   whose mean 2-D knee angle (measured on square pixels of an `aspect` image) lies between
//!   `from_deg` and `to_deg` is dropped, so a squat's way down and up is missing and only
//!   standing and the bottom remain.

use serde::Deserialize;

use crate::clip::{Clip, Rng};

/// The `glitches` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Glitches {
    /// Mean time between glitches, seconds.
    pub every_s: f64,
    /// The landmarks that may jump (BlazePose indices).
    pub landmarks: Vec<usize>,
    /// The jump's length, least and most, in normalized image units.
    pub jump: [f64; 2],
    /// The generator's seed.
    pub seed: u64,
}

/// The `swap_legs` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SwapLegs {
    /// Mean time between swaps, seconds.
    pub every_s: f64,
    /// The generator's seed.
    pub seed: u64,
}

/// The `drop_knee_angle` step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropKneeAngle {
    /// Lower bound of the dropped knee angles, degrees.
    pub from_deg: f64,
    /// Upper bound, degrees.
    pub to_deg: f64,
    /// `[width, height]` of the image the angle is measured on.
    pub aspect: [f64; 2],
}

/// The left/right leg pairs of BlazePose-33.
const LEG_PAIRS: [(usize, usize); 5] = [(23, 24), (25, 26), (27, 28), (29, 30), (31, 32)];

/// Indices of the frames that get an event about every `every_s` seconds (±30%).
fn events(clip: &Clip, every_s: f64, rng: &mut Rng) -> Vec<usize> {
    let Some(first) = clip.frames.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut next = first.t_us as f64 + every_s * 1e6 * (0.7 + 0.6 * rng.unit());
    for (i, f) in clip.frames.iter().enumerate() {
        if f.t_us as f64 >= next {
            out.push(i);
            next = f.t_us as f64 + every_s * 1e6 * (0.7 + 0.6 * rng.unit());
        }
    }
    out
}

/// See the module docs. A jump that would leave the image goes the other way.
pub fn glitches(mut clip: Clip, step: &Glitches) -> Clip {
    let mut rng = Rng::new(step.seed);
    for i in events(&clip, step.every_s, &mut rng) {
        let which = step.landmarks[(rng.next_u64() % step.landmarks.len() as u64) as usize];
        let len = step.jump[0] + (step.jump[1] - step.jump[0]) * rng.unit();
        let (s, c) = (rng.unit() * std::f64::consts::TAU).sin_cos();
        let frames = if rng.unit() < 1.0 / 3.0 { 2 } else { 1 };
        let first = clip.frames[i].lms[which];
        let mut d = [c * len, s * len];
        for (axis, v) in d.iter_mut().enumerate() {
            if !(0.02..=0.98).contains(&(first[axis] + *v)) {
                *v = -*v;
            }
        }
        let last = (i + frames).min(clip.frames.len());
        for f in &mut clip.frames[i..last] {
            let lm = &mut f.lms[which];
            lm[0] = (lm[0] + d[0]).clamp(0.02, 0.98);
            lm[1] = (lm[1] + d[1]).clamp(0.02, 0.98);
        }
    }
    clip
}

/// See the module docs.
pub fn swap_legs(mut clip: Clip, step: &SwapLegs) -> Clip {
    let mut rng = Rng::new(step.seed);
    for i in events(&clip, step.every_s, &mut rng) {
        for (l, r) in LEG_PAIRS {
            clip.frames[i].lms.swap(l, r);
        }
    }
    clip
}

/// The angle at `b` between `a` and `c` in degrees, on square pixels of an `aspect` image.
pub fn angle_2d(a: [f64; 3], b: [f64; 3], c: [f64; 3], aspect: [f64; 2]) -> f64 {
    let [w, h] = aspect;
    let (ux, uy) = ((a[0] - b[0]) * w, (a[1] - b[1]) * h);
    let (vx, vy) = ((c[0] - b[0]) * w, (c[1] - b[1]) * h);
    let cos = (ux * vx + uy * vy) / (ux.hypot(uy) * vx.hypot(vy));
    cos.clamp(-1.0, 1.0).acos().to_degrees()
}

/// The mean hip–knee–ankle angle of both legs (BlazePose), on square pixels of an `aspect`
/// image.
pub fn knee_angle_2d(lms: &[[f64; 3]], aspect: [f64; 2]) -> f64 {
    (angle_2d(lms[23], lms[25], lms[27], aspect) + angle_2d(lms[24], lms[26], lms[28], aspect))
        / 2.0
}

/// See the module docs.
pub fn drop_knee_angle(clip: Clip, step: &DropKneeAngle) -> Clip {
    clip.filter(|f| {
        let a = knee_angle_2d(&f.lms, step.aspect);
        !(step.from_deg..=step.to_deg).contains(&a)
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::recordings;

    #[test]
    fn a_glitch_jumps_one_landmark_for_a_frame_or_two_and_back() {
        let clean = recordings::squats().resample(30);
        let step = Glitches {
            every_s: 0.7,
            landmarks: vec![25, 26, 27, 28],
            jump: [0.13, 0.25],
            seed: 3,
        };
        let glitched = glitches(clean.clone(), &step);
        let mut runs = 0;
        let mut run = 0;
        for (a, b) in clean.frames.iter().zip(&glitched.frames) {
            let moved: Vec<usize> = (0..33).filter(|&i| a.lms[i] != b.lms[i]).collect();
            assert!(moved.len() <= 1, "one landmark at a time: {moved:?}");
            if let [i] = moved[..] {
                let d = (a.lms[i][0] - b.lms[i][0]).hypot(a.lms[i][1] - b.lms[i][1]);
                assert!((0.1..=0.26).contains(&d), "{d}");
                run += 1;
            } else if run > 0 {
                assert!(run <= 2, "{run} frames");
                runs += 1;
                run = 0;
            }
        }
        // 13 s, one every 0.5-0.9 s.
        assert!((12..=24).contains(&runs), "{runs}");
    }

    #[test]
    fn a_capture_gap_keeps_standing_and_the_bottom_only() {
        let clip = recordings::squats().resample(15);
        let aspect = [720.0, 1280.0];
        let gapped = drop_knee_angle(
            clip.clone(),
            &DropKneeAngle {
                from_deg: 115.0,
                to_deg: 160.0,
                aspect,
            },
        );
        assert!(gapped.frames.len() < clip.frames.len() * 9 / 10);
        let bottoms = gapped
            .frames
            .iter()
            .filter(|f| knee_angle_2d(&f.lms, aspect) < 115.0)
            .count();
        assert!(bottoms > 5, "{bottoms}");
    }
}
