//! What clients measured, and how it adds up.

use std::collections::HashMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use crate::target::Target;

/// A latency histogram in µs, 1 µs to 60 s, 3 significant digits.
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("the bounds are valid")
}

/// One client's latency samples, µs, kept in arrival order and put into a histogram only when
/// the step is summed up. A histogram per client (240 KiB each at 3 significant digits) made
/// every record a cache miss: at 72 rooms that was the generator's largest cost, and it
/// saturated before the server did.
#[derive(Debug, Clone, Default)]
pub struct Samples(Vec<u32>);

impl Samples {
    /// Records one latency, µs (at least 1, at most about 71 minutes).
    pub fn record(&mut self, us: u64) {
        self.0.push(us.clamp(1, u64::from(u32::MAX)) as u32);
    }

    /// How many were recorded.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether none were.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Adds every sample to `h` (values past its range count as its highest).
    pub fn add_to(&self, h: &mut Histogram<u64>) {
        for &us in &self.0 {
            h.saturating_record(u64::from(us));
        }
    }
}

/// What one simulated client saw.
#[derive(Debug)]
pub struct ClientReport {
    /// Index of its room.
    pub room: usize,
    /// Whether it is the participant that stalled (its receive side is not counted).
    pub stalled: bool,
    /// Scheduled send time → receipt of a frame covering it, µs, for skeletons in the window.
    pub latency: Samples,
    /// Server tick time (`poses.t`, mapped through clock sync) → receipt, µs.
    pub relay: Samples,
    /// Hold in the server: the frame's tick time (`poses.t`) minus the instant the sender wrote
    /// the skeleton, both in server time, µs; recorded by the facilitator only, so once per
    /// relayed skeleton due in the window.
    pub hold: Samples,
    /// Skeletons of others scheduled in the window (what this client should receive).
    pub expected: u64,
    /// Of those, how many a received frame covered (the same or a later skeleton).
    pub covered: u64,
    /// Skeleton entries received (repeats included).
    pub entries: u64,
    /// Skeletons sent.
    pub sent: u64,
    /// Cue id → local instant to act at (`at − offset`) and whether it arrived late.
    pub cues: HashMap<u32, (u64, bool)>,
    /// Scoreboards received.
    pub scoreboards: u64,
    /// `error` messages received.
    pub errors: u64,
    /// Why the connection ended early, if it did.
    pub failure: Option<String>,
}

/// Latency summary, µs.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize)]
pub struct Quantiles {
    /// Median.
    pub p50: u64,
    /// 99th percentile.
    pub p99: u64,
    /// 99.9th percentile.
    pub p999: u64,
    /// Maximum.
    pub max: u64,
}

impl Quantiles {
    /// Nothing was measured (every figure zero).
    pub fn is_unmeasured(&self) -> bool {
        self.max == 0
    }

    /// The quantiles of a histogram.
    pub fn of(h: &Histogram<u64>) -> Quantiles {
        Quantiles {
            p50: h.value_at_quantile(0.5),
            p99: h.value_at_quantile(0.99),
            p999: h.value_at_quantile(0.999),
            max: h.max(),
        }
    }
}

/// Cue skew summary, µs.
#[derive(Debug, Clone, Copy, Default, Serialize, serde::Deserialize)]
pub struct Skew {
    /// 99th percentile over (room, cue).
    pub p99: u64,
    /// Maximum.
    pub max: u64,
}

