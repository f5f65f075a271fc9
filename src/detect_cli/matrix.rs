//! The confusion matrix: every pose exercise of the built-in catalogue (not the reach game,
//! not sound exercises: no pose detector counts them) run on every fixture, each count held
//! to the fixture's expectation.
//!
//! The rule (the same as the Rust and TypeScript fixture tests'): an exercise listed in
//! `expected` must count exactly that many reps, one not listed must count 0; an exercise
//! scored in seconds listed in `expected_active_ms` must hold that long within
//! [`ACTIVE_MS_TOLERANCE`], one not listed exactly 0 ms. A non-zero expectation for an
//! exercise other than the fixture's own `exercise` (off the diagonal) needs a reason in
//! `contains`.
//!
//! [`matrix`] computes it, [`render_markdown`] prints it (the table in
//! `rooms/fixtures/README.md`); neither reads a file.

use std::fmt::Write as _;

use breakroom_rooms::{Catalogue, Input, Unit};
use serde::Serialize;

use super::{Recording, run};

/// How far a detected hold may be from the expected one (the fixtures' tolerance,
/// `breakroom_pose_data::fixture::ACTIVE_MS_TOLERANCE`).
pub const ACTIVE_MS_TOLERANCE: u32 = 1_000;

/// Every exercise's counts on every fixture, checked.
#[derive(Debug, Serialize)]
pub struct Matrix {
    /// The catalogue's exercises, in catalogue order.
    pub columns: Vec<Column>,
    /// One per fixture, sorted by name.
    pub rows: Vec<Row>,
    /// Expectations that name no exercise of the catalogue, or that cannot apply, as text.
    pub problems: Vec<String>,
}

/// An exercise of the catalogue.
#[derive(Debug, Serialize)]
pub struct Column {
    /// Catalogue id.
    pub id: String,
    /// English name, the column's header.
    pub name: String,
    /// Whether it scores reps or seconds held.
    pub unit: Unit,
}

/// A fixture's counts.
#[derive(Debug, Serialize)]
pub struct Row {
    /// The fixture's name.
    pub name: String,
    /// The exercise it shows, if any.
    pub exercise: Option<String>,
    /// One per column.
    pub cells: Vec<Cell>,
}

/// One exercise on one fixture.
#[derive(Debug, Serialize)]
pub struct Cell {
    /// Reps counted (holds, for an exercise scored in seconds).
    pub reps: u32,
    /// Milliseconds in the target pose (0 for an exercise scored in reps).
    pub active_ms: u32,
    /// Reps expected: the fixture's `expected`, 0 when unlisted.
    pub want_reps: u32,
    /// For an exercise scored in seconds, the hold expected: `expected_active_ms`, 0 when
    /// unlisted. `None` for an exercise scored in reps.
    pub want_active_ms: Option<u32>,
    /// Whether the counts meet the expectation.
    pub ok: bool,
    /// The column is the fixture's own exercise.
    pub diagonal: bool,
    /// Off the diagonal with a non-zero expectation: the fixture's `contains` reason, if it
    /// gives one.
    pub reason: Option<String>,
    /// Off the diagonal with a non-zero expectation and no reason: breaks the contract.
    pub unexplained: bool,
}

impl Cell {
    /// The counts differ from the expectation, or a non-zero one lacks its reason.
    pub fn failed(&self) -> bool {
        !self.ok || self.unexplained
    }
}

impl Matrix {
    /// Cells checked.
    pub fn cells(&self) -> usize {
        self.rows.len() * self.columns.len()
    }

    /// Cells whose counts differ from the expectation.
    pub fn mismatches(&self) -> usize {
        self.all_cells().filter(|c| !c.ok).count()
    }

    /// Non-zero expectations off the diagonal without a `contains` reason.
    pub fn unexplained(&self) -> usize {
        self.all_cells().filter(|c| c.unexplained).count()
    }

    /// Whether every cell meets its fixture's expectation, every exception has its reason and
    /// every expectation names an exercise of the catalogue.
    pub fn clean(&self) -> bool {
        self.mismatches() == 0 && self.unexplained() == 0 && self.problems.is_empty()
    }

    fn all_cells(&self) -> impl Iterator<Item = &Cell> {
        self.rows.iter().flat_map(|r| r.cells.iter())
    }
}

