//! Whether a skeleton is a plausible human body, so that the keypoint block carries a body and
//! not arbitrary bytes (a picture, say) dressed as one.
//!
//! A pose is judged in its canonical form ([`PoseBlock::canonical`]): what is relayed is
//! exactly what was judged. Landmarks whose visibility rounds to 0 are *absent* and judged not
//! at all (canonicalization zeroes them); the others are *present*, and a present landmark
//! below visibility 0.5 is *unsure* and held to looser limits.
//!
//! # What is checked
//!
//! Coordinates are normalized to the image, whose aspect ratio the server does not know: a
//! pose passes if it passes at one of the aspect ratios of [`ASPECTS`] (9:16 portrait to 16:9
//! landscape), and within a stream, at one at which every earlier pose of the stream passed.
//!
//! 1. **A body scale** Ŝ, an upper bound on the person's torso length. The shoulder line and
//!    the spine are about perpendicular, so whatever the view, the projected shoulder width
//!    `w` and torso length `t` satisfy `(w / w₃)² + (t / t₃)² ≥ 1`; with a shoulder width `w₃`
//!    of at least half the torso `t₃`, `t₃ ≤ Ŝ = √(t² + (2w)²)`. Without hips, Ŝ comes
//!    (more loosely) from the shoulders and the head, or the head alone. A pose with present
//!    landmarks but none of these is refused; a pose with nothing present passes (it carries
//!    nothing). Ŝ must lie within [`MIN_SCALE`, `MAX_SCALE`].
//! 2. **Bone lengths against the body**: every bone of the skeleton's tree (hip width, neck,
//!    face, upper arm, forearm, hand, thigh, shin, foot) is at most a fixed multiple of Ŝ, and
//!    whole limbs too. A 2-D bone can be short (it points at the camera), never long. Paired
//!    bones (left and right) are held to the same limit: in 2-D their ratio is no constraint
//!    (the real recordings have an upper arm 95 times its pair while pointing at the camera).
//!    A bone whose middle joint is absent is checked end to end, against the sum of limits.
//! 3. **Continuity** with the participant's previous accepted pose, time-aware: the body scale
//!    changes by a bounded factor per second, and every landmark present in both moves at most
//!    `(jitter + speed × dt) × Ŝ` (in x, y and depth), with `dt` the time between their
//!    arrivals but at least one frame at the fastest pose rate, [`MIN_FRAME_US`]. After
//!    [`FORGET_AFTER_US`] without an accepted pose, or when the model or depth flag changes,
//!    the next pose starts afresh.
//!
//! The limits are the largest values seen on every real recording (tfjs-models, ML Kit,
//! MediaPipe docs: 2-D and 3-D, front, three-quarter and side views, 5 to 30 Hz) with a margin
//! of about 15 % for bones and 50 % or more for motion; the recordings' test asserts that none
//! is refused.
//!
//! Sans-IO and deterministic: time is the caller's `now`, and nothing else is read.

use std::collections::HashMap;
use std::fmt;

use breakroom_protocol::pose::VISIBILITY_GRID;
use breakroom_protocol::{Micros, ParticipantId, PoseBlock, PoseModel};

