//! The exercise detector's contract, case by case: what it reports, what it holds when it
//! cannot see, what it ignores.
#![allow(clippy::unwrap_used)]

use breakroom_protocol::{Landmark, PoseModel};
use breakroom_rooms::detect::{self, DetectorPhase};
use breakroom_rooms::{Catalogue, Detector, Exercise, Reading};

/// A fixture's model and frames, generated from the recordings (`rooms/fixtures/recipes.json`).
fn fixture(name: &str) -> (PoseModel, Vec<(u64, Vec<Landmark>)>) {
    let clip = breakroom_pose_data::fixture(name).clip;
    let frames = clip
        .frames
        .iter()
        .map(|f| (f.t_us, breakroom_pose_data::clip::landmarks(f)))
        .collect();
    (clip.model, frames)
}

fn feed(d: &mut Detector, model: PoseModel, frames: &[(u64, Vec<Landmark>)]) -> Reading {
    for (t, lms) in frames {
        d.update(*t, model, lms);
    }
    d.reading()
}

#[test]
fn squats_are_counted_on_the_way_back_up() {
    let (model, frames) = fixture("squats_real_5hz");
    let mut d = Detector::for_exercise("squats").unwrap();
    let mut phases = vec![];
    for (t, lms) in &frames {
        let r = d.update(*t, model, lms);
        if phases.last().map(|(p, _)| *p) != Some(r.phase) {
            phases.push((r.phase, r.reps));
        }
    }
    use DetectorPhase::{Down, Up};
    assert_eq!(
        phases,
        [(Up, 0), (Down, 0), (Up, 1), (Down, 1), (Up, 2), (Down, 2)]
    );
    let r = d.reading();
    assert_eq!(
        (r.reps, r.active_ms),
        (2, 0),
        "reps exercises report no hold time"
    );
    assert!(r.confidence > 0.99, "{r:?}");
}

#[test]
fn unseen_landmarks_hold_the_phase_and_lower_the_confidence() {
    let (model, frames) = fixture("squats_real_5hz");
    let mut d = Detector::for_exercise("squats").unwrap();
    // Down in the first squat (frame 10 is its bottom).
    let before = feed(&mut d, model, &frames[..11]);
    assert_eq!(before.phase, DetectorPhase::Down);
    // One second of frames where the legs are hidden (visibility 0.2), then none at all.
    let t = frames[10].0;
    for k in 1..=5 {
        let hidden: Vec<Landmark> = frames[10]
            .1
            .iter()
            .enumerate()
            .map(|(i, l)| Landmark {
                visibility: if i >= 23 { 0.2 } else { l.visibility },
                ..*l
            })
            .collect();
        d.update(t + k * 200_000, model, &hidden);
    }
    d.update(t + 1_200_000, model, &[]);
    let blind = d.reading();
    assert_eq!((blind.phase, blind.reps), (DetectorPhase::Down, 0));
    assert!(blind.confidence < 0.05, "{blind:?}");
    // The person stands up: the rep completes, confidence recovers.
    let after = feed(
        &mut d,
        model,
        &frames[20..24]
            .iter()
            .map(|(ft, l)| (ft - frames[20].0 + t + 1_400_000, l.clone()))
            .collect::<Vec<_>>(),
    );
    assert_eq!((after.phase, after.reps), (DetectorPhase::Up, 1));
    assert!(after.confidence > 0.9, "{after:?}");
}

#[test]
fn frames_from_the_past_are_ignored_and_reset_starts_over() {
    let (model, frames) = fixture("squats_real_5hz");
    let mut d = Detector::for_exercise("squats").unwrap();
    let r = feed(&mut d, model, &frames);
    // A late standing frame stamped before the latest one changes nothing.
    assert_eq!(d.update(0, model, &frames[0].1), r);
    d.reset();
    assert_eq!(
        d.reading(),
        Reading {
            reps: 0,
            active_ms: 0,
            phase: DetectorPhase::Unknown,
            confidence: 0.0
        }
    );
    // After a reset, earlier times are accepted again.
    assert_eq!(feed(&mut d, model, &frames).reps, 2);
}

#[test]
fn holds_report_time_in_the_pose() {
    let (model, frames) = fixture("wall_sit_real_hold_10hz");
    let mut d = Detector::for_exercise("wall_sit").unwrap();
    let r = feed(&mut d, model, &frames);
    assert_eq!(r.phase, DetectorPhase::OutOfPose);
    assert!((7_000..=8_500).contains(&r.active_ms), "{r:?}");
}

#[test]
fn what_cannot_be_seen_is_not_counted() {
    // COCO-17 has no heels: calf raises are undetectable.
    let (model, frames) = fixture("arm_raise_real_30hz");
    let mut d = Detector::for_exercise("calf_raises").unwrap();
    let r = feed(&mut d, model, &frames);
    assert_eq!(
        (r.reps, r.phase, r.confidence),
        (0, DetectorPhase::Unknown, 0.0)
    );
    // An exercise the detector does not know.
    assert!(Detector::for_exercise("burpees").is_none());
    let burpees = Exercise {
        id: "burpees".to_owned(),
        ..Catalogue::builtin().get("squats").unwrap().clone()
    };
    let mut d = Detector::new(&burpees);
    let r = feed(&mut d, model, &frames);
    assert_eq!(
        (r.reps, r.phase, r.confidence),
        (0, DetectorPhase::Unknown, 0.0)
    );
}

#[test]
fn single_poses_are_classified_against_the_midpoint() {
    let (model, frames) = fixture("squats_real_5hz");
    assert_eq!(
        detect::squat_state(model, &frames[0].1),
        Some(DetectorPhase::Up)
    );
    assert_eq!(
        detect::squat_state(model, &frames[10].1),
        Some(DetectorPhase::Down)
    );
    assert_eq!(detect::squat_state(model, &[]), None);
    // Calf raises are measured against a resting level: one pose cannot tell.
    let calf = Detector::for_exercise("calf_raises").unwrap();
    assert_eq!(calf.classify(model, &frames[0].1), None);
}

#[test]
fn readings_serialize_in_snake_case() {
    let r = Reading {
        reps: 3,
        active_ms: 1500,
        phase: DetectorPhase::InPose,
        confidence: 0.5,
    };
    assert_eq!(
        serde_json::to_string(&r).unwrap(),
        r#"{"reps":3,"active_ms":1500,"phase":"in_pose","confidence":0.5}"#
    );
    assert_eq!(DetectorPhase::OutOfPose.to_string(), "out_of_pose");
}
