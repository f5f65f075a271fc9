//! `rooms/fixtures/README.md`, generated with the files it describes so it cannot drift.

use std::fmt::Write as _;

use breakroom_protocol::PoseModel;

use breakroom_pose_data::fixture::{ACTIVE_MS_TOLERANCE, Fixture};
use breakroom_rooms::{Catalogue, Input};

/// The lines around the confusion matrix's table, which `breakroom detect --matrix` writes:
/// what is between them is copied from the existing README unchanged.
pub const MATRIX_START: &str = "<!-- matrix:start -->";
/// See [`MATRIX_START`].
pub const MATRIX_END: &str = "<!-- matrix:end -->";

const HEAD: &str = r#"# Detector fixtures

The shared contract of breakroom's exercise detector (`breakroom_rooms::detect`): pose keypoint
streams with the repetitions each exercise's detector must count in them. The Rust detector is
tested against them (`rooms/tests/detect_fixtures/`), and the TypeScript SDK's port must agree
on the very same streams (`client-sdk/js/test/detect.test.js`).

The streams are made from third-party recordings, which are not in the repository (see the
top-level README, "Pose recordings"). The repository keeps each fixture's **recipe** in
[`recipes.json`](recipes.json): the recording it starts from, the transformations applied in
order, the counts each detector must reach, and why. The files are **generated at test time**
by one generator, the `breakroom-pose-data` crate (`rooms/pose-data/`), from the recordings in
`../shared/data/pose/` beside the repository root, or in `$BREAKROOM_POSE_DATA`:

```sh
cargo run -p breakroom-pose-data --bin gen-fixtures -- target/fixtures/detect
```

The Rust tests generate them in memory; the TypeScript tests run that command first (into
`target/fixtures/detect/`, or read `$BREAKROOM_FIXTURES` if set). A missing recording fails
every test that needs it, with the file, where to put it and its public source. Derived
variants are deterministic (fixed seeds, arithmetic-only noise), so every machine generates the
same bytes. This README is generated too: `BREAKROOM_REGEN_FIXTURES=1 cargo test -p
breakroom-rooms --test detect_fixtures` rewrites it; without the variable, the test fails if
it is out of date.

## Recipes

`recipes.json` holds `reasons` (texts several fixtures share), `fixtures` and `stills`. A
fixture recipe: `name`; `from`, the recording (`tfjs_squats`: `tfjs-models/pose_squats.full.json`,
BlazePose-33, 65 frames at 5 fps, x/720, y/1280; `tfjs_arm_raise`: `tfjs-models/pose_1.json`,
COCO-17, 120 frames at 30 fps, x/576, y/576), read with visibility 1 and rounded to 5
decimals; `steps`, applied in order (`rooms/pose-data/src/recipe.rs`):