/// Aspect ratios (width / height) at which a pose is tried: 9:16 portrait, 3:4, 1:1, 4:3 and
/// 16:9 landscape.
pub const ASPECTS: [f64; 5] = [0.5625, 0.75, 1.0, 4.0 / 3.0, 16.0 / 9.0];
/// Smallest body scale, in image heights: below it a "body" is a dot.
pub const MIN_SCALE: f64 = 0.02;
/// Largest body scale, in image heights (the block reaches 1.5 picture heights, and 2.7 widths).
pub const MAX_SCALE: f64 = 3.0;
/// The shortest time between two poses that continuity assumes: one frame at 30 Hz, the
/// fastest pose rate.
pub const MIN_FRAME_US: Micros = 33_333;
/// After this long without an accepted pose, continuity starts afresh.
pub const FORGET_AFTER_US: Micros = 1_000_000;
/// Movement in the picture allowed whatever the time: detector jitter, in body scales.
pub const JITTER: f64 = 0.15;
/// Fastest movement of the torso and head in the picture, in body scales per second.
pub const CORE_SPEED: f64 = 8.0;
/// Fastest movement of limbs, hands and feet in the picture, in body scales per second.
pub const LIMB_SPEED: f64 = 20.0;
/// Depth change allowed whatever the time (models' depth is noisy), in body scales.
pub const DEPTH_JITTER: f64 = 0.5;
/// Fastest depth change, in body scales per second.
pub const DEPTH_SPEED: f64 = 20.0;
/// Largest change of the body scale: a factor of `SCALE_JUMP` times `e^(SCALE_RATE × dt)`.
pub const SCALE_JUMP: f64 = 1.2;
/// See [`SCALE_JUMP`]: per second.
pub const SCALE_RATE: f64 = 2.0;
/// The widest a head is: the largest distance between two face landmarks, in body scales.
pub const HEAD: f64 = 0.42;
/// The longest neck: from the nose to the middle of the shoulders, in body scales.
pub const NECK: f64 = 0.75;
/// Where shoulders and hips are both at least this wide (in body scales)...
pub const TWIST_MIN: f64 = 0.1;
/// ...the angle between the shoulder line and the hip line has at most this cosine (60°).
pub const TWIST_COS: f64 = 0.5;
/// Most the hip line may be longer than the shoulder line, in body scales.
pub const HIPS_WIDER: f64 = 0.2;
/// Most the lengths of the torso's left and right sides (shoulder to hip) may differ, in body
/// scales: the one check of paired bones that 2-D allows (limbs foreshorten independently).
pub const SIDES_DIFFER: f64 = 0.45;
/// How much further an unsure landmark (visibility below 0.5) may lie.
const UNSURE_SLACK: f64 = 1.25;

/// Why a pose is not a plausible human body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Implausible {
    /// Landmarks are present, but neither a torso nor a head to measure the body by.
    NoBody,
    /// The body is smaller than a dot or larger than the picture.
    Scale,
    /// A bone is longer than a human's, against the body's scale.
    Bone(&'static str),
    /// The body grew or shrank faster than a person moves towards or away from a camera.
    Resized,
    /// A landmark moved further since the previous pose than a person can.
    Jump,
}

impl Implausible {
    /// Every [`Self::kind`], in order.
    pub const KINDS: [&'static str; 5] = ["no_body", "scale", "bone", "resized", "jump"];

    /// A short label, for metrics: one of [`Self::KINDS`].
    pub fn kind(self) -> &'static str {
        Self::KINDS[self.index()]
    }

    fn index(self) -> usize {
        match self {
            Implausible::NoBody => 0,
            Implausible::Scale => 1,
            Implausible::Bone(_) => 2,
            Implausible::Resized => 3,
            Implausible::Jump => 4,
        }
    }
}

impl fmt::Display for Implausible {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Implausible::NoBody => f.write_str("no torso or head to measure the body by"),
            Implausible::Scale => f.write_str("the body is too small or too large"),
            Implausible::Bone(bone) => write!(f, "the {bone} is too long for the body"),
            Implausible::Resized => f.write_str("the body changed size too fast"),
            Implausible::Jump => f.write_str("a landmark moved too fast"),
        }
    }
}

/// One participant's pose stream: the previous accepted pose, for continuity.
#[derive(Debug, Clone, Default)]
pub struct Track {
    /// The previous accepted pose, when it arrived, and the aspect ratios (bits of
    /// [`ASPECTS`]) at which every pose since the stream began passed: a camera keeps its
    /// aspect ratio, so a stream narrows down the server's ignorance of it.
    last: Option<(Micros, Pose, u8)>,
    /// Poses refused so far.
    refused: u64,
}

/// Every aspect ratio of [`ASPECTS`].
const ALL_ASPECTS: u8 = (1 << ASPECTS.len()) - 1;

