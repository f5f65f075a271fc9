//! Synthetic motions: a standing frame (the first of the real squat recording, a person
//! facing the camera) animated joint by joint, for exercises without a real recording, and
//! the negatives. Geometry is done on square pixels (x scaled by the video's 720/1280) and
//! converted back to normalized coordinates.

use breakroom_protocol::PoseModel;

use crate::clip::{Clip, Frame, Rng};

/// Frame rate of the synthetic clips.
pub const HZ: u64 = 10;
/// Width over height of the source video (720x1280).
const ASPECT: f64 = 720.0 / 1280.0;

// BlazePose-33 indices.
const HEAD: std::ops::RangeInclusive<usize> = 0..=10;
const SHOULDER: [usize; 2] = [11, 12];
const ELBOW: [usize; 2] = [13, 14];
const WRIST: [usize; 2] = [15, 16];
const HAND: [[usize; 3]; 2] = [[17, 19, 21], [18, 20, 22]];
const HIP: [usize; 2] = [23, 24];
const KNEE: [usize; 2] = [25, 26];
const ANKLE: [usize; 2] = [27, 28];
const HEEL: [usize; 2] = [29, 30];
const TOE: [usize; 2] = [31, 32];
/// The person's left (index of the pairs above).
pub const LEFT: usize = 0;
/// The person's right.
pub const RIGHT: usize = 1;

/// A pose on square pixels: `[x, y]` with x scaled by [`ASPECT`].
#[derive(Debug, Clone)]
pub struct Body {
    /// Every landmark, `[x × ASPECT, y]`.
    pub pts: Vec<[f64; 2]>,
}

fn dist(a: [f64; 2], b: [f64; 2]) -> f64 {
    (a[0] - b[0]).hypot(a[1] - b[1])
}

fn mid(a: [f64; 2], b: [f64; 2]) -> [f64; 2] {
    [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0]
}

/// Rotates `p` about `c` by `deg`, clockwise on screen (y points down).
fn rotate(p: [f64; 2], c: [f64; 2], deg: f64) -> [f64; 2] {
    let (s, co) = deg.to_radians().sin_cos();
    let (dx, dy) = (p[0] - c[0], p[1] - c[1]);
    [c[0] + dx * co - dy * s, c[1] + dx * s + dy * co]
}

impl Body {
    /// The standing pose of frame 0 of a BlazePose clip.
    pub fn from_frame(frame: &Frame) -> Body {
        Body {
            pts: frame.lms.iter().map(|l| [l[0] * ASPECT, l[1]]).collect(),
        }
    }

    fn frame(&self, t_us: u64) -> Frame {
        Frame {
            t_us,
            lms: self
                .pts
                .iter()
                .map(|p| [p[0] / ASPECT, p[1], 1.0])
                .collect(),
        }
    }

    /// +1 if the person's left is towards larger x, else −1.
    fn outwards(&self, side: usize) -> f64 {
        let left_is_right = self.pts[SHOULDER[LEFT]][0] > self.pts[SHOULDER[RIGHT]][0];
        match (side == LEFT, left_is_right) {
            (true, true) | (false, false) => 1.0,
            _ => -1.0,
        }
    }

    /// Puts one arm at `elevation` degrees from hanging (outwards, in the image plane) with the
    /// elbow bent by `bend` degrees (the forearm raised further; elbow angle 180 − bend).
    pub fn set_arm(&mut self, side: usize, elevation: f64, bend: f64) {
        let s = self.pts[SHOULDER[side]];
        let upper = dist(s, self.pts[ELBOW[side]]);
        let fore = dist(self.pts[ELBOW[side]], self.pts[WRIST[side]]);
        let out = self.outwards(side);
        let dir = |deg: f64| {
            let (sn, cs) = deg.to_radians().sin_cos();
            [out * sn, cs]
        };
        let (du, df) = (dir(elevation), dir(elevation + bend));
        let elbow = [s[0] + upper * du[0], s[1] + upper * du[1]];
        let wrist = [elbow[0] + fore * df[0], elbow[1] + fore * df[1]];
        self.pts[ELBOW[side]] = elbow;
        self.pts[WRIST[side]] = wrist;
        for (k, &h) in HAND[side].iter().enumerate() {
            let reach = fore * (0.15 + 0.05 * k as f64);
            self.pts[h] = [wrist[0] + reach * df[0], wrist[1] + reach * df[1]];
        }
    }

