//! Property tests of the exercise detector: it never panics, whatever the landmarks (NaN,
//! infinite, huge, too few or too many) and the times (repeated, going backwards, far apart),
//! and it never counts more reps than the exercise's maximum rate allows:
//! `reps ≤ floor(elapsed_s × max_per_min / 60) + 1`, `elapsed_s` from the first frame to the
//! latest. Nor does it report more time held than elapsed, or a confidence outside 0..=1.
#![allow(clippy::unwrap_used)]

use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::{Catalogue, Detector, Exercise};
use proptest::prelude::*;

/// Every built-in exercise, and one the detector does not know.
fn exercise() -> impl Strategy<Value = String> {
    let mut ids: Vec<String> = Catalogue::builtin().iter().map(|e| e.id.clone()).collect();
    ids.push("burpees".to_owned());
    prop::sample::select(ids)
}

fn model() -> impl Strategy<Value = PoseModel> {
    prop_oneof![Just(PoseModel::BlazePose33), Just(PoseModel::Coco17)]
}

fn coordinate() -> impl Strategy<Value = f32> {
    prop_oneof![
        8 => -0.3f32..1.3,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => any::<f32>(),
        1 => Just(-0.25f32),
        1 => Just(1.25f32),
    ]
}

fn landmark() -> impl Strategy<Value = Landmark> {
    let visibility = prop_oneof![4 => 0.0f32..=1.0, 1 => any::<f32>()];
    let z = prop_oneof![Just(None), coordinate().prop_map(Some)];
    (coordinate(), coordinate(), z, visibility).prop_map(|(x, y, z, visibility)| Landmark {
        x,
        y,
        z,
        visibility,
    })
}

/// A frame's time step: mostly forwards by up to a second, sometimes repeated, backwards, or a
/// jump of any size.
fn step() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0i64..1_000_000,
        1 => Just(0i64),
        1 => -2_000_000i64..0,
        1 => any::<i64>(),
    ]
}

/// A stick figure in one of many extreme positions (each flag toggles one movement), so that
/// random sequences complete cycles of every exercise, as fast as the steps go.
fn stick(flags: u16, model: PoseModel) -> Vec<Landmark> {
    let on = |bit: u16| flags & (1 << bit) != 0;
    let (squat, arms_up, feet_apart, shrug) = (on(0), on(1), on(2), on(3));
    let (lean, knee_left, knee_right, toes, head, elbows) =
        (on(4), on(5), on(6), on(7), on(8), on(9));
    // On the toes, everything but the toes rises.
    let lift = if toes { 0.03 } else { 0.0 };
    // A lunge, left leg in front (seen from the front: its foot nearer, lower in the image;
    // the back knee sinks towards the floor).
    let lunge = on(11);
    let hip_y = if squat { 0.68 } else { 0.55 } - lift + if lunge { 0.15 } else { 0.0 };
    let neck_y = hip_y - 0.25;
    let shoulder_y = neck_y - if shrug { 0.05 } else { 0.0 };
    let tilt = if lean { 0.08 } else { 0.0 };
    let head_tilt = if head { 0.04 } else { 0.0 };
    let mut p = [[0.5f32, 0.5]; 33];
    p[0] = [0.5, neck_y - 0.12];
    p[7] = [0.55, neck_y - 0.11 + head_tilt];
    p[8] = [0.45, neck_y - 0.11 - head_tilt];
    p[2] = [0.52, neck_y - 0.13];
    p[5] = [0.48, neck_y - 0.13];
    p[11] = [0.6, shoulder_y + tilt];
    p[12] = [0.4, shoulder_y - tilt];
    for (side, sign) in [(0usize, 1.0f32), (1, -1.0)] {
        let sh = p[11 + side];
        let elbow = if arms_up {
            [sh[0] + sign * 0.03, sh[1] - 0.14]
        } else {
            [sh[0] + sign * 0.02, sh[1] + 0.14]
        };
        let wrist = if elbows {
            [elbow[0] - sign * 0.1, elbow[1] - 0.05]
        } else {
            [
                elbow[0] + sign * 0.01,
                elbow[1] + if arms_up { -0.13 } else { 0.13 },
            ]
        };
        p[13 + side] = elbow;
        p[15 + side] = wrist;
        let hip = [0.5 + sign * 0.06, hip_y];
        let ankle_x = 0.5 + sign * if feet_apart { 0.25 } else { 0.07 };
        let raised = if side == 0 { knee_left } else { knee_right };
        let knee = if squat {
            [0.5 + sign * 0.13, hip_y + 0.06]
        } else {
            [
                0.5 + sign * 0.065,
                if raised { hip_y + 0.05 } else { hip_y + 0.18 },
            ]
        };
        let mut ankle_y = if raised { 0.78 } else { 0.9 } - lift;
        let mut knee = knee;
        if lunge {
            let front = side == 0;
            ankle_y = if front { 0.93 } else { 0.85 };
            knee[1] = if front { 0.74 } else { 0.86 };
        }
        p[23 + side] = hip;
        p[25 + side] = knee;
        p[27 + side] = [ankle_x, ankle_y];
        p[29 + side] = [ankle_x, ankle_y + 0.01];
        p[31 + side] = [ankle_x + sign * 0.03, 0.92];
    }
    if on(10) {
        // Leaning forward on a desk: the upper body (head to hands) 0.2 towards larger x.
        for point in p.iter_mut().take(23) {
            point[0] += 0.2;
        }
    }
    let all: Vec<Landmark> = p
        .iter()
        .map(|&[x, y]| Landmark {
            x,
            y,
            z: None,
            visibility: 0.9,
        })
        .collect();
    match model {
        PoseModel::BlazePose33 => all,
        PoseModel::Coco17 => [
            0, 2, 5, 7, 8, 11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28,
        ]
        .iter()
        .map(|&i| all[i])
        .collect(),
    }
}

