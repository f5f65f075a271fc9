//! The keypoint block: the one fixed-layout byte string on the wire.
//!
//! Layout (all multi-byte integers little-endian):
//!
//! | offset | size | field                                                        |
//! |--------|------|--------------------------------------------------------------|
//! | 0      | 1    | model: `1` = BlazePose-33, `2` = COCO-17                     |
//! | 1      | 1    | flags: bit 0 = depth present; all other bits must be zero    |
//! | 2      | n×s  | `n` landmarks in the model's order, each `s` bytes (below)   |
//!
//! Each landmark: `x: u16`, `y: u16`, `visibility: u8`, then `z: i8` only when the depth flag is
//! set (`s` = 5 without depth, 6 with). `x` and `y` map linearly from normalized image coordinates
//! in [-0.25, 1.25] onto 0..=65535 (`q = round((c + 0.25) / 1.5 * 65535)`), so landmarks a little
//! off-screen keep their position; values beyond the range are clamped to it. Visibility maps
//! [0, 1] onto 0..=255. Depth maps [-1, 1] (in units of image width, negative towards the camera,
//! as BlazePose reports it) onto -127..=127.
//!
//! Sizes: BlazePose-33 is 167 bytes, 200 with depth; COCO-17 is 87 bytes, 104 with depth.
//!
//! # Promised precision and the canonical block
//!
//! The layout's integers are finer than anything a pose model measures. What a receiver is
//! promised, and all that a relay passes on ([`PoseBlock::canonical`]), is coarser:
//!
//! - x and y: multiples of [`COORD_GRID`] (51), i.e. 1285 steps over [-0.25, 1.25], one step
//!   ≈ 1.17 × 10⁻³ of the image size;
//! - visibility: multiples of [`VISIBILITY_GRID`] (85), four levels 0, ⅓, ⅔, 1 (a model's
//!   0.5 threshold is kept exactly: `v ≥ 0.5` before ⇔ `v ≥ ⅔` after);
//! - z: multiples of [`DEPTH_GRID`] (8) within ±120, 31 levels, one step ≈ 0.063 of the image width;
//! - a landmark whose visibility rounds to 0 is *absent*: its x, y and z are all zero bytes.
//!
//! The decoding formulas do not change, so a block's canonical form is read like any other.

use serde::{Deserialize, Serialize};

/// Lowest normalized coordinate that the block can carry.
pub const COORD_MIN: f32 = -0.25;
/// Highest normalized coordinate that the block can carry.
pub const COORD_MAX: f32 = 1.25;
/// Canonical x and y are multiples of this step of the `u16` scale (65535 = 51 × 1285).
pub const COORD_GRID: u16 = 51;
/// Canonical visibilities are multiples of this step of the `u8` scale (255 = 85 × 3).
pub const VISIBILITY_GRID: u8 = 85;
/// Canonical depths are multiples of this step of the `i8` scale.
pub const DEPTH_GRID: i8 = 8;
/// Largest canonical depth magnitude (15 steps of [`DEPTH_GRID`]).
pub const DEPTH_MAX: i8 = 120;
const HEADER_LEN: usize = 2;
const FLAG_DEPTH: u8 = 0b0000_0001;

/// The pose model whose landmark layout a block carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PoseModel {
    /// MediaPipe BlazePose: 33 landmarks, `0` nose … `32` right foot index.
    BlazePose33,
    /// COCO keypoints (MoveNet, PoseNet): 17 keypoints, `0` nose … `16` right ankle.
    Coco17,
}

/// COCO-17 keypoint names, in block order (MoveNet, PoseNet, TF.js pose-detection).
pub const COCO17_NAMES: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

impl PoseModel {
    /// Number of landmarks in this model's layout.
    pub const fn landmark_count(self) -> usize {
        match self {
            PoseModel::BlazePose33 => 33,
            PoseModel::Coco17 => 17,
        }
    }

    /// The model byte at offset 0 of a block.
    pub const fn code(self) -> u8 {
        match self {
            PoseModel::BlazePose33 => 1,
            PoseModel::Coco17 => 2,
        }
    }

    /// The model for a block's first byte, if it names one.
    pub const fn from_code(code: u8) -> Option<PoseModel> {
        match code {
            1 => Some(PoseModel::BlazePose33),
            2 => Some(PoseModel::Coco17),
            _ => None,
        }
    }

    /// Exact size in bytes of a block of this model.
    pub const fn block_len(self, depth: bool) -> usize {
        HEADER_LEN + self.landmark_count() * if depth { 6 } else { 5 }
    }
}

