//! A clip of pose frames, and the deterministic transformations the derived fixtures apply.

use breakroom_protocol::{Landmark, PoseModel};

/// One frame: capture time and landmarks as `[x, y, visibility]` in normalized coordinates.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Capture time, µs.
    pub t_us: u64,
    /// `[x, y, visibility]` per landmark.
    pub lms: Vec<[f64; 3]>,
}

/// A sequence of frames of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// The landmark layout.
    pub model: PoseModel,
    /// The frames, in time order.
    pub frames: Vec<Frame>,
}

/// splitmix64: a tiny deterministic generator, so the fixtures do not depend on a crate's
/// algorithm choices.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Approximately normal, mean 0, standard deviation `sigma` (Irwin–Hall: twelve uniforms),
    /// with arithmetic only so the files do not depend on a platform's `ln` or `cos`.
    pub fn gauss(&mut self, sigma: f64) -> f64 {
        let sum: f64 = (0..12).map(|_| self.unit()).sum();
        (sum - 6.0) * sigma
    }
}

/// BlazePose-33's (left, right) landmark pairs.
pub const BLAZE_POSE_PAIRS: [(usize, usize); 16] = [
    (1, 4),
    (2, 5),
    (3, 6),
    (7, 8),
    (9, 10),
    (11, 12),
    (13, 14),
    (15, 16),
    (17, 18),
    (19, 20),
    (21, 22),
    (23, 24),
    (25, 26),
    (27, 28),
    (29, 30),
    (31, 32),
];

/// Left/right landmark pairs of each model, for mirroring.
fn mirror_pairs(model: PoseModel) -> &'static [(usize, usize)] {
    match model {
        PoseModel::BlazePose33 => &BLAZE_POSE_PAIRS,
        PoseModel::Coco17 => &[
            (1, 2),
            (3, 4),
            (5, 6),
            (7, 8),
            (9, 10),
            (11, 12),
            (13, 14),
            (15, 16),
        ],
    }
}

impl Clip {
    /// The clip sampled at `hz` from its first frame to its last, each landmark interpolated
    /// linearly between the two frames around it.
    pub fn resample(&self, hz: u64) -> Clip {
        let (Some(first), Some(last)) = (self.frames.first(), self.frames.last()) else {
            return self.clone();
        };
        let mut frames = Vec::new();
        let mut k = 0u64;
        let mut j = 0;
        loop {
            let t = first.t_us + k * 1_000_000 / hz;
            if t > last.t_us {
                break;
            }
            while j + 1 < self.frames.len() && self.frames[j + 1].t_us <= t {
                j += 1;
            }
            let a = &self.frames[j];
            let b = self.frames.get(j + 1).unwrap_or(a);
            let span = b.t_us.saturating_sub(a.t_us);
            let w = if span == 0 {
                0.0
            } else {
                (t - a.t_us) as f64 / span as f64
            };
            let lms = a
                .lms
                .iter()
                .zip(&b.lms)
                .map(|(p, q)| [0, 1, 2].map(|i| p[i] + w * (q[i] - p[i])))
                .collect();
            frames.push(Frame { t_us: t, lms });
            k += 1;
        }
        Clip {
            model: self.model,
            frames,
        }
    }

    /// Keeps the frames `keep` says yes to.
    pub fn filter(mut self, mut keep: impl FnMut(&Frame) -> bool) -> Clip {
        self.frames.retain(|f| keep(f));
        self
    }

    /// Drops each frame with probability `fraction`.
    pub fn drop_random(self, fraction: f64, seed: u64) -> Clip {
        let mut rng = Rng::new(seed);
        self.filter(|_| rng.unit() >= fraction)
    }

    /// Applies `f` to every landmark (x, y, visibility) with the frame's time.
    pub fn map(mut self, mut f: impl FnMut(u64, usize, [f64; 3]) -> [f64; 3]) -> Clip {
        for frame in &mut self.frames {
            for (i, lm) in frame.lms.iter_mut().enumerate() {
                *lm = f(frame.t_us, i, *lm);
            }
        }
        self
    }

    /// Adds gaussian noise of `sigma` to x and y.
    pub fn noise(self, sigma: f64, seed: u64) -> Clip {
        let mut rng = Rng::new(seed);
        self.map(|_, _, [x, y, v]| [x + rng.gauss(sigma), y + rng.gauss(sigma), v])
    }