impl Track {
    /// Judges a pose arriving at `now`: its canonical form if it is plausible (and it becomes
    /// the previous pose), or why not (and nothing but the refusal count changes).
    pub fn judge(&mut self, now: Micros, kp: &PoseBlock) -> Result<PoseBlock, Implausible> {
        let canonical = kp.canonical();
        let Some(pose) = Pose::read(&canonical) else {
            // `handle_pose` refuses malformed blocks before this; a judge refuses them too.
            self.refused += 1;
            return Err(Implausible::NoBody);
        };
        let prev = self.last.as_ref().and_then(|(at, p, aspects)| {
            let fresh = now.saturating_sub(*at) <= FORGET_AFTER_US;
            let same = p.model == pose.model && p.depth == pose.depth;
            let dt = now.saturating_sub(*at).max(MIN_FRAME_US);
            (fresh && same).then_some((dt, p, *aspects))
        });
        let candidates = prev.map_or(ALL_ASPECTS, |(_, _, aspects)| aspects);
        let mut passed = 0u8;
        let mut first = None;
        for (i, &aspect) in ASPECTS.iter().enumerate() {
            if candidates & (1 << i) == 0 {
                continue;
            }
            match judge_at(&pose, prev.map(|(dt, p, _)| (dt, p)), aspect) {
                Ok(()) => passed |= 1 << i,
                Err(why) => {
                    first.get_or_insert(why);
                }
            }
        }
        if passed != 0 {
            self.last = Some((now, pose, passed));
            return Ok(canonical);
        }
        self.refused += 1;
        // At least one aspect ratio was tried, so a reason was kept.
        Err(first.unwrap_or(Implausible::NoBody))
    }

    /// The aspect ratios (width / height) of [`ASPECTS`] that the stream so far fits.
    pub fn aspects(&self) -> Vec<f64> {
        let bits = self.last.as_ref().map_or(ALL_ASPECTS, |(_, _, a)| *a);
        (0..ASPECTS.len())
            .filter(|i| bits & (1 << i) != 0)
            .map(|i| ASPECTS[i])
            .collect()
    }

    /// How many poses this track refused.
    pub fn refused(&self) -> u64 {
        self.refused
    }
}

/// A room's judges: each participant's [`Track`], and the refusals its host has not yet
/// polled (for metrics).
#[derive(Debug, Clone, Default)]
pub(crate) struct Judges {
    tracks: HashMap<ParticipantId, Track>,
    unpolled: [u64; Implausible::KINDS.len()],
}

impl Judges {
    /// Judges participant `p`'s pose (see [`Track::judge`]).
    pub(crate) fn judge(
        &mut self,
        now: Micros,
        p: ParticipantId,
        kp: &PoseBlock,
    ) -> Result<PoseBlock, Implausible> {
        let verdict = self.tracks.entry(p).or_default().judge(now, kp);
        if let Err(why) = verdict {
            self.unpolled[why.index()] += 1;
        }
        verdict
    }

    /// Poses of participant `p` refused so far.
    pub(crate) fn refused(&self, p: ParticipantId) -> u64 {
        self.tracks.get(&p).map_or(0, Track::refused)
    }

    /// Refusals since the previous poll, by kind: each kind with a count, once.
    pub(crate) fn poll(&mut self) -> Option<(&'static str, u64)> {
        let i = self.unpolled.iter().position(|&n| n > 0)?;
        Some((Implausible::KINDS[i], std::mem::take(&mut self.unpolled[i])))
    }
}

/// Judges one pose on its own (no previous pose): its canonical form, or why it is refused.
pub fn judge_alone(kp: &PoseBlock) -> Result<PoseBlock, Implausible> {
    Track::default().judge(0, kp)
}

/// A decoded canonical pose.
#[derive(Debug, Clone)]
struct Pose {
    model: PoseModel,
    depth: bool,
    /// Per landmark: x, y (image units), z (image widths), visibility level 0–3.
    marks: Vec<Mark>,
}

