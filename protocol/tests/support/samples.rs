//! Sample skeletons for the pose vectors: the first frame of each tfjs-models recording in
//! `testdata/pose/tfjs-models`, normalized and rounded to 4 decimals.

use breakroom_protocol::{Landmark, PoseBlock, PoseModel};

/// `pose_squats.full.json` frame 0: BlazePose-33 `[x / 720, y / 1280, z / 720]`.
// Measured coordinates; one of them happens to be close to π/4.
#[allow(clippy::approx_constant)]
const BLAZEPOSE_FRAME: [[f32; 3]; 33] = [
    [0.5001, 0.1860, -0.2117],
    [0.5034, 0.1764, -0.1677],
    [0.5097, 0.1765, -0.1678],
    [0.5178, 0.1768, -0.1677],
    [0.4793, 0.1759, -0.1858],
    [0.4698, 0.1759, -0.1859],
    [0.4590, 0.1760, -0.1853],
    [0.5155, 0.1840, 0.0428],
    [0.4350, 0.1835, -0.0423],
    [0.5109, 0.2015, -0.1345],
    [0.4810, 0.2011, -0.1591],
    [0.5722, 0.2683, 0.1447],
    [0.3705, 0.2589, -0.0672],
    [0.6105, 0.3648, 0.1972],
    [0.2995, 0.3534, -0.1169],
    [0.6728, 0.4453, 0.0763],
    [0.2735, 0.4379, -0.2476],
    [0.6924, 0.4695, 0.0300],
    [0.2617, 0.4694, -0.3084],
    [0.6935, 0.4687, -0.0402],
    [0.2879, 0.4672, -0.3555],
    [0.6810, 0.4597, 0.0416],
    [0.2996, 0.4562, -0.2717],
    [0.5097, 0.4567, 0.0983],
    [0.3963, 0.4497, -0.0979],
    [0.4985, 0.6117, 0.0734],
    [0.3978, 0.6045, -0.1278],
    [0.4767, 0.7483, 0.1622],
    [0.3600, 0.7419, -0.0030],
    [0.4550, 0.7697, 0.1620],
    [0.3490, 0.7575, 0.0013],
    [0.5504, 0.7854, -0.0182],
    [0.3959, 0.7900, -0.2161],
];

/// `pose_1.json` frame 0: COCO-17 `[x / 576, y / 576]`.
const COCO_FRAME: [[f32; 2]; 17] = [
    [0.4996, 0.3538], // nose
    [0.5085, 0.3477], // left_eye
    [0.4906, 0.3481], // right_eye
    [0.5191, 0.3648], // left_ear
    [0.4785, 0.3646], // right_ear
    [0.5530, 0.4112], // left_shoulder
    [0.4416, 0.4082], // right_shoulder
    [0.5879, 0.4604], // left_elbow
    [0.4018, 0.4636], // right_elbow
    [0.6270, 0.5174], // left_wrist
    [0.3631, 0.5270], // right_wrist
    [0.5249, 0.5483], // left_hip
    [0.4762, 0.5488], // right_hip
    [0.5299, 0.6197], // left_knee
    [0.4611, 0.6165], // right_knee
    [0.5231, 0.7482], // left_ankle
    [0.4527, 0.6655], // right_ankle
];

/// A visibility pattern that exercises the whole byte range (the recordings have none).
fn visibility(i: usize) -> f32 {
    ((i * 37) % 101) as f32 / 100.0
}

/// The BlazePose sample, with or without depth.
pub(crate) fn blazepose(depth: bool) -> PoseBlock {
    let landmarks: Vec<Landmark> = BLAZEPOSE_FRAME
        .iter()
        .enumerate()
        .map(|(i, &[x, y, z])| Landmark {
            x,
            y,
            z: depth.then_some(z),
            visibility: visibility(i),
        })
        .collect();
    PoseBlock::from_landmarks(PoseModel::BlazePose33, &landmarks).expect("33 finite landmarks")
}

/// The COCO sample, with or without (made-up) depth.
pub(crate) fn coco(depth: bool) -> PoseBlock {
    let landmarks: Vec<Landmark> = COCO_FRAME
        .iter()
        .enumerate()
        .map(|(i, &[x, y])| Landmark {
            x,
            y,
            z: depth.then_some((i % 5) as f32 * 0.1 - 0.2),
            visibility: visibility(i + 3),
        })
        .collect();
    PoseBlock::from_landmarks(PoseModel::Coco17, &landmarks).expect("17 finite landmarks")
}
