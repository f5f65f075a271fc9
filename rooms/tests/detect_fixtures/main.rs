//! The detector against the shared fixtures (the contract the TypeScript SDK's port is held to
//! as well): generated here, at test time, from the recipes in `rooms/fixtures/recipes.json`
//! and the recordings in `../shared/data/pose/` (or `$BREAKROOM_POSE_DATA`) by
//! `breakroom-pose-data`, the same generator that writes them for the TypeScript tests. Without
//! the recordings every test here fails, saying where to put them.
//!
//! Every fixture's expected counts are checked, the ML Kit still squat poses are classified,
//! the counts at lower frame rates are measured, and `rooms/fixtures/README.md` is checked to
//! be up to date (`BREAKROOM_REGEN_FIXTURES=1 cargo test -p breakroom-rooms --test
//! detect_fixtures` rewrites it).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    missing_docs,
    unreachable_pub
)]

mod readme;

use std::fs;
use std::path::PathBuf;
use std::sync::OnceLock;

use breakroom_pose_data::clip::{self, Clip, landmarks};
use breakroom_pose_data::fixture::{self, ACTIVE_MS_TOLERANCE, Fixture, FixtureFile, PosesFile};
use breakroom_pose_data::{recipe, recordings, synth};
use breakroom_protocol::PoseModel;
use breakroom_rooms::detect::{self, DetectorPhase};
use breakroom_rooms::{Catalogue, Detector, Unit};

const REGEN: &str = "BREAKROOM_REGEN_FIXTURES";

fn readme_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/README.md")
}

/// Every fixture of the recipes, made once from the recordings.
fn made() -> &'static [Fixture] {
    static FIXTURES: OnceLock<Vec<Fixture>> = OnceLock::new();
    FIXTURES.get_or_init(breakroom_pose_data::fixtures)
}

/// Every generated fixture file (name, content), written as `breakroom_pose_data::files` (and
/// so `gen-fixtures`) writes them, from the fixtures made once.
fn generated() -> &'static [(String, String)] {
    static FILES: OnceLock<Vec<(String, String)>> = OnceLock::new();
    FILES.get_or_init(|| {
        let mut files: Vec<(String, String)> = made()
            .iter()
            .map(|f| (format!("{}.json", f.name), fixture::write_fixture(f)))
            .collect();
        let stills = stills();
        files.push((
            format!("{}.json", stills.name),
            stills.write(&stills.poses()),
        ));
        files
    })
}

/// The still poses recipe (one: the ML Kit squat poses).
fn stills() -> recipe::StillsRecipe {
    let mut stills = recipe::load().stills;
    assert_eq!(stills.len(), 1, "one still poses recipe");
    stills.remove(0)
}

/// Runs an exercise's built-in detector over a clip: final reps, active ms and the phases seen.
fn run(exercise: &str, clip: &Clip) -> (u32, u32, Vec<DetectorPhase>) {
    let mut d = Detector::for_exercise(exercise).expect("a built-in exercise");
    let mut phases: Vec<DetectorPhase> = Vec::new();
    for f in &clip.frames {
        let r = d.update(f.t_us, clip.model, &landmarks(f));
        if phases.last() != Some(&r.phase) {
            phases.push(r.phase);
        }
    }
    let r = d.reading();
    (r.reps, r.active_ms, phases)
}

/// `rooms/fixtures/README.md` lists the recipes with what they make; it is generated, and
/// `BREAKROOM_REGEN_FIXTURES=1` rewrites it.
#[test]
fn fixtures_readme_is_up_to_date() {
    let stills = stills();
    let poses = stills.poses();
    let right = poses
        .iter()
        .filter(|p| as_labelled(&p.label, &p.lms))
        .count();
    let existing = fs::read_to_string(readme_path()).unwrap_or_default();
    let text = readme::write(made(), (right, poses.len()), generated(), &existing);
    if std::env::var_os(REGEN).is_some() {
        fs::write(readme_path(), text).unwrap();
        return;
    }
    assert!(
        fs::read_to_string(readme_path()).ok().as_deref() == Some(text.as_str()),
        "rooms/fixtures/README.md is out of date: run {REGEN}=1 cargo test -p breakroom-rooms \
         --test detect_fixtures"
    );
}