/// One landmark in normalized image coordinates, as a pose model reports it.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Landmark {
    /// Horizontal position, 0 = left edge, 1 = right edge of the image.
    pub x: f32,
    /// Vertical position, 0 = top edge, 1 = bottom edge of the image.
    pub y: f32,
    /// Depth in units of image width, negative towards the camera; `None` when not measured.
    pub z: Option<f32>,
    /// The model's confidence that the landmark is visible, 0 to 1.
    pub visibility: f32,
}

/// Why bytes or landmarks do not make a valid keypoint block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PoseError {
    /// The first byte names no known model.
    #[error("unknown pose model {0}")]
    UnknownModel(u8),
    /// Reserved flag bits are set.
    #[error("reserved pose flags set: {0:#04x}")]
    ReservedFlags(u8),
    /// The block's length does not match its model and flags.
    #[error("pose block is {actual} bytes, expected {expected} for its model")]
    WrongLength {
        /// The length the model and flags call for.
        expected: usize,
        /// The length received.
        actual: usize,
    },
    /// The number of landmarks given does not match the model.
    #[error("{actual} landmarks given, the model has {expected}")]
    WrongLandmarkCount {
        /// The model's landmark count.
        expected: usize,
        /// The count given.
        actual: usize,
    },
    /// A coordinate, depth or visibility is NaN or infinite.
    #[error("landmark {0} has a non-finite value")]
    NonFinite(usize),
}

/// A validated, quantized skeleton: see the module docs for the exact layout.
///
/// Blocks built with [`PoseBlock::from_landmarks`] or [`PoseBlock::from_bytes`] are always
/// valid. The wire decoder checks every received block the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PoseBlock(#[serde(with = "serde_bytes")] Vec<u8>);

impl PoseBlock {
    /// Quantizes landmarks into a block. Depth is kept only if every landmark has one.
    ///
    /// The block keeps the layout's full precision; a relay passes on its
    /// [`Self::canonical`] form.
    pub fn from_landmarks(model: PoseModel, landmarks: &[Landmark]) -> Result<Self, PoseError> {
        let expected = model.landmark_count();
        if landmarks.len() != expected {
            return Err(PoseError::WrongLandmarkCount {
                expected,
                actual: landmarks.len(),
            });
        }
        let depth = landmarks.iter().all(|l| l.z.is_some());
        let mut bytes = Vec::with_capacity(model.block_len(depth));
        bytes.push(model.code());
        bytes.push(if depth { FLAG_DEPTH } else { 0 });
        for (i, l) in landmarks.iter().enumerate() {
            let finite = l.x.is_finite()
                && l.y.is_finite()
                && l.visibility.is_finite()
                && l.z.is_none_or(f32::is_finite);
            if !finite {
                return Err(PoseError::NonFinite(i));
            }
            bytes.extend_from_slice(&quantize_coord(l.x).to_le_bytes());
            bytes.extend_from_slice(&quantize_coord(l.y).to_le_bytes());
            bytes.push((l.visibility.clamp(0.0, 1.0) * 255.0).round() as u8);
            if depth {
                let z = l.z.unwrap_or_default().clamp(-1.0, 1.0);
                bytes.push(((z * 127.0).round() as i8).to_le_bytes()[0]);
            }
        }
        Ok(PoseBlock(bytes))
    }

    /// Checks raw bytes against the layout and wraps them.
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self, PoseError> {
        let block = PoseBlock(bytes);
        block.check()?;
        Ok(block)
    }

    /// Checks this block against the layout. The decoder calls it on every received block.
    pub fn check(&self) -> Result<(), PoseError> {
        let (&model, &flags) = match (self.0.first(), self.0.get(1)) {
            (Some(m), Some(f)) => (m, f),
            _ => {
                return Err(PoseError::WrongLength {
                    expected: HEADER_LEN,
                    actual: self.0.len(),
                });
            }
        };
        let model = PoseModel::from_code(model).ok_or(PoseError::UnknownModel(model))?;
        if flags & !FLAG_DEPTH != 0 {
            return Err(PoseError::ReservedFlags(flags));
        }
        let expected = model.block_len(flags & FLAG_DEPTH != 0);
        if self.0.len() != expected {
            return Err(PoseError::WrongLength {
                expected,
                actual: self.0.len(),
            });
        }
        Ok(())
    }

    /// The model this block's landmarks follow.
    pub fn model(&self) -> Option<PoseModel> {
        self.0.first().copied().and_then(PoseModel::from_code)
    }