#[derive(Debug, Clone, Copy)]
struct Mark {
    x: f64,
    y: f64,
    z: f64,
    level: u8,
    /// Clamped to the edge of the block's range: off-screen by an unknown amount.
    clamped: bool,
}

impl Mark {
    fn present(&self) -> bool {
        self.level > 0
    }
}

impl Pose {
    fn read(kp: &PoseBlock) -> Option<Pose> {
        let model = kp.model()?;
        let depth = kp.has_depth();
        let stride = if depth { 6 } else { 5 };
        let bytes = kp.as_bytes().get(2..)?;
        let edge = |q: u16| q == 0 || q == u16::MAX;
        let marks = kp
            .landmarks()
            .iter()
            .zip(bytes.chunks_exact(stride))
            .map(|(l, c)| {
                let (qx, qy) = (
                    u16::from_le_bytes([c[0], c[1]]),
                    u16::from_le_bytes([c[2], c[3]]),
                );
                Mark {
                    x: f64::from(l.x),
                    y: f64::from(l.y),
                    z: f64::from(l.z.unwrap_or(0.0)),
                    level: c[4] / VISIBILITY_GRID,
                    clamped: edge(qx) || edge(qy),
                }
            })
            .collect::<Vec<_>>();
        (marks.len() == model.landmark_count()).then_some(Pose {
            model,
            depth,
            marks,
        })
    }
}

/// A point in image heights, for one aspect ratio.
#[derive(Debug, Clone, Copy)]
struct Pt {
    x: f64,
    y: f64,
}

fn dist(a: Pt, b: Pt) -> f64 {
    (a.x - b.x).hypot(a.y - b.y)
}

fn mid(a: Pt, b: Pt) -> Pt {
    Pt {
        x: (a.x + b.x) / 2.0,
        y: (a.y + b.y) / 2.0,
    }
}

/// Where each model keeps the landmarks the checks use.
struct Layout {
    shoulders: (usize, usize),
    hips: (usize, usize),
    nose: usize,
    /// Face landmarks other than the nose.
    face: &'static [usize],
    /// The tree: (child, parent, longest length in body scales, name), parents first.
    bones: &'static [(usize, usize, f64, &'static str)],
    /// Whole limbs: joints from the root, longest total length, name.
    limbs: &'static [(&'static [usize], f64, &'static str)],
    /// Torso and head: the slower part of the body.
    core: &'static [usize],
}

const BLAZEPOSE: Layout = Layout {
    shoulders: (11, 12),
    hips: (23, 24),
    nose: 0,
    face: &[1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    bones: &[
        (12, 11, 0.55, "shoulder line"),
        (23, 11, 1.25, "torso"),
        (24, 12, 1.25, "torso"),
        (23, 12, 1.3, "torso"),
        (24, 23, 0.4, "hip line"),
        (0, 11, 1.0, "neck"),
        (24, 11, 1.3, "torso"),
        (1, 0, 0.45, "face"),
        (2, 0, 0.45, "face"),
        (3, 0, 0.45, "face"),
        (4, 0, 0.45, "face"),
        (5, 0, 0.45, "face"),
        (6, 0, 0.45, "face"),
        (7, 0, 0.45, "face"),
        (8, 0, 0.45, "face"),
        (9, 0, 0.45, "face"),
        (10, 0, 0.45, "face"),
        (13, 11, 1.1, "upper arm"),
        (14, 12, 1.1, "upper arm"),
        (15, 13, 1.0, "forearm"),
        (16, 14, 1.0, "forearm"),
        (17, 15, 0.3, "hand"),
        (19, 15, 0.3, "hand"),
        (21, 15, 0.3, "hand"),
        (18, 16, 0.3, "hand"),
        (20, 16, 0.3, "hand"),
        (22, 16, 0.3, "hand"),
        (25, 23, 1.2, "thigh"),
        (26, 24, 1.2, "thigh"),
        (27, 25, 1.2, "shin"),
        (28, 26, 1.2, "shin"),
        (29, 27, 0.55, "foot"),
        (31, 27, 0.55, "foot"),
        (30, 28, 0.55, "foot"),
        (32, 28, 0.55, "foot"),
    ],
    limbs: &[
        (&[11, 13, 15], 2.0, "arm"),
        (&[12, 14, 16], 2.0, "arm"),
        (&[23, 25, 27], 2.3, "leg"),
        (&[24, 26, 28], 2.3, "leg"),
    ],
    core: &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 23, 24],
};

