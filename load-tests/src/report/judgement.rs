//! The judgement: the bars, each as measured in a run, with its verdict. What is
//! compared with what (the same load, each at its own capacity, the interleaved rounds'
//! median), and when a bound leaves a verdict open. No Markdown here: the cells are plain text
//! that `markdown.rs` lays out.

use super::model::{Paired, PairedRound, TargetReport, Variant, find};
use crate::stats::StepResult;
use crate::target::Target;

/// The median of per-round ratios, with their range.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Spread {
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    pub(crate) n: usize,
}

impl Paired {
    /// The peer's CPU over `x`'s, round by round: median and range.
    fn ratio(&self, x: impl Fn(&PairedRound) -> Option<f64>) -> Option<Spread> {
        let mut v: Vec<f64> = self
            .rounds
            .iter()
            .filter_map(|r| x(r).filter(|&c| c > 0.0).map(|c| r.peer / c))
            .collect();
        v.sort_by(f64::total_cmp);
        let n = v.len();
        let median = match n {
            0 => return None,
            n if n % 2 == 1 => v[n / 2],
            n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
        };
        Some(Spread {
            median,
            min: v[0],
            max: v[n - 1],
            n,
        })
    }

    pub(crate) fn vs_breakroom(&self) -> Option<Spread> {
        self.ratio(|r| Some(r.breakroom))
    }

    pub(crate) fn vs_reference(&self) -> Option<Spread> {
        self.ratio(|r| r.reference)
    }
}

impl Spread {
    /// `2.05× at 12 rooms: median of 7 interleaved rounds (1.67–2.53×)`.
    pub(crate) fn describe(&self, rooms: usize) -> String {
        format!(
            "{:.2}× at {rooms} rooms: median of {} interleaved rounds ({:.2}–{:.2}×)",
            self.median, self.n, self.min, self.max
        )
    }
}

/// How a bar's row ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// The bar is met.
    Met,
    /// The bar is missed.
    NotMet,
    /// A saturated load generator leaves it open.
    Open,
    /// Breakroom ran no step at the load to compare at.
    NotMeasured,
    /// Shown beside the verdict (the step runs, when interleaved rounds decide).
    Beside,
    /// For scale only (the reference relay against a peer).
    NotABar,
}

impl Verdict {
    fn of(ok: bool) -> Verdict {
        if ok { Verdict::Met } else { Verdict::NotMet }
    }

    fn of_bound(ok: Option<bool>) -> Verdict {
        ok.map_or(Verdict::Open, Verdict::of)
    }
}

/// One row of the bars table.
#[derive(Debug, Clone)]
pub(crate) struct BarLine {
    /// The bar, in words.
    pub(crate) bar: String,
    /// What the run measured.
    pub(crate) measured: String,
    /// The verdict.
    pub(crate) verdict: Verdict,
}

fn line(bar: &str, measured: String, verdict: Verdict) -> BarLine {
    BarLine {
        bar: bar.to_owned(),
        measured,
        verdict,
    }
}

/// breakroom's CPU per 1,000 delivered over the reference's, at breakroom's capacity.
pub(crate) fn vs_reference<'a>(
    b: &'a TargetReport,
    r: &'a TargetReport,
) -> Option<(f64, &'a StepResult, &'a StepResult)> {
    let bc = b.at_capacity()?;
    let rs = r.step_at(bc.rooms)?;
    Some((bc.cpu_us_per_1000 / rs.cpu_us_per_1000, bc, rs))
}

/// The peer's CPU per 1,000 delivered over `x`'s at the peer's capacity (the largest load
/// both ran): `Err(rooms)` when `x` ran no step at that load.
pub(crate) fn same_load<'a>(
    x: &'a TargetReport,
    c: &'a TargetReport,
) -> Option<Result<(f64, &'a StepResult, &'a StepResult), usize>> {
    let cc = c.at_capacity()?;
    Some(match x.step_at(cc.rooms) {
        Some(xs) => Ok((cc.cpu_us_per_1000 / xs.cpu_us_per_1000, cc, xs)),
        None => Err(cc.rooms),
    })
}