/// Runs every exercise of the built-in catalogue on every recording and checks each count.
pub fn matrix(recordings: &[(String, Recording)]) -> Matrix {
    let columns: Vec<Column> = Catalogue::builtin()
        .iter()
        .filter(|e| e.input == Input::Pose)
        .map(|e| Column {
            id: e.id.clone(),
            name: e.names.en.clone(),
            unit: e.unit,
        })
        .collect();
    let ids: Vec<String> = columns.iter().map(|c| c.id.clone()).collect();
    let mut problems = Vec::new();
    let mut sorted: Vec<&(String, Recording)> = recordings.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    let rows = sorted
        .into_iter()
        .map(|(name, recording)| {
            problems.extend(unknown_ids(name, recording, &columns));
            let outcomes = run(recording, &ids);
            let cells = columns
                .iter()
                .zip(&outcomes)
                .map(|(column, outcome)| cell(recording, column, outcome.reps, outcome.active_ms))
                .collect();
            Row {
                name: name.clone(),
                exercise: recording.exercise.clone(),
                cells,
            }
        })
        .collect();
    Matrix {
        columns,
        rows,
        problems,
    }
}

fn cell(recording: &Recording, column: &Column, reps: u32, active_ms: u32) -> Cell {
    let id = column.id.as_str();
    let want_reps = recording.expected.get(id).copied().unwrap_or(0);
    let want_active_ms = match column.unit {
        Unit::Seconds => Some(recording.expected_active_ms.get(id).copied().unwrap_or(0)),
        Unit::Reps => None,
    };
    let ms_ok = match want_active_ms {
        Some(0) => active_ms == 0,
        Some(want) => active_ms.abs_diff(want) <= ACTIVE_MS_TOLERANCE,
        None => true,
    };
    let diagonal = recording.exercise.as_deref() == Some(id);
    let expects_something = want_reps > 0 || want_active_ms.is_some_and(|ms| ms > 0);
    let reason = if diagonal || !expects_something {
        None
    } else {
        recording.contains.get(id).cloned()
    };
    Cell {
        reps,
        active_ms,
        want_reps,
        want_active_ms,
        ok: reps == want_reps && ms_ok,
        diagonal,
        unexplained: !diagonal && expects_something && reason.is_none(),
        reason,
    }
}

/// Expectations about exercises the catalogue does not have, and holds expected of an
/// exercise scored in reps.
fn unknown_ids(name: &str, recording: &Recording, columns: &[Column]) -> Vec<String> {
    let unit = |id: &str| columns.iter().find(|c| c.id == id).map(|c| c.unit);
    let mut problems = Vec::new();
    let named = [
        ("exercise", recording.exercise.iter().collect::<Vec<_>>()),
        ("expected", recording.expected.keys().collect()),
        ("contains", recording.contains.keys().collect()),
    ];
    for (field, ids) in named {
        for id in ids {
            if unit(id).is_none() {
                problems.push(format!(
                    "`{name}`: `{field}` names `{id}`, which is not in the catalogue"
                ));
            }
        }
    }
    for id in recording.expected_active_ms.keys() {
        match unit(id) {
            None => problems.push(format!(
                "`{name}`: `expected_active_ms` names `{id}`, which is not in the catalogue"
            )),
            Some(Unit::Reps) => problems.push(format!(
                "`{name}`: `expected_active_ms` names `{id}`, which is scored in reps"
            )),
            Some(Unit::Seconds) => {}
        }
    }
    problems
}

