//! Forward lunges synthesized in 3-D ([`crate::space`] coordinates) from a standing body: no
//! public recording of lunges with a usable licence exists.
//!
//! Each lunge, alternating sides (the left leg first): the front foot steps forward by the
//! stride (0.7–0.9 m, lifted up to 5 cm on the way), the hips go down until the back knee is a
//! hand (8–12 cm) above the floor, both knees bending to about 90°, the back heel lifting
//! (the back foot turns about its toes, 40–55°), then up again and the front foot steps back.
//! The torso stays upright and the arms hang as in the standing frame; the hips sit about
//! halfway between the feet. The legs are placed by two-link inverse kinematics from the
//! standing frame's thigh and shin lengths (each side its own), the knees bending forward, so
//! the bones keep their lengths; standing, the hips rise until the legs are straight (knees at
//! about 174°; the recorded frame's read about 160°). Timing is human and varied per rep (seeded): 1 s standing,
//! then each lunge takes 1.6–2.6 s after a pause of 0.4–1.0 s standing, then 1 s standing.
//! Every landmark gets gaussian-like noise of `noise_m` per axis, every frame. 30 Hz.

use serde::Deserialize;

use crate::clip::Rng;
use crate::space::{
    ANKLE, Clip3, Frame3, HEEL, HIP, KNEE, P3, TOE, add, dist, dot, mul, sub, unit,
};

/// Frame rate of the synthesized lunges.
pub const HZ: u64 = 30;

/// The `lunges` recipe step: the clip replaced by lunges of its first frame.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lunges {
    /// How many lunges, both sides counted (left, right, left, …).
    pub reps: u32,
    /// The seed of the per-rep variation and of the noise.
    pub seed: u64,
    /// Noise on every coordinate, metres.
    #[serde(default = "default_noise")]
    pub noise_m: f64,
}

fn default_noise() -> f64 {
    0.004
}

/// One lunge's variation.
#[derive(Debug, Clone, Copy)]
struct Rep {
    /// When it starts, seconds.
    start: f64,
    /// How long it takes, seconds.
    duration: f64,
    /// The side stepping forward (0 left, 1 right).
    side: usize,
    /// How far the front foot steps, metres.
    stride: f64,
    /// The back knee's height above the floor at the bottom, metres.
    clearance: f64,
    /// How far the back heel lifts at the bottom, degrees.
    heel_deg: f64,
}

/// 0 before `a`, 1 after `b`, smooth between.
fn ramp(u: f64, a: f64, b: f64) -> f64 {
    let x = ((u - a) / (b - a)).clamp(0.0, 1.0);
    x * x * (3.0 - 2.0 * x)
}

/// Where one lunge is, at fraction `u` of it.
#[derive(Debug, Clone, Copy)]
struct Phase {
    /// The front foot's step forward, metres.
    stride: f64,
    /// The front foot's lift, metres.
    lift: f64,
    /// 0 standing, 1 at the bottom.
    depth: f64,
    /// The back heel's lift, degrees.
    heel_deg: f64,
}

fn phase(rep: &Rep, u: f64) -> Phase {
    let out = ramp(u, 0.0, 0.3) * (1.0 - ramp(u, 0.7, 1.0));
    let lift = if u < 0.3 {
        (std::f64::consts::PI * u / 0.3).sin()
    } else if u > 0.7 {
        (std::f64::consts::PI * (u - 0.7) / 0.3).sin()
    } else {
        0.0
    };
    let depth = ramp(u, 0.15, 0.45) * (1.0 - ramp(u, 0.55, 0.85));
    Phase {
        stride: rep.stride * out,
        lift: 0.05 * lift.max(0.0),
        depth,
        heel_deg: rep.heel_deg * (0.4 * out + 0.6 * depth),
    }
}

/// The knee of a leg of `thigh` and `shin` from hip `j` to ankle `a`, bending forward (+Z).
/// The ankle must be within reach.
pub fn knee(j: P3, a: P3, thigh: f64, shin: f64) -> P3 {
    let d = dist(j, a).min((thigh + shin) * 0.9999);
    let u = unit(sub(a, j));
    let fwd = [0.0, 0.0, 1.0];
    let n = unit(sub(fwd, mul(u, dot(fwd, u))));
    let cos = ((thigh * thigh + d * d - shin * shin) / (2.0 * thigh * d)).clamp(-1.0, 1.0);
    let sin = (1.0 - cos * cos).sqrt();
    add(j, add(mul(u, thigh * cos), mul(n, thigh * sin)))
}

/// How far a leg reaches, as a share of thigh plus shin: a standing knee at about 174°.
const REACH: f64 = 0.998;

/// The standing body and the measures the poses are built from.
struct Skeleton {
    base: Frame3,
    /// The hip centre standing: frame 0's, raised until the legs are straight.
    hip_centre: P3,
    thigh: [f64; 2],
    shin: [f64; 2],
}