/// The generated files are the contract, not files in the repository: no fixture is
/// committed beside the recipes (they are derived from third-party recordings).
#[test]
fn no_generated_fixture_is_in_the_repository() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    let mut found = Vec::new();
    let mut stack = vec![dir];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "json")
                && !path.ends_with("recipes.json")
            {
                found.push(path);
            }
        }
    }
    assert!(
        found.is_empty(),
        "generated at test time, not kept: {found:?}"
    );
}

/// The fixtures as their files hold them (the generated content, which the test above holds
/// equal to the files).
fn fixture_files() -> Vec<FixtureFile> {
    let stills = format!("{}.json", stills().name);
    generated()
        .iter()
        .filter(|(name, _)| *name != stills)
        .map(|(name, content)| {
            let file: FixtureFile =
                serde_json::from_str(content).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(format!("{}.json", file.name), *name);
            assert!(file.source.contains("Apache-2.0"), "{name}: licence");
            assert!(!file.why.is_empty(), "{name}");
            // The confusion matrix's fields are always written, null or empty as they may be.
            assert!(
                content.contains("\n  \"exercise\": ") && content.contains("\n  \"contains\": "),
                "{name}: exercise and contains are always present"
            );
            file
        })
        .collect()
}

/// The most reps any input may produce between these times at this exercise's rate.
fn rate_bound(exercise: &str, clip: &Clip) -> u64 {
    let max = u64::from(Catalogue::builtin().get(exercise).unwrap().max_per_min);
    let (first, last) = (clip.frames[0].t_us, clip.frames.last().unwrap().t_us);
    (last - first) * max / 60_000_000 + 1
}

