//! The load test report, in four parts:
//!
//! - [`model`], the results model: what a run measured, as `results.json` keeps it.
//! - `judgement`, the bars, each as measured, with its verdict; other workloads' rows.
//! - [`mod@markdown`], `REPORT.md`.
//! - [`mod@svg`], `plot.svg`: p99 skeleton latency against rooms.
//!
//! Targets are told apart by [`crate::target::Target`], which also says what each measures.

mod judgement;
pub mod markdown;
pub mod model;
pub mod svg;
#[cfg(test)]
mod tests;

pub use markdown::markdown;
pub use model::{Paired, PairedRound, Results, TargetReport, Variant};
pub use svg::svg;

/// Microseconds as milliseconds with one decimal.
fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}