    /// Whether the block carries depth.
    pub fn has_depth(&self) -> bool {
        self.0.get(1).is_some_and(|f| f & FLAG_DEPTH != 0)
    }

    /// The block re-encoded at the promised precision (see the module docs): the same model
    /// and depth flag, every x and y rounded to [`COORD_GRID`], visibility to
    /// [`VISIBILITY_GRID`], z to [`DEPTH_GRID`] within ±[`DEPTH_MAX`], and absent landmarks
    /// (visibility rounding to 0) zeroed. Idempotent; a malformed block comes back unchanged
    /// (the decoder never lets one through).
    pub fn canonical(&self) -> PoseBlock {
        if self.check().is_err() {
            return self.clone();
        }
        let depth = self.has_depth();
        let stride = if depth { 6 } else { 5 };
        let mut out = self.0.clone();
        for c in out[HEADER_LEN..].chunks_exact_mut(stride) {
            let visibility = round_to(u32::from(c[4]), u32::from(VISIBILITY_GRID));
            if visibility == 0 {
                c.fill(0);
                continue;
            }
            let x = round_to(
                u32::from(u16::from_le_bytes([c[0], c[1]])),
                u32::from(COORD_GRID),
            );
            let y = round_to(
                u32::from(u16::from_le_bytes([c[2], c[3]])),
                u32::from(COORD_GRID),
            );
            // Both are at most 65535: a multiple of 51 rounds within the u16 range.
            c[0..2].copy_from_slice(&(x as u16).to_le_bytes());
            c[2..4].copy_from_slice(&(y as u16).to_le_bytes());
            c[4] = visibility as u8;
            if depth {
                let z = i32::from(i8::from_le_bytes([c[5]]));
                let step = i32::from(DEPTH_GRID);
                let max = i32::from(DEPTH_MAX);
                let z = ((z + z.signum() * step / 2) / step * step).clamp(-max, max);
                c[5] = (z as i8).to_le_bytes()[0];
            }
        }
        PoseBlock(out)
    }

    /// Whether the block is its own [`Self::canonical`] form.
    pub fn is_canonical(&self) -> bool {
        self.canonical() == *self
    }

    /// The raw bytes, exactly as they travel.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Dequantized landmarks; empty if the block is malformed (which [`Self::check`] reports).
    pub fn landmarks(&self) -> Vec<Landmark> {
        if self.check().is_err() {
            return Vec::new();
        }
        let depth = self.has_depth();
        let stride = if depth { 6 } else { 5 };
        self.0[HEADER_LEN..]
            .chunks_exact(stride)
            .map(|c| Landmark {
                x: dequantize_coord(u16::from_le_bytes([c[0], c[1]])),
                y: dequantize_coord(u16::from_le_bytes([c[2], c[3]])),
                visibility: f32::from(c[4]) / 255.0,
                z: depth.then(|| f32::from(i8::from_le_bytes([c[5]])) / 127.0),
            })
            .collect()
    }
}

/// `q` rounded to the nearest multiple of `step`, halves up.
fn round_to(q: u32, step: u32) -> u32 {
    (q + step / 2) / step * step
}

fn quantize_coord(c: f32) -> u16 {
    let unit = (c.clamp(COORD_MIN, COORD_MAX) - COORD_MIN) / (COORD_MAX - COORD_MIN);
    (unit * f32::from(u16::MAX)).round() as u16
}

