//! `breakroom detect --matrix DIR`, the real binary: every exercise of the catalogue on every
//! fixture, each count held to its fixture's expectation. The table it prints is the one in
//! `rooms/fixtures/README.md` (between `<!-- matrix:start -->` and `<!-- matrix:end -->`):
//! `BREAKROOM_REGEN_FIXTURES=1 cargo test --test detect_matrix` rewrites that section, and
//! without the variable the test fails when it is out of date. The rule itself is checked on
//! hand-made recordings of a person standing still (no third-party data).
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use breakroom_client::replay::Recording;
use serde_json::{Value, json};

const START: &str = "<!-- matrix:start -->\n";
const END: &str = "<!-- matrix:end -->";

/// The binary, with no `BREAKROOM_*` variable inherited from the environment of the tests.
fn breakroom() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_breakroom"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("BREAKROOM_") {
            cmd.env_remove(name);
        }
    }
    cmd.env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE");
    cmd
}

fn matrix(dir: &Path) -> (Output, String, String) {
    let out = breakroom()
        .args(["detect", "--matrix"])
        .arg(dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    (out, stdout, stderr)
}

fn readme_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rooms/fixtures/README.md")
}

/// The byte range of the matrix section's content in the README.
fn section(readme: &str) -> std::ops::Range<usize> {
    let start = readme.find(START).map(|i| i + START.len());
    let end = readme.find(END);
    match (start, end) {
        (Some(start), Some(end)) if start <= end => start..end,
        _ => panic!(
            "{} has no confusion matrix section: the lines `{}` and `{END}` (the readme \
             generator, rooms/tests/detect_fixtures/readme.rs, writes them and copies what is \
             between them through)",
            readme_path().display(),
            START.trim_end()
        ),
    }
}

#[test]
fn the_confusion_matrix_of_the_fixtures_is_clean_and_is_the_one_in_the_fixtures_readme() {
    assert_eq!(
        breakroom::detect_cli::matrix::ACTIVE_MS_TOLERANCE,
        breakroom_pose_data::fixture::ACTIVE_MS_TOLERANCE,
        "the matrix's tolerance for holds is the fixtures'"
    );
    // Every fixture, as `gen-fixtures DIR` writes them (the still poses file included: the
    // matrix skips it).
    let dir = tempfile::tempdir().unwrap();
    let files = breakroom_pose_data::files();
    for (name, content) in &files {
        std::fs::write(dir.path().join(name), content).unwrap();
    }
    let (out, table, stderr) = matrix(dir.path());
    assert!(
        stderr.contains("skipped mlkit_squat_poses.json"),
        "the still poses are skipped, and said so: {stderr}"
    );
    let fixtures = files
        .iter()
        .filter(|(_, content)| content.contains("\"frames\""))
        .count();
    let rows = table.lines().filter(|l| l.starts_with("| `")).count();
    assert_eq!(rows, fixtures, "one row per fixture with frames:\n{table}");
    assert_eq!(
        out.status.success(),
        marks(&table) == 0,
        "fails exactly when a cell is marked:\n{table}\n{stderr}"
    );

    let path = readme_path();
    let readme = std::fs::read_to_string(&path).unwrap();
    let range = section(&readme);
    if std::env::var_os("BREAKROOM_REGEN_FIXTURES").is_some_and(|v| v == "1") {
        let mut updated = readme.clone();
        updated.replace_range(range, &table);
        if updated != readme {
            std::fs::write(&path, updated).unwrap();
        }
    } else {
        assert!(
            readme[range] == table,
            "the confusion matrix in {} is out of date: run `BREAKROOM_REGEN_FIXTURES=1 cargo \
             test --test detect_matrix`. It is now:\n{table}",
            path.display()
        );
    }
    assert!(
        out.status.success(),
        "the confusion matrix is not clean:\n{table}\n{stderr}"
    );
}

