//! What the simulated participants move like: a synthesized squat by default, or a recording
//! when one is given.
//!
//! The synthesized squat is a BlazePose-33 stick figure with adult proportions, seen from the
//! side (a quarter turned, so left and right do not coincide), squatting smoothly: a rep every
//! [`REP`], knee angle from 178° standing to 90° at the bottom, the torso leaning forward and the
//! arms rising for balance as it goes down. It is computed, not recorded, so the load generator
//! needs no file; the shared squat detector counts its reps like a person's.
//!
//! A recording is a `[frames][33][x, y, z?]` JSON file in pixels (the format of the pose data
//! beside the repository, `../shared/data/pose/`; see its `NOTES.txt` files), given with
//! `--recording` or `BREAKROOM_LOAD_RECORDING`, with its geometry (`WIDTHxHEIGHT@FPS`).

use std::f32::consts::PI;
use std::path::{Path, PathBuf};
use std::time::Duration;

use breakroom_client::replay::Recording;
use breakroom_protocol::{Landmark, PoseModel};

/// One synthesized rep.
pub const REP: Duration = Duration::from_secs(3);
/// Reps in one pass of the synthesized movement (which then loops seamlessly).
const REPS_PER_PASS: u32 = 4;

/// The environment variable naming a recording, as `--recording` does (the Colyseus driver
/// reads it too).
pub const RECORDING_ENV: &str = "BREAKROOM_LOAD_RECORDING";
/// The environment variable giving its geometry, as `--recording-geometry` does.
pub const GEOMETRY_ENV: &str = "BREAKROOM_LOAD_RECORDING_GEOMETRY";
/// The geometry of `tfjs-models/pose_squats.full.json`, the default.
pub const DEFAULT_GEOMETRY: &str = "720x1280@5";

/// What participants replay.
#[derive(Debug, Clone, Default)]
pub enum Movement {
    /// The synthesized squat (the default).
    #[default]
    Synthesized,
    /// A recording loaded from a file.
    Recording {
        /// Where it came from (for the report's header).
        path: PathBuf,
        /// The skeletons.
        recording: Recording,
    },
}

impl Movement {
    /// The recording at `path` (`--recording`, else `BREAKROOM_LOAD_RECORDING`), if any, with
    /// `geometry` `WIDTHxHEIGHT@FPS` (`--recording-geometry`, else
    /// `BREAKROOM_LOAD_RECORDING_GEOMETRY`, else [`DEFAULT_GEOMETRY`]); else the synthesized
    /// squat.
    pub fn from_args(path: Option<PathBuf>, geometry: Option<String>) -> anyhow::Result<Movement> {
        let path = path.or_else(|| std::env::var_os(RECORDING_ENV).map(PathBuf::from));
        let geometry = geometry
            .or_else(|| std::env::var(GEOMETRY_ENV).ok())
            .unwrap_or_else(|| DEFAULT_GEOMETRY.to_owned());
        match path {
            None => Ok(Movement::Synthesized),
            Some(path) => Movement::recording(&path, &geometry),
        }
    }

    /// Loads a BlazePose-33 pixel recording.
    pub fn recording(path: &Path, geometry: &str) -> anyhow::Result<Movement> {
        let (w, h, fps) = parse_geometry(geometry)?;
        let json = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "{}: {e} (recordings live beside the repository in ../shared/data/pose/; \
                 leave out --recording to use the synthesized movement)",
                path.display()
            )
        })?;
        let recording = Recording::from_pixel_json(&json, PoseModel::BlazePose33, w, h, fps)
            .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(Movement::Recording {
            path: path.to_owned(),
            recording,
        })
    }

    /// The landmark layout.
    pub fn model(&self) -> PoseModel {
        match self {
            Movement::Synthesized => PoseModel::BlazePose33,
            Movement::Recording { recording, .. } => recording.model,
        }
    }

    /// How long one pass lasts before it loops.
    pub fn duration(&self) -> Duration {
        match self {
            Movement::Synthesized => REP * REPS_PER_PASS,
            Movement::Recording { recording, .. } => recording.duration(),
        }
    }

    /// The skeleton at `at` into the pass.
    pub fn frame_at(&self, at: Duration) -> Vec<Landmark> {
        match self {
            Movement::Synthesized => squat_at(at),
            Movement::Recording { recording, .. } => recording.frame_at(at),
        }
    }

    /// How the report's header names it.
    pub fn describe(&self) -> String {
        match self {
            Movement::Synthesized => "a synthesized squat".to_owned(),
            Movement::Recording { path, .. } => {
                let name = path.file_name().map_or_else(
                    || path.display().to_string(),
                    |n| n.to_string_lossy().into_owned(),
                );
                format!("the recording {name}")
            }
        }
    }
}