const COCO: Layout = Layout {
    shoulders: (5, 6),
    hips: (11, 12),
    nose: 0,
    face: &[1, 2, 3, 4],
    bones: &[
        (6, 5, 0.55, "shoulder line"),
        (11, 5, 1.25, "torso"),
        (12, 6, 1.25, "torso"),
        (11, 6, 1.3, "torso"),
        (12, 11, 0.4, "hip line"),
        (0, 5, 1.0, "neck"),
        (12, 5, 1.3, "torso"),
        (1, 0, 0.45, "face"),
        (2, 0, 0.45, "face"),
        (3, 0, 0.45, "face"),
        (4, 0, 0.45, "face"),
        (7, 5, 1.1, "upper arm"),
        (8, 6, 1.1, "upper arm"),
        (9, 7, 1.0, "forearm"),
        (10, 8, 1.0, "forearm"),
        (13, 11, 1.2, "thigh"),
        (14, 12, 1.2, "thigh"),
        (15, 13, 1.2, "shin"),
        (16, 14, 1.2, "shin"),
    ],
    limbs: &[
        (&[5, 7, 9], 2.0, "arm"),
        (&[6, 8, 10], 2.0, "arm"),
        (&[11, 13, 15], 2.3, "leg"),
        (&[12, 14, 16], 2.3, "leg"),
    ],
    core: &[0, 1, 2, 3, 4, 5, 6, 11, 12],
};

fn layout(model: PoseModel) -> &'static Layout {
    match model {
        PoseModel::BlazePose33 => &BLAZEPOSE,
        PoseModel::Coco17 => &COCO,
    }
}

/// The pose at one aspect ratio: points in image heights.
struct View<'a> {
    pose: &'a Pose,
    aspect: f64,
    layout: &'static Layout,
}

