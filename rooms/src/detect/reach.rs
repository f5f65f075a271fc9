//! The reach game: targets on the screen that the player touches with a hand.
//!
//! A step of the reach game has a seed ([`step_seed`], sent on every cue of the step as
//! `Cue.seed`); [`targets`] turns it into the sequence of targets every device shows and the
//! server checks, one at a time: the next appears when the current one is hit. A hit
//! ([`hit`]) is a wrist or index-finger landmark (BlazePose 15, 16, 19, 20; COCO-17's wrists,
//! 9 and 10), at least [`MIN_VISIBILITY`] visible, inside the target's circle.
//!
//! The TypeScript SDK's `client-sdk/js/src/games/reach.ts` is the same generator and the same
//! rule, computed on the same numbers: integer arithmetic for the random numbers, IEEE f64
//! additions and products for the coordinates (no trigonometry, no library maths whose last
//! bit could differ), landmarks read at f32 precision. `client-sdk/js/test/games_reach.test.js`
//! holds the two to each other through `breakroom reach`.
//!
//! Coordinates are normalized and unmirrored image coordinates (0 = left or top edge, 1 =
//! right or bottom edge), so a circle of radius `r` is an ellipse on a non-square image. The
//! targets lie in [`AREA`], the upper half and the sides of the image, where a standing person
//! framed by a laptop or phone camera reaches with a hand without bending: not near the feet,
//! and not where hanging hands rest. Two consecutive targets lie at least [`MIN_STEP`] apart,
//! so each hit takes a move.
//!
//! [`HitCounter`] is the server's cross-check of a claimed hit count. It sees the keypoints
//! the device relays, which can be fewer frames than the device saw: a hand that only grazed a
//! target between two relayed frames would leave the server waiting for a target the device
//! has moved past. So after a gap in the stream (more than [`LOOKAHEAD_GAP_US`] since the
//! previous frame, or at the first frame) the counter also looks one target ahead: a hand in
//! the target after the one it waits for counts both (the device cannot have shown the second
//! before the first was hit). Without a gap it counts exactly as the device does, so a hand
//! sweeping through later targets on its way does not run the count ahead. It never counts a
//! hit that no relayed frame shows a hand near.

use breakroom_protocol::{Landmark, PoseModel};

/// Lowest visibility at which a hand landmark can hit.
pub const MIN_VISIBILITY: f64 = 0.5;

/// Where targets lie: `[x_min, x_max, y_min, y_max]` in normalized image coordinates.
pub const AREA: [f64; 4] = [0.18, 0.82, 0.1, 0.5];

/// Radius of every target, in normalized image units.
pub const RADIUS: f64 = 0.08;

/// Least distance between the centres of two consecutive targets.
pub const MIN_STEP: f64 = 0.25;

/// Draws for a target far enough from the previous one; when none is, the farthest is taken.
const MAX_DRAWS: u32 = 16;

/// A pause in a stream of keypoints after which [`HitCounter`] looks one target ahead: more
/// than a frame at 30 Hz, with margin for jitter.
pub const LOOKAHEAD_GAP_US: u64 = 50_000;

/// Most targets [`targets`] returns (a reach step of an hour at 120 hits a minute).
pub const MAX_TARGETS: usize = 7_200;

/// One target: a circle in normalized, unmirrored image coordinates.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Target {
    /// Centre, horizontal: 0 = left edge, 1 = right edge of the image.
    pub x: f64,
    /// Centre, vertical: 0 = top edge, 1 = bottom edge.
    pub y: f64,
    /// Radius.
    pub r: f64,
}

/// mulberry32: a small seeded generator of 32-bit numbers, the same in TypeScript.
#[derive(Debug, Clone)]
struct Mulberry32(u32);

impl Mulberry32 {
    fn next_u32(&mut self) -> u32 {
        self.0 = self.0.wrapping_add(0x6D2B_79F5);
        let mut t = self.0;
        t = (t ^ (t >> 15)).wrapping_mul(t | 1);
        t ^= t.wrapping_add((t ^ (t >> 7)).wrapping_mul(t | 61));
        t ^ (t >> 14)
    }

    /// A number in [0, 1), a multiple of 2⁻³².
    fn unit(&mut self) -> f64 {
        f64::from(self.next_u32()) / 4_294_967_296.0
    }
}

/// The targets of one reach game: an endless sequence, the same for a seed everywhere.
#[derive(Debug, Clone)]
pub struct Targets {
    rng: Mulberry32,
    previous: Option<Target>,
}

impl Targets {
    /// The sequence of `seed`.
    pub fn new(seed: u32) -> Targets {
        Targets {
            rng: Mulberry32(seed),
            previous: None,
        }
    }
}

impl Iterator for Targets {
    type Item = Target;