| step | effect |
|---|---|
| `{"cut": [a, b]}` | frames a to b − 1 by index, times unchanged |
| `{"resample_hz": n}` | sampled at n Hz from the first frame, each landmark interpolated linearly |
| `{"drop_random": {"fraction", "seed"}}` | each frame dropped with that probability (splitmix64) |
| `{"drop_between_us": [a, b]}` | frames captured in [a, b) µs dropped |
| `{"noise": {"sigma", "seed"}}` | gaussian-like noise (Irwin–Hall) on every x and y |
| `"mirror"` | x → 1 − x, left and right landmarks swapped |
| `{"scale": {"factor", "about": [x, y], "shift": [dx, dy]}}` | scaled about a point, then shifted; `factor` is a number or `{"start", "per_s"}` |
| `{"scale_x": {"factor", "about"}}` | x scaled about `about` |
| `{"jitter_us": {"max_us", "seed"}}` | each timestamp moved by up to ±max_us, order kept |
| `"off_screen_invisible"` | landmarks outside the image get visibility 0.1 |
| `{"hold": {"frame", "for_us", "step_us"}}` | that frame held (copies every step_us), later frames moved later |
| `{"loop": {"times", "step_us"}}` | the clip repeated, frame k at k × step_us |
| `{"synth": {"motion", …, "hz", "seed", "noise"}}` | the clip replaced by synthetic movement of the person of its first frame (`rooms/pose-data/src/synth.rs`): `jumping_jacks`, `march`, `side_bends`, `calf_raises`, `shoulder_rolls`, `neck_stretch` animate the standing frame (a front view); `desk_pushups`, `wall_sit`, `lunges`, `squats` (`arms`: `sides`, `forward`, `clasped`) and `bend_pick_up` pose a 3-D stick body with its segment lengths, seen at `yaw_deg`; `talking`, `weight_shift`, `still`, `arm_waving`, `one_arm_overhead` are negatives. Human timing (each rep's duration ±20%, amplitude ±15%, short pauses, eased), captured at `hz` (default 10) with noise `noise` (default σ 0.003) on every landmark, all drawn from `seed` (default 1) |
| `{"narrow_stance": {"feet_apart", "knee_share"}}` | 3-D: ankles, heels and toes moved towards the midline until the ankles are `feet_apart` shoulder widths apart, the knees by `knee_share` of that move (`rooms/pose-data/src/space.rs`) |
| `{"shallow": {"hip_drop_torso"}}` | 3-D: every frame blended with the standing frame 0 so that the hips drop at most that many torso lengths, then grounded again |
| `{"scale_body": factor}` | 3-D: the person scaled about the floor under them (a taller or shorter person) |
| `{"lunges": {"reps", "seed", "noise_m"}}` | 3-D: the first frame animated into alternating forward lunges, legs by inverse kinematics, 30 Hz (`rooms/pose-data/src/lunge.rs`) |
| `{"camera": {"yaw_deg", "pitch_deg", "distance_m", "look_at_m", "focal", "aspect"}}` | 3-D to 2-D: each frame grounded and filmed by a virtual pinhole camera (`rooms/pose-data/src/camera.rs`); recipes `from` a 3-D recording (`tfjs_squats_3d`, `mediapipe_squats_threequarter_3d`) need one, 3-D steps before it, 2-D steps after |
| `{"glitches": {"every_s", "landmarks", "jump", "seed"}}` | about every `every_s` s one of `landmarks` jumps `jump[0]`–`jump[1]` of the image for one frame (sometimes two) and back (`rooms/pose-data/src/glitch.rs`) |
| `{"swap_legs": {"every_s", "seed"}}` | about every `every_s` s the left and right leg landmarks trade places for one frame |
| `{"drop_knee_angle": {"from_deg", "to_deg", "aspect"}}` | every frame whose mean 2-D knee angle (square pixels of an `aspect` image) lies in the range dropped: capture gaps at the phase changes |

then `exercise`, `expected`, `expected_active_ms` (optional), `contains` (optional), `why` and
`reason` (a key of `reasons` appended to `why`). Every value of the result is rounded to 5
decimals. Loading the recipes fails if a non-zero expectation for an exercise other than
`exercise` has no `contains` reason, or a reason has no such expectation.

## Format

`<name>.json`, one object per file:

| key | meaning |
|---|---|
| `name` | the file's name without `.json` |
| `source` | the recording it comes from, with its licence |
| `model` | `"blaze_pose33"` (33 BlazePose landmarks) or `"coco17"` (17 COCO keypoints), in the model's usual order |
| `why` | how the file was made and why each count is expected |
| `exercise` | the exercise the fixture shows (the confusion matrix's diagonal), or `null` for a negative (standing still, waving arms) |
| `contains` | `{"<exercise id>": "reason"}`: why an exercise other than `exercise` is expected to count (a jumping jack raises both arms overhead); always present, often `{}` |
| `expected` | `{"<exercise id>": reps}`: the final rep count each listed exercise's detector must reach, exactly |
| `expected_active_ms` | (optional) `{"<exercise id>": ms}`: time in the target pose of an exercise scored in seconds, within ±TOLERANCE ms |
| `frames` | `[{"t_us": µs, "landmarks": [[x, y, visibility], …]}, …]` in time order; x and y in normalized image coordinates (0 = left/top, 1 = right/bottom), 5 decimals; visibility 0 to 1 (1 where the source has none) |

To check a detector (the confusion matrix): for **every** exercise of the built-in catalogue
(`rooms/catalogue.json`), a fresh detector, every frame fed in order with its `t_us`, the model
and its landmarks (no depth), then the final reading compared. An exercise listed in
`expected` must count exactly that many reps; one not listed must count 0. An exercise scored
in seconds must hold as long as `expected_active_ms` says (within ±TOLERANCE ms), or exactly
0 ms when not listed there. Every count must also respect the rate bound `reps <=
floor((last t_us - first t_us) / 1e6 * max_per_min / 60) + 1`. The Rust test
(`every_fixture_counts_as_expected`), the TypeScript test and `breakroom detect --matrix` apply
this same rule.

`mlkit_squat_poses.json` (recipe in `stills`) holds still poses instead of frames: `{"name",
"source", "model", "why", "poses": [{"label": "squats_up" | "squats_down", "landmarks": [[x,
y, 1], …]}]}`: the ML Kit poses whose class starts with `label_prefix`, each scaled by its
bounding box into [0.1, 0.9]. `detect::squat_state` (the squat detector's knee angle against
the midpoint of its thresholds) must classify at least `min_share` of them as labelled.

## Sources and licence

- `tensorflow/tfjs-models`, `pose-detection/test_data/` at commit
  `18a73420e555a3c1948209ebfa807c7086c7ff0c`: `pose_squats.full.json` and `pose_1.json`.
  Copyright Google LLC, Apache License 2.0.
- `googlesamples/mlkit`, `android/vision-quickstart/app/src/main/assets/pose/fitness_pose_samples.csv`
  at commit `f1047837fe1e02d58063bfc30b830fad23ffbc35`: 812 labelled still BlazePose poses in
  pixels, of which the 416 squat poses are used. Copyright Google LLC, Apache License 2.0.

The generated files are derived from these recordings (the synthetic ones animate frame 0 of
the tfjs squat recording, or a stick body with its proportions) and fall under the same licence and attribution; that is why they
are generated, not kept. Only keypoints: no image, video or sound.
"#;

const VALIDATION: &str = r#"## What is validated on real movement

Real recordings exist for three detectors only: **squats** (the tfjs-models squats, front
view, and the mediapipe three-quarter squats of a second person), **arm raises** (the
tfjs-models MoveNet recording) and **desk push-ups** (the mediapipe side-view floor push-ups).
Everything else, **lunges, jumping jacks, march in place, side bends, calf raises, shoulder
rolls, neck stretch and wall sit**, is validated only on synthetic movement
(`rooms/pose-data/src/synth.rs`): a body built from the segment lengths of a real person,
moved with human timing (each rep's period varied ±20%, short irregular pauses, ease-in/out,
amplitude varied ±15%, all seeded), noise of σ 0.003 on every landmark, the body doing what a
real body does alongside (arms swinging on a march, a small jump in a jumping jack, hips
shifting against a side bend), and variants at 0.6× and 1.3× size, shifted, mirrored,
landscape-compressed and at 5, 10 and 30 Hz. A synthetic movement is what its generator says it
is, not what a camera sees: the counts they pass say the detector follows that geometry, not
that it works on people. The wall sit's only real-derived fixture holds the bottom frame of a
real squat; there is no real wall sit.

Per exercise, the fixtures that show it (`exercise`), by recording:

"#;

/// The README, with the fixture table and the measured classification accuracy. `existing`
/// is the current README: its confusion matrix (between [`MATRIX_START`] and [`MATRIX_END`])
/// is copied through unchanged.
pub fn write(
    fixtures: &[Fixture],
    mlkit: (usize, usize),
    files: &[(String, String)],
    existing: &str,
) -> String {
    let mut out = HEAD.replace("TOLERANCE", &ACTIVE_MS_TOLERANCE.to_string());
    let _ = write!(out, "\n{VALIDATION}");
    let _ = writeln!(out, "| exercise | real recordings | synthetic fixtures |");
    let _ = writeln!(out, "|---|---|---|");
    // The exercises a pose detector counts (not the reach game, not sounds).
    for e in Catalogue::builtin()
        .iter()
        .filter(|e| e.input == Input::Pose)
    {
        let shows: Vec<&Fixture> = fixtures
            .iter()
            .filter(|f| f.exercise.as_deref() == Some(e.id.as_str()))
            .collect();
        let mut real: Vec<String> = Vec::new();
        for f in shows.iter().filter(|f| !synthetic(f)) {
            let r = format!("`{}`", recording(f.source));
            if !real.contains(&r) {
                real.push(r);
            }
        }
        let synthetic = shows.iter().filter(|f| synthetic(f)).count();
        let _ = writeln!(
            out,
            "| `{}` | {} | {synthetic} |",
            e.id,
            if real.is_empty() {
                "none: synthetic only".to_owned()
            } else {
                let n = shows.len() - synthetic;
                format!(
                    "{} ({n} fixture{})",
                    real.join(", "),
                    if n == 1 { "" } else { "s" }
                )
            }
        );
    }
    let _ = writeln!(out, "\n## Confusion matrix\n");
    let _ = writeln!(
        out,
        "Every detector over every fixture, as `breakroom detect --matrix DIR` prints it \
         (its test writes the table between the markers; this README's generator copies it \
         through unchanged). Off the diagonal every count must be 0 unless the fixture's \
         `contains` says why.\n"
    );
    let _ = writeln!(out, "{MATRIX_START}");
    out.push_str(matrix(existing));
    let _ = writeln!(out, "{MATRIX_END}");
    let _ = writeln!(out, "\n## Fixtures\n");
    let _ = writeln!(
        out,
        "| file | model | frames | rate | exercise | expected | why |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|");
    for f in fixtures {
        let frames = &f.clip.frames;
        let span = frames.last().map_or(0, |l| l.t_us) - frames.first().map_or(0, |f| f.t_us);
        let hz = if span == 0 {
            0.0
        } else {
            (frames.len() - 1) as f64 * 1e6 / span as f64
        };
        let mut expected: Vec<String> =
            f.expected.iter().map(|(e, n)| format!("{e} {n}")).collect();
        expected.extend(
            f.expected_active_ms
                .iter()
                .map(|(e, ms)| format!("{e} {ms} ms")),
        );
        let model = match f.clip.model {
            PoseModel::BlazePose33 => "BlazePose-33",
            PoseModel::Coco17 => "COCO-17",
        };
        let mut why = f.why.clone();
        for (e, reason) in &f.contains {
            why.push_str(&format!(" Contains {e}: {reason}"));
        }
        let _ = writeln!(
            out,
            "| `{}.json` | {model} | {} | {hz:.1} Hz | {} | {} | {} |",
            f.name,
            frames.len(),
            f.exercise
                .as_deref()
                .map_or("- (negative)".to_owned(), |e| format!("`{e}`")),
            expected.join(", "),
            why
        );
    }
    let (right, total) = mlkit;
    let _ = writeln!(
        out,
        "| `mlkit_squat_poses.json` | BlazePose-33 | {total} still poses | - | `squats` | \
         squat_state >= 95% | ML Kit squat poses, each scaled by its bounding box into [0.1, 0.9] \
         (aspect kept) |"
    );
    let _ = writeln!(out, "\n## Measured\n");
    let _ = writeln!(
        out,
        "- `detect::squat_state` classifies {right} of the {total} ML Kit squat poses as \
         labelled: {:.1}%.",
        100.0 * right as f64 / total as f64
    );
    let _ = writeln!(
        out,
        "- Every fixture above is held to the confusion matrix's rule at its own rate \
         (`every_fixture_counts_as_expected`; the table above shows what the detector counts), \
         and its non-zero rep counts also when relayed at 15, 10 and 5 Hz \
         (`lower_frame_rates_miss_no_rep_on_the_fixtures`)."
    );
    let _ = writeln!(
        out,
        "- The {} generated files, in recipe order, hash to FNV-1a 64 `{:016x}`: every machine \
         generates the same bytes, and a change to the generator or the recipes that changes one \
         shows here.",
        files.len(),
        fnv1a(files)
    );
    out
}

/// Whether a fixture is synthetic movement (its `source` says so) rather than a recording.
fn synthetic(f: &Fixture) -> bool {
    f.source.starts_with("synthetic")
}

/// What lies between the matrix markers of `readme` (each line with its newline), or nothing.
fn matrix(readme: &str) -> &str {
    let Some(start) = readme.find(&format!("{MATRIX_START}\n")) else {
        return "";
    };
    let inner = &readme[start + MATRIX_START.len() + 1..];
    inner.find(MATRIX_END).map_or("", |end| &inner[..end])
}

/// The recording a `source` names: its first file's name (`pose_squats.full.json`), marked
/// `3-D` when filmed from world landmarks through a virtual camera.
fn recording(source: &str) -> String {
    let file = source
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';', ')']))
        .find(|w| [".json", ".mp4", ".gif"].iter().any(|e| w.ends_with(e)))
        .and_then(|w| w.rsplit('/').next())
        .unwrap_or(source);
    if source.contains("world landmarks") && !file.contains("_3d") {
        format!("{file} (3-D)")
    } else {
        file.to_owned()
    }
}

/// FNV-1a 64 over every file's name and content.
fn fnv1a(files: &[(String, String)]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (name, content) in files {
        for b in name.bytes().chain(content.bytes()) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}
