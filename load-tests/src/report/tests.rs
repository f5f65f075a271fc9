//! The report as a whole: rendered from results, checked line by line.

use super::judgement;
use super::*;
use crate::stats::{Skew, StepResult};
use crate::target::Target;

/// The bars table as the report renders it.
fn bars(out: &mut String, targets: &[TargetReport], paired: &[Paired]) {
    if let Some(lines) = judgement::bars(targets, paired) {
        super::markdown::bars(out, &lines);
    }
}

/// A target by its report name.
fn named(name: &str) -> Target {
    serde_json::from_value(serde_json::Value::String(name.into())).expect("a target name")
}

fn step(rooms: usize, cpu: f64) -> StepResult {
    StepResult {
        rooms,
        participants: 12,
        hz: 15,
        cpu_us_per_1000: cpu,
        cue_skew_us: Skew {
            p99: 1500,
            max: 2000,
        },
        ..Default::default()
    }
}

fn target(name: &str, steps: Vec<StepResult>, capacity: usize) -> TargetReport {
    TargetReport {
        target: named(name),
        steps,
        capacity: Some(capacity),
        idle_per_conn: 12.0 * 1024.0,
        stall: None,
    }
}

/// Breakroom (`breakroom_at_16` µs per 1,000 at 16 rooms), the reference and Colyseus's
/// state room, each with two steps; Colyseus passes neither.
fn three_targets(breakroom_at_16: f64) -> [TargetReport; 3] {
    [
        target(
            "breakroom",
            vec![step(16, breakroom_at_16), step(48, 3500.0)],
            1,
        ),
        target("reference", vec![step(16, 3800.0), step(48, 3000.0)], 1),
        target(
            "colyseus-state",
            vec![step(16, 9000.0), step(32, 7000.0)],
            0,
        ),
    ]
}

#[test]
fn bars_compare_at_the_same_load_and_at_each_capacity() {
    let [b, r, c] = three_targets(4000.0);
    let mut out = String::new();
    bars(&mut out, &[b, r, c], &[]);
    let line = |bar: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("| {bar}")))
            .unwrap_or_else(|| panic!("no row {bar} in\n{out}"))
            .to_owned()
    };
    // 3500 / 3000 at breakroom's capacity (48 rooms).
    assert!(line("CPU per 1,000 delivered within 1.5×").contains("1.17× at 48 rooms"));
    assert!(line("CPU per 1,000 delivered within 1.5×").ends_with("**met** |"));
    // At the peer's capacity, 16 rooms: 9000 / 4000.
    let same = line("CPU per 1,000 delivered at least 2× better than colyseus-state");
    assert!(same.contains("2.25× at 16 rooms") && same.ends_with("**met** |"));
    // Each at its own capacity: 9000 / 3500.
    assert!(line("… and each at its own capacity").contains("2.57×"));
    // 48 rooms against 16, and 48 was breakroom's last step: a lower bound.
    let capacity = line("capacity at least 3× colyseus-state's");
    assert!(capacity.contains("≥ 3.0×") && capacity.ends_with("**met** |"));
    assert!(line("at most 16 KiB").contains("12.0 KiB"));
    assert!(line("cue skew p99 under 5 ms").contains("1.5 ms at 48 rooms, 0 late"));
    // For scale, the reference at the peer's capacity: 9000 / 3800.
    let scale = line("for scale: the reference relay against colyseus-state");
    assert!(scale.contains("2.37× at 16 rooms") && scale.ends_with("not a bar |"));
}

#[test]
fn a_same_load_step_breakroom_did_not_run_is_said_so() {
    let b = target("breakroom", vec![step(16, 4000.0), step(48, 3500.0)], 1);
    let c = target("colyseus-state", vec![step(12, 9000.0)], 0);
    let mut out = String::new();
    bars(&mut out, &[b, c], &[]);
    let row = out
        .lines()
        .find(|l| l.contains("better than colyseus-state (same load)"))
        .unwrap_or_else(|| panic!("no same-load row in\n{out}"));
    assert!(row.contains("no step at 12 rooms") && row.ends_with("**not measured** |"));
}

#[test]
fn a_bar_missed_says_so() {
    // Each failed the step after its capacity, with the generator not saturated.
    let b = target(
        "breakroom",
        vec![step(16, 5000.0), step(32, 4800.0), step(40, 4700.0)],
        1,
    );
    let c = target(
        "colyseus-broadcast",
        vec![step(16, 7000.0), step(24, 6800.0), step(32, 6700.0)],
        1,
    );
    let mut out = String::new();
    bars(&mut out, &[b, c], &[]);
    assert!(out.contains("| capacity at least 3× colyseus-broadcast's, p99 < 50 ms | 1.3× (32 rooms vs 24) | **not met** |"), "{out}");
    // No step at 24 rooms for breakroom: the same-load figure is not guessed.
    assert!(out.contains("no step at 24 rooms"), "{out}");
    assert!(!out.contains("× at 24 rooms"), "{out}");
}