/// The matrix as markdown: the table, the legend, the footnotes with the reasons, the
/// summary and any problem. The same text goes between `<!-- matrix:start -->` and
/// `<!-- matrix:end -->` in `rooms/fixtures/README.md`.
pub fn render_markdown(m: &Matrix) -> String {
    // Footnotes, numbered in order of first use: one per exercise and reason.
    let mut notes: Vec<((String, String), Vec<String>)> = Vec::new();
    let mut out = String::new();
    let headers: Vec<String> = m
        .columns
        .iter()
        .map(|c| match c.unit {
            Unit::Reps => escape(&c.name),
            Unit::Seconds => format!("{} (s)", escape(&c.name)),
        })
        .collect();
    let _ = writeln!(out, "| fixture | {} |", headers.join(" | "));
    let _ = writeln!(out, "|---|{}", "---:|".repeat(m.columns.len()));
    for row in &m.rows {
        let cells: Vec<String> = row
            .cells
            .iter()
            .zip(&m.columns)
            .map(|(cell, column)| {
                let note = cell.reason.as_ref().map(|reason| {
                    let key = (column.id.clone(), reason.clone());
                    let i = match notes.iter().position(|(k, _)| *k == key) {
                        Some(i) => i,
                        None => {
                            notes.push((key, Vec::new()));
                            notes.len() - 1
                        }
                    };
                    notes[i].1.push(row.name.clone());
                    i + 1
                });
                cell_text(cell, note)
            })
            .collect();
        let _ = writeln!(out, "| `{}` | {} |", row.name, cells.join(" | "));
    }
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Each cell: the reps counted; for an exercise scored in seconds, the seconds held and, \
         in brackets, the holds. **Bold**: the fixture's own exercise. ✗: differs from the \
         fixture's expectation (a listed exercise counts exactly as listed, an unlisted one 0; \
         seconds within ±{} s), or a non-zero count expected off the diagonal without a reason. \
         [n]: expected off the diagonal, for the reason numbered n below.",
        ACTIVE_MS_TOLERANCE / 1000
    );
    let _ = writeln!(out);
    for (i, ((id, reason), fixtures)) in notes.iter().enumerate() {
        let name = m
            .columns
            .iter()
            .find(|c| &c.id == id)
            .map_or(id.as_str(), |c| c.name.as_str());
        let list: Vec<String> = fixtures.iter().map(|f| format!("`{f}`")).collect();
        let _ = writeln!(
            out,
            "{}. {name} in {}: {}",
            i + 1,
            list.join(", "),
            one_line(reason)
        );
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
    }
    let _ = write!(
        out,
        "Checked: {} cells ({} fixtures × {} exercises), {} mismatches",
        m.cells(),
        m.rows.len(),
        m.columns.len(),
        m.mismatches()
    );
    if m.unexplained() > 0 {
        let _ = write!(
            out,
            ", {} non-zero expectations off the diagonal without a `contains` reason",
            m.unexplained()
        );
    }
    let _ = writeln!(out, ".");
    for problem in &m.problems {
        let _ = writeln!(out, "\n✗ {problem}");
    }
    out
}

fn cell_text(cell: &Cell, note: Option<usize>) -> String {
    let count = counts(cell.reps, cell.want_active_ms.map(|_| cell.active_ms));
    let mut text = if cell.diagonal {
        format!("**{count}**")
    } else {
        count
    };
    if let Some(n) = note {
        let _ = write!(text, " [{n}]");
    }
    if !cell.ok {
        let _ = write!(
            text,
            " ✗ want {}",
            counts(cell.want_reps, cell.want_active_ms)
        );
    }
    if cell.unexplained {
        text.push_str(" ✗ no reason");
    }
    text
}

/// Reps, or for an exercise scored in seconds the time held and, when any, the holds:
/// `3`, `7.5 s (1)`, `0 s`.
fn counts(reps: u32, active_ms: Option<u32>) -> String {
    match active_ms {
        None => reps.to_string(),
        Some(ms) if reps == 0 => seconds(ms),
        Some(ms) => format!("{} ({reps})", seconds(ms)),
    }
}

/// Milliseconds as seconds with one decimal: `7.5 s`, `0 s`.
fn seconds(ms: u32) -> String {
    if ms == 0 {
        "0 s".to_owned()
    } else {
        format!("{:.1} s", f64::from(ms) / 1000.0)
    }
}

