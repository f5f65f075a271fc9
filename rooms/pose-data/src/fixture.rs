//! The fixture files' JSON: written by hand (fixed key order, one frame per line, numbers
//! with at most 5 decimals) and read back with serde.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use breakroom_protocol::PoseModel;
use serde::Deserialize;

use crate::clip::{Clip, Frame};

/// A fixture: a clip and what each exercise's detector must find in it.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// The file's name without `.json`.
    pub name: String,
    /// The recording it comes from, with its licence.
    pub source: &'static str,
    /// The frames.
    pub clip: Clip,
    /// Reps each listed exercise's detector must count, exactly.
    pub expected: Vec<(String, u32)>,
    /// Milliseconds in the target pose each listed (seconds-scored) exercise's detector must
    /// report, within [`ACTIVE_MS_TOLERANCE`].
    pub expected_active_ms: Vec<(String, u32)>,
    /// How it was made and why each count is expected.
    pub why: String,
    /// The exercise the fixture shows (the confusion matrix's diagonal), or `None` for a
    /// negative (standing still, waving arms).
    pub exercise: Option<String>,
    /// Why an exercise other than `exercise` is expected to count: exercise id → reason.
    pub contains: BTreeMap<String, String>,
}

/// How far a detected hold may be from the expected one.
pub const ACTIVE_MS_TOLERANCE: u32 = 1_000;

/// A fixture file, read back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FixtureFile {
    /// See [`Fixture::name`].
    pub name: String,
    /// See [`Fixture::source`].
    pub source: String,
    /// The landmark layout.
    pub model: PoseModel,
    /// See [`Fixture::why`].
    pub why: String,
    /// See [`Fixture::expected`].
    pub expected: BTreeMap<String, u32>,
    /// See [`Fixture::expected_active_ms`].
    #[serde(default)]
    pub expected_active_ms: BTreeMap<String, u32>,
    /// The frames.
    pub frames: Vec<FileFrame>,
    /// The exercise the fixture shows (the confusion matrix's diagonal), or `None` for a
    /// negative (standing still, waving arms).
    #[serde(default)]
    pub exercise: Option<String>,
    /// Why an exercise other than `exercise` is expected to count (a jumping jack raises both
    /// arms overhead): exercise id → reason. Every such exercise with a non-zero expectation
    /// needs one.
    #[serde(default)]
    pub contains: BTreeMap<String, String>,
}

/// A frame of a fixture file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileFrame {
    /// Capture time, µs.
    pub t_us: u64,
    /// `[x, y, visibility]` per landmark.
    pub landmarks: Vec<[f64; 3]>,
}

impl FixtureFile {
    /// The frames as a clip.
    pub fn clip(&self) -> Clip {
        Clip {
            model: self.model,
            frames: self
                .frames
                .iter()
                .map(|f| Frame {
                    t_us: f.t_us,
                    lms: f.landmarks.clone(),
                })
                .collect(),
        }
    }
}

/// A number with at most 5 decimals and no trailing zeros: `0.5`, `1`, `-0.01234`.
pub fn num(v: f64) -> String {
    let s = format!("{:.5}", crate::clip::round5(v));
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".to_owned()
    } else {
        s.to_owned()
    }
}

fn string(s: &str) -> String {
    serde_json::to_string(s).expect("a string serializes")
}

fn model(m: PoseModel) -> String {
    serde_json::to_string(&m).expect("a model serializes")
}

fn counts(list: &[(String, u32)]) -> String {
    let items: Vec<String> = list
        .iter()
        .map(|(k, v)| format!("{}: {v}", string(k)))
        .collect();
    format!("{{{}}}", items.join(", "))
}

fn landmarks(lms: &[[f64; 3]]) -> String {
    let items: Vec<String> = lms
        .iter()
        .map(|l| format!("[{},{},{}]", num(l[0]), num(l[1]), num(l[2])))
        .collect();
    format!("[{}]", items.join(","))
}

/// The fixture file's text.
pub fn write_fixture(f: &Fixture) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"name\": {},", string(&f.name));
    let _ = writeln!(out, "  \"source\": {},", string(f.source));
    let _ = writeln!(out, "  \"model\": {},", model(f.clip.model));
    let _ = writeln!(out, "  \"why\": {},", string(&f.why));
    let _ = writeln!(out, "  \"expected\": {},", counts(&f.expected));
    if !f.expected_active_ms.is_empty() {
        let _ = writeln!(
            out,
            "  \"expected_active_ms\": {},",
            counts(&f.expected_active_ms)
        );
    }
    let exercise = f
        .exercise
        .as_deref()
        .map_or_else(|| "null".to_owned(), string);
    let _ = writeln!(out, "  \"exercise\": {exercise},");
    let contains: Vec<String> = f
        .contains
        .iter()
        .map(|(k, v)| format!("{}: {}", string(k), string(v)))
        .collect();
    let _ = writeln!(out, "  \"contains\": {{{}}},", contains.join(", "));
    let _ = writeln!(out, "  \"frames\": [");
    let n = f.clip.frames.len();
    for (i, frame) in f.clip.frames.iter().enumerate() {
        let comma = if i + 1 < n { "," } else { "" };
        let _ = writeln!(
            out,
            "    {{\"t_us\": {}, \"landmarks\": {}}}{comma}",
            frame.t_us,
            landmarks(&frame.lms)
        );
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

/// A still poses file (`mlkit_squat_poses.json`): poses with their labels.
pub fn write_poses(name: &str, source: &str, why: &str, poses: &[(&str, &[[f64; 3]])]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{{");
    let _ = writeln!(out, "  \"name\": {},", string(name));
    let _ = writeln!(out, "  \"source\": {},", string(source));
    let _ = writeln!(out, "  \"model\": {},", model(PoseModel::BlazePose33));
    let _ = writeln!(out, "  \"why\": {},", string(why));
    let _ = writeln!(out, "  \"poses\": [");
    for (i, (label, lms)) in poses.iter().enumerate() {
        let comma = if i + 1 < poses.len() { "," } else { "" };
        let _ = writeln!(
            out,
            "    {{\"label\": {}, \"landmarks\": {}}}{comma}",
            string(label),
            landmarks(lms)
        );
    }
    let _ = writeln!(out, "  ]");
    let _ = writeln!(out, "}}");
    out
}

/// The ML Kit still poses file, read back.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PosesFile {
    /// The file's name without `.json`.
    pub name: String,
    /// The recording the poses come from, with its licence.
    pub source: String,
    /// The landmark layout.
    pub model: PoseModel,
    /// How the file was made and what a detector must do with it.
    pub why: String,
    /// The labelled poses.
    pub poses: Vec<LabelledPose>,
}

/// A still pose with its class.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledPose {
    /// The class, e.g. `squats_up`.
    pub label: String,
    /// `[x, y, 1]` per landmark.
    pub landmarks: Vec<[f64; 3]>,
}
