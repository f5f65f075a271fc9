//! `REPORT.md` and the SVG plot (p99 skeleton latency against rooms, one line per target).

use std::fmt::Write;

use crate::stats::StepResult;

/// One target's measurements for the report.
#[derive(Debug, Clone)]
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

/// One summary row: how to render a target's cell.
type Row = Box<dyn Fn(&TargetReport) -> String>;

fn cap(t: &TargetReport) -> Option<&StepResult> {
    t.capacity.map(|i| &t.steps[i])
}

fn ms(us: u64) -> String {
    format!("{:.1}", us as f64 / 1000.0)
}

/// The Markdown report.
pub fn markdown(header: &str, targets: &[TargetReport]) -> String {
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
                cap(t).map_or("none passed".into(), |s| {
                    format!(
                        "{} × {} @ {} Hz ({} members)",
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
    bars(&mut out, targets);
    for t in targets {
        let _ = writeln!(out, "\n## {}: every step\n", t.target);
        let _ = writeln!(
            out,
            "| rooms | members | delivered/s | delivery % | p50 ms | p99 ms | p99.9 ms | max ms | fan-out p99 ms | CPU µs/1000 | RSS/member KiB | cue skew p99 µs | failures | runs passed |"
        );
        let _ = writeln!(
            out,
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        );
        for s in &t.steps {
            let _ = writeln!(
                out,
                "| {} | {} | {:.0} | {:.3} | {} | {} | {} | {} | {} | {:.0} | {:.1} | {} | {} | {} |",
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

/// The quality bars, each as measured in this run.
fn bars(out: &mut String, targets: &[TargetReport]) {
    let find = |name: &str| targets.iter().find(|t| t.target == name);
    let Some(b) = find("breakroom") else { return };
    let _ = writeln!(out, "\n## Against the bars\n");
    let _ = writeln!(out, "| bar | measured | verdict |\n|---|---|---|");
    let b_cap = cap(b);
    let cpu = |ratio: f64, rooms: usize, a: f64, b: f64| {
        format!("{ratio:.2}× at {rooms} rooms ({a:.0} vs {b:.0} µs)")
    };
    if let (Some(r), Some(bc)) = (find("reference"), b_cap)
        && let Some(rs) = step_at(r, bc.rooms)
    {
        let ratio = bc.cpu_us_per_1000 / rs.cpu_us_per_1000;
        bar_row(
            out,
            "CPU per 1,000 delivered within 1.5× of the reference",
            cpu(ratio, bc.rooms, bc.cpu_us_per_1000, rs.cpu_us_per_1000),
            ratio <= 1.5,
        );
    }
    for c in targets.iter().filter(|t| t.target.starts_with("colyseus")) {
        let Some(cc) = cap(c) else { continue };
        // The same work: the largest load both passed (the peer's capacity).
        let same_load = format!(
            "CPU per 1,000 delivered at least 2× better than {} (same load)",
            c.target
        );
        match step_at(b, cc.rooms) {
            Some(bs) => {
                let ratio = cc.cpu_us_per_1000 / bs.cpu_us_per_1000;
                bar_row(
                    out,
                    &same_load,
                    cpu(ratio, cc.rooms, cc.cpu_us_per_1000, bs.cpu_us_per_1000),
                    ratio >= 2.0,
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "| {same_load} | breakroom ran no step at {} rooms (add it to `--rooms`) | **not measured** |",
                    cc.rooms
                );
            }
        }
        // For scale: what the floor itself achieves against the peer at that load.
        if let Some(rs) = find("reference").and_then(|r| step_at(r, cc.rooms)) {
            let ratio = cc.cpu_us_per_1000 / rs.cpu_us_per_1000;
            let _ = writeln!(
                out,
                "| for scale: the reference relay against {} (same load) | {} | not a bar |",
                c.target,
                cpu(ratio, cc.rooms, cc.cpu_us_per_1000, rs.cpu_us_per_1000)
            );
        }
        if let Some(bc) = b_cap {
            let ratio = cc.cpu_us_per_1000 / bc.cpu_us_per_1000;
            bar_row(
                out,
                "… and each at its own capacity",
                format!("{ratio:.2}× ({} rooms vs {} rooms)", cc.rooms, bc.rooms),
                ratio >= 2.0,
            );
            let last = b.steps.last().is_some_and(|s| s.rooms == bc.rooms);
            let ratio = bc.rooms as f64 / cc.rooms as f64;
            bar_row(
                out,
                &format!("capacity at least 3× {}'s, p99 < 50 ms", c.target),
                format!(
                    "{}{ratio:.1}× ({} rooms vs {})",
                    if last { "≥ " } else { "" },
                    bc.rooms,
                    cc.rooms
                ),
                ratio >= 3.0,
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

    #[test]
    fn bars_compare_at_the_same_load_and_at_each_capacity() {
        let b = target("breakroom", vec![step(16, 4000.0), step(48, 3500.0)], 1);
        let r = target("reference", vec![step(16, 3800.0), step(48, 3000.0)], 1);
        let c = target(
            "colyseus-state",
            vec![step(16, 9000.0), step(32, 7000.0)],
            0,
        );
        let mut out = String::new();
        bars(&mut out, &[b, r, c]);
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
        bars(&mut out, &[b, c]);
        let row = out
            .lines()
            .find(|l| l.contains("better than colyseus-state (same load)"))
            .unwrap_or_else(|| panic!("no same-load row in\n{out}"));
        assert!(row.contains("no step at 12 rooms") && row.ends_with("**not measured** |"));
    }

    #[test]
    fn a_bar_missed_says_so() {
        let b = target("breakroom", vec![step(16, 5000.0), step(32, 4800.0)], 1);
        let c = target(
            "colyseus-broadcast",
            vec![step(16, 7000.0), step(24, 6800.0)],
            1,
        );
        let mut out = String::new();
        bars(&mut out, &[b, c]);
        assert!(out.contains("| capacity at least 3× colyseus-broadcast's, p99 < 50 ms | ≥ 1.3× (32 rooms vs 24) | **not met** |"), "{out}");
        // No step at 24 rooms for breakroom: the same-load figure is not guessed.
        assert!(out.contains("no step at 24 rooms"), "{out}");
        assert!(!out.contains("× at 24 rooms"), "{out}");
    }
}
