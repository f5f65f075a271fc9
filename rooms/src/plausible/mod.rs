//! Whether a skeleton is a plausible human body, so that the keypoint block carries a body and
//! not arbitrary bytes (a picture, say) dressed as one.
//!
//! A pose is judged in its canonical form ([`PoseBlock::canonical`]): what is relayed is
//! exactly what was judged. Landmarks whose visibility rounds to 0 are *absent* and judged not
//! at all (canonicalization zeroes them); the others are *present*, and a present landmark
//! below visibility 0.5 is *unsure* and held to looser limits. A pose with at most a fifth of
//! its landmarks unsure that passes only without them (a model's guesses, which receivers
//! neither draw nor count) is relayed without them.
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
//!    of at least half the torso `t₃`, `t₃ ≤ Ŝ = √(t² + (2w)²)`. Without hips, Ŝ comes (more
//!    loosely) from the shoulders and the nose. A pose with present landmarks but neither is
//!    refused; a pose with nothing present passes (it carries nothing). Ŝ must lie within
//!    [`MIN_SCALE`, `MAX_SCALE`].
//! 2. **Bone lengths against the body**: every bone of the skeleton's tree (shoulder and hip
//!    lines, torso sides and diagonals, neck, face, upper arm, forearm, hand, thigh, shin,
//!    foot) is at most a fixed multiple of Ŝ, and whole limbs too; the head ([`HEAD`]) is
//!    small and the neck ([`NECK`]) short. A 2-D bone can be short (it points at the camera),
//!    never long. A bone whose middle joint is absent is checked end to end, against the sum
//!    of limits.
//! 3. **Paired bones.** Left and right limbs are held to the same limits, but their 2-D
//!    lengths are not compared: they foreshorten independently (a real recording has an upper
//!    arm 95 times its pair, pointing at the camera). What projects alike is compared: the
//!    torso's two sides, parallel in the body ([`SIDES_DIFFER`]); the hip line against the
//!    shoulder line ([`HIPS_WIDER`], [`TWIST_COS`]).
//! 4. **Continuity** with the participant's previous accepted pose, time-aware: the body scale
//!    changes by a bounded factor ([`SCALE_JUMP`], [`SCALE_RATE`]), and every landmark present
//!    in both moves at most `(jitter + speed × dt) × Ŝ` in the picture and in depth, with `dt`
//!    the time between their arrivals but at least one frame at the fastest pose rate,
//!    [`MIN_FRAME_US`]. After [`FORGET_AFTER_US`] without an accepted pose, or when the model
//!    or depth flag changes, the next pose starts afresh.
//!
//! The limits are the largest values seen on every real recording (tfjs-models, ML Kit,
//! MediaPipe docs: 2-D and 3-D, front, three-quarter and side views, 5 to 30 Hz) with a margin
//! of about 15 % for bones and 40 % or more for motion; `rooms/tests/plausible.rs` asserts
//! that none of their frames is refused, in several framings, and measures what a covert
//! encoder can still hide (`protocol/PROTOCOL.md`, Privacy).
//!
//! Sans-IO and deterministic: time is the caller's `now`, and nothing else is read.

use std::collections::HashMap;
use std::fmt;

use breakroom_protocol::pose::VISIBILITY_GRID;
use breakroom_protocol::{Micros, ParticipantId, PoseBlock, PoseModel};

use body::{View, further, layout};

mod body;
mod figure;

