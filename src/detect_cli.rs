//! `breakroom detect FILE`: runs every exercise detector over a recording in the fixture format
//! (`rooms/fixtures/README.md`) and prints the reps each counts and its phase over time, so a
//! person can check a new recording or threshold without writing code. `breakroom detect
//! --matrix DIR` runs every exercise on every fixture of a folder and prints the confusion
//! matrix ([`matrix`]). The detector fixtures are generated from the recordings beside the
//! checkout: `cargo run -p breakroom-pose-data --bin gen-fixtures -- target/fixtures/detect`
//! writes them. `breakroom reach` prints the reach game's targets and hits ([`reach`]).

pub mod matrix;
pub mod reach;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;
use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::Catalogue;
use breakroom_rooms::detect::{Detector, DetectorPhase};
use serde::Deserialize;

/// A recording: the fixture format. Only `model` and `frames` are required; the expectations
/// are empty for a bare recording.
#[derive(Debug, Deserialize)]
pub struct Recording {
    /// The pose model of the landmarks.
    pub model: PoseModel,
    /// The frames, in time order.
    pub frames: Vec<Frame>,
    /// The exercise the fixture shows (the confusion matrix's diagonal), or `None` for a
    /// negative (standing still, waving arms) or a bare recording.
    #[serde(default)]
    pub exercise: Option<String>,
    /// Reps each listed exercise must count, exactly; every other exercise must count 0.
    #[serde(default)]
    pub expected: BTreeMap<String, u32>,
    /// Milliseconds in the target pose each listed exercise scored in seconds must report,
    /// within [`matrix::ACTIVE_MS_TOLERANCE`]; every other one must report 0.
    #[serde(default)]
    pub expected_active_ms: BTreeMap<String, u32>,
    /// Why an exercise other than `exercise` is expected to count: exercise id → reason.
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
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

/// The recordings of a folder.
#[derive(Debug)]
pub struct Folder {
    /// Each recording, by file name without `.json`, sorted by name.
    pub recordings: Vec<(String, Recording)>,
    /// Files skipped because they have no `frames` (the still poses), by file name.
    pub skipped: Vec<String>,
}

/// Reads every recording in `dir` (its `*.json` files, sorted by name). Files without
/// `frames` (the still poses file, `mlkit_squat_poses.json`) are skipped. A folder that
/// cannot be read, a file that is not a recording, or a folder without any recording is an
/// error that names it.
pub fn read_dir(dir: &Path) -> anyhow::Result<Folder> {
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("reading the folder {}", dir.display()))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry
            .with_context(|| format!("reading the folder {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            paths.push(path);
        }
    }
    paths.sort();
    let mut recordings = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let value: serde_json::Value = serde_json::from_str(&text)
            .with_context(|| format!("parsing {} as JSON", path.display()))?;
        let file = path
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let Some(object) = value.as_object() else {
            anyhow::bail!(
                "{} is not a fixture: a JSON object with `model` and `frames` (see \
                 rooms/fixtures/README.md)",
                path.display()
            );
        };
        if !object.contains_key("frames") {
            skipped.push(file);
            continue;
        }
        let recording: Recording = serde_json::from_value(value)
            .with_context(|| format!("parsing {} as a recording", path.display()))?;
        let name = file.strip_suffix(".json").unwrap_or(&file).to_owned();
        recordings.push((name, recording));
    }
    if recordings.is_empty() {
        anyhow::bail!(
            "no fixture with frames in {}: generate them with `cargo run -p \
             breakroom-pose-data --bin gen-fixtures -- {}`",
            dir.display(),
            dir.display()
        );
    }
    Ok(Folder {
        recordings,
        skipped,
    })
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