/// The confusion matrix: EVERY exercise of the built-in catalogue runs on EVERY fixture. One
/// listed in `expected` counts exactly that many reps; one not listed counts 0. One scored in
/// seconds holds as long as `expected_active_ms` says (within the tolerance), or exactly 0 ms
/// when not listed. Every count respects the catalogue's rate bound. A non-zero expectation
/// off the diagonal (`exercise`) needs a `contains` reason: checked on the recipes when they
/// are loaded, and here on the files.
///
/// Prints one line per fixture with every exercise's count, `!=` marking a wrong cell.
#[test]
fn every_fixture_counts_as_expected() {
    let catalogue = Catalogue::builtin();
    let legend: Vec<String> = catalogue
        .iter()
        .map(|e| format!("{} {}", short(&e.id), e.id))
        .collect();
    println!(
        "fixture [what it shows] reps per exercise (/ seconds held), !=N the expectation \
         missed: {}",
        legend.join(", ")
    );
    let mut failures = Vec::new();
    for f in fixture_files() {
        for (id, &n) in f.expected.iter().chain(&f.expected_active_ms) {
            if catalogue.get(id).is_none() {
                failures.push(format!("{}: {id} is not in the built-in catalogue", f.name));
            }
            let reason = f.contains.get(id).is_some_and(|r| !r.trim().is_empty());
            if n > 0 && f.exercise.as_deref() != Some(id.as_str()) && !reason {
                failures.push(format!(
                    "{}: {id} counts off the diagonal without a `contains` reason",
                    f.name
                ));
            }
        }
        let clip = f.clip();
        let mut cells = Vec::new();
        for e in catalogue.iter() {
            let (reps, active_ms, phases) = run(&e.id, &clip);
            let want = f.expected.get(&e.id).copied().unwrap_or(0);
            let bound = rate_bound(&e.id, &clip);
            let mut cell = format!("{} {reps}", short(&e.id));
            if reps != want || u64::from(reps) > bound {
                cell.push_str(&format!("!={want}"));
                failures.push(format!(
                    "{} {}: {reps} reps, expected {want} (rate bound {bound}; {phases:?})",
                    f.name, e.id
                ));
            }
            if e.unit == Unit::Seconds {
                let want_ms = f.expected_active_ms.get(&e.id).copied();
                cell.push_str(&format!("/{:.1}s", f64::from(active_ms) / 1000.0));
                let ok = match want_ms {
                    Some(want) => active_ms.abs_diff(want) <= ACTIVE_MS_TOLERANCE,
                    None => active_ms == 0,
                };
                if !ok {
                    let want = want_ms.unwrap_or(0);
                    cell.push_str(&format!("!={:.1}s", f64::from(want) / 1000.0));
                    failures.push(format!(
                        "{} {}: held {active_ms} ms, expected {want} ms{}",
                        f.name,
                        e.id,
                        if want_ms.is_some() {
                            format!(" +-{ACTIVE_MS_TOLERANCE}")
                        } else {
                            String::new()
                        }
                    ));
                }
            }
            cells.push(cell);
        }
        let exercise = f.exercise.as_deref().unwrap_or("-");
        println!("{:34} [{}] {}", f.name, short(exercise), cells.join("  "));
    }
    println!("{} wrong cells", failures.len());
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A short column name for an exercise id: the initials of its words (`march_in_place` →
/// `mip`), or a one-word id's first two letters (`squats` → `sq`).
fn short(id: &str) -> String {
    if !id.contains('_') {
        return id.chars().take(2).collect();
    }
    id.split('_').filter_map(|w| w.chars().next()).collect()
}

#[test]
fn mlkit_squat_poses_are_classified() {
    let stills = stills();
    let (_, content) = generated()
        .iter()
        .find(|(name, _)| *name == format!("{}.json", stills.name))
        .unwrap();
    let file: PosesFile = serde_json::from_str(content).unwrap();
    assert_eq!(file.name, stills.name);
    assert!(file.source.contains("Apache-2.0") && !file.why.is_empty());
    assert_eq!(file.model, PoseModel::BlazePose33);
    let right = file
        .poses
        .iter()
        .filter(|p| as_labelled(&p.label, &p.landmarks))
        .count();
    let pct = 100.0 * right as f64 / file.poses.len() as f64;
    println!(
        "ML Kit squat poses classified up/down: {right}/{} = {pct:.1}%",
        file.poses.len()
    );
    assert!(
        pct >= 100.0 * stills.min_share,
        "{pct:.1}% < {}%",
        100.0 * stills.min_share
    );

    // Information only: the push-up poses (floor push-ups, mostly side views) through the
    // desk push-up detector's elbow angle.
    let stills = recordings::mlkit();
    let push: Vec<_> = stills
        .iter()
        .filter(|p| p.label.starts_with("pushups_"))
        .collect();
    let right = push
        .iter()
        .filter(|p| as_labelled(&p.label, &p.lms))
        .count();
    println!(
        "ML Kit push-up poses classified up/down (information): {right}/{} = {:.1}%",
        push.len(),
        100.0 * right as f64 / push.len() as f64
    );
}

/// Whether a still ML Kit pose is classified as labelled (`squats_up`, `pushups_down`, …):
/// squats by `detect::squat_state`, push-ups by the desk push-up detector's `classify`.
fn as_labelled(label: &str, lms: &[[f64; 3]]) -> bool {
    let lms = landmarks(&clip::Frame {
        t_us: 0,
        lms: lms.to_vec(),
    });
    let want = if label.ends_with("_up") {
        DetectorPhase::Up
    } else {
        DetectorPhase::Down
    };
    let got = if label.starts_with("squats_") {
        detect::squat_state(PoseModel::BlazePose33, &lms)
    } else {
        Detector::for_exercise("desk_pushups")
            .unwrap()
            .classify(PoseModel::BlazePose33, &lms)
    };
    got == Some(want)
}

/// Frames kept when a stream of this clip is relayed at `hz`: the first frame of each
/// `1/hz` slot.
fn decimate(clip: &Clip, hz: u64) -> Clip {
    let slot = 1_000_000 / hz;
    let mut last_slot = None;
    clip.clone().filter(|f| {
        let s = f.t_us / slot;
        let keep = last_slot != Some(s);
        last_slot = Some(s);
        keep
    })
}

#[test]
fn lower_frame_rates_miss_no_rep_on_the_fixtures() {
    let (mut worst, mut worst_5hz) = (0, 0);
    let mut skipped = 0;
    for f in fixture_files() {
        let clip = f.clip();
        for (exercise, &want) in &f.expected {
            if want == 0 || f.name.contains("too_fast") {
                continue;
            }
            // What relaying at a lower rate loses, on top of what the fixture's own rate
            // counts: a fixture miscounted at its own rate is the confusion matrix's failure
            // (`every_fixture_counts_as_expected`), not this one's.
            let own = run(exercise, &clip).0;
            if own != want {
                skipped += 1;
                println!(
                    "{:32} {:16} expected {want:3}, counts {own} at its own rate: skipped",
                    f.name, exercise
                );
                continue;
            }
            let counts: Vec<(u64, u32)> = [15, 10, 5]
                .iter()
                .map(|&hz| (hz, run(exercise, &decimate(&clip, hz)).0))
                .collect();
            for &(hz, reps) in &counts {
                assert!(
                    reps <= want,
                    "{} {exercise} at {hz} Hz: {reps} > {want}",
                    f.name
                );
                if hz == 5 {
                    worst_5hz = worst_5hz.max(want - reps);
                } else {
                    worst = worst.max(want - reps);
                }
            }
            println!(
                "{:32} {:16} expected {want:3} at 15/10/5 Hz: {counts:?}",
                f.name, exercise
            );
        }
    }
    println!(
        "most reps missed at 15 or 10 Hz: {worst}, at 5 Hz: {worst_5hz} ({skipped} counts \
         skipped, wrong at their own rate)"
    );
    // The detector's docs ("Running it") say: none missed at 15 and 10 Hz, at most two at 5 Hz.
    assert_eq!(worst, 0, "a rep missed at 15 or 10 Hz");
    assert!(worst_5hz <= 2, "{worst_5hz} reps missed at 5 Hz");
}

/// Every exercise at (or near) its catalogue maximum rate, captured at 30 Hz, relayed at
/// lower rates: what the server's cross-check may miss. Not fixture files: a measurement.
#[test]
fn fast_paces_at_lower_rates() {
    let real = recordings::squats();
    let base = synth::Body::from_frame(&real.frames[0]);
    // At a set pace (no human variation: a measurement at the catalogue's maximum rate),
    // captured at 30 Hz.
    let cap = synth::Capture {
        hz: 30,
        steady: true,
        ..synth::Capture::default()
    };
    // The real first squat 3.75 times faster: 45/min, the catalogue's maximum.
    let squats = real.cut(0..27).looped(10, 53_333);
    let cases: Vec<(&str, &str, Clip, u32)> = vec![
        ("squats", "45/min", squats, 10),
        (
            "jumping_jacks",
            "100/min",
            synth::jumping_jacks(&base, 10, 0.6, cap),
            10,
        ),
        (
            "arm_raises",
            "60/min",
            synth::jumping_jacks(&base, 10, 1.0, cap),
            10,
        ),
        (
            "march_in_place",
            "176/min",
            synth::march(&base, 20, 0.34, cap),
            20,
        ),
        (
            "march_in_place",
            "120/min",
            synth::march(&base, 20, 0.5, cap),
            20,
        ),
        (
            "calf_raises",
            "60/min",
            synth::calf_raises(&base, 10, 1.0, 0.025, cap),
            10,
        ),
        (
            "shoulder_rolls",
            "50/min",
            synth::shoulder_rolls(&base, 10, 1.2, 0.3, cap),
            10,
        ),
        (
            "side_bends",
            "40/min",
            synth::side_bends(&base, 10, 1.5, 35.0, cap),
            10,
        ),
        (
            "desk_pushups",
            "40/min",
            // Seen from the side by a landscape camera, as in the fixtures.
            synth::desk_pushups(&base, 10, 1.5, 45.0, 80.0, cap).scale_x(0.31640625, 0.5),
            10,
        ),
    ];
    for (exercise, pace, clip, want) in cases {
        let full = clip.resample(30);
        let counts: Vec<(u64, u32)> = [30, 15, 10, 5]
            .iter()
            .map(|&hz| (hz, run(exercise, &decimate(&full, hz)).0))
            .collect();
        println!("{exercise:16} at {pace:8} expected {want:2}, at 30/15/10/5 Hz: {counts:?}");
        for (hz, reps) in counts {
            // Misses allowed: none at 30 Hz, 10% at 15 and 10 Hz, 25% at 5 Hz.
            let allowed = match hz {
                30 => 0,
                15 | 10 => want / 10,
                _ => want / 4,
            };
            assert!(
                reps <= want && want - reps <= allowed,
                "{exercise} {pace} {hz} Hz: {reps}"
            );
        }
    }
}