impl Skeleton {
    fn new(base: &Frame3) -> Skeleton {
        let len = |a: [usize; 2], b: [usize; 2], s: usize| dist(base.pts[a[s]], base.pts[b[s]]);
        let mut skeleton = Skeleton {
            base: base.clone(),
            hip_centre: base.hip_mid(),
            thigh: [len(HIP, KNEE, 0), len(HIP, KNEE, 1)],
            shin: [len(KNEE, ANKLE, 0), len(KNEE, ANKLE, 1)],
        };
        // Recorded standing knees read about 160° (world landmarks are rough): stand up
        // straight, the upper body rising with the hips.
        let straight = skeleton.reach(base, skeleton.hip_centre[2]);
        let up = [0.0, straight - skeleton.hip_centre[1], 0.0];
        for i in (0..=24).filter(|i| *i <= 22 || HIP.contains(i)) {
            skeleton.base.pts[i] = add(skeleton.base.pts[i], up);
        }
        skeleton.hip_centre = skeleton.base.hip_mid();
        skeleton
    }

    /// The feet placed for `p`: the front foot stepped forward, the back one turned about
    /// its toes.
    fn feet(&self, rep: &Rep, p: &Phase) -> Frame3 {
        let mut f = self.base.clone();
        let (front, back) = (rep.side, 1 - rep.side);
        for i in [ANKLE[front], HEEL[front], TOE[front]] {
            f.pts[i] = add(f.pts[i], [0.0, p.lift, p.stride]);
        }
        let toe = f.pts[TOE[back]];
        let (s, c) = p.heel_deg.to_radians().sin_cos();
        for i in [ANKLE[back], HEEL[back]] {
            let r = sub(f.pts[i], toe);
            f.pts[i] = add(toe, [r[0], r[1] * c - r[2] * s, r[1] * s + r[2] * c]);
        }
        f
    }

    /// The highest the hip centre can be with both ankles of `f` within reach, at `z`.
    fn reach(&self, f: &Frame3, z: f64) -> f64 {
        (0..2)
            .map(|s| {
                let offset = sub(self.base.pts[HIP[s]], self.hip_centre);
                let a = f.pts[ANKLE[s]];
                let (dx, dz) = (self.hip_centre[0] + offset[0] - a[0], z + offset[2] - a[2]);
                let reach = REACH * (self.thigh[s] + self.shin[s]);
                a[1] + (reach * reach - dx * dx - dz * dz).max(0.0).sqrt() - offset[1]
            })
            .fold(f64::INFINITY, f64::min)
    }

    /// The whole body with its hip centre at height `h` and depth `z` over the feet `f`: the
    /// upper body moved rigidly with the hips, the knees by inverse kinematics.
    fn pose(&self, mut f: Frame3, h: f64, z: f64) -> Frame3 {
        let centre = [self.hip_centre[0], h, z];
        let moved = sub(centre, self.hip_centre);
        for i in (0..=24).filter(|i| *i <= 22 || HIP.contains(i)) {
            f.pts[i] = add(self.base.pts[i], moved);
        }
        for s in 0..2 {
            f.pts[KNEE[s]] = knee(f.pts[HIP[s]], f.pts[ANKLE[s]], self.thigh[s], self.shin[s]);
        }
        f
    }

    /// The body at fraction `u` of lunge `rep`, given the bottom's hip height.
    fn at(&self, rep: &Rep, u: f64, bottom: f64) -> Frame3 {
        let p = phase(rep, u);
        let feet = self.feet(rep, &p);
        // The hips sit about halfway between the feet, over the front foot's side.
        let z = self.hip_centre[2] + 0.48 * p.stride;
        let wanted = self.hip_centre[1] - p.depth * (self.hip_centre[1] - bottom);
        let h = wanted.min(self.reach(&feet, z));
        self.pose(feet, h, z)
    }

    /// The hip height at the bottom of `rep` that puts the back knee `rep.clearance` above
    /// the floor.
    fn bottom(&self, rep: &Rep) -> f64 {
        let back = 1 - rep.side;
        let full = Phase {
            stride: rep.stride,
            lift: 0.0,
            depth: 1.0,
            heel_deg: rep.heel_deg,
        };
        let feet = self.feet(rep, &full);
        let z = self.hip_centre[2] + 0.48 * rep.stride;
        let floor = feet.floor_gap();
        let (mut lo, mut hi) = (0.2 * self.hip_centre[1], self.reach(&feet, z));
        for _ in 0..50 {
            let h = (lo + hi) / 2.0;
            let body = self.pose(feet.clone(), h, z);
            if body.pts[KNEE[back]][1] - floor > rep.clearance {
                hi = h;
            } else {
                lo = h;
            }
        }
        (lo + hi) / 2.0
    }
}