impl View<'_> {
    fn pt(&self, i: usize) -> Pt {
        let m = self.pose.marks[i];
        Pt {
            x: m.x * self.aspect,
            y: m.y,
        }
    }

    fn mark(&self, i: usize) -> Mark {
        self.pose.marks[i]
    }

    /// The body scale Ŝ (see the module docs), or `None` when there is nothing to measure.
    /// Landmarks clamped to the block's edge are off the picture by an unknown amount: they
    /// measure the body only when nothing else does.
    fn scale(&self) -> Option<f64> {
        self.scale_from(|m| m.present() && !m.clamped)
            .or_else(|| self.scale_from(Mark::present))
    }

    fn scale_from(&self, usable: impl Fn(&Mark) -> bool) -> Option<f64> {
        let reference = |i: usize| usable(&self.mark(i));
        let (ls, rs) = self.layout.shoulders;
        let (lh, rh) = self.layout.hips;
        let shoulders: Vec<usize> = [ls, rs].into_iter().filter(|&i| reference(i)).collect();
        let hips: Vec<usize> = [lh, rh].into_iter().filter(|&i| reference(i)).collect();
        let centre = |ids: &[usize]| match ids {
            [a, b] => mid(self.pt(*a), self.pt(*b)),
            [a] => self.pt(*a),
            _ => Pt { x: 0.0, y: 0.0 },
        };
        let width = (shoulders.len() == 2).then(|| dist(self.pt(ls), self.pt(rs)));
        if let (Some(w), 2) = (width, hips.len()) {
            let t = dist(centre(&shoulders), centre(&hips));
            return Some(t.hypot(2.0 * w));
        }
        // No hips: the shoulders and the neck, more loosely. Without shoulders and a nose,
        // nothing measures the body.
        let (w, nose) = (width?, self.layout.nose);
        if !reference(nose) {
            return None;
        }
        let neck = dist(self.pt(nose), centre(&shoulders));
        Some(2.1 * (2.0 * w).hypot(2.0 * neck))
    }

    /// The torso is a torso (shoulders and hips face the same way, its sides agree), and the
    /// head is small and sits on the shoulders.
    fn head(&self, scale: f64) -> Result<(), Implausible> {
        let face: Vec<usize> = std::iter::once(self.layout.nose)
            .chain(self.layout.face.iter().copied())
            .filter(|&i| self.mark(i).present())
            .collect();
        for (k, &a) in face.iter().enumerate() {
            for &b in &face[k + 1..] {
                if dist(self.pt(a), self.pt(b)) > HEAD * scale * self.slack(a, b) {
                    return Err(Implausible::Bone("head"));
                }
            }
        }
        let (ls, rs) = self.layout.shoulders;
        let (lh, rh) = self.layout.hips;
        if [ls, rs, lh, rh].iter().all(|&i| self.mark(i).present()) {
            let (s, h) = (self.pt(ls), self.pt(rs));
            let shoulders = (s.x - h.x, s.y - h.y);
            let (l, r) = (self.pt(lh), self.pt(rh));
            let hips = (l.x - r.x, l.y - r.y);
            let (a, b) = (shoulders.0.hypot(shoulders.1), hips.0.hypot(hips.1));
            let cos = (shoulders.0 * hips.0 + shoulders.1 * hips.1) / (a * b);
            if a >= TWIST_MIN * scale && b >= TWIST_MIN * scale && cos < TWIST_COS {
                return Err(Implausible::Bone("torso twist"));
            }
            // Hips are narrower than shoulders, and parallel lines foreshorten alike.
            if b - a > HIPS_WIDER * scale {
                return Err(Implausible::Bone("hip line"));
            }
            // The torso's two sides are parallel and as long as each other: seen from
            // anywhere, their lengths differ little.
            let sides = (
                dist(self.pt(ls), self.pt(lh)),
                dist(self.pt(rs), self.pt(rh)),
            );
            if (sides.0 - sides.1).abs() > SIDES_DIFFER * scale {
                return Err(Implausible::Bone("torso side"));
            }
        }
        let nose = self.layout.nose;
        if [ls, rs, nose].iter().all(|&i| self.mark(i).present()) {
            let neck = dist(self.pt(nose), mid(self.pt(ls), self.pt(rs)));
            let slack = self.slack(nose, ls).max(self.slack(nose, rs));
            if neck > NECK * scale * slack {
                return Err(Implausible::Bone("neck"));
            }
        }
        Ok(())
    }

    /// How far a bone may reach between two present landmarks.
    fn slack(&self, a: usize, b: usize) -> f64 {
        if self.mark(a).level < 2 || self.mark(b).level < 2 {
            UNSURE_SLACK
        } else {
            1.0
        }
    }

    fn bones(&self, scale: f64) -> Result<(), Implausible> {
        let n = self.pose.marks.len();
        // Reach of each landmark's nearest present ancestor, walking up absent ones.
        let mut up: Vec<Option<(usize, f64)>> = vec![None; n];
        for &(child, parent, limit, name) in self.layout.bones {
            let via = if self.mark(parent).present() {
                Some((parent, limit))
            } else {
                up[parent].map(|(a, l)| (a, l + limit))
            };
            up[child] = via;
            let Some((anchor, limit)) = via else { continue };
            if !self.mark(child).present() {
                continue;
            }
            let allowed = limit * scale * self.slack(child, anchor);
            if dist(self.pt(child), self.pt(anchor)) > allowed {
                return Err(Implausible::Bone(name));
            }
        }
        for &(joints, limit, name) in self.layout.limbs {
            if joints.iter().all(|&j| self.mark(j).present()) {
                let length: f64 = joints
                    .windows(2)
                    .map(|w| dist(self.pt(w[0]), self.pt(w[1])))
                    .sum();
                let slack = self.slack(joints[0], joints[joints.len() - 1]);
                if length > limit * scale * slack {
                    return Err(Implausible::Bone(name));
                }
            }
        }
        Ok(())
    }
}

