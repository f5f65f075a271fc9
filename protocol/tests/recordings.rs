//! Real pose-model output (the recordings in `../shared/data/pose/`, found by
//! `breakroom_pose_data::locate`; see the README's "Pose recordings") through the whole client
//! path: landmarks → keypoint block → `pose` frame → decode → landmarks.
//!
//! Every x and y comes back within 0.001 of the image size (in fact within half a quantization
//! step, 1.5 / 65535 / 2), and a BlazePose-33 frame without depth fits in 200 bytes.

use breakroom_protocol::pose::COCO17_NAMES as COCO17;
use breakroom_protocol::{ClientMsg, Landmark, PoseModel, decode_client, encode_client};
use serde_json::Value;

/// 2026-01-01T00:00:00Z in µs.
const T: u64 = 1_767_225_600_000_000;
/// Half a quantization step of x and y, plus f32 rounding.
const HALF_STEP: f32 = 1.5 / 65535.0 / 2.0 + 1e-6;

/// A recording's text; fails, saying where to put it, when it is missing.
fn testdata(path: &str) -> String {
    breakroom_pose_data::locate::require(path)
}

fn landmark(x: f64, y: f64, z: Option<f64>) -> Landmark {
    Landmark {
        x: x as f32,
        y: y as f32,
        z: z.map(|z| z as f32),
        visibility: 1.0,
    }
}

/// `pose_squats.full.json`: [65 frames][33][x, y, z] in pixels of a 720x1280 video.
fn squats() -> Vec<Vec<Landmark>> {
    let frames: Vec<Vec<[f64; 3]>> =
        serde_json::from_str(&testdata("tfjs-models/pose_squats.full.json")).expect("JSON");
    frames
        .iter()
        .map(|f| {
            f.iter()
                .map(|&[x, y, z]| landmark(x / 720.0, y / 1280.0, Some(z / 720.0)))
                .collect()
        })
        .collect()
}

/// `pose_1.json`: 120 frames of {name: {x, y}} in pixels of a 576x576 video.
fn arm_raise() -> Vec<Vec<Landmark>> {
    let frames: Vec<Value> =
        serde_json::from_str(&testdata("tfjs-models/pose_1.json")).expect("JSON");
    frames
        .iter()
        .map(|f| {
            COCO17
                .iter()
                .map(|name| {
                    let px = |axis: &str| f[name][axis].as_f64().expect("a coordinate in pixels");
                    landmark(px("x") / 576.0, px("y") / 576.0, None)
                })
                .collect()
        })
        .collect()
}

/// `fitness_pose_samples.csv`: 812 rows of name, class, 33 × (x, y, z) in pixels of images of
/// unknown size, so each pose is scaled by its bounding box into [0.1, 0.9] (aspect kept).
fn fitness_samples() -> Vec<Vec<Landmark>> {
    testdata("mlkit/fitness_pose_samples.csv")
        .lines()
        .map(|row| {
            let numbers: Vec<f64> = row
                .split(',')
                .skip(2)
                .map(|n| n.trim().parse().expect("a number"))
                .collect();
            assert_eq!(numbers.len(), 99, "33 landmarks × (x, y, z)");
            let points: Vec<&[f64]> = numbers.chunks_exact(3).collect();
            let (min_x, max_x) = bounds(points.iter().map(|p| p[0]));
            let (min_y, max_y) = bounds(points.iter().map(|p| p[1]));
            let scale = 0.8 / (max_x - min_x).max(max_y - min_y);
            points
                .iter()
                .map(|p| {
                    let x = 0.1 + (p[0] - min_x) * scale;
                    landmark(x, 0.1 + (p[1] - min_y) * scale, Some(p[2] * scale))
                })
                .collect()
        })
        .collect()
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// What a recording should look like after the trip.
struct Expect {
    frames: usize,
    model: PoseModel,
    /// Exact size of every encoded `pose` frame.
    frame_bytes: usize,
}

/// Sends every frame through `encode_client` / `decode_client` and compares the landmarks.
fn check(name: &str, frames: Vec<Vec<Landmark>>, expect: Expect) {
    assert_eq!(frames.len(), expect.frames, "{name}: frame count");
    let mut worst = 0.0f32;
    for (i, landmarks) in frames.iter().enumerate() {
        let kp = breakroom_protocol::PoseBlock::from_landmarks(expect.model, landmarks)
            .unwrap_or_else(|e| panic!("{name} frame {i}: {e}"));
        let bytes = encode_client(&ClientMsg::Pose {
            t: T + i as u64 * 33_333,
            kp,
        });
        assert_eq!(
            bytes.len(),
            expect.frame_bytes,
            "{name} frame {i}: encoded size"
        );
        let Ok(ClientMsg::Pose { kp, .. }) = decode_client(&bytes) else {
            panic!("{name} frame {i}: does not decode as a pose");
        };
        let decoded = kp.landmarks();
        assert_eq!(
            decoded.len(),
            landmarks.len(),
            "{name} frame {i}: landmark count"
        );
        for (j, (sent, got)) in landmarks.iter().zip(&decoded).enumerate() {
            for (a, b) in [(sent.x, got.x), (sent.y, got.y)] {
                assert!(
                    (-0.25..=1.25).contains(&a),
                    "{name} frame {i} landmark {j}: off range"
                );
                let error = (a - b).abs();
                assert!(
                    error < 0.001,
                    "{name} frame {i} landmark {j}: {a} came back as {b}"
                );
                worst = worst.max(error);
            }
            if let (Some(a), Some(b)) = (sent.z, got.z) {
                let error = (a.clamp(-1.0, 1.0) - b).abs();
                assert!(
                    error <= 0.5 / 127.0 + 1e-6,
                    "{name} frame {i} landmark {j}: z {a} → {b}"
                );
            }
        }
    }
    assert!(
        worst <= HALF_STEP,
        "{name}: worst x/y error {worst} exceeds half a step"
    );
}

fn without_depth(frames: Vec<Vec<Landmark>>) -> Vec<Vec<Landmark>> {
    frames
        .into_iter()
        .map(|f| f.into_iter().map(|l| Landmark { z: None, ..l }).collect())
        .collect()
}

// A `pose` frame is the block plus 27 bytes: fixmap, "type": "pose", "t": uint64, "kp": bin8.

#[test]
fn blazepose_squats_without_depth_fit_in_200_bytes() {
    let expect = Expect {
        frames: 65,
        model: PoseModel::BlazePose33,
        frame_bytes: 194,
    };
    check("pose_squats", without_depth(squats()), expect);
}

#[test]
fn blazepose_squats_with_depth() {
    let expect = Expect {
        frames: 65,
        model: PoseModel::BlazePose33,
        frame_bytes: 227,
    };
    check("pose_squats depth", squats(), expect);
}

#[test]
fn coco_arm_raise() {
    let expect = Expect {
        frames: 120,
        model: PoseModel::Coco17,
        frame_bytes: 114,
    };
    check("pose_1", arm_raise(), expect);
}

#[test]
fn blazepose_fitness_samples_without_depth_fit_in_200_bytes() {
    let expect = Expect {
        frames: 812,
        model: PoseModel::BlazePose33,
        frame_bytes: 194,
    };
    check(
        "fitness_pose_samples",
        without_depth(fitness_samples()),
        expect,
    );
}

#[test]
fn blazepose_fitness_samples_with_depth() {
    let expect = Expect {
        frames: 812,
        model: PoseModel::BlazePose33,
        frame_bytes: 227,
    };
    check("fitness_pose_samples depth", fitness_samples(), expect);
}