/// `reps` lunges of the standing body `base` (see the module docs).
pub fn lunges(base: &Frame3, step: &Lunges) -> Clip3 {
    let mut rng = Rng::new(step.seed);
    let skeleton = Skeleton::new(base);
    let mut reps = Vec::new();
    let mut t = 1.0;
    for k in 0..step.reps {
        if k > 0 {
            t += 0.4 + 0.6 * rng.unit();
        }
        let duration = 1.6 + rng.unit();
        reps.push(Rep {
            start: t,
            duration,
            side: (k % 2) as usize,
            stride: 0.7 + 0.2 * rng.unit(),
            clearance: 0.08 + 0.04 * rng.unit(),
            heel_deg: 40.0 + 15.0 * rng.unit(),
        });
        t += duration;
    }
    let bottoms: Vec<f64> = reps.iter().map(|r| skeleton.bottom(r)).collect();
    let end = t + 1.0;
    let count = (end * HZ as f64).round() as u64;
    let frames = (0..=count)
        .map(|k| {
            let t_us = k * 1_000_000 / HZ;
            let t = t_us as f64 / 1e6;
            let now = reps
                .iter()
                .zip(&bottoms)
                .find(|(r, _)| (r.start..r.start + r.duration).contains(&t));
            let mut f = match now {
                Some((rep, &bottom)) => skeleton.at(rep, (t - rep.start) / rep.duration, bottom),
                None => skeleton.pose(
                    skeleton.base.clone(),
                    skeleton.hip_centre[1],
                    skeleton.hip_centre[2],
                ),
            };
            f.t_us = t_us;
            for p in &mut f.pts {
                *p = add(
                    *p,
                    [
                        rng.gauss(step.noise_m),
                        rng.gauss(step.noise_m),
                        rng.gauss(step.noise_m),
                    ],
                );
            }
            f
        })
        .collect();
    Clip3 { frames }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::recordings;

    fn clip(noise_m: f64) -> Clip3 {
        let base = recordings::squats_3d().frames[0].clone();
        lunges(
            &base,
            &Lunges {
                reps: 4,
                seed: 9,
                noise_m,
            },
        )
    }

    #[test]
    fn the_legs_keep_their_bone_lengths() {
        let base = recordings::squats_3d().frames[0].clone();
        let lunges = clip(0.0);
        for f in &lunges.frames {
            for s in 0..2 {
                for (a, b) in [(HIP[s], KNEE[s]), (KNEE[s], ANKLE[s])] {
                    let (now, then) = (dist(f.pts[a], f.pts[b]), dist(base.pts[a], base.pts[b]));
                    assert!((now / then - 1.0).abs() < 0.02, "{a}-{b}: {now} vs {then}");
                }
            }
        }
    }

    #[test]
    fn each_lunge_steps_forward_and_bends_both_knees_to_about_90_degrees() {
        let lunges = clip(0.0);
        let h0 = lunges.frames[0].hip_mid()[1];
        assert!(lunges.frames[0].knee_angle() > 170.0, "standing straight");
        // Split into lunges by the stride: frames where a foot is 0.3 m ahead of the other.
        let mut bottoms: Vec<&Frame3> = Vec::new();
        let mut current: Option<&Frame3> = None;
        for f in &lunges.frames {
            let ahead = (f.pts[ANKLE[0]][2] - f.pts[ANKLE[1]][2]).abs();
            if ahead > 0.3 {
                if current.is_none_or(|c| f.hip_mid()[1] < c.hip_mid()[1]) {
                    current = Some(f);
                }
            } else if let Some(c) = current.take() {
                bottoms.push(c);
            }
        }
        assert_eq!(bottoms.len(), 4);
        for (k, f) in bottoms.iter().enumerate() {
            let front = if f.pts[ANKLE[0]][2] > f.pts[ANKLE[1]][2] {
                0
            } else {
                1
            };
            assert_eq!(front, k % 2, "alternating, left first");
            let back = 1 - front;
            let stride = f.pts[ANKLE[front]][2] - f.pts[TOE[back]][2];
            assert!((0.5..1.0).contains(&stride), "{stride}");
            let knee_angle =
                |s: usize| crate::space::angle_deg(f.pts[HIP[s]], f.pts[KNEE[s]], f.pts[ANKLE[s]]);
            for s in 0..2 {
                assert!((70.0..110.0).contains(&knee_angle(s)), "{}", knee_angle(s));
            }
            let clearance = f.pts[KNEE[back]][1] - f.floor_gap();
            assert!((0.07..0.13).contains(&clearance), "{clearance}");
            assert!(
                f.pts[HEEL[back]][1] > f.pts[TOE[back]][1] + 0.05,
                "back heel up"
            );
            assert!(h0 - f.hip_mid()[1] > 0.25, "hips down");
        }
    }
}