#[test]
fn other_workloads_get_a_row_each_with_the_bars_ratios() {
    let with = |mut t: TargetReport| {
        for s in &mut t.steps {
            s.participants = 40;
            s.latency_us.p99 = 41_000;
        }
        t
    };
    let b = with(target(
        "breakroom",
        vec![step(2, 3000.0), step(8, 2800.0), step(12, 2900.0)],
        1,
    ));
    let r = with(target(
        "reference",
        vec![step(2, 2500.0), step(8, 2400.0)],
        1,
    ));
    let c = with(target(
        "colyseus-state",
        vec![step(2, 7500.0), step(4, 7000.0)],
        0,
    ));
    // Through results.json and back, as `--variants` reads it.
    let json = serde_json::to_string(&vec![b, r, c]).expect("serialize");
    let targets: Vec<TargetReport> = serde_json::from_str(&json).expect("deserialize");
    let v = Variant {
        link: "variants/40x15hz".into(),
        targets,
        paired: vec![],
        in_phase: false,
    };
    let out = markdown("h", &[], &[], &[v]);
    let row = out
        .lines()
        .find(|l| l.starts_with("| 40 participants @ 15 Hz"))
        .unwrap_or_else(|| panic!("no row in\n{out}"));
    assert!(
        row.contains("breakroom 8, reference 8, colyseus-state 2"),
        "{row}"
    );
    // 8 rooms against 2, not breakroom's last step: an exact ratio.
    assert!(row.contains("colyseus-state: 4.0×"), "{row}");
    // At the peer's capacity (2 rooms): 7500 / 3000.
    assert!(row.contains("colyseus-state: 2.50× at 2 rooms"), "{row}");
    // At breakroom's capacity: 2800 / 2400.
    assert!(row.contains("1.17× at 8 rooms"), "{row}");
    assert!(row.contains("| 41.0 |") && row.ends_with("[report](variants/40x15hz/REPORT.md) |"));
}

#[test]
fn a_peer_whose_generator_gave_out_first_has_only_a_lower_bound() {
    let b = target(
        "breakroom",
        vec![step(16, 4000.0), step(48, 3500.0), step(64, 3400.0)],
        1,
    );
    let mut saturated = step(24, 6000.0);
    saturated.generator_cpu_fraction = 0.93;
    let c = target("colyseus-state", vec![step(8, 9000.0), saturated], 0);
    let mut out = String::new();
    bars(&mut out, &[b.clone(), c.clone()], &[]);
    // 48 / 8 = 6×, but the peer might have held more than 8: at most 6×, verdict open.
    assert!(out.contains("| capacity at least 3× colyseus-state's, p99 < 50 ms | ≤ 6.0× (48 rooms vs 8) | **not shown**"), "{out}");
    let all = markdown("h", &[b, c], &[], &[]);
    assert!(
        all.contains("8 × 12 @ 15 Hz (104 members) (a lower bound"),
        "{all}"
    );
    assert!(all.contains("| **93** (saturated) |"), "{all}");
    // A failure with the generator not saturated settles it.
    let fine = target("colyseus-state", vec![step(8, 9000.0), step(24, 6000.0)], 0);
    let b = target(
        "breakroom",
        vec![step(16, 4000.0), step(48, 3500.0), step(64, 3400.0)],
        1,
    );
    let mut out = String::new();
    bars(&mut out, &[b, fine], &[]);
    assert!(out.contains("| 6.0× (48 rooms vs 8) | **met** |"), "{out}");
}

#[test]
fn a_peer_that_passed_no_step_is_below_its_smallest() {
    let b = target(
        "breakroom",
        vec![step(1, 1900.0), step(32, 900.0), step(40, 880.0)],
        1,
    );
    let c = TargetReport {
        capacity: None,
        ..target(
            "colyseus-broadcast",
            vec![step(1, 5900.0), step(2, 3300.0)],
            0,
        )
    };
    let mut out = String::new();
    bars(&mut out, &[b, c], &[]);
    assert!(out.contains("| capacity at least 3× colyseus-broadcast's, p99 < 50 ms | > 32.0× (32 rooms vs none: it failed 1) | **met** |"), "{out}");
    // No capacity, so no load both passed: no same-load CPU figure.
    assert!(!out.contains("better than colyseus-broadcast"), "{out}");
}

fn round(peer: f64, breakroom: f64, reference: f64) -> PairedRound {
    PairedRound {
        order: vec![Target::ColyseusState, Target::Breakroom, Target::Reference],
        peer,
        breakroom,
        reference: Some(reference),
        peer_passed: true,
        breakroom_passed: true,
    }
}

