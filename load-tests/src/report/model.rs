//! The results model: what a run measured, as `results.json` keeps it (enough to write its
//! report again), and the plain read-outs every part of the report shares.

use serde::{Deserialize, Serialize};

use crate::stats::StepResult;
use crate::target::Target;

/// One target's measurements for the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetReport {
    /// Which server.
    pub target: Target,
    /// Every step, in order.
    pub steps: Vec<StepResult>,
    /// Index of the largest passing step.
    pub capacity: Option<usize>,
    /// RSS per idle connection, bytes.
    pub idle_per_conn: f64,
    /// Stall scenario: (p99 without, p99 with, server RSS max without, with), if run.
    pub stall: Option<(u64, u64, u64, u64)>,
}

impl TargetReport {
    /// The step at its capacity (the largest passing step).
    pub fn at_capacity(&self) -> Option<&StepResult> {
        self.capacity.map(|i| &self.steps[i])
    }

    /// Its step at `rooms`, if it ran one.
    pub fn step_at(&self, rooms: usize) -> Option<&StepResult> {
        self.steps.iter().find(|s| s.rooms == rooms)
    }
}

/// What a run measured, as `results.json` keeps it: enough to write its report again.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Results {
    /// The report's opening paragraph: the workload and how it was run.
    pub header: String,
    /// Every target's steps.
    pub targets: Vec<TargetReport>,
    /// Interleaved same-load rounds against each peer (`breakroom-load paired`), if run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub paired: Vec<Paired>,
    /// Whether a room's participants sent in phase (`compare --in-phase`) rather than spread
    /// over the period.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub in_phase: bool,
}

/// One round of the interleaved same-load measurement: each target's CPU µs per 1,000
/// delivered, one run each on a fresh server, back to back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairedRound {
    /// The order the targets ran in (it rotates from round to round).
    pub order: Vec<Target>,
    /// The peer's CPU µs per 1,000 delivered.
    pub peer: f64,
    /// breakroom's.
    pub breakroom: f64,
    /// The reference relay's.
    pub reference: Option<f64>,
    /// Whether the peer's run passed the step's criteria (it runs at its capacity, so noise
    /// can tip a run over; its CPU is the same work either way).
    pub peer_passed: bool,
    /// Whether breakroom's run passed.
    pub breakroom_passed: bool,
}

/// Interleaved rounds against one peer at its capacity: CPU compared at the same load with
/// the targets run minutes, not a quarter of an hour, apart.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Paired {
    /// The peer (a Colyseus room).
    pub peer: Target,
    /// The load: the peer's capacity in rooms.
    pub rooms: usize,
    /// Every round, in order.
    pub rounds: Vec<PairedRound>,
}

/// Another workload's run (`compare --participants P --hz H --out DIR`), summarised in the
/// main report with a link to its own.
#[derive(Debug, Clone)]
pub struct Variant {
    /// Where its report is, relative to the main one.
    pub link: String,
    /// Its targets, as its own report has them.
    pub targets: Vec<TargetReport>,
    /// Its interleaved same-load rounds, if run.
    pub paired: Vec<Paired>,
    /// Whether its rooms' participants sent in phase.
    pub in_phase: bool,
}

/// The target `which` among `targets`.
pub fn find(targets: &[TargetReport], which: Target) -> Option<&TargetReport> {
    targets.iter().find(|t| t.target == which)
}
