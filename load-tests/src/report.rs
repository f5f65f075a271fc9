//! `REPORT.md` and the SVG plot (p99 skeleton latency against rooms, one line per target).

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use crate::stats::StepResult;

/// One target's measurements for the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TargetReport {
    /// Target name.
    pub target: String,
    /// Every step, in order.
    pub steps: Vec<StepResult>,
    /// Index of the largest passing step.
    pub capacity: Option<usize>,
    /// RSS per idle connection, bytes.
    pub idle_per_conn: f64,
    /// Stall scenario: (p99 without, p99 with, server RSS max without, with), if run.
    pub stall: Option<(u64, u64, u64, u64)>,
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
}

/// One round of the interleaved same-load measurement: each target's CPU µs per 1,000
/// delivered, one run each on a fresh server, back to back.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PairedRound {
    /// The order the targets ran in (it rotates from round to round).
    pub order: Vec<String>,
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
    /// The peer (`colyseus-state`, `colyseus-broadcast`).
    pub peer: String,
    /// The load: the peer's capacity in rooms.
    pub rooms: usize,
    /// Every round, in order.
    pub rounds: Vec<PairedRound>,
}

/// The median of per-round ratios, with their range.
#[derive(Debug, Clone, Copy)]
struct Spread {
    median: f64,
    min: f64,
    max: f64,
    n: usize,
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

    fn vs_breakroom(&self) -> Option<Spread> {
        self.ratio(|r| Some(r.breakroom))
    }

    fn vs_reference(&self) -> Option<Spread> {
        self.ratio(|r| r.reference)
    }
}

impl Spread {
    /// `2.05× at 12 rooms: median of 7 interleaved rounds (1.67–2.53×)`.
    fn describe(&self, rooms: usize) -> String {
        format!(
            "{:.2}× at {rooms} rooms: median of {} interleaved rounds ({:.2}–{:.2}×)",
            self.median, self.n, self.min, self.max
        )
    }
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
}

/// One summary row: how to render a target's cell.
type Row = Box<dyn Fn(&TargetReport) -> String>;

