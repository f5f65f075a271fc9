//! `breakroom-load`: an open-loop load generator for breakroom, and `reference-relay`, the
//! minimal relay it is compared with (the physical floor).
//!
//! - [`workload`]: rooms of participants replaying a movement at a fixed rate, spread over the
//!   period or in phase.
//! - [`movement`]: the synthesized squat (the default), or a recording given by path.
//! - [`client`]: one simulated client speaking `breakroom.v1` directly; open-loop sending,
//!   per-recipient latency from each skeleton's scheduled instant.
//! - [`stats`]: HDR histograms and the per-step [`stats::StepResult`] (also the JSON other
//!   targets' drivers emit).
//! - [`target`]: the servers under test ([`target::Target`]), /proc readings.
//! - [`run`]: one step, step load, idle memory, the smoke checks.
//! - [`report`]: `REPORT.md` and the SVG plot.
//! - [`relay`]: the reference relay.
//!
//! Invariant: every loop is bounded in count and time; every run stops by itself.

pub mod client;
pub mod movement;
pub mod relay;
pub mod report;
pub mod run;
pub mod stats;
pub mod target;
pub mod workload;

/// The CI smoke scenario: an in-process breakroom, 3 rooms × 4 participants at 15 Hz for ~6 s.
/// Returns the problems found (lost skeletons, missing or late cues, failed clients).
pub async fn smoke() -> anyhow::Result<Vec<String>> {
    let mut ep = target::Endpoint::in_process_breakroom().await?;
    let w = workload::Workload {
        rooms: 3,
        participants: 4,
        hz: 15,
        warmup: std::time::Duration::from_secs(1),
        window: std::time::Duration::from_secs(4),
        stall: None,
        phases: workload::Phases::Spread,
        movement: std::sync::Arc::new(movement::Movement::Synthesized),
    };
    let step = run::run_step(&mut ep, &w, None).await?;
    let r = &step.result;
    println!(
        "smoke: delivered {:.0}/s of {:.0}/s, p50 {} p99 {} max {} µs, hold in server p50 {} p99 {} max {} µs, cue skew p99 {} µs, {} late cues, {:.2} scoreboards/client/s",
        r.delivered_per_s,
        r.expected_per_s,
        r.latency_us.p50,
        r.latency_us.p99,
        r.latency_us.max,
        r.hold_us.p50,
        r.hold_us.p99,
        r.hold_us.max,
        r.cue_skew_us.p99,
        r.late_cues,
        r.scoreboards_per_client_s
    );
    let problems = run::smoke_problems(&step.reports);
    ep.stop().await;
    Ok(problems)
}
