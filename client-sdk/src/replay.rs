//! A simulated participant: real recorded skeletons to replay.
//!
//! [`Recording::squats`] is 13 s of BlazePose landmarks of a person doing bodyweight squats
//! (tensorflow/tfjs-models test data, Apache-2.0, Copyright Google LLC; see
//! `protocol/testdata/pose/tfjs-models/NOTES.txt`). Count it with the shared detector
//! ([`crate::Client::track`], or `breakroom_rooms::detect::Detector`): one pass holds two full
//! reps and a third that is still rising at the last frame. (Looping it, the jump from the last
//! frame back to the first may or may not complete that third rep, depending on the rate.)

use std::time::Duration;

use breakroom_protocol::{Landmark, PoseModel};

/// The embedded squats recording: `[65 frames][33 landmarks][x, y, z]` in pixels.
const SQUATS_JSON: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../protocol/testdata/pose/tfjs-models/pose_squats.full.json"
));

/// Why a recording could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
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
    /// The embedded squats recording: BlazePose-33, 65 frames at 5 fps, 720×1280 portrait,
    /// visibility 1.0, depth normalized like x.
    pub fn squats() -> Recording {
        // The embedded file is valid; the `squats_recording_loads` test checks it.
        Recording::from_pixel_json(SQUATS_JSON, PoseModel::BlazePose33, 720.0, 1280.0, 5.0)
            .expect("the embedded squats recording is valid")
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

    #[test]
    fn squats_recording_loads() {
        let rec = Recording::squats();
        assert_eq!(rec.frames.len(), 65);
        assert!(rec.frames.iter().all(|f| f.len() == 33));
        assert_eq!(rec.duration(), Duration::from_secs(13));
        let nose = rec.frames[0][0];
        assert!((nose.x - 360.1 / 720.0).abs() < 1e-4 && (nose.y - 238.05 / 1280.0).abs() < 1e-4);
        // Every frame quantizes into a valid keypoint block.
        for frame in &rec.frames {
            breakroom_protocol::PoseBlock::from_landmarks(rec.model, frame).expect("valid frame");
        }
    }

    /// The shared detector sees the two full reps of one pass, at the raw 5 fps or
    /// interpolated to 15 Hz.
    #[test]
    fn the_shared_detector_counts_the_two_reps_of_one_pass() {
        let rec = Recording::squats();
        for hz in [5u32, 15] {
            let mut detector =
                breakroom_rooms::detect::Detector::for_exercise("squats").expect("squats");
            for i in 0..13 * hz {
                let t = Duration::from_secs(1) * i / hz;
                let t_us = u64::try_from(t.as_micros()).expect("small");
                detector.update(t_us, rec.model, &rec.frame_at(t));
            }
            assert_eq!(detector.reading().reps, 2, "at {hz} Hz");
        }
    }

    #[test]
    fn interpolation_is_halfway_between_frames() {
        let rec = Recording::squats();
        let mid = rec.frame_at(Duration::from_millis(100)); // half of the 200 ms frame
        let (a, b) = (rec.frames[0][0], rec.frames[1][0]);
        assert!((mid[0].x - (a.x + b.x) / 2.0).abs() < 1e-5);
        // Looping: 13 s is frame 0 again.
        assert_eq!(rec.frame_at(Duration::from_secs(13)), rec.frames[0]);
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
    }
}
