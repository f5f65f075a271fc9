//! A simulated participant: skeletons to replay.
//!
//! [`Recording::squats`] synthesizes them: a BlazePose-33 person, drawn by hand from body
//! proportions (no recording in it), doing bodyweight squats facing the camera, two per pass,
//! standing at the start and end of the pass so it loops without a jump. It is the default
//! movement of the examples and the load generator, and needs no file. Count it with the
//! shared detector ([`crate::Client::track`], or `breakroom_rooms::detect::Detector`): two reps
//! a pass.
//!
//! A real recording is loaded with [`Recording::from_pixel_file`] (or
//! [`Recording::from_pixel_json`]): for instance tfjs-models' `pose_squats.full.json` (65
//! frames at 5 fps of a 720×1280 video, two full reps and a third still rising at the last
//! frame), which is not in the repository but beside it in `../shared/data/pose/` (the README's
//! "Pose recordings" says where it comes from).

use std::path::Path;
use std::time::Duration;

use breakroom_protocol::{Landmark, PoseModel};

mod synth;

/// Why a recording could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The file could not be read.
    #[error("cannot read the recording {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not JSON of the expected shape.
    #[error("recording is not a [frames][landmarks][x, y, z] array: {0}")]
    Json(#[from] serde_json::Error),
    /// A frame has the wrong number of landmarks, or a landmark too few coordinates.
    #[error("frame {frame} does not have {expected} landmarks of 2 or 3 coordinates")]
    Shape {
        /// Index of the bad frame.
        frame: usize,
        /// Landmarks the model has.
        expected: usize,
    },
    /// No frames at all, or a frame rate that is not positive.
    #[error("a recording needs at least one frame and a positive frame rate")]
    Empty,
}

/// Recorded skeletons in normalized image coordinates, played back in a loop.
#[derive(Debug, Clone, PartialEq)]
pub struct Recording {
    /// The landmark layout of the frames.
    pub model: PoseModel,
    /// The frames, each with the model's number of landmarks.
    pub frames: Vec<Vec<Landmark>>,
    /// Frames per second of the recording.
    pub fps: f32,
    /// Width over height of the recorded image (to measure angles undistorted).
    pub aspect: f32,
}

impl Recording {
    /// Synthesized squats: BlazePose-33, 90 frames at 15 fps (6 s), a 720×1280 portrait
    /// image, visibility 1.0, no depth. Each pass is two squats of 2.5 s, each after 0.5 s
    /// standing; the 2D knee angle goes from about 178° standing to about 97° at the bottom.
    pub fn squats() -> Recording {
        synth::squats()
    }

    /// Loads a `[frames][landmarks][x, y, z?]` file in pixels, as [`Self::from_pixel_json`].
    pub fn from_pixel_file(
        path: &Path,
        model: PoseModel,
        width: f32,
        height: f32,
        fps: f32,
    ) -> Result<Recording, ReplayError> {
        let json = std::fs::read_to_string(path).map_err(|source| ReplayError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Recording::from_pixel_json(&json, model, width, height, fps)
    }

    /// Loads `[frames][landmarks][x, y, z?]` in pixels of a `width`×`height` image: x and z
    /// are divided by the width, y by the height; visibility is 1.0.
    pub fn from_pixel_json(
        json: &str,
        model: PoseModel,
        width: f32,
        height: f32,
        fps: f32,
    ) -> Result<Recording, ReplayError> {
        let raw: Vec<Vec<Vec<f32>>> = serde_json::from_str(json)?;
        if raw.is_empty() || fps <= 0.0 || width <= 0.0 || height <= 0.0 {
            return Err(ReplayError::Empty);
        }
        let expected = model.landmark_count();
        let mut frames = Vec::with_capacity(raw.len());
        for (i, frame) in raw.iter().enumerate() {
            let shape_ok = frame.len() == expected && frame.iter().all(|c| c.len() >= 2);
            if !shape_ok {
                return Err(ReplayError::Shape { frame: i, expected });
            }
            let landmarks = frame
                .iter()
                .map(|c| Landmark {
                    x: c[0] / width,
                    y: c[1] / height,
                    z: c.get(2).map(|z| z / width),
                    visibility: 1.0,
                })
                .collect();
            frames.push(landmarks);
        }
        Ok(Recording {
            model,
            frames,
            fps,
            aspect: width / height,
        })
    }

    /// How long one pass of the recording lasts.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f32(self.frames.len() as f32 / self.fps)
    }

    /// The skeleton at `elapsed` since playback began, looping, linearly interpolated between
    /// frames (so it can be sampled at any rate, e.g. 15 Hz from a 5 fps recording).
    pub fn frame_at(&self, elapsed: Duration) -> Vec<Landmark> {
        let n = self.frames.len();
        if n == 0 {
            return Vec::new();
        }
        let position = (elapsed.as_secs_f64() * f64::from(self.fps)) % n as f64;
        let index = position.floor() as usize % n;
        let frac = (position - position.floor()) as f32;
        let (a, b) = (&self.frames[index], &self.frames[(index + 1) % n]);
        a.iter()
            .zip(b)
            .map(|(a, b)| Landmark {
                x: lerp(a.x, b.x, frac),
                y: lerp(a.y, b.y, frac),
                z: a.z.zip(b.z).map(|(a, b)| lerp(a, b, frac)),
                visibility: lerp(a.visibility, b.visibility, frac),
            })
            .collect()
    }
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reps the shared detector counts in one pass, sampled at `hz`.
    fn reps_in_one_pass(rec: &Recording, hz: u32) -> u32 {
        let mut detector =
            breakroom_rooms::detect::Detector::for_exercise("squats").expect("squats");
        let samples = (rec.duration().as_secs_f64() * f64::from(hz)).round() as u32;
        for i in 0..samples {
            let t = Duration::from_secs(1) * i / hz;
            let t_us = u64::try_from(t.as_micros()).expect("small");
            detector.update(t_us, rec.model, &rec.frame_at(t));
        }
        detector.reading().reps
    }