fn cap(t: &TargetReport) -> Option<&StepResult> {
    t.capacity.map(|i| &t.steps[i])
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// The Markdown report: the main workload's targets, then a summary of the other workloads.
pub fn markdown(
    header: &str,
    targets: &[TargetReport],
    paired: &[Paired],
    others: &[Variant],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# breakroom load test report\n\n{header}\n");
    let _ = writeln!(out, "![p99 skeleton latency against rooms](plot.svg)\n");
    let _ = writeln!(out, "## Summary at capacity\n");
    let _ = writeln!(
        out,
        "| metric | {} |",
        targets
            .iter()
            .map(|t| t.target.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(targets.len()));
    let rows: Vec<(&str, Row)> = vec![
        (
            "capacity (rooms × participants @ Hz)",
            Box::new(|t| {
                let note = match bound(t) {
                    Some(Bound::LastStep) => " (its last step: a lower bound)",
                    Some(Bound::Generator) => {
                        " (a lower bound: the load generator was saturated at the next step)"
                    }
                    None => "",
                };
                cap(t).map_or("none passed".into(), |s| {
                    format!(
                        "{} × {} @ {} Hz ({} members){note}",
                        s.rooms,
                        s.participants,
                        s.hz,
                        s.rooms * (s.participants + 1)
                    )
                })
            }),
        ),
        (
            "latency p50 / p99 / p99.9 / max, ms",
            Box::new(|t| {
                cap(t).map_or("–".into(), |s| {
                    format!(
                        "{} / {} / {} / {}",
                        ms(s.latency_us.p50),
                        ms(s.latency_us.p99),
                        ms(s.latency_us.p999),
                        ms(s.latency_us.max)
                    )
                })
            }),
        ),
        (
            "fan-out latency (tick → receipt) p50 / p99, ms",
            Box::new(|t| {
                cap(t).map_or("–".into(), |s| {
                    if s.target.starts_with("colyseus") {
                        return "not measured".into();
                    }
                    format!(
                        "{} / {}",
                        ms(s.relay_latency_us.p50),
                        ms(s.relay_latency_us.p99)
                    )
                })
            }),
        ),
        (
            "delivered skeletons/s (% of expected)",
            Box::new(|t| {
                cap(t).map_or("–".into(), |s| {
                    format!("{:.0} ({:.3} %)", s.delivered_per_s, s.delivery_pct())
                })
            }),
        ),
        (
            "server CPU µs per 1,000 delivered",
            Box::new(|t| cap(t).map_or("–".into(), |s| format!("{:.0}", s.cpu_us_per_1000))),
        ),
        (
            "RSS per idle connection",
            Box::new(|t| format!("{:.1} KiB", t.idle_per_conn / 1024.0)),
        ),
        (
            "RSS per active member",
            Box::new(|t| {
                cap(t).map_or("–".into(), |s| {
                    format!("{:.1} KiB", s.rss_per_participant_bytes / 1024.0)
                })
            }),
        ),
        (
            "cue skew p99 / max, µs",
            Box::new(|t| {
                cap(t).map_or("–".into(), |s| {
                    if s.target == "reference" {
                        "n/a (no cues)".into()
                    } else if s.target.starts_with("colyseus") {
                        "not measured (its driver tracks no cues)".into()
                    } else {
                        format!(
                            "{} / {} ({} late)",
                            s.cue_skew_us.p99, s.cue_skew_us.max, s.late_cues
                        )
                    }
                })
            }),
        ),
        (
            "connect rate (hello+sync+join)/s",
            Box::new(|t| cap(t).map_or("–".into(), |s| format!("{:.0}", s.connect_per_s))),
        ),
        (
            "stall: others' p99 without → with, ms; max RSS",
            Box::new(|t| {
                t.stall.map_or("not run".into(), |(a, b, ra, rb)| {
                    format!(
                        "{} → {} ({:+.1} %); {:.1} → {:.1} MiB",
                        ms(a),
                        ms(b),
                        (b as f64 / a.max(1) as f64 - 1.0) * 100.0,
                        ra as f64 / 1048576.0,
                        rb as f64 / 1048576.0
                    )
                })
            }),
        ),
    ];
    for (name, f) in &rows {
        let _ = writeln!(
            out,
            "| {name} | {} |",
            targets.iter().map(f).collect::<Vec<_>>().join(" | ")
        );
    }
    bars(&mut out, targets, paired);
    paired_section(&mut out, paired);
    variants(&mut out, others);
    for t in targets {
        let _ = writeln!(out, "\n## {}: every step\n", t.target);
        let _ = writeln!(
            out,
            "| rooms | members | delivered/s | delivery % | p50 ms | p99 ms | p99.9 ms | max ms | fan-out p99 ms | CPU µs/1000 | RSS/member KiB | cue skew p99 µs | failures | runs passed | generator CPU % |"
        );
        let _ = writeln!(
            out,
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for s in &t.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.3} | {} | {} | {} | {} | {} | {:.0} | {:.1} | {} | {} | {} | {} |",
                s.rooms,
                s.rooms * (s.participants + 1),
                s.delivered_per_s,
                s.delivery_pct(),
                ms(s.latency_us.p50),
                ms(s.latency_us.p99),
                ms(s.latency_us.p999),
                ms(s.latency_us.max),
                ms(s.relay_latency_us.p99),
                s.cpu_us_per_1000,
                s.rss_per_participant_bytes / 1024.0,
                s.cue_skew_us.p99,
                s.failures,
                if s.runs > 1 {
                    format!("{}/{}", s.runs_passed, s.runs)
                } else {
                    "1 run".into()
                },
                match s.generator_cpu_fraction {
                    0.0 => "–".into(),
                    f if s.generator_bound() => format!("**{:.0}** (saturated)", f * 100.0),
                    f => format!("{:.0}", f * 100.0),
                }
            );
        }
    }
    out
}

fn step_at(t: &TargetReport, rooms: usize) -> Option<&StepResult> {
    t.steps.iter().find(|s| s.rooms == rooms)
}

fn verdict(ok: bool) -> &'static str {
    if ok { "**met**" } else { "**not met**" }
}

/// One row of the bars table.
fn bar_row(out: &mut String, bar: &str, measured: String, ok: bool) {
    let _ = writeln!(out, "| {bar} | {measured} | {} |", verdict(ok));
}

/// One row of the bars table whose verdict a saturated load generator may leave open.
fn bound_row(out: &mut String, bar: &str, measured: String, ok: Option<bool>) {
    match ok {
        Some(ok) => bar_row(out, bar, measured, ok),
        None => {
            let _ = writeln!(
                out,
                "| {bar} | {measured} | **not shown** (a load generator was the limit) |"
            );
        }
    }
}

