//! Synthetic motions, for exercises without a real recording and for the negatives: a
//! standing frame (the first of the real squat recording, a person facing the camera)
//! animated joint by joint ([`Body`], a front view), or a 3-D stick body with its segment
//! lengths ([`skeleton`]) for what a front view cannot draw (push-ups leaning on a desk, a
//! wall sit, lunges, squats towards the camera, bending forward). Geometry is done on square pixels
//! (x scaled by the video's 720/1280) and converted back to normalized coordinates.
//!
//! The motions try to look like a person, not a metronome ([`timing`]): each rep's duration
//! varies by up to ±20% and its amplitude by up to ±15%, some reps are followed by a short
//! pause, movements ease in and out and dwell at the turn, and every landmark carries noise
//! (σ [`NOISE`] of the image by default). The rest of the body does what it does in life: a
//! march swings the arms and sways the hips, a jumping jack leaves the ground, a side bend
//! pushes the hips the other way. Everything random is seeded ([`Capture`]), so a recipe
//! always makes the same clip, and the counts a recipe expects are those of the motion's
//! parameters (`reps`, `steps`), whatever the randomness draws.

pub mod skeleton;
pub mod timing;

use std::f64::consts::{PI, TAU};

use breakroom_protocol::PoseModel;

use crate::clip::{Clip, Frame, Rng};
use skeleton::{Arm, Lengths, Stance};
use timing::{AMPLITUDE_SPREAD, Schedule, bump, ease, wander};

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