/// Feeds the frames and checks the bounds after each one.
fn check(exercise: &str, frames: &[(i64, PoseModel, Vec<Landmark>)]) {
    let builtin = Catalogue::builtin();
    let entry = builtin.get(exercise).cloned().unwrap_or_else(|| Exercise {
        id: exercise.to_owned(),
        ..builtin.exercises[0].clone()
    });
    let mut d = Detector::new(&entry);
    let max_per_min = u64::from(entry.max_per_min);
    let mut t: u64 = 1_000_000_000;
    let mut first: Option<u64> = None;
    let mut latest = 0u64;
    for (dt, model, landmarks) in frames {
        t = t.saturating_add_signed(*dt);
        let r = d.update(t, *model, landmarks);
        let start = *first.get_or_insert(t);
        latest = latest.max(t);
        let elapsed = latest - start;
        let bound = u128::from(elapsed) * u128::from(max_per_min) / 60_000_000 + 1;
        assert!(
            u128::from(r.reps) <= bound,
            "{exercise}: {} reps in {elapsed} µs",
            r.reps
        );
        assert!(
            u64::from(r.active_ms) <= elapsed / 1000,
            "{exercise}: {r:?} in {elapsed} µs"
        );
        assert!((0.0..=1.0).contains(&r.confidence), "{r:?}");
        assert_eq!(d.reading(), r);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_landmarks_and_times_never_panic(
        exercise in exercise(),
        frames in prop::collection::vec(
            (step(), model(), prop::collection::vec(landmark(), 0..40)),
            0..60,
        ),
    ) {
        check(&exercise, &frames);
    }

    #[test]
    fn fast_movements_never_beat_the_maximum_rate(
        exercise in exercise(),
        model in model(),
        frames in prop::collection::vec((0i64..400_000, any::<u16>()), 1..200),
    ) {
        let frames: Vec<_> = frames
            .into_iter()
            .map(|(dt, flags)| (dt, model, stick(flags, model)))
            .collect();
        check(&exercise, &frames);
    }
}

#[test]
fn the_stick_figure_does_complete_cycles() {
    // The fast property above is only meaningful if the figure's positions count reps: each
    // exercise, its movement flags, toggled every half second for 20 s (holds: every 4 s).
    let moves: [(&str, u16); 10] = [
        ("squats", 1),
        ("jumping_jacks", 0b110),
        ("arm_raises", 0b10),
        ("shoulder_rolls", 0b1000),
        ("march_in_place", 0b10_0000),
        ("side_bends", 0b1_0000),
        ("calf_raises", 0b1000_0000),
        ("neck_stretch", 0b1_0000_0000),
        ("desk_pushups", 0b10_0000_0000),
        ("lunges", 0b1000_0000_0000),
    ];
    for (exercise, flags) in moves {
        let mut d = Detector::for_exercise(exercise).unwrap();
        // A held pose counts once held for MIN_HOLD_MS: neck stretches are held 4 s (eight
        // frames).
        let frames_per_half = if exercise == "neck_stretch" { 8 } else { 1 };
        for k in 0..40 * frames_per_half {
            let on = (k / frames_per_half) % 2 == 1;
            // Push-ups are done leaning on the desk throughout.
            let base = if exercise == "desk_pushups" {
                1 << 10
            } else {
                0
            };
            let pose = stick(if on { flags | base } else { base }, PoseModel::BlazePose33);
            d.update(k * 500_000, PoseModel::BlazePose33, &pose);
        }
        assert!(d.reading().reps >= 7, "{exercise}: {:?}", d.reading());
    }
}
