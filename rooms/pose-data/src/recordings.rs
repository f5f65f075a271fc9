//! The real recordings (found by [`crate::locate`]), read into clips in normalized
//! coordinates, rounded to 5 decimals as the fixtures store them. Each panics with
//! [`crate::locate::Missing`]'s message when its file is missing.

use breakroom_protocol::PoseModel;
use serde_json::Value;

use crate::clip::{Clip, Frame};
use crate::locate::{
    MEDIAPIPE_PUSHUPS_2D, MEDIAPIPE_PUSHUPS_VISIBILITY, MEDIAPIPE_SQUATS_2D, MEDIAPIPE_SQUATS_3D,
    MEDIAPIPE_SQUATS_VISIBILITY, MLKIT_POSES, Source, TFJS_ARM_RAISE, TFJS_SQUATS, TFJS_SQUATS_3D,
    require,
};
use crate::space::{self, Clip3, Frame3};
use breakroom_protocol::pose::COCO17_NAMES as COCO17;

/// The `source` of fixtures made from [`squats`].
pub const SQUATS_SOURCE: &str = "tensorflow/tfjs-models pose-detection/test_data/pose_squats.full.json \
    (commit 18a73420e555a3c1948209ebfa807c7086c7ff0c), BlazePose full on a 720x1280 video at 5 fps; \
    Apache-2.0, Copyright Google LLC";
/// The `source` of fixtures made from [`arm_raise`].
pub const ARM_RAISE_SOURCE: &str = "tensorflow/tfjs-models pose-detection/test_data/pose_1.json \
    (commit 18a73420e555a3c1948209ebfa807c7086c7ff0c), MoveNet on a 576x576 video at 30 fps; \
    Apache-2.0, Copyright Google LLC";
/// The `source` of the still poses from [`mlkit`].
pub const MLKIT_SOURCE: &str = "googlesamples/mlkit android/vision-quickstart/app/src/main/assets/pose/\
    fitness_pose_samples.csv (commit f1047837fe1e02d58063bfc30b830fad23ffbc35), BlazePose on still \
    images; Apache-2.0, Copyright Google LLC";

/// The `source` of fixtures filmed from [`squats_3d`] through a virtual camera.
pub const SQUATS_3D_SOURCE: &str = "tensorflow/tfjs-models pose-detection/test_data/pose_squats_3d.full.json \
    (commit 18a73420e555a3c1948209ebfa807c7086c7ff0c), BlazePose world landmarks in metres at 5 fps, \
    stood on a floor and filmed by a virtual pinhole camera; Apache-2.0, Copyright Google LLC";
/// The `source` of fixtures made from [`squats_threequarter`].
pub const THREEQUARTER_SOURCE: &str = "google-ai-edge/mediapipe docs/images/mobile/pose_world_landmarks.mp4 \
    (commit 63e679d99ca45b30514a9d84c9351a2d77bb9ba0), BlazePose full keypoints re-extracted with \
    @mediapipe/pose 0.5.1675469404 from a 560x720 crop at 15 fps, with visibility; Apache-2.0, \
    Copyright Google LLC, google/mediapipe docs";
/// The `source` of fixtures filmed from [`squats_threequarter_3d`] through a virtual camera.
pub const THREEQUARTER_3D_SOURCE: &str = "google-ai-edge/mediapipe docs/images/mobile/pose_world_landmarks.mp4 \
    (commit 63e679d99ca45b30514a9d84c9351a2d77bb9ba0), BlazePose world landmarks re-extracted with \
    @mediapipe/pose 0.5.1675469404 at 15 fps, stood on a floor and filmed by a virtual pinhole \
    camera; Apache-2.0, Copyright Google LLC, google/mediapipe docs";
/// The `source` of fixtures made from [`pushups_side`].
pub const PUSHUPS_SOURCE: &str = "google-ai-edge/mediapipe \
    docs/images/mobile/pose_classification_pushups_and_squats.gif (commit \
    63e679d99ca45b30514a9d84c9351a2d77bb9ba0), top panel, BlazePose full keypoints re-extracted \
    with @mediapipe/pose 0.5.1675469404 at 620x348, 10 fps, with visibility; Apache-2.0, \
    Copyright Google LLC, google/mediapipe docs";

/// `[frames][33][x, y, z]` numbers from a recording.
fn triples(source: Source) -> Vec<Vec<[f64; 3]>> {
    serde_json::from_str(&require(source.file)).unwrap_or_else(|e| panic!("{}: {e}", source.file))
}

/// A 2-D recording in pixels of a `width` x `height` video at `fps`, with the visibility file
/// beside it giving each landmark's visibility.
fn with_visibility(points: Source, scores: Source, (width, height): (f64, f64), fps: u64) -> Clip {
    let raw = triples(points);
    let vis: Vec<Vec<f64>> = serde_json::from_str(&require(scores.file))
        .unwrap_or_else(|e| panic!("{}: {e}", scores.file));
    assert_eq!(
        raw.len(),
        vis.len(),
        "{}: a visibility per frame",
        scores.file
    );
    pixels(&raw, Some(&vis), (width, height), fps)
}