/// The whole judgement at one aspect ratio.
fn judge_at(pose: &Pose, prev: Option<(Micros, &Pose)>, aspect: f64) -> Result<(), Implausible> {
    let view = View {
        pose,
        aspect,
        layout: layout(pose.model),
    };
    if !pose.marks.iter().any(Mark::present) {
        return Ok(());
    }
    let scale = view.scale().ok_or(Implausible::NoBody)?;
    if !(MIN_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(Implausible::Scale);
    }
    view.head(scale)?;
    view.bones(scale)?;
    let Some((dt_us, prev)) = prev else {
        return Ok(());
    };
    let before = View {
        pose: prev,
        aspect,
        layout: view.layout,
    };
    let Some(prev_scale) = before.scale() else {
        return Ok(());
    };
    let dt = dt_us as f64 / 1e6;
    let growth = (scale / prev_scale).ln().abs();
    if growth > SCALE_JUMP.ln() + SCALE_RATE * dt {
        return Err(Implausible::Resized);
    }
    let body = scale.max(prev_scale);
    for (i, (now, then)) in pose.marks.iter().zip(&prev.marks).enumerate() {
        if !now.present() || !then.present() {
            continue;
        }
        let speed = if view.layout.core.contains(&i) {
            CORE_SPEED
        } else {
            LIMB_SPEED
        };
        let slack = if now.level < 2 || then.level < 2 {
            UNSURE_SLACK
        } else {
            1.0
        };
        let moved = dist(view.pt(i), before.pt(i));
        let deeper = ((now.z - then.z) * aspect).abs();
        if moved > (JITTER + speed * dt) * body * slack
            || deeper > (DEPTH_JITTER + DEPTH_SPEED * dt) * body * slack
        {
            return Err(Implausible::Jump);
        }
    }
    Ok(())
}

/// A still person standing square to the camera, arms at the sides, filling most of a square
/// picture's height: a body every check accepts, for tests, examples and load generators.
pub fn standing(model: PoseModel) -> Vec<breakroom_protocol::Landmark> {
    // BlazePose-33 order; "left" is the person's, on the picture's right.
    const BODY: [(f32, f32); 33] = [
        (0.5, 0.15),
        (0.51, 0.14),
        (0.52, 0.14),
        (0.53, 0.14),
        (0.49, 0.14),
        (0.48, 0.14),
        (0.47, 0.14),
        (0.545, 0.15),
        (0.455, 0.15),
        (0.515, 0.17),
        (0.485, 0.17),
        (0.58, 0.25),
        (0.42, 0.25),
        (0.6, 0.38),
        (0.4, 0.38),
        (0.61, 0.5),
        (0.39, 0.5),
        (0.615, 0.53),
        (0.385, 0.53),
        (0.61, 0.54),
        (0.39, 0.54),
        (0.6, 0.52),
        (0.4, 0.52),
        (0.55, 0.52),
        (0.45, 0.52),
        (0.55, 0.7),
        (0.45, 0.7),
        (0.55, 0.87),
        (0.45, 0.87),
        (0.55, 0.89),
        (0.45, 0.89),
        (0.57, 0.91),
        (0.43, 0.91),
    ];
    /// The BlazePose landmarks that COCO-17 has, in COCO order.
    const COCO_FROM_BLAZEPOSE: [usize; 17] = [
        0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28,
    ];
    let at = |i: usize| breakroom_protocol::Landmark {
        x: BODY[i].0,
        y: BODY[i].1,
        z: None,
        visibility: 1.0,
    };
    match model {
        PoseModel::BlazePose33 => (0..33).map(at).collect(),
        PoseModel::Coco17 => COCO_FROM_BLAZEPOSE.iter().map(|&i| at(i)).collect(),
    }
}