/// Why a target's capacity is only a lower bound.
pub(crate) enum Bound {
    /// It passed its last step.
    LastStep,
    /// The step it failed saturated the load generator, which then measured itself.
    Generator,
}

/// Whether, and why, a target's capacity is only a lower bound.
pub(crate) fn bound(t: &TargetReport) -> Option<Bound> {
    let failed = match t.capacity {
        Some(i) => t.steps.get(i + 1),
        None => t.steps.first(),
    };
    match failed {
        None if t.capacity.is_some() => Some(Bound::LastStep),
        Some(s) if s.generator_bound() => Some(Bound::Generator),
        _ => None,
    }
}

fn lower_bound(t: &TargetReport) -> bool {
    bound(t).is_some()
}

/// breakroom's capacity over the peer's.
pub(crate) struct CapacityRatio {
    ratio: f64,
    /// breakroom's capacity is a lower bound: so is the ratio.
    at_least: bool,
    /// The peer's is: the ratio is an upper bound.
    at_most: bool,
    /// The peer passed no step: `ratio` is over its smallest, which its capacity is below.
    peer_failed_all: bool,
    /// breakroom's rooms and the peer's (or its smallest step's).
    rooms: (usize, usize),
}

impl CapacityRatio {
    pub(crate) fn of(b: &TargetReport, c: &TargetReport) -> Option<Self> {
        let bc = b.at_capacity()?;
        let (peer, peer_failed_all) = match c.at_capacity() {
            Some(cc) => (cc, false),
            None => (c.steps.first()?, true),
        };
        Some(Self {
            ratio: bc.rooms as f64 / peer.rooms as f64,
            at_least: lower_bound(b) || peer_failed_all,
            at_most: lower_bound(c),
            peer_failed_all,
            rooms: (bc.rooms, peer.rooms),
        })
    }

    fn prefix(&self) -> &'static str {
        match (self.at_least, self.at_most) {
            (false, false) => "",
            (true, false) if self.peer_failed_all => "> ",
            (true, false) => "≥ ",
            (false, true) => "≤ ",
            (true, true) => "~ ",
        }
    }

    /// `≥ 4.0× (64 rooms vs 16)`, or against a peer that passed no step, `> 32.0× (32 rooms vs
    /// none: it failed 1)`.
    pub(crate) fn describe(&self) -> String {
        let (b, c) = self.rooms;
        let peer = if self.peer_failed_all {
            format!("none: it failed {c}")
        } else {
            c.to_string()
        };
        format!("{}{:.1}× ({b} rooms vs {peer})", self.prefix(), self.ratio)
    }

    /// Whether it meets `bar`; `None` when a bound leaves that open.
    fn meets(&self, bar: f64) -> Option<bool> {
        if self.ratio >= bar {
            (!self.at_most).then_some(true)
        } else {
            (!self.at_least).then_some(false)
        }
    }
}

fn cpu_ratio(ratio: f64, rooms: usize, a: f64, b: f64) -> String {
    format!("{ratio:.2}× at {rooms} rooms ({a:.0} vs {b:.0} µs)")
}