/// BlazePose-33 `[x, y, _]` in pixels of a `width` x `height` video at `fps` as a clip, with
/// each landmark's visibility from `vis` (1.0 without).
fn pixels(
    raw: &[Vec<[f64; 3]>],
    vis: Option<&[Vec<f64>]>,
    (width, height): (f64, f64),
    fps: u64,
) -> Clip {
    let frames = raw
        .iter()
        .enumerate()
        .map(|(i, f)| Frame {
            t_us: i as u64 * 1_000_000 / fps,
            lms: f
                .iter()
                .enumerate()
                .map(|(k, &[x, y, _])| {
                    let v = vis.map_or(1.0, |vis| vis[i][k]);
                    [x / width, y / height, v]
                })
                .collect(),
        })
        .collect();
    Clip {
        model: PoseModel::BlazePose33,
        frames,
    }
    .rounded()
}

/// World landmarks (metres, hip midpoint at the origin, y down) at `fps`, stood on the floor
/// facing +Z ([`space::stand`]).
fn world(source: Source, fps: u64) -> Clip3 {
    let frames = triples(source)
        .iter()
        .enumerate()
        .map(|(i, f)| Frame3 {
            t_us: i as u64 * 1_000_000 / fps,
            pts: f.iter().map(|&[x, y, z]| [x, -y, -z]).collect(),
        })
        .collect();
    space::stand(Clip3 { frames })
}

/// `pose_squats_3d.full.json`: the squats of [`squats`] as 65 frames of world landmarks at
/// 5 fps, stood on the floor.
pub fn squats_3d() -> Clip3 {
    world(TFJS_SQUATS_3D, 5)
}

/// `squats_threequarter.full.json` with its visibility file: 91 frames at 15 fps of a second
/// person squatting, filmed from three-quarters front, pixels of 560x720.
pub fn squats_threequarter() -> Clip {
    with_visibility(
        MEDIAPIPE_SQUATS_2D,
        MEDIAPIPE_SQUATS_VISIBILITY,
        (560.0, 720.0),
        15,
    )
}

/// `squats_threequarter_3d.full.json`: [`squats_threequarter`]'s world landmarks, stood on
/// the floor.
pub fn squats_threequarter_3d() -> Clip3 {
    world(MEDIAPIPE_SQUATS_3D, 15)
}

/// `pushups_side.full.json` with its visibility file: 57 frames at 10 fps of floor push-ups
/// seen from the side, pixels of 620x348.
pub fn pushups_side() -> Clip {
    with_visibility(
        MEDIAPIPE_PUSHUPS_2D,
        MEDIAPIPE_PUSHUPS_VISIBILITY,
        (620.0, 348.0),
        10,
    )
}

/// `pose_squats.full.json`: 65 frames of 33 `[x, y, z]` in pixels of a 720x1280 video at
/// 5 fps. No visibility in the file: 1.0.
pub fn squats() -> Clip {
    let raw: Vec<Vec<[f64; 3]>> = serde_json::from_str(&require(TFJS_SQUATS.file)).expect("JSON");
    pixels(&raw, None, (720.0, 1280.0), 5)
}

/// `pose_1.json`: 120 frames of `{name: {x, y}}` in pixels of a 576x576 video at 30 fps.
pub fn arm_raise() -> Clip {
    let raw: Vec<Value> = serde_json::from_str(&require(TFJS_ARM_RAISE.file)).expect("JSON");
    let frames = raw
        .iter()
        .enumerate()
        .map(|(i, f)| Frame {
            t_us: i as u64 * 1_000_000 / 30,
            lms: COCO17
                .iter()
                .map(|name| {
                    let px = |axis: &str| f[name][axis].as_f64().expect("pixels");
                    [px("x") / 576.0, px("y") / 576.0, 1.0]
                })
                .collect(),
        })
        .collect();
    Clip {
        model: PoseModel::Coco17,
        frames,
    }
    .rounded()
}

/// One ML Kit sample: its class and 33 `[x, y, 1]` scaled by its bounding box into
/// [0.1, 0.9], aspect kept, centred.
pub struct StillPose {
    /// The sample's class (`squats_up`, `pushups_down`, …).
    pub label: String,
    /// `[x, y, 1]` per landmark.
    pub lms: Vec<[f64; 3]>,
}

/// Every row of `fitness_pose_samples.csv`: `name, class, 33 × (x, y, z)` in pixels.
pub fn mlkit() -> Vec<StillPose> {
    require(MLKIT_POSES.file)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let cols: Vec<&str> = line.split(',').collect();
            let nums: Vec<f64> = cols[2..]
                .iter()
                .map(|c| c.trim().parse().expect("a number"))
                .collect();
            assert_eq!(nums.len(), 99, "33 landmarks of x, y, z");
            let pts: Vec<(f64, f64)> = nums.chunks(3).map(|c| (c[0], c[1])).collect();
            let (min_x, max_x) = bounds(pts.iter().map(|p| p.0));
            let (min_y, max_y) = bounds(pts.iter().map(|p| p.1));
            let (w, h) = (max_x - min_x, max_y - min_y);
            let scale = 0.8 / w.max(h);
            let (ox, oy) = (0.1 + (0.8 - w * scale) / 2.0, 0.1 + (0.8 - h * scale) / 2.0);
            let lms = pts
                .iter()
                .map(|&(x, y)| [ox + (x - min_x) * scale, oy + (y - min_y) * scale, 1.0])
                .map(|lm| lm.map(crate::clip::round5))
                .collect();
            StillPose {
                label: cols[1].trim().to_owned(),
                lms,
            }
        })
        .collect()
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}