/// A person standing still for 5 s at 10 Hz: the first frame of the SDK's hand-drawn squats.
fn still_frames() -> Value {
    let rec = Recording::squats();
    let standing = &rec.frames[0];
    let frames: Vec<Value> = (0..50u64)
        .map(|i| {
            let lms: Vec<Value> = standing
                .iter()
                .map(|l| json!([l.x, l.y, l.visibility]))
                .collect();
            json!({ "t_us": 1_000_000 + i * 100_000, "landmarks": lms })
        })
        .collect();
    Value::Array(frames)
}

fn fixture(dir: &Path, name: &str, fields: Value) {
    let mut f = json!({
        "name": name,
        "source": "hand-made",
        "model": "blaze_pose33",
        "why": "a person standing still",
        "exercise": null,
        "contains": {},
        "expected": {},
        "frames": still_frames(),
    });
    for (k, v) in fields.as_object().unwrap() {
        f[k] = v.clone();
    }
    std::fs::write(
        dir.join(format!("{name}.json")),
        serde_json::to_string(&f).unwrap(),
    )
    .unwrap();
}

/// The ✗ marks of the table's rows and of the problems under it (the legend has one too).
fn marks(table: &str) -> usize {
    table
        .lines()
        .filter(|l| l.starts_with("| `") || l.starts_with("✗ "))
        .map(|l| l.matches('✗').count())
        .sum()
}

/// The row of `fixture` in the table, as cells (without the fixture's name).
fn row(table: &str, fixture: &str) -> Vec<String> {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("| `{fixture}` |")))
        .unwrap_or_else(|| panic!("no row for {fixture}:\n{table}"));
    line.trim_matches('|')
        .split(" | ")
        .skip(1)
        .map(|c| c.trim().to_owned())
        .collect()
}

fn column(table: &str, header: &str) -> usize {
    let head: Vec<&str> = table
        .lines()
        .next()
        .unwrap()
        .trim_matches('|')
        .split(" | ")
        .collect();
    head.iter()
        .skip(1)
        .position(|h| h.trim() == header)
        .unwrap_or_else(|| panic!("no column {header}:\n{table}"))
}

#[test]
fn a_person_standing_still_counts_nothing_anywhere_and_the_matrix_passes() {
    let dir = tempfile::tempdir().unwrap();
    // The old format (no `exercise`, no `contains`) reads too.
    fixture(dir.path(), "still", json!({}));
    let mut old: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("still.json")).unwrap())
            .unwrap();
    old.as_object_mut().unwrap().remove("exercise");
    old.as_object_mut().unwrap().remove("contains");
    std::fs::write(dir.path().join("still_old_format.json"), old.to_string()).unwrap();

    let (out, table, stderr) = matrix(dir.path());
    assert!(out.status.success(), "{table}\n{stderr}");
    // The pose exercises: the reach game and sound exercises have no column.
    let catalogue: Vec<&breakroom_rooms::Exercise> = breakroom_rooms::Catalogue::builtin()
        .iter()
        .filter(|e| e.input == breakroom_rooms::Input::Pose)
        .collect();
    for name in ["still", "still_old_format"] {
        let cells = row(&table, name);
        assert_eq!(cells.len(), catalogue.len(), "{table}");
        for (cell, exercise) in cells.iter().zip(catalogue.iter()) {
            let zero = match exercise.unit {
                breakroom_rooms::Unit::Reps => "0",
                breakroom_rooms::Unit::Seconds => "0 s",
            };
            assert_eq!(cell, zero, "{} on {name}:\n{table}", exercise.id);
        }
    }
    let cells = 2 * catalogue.len();
    assert!(
        table.contains(&format!(
            "Checked: {cells} cells (2 fixtures × {} exercises), 0 mismatches.",
            catalogue.len()
        )),
        "{table}"
    );
    assert_eq!(marks(&table), 0, "{table}");
}

