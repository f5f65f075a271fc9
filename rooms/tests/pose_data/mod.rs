//! The real pose recordings beside the checkout, read straight from their third-party layout
//! (see each folder's `NOTES.txt`): `../shared/data/pose/` from the repository root, or the
//! folder named by `BREAKROOM_POSE_DATA`. Missing files fail the test, saying where to put them.

use breakroom_protocol::pose::COCO17_NAMES;
use breakroom_protocol::{Landmark, PoseModel};
use serde_json::Value;

/// One recording as a client would send it: normalized landmarks, frame by frame.
pub(crate) struct Recording {
    /// Folder, file and variant, e.g. `tfjs-models/pose_squats.full.json`.
    pub(crate) name: String,
    pub(crate) model: PoseModel,
    /// Frames per second; `None` for a set of unrelated still poses.
    pub(crate) fps: Option<f64>,
    pub(crate) frames: Vec<Vec<Landmark>>,
}

/// Reads a recording through the one locator the tests share (`breakroom-pose-data`), which
/// fails saying where to put the files.
fn read(path: &str) -> String {
    breakroom_pose_data::locate::read(path).unwrap_or_else(|missing| panic!("{missing}"))
}

fn json(path: &str) -> Value {
    serde_json::from_str(&read(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn triples(v: &Value) -> Vec<Vec<[f64; 3]>> {
    let frames = v.as_array().expect("an array of frames");
    frames
        .iter()
        .map(|f| {
            f.as_array()
                .expect("an array of landmarks")
                .iter()
                .map(|l| {
                    let n = |i: usize| l[i].as_f64().expect("a number");
                    [n(0), n(1), n(2)]
                })
                .collect()
        })
        .collect()
}

fn visibilities(path: &str) -> Vec<Vec<f32>> {
    let v = json(path);
    v.as_array()
        .expect("an array of frames")
        .iter()
        .map(|f| {
            let f = f.as_array().expect("an array of scores");
            f.iter()
                .map(|s| s.as_f64().expect("a score") as f32)
                .collect()
        })
        .collect()
}

fn lm(x: f64, y: f64, z: Option<f64>, visibility: f32) -> Landmark {
    Landmark {
        x: x as f32,
        y: y as f32,
        z: z.map(|z| z as f32),
        visibility,
    }
}

/// 2-D pixels of a `w` × `h` picture, with depth in pixels scaled like x.
fn image(
    name: &str,
    frames: &[Vec<[f64; 3]>],
    (w, h): (f64, f64),
    vis: Option<&[Vec<f32>]>,
    fps: f64,
) -> Vec<Recording> {
    let build = |depth: bool| {
        frames
            .iter()
            .enumerate()
            .map(|(i, f)| {
                f.iter()
                    .enumerate()
                    .map(|(j, &[x, y, z])| {
                        let v = vis.map_or(1.0, |v| v[i][j]);
                        lm(x / w, y / h, depth.then_some(z / w), v)
                    })
                    .collect()
            })
            .collect()
    };
    vec![
        Recording {
            name: name.to_owned(),
            model: PoseModel::BlazePose33,
            fps: Some(fps),
            frames: build(false),
        },
        Recording {
            name: format!("{name} with depth"),
            model: PoseModel::BlazePose33,
            fps: Some(fps),
            frames: build(true),
        },
    ]
}

/// World landmarks in metres (origin at the hips, y down), seen from the front by an
/// orthographic camera whose picture is 2.5 m square.
fn world(name: &str, frames: &[Vec<[f64; 3]>], vis: Option<&[Vec<f32>]>, fps: f64) -> Recording {
    let frames = frames
        .iter()
        .enumerate()
        .map(|(i, f)| {
            f.iter()
                .enumerate()
                .map(|(j, &[x, y, z])| {
                    let v = vis.map_or(1.0, |v| v[i][j]);
                    lm(0.5 + x / 2.5, 0.5 + y / 2.5, Some(z / 2.5), v)
                })
                .collect()
        })
        .collect();
    Recording {
        name: name.to_owned(),
        model: PoseModel::BlazePose33,
        fps: Some(fps),
        frames,
    }
}

/// `mlkit/fitness_pose_samples.csv`: 812 still poses in pixels of pictures of unknown size,
/// each scaled by its bounding box into [0.1, 0.9] (aspect kept).
fn mlkit() -> Vec<Recording> {
    let rows: Vec<Vec<[f64; 3]>> = read("mlkit/fitness_pose_samples.csv")
        .lines()
        .map(|row| {
            let n: Vec<f64> = row
                .split(',')
                .skip(2)
                .map(|n| n.trim().parse().expect("a number"))
                .collect();
            assert_eq!(n.len(), 99, "33 landmarks × (x, y, z)");
            n.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect()
        })
        .collect();
    let build = |depth: bool| {
        rows.iter()
            .map(|p| {
                let (lo_x, hi_x) = bounds(p.iter().map(|c| c[0]));
                let (lo_y, hi_y) = bounds(p.iter().map(|c| c[1]));
                let s = 0.8 / (hi_x - lo_x).max(hi_y - lo_y);
                p.iter()
                    .map(|c| {
                        let z = depth.then_some(c[2] * s);
                        lm(0.1 + (c[0] - lo_x) * s, 0.1 + (c[1] - lo_y) * s, z, 1.0)
                    })
                    .collect()
            })
            .collect()
    };
    vec![
        Recording {
            name: "mlkit/fitness_pose_samples.csv".to_owned(),
            model: PoseModel::BlazePose33,
            fps: None,
            frames: build(false),
        },
        Recording {
            name: "mlkit/fitness_pose_samples.csv with depth".to_owned(),
            model: PoseModel::BlazePose33,
            fps: None,
            frames: build(true),
        },
    ]
}

fn bounds(values: impl Iterator<Item = f64>) -> (f64, f64) {
    values.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    })
}

/// `tfjs-models/pose_1.json`: 120 MoveNet frames of {name: {x, y}} in pixels of 576 × 576.
fn arm_raise() -> Recording {
    let v = json("tfjs-models/pose_1.json");
    let frames = v
        .as_array()
        .expect("an array of frames")
        .iter()
        .map(|f| {
            COCO17_NAMES
                .iter()
                .map(|name| {
                    let px = |axis: &str| f[name][axis].as_f64().expect("a coordinate");
                    lm(px("x") / 576.0, px("y") / 576.0, None, 1.0)
                })
                .collect()
        })
        .collect();
    Recording {
        name: "tfjs-models/pose_1.json".to_owned(),
        model: PoseModel::Coco17,
        fps: Some(30.0),
        frames,
    }
}

/// Every recording, in each form a client could send it (with and without depth).
pub(crate) fn all() -> Vec<Recording> {
    let mut out = Vec::new();
    let squats = triples(&json("tfjs-models/pose_squats.full.json"));
    out.extend(image(
        "tfjs-models/pose_squats.full.json",
        &squats,
        (720.0, 1280.0),
        None,
        5.0,
    ));
    let squats3d = triples(&json("tfjs-models/pose_squats_3d.full.json"));
    out.push(world(
        "tfjs-models/pose_squats_3d.full.json",
        &squats3d,
        None,
        5.0,
    ));
    out.push(arm_raise());
    out.extend(mlkit());
    for (name, size, fps) in [
        ("pushups_side", (620.0, 348.0), 10.0),
        ("squats_threequarter", (560.0, 720.0), 15.0),
    ] {
        let dir = "mediapipe-docs";
        let vis = visibilities(&format!("{dir}/{name}.visibility.json"));
        let frames = triples(&json(&format!("{dir}/{name}.full.json")));
        assert_eq!(frames.len(), vis.len(), "{name}: a visibility per frame");
        out.extend(image(
            &format!("{dir}/{name}.full.json"),
            &frames,
            size,
            Some(&vis),
            fps,
        ));
        let frames = triples(&json(&format!("{dir}/{name}_3d.full.json")));
        out.push(world(
            &format!("{dir}/{name}_3d.full.json"),
            &frames,
            Some(&vis),
            fps,
        ));
    }
    out
}