fn len3(v: [f64; 3]) -> f64 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
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

    /// Swings a hanging arm forward (towards the camera) by `upper_deg` degrees, negative
    /// backwards, the forearm by `fore_deg` (more than `upper_deg` when the elbow bends): seen
    /// from the front, the upper arm only looks shorter and the forearm shorter still, or
    /// pointing up past 90°.
    pub fn swing_forward(&mut self, side: usize, upper_deg: f64, fore_deg: f64) {
        let s = self.pts[SHOULDER[side]];
        let e = self.pts[ELBOW[side]];
        let (ku, kf) = (upper_deg.to_radians().cos(), fore_deg.to_radians().cos());
        let elbow = [e[0], s[1] + (e[1] - s[1]) * ku];
        self.pts[ELBOW[side]] = elbow;
        for i in [WRIST[side], HAND[side][0], HAND[side][1], HAND[side][2]] {
            let p = self.pts[i];
            self.pts[i] = [p[0], elbow[1] + (p[1] - e[1]) * kf];
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

/// How a synthetic clip is captured: frame rate, the seed of its randomness (timing,
/// amplitudes, noise) and the noise on every landmark.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capture {
    /// Frames per second.
    pub hz: u64,
    /// Seed of everything random in the clip.
    pub seed: u64,
    /// Standard deviation of the gaussian-like noise on every x and y (normalized units).
    pub noise: f64,
    /// Every rep exactly as long and as large as given, no pauses (a measurement at a set
    /// pace, not a person).
    pub steady: bool,
}

impl Default for Capture {
    /// 10 Hz, seed 1, noise σ 0.003 of the image.
    fn default() -> Capture {
        Capture {
            hz: HZ,
            seed: 1,
            noise: NOISE,
            steady: false,
        }
    }
}

/// Default noise on every landmark, normalized units (a pose model's jitter on a still person).
pub const NOISE: f64 = 0.003;

/// Samples `pose(body, t_s)` at the capture's rate for `seconds`, with its noise on every
/// coordinate.
pub fn animate(base: &Body, cap: Capture, seconds: f64, pose: impl Fn(&mut Body, f64)) -> Clip {
    sample(cap, seconds, |t| {
        let mut body = base.clone();
        pose(&mut body, t);
        body
    })
}

/// Samples bodies at the capture's rate for `seconds`, with noise.
fn sample(cap: Capture, seconds: f64, body_at: impl Fn(f64) -> Body) -> Clip {
    let mut rng = Rng::new(cap.seed.wrapping_mul(0x9E37_79B9).wrapping_add(17));
    let count = (seconds * cap.hz as f64).round() as u64;
    let frames = (0..=count)
        .map(|k| {
            let t_us = k * 1_000_000 / cap.hz;
            let mut frame = body_at(t_us as f64 / 1e6).frame(t_us);
            for lm in &mut frame.lms {
                lm[0] += rng.gauss(cap.noise);
                lm[1] += rng.gauss(cap.noise);
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

/// Samples a 3-D stick body ([`skeleton`]) seen at `yaw_deg`, the whole clip shifted
/// sideways (one constant) so the person is centred where the standing frame's hips were, and
/// scaled down about the floor (one constant) if needed to fit the image's width.
fn animate_3d(
    base: &Body,
    cap: Capture,
    seconds: f64,
    yaw_deg: f64,
    stance: impl Fn(&Lengths, f64) -> Stance,
) -> Clip {
    let lengths = Lengths::of(base);
    let floor = (base.pts[ANKLE[LEFT]][1] + base.pts[ANKLE[RIGHT]][1]) / 2.0;
    let centre = base.hip_mid()[0];
    let body_at = |t: f64| {
        let pts = skeleton::pose(&lengths, &stance(&lengths, t));
        skeleton::project(&pts, yaw_deg, [0.0, floor])
    };
    let count = (seconds * cap.hz as f64).round() as u64;
    let (mut lo, mut hi) = (f64::MAX, f64::MIN);
    for k in 0..=count {
        for p in &body_at(k as f64 / cap.hz as f64).pts {
            lo = lo.min(p[0]);
            hi = hi.max(p[0]);
        }
    }
    // A camera far enough away that the person never takes more than 90% of the image's
    // width: everything scaled about the middle of the floor.
    let fit = (0.9 * ASPECT / (hi - lo)).min(1.0);
    let middle = (lo + hi) / 2.0;
    sample(cap, seconds, |t| {
        let mut body = body_at(t);
        for p in &mut body.pts {
            *p = [centre + (p[0] - middle) * fit, floor + (p[1] - floor) * fit];
        }
        body
    })
}

/// `count` reps from `start`: varied as a person would ([`Schedule::new`]) unless the
/// capture is steady.
fn schedule(count: u32, period: f64, start: f64, cap: Capture) -> Schedule {
    if cap.steady {
        Schedule::steady(count, period, start)
    } else {
        Schedule::new(count, period, start, cap.seed)
    }
}

/// A rep count's schedule starting after 1 s of standing, and the clip's length (1 s after
/// the last rep).
fn reps_schedule(reps: u32, period: f64, cap: Capture) -> (Schedule, f64) {
    let s = schedule(reps, period, 1.0, cap);
    let end = s.end(1.0) + 1.0;
    (s, end)
}

/// Jumping jacks: the arms swing from hanging to overhead (about 170°, elbows a little bent)
/// while the feet jump apart to 1.6 shoulder widths, then back; the whole body leaves the
/// ground a little (about 2% of the image) on each of the two hops of a jack.
pub fn jumping_jacks(base: &Body, reps: u32, period: f64, cap: Capture) -> Clip {
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let ankles = dist(base.pts[ANKLE[LEFT]], base.pts[ANKLE[RIGHT]]);
    let spread = (1.6 * sw - ankles) / 2.0;
    let (sched, seconds) = reps_schedule(reps, period, cap);
    animate(base, cap, seconds, |b, t| {
        let (p, hop) = match sched.at(t) {
            Some((_, u, r)) => {
                let p = r.amp * bump(u, r.peak);
                // Two hops: out (up to the peak) and in (after it).
                let hop = if u < r.peak {
                    (PI * u / r.peak).sin()
                } else {
                    (PI * (u - r.peak) / (1.0 - r.peak)).sin()
                };
                (p, hop)
            }
            None => (0.0, 0.0),
        };
        for side in [LEFT, RIGHT] {
            b.set_arm(side, (8.0 + 162.0 * p).min(178.0), 8.0 + 10.0 * p);
            let out = b.outwards(side);
            b.shift([ANKLE[side], HEEL[side], TOE[side]], out * spread * p, 0.0);
            b.shift([KNEE[side]], out * spread * p / 2.0, 0.0);
        }
        b.shift(0..33, 0.0, -0.02 * hop);
    })
}

/// Marching in place: knees lifted alternately (left first), the thigh swinging forward by
/// about 65° (the knee rising by more than half a thigh), the foot coming up with it; the opposite arm
/// swings forward, the hips sway over the standing leg.
pub fn march(base: &Body, steps: u32, step_s: f64, cap: Capture) -> Clip {
    let thigh = dist(base.pts[HIP[LEFT]], base.pts[KNEE[LEFT]]);
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let (sched, seconds) = reps_schedule(steps, step_s, cap);
    animate(base, cap, seconds, |b, t| {
        let Some((k, u, r)) = sched.at(t) else {
            return;
        };
        let side = if k % 2 == 0 { LEFT } else { RIGHT };
        let other = 1 - side;
        let lift = r.amp * bump(u, r.peak);
        let flexion = (65.0 * lift).to_radians();
        let rise = thigh * (1.0 - flexion.cos());
        // Hips over the standing leg, the lifted side's hip a little higher.
        let sway = b.outwards(other) * 0.1 * sw * (PI * u).sin();
        b.shift(0..=24, sway, 0.0);
        b.shift([KNEE[other]], sway / 2.0, 0.0);
        b.shift([HIP[side]], 0.0, -0.02 * thigh * lift);
        b.shift(
            [KNEE[side], ANKLE[side], HEEL[side], TOE[side]],
            sway / 2.0,
            -rise,
        );
        // Arms: the opposite one swings forward with the elbow bending (towards the camera:
        // it looks shorter, the hand comes up), the same-side one back.
        for (arm, upper, bend) in [
            (other, 30.0 * lift, 60.0 * lift),
            (side, -20.0 * lift, 10.0),
        ] {
            b.set_arm(arm, 6.0, 0.0);
            b.swing_forward(arm, upper, upper + bend);
        }
    })
}

/// Side bends alternately to the left and right: the upper body turns about the hips by
/// `degrees` (each rep's amplitude varied), the hips shift a little the other way, the arms
/// hang (the hand on the bending side sliding down the thigh).
pub fn side_bends(base: &Body, reps: u32, period: f64, degrees: f64, cap: Capture) -> Clip {
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let (sched, seconds) = reps_schedule(reps, period, cap);
    animate(base, cap, seconds, |b, t| {
        let Some((k, u, r)) = sched.at(t) else {
            return;
        };
        let towards = if k % 2 == 0 { LEFT } else { RIGHT };
        let level = r.amp * bump(u, r.peak);
        // Clockwise on screen tilts the top towards larger x.
        let deg = b.outwards(towards) * degrees * level;
        let hips = -b.outwards(towards) * 0.12 * sw * level;
        b.shift(0..=24, hips, 0.0);
        b.shift([KNEE[LEFT], KNEE[RIGHT]], hips / 2.0, 0.0);
        let c = b.hip_mid();
        for p in b.pts.iter_mut().take(23) {
            *p = rotate(*p, c, deg);
        }
        for side in [LEFT, RIGHT] {
            b.set_arm(side, 4.0, 6.0);
        }
    })
}

/// Calf raises: the whole body rises on the toes by `rise` (normalized height; each rep's
/// amplitude varied), heels up, the tips of the feet staying on the floor; a little sway as
/// the person balances.
pub fn calf_raises(base: &Body, reps: u32, period: f64, rise: f64, cap: Capture) -> Clip {
    let (sched, seconds) = reps_schedule(reps, period, cap);
    animate(base, cap, seconds, |b, t| {
        let level = sched.level(t);
        let sway = 0.004 * wander(t, 0.4, cap.seed) * level;
        b.shift((0..33).filter(|i| !TOE.contains(i)), 0.0, -rise * level);
        b.shift(0..=24, sway, 0.0);
    })
}

/// Shoulder rolls: the shoulders circle up, back and down (forwards first), lifting by
/// `fraction` of the nose-to-shoulders gap at the top and widening a little as they go back;
/// the arms hang from them; the head, hips and legs stay where they are.
pub fn shoulder_rolls(base: &Body, reps: u32, period: f64, fraction: f64, cap: Capture) -> Clip {
    let gap = base.shoulder_mid()[1] - base.pts[0][1];
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let (sched, seconds) = reps_schedule(reps, period, cap);
    animate(base, cap, seconds, |b, t| {
        let Some((_, u, r)) = sched.at(t) else {
            return;
        };
        let lift = fraction * gap * r.amp * bump(u, r.peak);
        // Forward (narrower) on the way up, back (wider) on the way down.
        let back = -(TAU * u).sin() * 0.04 * sw;
        for side in [LEFT, RIGHT] {
            let out = b.outwards(side);
            let arm = [
                SHOULDER[side],
                ELBOW[side],
                WRIST[side],
                HAND[side][0],
                HAND[side][1],
                HAND[side][2],
            ];
            b.shift(arm, out * back / 2.0, -lift);
        }
    })
}

/// Neck stretch: the head tilts `degrees` (varied ±15% per side) to the person's left over
/// [`NECK_RAMP_S`], holds `hold` seconds with a little tremor, returns; 2 s later the same to
/// the right. The shoulders tilt a degree or two the other way. In the pose, counted from
/// halfway into the tilt to halfway out of it: 2 × (`hold` + [`NECK_RAMP_S`]).
pub fn neck_stretch(base: &Body, hold: f64, degrees: f64, cap: Capture) -> Clip {
    let ramp = NECK_RAMP_S;
    let side_s = 2.0 * ramp + hold;
    let seconds = 1.0 + side_s + 2.0 + side_s + 1.0;
    let mut rng = Rng::new(cap.seed ^ 0x4ec4);
    let amps = [0, 1].map(|_| 1.0 + AMPLITUDE_SPREAD * (2.0 * rng.unit() - 1.0));
    animate(base, cap, seconds, |b, t| {
        let amount = |start: f64| {
            let u = t - start;
            if u < 0.0 || u > side_s {
                0.0
            } else {
                ease(u / ramp).min(ease((side_s - u) / ramp))
            }
        };
        let (l, r) = (amount(1.0), amount(1.0 + side_s + 2.0));
        let tremor = 2.0 * wander(t, 0.7, cap.seed) * (l + r);
        let tilt = b.outwards(LEFT) * (degrees * (amps[0] * l - amps[1] * r) + tremor);
        let pivot = b.shoulder_mid();
        for i in HEAD {
            b.pts[i] = rotate(b.pts[i], pivot, tilt);
        }
        let c = b.hip_mid();
        for p in b.pts.iter_mut().skip(11).take(12) {
            *p = rotate(*p, c, -0.05 * tilt);
        }
    })
}

/// Time to tilt the head into a neck stretch, or out of it.
pub const NECK_RAMP_S: f64 = 0.8;

/// Push-ups leaning on a desk, seen from the side (`yaw_deg`, 90 a pure side view): the
/// person stands facing the desk, leans onto its edge with straight arms (the body a straight
/// line from the ankles), does `reps` push-ups (elbows from about 170° down to about 80°, each
/// rep's depth varied, the body pivoting on the feet towards the desk until it is inclined
/// `lean_deg` from vertical, and back), then stands up again. The desk's edge is where the
/// forearms stand about upright at the bottom.
pub fn desk_pushups(
    base: &Body,
    reps: u32,
    period: f64,
    lean_deg: f64,
    yaw_deg: f64,
    cap: Capture,
) -> Clip {
    let start = 3.0;
    let sched = schedule(reps, period, start, cap);
    let end = sched.end(start);
    let seconds = end + 3.0;
    animate_3d(base, cap, seconds, yaw_deg, |l, t| {
        let hip_w = l.hip_w();
        let ankles = [[hip_w / 2.0, 0.0, 0.0], [-hip_w / 2.0, 0.0, 0.0]];
        let shoulder_at = |lean: f64| skeleton::up_leaning(lean).map(|c| c * (l.leg() + l.torso()));
        // The bottom of a full push-up (elbows at 80°) at `lean_deg`: the hands on the
        // desk's edge in front of the chest, about square to the body (along its belly-side
        // normal, a little towards the head), pushing along the forearms.
        let bottom = shoulder_at(lean_deg);
        let r_bottom = l.arm_reach(80.0);
        let along = skeleton::up_leaning(lean_deg);
        let belly = skeleton::up_leaning(lean_deg + 90.0);
        let towards = [0, 1, 2].map(|i| belly[i] + 0.35 * along[i]);
        let k = r_bottom / len3(towards);
        let desk = [bottom[1] + k * towards[1], bottom[2] + k * towards[2]];
        let d = |lean: f64| {
            let s = shoulder_at(lean);
            (s[1] - desk[0]).hypot(s[2] - desk[1])
        };
        // The lean that puts the shoulders `reach` from the desk's edge (the body pivoting on
        // the ankles), by bisection: the distance shrinks as the body leans further in.
        let lean_for = |reach: f64| {
            let (mut lo, mut hi) = (0.0, lean_deg + 20.0);
            for _ in 0..40 {
                let m = (lo + hi) / 2.0;
                if d(m) > reach { lo = m } else { hi = m }
            }
            (lo + hi) / 2.0
        };
        let reach_top = l.arm_reach(170.0);
        let top = lean_for(reach_top);
        let elbow = 170.0 - 90.0 * sched.level(t);
        // Leaning in over 1.2 s after 1 s, and out again after the last push-up.
        let on = ease((t - 1.2) / 1.2).min(ease((end + 1.8 - t) / 1.2));
        let lean = if on >= 1.0 {
            lean_for(l.arm_reach(elbow))
        } else {
            top * on
        };
        let hip = skeleton::up_leaning(lean).map(|c| c * l.leg());
        let arms = [LEFT, RIGHT].map(|side| {
            let sign = if side == LEFT { 1.0 } else { -1.0 };
            let hand = [sign * 0.9 * hip_w, desk[0], desk[1]];
            let shoulder = shoulder_at(lean);
            let hanging = [sign * 0.9 * hip_w, shoulder[1] + reach_top, shoulder[2]];
            let wrist = [0, 1, 2].map(|i| hanging[i] + on * (hand[i] - hanging[i]));
            // Elbows bend towards the feet, square to the shoulder-to-hand line in the body's
            // plane, and out a little.
            let (a, b) = (wrist[1] - shoulder[1], wrist[2] - shoulder[2]);
            let up = skeleton::up_leaning(lean);
            let flip = if -b * up[1] + a * up[2] > 0.0 {
                -1.0
            } else {
                1.0
            };
            let n = a.hypot(b).max(1e-9);
            skeleton::Arm::At {
                wrist,
                pole: [sign * 0.2, flip * -b / n, flip * a / n],
            }
        });
        Stance {
            hip,
            lean_deg: lean,
            nod_deg: -10.0 * on,
            ankles,
            arms,
            heel_lift_deg: [0.0; 2],
        }
    })
}

/// A wall sit seen from the side (`yaw_deg`): the person stands with the back against a wall,
/// feet a thigh's length in front of it, slides down over [`WALL_SIT_RAMP_S`] until the
/// thighs are horizontal (knees at 90°, shins vertical, back upright), holds `hold` seconds
/// (a little tremor), and pushes back up. In the pose, counted from halfway down to halfway
/// up: `hold` + [`WALL_SIT_RAMP_S`].
pub fn wall_sit(base: &Body, hold: f64, yaw_deg: f64, cap: Capture) -> Clip {
    let ramp = WALL_SIT_RAMP_S;
    let (down, up) = (1.5, 1.5 + ramp + hold);
    let seconds = up + ramp + 1.5;
    animate_3d(base, cap, seconds, yaw_deg, |l, t| {
        let (thigh, shin) = (l.thigh(), l.shin());
        let standing = ((0.985 * l.leg()).powi(2) - thigh * thigh).sqrt();
        let depth = ease((t - down) / ramp).min(ease((up + ramp - t) / ramp));
        let tremor = 0.004 * thigh * wander(t, 1.5, cap.seed) * depth;
        let height = standing + depth * (shin - standing) + tremor;
        let hip_w = l.hip_w();
        Stance {
            hip: [0.0, -height, -thigh],
            lean_deg: 0.0,
            nod_deg: 0.0,
            ankles: [[hip_w / 2.0, 0.0, 0.0], [-hip_w / 2.0, 0.0, 0.0]],
            arms: [Arm::HANG; 2],
            heel_lift_deg: [0.0; 2],
        }
    })
}

/// Time to slide into a wall sit, or out of it.
pub const WALL_SIT_RAMP_S: f64 = 1.2;

/// How the arms are held during [`squats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SquatArms {
    /// Hanging at the sides.
    Sides,
    /// Raised forward to shoulder height for balance (towards the camera in a front view).
    Forward,
    /// Hands clasped in front of the chest, elbows bent.
    Clasped,
}

/// Squats by a 3-D body (`yaw_deg` 0: facing the camera, the thighs coming towards it and
/// shortening in the image): feet at hip width, the hips going down and back until the
/// thighs are about horizontal (each rep's depth varied), the shins tilting forward, the
/// trunk leaning forward up to 40°. The arms rise to their position in the first second and
/// come down in the last.
pub fn squats(
    base: &Body,
    reps: u32,
    period: f64,
    arms: SquatArms,
    yaw_deg: f64,
    cap: Capture,
) -> Clip {
    let start = 1.5;
    let sched = schedule(reps, period, start, cap);
    let end = sched.end(start);
    let seconds = end + 1.5;
    animate_3d(base, cap, seconds, yaw_deg, |l, t| {
        let d = sched.level(t).min(1.1);
        let raised = ease(t / 1.0).min(ease((seconds - 0.2 - t) / 1.0));
        let lean = 40.0 * d;
        let shin_tilt = (35.0 * d).to_radians();
        let thigh_up = (90.0 - 82.0 * d).to_radians();
        let hip_w = l.hip_w();
        let ankle_x = 0.55 * hip_w;
        let knee = [
            0.0,
            -l.shin() * 0.995 * shin_tilt.cos(),
            l.shin() * shin_tilt.sin(),
        ];
        let hip = [
            0.0,
            knee[1] - l.thigh() * 0.995 * thigh_up.sin(),
            knee[2] - l.thigh() * thigh_up.cos(),
        ];
        let up = skeleton::up_leaning(lean);
        let fwd = skeleton::up_leaning(lean + 90.0);
        let arm = |sign: f64| match arms {
            SquatArms::Sides => Arm::HANG,
            SquatArms::Forward => Arm::Dir {
                dir: [0.0, 1.0 - raised, raised],
                elbow_deg: 172.0,
                pole: [0.0, 1.0, 0.0],
            },
            SquatArms::Clasped => {
                let chest =
                    [0, 1, 2].map(|i| hip[i] + up[i] * 0.75 * l.torso() + fwd[i] * 0.2 * l.torso());
                let shoulder = [
                    sign * 0.9 * hip_w,
                    hip[1] + up[1] * l.torso(),
                    hip[2] + up[2] * l.torso(),
                ];
                let hang = [shoulder[0], shoulder[1] + l.arm_reach(170.0), shoulder[2]];
                let wrist = [0, 1, 2]
                    .map(|i| hang[i] + raised * (chest[i] + [sign * 0.01, 0.0, 0.0][i] - hang[i]));
                Arm::At {
                    wrist,
                    pole: [sign, 0.6, -0.4],
                }
            }
        };
        Stance {
            hip,
            lean_deg: lean,
            nod_deg: -0.6 * lean,
            ankles: [[ankle_x, 0.0, 0.0], [-ankle_x, 0.0, 0.0]],
            arms: [arm(1.0), arm(-1.0)],
            heel_lift_deg: [0.0; 2],
        }
    })
}

/// Lunges, alternately with the left and the right leg forward (seen at `yaw_deg`): a step
/// forward of about a leg's length, the hips going straight down until the front thigh is
/// about level (the front shin upright, the back knee dropping towards the floor, the back
/// heel lifting onto the toes), up again, and a step back to standing; the trunk upright,
/// the arms hanging. Each lunge is a rep, either side.
pub fn lunges(base: &Body, reps: u32, period: f64, yaw_deg: f64, cap: Capture) -> Clip {
    let start = 1.0;
    let sched = schedule(reps, period, start, cap);
    let seconds = sched.end(start) + 1.0;
    animate_3d(base, cap, seconds, yaw_deg, |l, t| {
        let hip_w = l.hip_w();
        let x = [0.55 * hip_w, -0.55 * hip_w];
        let (front, step, depth) = match sched.at(t) {
            Some((k, u, r)) => {
                // Out over the first quarter, down and up over the middle half, back over
                // the last quarter.
                let out = ease(u / 0.25).min(ease((1.0 - u) / 0.25));
                let depth = r.amp.min(1.05) * bump(((u - 0.25) / 0.5).clamp(0.0, 1.0), r.peak);
                (k % 2, out, depth)
            }
            None => (LEFT, 0.0, 0.0),
        };
        let back = 1 - front;
        let stride = 1.05 * l.leg();
        let lift = 12.0 * step + 30.0 * depth;
        let mut ankles = [[x[0], 0.0, 0.0], [x[1], 0.0, 0.0]];
        ankles[front][2] = stride * step;
        // The stepping foot clears the floor on its way.
        ankles[front][1] = -0.03 * (PI * step).sin() * f64::from(u8::from(depth == 0.0));
        ankles[back] = skeleton::ankle_on_toes(ankles[back], lift);
        // Standing with the feet apart: the hips between them, as high as both legs reach;
        // at the bottom: above the point a thigh behind the front knee, at a shin's height.
        let mid_z = 0.45 * ankles[front][2];
        let reach = |ankle: [f64; 3]| {
            let dz = mid_z - ankle[2];
            -(((0.985 * l.leg()).powi(2) - dz * dz).max(0.0).sqrt()) + ankle[1]
        };
        let standing = [0.0, reach(ankles[front]).max(reach(ankles[back])), mid_z];
        let bottom = [0.0, -0.97 * l.shin(), ankles[front][2] - l.thigh()];
        let hip = [0, 1, 2].map(|i| standing[i] + depth * (bottom[i] - standing[i]));
        let mut heel_lift_deg = [0.0; 2];
        heel_lift_deg[back] = lift;
        Stance {
            hip,
            lean_deg: 5.0 * depth,
            nod_deg: 0.0,
            ankles,
            arms: [Arm::HANG; 2],
            heel_lift_deg,
        }
    })
}

/// Bending forward to pick something up, `times` times (seen at `yaw_deg`): the trunk pitches
/// forward to about 80° (the hips going back, the knees bending a little), the arms hanging
/// towards the floor, a moment down there, then up again, with a few seconds standing between.
pub fn bend_pick_up(base: &Body, times: u32, yaw_deg: f64, cap: Capture) -> Clip {
    let sched = Schedule::new(times, 4.0, 1.0, cap.seed);
    let seconds = sched.end(1.0) + 1.0;
    animate_3d(base, cap, seconds, yaw_deg, |l, t| {
        // Down in the first 40% of each 4 s, up in the next 40%, standing for the rest.
        let d = sched.at(t).map_or(0.0, |(_, u, r)| {
            r.amp.min(1.0) * bump((u / 0.8).min(1.0), 0.5)
        });
        let lean = 80.0 * d;
        let knee_bend = (25.0 * d).to_radians();
        let hip_w = l.hip_w();
        let height =
            l.thigh() * 0.995 * knee_bend.cos() + l.shin() * 0.995 * (knee_bend / 2.0).cos();
        Stance {
            hip: [0.0, -height, -0.35 * l.thigh() * d],
            lean_deg: lean,
            nod_deg: -20.0 * d,
            ankles: [[0.55 * hip_w, 0.0, 0.0], [-0.55 * hip_w, 0.0, 0.0]],
            arms: [Arm::Dir {
                dir: [0.0, 1.0, 0.1 + 0.3 * d],
                elbow_deg: 165.0,
                pole: [0.0, 0.0, -1.0],
            }; 2],
            heel_lift_deg: [0.0; 2],
        }
    })
}

/// Standing and talking: the head nods and turns a little, the shoulders shrug now and then
/// (by a tenth of the nose-to-shoulders gap, well short of a shoulder roll), the hands
/// gesture at waist height (elbows bending) and drop back, the weight shifts slightly.
pub fn talking(base: &Body, seconds: f64, cap: Capture) -> Clip {
    let gap = base.shoulder_mid()[1] - base.pts[0][1];
    let shrugs = Schedule::new((seconds / 3.0) as u32, 0.8, 1.5, cap.seed ^ 1);
    let gestures = Schedule::new((seconds / 3.5) as u32, 2.2, 0.5, cap.seed ^ 2);
    animate(base, cap, seconds, |b, t| {
        let nod = 0.006 * wander(t, 1.2, cap.seed ^ 3);
        let turn = 0.005 * wander(t, 0.5, cap.seed ^ 4);
        b.shift([0, 1, 2, 3, 4, 5, 6, 9, 10], turn, nod);
        b.shift([7, 8], turn / 2.0, nod / 3.0);
        let shrug = 0.1 * gap * shrugs.level(t);
        b.shift(11..=22, 0.0, -shrug);
        let g = gestures.level(t);
        for side in [LEFT, RIGHT] {
            let k = if side == LEFT { 5 } else { 6 };
            let w = wander(t, 0.8, cap.seed ^ k);
            b.set_arm(side, 8.0 + 20.0 * g, 10.0 + g * (75.0 + 20.0 * w));
        }
        b.shift(0..=24, 0.004 * wander(t, 0.2, cap.seed ^ 7), 0.0);
    })
}

/// Shifting the weight from foot to foot while standing, for `seconds`: the hips sway towards
/// the loaded leg, the other knee bends a little and its heel comes slightly up (less than a
/// calf raise), the shoulders tilt a few degrees.
pub fn weight_shift(base: &Body, seconds: f64, cap: Capture) -> Clip {
    let sw = dist(base.pts[SHOULDER[LEFT]], base.pts[SHOULDER[RIGHT]]);
    let sched = Schedule::new((seconds / 2.5) as u32, 2.2, 0.5, cap.seed);
    animate(base, cap, seconds, |b, t| {
        let Some((k, u, r)) = sched.at(t) else {
            return;
        };
        let loaded = if k % 2 == 0 { LEFT } else { RIGHT };
        let free = 1 - loaded;
        let level = r.amp * bump(u, r.peak);
        let sway = b.outwards(loaded) * 0.15 * sw * level;
        b.shift(0..=24, sway, 0.0);
        b.shift([KNEE[loaded]], sway / 2.0, 0.0);
        b.shift(
            [KNEE[free]],
            sway / 2.0 - b.outwards(free) * 0.01 * level,
            -0.004 * level,
        );
        b.shift([ANKLE[free], HEEL[free]], 0.0, -0.003 * level);
        let c = b.hip_mid();
        let tilt = b.outwards(loaded) * 4.0 * level;
        for p in b.pts.iter_mut().take(23) {
            *p = rotate(*p, c, -tilt);
        }
    })
}

/// Standing still for `seconds` (only the capture's noise moves).
pub fn still(base: &Body, seconds: f64, cap: Capture) -> Clip {
    animate(base, cap, seconds, |_, _| {})
}

/// Both arms moving at random below shoulder height (targets every 0.6 s), legs still.
pub fn arm_waving(base: &Body, seconds: f64, cap: Capture) -> Clip {
    let mut rng = Rng::new(19 ^ cap.seed);
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
    animate(base, cap, seconds, |b, t| {
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
pub fn one_arm_overhead(base: &Body, seconds: f64, period: f64, cap: Capture) -> Clip {
    animate(base, cap, seconds, |b, t| {
        let u = t / period;
        b.set_arm(RIGHT, 20.0 + 155.0 * (1.0 - (TAU * u).cos()) / 2.0, 5.0);
    })
}