    #[test]
    fn synthesized_squats_are_valid_skeletons() {
        let rec = Recording::squats();
        assert_eq!(rec.model, PoseModel::BlazePose33);
        assert_eq!(rec.frames.len(), 90);
        assert!(rec.frames.iter().all(|f| f.len() == 33));
        assert_eq!(rec.duration(), Duration::from_secs(6));
        // Every frame quantizes into a valid keypoint block, inside the image.
        for frame in &rec.frames {
            breakroom_protocol::PoseBlock::from_landmarks(rec.model, frame).expect("valid frame");
            assert!(
                frame
                    .iter()
                    .all(|l| (0.0..=1.0).contains(&l.x) && (0.0..=1.0).contains(&l.y))
            );
        }
        // It loops without a jump: the last frame is a step away from the first.
        let jump = rec.frames[0]
            .iter()
            .zip(&rec.frames[89])
            .map(|(a, b)| (a.x - b.x).abs().max((a.y - b.y).abs()))
            .fold(0.0f32, f32::max);
        assert!(jump < 0.005, "{jump}");
    }

    /// The shared detector sees the two reps of one pass, at 5, 15 or 30 Hz, and four in two
    /// passes (the loop adds and loses none).
    #[test]
    fn the_shared_detector_counts_two_synthesized_squats_a_pass() {
        let rec = Recording::squats();
        for hz in [5u32, 15, 30] {
            assert_eq!(reps_in_one_pass(&rec, hz), 2, "at {hz} Hz");
        }
        let twice = Recording {
            frames: [rec.frames.clone(), rec.frames.clone()].concat(),
            ..rec
        };
        assert_eq!(reps_in_one_pass(&twice, 15), 4);
    }

    /// The real recording (`../shared/data/pose/tfjs-models/pose_squats.full.json`) loads, and
    /// the shared detector sees its two full reps, at the raw 5 fps or interpolated to 15 Hz.
    #[test]
    fn the_real_squats_recording_loads_and_counts_two() {
        use breakroom_pose_data::locate::{TFJS_SQUATS, require};
        let path = breakroom_pose_data::locate::dir().join(TFJS_SQUATS.file);
        // `require` fails, saying where to put it, when the recording is missing.
        let json = require(TFJS_SQUATS.file);
        let rec = Recording::from_pixel_json(&json, PoseModel::BlazePose33, 720.0, 1280.0, 5.0)
            .expect("valid");
        let from_file =
            Recording::from_pixel_file(&path, PoseModel::BlazePose33, 720.0, 1280.0, 5.0)
                .expect("valid");
        assert_eq!(rec, from_file);
        assert_eq!(rec.frames.len(), 65);
        assert_eq!(rec.duration(), Duration::from_secs(13));
        let nose = rec.frames[0][0];
        assert!((nose.x - 360.1 / 720.0).abs() < 1e-4 && (nose.y - 238.05 / 1280.0).abs() < 1e-4);
        for hz in [5u32, 15] {
            assert_eq!(reps_in_one_pass(&rec, hz), 2, "at {hz} Hz");
        }
    }

    #[test]
    fn interpolation_is_halfway_between_frames() {
        let rec = Recording::squats();
        let step = 1.0 / f64::from(rec.fps);
        let mid = rec.frame_at(Duration::from_secs_f64(step * 10.5));
        let (a, b) = (rec.frames[10][24], rec.frames[11][24]);
        assert!((mid[24].y - (a.y + b.y) / 2.0).abs() < 1e-5);
        // Looping: one pass later is frame 0 again.
        assert_eq!(rec.frame_at(rec.duration()), rec.frames[0]);
    }

    #[test]
    fn bad_recordings_are_refused() {
        let check = |json: &str| Recording::from_pixel_json(json, PoseModel::Coco17, 1.0, 1.0, 5.0);
        assert!(matches!(check("{}"), Err(ReplayError::Json(_))));
        assert!(matches!(check("[]"), Err(ReplayError::Empty)));
        assert!(matches!(
            check("[[[1, 2]]]"),
            Err(ReplayError::Shape {
                frame: 0,
                expected: 17
            })
        ));
        let missing = Path::new("/nonexistent/pose_squats.full.json");
        let err = Recording::from_pixel_file(missing, PoseModel::BlazePose33, 720.0, 1280.0, 5.0)
            .expect_err("no such file");
        assert!(
            err.to_string()
                .contains("/nonexistent/pose_squats.full.json"),
            "{err}"
        );
    }
}