pub use figure::standing;

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
    /// Judges a pose arriving at `now`: what to relay if it is plausible (and it becomes the
    /// previous pose), or why not (and nothing but the refusal count changes).
    ///
    /// What is relayed is the canonical form; or, when only that fails, the canonical form
    /// without its unsure landmarks (below visibility 0.5: a model's guesses, which receivers
    /// do not draw or count) if they are at most a fifth of them and it passes so.
    pub fn judge(&mut self, now: Micros, kp: &PoseBlock) -> Result<PoseBlock, Implausible> {
        let canonical = kp.canonical();
        let why = match self.attempt(now, canonical.clone()) {
            Ok(kp) => return Ok(kp),
            Err(why) => why,
        };
        // A few guesses astray (at most a fifth of the landmarks) are dropped; a pose made
        // mostly of guesses is not a body seen.
        let (sure, dropped) = without_unsure(&canonical);
        let few = canonical
            .model()
            .is_some_and(|m| dropped <= m.landmark_count() / 5);
        if dropped > 0
            && few
            && let Ok(kp) = self.attempt(now, sure)
        {
            return Ok(kp);
        }
        self.refused += 1;
        Err(why)
    }

    /// One judgement of a canonical block, counting nothing.
    fn attempt(&mut self, now: Micros, canonical: PoseBlock) -> Result<PoseBlock, Implausible> {
        let Some(mut pose) = Pose::read(&canonical) else {
            // `handle_pose` refuses malformed blocks before this; a judge refuses them too.
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
        let mut scales = [None; ASPECTS.len()];
        let mut first = None;
        for (i, scale) in scales.iter_mut().enumerate() {
            if candidates & (1 << i) == 0 {
                continue;
            }
            match judge_at(&pose, prev.map(|(dt, p, _)| (dt, p)), i) {
                Ok(s) => {
                    passed |= 1 << i;
                    *scale = s;
                }
                Err(why) => {
                    first.get_or_insert(why);
                }
            }
        }
        if passed != 0 {
            pose.scales = scales;
            self.last = Some((now, pose, passed));
            return Ok(canonical);
        }
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

/// A canonical block with its unsure landmarks (visibility level 1, ⅓) made absent, and how
/// many there were.
fn without_unsure(canonical: &PoseBlock) -> (PoseBlock, usize) {
    let stride = if canonical.has_depth() { 6 } else { 5 };
    let mut bytes = canonical.as_bytes().to_vec();
    let landmarks = bytes.get_mut(2..).unwrap_or_default();
    let mut dropped = 0;
    for c in landmarks.chunks_exact_mut(stride) {
        if c[4] == VISIBILITY_GRID {
            c.fill(0);
            dropped += 1;
        }
    }
    let sure = PoseBlock::from_bytes(bytes).unwrap_or_else(|_| canonical.clone());
    (sure, dropped)
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
    /// The body scale at each aspect ratio it passed at (set once judged).
    scales: [Option<f64>; ASPECTS.len()],
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
            scales: [None; ASPECTS.len()],
        })
    }
}

/// The whole judgement at aspect ratio `ASPECTS[a]`: the body scale there, if any.
fn judge_at(
    pose: &Pose,
    prev: Option<(Micros, &Pose)>,
    a: usize,
) -> Result<Option<f64>, Implausible> {
    let aspect = ASPECTS[a];
    let view = View {
        pose,
        aspect,
        layout: layout(pose.model),
    };
    if !pose.marks.iter().any(Mark::present) {
        return Ok(None);
    }
    let scale = view.scale().ok_or(Implausible::NoBody)?;
    if !(MIN_SCALE..=MAX_SCALE).contains(&scale) {
        return Err(Implausible::Scale);
    }
    view.head(scale)?;
    view.bones(scale)?;
    let Some((dt_us, prev)) = prev else {
        return Ok(Some(scale));
    };
    let before = View {
        pose: prev,
        aspect,
        layout: view.layout,
    };
    // Judged at this aspect ratio too (it is one of the stream's), or empty.
    let Some(prev_scale) = prev.scales[a] else {
        return Ok(Some(scale));
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
        let speed = if view.layout.core & (1 << i) != 0 {
            CORE_SPEED
        } else {
            LIMB_SPEED
        };
        let slack = if now.level < 2 || then.level < 2 {
            UNSURE_SLACK
        } else {
            1.0
        };
        let deeper = ((now.z - then.z) * aspect).abs();
        if further(
            view.pt(i),
            before.pt(i),
            (JITTER + speed * dt) * body * slack,
        ) || deeper > (DEPTH_JITTER + DEPTH_SPEED * dt) * body * slack
        {
            return Err(Implausible::Jump);
        }
    }
    Ok(Some(scale))
}