/// The CPU bars against a peer that passed a step: at its capacity (the same load), for
/// scale the reference's ratio there, and each at its own capacity. With interleaved rounds
/// against this peer, their median is the verdict; the step runs' figure (the targets measured
/// a quarter of an hour or more apart) is shown beside it.
fn same_load_rows(
    out: &mut Vec<BarLine>,
    b: &TargetReport,
    reference: Option<&TargetReport>,
    c: &TargetReport,
    paired: Option<&Paired>,
) {
    let Some(cc) = c.at_capacity() else { return };
    let same = format!(
        "CPU per 1,000 delivered at least 2× better than {} (same load)",
        c.target
    );
    let interleaved = paired.and_then(|p| Some((p.rooms, p.vs_breakroom()?, p.vs_reference())));
    if let Some((rooms, spread, _)) = &interleaved {
        out.push(line(
            &same,
            spread.describe(*rooms),
            Verdict::of(spread.median >= 2.0),
        ));
    }
    let steps_bar = if interleaved.is_some() {
        format!(
            "the same from the step runs above ({} and breakroom measured apart)",
            c.target
        )
    } else {
        same
    };
    match same_load(b, c) {
        Some(Ok((ratio, _, bs))) => {
            let measured = cpu_ratio(ratio, cc.rooms, cc.cpu_us_per_1000, bs.cpu_us_per_1000);
            let verdict = if interleaved.is_some() {
                Verdict::Beside
            } else {
                Verdict::of(ratio >= 2.0)
            };
            out.push(line(&steps_bar, measured, verdict));
        }
        Some(Err(rooms)) => out.push(line(
            &steps_bar,
            format!("breakroom ran no step at {rooms} rooms (add it to `--rooms`)"),
            Verdict::NotMeasured,
        )),
        None => {}
    }
    // For scale: what the floor itself achieves against the peer at that load.
    let scale = format!(
        "for scale: the reference relay against {} (same load)",
        c.target
    );
    if let Some((rooms, _, Some(spread))) = &interleaved {
        out.push(line(&scale, spread.describe(*rooms), Verdict::NotABar));
    } else if let Some(Ok((ratio, _, rs))) = reference.and_then(|r| same_load(r, c)) {
        out.push(line(
            &scale,
            cpu_ratio(ratio, cc.rooms, cc.cpu_us_per_1000, rs.cpu_us_per_1000),
            Verdict::NotABar,
        ));
    }
    if let Some(bc) = b.at_capacity() {
        let own = cc.cpu_us_per_1000 / bc.cpu_us_per_1000;
        out.push(line(
            "… and each at its own capacity",
            format!("{own:.2}× ({} rooms vs {} rooms)", cc.rooms, bc.rooms),
            Verdict::of(own >= 2.0),
        ));
    }
}

/// The quality bars, each as measured in this run; `None` without breakroom.
pub(crate) fn bars(targets: &[TargetReport], paired: &[Paired]) -> Option<Vec<BarLine>> {
    let b = find(targets, Target::Breakroom)?;
    let reference = find(targets, Target::Reference);
    let mut out = Vec::new();
    if let Some((ratio, bc, rs)) = reference.and_then(|r| vs_reference(b, r)) {
        out.push(line(
            "CPU per 1,000 delivered within 1.5× of the reference",
            cpu_ratio(ratio, bc.rooms, bc.cpu_us_per_1000, rs.cpu_us_per_1000),
            Verdict::of(ratio <= 1.5),
        ));
    }
    for c in targets.iter().filter(|t| t.target.is_peer()) {
        let rounds = paired.iter().find(|p| p.peer == c.target);
        same_load_rows(&mut out, b, reference, c, rounds);
        if let Some(r) = CapacityRatio::of(b, c) {
            out.push(line(
                &format!("capacity at least 3× {}'s, p99 < 50 ms", c.target),
                r.describe(),
                Verdict::of_bound(r.meets(3.0)),
            ));
        }
    }
    let kib = b.idle_per_conn / 1024.0;
    out.push(line(
        "at most 16 KiB per idle connection",
        format!("{kib:.1} KiB"),
        Verdict::of(kib <= 16.0),
    ));
    if let Some(bc) = b.at_capacity() {
        let skew = bc.cue_skew_us.p99;
        out.push(line(
            "cue skew p99 under 5 ms",
            format!(
                "{:.1} ms at {} rooms, {} late",
                skew as f64 / 1000.0,
                bc.rooms,
                bc.late_cues
            ),
            Verdict::of(skew < 5000 && bc.late_cues == 0),
        ));
    }
    if let Some((without, with, _, rss)) = b.stall {
        let rise = (with as f64 / without.max(1) as f64 - 1.0) * 100.0;
        out.push(line(
            "a reader stalled 10 s raises the others' p99 by at most 10 %, memory bounded",
            format!(
                "{rise:+.1} % ({} → {} ms), RSS max {:.1} MiB",
                super::ms(without),
                super::ms(with),
                rss as f64 / 1048576.0
            ),
            Verdict::of(rise <= 10.0),
        ));
    }
    Some(out)
}