    fn shift(&mut self, idx: impl IntoIterator<Item = usize>, dx: f64, dy: f64) {
        for i in idx {
            self.pts[i][0] += dx;
            self.pts[i][1] += dy;
        }
    }

    fn shoulder_mid(&self) -> [f64; 2] {
        mid(self.pts[SHOULDER[LEFT]], self.pts[SHOULDER[RIGHT]])
    }

    fn hip_mid(&self) -> [f64; 2] {
        mid(self.pts[HIP[LEFT]], self.pts[HIP[RIGHT]])
    }
}

/// Samples `pose(t_s)` at `hz` for `seconds`, with noise of `noise` on every coordinate.
pub fn animate(
    base: &Body,
    hz: u64,
    seconds: f64,
    noise: f64,
    seed: u64,
    pose: impl Fn(&mut Body, f64),
) -> Clip {
    let mut rng = Rng::new(seed);
    let count = (seconds * hz as f64).round() as u64;
    let frames = (0..=count)
        .map(|k| {
            let t_us = k * 1_000_000 / hz;
            let mut body = base.clone();
            pose(&mut body, t_us as f64 / 1e6);
            let mut frame = body.frame(t_us);
            for lm in &mut frame.lms {
                lm[0] += rng.gauss(noise);
                lm[1] += rng.gauss(noise);
            }
            frame
        })
        .collect();
    Clip {
        model: PoseModel::BlazePose33,
        frames,
    }
    .rounded()
}

/// Where `t` falls in a run of `reps` cycles of `period` seconds starting at `start`: the
/// cycle's index and the fraction done, or `None` outside the run.
fn cycle(t: f64, start: f64, period: f64, reps: u32) -> Option<(u32, f64)> {
    let u = (t - start) / period;
    if u < 0.0 || u >= f64::from(reps) {
        return None;
    }
    Some((u.floor() as u32, u.fract()))
}

/// 0 → 1 → 0 over a cycle, smoothly.
fn bump(u: f64) -> f64 {
    (1.0 - (2.0 * std::f64::consts::PI * u).cos()) / 2.0
}

/// Jumping jacks: arms from hanging to overhead, feet from together to 1.6 shoulder widths.
pub fn jumping_jacks(base: &Body, reps: u32, period: f64) -> Clip {
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let ankles = dist(base.pts[ANKLE[LEFT]], base.pts[ANKLE[RIGHT]]);
    let spread = (1.6 * sw - ankles) / 2.0;
    let seconds = 2.0 + f64::from(reps) * period;
    animate(base, HZ, seconds, 0.002, 11, |b, t| {
        let p = cycle(t, 1.0, period, reps).map_or(0.0, |(_, u)| bump(u));
        for side in [LEFT, RIGHT] {
            b.set_arm(side, 10.0 + 160.0 * p, 10.0);
            let out = b.outwards(side);
            b.shift([ANKLE[side], HEEL[side], TOE[side]], out * spread * p, 0.0);
            b.shift([KNEE[side]], out * spread * p / 2.0, 0.0);
        }
    })
}

/// Marching: knees lifted alternately (left first) by half a thigh, the foot coming up with
/// the knee.
pub fn march(base: &Body, steps: u32, step_s: f64) -> Clip {
    let thigh = dist(base.pts[HIP[LEFT]], base.pts[KNEE[LEFT]]);
    let seconds = 2.0 + f64::from(steps) * step_s;
    animate(base, HZ, seconds, 0.002, 12, |b, t| {
        if let Some((k, u)) = cycle(t, 1.0, step_s, steps) {
            let side = if k % 2 == 0 { LEFT } else { RIGHT };
            let lift = 0.5 * thigh * (std::f64::consts::PI * u).sin();
            b.shift([KNEE[side], ANKLE[side], HEEL[side], TOE[side]], 0.0, -lift);
        }
    })
}

/// Side bends alternately to the left and right: the upper body turns about the hips.
pub fn side_bends(base: &Body, reps: u32, period: f64, degrees: f64) -> Clip {
    let seconds = 2.0 + f64::from(reps) * period;
    animate(base, HZ, seconds, 0.002, 13, |b, t| {
        if let Some((k, u)) = cycle(t, 1.0, period, reps) {
            let sign = if k % 2 == 0 { 1.0 } else { -1.0 };
            // Clockwise on screen tilts the top towards larger x: the person's left when it
            // is on that side.
            let deg = sign * b.outwards(LEFT) * degrees * (std::f64::consts::PI * u).sin();
            let c = b.hip_mid();
            for p in b.pts.iter_mut().take(23) {
                *p = rotate(*p, c, deg);
            }
        }
    })
}

