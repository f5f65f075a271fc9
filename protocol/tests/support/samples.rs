//! Sample skeletons for the pose vectors: hand-drawn bodies (no recording's keypoints, which
//! stay outside the repository), with coordinates on a 1/1000 grid.

use breakroom_protocol::{Landmark, PoseBlock, PoseModel};

/// A person squatting halfway, arms forward, a little turned: BlazePose-33 `[x, y, z]`
/// ("left" is the person's, on the picture's right; z in the same unit as x, hips at 0).
const BLAZEPOSE_FRAME: [[f32; 3]; 33] = [
    [0.500, 0.240, -0.210], // nose
    [0.508, 0.228, -0.195], // left eye (inner)
    [0.516, 0.227, -0.195], // left eye
    [0.524, 0.228, -0.194], // left eye (outer)
    [0.490, 0.229, -0.201], // right eye (inner)
    [0.482, 0.228, -0.202], // right eye
    [0.474, 0.229, -0.202], // right eye (outer)
    [0.536, 0.238, -0.090], // left ear
    [0.462, 0.239, -0.120], // right ear
    [0.512, 0.258, -0.180], // mouth (left)
    [0.488, 0.259, -0.184], // mouth (right)
    [0.574, 0.330, -0.020], // left shoulder
    [0.424, 0.332, -0.060], // right shoulder
    [0.590, 0.420, -0.150], // left elbow
    [0.410, 0.424, -0.190], // right elbow
    [0.586, 0.432, -0.330], // left wrist
    [0.414, 0.436, -0.370], // right wrist
    [0.590, 0.436, -0.370], // left pinky
    [0.410, 0.440, -0.410], // right pinky
    [0.584, 0.440, -0.372], // left index
    [0.416, 0.444, -0.412], // right index
    [0.580, 0.434, -0.350], // left thumb
    [0.420, 0.438, -0.390], // right thumb
    [0.548, 0.560, 0.010],  // left hip
    [0.454, 0.562, -0.010], // right hip
    [0.574, 0.664, -0.140], // left knee
    [0.430, 0.668, -0.160], // right knee
    [0.560, 0.812, 0.020],  // left ankle
    [0.444, 0.816, 0.000],  // right ankle
    [0.556, 0.830, 0.040],  // left heel
    [0.448, 0.834, 0.020],  // right heel
    [0.574, 0.846, -0.080], // left foot index
    [0.430, 0.850, -0.100], // right foot index
];

/// A person standing with the left arm raised: COCO-17 `[x, y]`.
const COCO_FRAME: [[f32; 2]; 17] = [
    [0.500, 0.220], // nose
    [0.510, 0.208], // left_eye
    [0.490, 0.208], // right_eye
    [0.524, 0.216], // left_ear
    [0.476, 0.216], // right_ear
    [0.560, 0.300], // left_shoulder
    [0.440, 0.300], // right_shoulder
    [0.600, 0.220], // left_elbow
    [0.420, 0.400], // right_elbow
    [0.620, 0.130], // left_wrist
    [0.416, 0.490], // right_wrist
    [0.540, 0.520], // left_hip
    [0.460, 0.520], // right_hip
    [0.544, 0.680], // left_knee
    [0.456, 0.680], // right_knee
    [0.546, 0.840], // left_ankle
    [0.454, 0.840], // right_ankle
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
