//! `gen-fixtures OUTDIR`: writes every fixture of the recipes from the recordings, and without
//! the recordings fails with a message saying which files to put where, and where they come
//! from.
#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::process::Command;

use breakroom_pose_data::fixture::{FixtureFile, PosesFile};
use breakroom_pose_data::locate::{ENV, SOURCES};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("breakroom-gen-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn writes_every_fixture_of_the_recipes() {
    let out = scratch("ok");
    let run = Command::new(env!("CARGO_BIN_EXE_gen-fixtures"))
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let recipes = breakroom_pose_data::recipe::load();
    for recipe in &recipes.fixtures {
        let text = std::fs::read_to_string(out.join(format!("{}.json", recipe.name))).unwrap();
        let file: FixtureFile = serde_json::from_str(&text).unwrap();
        assert_eq!(file.name, recipe.name);
        assert_eq!(
            file.expected.len(),
            recipe.expected.len(),
            "{}",
            recipe.name
        );
        assert!(!file.frames.is_empty(), "{}", recipe.name);
        assert_eq!(file.exercise, recipe.exercise, "{}", recipe.name);
        assert_eq!(file.contains, recipe.contains, "{}", recipe.name);
    }
    for stills in &recipes.stills {
        let text = std::fs::read_to_string(out.join(format!("{}.json", stills.name))).unwrap();
        let file: PosesFile = serde_json::from_str(&text).unwrap();
        assert_eq!(file.poses.len(), 416, "the ML Kit squat poses");
    }
    let written = std::fs::read_dir(&out).unwrap().count();
    assert_eq!(written, recipes.fixtures.len() + recipes.stills.len());
    std::fs::remove_dir_all(&out).unwrap();
}

#[test]
fn without_the_recordings_it_fails_saying_where_to_put_them() {
    let out = scratch("missing");
    let run = Command::new(env!("CARGO_BIN_EXE_gen-fixtures"))
        .arg(&out)
        .env(ENV, scratch("no-recordings"))
        .output()
        .unwrap();
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("../shared/data/pose/") && err.contains(ENV),
        "{err}"
    );
    for s in SOURCES {
        assert!(
            err.contains(s.file) && err.contains(s.repo) && err.contains(s.commit),
            "{err}"
        );
    }
    assert!(!out.exists(), "nothing written");
}

/// The README's "Pose recordings" names the public source of every recording the tests read:
/// repository, commit and path.
#[test]
fn the_readme_names_every_recordings_source() {
    let readme =
        std::fs::read_to_string(breakroom_pose_data::locate::repo_root().join("README.md"))
            .unwrap();
    let section = readme
        .split("### Pose recordings")
        .nth(1)
        .expect("a \"Pose recordings\" section");
    for s in SOURCES {
        let repo = s.repo.trim_start_matches("https://github.com/");
        assert!(
            section.contains(s.file)
                && section.contains(repo)
                && section.contains(s.commit)
                && section.contains(s.path),
            "README.md does not name where {} comes from",
            s.file
        );
    }
}