    /// Flips the image horizontally: x → 1 − x, and the left and right landmarks swap (the
    /// person's left is still their left).
    pub fn mirror(self) -> Clip {
        let model = self.model;
        let mut clip = self.map(|_, _, [x, y, v]| [1.0 - x, y, v]);
        for frame in &mut clip.frames {
            for &(l, r) in mirror_pairs(model) {
                frame.lms.swap(l, r);
            }
        }
        clip
    }

    /// Scales the person about `(cx, cy)` by `factor(t_us)` and shifts by `(dx, dy)`.
    pub fn scale_shift(
        self,
        factor: impl Fn(u64) -> f64,
        (cx, cy): (f64, f64),
        (dx, dy): (f64, f64),
    ) -> Clip {
        self.map(|t, _, [x, y, v]| {
            let s = factor(t);
            [cx + (x - cx) * s + dx, cy + (y - cy) * s + dy, v]
        })
    }

    /// Moves each frame's time by up to ±`max_us` (uniform), keeping the order.
    pub fn jitter_times(mut self, max_us: u64, seed: u64) -> Clip {
        let mut rng = Rng::new(seed);
        let mut prev = 0u64;
        for (i, frame) in self.frames.iter_mut().enumerate() {
            let offset = (rng.unit() * 2.0 - 1.0) * max_us as f64;
            let t = (frame.t_us as f64 + offset).round().max(0.0) as u64;
            frame.t_us = if i == 0 { t } else { t.max(prev + 1) };
            prev = frame.t_us;
        }
        self
    }

    /// Landmarks outside the image get the low visibility a model reports for them.
    pub fn off_screen_invisible(self) -> Clip {
        self.map(|_, _, [x, y, v]| {
            let inside = (0.0..=1.0).contains(&x) && (0.0..=1.0).contains(&y);
            [x, y, if inside { v } else { 0.1 }]
        })
    }

    /// Frames `range` (by index), times unchanged.
    pub fn cut(&self, range: std::ops::Range<usize>) -> Clip {
        Clip {
            model: self.model,
            frames: self.frames.get(range).unwrap_or_default().to_vec(),
        }
    }

    /// Drops the frames captured in `[from_us, to_us)`.
    pub fn drop_between(self, from_us: u64, to_us: u64) -> Clip {
        self.filter(|f| !(from_us..to_us).contains(&f.t_us))
    }

    /// Scales x about `cx` by `factor` (y unchanged).
    pub fn scale_x(self, factor: f64, cx: f64) -> Clip {
        self.map(|_, _, [x, y, v]| [cx + (x - cx) * factor, y, v])
    }

    /// Holds frame `index` for `for_us`: copies of it every `step_us` after it, and the later
    /// frames moved `for_us` later.
    pub fn hold(mut self, index: usize, for_us: u64, step_us: u64) -> Clip {
        let Some(held) = self.frames.get(index).cloned() else {
            return self;
        };
        let mut later = self.frames.split_off(index + 1);
        let copies = for_us / step_us.max(1);
        for k in 1..=copies {
            let mut f = held.clone();
            f.t_us += k * step_us;
            self.frames.push(f);
        }
        for f in &mut later {
            f.t_us += for_us;
        }
        self.frames.extend(later);
        self
    }

    /// The clip `times` times in a row, every frame re-timed to its index × `step_us` (the
    /// recording played at another speed).
    pub fn looped(&self, times: u64, step_us: u64) -> Clip {
        let n = self.frames.len() as u64;
        let frames = (0..times)
            .flat_map(|rep| {
                self.frames.iter().enumerate().map(move |(k, f)| Frame {
                    t_us: (rep * n + k as u64) * step_us,
                    lms: f.lms.clone(),
                })
            })
            .collect();
        Clip {
            model: self.model,
            frames,
        }
    }

    /// Rounds every value to 5 decimals, as the files store them, so what the tests run is
    /// exactly what the files hold.
    pub fn rounded(self) -> Clip {
        self.map(|_, _, lm| lm.map(round5))
    }
}

/// `v` rounded to 5 decimals (and never `-0`).
pub fn round5(v: f64) -> f64 {
    let r = (v * 100_000.0).round() / 100_000.0;
    if r == 0.0 { 0.0 } else { r }
}

/// A frame's landmarks as the detector takes them.
pub fn landmarks(frame: &Frame) -> Vec<Landmark> {
    frame
        .lms
        .iter()
        .map(|&[x, y, v]| Landmark {
            x: x as f32,
            y: y as f32,
            z: None,
            visibility: v as f32,
        })
        .collect()
}