fn dequantize_coord(q: u16) -> f32 {
    COORD_MIN + f32::from(q) / f32::from(u16::MAX) * (COORD_MAX - COORD_MIN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_match_the_documented_layout() {
        assert_eq!(PoseModel::BlazePose33.block_len(false), 167);
        assert_eq!(PoseModel::BlazePose33.block_len(true), 200);
        assert_eq!(PoseModel::Coco17.block_len(false), 87);
        assert_eq!(PoseModel::Coco17.block_len(true), 104);
    }

    #[test]
    fn round_trip_keeps_landmarks_within_a_thousandth() {
        let lms: Vec<Landmark> = (0..17)
            .map(|i| Landmark {
                x: -0.2 + i as f32 * 0.08,
                y: 1.2 - i as f32 * 0.07,
                z: Some(-0.5 + i as f32 * 0.05),
                visibility: i as f32 / 16.0,
            })
            .collect();
        let block = PoseBlock::from_landmarks(PoseModel::Coco17, &lms).expect("valid landmarks");
        assert_eq!(block.as_bytes().len(), 104);
        for (a, b) in lms.iter().zip(block.landmarks()) {
            assert!(
                (a.x - b.x).abs() < 0.001 && (a.y - b.y).abs() < 0.001,
                "{a:?} vs {b:?}"
            );
            assert!((a.visibility - b.visibility).abs() < 0.003);
            assert!((a.z.expect("depth") - b.z.expect("depth")).abs() < 0.005);
        }
    }

    fn block(model: PoseModel, depth: bool, fill: impl Fn(usize) -> [u8; 6]) -> PoseBlock {
        let n = model.landmark_count();
        let mut bytes = vec![model.code(), u8::from(depth)];
        for i in 0..n {
            bytes.extend_from_slice(&fill(i)[..if depth { 6 } else { 5 }]);
        }
        PoseBlock::from_bytes(bytes).expect("a valid block")
    }

    #[test]
    fn canonical_keeps_only_the_promised_precision() {
        // x 1000 → 1020 (20 × 51), y 65535 stays, visibility 200 → 170, z -128 → -120.
        let raw = block(PoseModel::Coco17, true, |_| {
            let [x0, x1] = 1000u16.to_le_bytes();
            [x0, x1, 0xff, 0xff, 200, 0x80]
        });
        let canonical = raw.canonical();
        let c = &canonical.as_bytes()[2..8];
        assert_eq!(u16::from_le_bytes([c[0], c[1]]), 1020);
        assert_eq!(u16::from_le_bytes([c[2], c[3]]), 65535);
        assert_eq!(c[4], 170);
        assert_eq!(i8::from_le_bytes([c[5]]), -120);
        assert!(canonical.is_canonical());
        assert!(!raw.is_canonical());
        assert_eq!(canonical.canonical(), canonical, "idempotent");
    }

    #[test]
    fn canonical_zeroes_absent_landmarks_and_keeps_the_header() {
        // Visibility 42 (< 1/6) is absent: whatever x, y and z held is gone.
        let raw = block(PoseModel::BlazePose33, true, |i| {
            [i as u8, 0x5a, 0xa5, 0x3c, 42, 0x7f]
        });
        let canonical = raw.canonical();
        assert_eq!(&canonical.as_bytes()[..2], &[1, 1]);
        assert!(canonical.as_bytes()[2..].iter().all(|&b| b == 0));
    }

    #[test]
    fn canonical_visibility_keeps_the_half_threshold() {
        for q in 0..=255u8 {
            let raw = block(PoseModel::Coco17, false, |_| [0, 0x80, 0, 0x80, q, 0]);
            let v = raw.canonical().landmarks()[0].visibility;
            assert_eq!(v >= 0.5, q >= 128, "q = {q} → v = {v}");
        }
    }

    #[test]
    fn canonical_moves_coordinates_by_at_most_half_a_step() {
        let lms: Vec<Landmark> = (0..33)
            .map(|i| Landmark {
                x: -0.3 + i as f32 * 0.047,
                y: 1.3 - i as f32 * 0.043,
                z: Some(-0.9 + i as f32 * 0.05),
                visibility: 1.0,
            })
            .collect();
        let raw = PoseBlock::from_landmarks(PoseModel::BlazePose33, &lms).expect("valid");
        let half = 1.5 / 1285.0 / 2.0 + 1e-6;
        for (a, b) in raw.landmarks().iter().zip(raw.canonical().landmarks()) {
            assert!(
                (a.x - b.x).abs() <= half && (a.y - b.y).abs() <= half,
                "{a:?} {b:?}"
            );
            let (za, zb) = (a.z.expect("depth"), b.z.expect("depth"));
            assert!((za.clamp(-120.0 / 127.0, 120.0 / 127.0) - zb).abs() <= 4.0 / 127.0 + 1e-6);
        }
    }

    #[test]
    fn malformed_blocks_are_typed_errors() {
        let check = |bytes: Vec<u8>| PoseBlock::from_bytes(bytes).expect_err("malformed");
        assert_eq!(
            check(vec![]),
            PoseError::WrongLength {
                expected: 2,
                actual: 0
            }
        );
        assert_eq!(check(vec![9, 0]), PoseError::UnknownModel(9));
        assert_eq!(check(vec![1, 2]), PoseError::ReservedFlags(2));
        assert_eq!(
            check(vec![1, 0, 0]),
            PoseError::WrongLength {
                expected: 167,
                actual: 3
            }
        );
        let nan = vec![
            Landmark {
                x: f32::NAN,
                ..Landmark::default()
            };
            17
        ];
        assert_eq!(
            PoseBlock::from_landmarks(PoseModel::Coco17, &nan).expect_err("NaN"),
            PoseError::NonFinite(0)
        );
    }
}