/// `WIDTHxHEIGHT@FPS`, e.g. `720x1280@5`.
fn parse_geometry(g: &str) -> anyhow::Result<(f32, f32, f32)> {
    let bad =
        || anyhow::anyhow!("recording geometry {g:?} is not WIDTHxHEIGHT@FPS (e.g. 720x1280@5)");
    let (size, fps) = g.split_once('@').ok_or_else(bad)?;
    let (w, h) = size.split_once('x').ok_or_else(bad)?;
    let num = |s: &str| s.trim().parse::<f32>().map_err(|_| bad());
    let (w, h, fps) = (num(w)?, num(h)?, num(fps)?);
    if !(w > 0.0 && h > 0.0 && fps > 0.0) {
        return Err(bad());
    }
    Ok((w, h, fps))
}

/// A point of the figure, in normalized image coordinates (the image is square, so angles are
/// undistorted), and its depth (negative towards the camera).
#[derive(Clone, Copy)]
struct P {
    x: f32,
    y: f32,
    z: f32,
}

impl P {
    fn new(x: f32, y: f32) -> P {
        P { x, y, z: 0.0 }
    }

    /// `len` along the direction `deg` (0° is straight down, 90° forward, 180° up).
    fn to(self, len: f32, deg: f32) -> P {
        let r = deg * PI / 180.0;
        P {
            x: self.x + len * r.sin(),
            y: self.y + len * r.cos(),
            z: self.z,
        }
    }

    fn shifted(self, dx: f32, dz: f32) -> P {
        P {
            x: self.x + dx,
            y: self.y,
            z: self.z + dz,
        }
    }

    fn landmark(self) -> Landmark {
        Landmark {
            x: self.x,
            y: self.y,
            z: Some(self.z),
            visibility: 0.98,
        }
    }
}

// Segment lengths as fractions of the image height, for a figure about 0.8 tall.
const SHANK: f32 = 0.21;
const THIGH: f32 = 0.21;
const TORSO: f32 = 0.25;
const NECK_TO_NOSE: f32 = 0.09;
const UPPER_ARM: f32 = 0.14;
const FOREARM: f32 = 0.12;

