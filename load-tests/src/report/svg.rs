//! `plot.svg`: p99 skeleton latency against rooms, one line per target, drawn by hand.

use std::fmt::Write;

use super::model::TargetReport;

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