    fn next(&mut self) -> Option<Target> {
        let [x0, x1, y0, y1] = AREA;
        let mut best: Option<(f64, Target)> = None;
        for _ in 0..MAX_DRAWS {
            let x = x0 + (x1 - x0) * self.rng.unit();
            let y = y0 + (y1 - y0) * self.rng.unit();
            let target = Target { x, y, r: RADIUS };
            let Some(p) = self.previous else {
                best = Some((0.0, target));
                break;
            };
            let (dx, dy) = (x - p.x, y - p.y);
            let d2 = dx * dx + dy * dy;
            if best.is_none_or(|(b, _)| d2 > b) {
                best = Some((d2, target));
            }
            if d2 >= MIN_STEP * MIN_STEP {
                break;
            }
        }
        // `MAX_DRAWS` > 0, so there is a best draw.
        let target = best.map_or(
            Target {
                x: 0.5,
                y: 0.5,
                r: RADIUS,
            },
            |(_, t)| t,
        );
        self.previous = Some(target);
        Some(target)
    }
}

/// The first `count` targets of `seed` (at most [`MAX_TARGETS`]).
pub fn targets(seed: u32, count: usize) -> Vec<Target> {
    Targets::new(seed).take(count.min(MAX_TARGETS)).collect()
}

/// The seed of a step of a session: FNV-1a (32 bits) over the session id's bytes, then the
/// step index's two bytes (big-endian). Every device and the server derive the same one; the
/// room sends it on the step's cues.
pub fn step_seed(session: &str, step: u16) -> u32 {
    let mut h: u32 = 0x811C_9DC5;
    for b in session.bytes().chain(step.to_be_bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

/// The hand landmarks of a model: BlazePose's wrists and index fingers, COCO-17's wrists.
fn hands(model: PoseModel) -> &'static [usize] {
    match model {
        PoseModel::BlazePose33 => &[15, 16, 19, 20],
        PoseModel::Coco17 => &[9, 10],
    }
}

/// Whether a hand touches the target: a wrist or index landmark, at least [`MIN_VISIBILITY`]
/// visible, with finite coordinates, inside the target's circle (its edge included).
pub fn hit(target: &Target, model: PoseModel, landmarks: &[Landmark]) -> bool {
    hands(model).iter().any(|&i| {
        landmarks.get(i).is_some_and(|l| {
            let (x, y, v) = (f64::from(l.x), f64::from(l.y), f64::from(l.visibility));
            if !(x.is_finite() && y.is_finite() && v >= MIN_VISIBILITY) {
                return false;
            }
            let (dx, dy) = (x - target.x, y - target.y);
            dx * dx + dy * dy <= target.r * target.r
        })
    })
}

/// Counts hits the way a device does, one target at a time: the count a device's frames give.
#[derive(Debug, Clone)]
pub struct Game {
    targets: Targets,
    current: Target,
    hits: u32,
}

impl Game {
    /// A game on `seed`'s targets.
    pub fn new(seed: u32) -> Game {
        let mut targets = Targets::new(seed);
        let current = targets.next().unwrap_or(Target {
            x: 0.5,
            y: 0.5,
            r: RADIUS,
        });
        Game {
            targets,
            current,
            hits: 0,
        }
    }

    /// The target on screen.
    pub fn current(&self) -> Target {
        self.current
    }

    /// Hits so far.
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// One frame: a hit moves to the next target. Returns whether the frame hit.
    pub fn update(&mut self, model: PoseModel, landmarks: &[Landmark]) -> bool {
        if !hit(&self.current, model, landmarks) {
            return false;
        }
        self.hits = self.hits.saturating_add(1);
        if let Some(next) = self.targets.next() {
            self.current = next;
        }
        true
    }
}

/// The server's count of hits from relayed keypoints: like [`Game`], but after a gap in the
/// stream a hand in the target after the awaited one counts both (see the module docs). Keeps
/// two targets, a count and the previous frame's time.
#[derive(Debug, Clone)]
pub struct HitCounter {
    targets: Targets,
    awaited: Target,
    after: Target,
    hits: u32,
    last_us: Option<u64>,
}

impl HitCounter {
    /// A counter on `seed`'s targets.
    pub fn new(seed: u32) -> HitCounter {
        let mut targets = Targets::new(seed);
        let fallback = Target {
            x: 0.5,
            y: 0.5,
            r: RADIUS,
        };
        let awaited = targets.next().unwrap_or(fallback);
        let after = targets.next().unwrap_or(fallback);
        HitCounter {
            targets,
            awaited,
            after,
            hits: 0,
            last_us: None,
        }
    }

    /// Hits backed by the keypoints so far.
    pub fn hits(&self) -> u32 {
        self.hits
    }

    /// One relayed frame, received at `now_us`; returns the hits so far.
    pub fn update(&mut self, now_us: u64, model: PoseModel, landmarks: &[Landmark]) -> u32 {
        let gap = self
            .last_us
            .is_none_or(|last| now_us.saturating_sub(last) > LOOKAHEAD_GAP_US);
        self.last_us = Some(now_us);
        let steps = if hit(&self.awaited, model, landmarks) {
            1
        } else if gap && hit(&self.after, model, landmarks) {
            2
        } else {
            0
        };
        for _ in 0..steps {
            self.hits = self.hits.saturating_add(1);
            self.awaited = self.after;
            if let Some(next) = self.targets.next() {
                self.after = next;
            }
        }
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body_with_hand_at(x: f32, y: f32, visibility: f32) -> Vec<Landmark> {
        let mut lms = vec![
            Landmark {
                x: 0.5,
                y: 0.9,
                z: None,
                visibility: 0.9,
            };
            33
        ];
        lms[15] = Landmark {
            x,
            y,
            z: None,
            visibility,
        };
        lms
    }

    #[test]
    fn targets_stay_in_reach_and_apart() {
        let mut close = 0;
        for seed in (0..40).chain([0xFFFF_FFFF, step_seed("s_01JH2K", 3)]) {
            let ts = targets(seed, 500);
            assert_eq!(ts.len(), 500);
            for t in &ts {
                assert!((AREA[0]..=AREA[1]).contains(&t.x), "{t:?}");
                assert!((AREA[2]..=AREA[3]).contains(&t.y), "{t:?}");
                assert_eq!(t.r, RADIUS);
            }
            for w in ts.windows(2) {
                let d = (w[0].x - w[1].x).hypot(w[0].y - w[1].y);
                // Sixteen draws almost always find a far one, and the best is never close.
                assert!(d >= 0.9 * MIN_STEP, "seed {seed}: {w:?} {d}");
                close += usize::from(d < MIN_STEP);
            }
        }
        assert!(
            close <= 42 * 499 / 1000,
            "{close} consecutive targets closer than MIN_STEP"
        );
        assert_eq!(targets(5, 10)[..4], targets(5, 4)[..]);
        assert_ne!(targets(5, 4), targets(6, 4));
    }

    #[test]
    fn seeds_differ_by_session_and_step() {
        let a = step_seed("s_01JH2K", 0);
        assert_eq!(a, step_seed("s_01JH2K", 0));
        assert_ne!(a, step_seed("s_01JH2K", 1));
        assert_ne!(a, step_seed("s_01JH2L", 0));
        // FNV-1a of the empty input is its offset basis.
        assert_eq!(step_seed("", 0), {
            let mut h: u32 = 0x811C_9DC5;
            for _ in 0..2 {
                h = h.wrapping_mul(0x0100_0193);
            }
            h
        });
    }

    #[test]
    fn a_visible_hand_inside_the_circle_hits() {
        let t = Target {
            x: 0.3,
            y: 0.2,
            r: 0.1,
        };
        // (0.37, 0.26) is 0.092 from the centre; (0.41, 0.2) is 0.11.
        let bp = PoseModel::BlazePose33;
        assert!(hit(&t, bp, &body_with_hand_at(0.3, 0.2, 0.9)));
        assert!(hit(&t, bp, &body_with_hand_at(0.37, 0.26, 0.5)));
        assert!(!hit(&t, bp, &body_with_hand_at(0.37, 0.26, 0.49)));
        assert!(!hit(&t, bp, &body_with_hand_at(0.41, 0.2, 0.9)));
        assert!(!hit(&t, bp, &body_with_hand_at(f32::NAN, 0.2, 0.9)));
        // The nose is no hand.
        let mut nose = body_with_hand_at(0.9, 0.9, 0.9);
        nose[0] = Landmark {
            x: 0.3,
            y: 0.2,
            z: None,
            visibility: 1.0,
        };
        assert!(!hit(&t, bp, &nose));
        // COCO-17: the wrists are 9 and 10; too few landmarks never hit.
        let mut coco = vec![Landmark::default(); 17];
        coco[10] = Landmark {
            x: 0.3,
            y: 0.25,
            z: None,
            visibility: 0.8,
        };
        assert!(hit(&t, PoseModel::Coco17, &coco));
        assert!(!hit(&t, bp, &coco[..5]));
    }

    #[test]
    fn the_game_moves_on_at_each_hit_and_the_counter_forgives_a_gap() {
        let ts = targets(42, 5);
        let at = |t: Target| body_with_hand_at(t.x as f32, t.y as f32, 0.9);
        let bp = PoseModel::BlazePose33;
        let mut game = Game::new(42);
        let mut counter = HitCounter::new(42);
        // The hand in the first target: one hit; staying there hits nothing more.
        for i in 0..3 {
            game.update(bp, &at(ts[0]));
            counter.update(i * 33_333, bp, &at(ts[0]));
        }
        assert_eq!((game.hits(), counter.hits()), (1, 1));
        assert_eq!(game.current(), ts[1]);
        // The server misses the frame in the second target (a gap in its stream): the frame
        // in the third counts both.
        game.update(bp, &at(ts[1]));
        game.update(bp, &at(ts[2]));
        counter.update(200_000, bp, &at(ts[2]));
        assert_eq!((game.hits(), counter.hits()), (3, 3));
        // Without a gap, the target after the awaited one counts nothing; two ahead never.
        assert_eq!(counter.update(233_333, bp, &at(ts[4])), 3);
        assert_eq!(counter.update(266_666, bp, &at(ts[3])), 4);
        let mut lazy = HitCounter::new(42);
        assert_eq!(lazy.update(0, bp, &at(ts[2])), 0);
    }
}