/// Another workload's row: the bars' ratios as measured in its own run.
pub(crate) struct WorkloadRow {
    /// Room size and send rate.
    pub(crate) workload: String,
    /// Every target's capacity.
    pub(crate) capacity: String,
    /// breakroom's capacity over each peer's.
    pub(crate) capacity_ratios: Vec<String>,
    /// Each peer's CPU over breakroom's at the same load.
    pub(crate) cpu_ratios: Vec<String>,
    /// breakroom's CPU over the reference's at breakroom's capacity.
    pub(crate) vs_reference: Option<String>,
    /// breakroom's p99 at its capacity.
    pub(crate) p99: Option<String>,
    /// breakroom's hold in the server at its capacity, p50 / p99.
    pub(crate) hold: Option<String>,
}

/// The row of workload `v`; `None` when it has no step at all.
pub(crate) fn workload_row(v: &Variant) -> Option<WorkloadRow> {
    let first = v.targets.iter().find_map(|t| t.steps.first())?;
    let mut workload = format!("{} participants @ {} Hz", first.participants, first.hz);
    if v.in_phase {
        workload.push_str(", in phase");
    }
    let capacity = v
        .targets
        .iter()
        .map(|t| {
            let n = t
                .at_capacity()
                .map_or("none".into(), |s| s.rooms.to_string());
            format!("{} {n}", t.target)
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut row = WorkloadRow {
        workload,
        capacity,
        capacity_ratios: Vec::new(),
        cpu_ratios: Vec::new(),
        vs_reference: None,
        p99: None,
        hold: None,
    };
    let Some(b) = find(&v.targets, Target::Breakroom) else {
        return Some(row);
    };
    for c in v.targets.iter().filter(|t| t.target.is_peer()) {
        if let Some(r) = CapacityRatio::of(b, c) {
            row.capacity_ratios
                .push(format!("{}: {}", c.target, r.describe()));
        }
        let interleaved = v
            .paired
            .iter()
            .find(|p| p.peer == c.target)
            .and_then(|p| Some((p.rooms, p.vs_breakroom()?)));
        if let Some((rooms, spread)) = interleaved {
            row.cpu_ratios.push(format!(
                "{}: {:.2}× at {rooms} rooms (median of {} interleaved rounds, {:.2}–{:.2}×)",
                c.target, spread.median, spread.n, spread.min, spread.max
            ));
            continue;
        }
        match same_load(b, c) {
            Some(Ok((r, cc, _))) => {
                row.cpu_ratios
                    .push(format!("{}: {r:.2}× at {} rooms", c.target, cc.rooms));
            }
            Some(Err(rooms)) => {
                row.cpu_ratios
                    .push(format!("{}: not measured (no step at {rooms})", c.target));
            }
            None => {}
        }
    }
    if let Some((r, bc, _)) = find(&v.targets, Target::Reference).and_then(|r| vs_reference(b, r)) {
        row.vs_reference = Some(format!("{r:.2}× at {} rooms", bc.rooms));
    }
    row.p99 = b.at_capacity().map(|bc| super::ms(bc.latency_us.p99));
    row.hold = b
        .at_capacity()
        .filter(|bc| !bc.hold_us.is_unmeasured())
        .map(|bc| {
            format!(
                "{} / {}",
                super::ms(bc.hold_us.p50),
                super::ms(bc.hold_us.p99)
            )
        });
    Some(row)
}