/// breakroom's CPU per 1,000 delivered over the reference's, at breakroom's capacity.
fn vs_reference<'a>(
    b: &'a TargetReport,
    r: &'a TargetReport,
) -> Option<(f64, &'a StepResult, &'a StepResult)> {
    let bc = cap(b)?;
    let rs = step_at(r, bc.rooms)?;
    Some((bc.cpu_us_per_1000 / rs.cpu_us_per_1000, bc, rs))
}

/// The peer's CPU per 1,000 delivered over `x`'s at the peer's capacity (the largest load
/// both ran): `Err(rooms)` when `x` ran no step at that load.
fn same_load<'a>(
    x: &'a TargetReport,
    c: &'a TargetReport,
) -> Option<Result<(f64, &'a StepResult, &'a StepResult), usize>> {
    let cc = cap(c)?;
    Some(match step_at(x, cc.rooms) {
        Some(xs) => Ok((cc.cpu_us_per_1000 / xs.cpu_us_per_1000, cc, xs)),
        None => Err(cc.rooms),
    })
}

/// Why a target's capacity is only a lower bound.
enum Bound {
    /// It passed its last step.
    LastStep,
    /// The step it failed saturated the load generator, which then measured itself.
    Generator,
}

/// Whether, and why, a target's capacity is only a lower bound.
fn bound(t: &TargetReport) -> Option<Bound> {
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
struct CapacityRatio {
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
    fn of(b: &TargetReport, c: &TargetReport) -> Option<Self> {
        let bc = cap(b)?;
        let (peer, peer_failed_all) = match cap(c) {
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
    fn describe(&self) -> String {
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
    out: &mut String,
    b: &TargetReport,
    reference: Option<&TargetReport>,
    c: &TargetReport,
    paired: Option<&Paired>,
) {
    let Some(cc) = cap(c) else { return };
    let same = format!(
        "CPU per 1,000 delivered at least 2× better than {} (same load)",
        c.target
    );
    let interleaved = paired.and_then(|p| Some((p.rooms, p.vs_breakroom()?, p.vs_reference())));
    if let Some((rooms, spread, _)) = &interleaved {
        bar_row(out, &same, spread.describe(*rooms), spread.median >= 2.0);
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
            if interleaved.is_some() {
                let _ = writeln!(out, "| {steps_bar} | {measured} | not the verdict |");
            } else {
                bar_row(out, &steps_bar, measured, ratio >= 2.0);
            }
        }
        Some(Err(rooms)) => {
            let _ = writeln!(
                out,
                "| {steps_bar} | breakroom ran no step at {rooms} rooms (add it to `--rooms`) | **not measured** |"
            );
        }
        None => {}
    }
    // For scale: what the floor itself achieves against the peer at that load.
    let scale = format!(
        "for scale: the reference relay against {} (same load)",
        c.target
    );
    if let Some((rooms, _, Some(spread))) = &interleaved {
        let _ = writeln!(out, "| {scale} | {} | not a bar |", spread.describe(*rooms));
    } else if let Some(Ok((ratio, _, rs))) = reference.and_then(|r| same_load(r, c)) {
        let _ = writeln!(
            out,
            "| {scale} | {} | not a bar |",
            cpu_ratio(ratio, cc.rooms, cc.cpu_us_per_1000, rs.cpu_us_per_1000)
        );
    }
    if let Some(bc) = cap(b) {
        let own = cc.cpu_us_per_1000 / bc.cpu_us_per_1000;
        bar_row(
            out,
            "… and each at its own capacity",
            format!("{own:.2}× ({} rooms vs {} rooms)", cc.rooms, bc.rooms),
            own >= 2.0,
        );
    }
}

/// Every interleaved round, per peer.
fn paired_section(out: &mut String, paired: &[Paired]) {
    if paired.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Same load, interleaved\n\nCPU per 1,000 delivered drifts by up to a third between runs minutes apart on this shared machine, more than the bars' margins. So each peer's capacity load is also run in rounds: the peer, breakroom and the reference one run each, back to back on fresh servers, in an order that rotates. A round's ratio compares runs made within a minute of each other; the bar takes the median round.\n"
    );
    for p in paired {
        let _ = writeln!(out, "### {} at {} rooms\n", p.peer, p.rooms);
        let _ = writeln!(
            out,
            "| round | order | {} µs/1000 | breakroom µs/1000 | reference µs/1000 | {} ÷ breakroom | {} ÷ reference |\n|---|---|---|---|---|---|---|",
            p.peer, p.peer, p.peer
        );
        for (i, r) in p.rounds.iter().enumerate() {
            let failed = |ok: bool| if ok { "" } else { " (failed the step)" };
            let _ = writeln!(
                out,
                "| {} | {} | {:.0}{} | {:.0}{} | {} | {:.2}× | {} |",
                i + 1,
                r.order.join(", "),
                r.peer,
                failed(r.peer_passed),
                r.breakroom,
                failed(r.breakroom_passed),
                r.reference.map_or("–".into(), |c| format!("{c:.0}")),
                r.peer / r.breakroom,
                r.reference
                    .map_or("–".into(), |c| format!("{:.2}×", r.peer / c)),
            );
        }
        let _ = writeln!(out);
    }
}

/// The issue's quality bars, each as measured in this run.
fn bars(out: &mut String, targets: &[TargetReport], paired: &[Paired]) {
    let find = |name: &str| targets.iter().find(|t| t.target == name);
    let Some(b) = find("breakroom") else { return };
    let _ = writeln!(out, "\n## Against the bars\n");
    let _ = writeln!(out, "| bar | measured | verdict |\n|---|---|---|");
    let b_cap = cap(b);
    if let Some((ratio, bc, rs)) = find("reference").and_then(|r| vs_reference(b, r)) {
        bar_row(
            out,
            "CPU per 1,000 delivered within 1.5× of the reference",
            cpu_ratio(ratio, bc.rooms, bc.cpu_us_per_1000, rs.cpu_us_per_1000),
            ratio <= 1.5,
        );
    }
    for c in targets.iter().filter(|t| t.target.starts_with("colyseus")) {
        let rounds = paired.iter().find(|p| p.peer == c.target);
        same_load_rows(out, b, find("reference"), c, rounds);
        if let Some(r) = CapacityRatio::of(b, c) {
            bound_row(
                out,
                &format!("capacity at least 3× {}'s, p99 < 50 ms", c.target),
                r.describe(),
                r.meets(3.0),
            );
        }
    }
    let kib = b.idle_per_conn / 1024.0;
    bar_row(
        out,
        "at most 16 KiB per idle connection",
        format!("{kib:.1} KiB"),
        kib <= 16.0,
    );
    if let Some(bc) = b_cap {
        let skew = bc.cue_skew_us.p99;
        bar_row(
            out,
            "cue skew p99 under 5 ms",
            format!(
                "{:.1} ms at {} rooms, {} late",
                skew as f64 / 1000.0,
                bc.rooms,
                bc.late_cues
            ),
            skew < 5000 && bc.late_cues == 0,
        );
    }
    if let Some((without, with, _, rss)) = b.stall {
        let rise = (with as f64 / without.max(1) as f64 - 1.0) * 100.0;
        bar_row(
            out,
            "a reader stalled 10 s raises the others' p99 by at most 10 %, memory bounded",
            format!(
                "{rise:+.1} % ({} → {} ms), RSS max {:.1} MiB",
                ms(without),
                ms(with),
                rss as f64 / 1048576.0
            ),
            rise <= 10.0,
        );
    }
}

/// The other workloads, a row each, with the bars' ratios as measured in their own runs.
fn variants(out: &mut String, variants: &[Variant]) {
    if variants.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n## Other workloads\n\nEach row is its own `compare` run on this machine, the same way as above but for the room size and send rate; its full report is linked. Capacities are in rooms.\n"
    );
    let _ = writeln!(
        out,
        "| workload | capacity, rooms | capacity, breakroom ÷ peer (bar ≥ 3×) | CPU per 1,000, peer ÷ breakroom at the same load (bar ≥ 2×) | CPU per 1,000, breakroom ÷ reference at breakroom's capacity (bar ≤ 1.5×) | breakroom p99 at capacity, ms | report |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for v in variants {
        let find = |name: &str| v.targets.iter().find(|t| t.target == name);
        let Some(first) = v.targets.iter().find_map(|t| t.steps.first()) else {
            continue;
        };
        let workload = format!("{} participants @ {} Hz", first.participants, first.hz);
        let capacity = v
            .targets
            .iter()
            .map(|t| {
                let n = cap(t).map_or("none".into(), |s| s.rooms.to_string());
                format!("{} {n}", t.target)
            })
            .collect::<Vec<_>>()
            .join(", ");
        let peers = || {
            v.targets
                .iter()
                .filter(|t| t.target.starts_with("colyseus"))
        };
        let (mut ratio, mut cpu, mut vs_ref, mut p99) = (vec![], vec![], "–".into(), "–".into());
        if let Some(b) = find("breakroom") {
            for c in peers() {
                if let Some(r) = CapacityRatio::of(b, c) {
                    ratio.push(format!("{}: {}", c.target, r.describe()));
                }
                let interleaved = v
                    .paired
                    .iter()
                    .find(|p| p.peer == c.target)
                    .and_then(|p| Some((p.rooms, p.vs_breakroom()?)));
                if let Some((rooms, spread)) = interleaved {
                    cpu.push(format!(
                        "{}: {:.2}× at {rooms} rooms (median of {} interleaved rounds, {:.2}–{:.2}×)",
                        c.target, spread.median, spread.n, spread.min, spread.max
                    ));
                    continue;
                }
                match same_load(b, c) {
                    Some(Ok((r, cc, _))) => {
                        cpu.push(format!("{}: {r:.2}× at {} rooms", c.target, cc.rooms));
                    }
                    Some(Err(rooms)) => {
                        cpu.push(format!("{}: not measured (no step at {rooms})", c.target));
                    }
                    None => {}
                }
            }
            if let Some((r, bc, _)) = find("reference").and_then(|r| vs_reference(b, r)) {
                vs_ref = format!("{r:.2}× at {} rooms", bc.rooms);
            }
            if let Some(bc) = cap(b) {
                p99 = ms(bc.latency_us.p99);
            }
        }
        let or_dash = |v: Vec<String>| {
            if v.is_empty() {
                "–".into()
            } else {
                v.join("; ")
            }
        };
        let _ = writeln!(
            out,
            "| {workload} | {capacity} | {} | {} | {vs_ref} | {p99} | [report]({}/REPORT.md) |",
            or_dash(ratio),
            or_dash(cpu),
            v.link
        );
    }
}

/// A hand-written SVG line plot: p99 latency (ms) against rooms, one line per target.
pub fn svg(targets: &[TargetReport]) -> String {
    let (w, h, pad) = (640.0, 400.0, 50.0);
    let max_rooms = targets
        .iter()
        .flat_map(|t| t.steps.iter().map(|s| s.rooms))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let max_ms = targets
        .iter()
        .flat_map(|t| t.steps.iter().map(|s| s.latency_us.p99))
        .max()
        .unwrap_or(1) as f64
        / 1000.0;
    let max_ms = (max_ms * 1.1).max(1.0);
    let x = |r: f64| pad + r / max_rooms * (w - 2.0 * pad);
    let y = |v: f64| h - pad - v / max_ms * (h - 2.0 * pad);
    let colors = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"];
    let mut out = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
    );
    let _ = writeln!(
        out,
        "<line x1=\"{pad}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/><line x1=\"{pad}\" y1=\"{pad}\" x2=\"{pad}\" y2=\"{}\" stroke=\"black\"/>",
        h - pad,
        w - pad,
        h - pad,
        h - pad
    );
    let _ = writeln!(
        out,
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">rooms</text><text x=\"15\" y=\"{}\" transform=\"rotate(-90 15 {})\" text-anchor=\"middle\">p99 skeleton latency, ms</text>",
        w / 2.0,
        h - 10.0,
        h / 2.0,
        h / 2.0
    );
    for i in 0..=4 {
        let v = max_ms * f64::from(i) / 4.0;
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"end\">{v:.0}</text>",
            pad - 5.0,
            y(v) + 4.0
        );
    }
    for (i, t) in targets.iter().enumerate() {
        let c = colors[i % colors.len()];
        let pts: Vec<String> = t
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{:.1},{:.1}",
                    x(s.rooms as f64),
                    y(s.latency_us.p99 as f64 / 1000.0)
                )
            })
            .collect();
        let _ = writeln!(
            out,
            "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>",
            pts.join(" ")
        );
        for s in &t.steps {
            let _ = writeln!(
                out,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{c}\"/><text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{}</text>",
                x(s.rooms as f64),
                y(s.latency_us.p99 as f64 / 1000.0),
                x(s.rooms as f64),
                h - pad + 15.0,
                s.rooms
            );
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" fill=\"{c}\">{}</text>",
            w - pad - 120.0,
            pad + 15.0 * i as f64,
            t.target
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::Skew;

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
            target: name.into(),
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
        assert!(
            row.contains("| 41.0 |") && row.ends_with("[report](variants/40x15hz/REPORT.md) |")
        );
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
            order: vec![
                "colyseus-state".into(),
                "breakroom".into(),
                "reference".into(),
            ],
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
            peer: "colyseus-state".into(),
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
}