/// The synthesized squat `at` into the pass: BlazePose-33 landmarks.
pub fn squat_at(at: Duration) -> Vec<Landmark> {
    let phase = (at.as_secs_f32() / REP.as_secs_f32()).fract();
    // 0 standing, 1 at the bottom; smooth, with a moment standing between reps.
    let depth = (0.5 - 0.5 * (2.0 * PI * phase).cos()).powf(1.2);
    let knee_angle = 178.0 - 88.0 * depth;
    // The shank tilts forward, the thigh folds back by the knee angle, the torso leans.
    let shank_tilt = 30.0 * depth;
    let torso_lean = 8.0 + 35.0 * depth;
    let arm_raise = 10.0 + 75.0 * depth;

    let ankle = P::new(0.52, 0.9);
    let knee = ankle.to(SHANK, 180.0 - shank_tilt);
    // Knee → ankle points along `-shank_tilt`; knee → hip is that turned back by the angle.
    let hip = knee.to(THIGH, -shank_tilt - knee_angle);
    let shoulder = hip.to(TORSO, 180.0 - torso_lean);
    let nose = shoulder.to(NECK_TO_NOSE, 165.0 - torso_lean);
    let elbow = shoulder.to(UPPER_ARM, arm_raise);
    let wrist = elbow.to(FOREARM, arm_raise + 15.0);

    // A quarter turn: the far (right) side sits a little behind and to the side.
    let (near, far) = ((0.015, -0.04), (-0.015, 0.04));
    let side = |p: P, (dx, dz): (f32, f32), scale: f32| p.shifted(dx * scale, dz * scale);
    let mut out = Vec::with_capacity(33);
    let head = |dx: f32, dy: f32, dz: f32| P {
        x: nose.x + dx,
        y: nose.y + dy,
        z: nose.z + dz,
    };
    out.push(nose); // 0 nose
    out.push(head(-0.006, -0.012, -0.01)); // 1 left eye inner
    out.push(head(-0.010, -0.013, -0.01)); // 2 left eye
    out.push(head(-0.014, -0.013, -0.01)); // 3 left eye outer
    out.push(head(-0.004, -0.012, 0.01)); // 4 right eye inner
    out.push(head(-0.007, -0.013, 0.01)); // 5 right eye
    out.push(head(-0.010, -0.013, 0.01)); // 6 right eye outer
    out.push(head(-0.035, -0.006, -0.03)); // 7 left ear
    out.push(head(-0.030, -0.006, 0.03)); // 8 right ear
    out.push(head(-0.004, 0.014, -0.008)); // 9 mouth left
    out.push(head(-0.002, 0.014, 0.008)); // 10 mouth right
    for limb in [shoulder, elbow, wrist] {
        out.push(side(limb, near, 1.5)); // 11/13/15 left
        out.push(side(limb, far, 1.5)); // 12/14/16 right
    }
    for (dx, dy) in [(0.012, 0.022), (0.018, 0.018), (0.008, 0.015)] {
        // 17/18 pinky, 19/20 index, 21/22 thumb: around the wrist, along the forearm.
        let hand = wrist.to(dy, arm_raise + 15.0).shifted(dx * 0.3, 0.0);
        out.push(side(hand, near, 1.5));
        out.push(side(hand, far, 1.5));
    }
    let heel = ankle.to(0.025, -60.0);
    let toe = ankle.to(0.07, 80.0);
    for limb in [hip, knee, ankle, heel, toe] {
        out.push(side(limb, near, 1.0)); // 23.. left
        out.push(side(limb, far, 1.0)); // 24.. right
    }
    out.into_iter().map(P::landmark).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use breakroom_protocol::PoseBlock;
    use breakroom_rooms::detect::Detector;

    /// The shared detector counts one rep per synthesized rep, at the workload's rates, and
    /// every frame is a valid keypoint block.
    #[test]
    fn the_detector_counts_the_synthesized_reps() {
        let m = Movement::Synthesized;
        for hz in [15u32, 30] {
            let mut detector = Detector::for_exercise("squats").expect("squats");
            let n = (m.duration().as_secs_f64() * f64::from(hz)) as u32;
            for i in 0..n {
                let at = Duration::from_secs(1) * i / hz;
                let frame = m.frame_at(at);
                assert_eq!(frame.len(), 33);
                PoseBlock::from_landmarks(m.model(), &frame).expect("a valid block");
                detector.update(at.as_micros() as u64, m.model(), &frame);
            }
            assert_eq!(detector.reading().reps, REPS_PER_PASS, "at {hz} Hz");
        }
    }

    /// The pass loops without a jump: its last frame is one step from its first.
    #[test]
    fn the_pass_loops_smoothly() {
        let m = Movement::Synthesized;
        let (a, b) = (m.frame_at(Duration::ZERO), m.frame_at(m.duration()));
        for (a, b) in a.iter().zip(&b) {
            assert!((a.x - b.x).abs() < 1e-4 && (a.y - b.y).abs() < 1e-4);
        }
    }

    #[test]
    fn geometry_is_parsed_and_bad_geometry_refused() {
        assert_eq!(
            parse_geometry("720x1280@5").expect("valid"),
            (720.0, 1280.0, 5.0)
        );
        for bad in ["720x1280", "720@5", "0x1@5", "ax1@5", "1x1@-2"] {
            assert!(parse_geometry(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_missing_recording_says_where_recordings_live() {
        let err = Movement::recording(Path::new("/nonexistent/pose.json"), "720x1280@5")
            .expect_err("missing");
        assert!(err.to_string().contains("../shared/data/pose/"), "{err}");
    }
}