/// Calf raises: everything but the tips of the feet rises by `rise` (normalized height).
pub fn calf_raises(base: &Body, reps: u32, period: f64, rise: f64) -> Clip {
    let seconds = 2.0 + f64::from(reps) * period;
    animate(base, HZ, seconds, 0.001, 14, |b, t| {
        if let Some((_, u)) = cycle(t, 1.0, period, reps) {
            b.shift((0..33).filter(|i| !TOE.contains(i)), 0.0, -rise * bump(u));
        }
    })
}

/// Shoulder rolls: shoulders and arms rise by `fraction` of the nose-to-shoulders gap and
/// come back down.
pub fn shoulder_rolls(base: &Body, reps: u32, period: f64, fraction: f64) -> Clip {
    let gap = base.shoulder_mid()[1] - base.pts[0][1];
    let seconds = 2.0 + f64::from(reps) * period;
    animate(base, HZ, seconds, 0.001, 15, |b, t| {
        if let Some((_, u)) = cycle(t, 1.0, period, reps) {
            b.shift(11..=22, 0.0, -fraction * gap * bump(u));
        }
    })
}

/// Neck stretch: the head tilts `degrees` to the person's left, holds `hold` seconds, returns,
/// rests 2 s, then the same to the right.
pub fn neck_stretch(base: &Body, hold: f64, degrees: f64) -> Clip {
    let ramp = 0.5;
    let side_s = 2.0 * ramp + hold;
    let seconds = 1.0 + side_s + 2.0 + side_s + 1.0;
    animate(base, HZ, seconds, 0.001, 16, |b, t| {
        let amount = |start: f64| {
            let u = t - start;
            if u < 0.0 || u > side_s {
                0.0
            } else {
                (u / ramp).min(1.0).min((side_s - u) / ramp)
            }
        };
        let toward_left = b.outwards(LEFT) * degrees * amount(1.0);
        let toward_right = -b.outwards(LEFT) * degrees * amount(1.0 + side_s + 2.0);
        let pivot = b.shoulder_mid();
        for i in HEAD {
            b.pts[i] = rotate(b.pts[i], pivot, toward_left + toward_right);
        }
    })
}

/// Desk push-ups as a side view shows them: upper arms held forward (drawn at `elevation`),
/// the elbows bending from 170° to 80° and back.
pub fn pushups(base: &Body, reps: u32, period: f64, elevation: f64) -> Clip {
    let seconds = 2.0 + f64::from(reps) * period;
    animate(base, HZ, seconds, 0.002, 17, |b, t| {
        let raise = t.min(1.0);
        let bend = cycle(t, 1.0, period, reps).map_or(0.0, |(_, u)| bump(u));
        for side in [LEFT, RIGHT] {
            b.set_arm(side, elevation * raise, 10.0 + 90.0 * bend);
        }
    })
}

/// Standing still for `seconds`.
pub fn still(base: &Body, seconds: f64, noise: f64) -> Clip {
    animate(base, HZ, seconds, noise, 18, |_, _| {})
}

/// Both arms moving at random below shoulder height (targets every 0.6 s), legs still.
pub fn arm_waving(base: &Body, seconds: f64) -> Clip {
    let mut rng = Rng::new(19);
    let targets: Vec<[f64; 4]> = (0..=(seconds / 0.6) as usize + 1)
        .map(|_| {
            [
                rng.unit() * 110.0,
                rng.unit() * 100.0,
                rng.unit() * 110.0,
                rng.unit() * 100.0,
            ]
        })
        .collect();
    animate(base, HZ, seconds, 0.002, 20, |b, t| {
        let k = (t / 0.6) as usize;
        let w = (t / 0.6).fract();
        let (a, z) = (targets[k], targets[k + 1]);
        let at = |i: usize| a[i] + w * (z[i] - a[i]);
        b.set_arm(LEFT, at(0), at(1));
        b.set_arm(RIGHT, at(2), at(3));
    })
}

/// One arm (the right) swinging from 20° to 175° and back every `period` seconds; the other
/// hangs.
pub fn one_arm_overhead(base: &Body, seconds: f64, period: f64) -> Clip {
    animate(base, HZ, seconds, 0.002, 21, |b, t| {
        b.set_arm(RIGHT, 20.0 + 155.0 * bump(t / period), 5.0);
    })
}