/// Text for a table cell: no pipe, no line break.
fn escape(text: &str) -> String {
    one_line(text).replace('|', "\\|")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The cells that fail, as `(fixture, exercise id, cell text)`, in table order.
pub fn failed_cells(m: &Matrix) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for row in &m.rows {
        for (cell, column) in row.cells.iter().zip(&m.columns) {
            if cell.failed() {
                out.push((row.name.clone(), column.id.clone(), cell_text(cell, None)));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn recording(fixture: serde_json::Value) -> Recording {
        let mut f = serde_json::json!({"model": "blaze_pose33", "frames": []});
        for (k, v) in fixture.as_object().unwrap() {
            f[k] = v.clone();
        }
        serde_json::from_value(f).unwrap()
    }

    fn column(id: &str) -> Column {
        let e = Catalogue::builtin().get(id).unwrap();
        Column {
            id: e.id.clone(),
            name: e.names.en.clone(),
            unit: e.unit,
        }
    }

    /// `(reps, active_ms)` counted on a fixture with these fields: (ok, text).
    fn check(fields: serde_json::Value, id: &str, reps: u32, active_ms: u32) -> (bool, String) {
        let c = cell(&recording(fields), &column(id), reps, active_ms);
        (!c.failed(), cell_text(&c, c.reason.as_ref().map(|_| 1)))
    }

    #[test]
    fn listed_counts_are_exact_unlisted_ones_zero() {
        let f = serde_json::json!({"exercise": "squats", "expected": {"squats": 2}});
        assert_eq!(check(f.clone(), "squats", 2, 0), (true, "**2**".into()));
        assert_eq!(
            check(f.clone(), "squats", 3, 0),
            (false, "**3** ✗ want 2".into())
        );
        assert_eq!(
            check(f.clone(), "squats", 1, 0),
            (false, "**1** ✗ want 2".into())
        );
        assert_eq!(check(f.clone(), "shoulder_rolls", 0, 0), (true, "0".into()));
        assert_eq!(
            check(f.clone(), "shoulder_rolls", 1, 0),
            (false, "1 ✗ want 0".into())
        );
        // An exercise scored in seconds, unlisted: 0 holds and exactly 0 ms.
        assert_eq!(check(f.clone(), "wall_sit", 0, 0), (true, "0 s".into()));
        assert_eq!(
            check(f, "wall_sit", 0, 1),
            (false, "0.0 s ✗ want 0 s".into())
        );
    }

    #[test]
    fn a_listed_hold_is_within_a_second() {
        let f = serde_json::json!({
            "exercise": "wall_sit",
            "expected": {"wall_sit": 1},
            "expected_active_ms": {"wall_sit": 7500},
        });
        for (ms, ok) in [(6_499, false), (6_500, true), (8_500, true), (8_501, false)] {
            assert_eq!(check(f.clone(), "wall_sit", 1, ms).0, ok, "{ms} ms");
        }
        assert_eq!(
            check(f.clone(), "wall_sit", 2, 7_500),
            (false, "**7.5 s (2)** ✗ want 7.5 s (1)".into())
        );
    }

    #[test]
    fn a_non_zero_count_off_the_diagonal_needs_its_reason() {
        let with = serde_json::json!({
            "exercise": "jumping_jacks",
            "expected": {"jumping_jacks": 6, "arm_raises": 6},
            "contains": {"arm_raises": "a jumping jack raises both arms"},
        });
        assert_eq!(
            check(with.clone(), "arm_raises", 6, 0),
            (true, "6 [1]".into())
        );
        assert_eq!(check(with, "jumping_jacks", 6, 0), (true, "**6**".into()));
        let without =
            serde_json::json!({"exercise": "jumping_jacks", "expected": {"arm_raises": 6}});
        assert_eq!(
            check(without, "arm_raises", 6, 0),
            (false, "6 ✗ no reason".into())
        );
        // A negative (no exercise): every non-zero expectation is off the diagonal.
        let negative = serde_json::json!({"expected": {"squats": 0}});
        assert_eq!(check(negative, "squats", 0, 0), (true, "0".into()));
    }

    #[test]
    fn the_markdown_numbers_each_reason_once_and_sums_up() {
        let fields = serde_json::json!({
            "exercise": "jumping_jacks",
            "expected": {"arm_raises": 1},
            "contains": {"arm_raises": "arms | overhead"},
        });
        let m = matrix(&[
            ("b".to_owned(), recording(fields.clone())),
            ("a".to_owned(), recording(fields)),
        ]);
        let text = render_markdown(&m);
        let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("| `")).collect();
        assert!(
            rows[0].starts_with("| `a` |") && rows[1].starts_with("| `b` |"),
            "{text}"
        );
        assert!(
            text.contains("1. Arm raises in `a`, `b`: arms | overhead\n"),
            "{text}"
        );
        assert!(!text.contains("2. "), "{text}");
        let n = Catalogue::builtin()
            .iter()
            .filter(|e| e.input == Input::Pose)
            .count();
        assert!(
            text.ends_with(&format!(
                "Checked: {} cells (2 fixtures × {n} exercises), 2 mismatches.\n",
                2 * n
            )),
            "{text}"
        );
        assert!(!m.clean());
        assert_eq!(failed_cells(&m).len(), 2);
    }
}
