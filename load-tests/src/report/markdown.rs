//! `REPORT.md`: the summary at capacity, the bars with their verdicts, the interleaved rounds,
//! the other workloads, and every step of every target.

use std::fmt::Write;

use super::judgement::{self, Bound, Verdict};
use super::model::{Paired, TargetReport, Variant};
use super::ms;
use crate::stats::StepResult;
use crate::target::Target;

/// One summary row: how to render a target's cell.
type Row = Box<dyn Fn(&TargetReport) -> String>;

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
    summary(&mut out, targets);
    if let Some(lines) = judgement::bars(targets, paired) {
        bars(&mut out, &lines);
    }
    paired_section(&mut out, paired);
    variants(&mut out, others);
    for t in targets {
        steps(&mut out, t);
    }
    out
}

/// The summary table: each target at its capacity.
fn summary(out: &mut String, targets: &[TargetReport]) {
    let _ = writeln!(out, "## Summary at capacity\n");
    let _ = writeln!(
        out,
        "| metric | {} |",
        targets
            .iter()
            .map(|t| t.target.name())
            .collect::<Vec<_>>()
            .join(" | ")
    );
    let _ = writeln!(out, "|---|{}", "---|".repeat(targets.len()));
    let rows: Vec<(&str, Row)> = vec![
        (
            "capacity (rooms × participants @ Hz)",
            Box::new(|t| {
                let note = match judgement::bound(t) {
                    Some(Bound::LastStep) => " (its last step: a lower bound)",
                    Some(Bound::Generator) => {
                        " (a lower bound: the load generator was saturated at the next step)"
                    }
                    None => "",
                };
                t.at_capacity().map_or("none passed".into(), |s| {
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
                t.at_capacity().map_or("–".into(), |s| {
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
                t.at_capacity().map_or("–".into(), |s| {
                    if !t.target.stamps_ticks() {
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
            "hold in server (pose written → tick of its frame) p50 / p99 / max, ms",
            Box::new(|t| t.at_capacity().map_or("–".into(), |s| hold(t.target, s))),
        ),
        (
            "delivered skeletons/s (% of expected)",
            Box::new(|t| {
                t.at_capacity().map_or("–".into(), |s| {
                    format!("{:.0} ({:.3} %)", s.delivered_per_s, s.delivery_pct())
                })
            }),
        ),
        (
            "server CPU µs per 1,000 delivered",
            Box::new(|t| {
                t.at_capacity()
                    .map_or("–".into(), |s| format!("{:.0}", s.cpu_us_per_1000))
            }),
        ),
        (
            "RSS per idle connection",
            Box::new(|t| format!("{:.1} KiB", t.idle_per_conn / 1024.0)),
        ),
        (
            "RSS per active member",
            Box::new(|t| {
                t.at_capacity().map_or("–".into(), |s| {
                    format!("{:.1} KiB", s.rss_per_participant_bytes / 1024.0)
                })
            }),
        ),
        (
            "cue skew p99 / max, µs",
            Box::new(|t| {
                t.at_capacity().map_or("–".into(), |s| match t.target {
                    Target::Reference => "n/a (no cues)".into(),
                    _ if t.target.is_peer() => "not measured (its driver tracks no cues)".into(),
                    _ => format!(
                        "{} / {} ({} late)",
                        s.cue_skew_us.p99, s.cue_skew_us.max, s.late_cues
                    ),
                })
            }),
        ),
        (
            "connect rate (hello+sync+join)/s",
            Box::new(|t| {
                t.at_capacity()
                    .map_or("–".into(), |s| format!("{:.0}", s.connect_per_s))
            }),
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
}

/// A step's hold in the server: p50 / p99 / max, or why there is none.
fn hold(target: Target, s: &StepResult) -> String {
    if !target.stamps_ticks() {
        "not measured".into()
    } else if s.hold_us.is_unmeasured() {
        "not measured (a run from before the metric)".into()
    } else {
        format!(
            "{} / {} / {}",
            ms(s.hold_us.p50),
            ms(s.hold_us.p99),
            ms(s.hold_us.max)
        )
    }
}

/// The bars table.
pub(crate) fn bars(out: &mut String, lines: &[judgement::BarLine]) {
    let _ = writeln!(out, "\n## Against the bars\n");
    let _ = writeln!(out, "| bar | measured | verdict |\n|---|---|---|");
    for l in lines {
        let verdict = match l.verdict {
            Verdict::Met => "**met**",
            Verdict::NotMet => "**not met**",
            Verdict::Open => "**not shown** (a load generator was the limit)",
            Verdict::NotMeasured => "**not measured**",
            Verdict::Beside => "not the verdict",
            Verdict::NotABar => "not a bar",
        };
        let _ = writeln!(out, "| {} | {} | {verdict} |", l.bar, l.measured);
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
            let order: Vec<&str> = r.order.iter().map(|t| t.name()).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {:.0}{} | {:.0}{} | {} | {:.2}× | {} |",
                i + 1,
                order.join(", "),
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
        "| workload | capacity, rooms | capacity, breakroom ÷ peer (bar ≥ 3×) | CPU per 1,000, peer ÷ breakroom at the same load (bar ≥ 2×) | CPU per 1,000, breakroom ÷ reference at breakroom's capacity (bar ≤ 1.5×) | breakroom p99 at capacity, ms | breakroom hold in server p50 / p99 at capacity, ms | report |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|");
    let or_dash = |v: &[String]| {
        if v.is_empty() {
            "–".into()
        } else {
            v.join("; ")
        }
    };
    for v in variants {
        let Some(row) = judgement::workload_row(v) else {
            continue;
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | [report]({}/REPORT.md) |",
            row.workload,
            row.capacity,
            or_dash(&row.capacity_ratios),
            or_dash(&row.cpu_ratios),
            row.vs_reference.as_deref().unwrap_or("–"),
            row.p99.as_deref().unwrap_or("–"),
            row.hold.as_deref().unwrap_or("–"),
            v.link
        );
    }
}

/// One target's table of every step.
fn steps(out: &mut String, t: &TargetReport) {
    let _ = writeln!(out, "\n## {}: every step\n", t.target);
    let _ = writeln!(
        out,
        "| rooms | members | delivered/s | delivery % | p50 ms | p99 ms | p99.9 ms | max ms | fan-out p99 ms | hold in server p50 / p99 ms | CPU µs/1000 | RSS/member KiB | cue skew p99 µs | failures | runs passed | generator CPU % |"
    );
    let _ = writeln!(
        out,
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    );
    for s in &t.steps {
        let _ = writeln!(
            out,
            "| {} | {} | {:.0} | {:.3} | {} | {} | {} | {} | {} | {} | {:.0} | {:.1} | {} | {} | {} | {} |",
            s.rooms,
            s.rooms * (s.participants + 1),
            s.delivered_per_s,
            s.delivery_pct(),
            ms(s.latency_us.p50),
            ms(s.latency_us.p99),
            ms(s.latency_us.p999),
            ms(s.latency_us.max),
            ms(s.relay_latency_us.p99),
            if s.hold_us.is_unmeasured() {
                "–".into()
            } else {
                format!("{} / {}", ms(s.hold_us.p50), ms(s.hold_us.p99))
            },
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