/// The metrics of one run (one step): the JSON every target's driver emits. A driver that
/// cannot measure a metric (the Colyseus driver has no tick-to-receipt or cue figures) leaves
/// it out and it reads as zero.
#[derive(Debug, Clone, Default, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct StepResult {
    /// Which server (`breakroom`, `reference`, `colyseus-state`, `colyseus-broadcast`).
    pub target: Target,
    /// Rooms.
    pub rooms: usize,
    /// Participants per room.
    pub participants: usize,
    /// Skeletons per second per participant.
    pub hz: u32,
    /// Delivered skeletons per second (one skeleton reaching one recipient).
    pub delivered_per_s: f64,
    /// Expected deliveries per second.
    pub expected_per_s: f64,
    /// End-to-end skeleton latency, scheduled send → receipt.
    pub latency_us: Quantiles,
    /// Server fan-out latency, tick → receipt.
    pub relay_latency_us: Quantiles,
    /// Hold in the server, the sender's write → the tick of the frame carrying it (see
    /// `load-tests/README.md`); all zero when not measured (older runs, the Colyseus driver).
    #[serde(skip_serializing_if = "Quantiles::is_unmeasured")]
    pub hold_us: Quantiles,
    /// Spread of the local act instants of one cue across a room's clients.
    pub cue_skew_us: Skew,
    /// Cues that arrived after their instant.
    pub late_cues: u64,
    /// Server CPU µs (user + system) per 1,000 delivered skeletons.
    pub cpu_us_per_1000: f64,
    /// Server RSS per idle (hello'd) connection, bytes.
    pub rss_idle_per_conn_bytes: f64,
    /// Server RSS per connected member during the window over the idle baseline, bytes.
    pub rss_per_participant_bytes: f64,
    /// Connections opened, hello'd, synced and joined per second.
    pub connect_per_s: f64,
    /// Scoreboards received per client per second.
    pub scoreboards_per_client_s: f64,
    /// Clients that failed.
    pub failures: usize,
    /// Runs of this step (each on a fresh server) when it was repeated: the figures are those
    /// of the run with the median p99, except CPU and memory per member, the medians of the
    /// runs. 0 or 1: one run.
    pub runs: u32,
    /// Of those runs, how many passed; a repeated step passes when most of its runs did.
    pub runs_passed: u32,
    /// The load generator's own CPU over the window, as a fraction of its one core (the
    /// Colyseus driver's `driver_cpu_fraction`); 0 when not measured.
    #[serde(alias = "driver_cpu_fraction")]
    pub generator_cpu_fraction: f64,
}

impl StepResult {
    /// The load generator used most of its core (85 % or more): the step measured the
    /// generator as much as the server, and a failure there says little about the server.
    pub fn generator_bound(&self) -> bool {
        self.generator_cpu_fraction >= 0.85
    }

    /// Delivered over expected, in percent.
    pub fn delivery_pct(&self) -> f64 {
        if self.expected_per_s == 0.0 {
            return 0.0;
        }
        100.0 * self.delivered_per_s / self.expected_per_s
    }
}

/// The spread of act instants per (room, cue id) over clients that hold the cue.
pub fn cue_skews(reports: &[ClientReport]) -> (Vec<u64>, u64) {
    let mut by_cue: HashMap<(usize, u32), (u64, u64)> = HashMap::new();
    let mut late = 0;
    for r in reports {
        for (&id, &(act, was_late)) in &r.cues {
            late += u64::from(was_late);
            let e = by_cue.entry((r.room, id)).or_insert((act, act));
            e.0 = e.0.min(act);
            e.1 = e.1.max(act);
        }
    }
    (by_cue.values().map(|(lo, hi)| hi - lo).collect(), late)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_add_up_to_the_same_quantiles_as_a_histogram() {
        let (mut samples, mut direct) = (Samples::default(), histogram());
        for i in 0..10_000u64 {
            let us = (i * 7919) % 50_000;
            samples.record(us);
            direct.record(us.max(1)).expect("in range");
        }
        samples.record(u64::MAX);
        direct.saturating_record(u64::from(u32::MAX));
        let mut summed = histogram();
        samples.add_to(&mut summed);
        assert_eq!(samples.len(), 10_001);
        assert_eq!(summed.len(), direct.len());
        let (a, b) = (Quantiles::of(&summed), Quantiles::of(&direct));
        assert_eq!((a.p50, a.p99, a.p999, a.max), (b.p50, b.p99, b.p999, b.max));
        assert!(
            a.max >= 60_000_000,
            "a huge sample counts as the highest value"
        );
    }
}
