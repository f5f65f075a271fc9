//! `breakroom detect FILE`: runs every exercise detector over a recording in the fixture format
//! (`rooms/fixtures/README.md`) and prints the reps each counts and its phase over time, so a
//! person can check a new recording or threshold without writing code. The detector fixtures
//! are generated from the recordings beside the checkout: `cargo run -p breakroom-pose-data
//! --bin gen-fixtures -- target/fixtures/detect` writes them.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::Catalogue;
use breakroom_rooms::detect::{Detector, DetectorPhase};
use serde::Deserialize;

/// A recording: the fixture format.
#[derive(Debug, Deserialize)]
pub struct Recording {
    /// The pose model of the landmarks.
    pub model: PoseModel,
    /// The frames, in time order.
    pub frames: Vec<Frame>,
}

/// One frame of a recording.
#[derive(Debug, Deserialize)]
pub struct Frame {
    /// Capture time in microseconds.
    pub t_us: u64,
    /// `[x, y, visibility]` or `[x, y, z, visibility]` per landmark, normalized coordinates.
    pub landmarks: Vec<Vec<f32>>,
}

impl Frame {
    /// The frame's landmarks.
    pub fn landmarks(&self) -> Vec<Landmark> {
        self.landmarks
            .iter()
            .map(|l| match l.as_slice() {
                [x, y, v] => Landmark {
                    x: *x,
                    y: *y,
                    z: None,
                    visibility: *v,
                },
                [x, y, z, v] => Landmark {
                    x: *x,
                    y: *y,
                    z: Some(*z),
                    visibility: *v,
                },
                _ => Landmark {
                    x: f32::NAN,
                    y: f32::NAN,
                    z: None,
                    visibility: 0.0,
                },
            })
            .collect()
    }
}

/// What one detector made of a recording.
#[derive(Debug, serde::Serialize)]
pub struct Outcome {
    /// Exercise id.
    pub exercise: String,
    /// Reps counted.
    pub reps: u32,
    /// Milliseconds in the target pose.
    pub active_ms: u32,
    /// Confidence after the last frame.
    pub confidence: f32,
    /// Every phase change: (seconds since the first frame, phase).
    pub phases: Vec<(f64, DetectorPhase)>,
}

/// Reads a recording file.
pub fn read(path: &Path) -> anyhow::Result<Recording> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text)
        .with_context(|| format!("parsing {} as a recording", path.display()))
}

/// Runs the detectors (all, or those named) over a recording.
pub fn run(recording: &Recording, only: &[String]) -> Vec<Outcome> {
    let start = recording.frames.first().map_or(0, |f| f.t_us);
    Catalogue::builtin()
        .iter()
        .filter(|e| only.is_empty() || only.contains(&e.id))
        .map(|exercise| {
            let mut detector = Detector::new(exercise);
            let mut phases: Vec<(f64, DetectorPhase)> = Vec::new();
            for frame in &recording.frames {
                let reading = detector.update(frame.t_us, recording.model, &frame.landmarks());
                if phases.last().is_none_or(|(_, p)| *p != reading.phase) {
                    let secs = frame.t_us.saturating_sub(start) as f64 / 1e6;
                    phases.push((secs, reading.phase));
                }
            }
            let reading = detector.reading();
            Outcome {
                exercise: exercise.id.clone(),
                reps: reading.reps,
                active_ms: reading.active_ms,
                confidence: reading.confidence,
                phases,
            }
        })
        .collect()
}

/// A table for people.
pub fn render(path: &Path, recording: &Recording, outcomes: &[Outcome]) -> String {
    let frames = &recording.frames;
    let secs = match (frames.first(), frames.last()) {
        (Some(a), Some(b)) => b.t_us.saturating_sub(a.t_us) as f64 / 1e6,
        _ => 0.0,
    };
    let mut out = format!(
        "{}: {} frames over {secs:.1} s ({:?})\n\n{:<16} {:>5} {:>9} {:>5}  phase over time\n",
        path.display(),
        frames.len(),
        recording.model,
        "exercise",
        "reps",
        "active s",
        "conf"
    );
    for o in outcomes {
        let timeline: Vec<String> = o
            .phases
            .iter()
            .map(|(t, p)| format!("{t:.1}s {p}"))
            .collect();
        let _ = writeln!(
            out,
            "{:<16} {:>5} {:>9.1} {:>5.2}  {}",
            o.exercise,
            o.reps,
            f64::from(o.active_ms) / 1000.0,
            o.confidence,
            timeline.join(", ")
        );
    }
    out
}