#[test]
fn each_kind_of_wrong_expectation_is_marked_and_fails_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Claims 3 squats of a person standing still.
    fixture(
        d,
        "a_wrong_count",
        json!({"exercise": "squats", "expected": {"squats": 3}}),
    );
    // A hold of 5 s that is not there.
    fixture(
        d,
        "b_wrong_hold",
        json!({"exercise": "wall_sit", "expected_active_ms": {"wall_sit": 5000}}),
    );
    // An exercise off the diagonal expected with its reason (and wrong: nothing counts).
    fixture(
        d,
        "c_contained",
        json!({"exercise": "jumping_jacks", "expected": {"arm_raises": 2},
               "contains": {"arm_raises": "a jumping jack raises | both arms"}}),
    );
    // … and without one.
    fixture(
        d,
        "d_unexplained",
        json!({"expected": {"calf_raises": 0, "arm_raises": 1}}),
    );
    // An exercise the catalogue does not have.
    fixture(d, "e_unknown", json!({"expected": {"burpees": 0}}));
    // The still poses file is skipped.
    std::fs::write(
        d.join("mlkit_squat_poses.json"),
        r#"{"name": "mlkit_squat_poses", "model": "blaze_pose33", "poses": []}"#,
    )
    .unwrap();

    let (out, table, stderr) = matrix(d);
    assert_eq!(out.status.code(), Some(1), "{table}\n{stderr}");
    assert!(stderr.contains("not clean"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.contains("skipped mlkit_squat_poses.json"),
        "{stderr}"
    );

    let squats = column(&table, "Squats");
    let arm_raises = column(&table, "Arm raises");
    let calf_raises = column(&table, "Calf raises");
    let wall_sit = column(&table, "Wall sit (s)");
    assert_eq!(row(&table, "a_wrong_count")[squats], "**0** ✗ want 3");
    assert_eq!(
        row(&table, "b_wrong_hold")[wall_sit],
        "**0 s** ✗ want 5.0 s"
    );
    assert_eq!(row(&table, "c_contained")[arm_raises], "0 [1] ✗ want 2");
    assert!(
        table.contains("1. Arm raises in `c_contained`: a jumping jack raises | both arms"),
        "the reason is a footnote:\n{table}"
    );
    assert_eq!(
        row(&table, "d_unexplained")[arm_raises],
        "0 ✗ want 1 ✗ no reason"
    );
    assert_eq!(row(&table, "d_unexplained")[calf_raises], "0");
    assert!(
        table.contains("✗ `e_unknown`: `expected` names `burpees`, which is not in the catalogue"),
        "{table}"
    );
    // Every other cell is a correct zero.
    assert_eq!(marks(&table), 5 + 1, "{table}");
    assert!(
        table.contains(
            "4 mismatches, 1 non-zero expectations off the diagonal without a `contains` reason."
        ),
        "{table}"
    );
}

#[test]
fn a_missing_folder_or_a_broken_fixture_is_a_clear_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(PathBuf, Option<&str>, &str)> = vec![
        (dir.path().join("no-such-folder"), None, "no-such-folder"),
        (dir.path().join("empty"), Some(""), "no fixture with frames"),
        (
            dir.path().join("truncated"),
            Some(r#"{"model": "blaze_pose33", "frames": ["#),
            "broken.json",
        ),
        (
            dir.path().join("not-object"),
            Some("[1, 2, 3]"),
            "is not a fixture",
        ),
        (
            dir.path().join("bad-frames"),
            Some(r#"{"model": "blaze_pose33", "frames": 3}"#),
            "broken.json",
        ),
        (
            dir.path().join("bad-model"),
            Some(r#"{"model": "openpose", "frames": []}"#),
            "broken.json",
        ),
    ];
    for (folder, content, says) in cases {
        if let Some(content) = content {
            std::fs::create_dir(&folder).unwrap();
            if !content.is_empty() {
                std::fs::write(folder.join("broken.json"), content).unwrap();
            }
        }
        let (out, stdout, stderr) = matrix(&folder);
        assert_eq!(out.status.code(), Some(1), "{folder:?}: {stdout}\n{stderr}");
        assert!(stderr.starts_with("Error: "), "{folder:?}: {stderr}");
        assert!(
            stderr.contains(says),
            "{folder:?} should say {says:?}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
    }

    // A FILE and --matrix at once, or neither: a usage error.
    for args in [&["detect"][..], &["detect", "x.json", "--matrix", "d"]] {
        let out = breakroom().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