#[test]
fn interleaved_rounds_decide_the_same_load_bar_by_their_median() {
    // Measured apart, 9000 / 5000 = 1.80×: not met. Round by round: 2.50×, 1.90×, 2.10×,
    // 1.60× (a peer run that failed the step still counts: the same work was done).
    let [b, r, c] = three_targets(5000.0);
    let mut rounds = vec![
        round(10000.0, 4000.0, 3000.0),
        round(9500.0, 5000.0, 3800.0),
        round(8400.0, 4000.0, 4200.0),
        round(8000.0, 5000.0, 4000.0),
    ];
    rounds[3].peer_passed = false;
    let paired = vec![Paired {
        peer: Target::ColyseusState,
        rooms: 16,
        rounds,
    }];
    let out = markdown("h", &[b.clone(), r.clone(), c.clone()], &paired, &[]);
    let line = |bar: &str| {
        out.lines()
            .find(|l| l.starts_with(&format!("| {bar}")))
            .unwrap_or_else(|| panic!("no row {bar} in\n{out}"))
            .to_owned()
    };
    // The median of an even count is the mean of the middle two: (1.90 + 2.10) / 2.
    let same = line("CPU per 1,000 delivered at least 2× better than colyseus-state");
    assert!(
        same.contains("2.00× at 16 rooms: median of 4 interleaved rounds (1.60–2.50×)")
            && same.ends_with("**met** |"),
        "{same}"
    );
    let apart = line("the same from the step runs above");
    assert!(apart.contains("1.80× at 16 rooms") && apart.ends_with("not the verdict |"));
    // For scale, the reference round by round: 3.33, 2.50, 2.00, 2.00.
    let scale = line("for scale: the reference relay against colyseus-state");
    assert!(scale.contains("2.25× at 16 rooms: median of 4"), "{scale}");
    assert!(out.contains("| 4 | colyseus-state, breakroom, reference | 8000 (failed the step) | 5000 | 4000 | 1.60× | 2.00× |"), "{out}");
    // Through results.json and back: the rounds survive, and an old file without them
    // still reads.
    let results = Results {
        header: "h".into(),
        targets: vec![b, r, c],
        paired,
        in_phase: false,
    };
    let json = serde_json::to_string(&results).expect("serialize");
    let back: Results = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(back.paired.len(), 1);
    let old: Results = serde_json::from_str(r#"{"header": "h", "targets": []}"#).expect("old");
    assert!(old.paired.is_empty());
    // In another workload's row, the interleaved median replaces the apart figure.
    let v = Variant {
        link: "variants/4x15hz".into(),
        targets: back.targets,
        paired: back.paired,
        in_phase: false,
    };
    let main = markdown("h", &[], &[], &[v]);
    assert!(
        main.contains(
            "colyseus-state: 2.00× at 16 rooms (median of 4 interleaved rounds, 1.60–2.50×)"
        ),
        "{main}"
    );
    // Without rounds, the apart figure is the verdict again.
    let mut out = String::new();
    let [b, _, c] = three_targets(5000.0);
    bars(&mut out, &[b, c], &[]);
    assert!(out.contains("| CPU per 1,000 delivered at least 2× better than colyseus-state (same load) | 1.80× at 16 rooms (9000 vs 5000 µs) | **not met** |"), "{out}");
}

/// The hold in the server is shown where it was measured, and said so where it was not: a
/// Colyseus peer's driver cannot see ticks, and a run from before the metric has none.
#[test]
fn the_hold_in_the_server_is_reported_where_measured() {
    let [mut b, r, c] = three_targets(4000.0);
    b.steps[1].hold_us = crate::stats::Quantiles {
        p50: 16_700,
        p99: 33_900,
        p999: 34_100,
        max: 34_500,
    };
    let out = markdown("h", &[b.clone(), r, c], &[], &[]);
    let row = out
        .lines()
        .find(|l| l.starts_with("| hold in server"))
        .unwrap_or_else(|| panic!("no hold row in\n{out}"));
    assert_eq!(
        row,
        "| hold in server (pose written → tick of its frame) p50 / p99 / max, ms | 16.7 / 33.9 / 34.5 | not measured (a run from before the metric) | not measured |"
    );
    assert!(out.contains("| 0.0 | 16.7 / 33.9 | 3500 |"), "{out}");
    // Another workload's row names its phases and carries breakroom's hold at capacity.
    let v = Variant {
        link: "variants/12x15hz-in-phase".into(),
        targets: vec![b],
        paired: vec![],
        in_phase: true,
    };
    let main = markdown("h", &[], &[], &[v]);
    let row = main
        .lines()
        .find(|l| l.starts_with("| 12 participants @ 15 Hz, in phase |"))
        .unwrap_or_else(|| panic!("no in-phase row in\n{main}"));
    assert!(row.contains("| 16.7 / 33.9 | [report]"), "{row}");
}
