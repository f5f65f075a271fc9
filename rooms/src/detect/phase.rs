//! What a detector reports: the [`DetectorPhase`] and the [`Reading`].

use std::fmt;

use serde::Serialize;

/// Where the person is in the movement, as the detector last saw it.
///
/// Each exercise uses a pair (or, for exercises done to either side, a trio) of these: squats
/// go `up` → `down` → `up`, jumping jacks `closed` → `open` → `closed`, side bends `neutral` →
/// `left` / `right` → `neutral`, a wall sit is `in_pose` or `out_of_pose`. `left` and `right`
/// are the person's own sides (which knee is raised, which way the body or head leans), not
/// the image's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DetectorPhase {
    /// Not seen yet: no frame has shown a clear rest or active position.
    Unknown,
    /// Up: standing (squats), arms overhead (arm raises), on the toes (calf raises),
    /// shoulders lifted (shoulder rolls), arms extended (desk push-ups).
    Up,
    /// Down: the bottom of a squat or push-up, arms lowered, heels or shoulders down.
    Down,
    /// Jumping jacks: arms up and feet apart.
    Open,
    /// Jumping jacks: arms down.
    Closed,
    /// Leaning or lifting to the person's left: left knee raised, bent or tilted to the left.
    Left,
    /// Leaning or lifting to the person's right.
    Right,
    /// Upright and centred, between two sides.
    Neutral,
    /// Holding the target pose of an exercise scored in seconds.
    InPose,
    /// Out of the target pose of an exercise scored in seconds.
    OutOfPose,
}

impl DetectorPhase {
    /// The phase's name, as serialized (`snake_case`).
    pub const fn as_str(self) -> &'static str {
        match self {
            DetectorPhase::Unknown => "unknown",
            DetectorPhase::Up => "up",
            DetectorPhase::Down => "down",
            DetectorPhase::Open => "open",
            DetectorPhase::Closed => "closed",
            DetectorPhase::Left => "left",
            DetectorPhase::Right => "right",
            DetectorPhase::Neutral => "neutral",
            DetectorPhase::InPose => "in_pose",
            DetectorPhase::OutOfPose => "out_of_pose",
        }
    }
}

impl fmt::Display for DetectorPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A detector's output after a frame.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Reading {
    /// Repetitions completed since the detector was created or reset. For an exercise scored
    /// in seconds: target-pose holds completed (entered and released).
    pub reps: u32,
    /// For an exercise scored in seconds, milliseconds spent in the target pose; 0 for an
    /// exercise scored in reps.
    pub active_ms: u32,
    /// Where the person is in the movement.
    pub phase: DetectorPhase,
    /// How well the landmarks the exercise needs were seen lately, 0 to 1: a smoothed mean of
    /// their visibility, 0 on frames where some are missing.
    pub confidence: f32,
}
