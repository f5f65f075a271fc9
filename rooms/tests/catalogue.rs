//! The built-in catalogue and room configuration checks.
#![allow(clippy::unwrap_used)]

mod common;

use breakroom_rooms::{Catalogue, ErrorCode, Input, Program, Room, RoomConfig, Step, Unit};
use common::{T0, config, step};

#[test]
fn builtin_catalogue_is_complete() {
    let c = Catalogue::builtin();
    let required = [
        "squats",
        "jumping_jacks",
        "arm_raises",
        "shoulder_rolls",
        "march_in_place",
        "side_bends",
        "calf_raises",
        "neck_stretch",
    ];
    for id in required {
        let e = c.get(id).unwrap_or_else(|| panic!("{id} missing"));
        assert!(
            !e.names.en.is_empty() && !e.names.sv.is_empty(),
            "{id} names"
        );
        assert!(e.max_per_min > 0 && e.points_per_unit > 0, "{id} rates");
    }
    assert!(c.iter().count() >= 8);
    assert!(c.iter().any(|e| e.unit == Unit::Seconds) && c.iter().any(|e| e.unit == Unit::Reps));
    assert_eq!(c.get("squats").unwrap().names.sv, "Knäböj");
    // Every exercise says how to do it, in both languages, and what the device runs.
    for e in c.iter() {
        assert!(!e.how.en.is_empty() && !e.how.sv.is_empty(), "{} how", e.id);
    }
    assert_eq!(c.get("squats").unwrap().input, Input::Pose);
    let reach = c.get("reach").unwrap();
    assert_eq!((reach.input, reach.unit), (Input::Reach, Unit::Reps));
    let ha = c.get("ha").unwrap();
    assert_eq!((ha.input, ha.unit), (Input::Sound, Unit::Reps));
    // The server returns it as JSON.
    let json = serde_json::to_value(c).unwrap();
    assert_eq!(json["exercises"][0]["id"], "squats");
    assert_eq!(json["exercises"][0]["unit"], "reps");
    assert_eq!(json["exercises"][0]["input"], "pose");
    assert!(json["exercises"][0]["how"]["sv"].is_string());
}

fn refused(config: RoomConfig) -> (ErrorCode, String) {
    let err = Room::new(T0, config).unwrap_err();
    (err.code(), err.to_string())
}

#[test]
fn rooms_refuse_unusable_configurations() {
    let with_steps = |steps: Vec<Step>| RoomConfig {
        program: Program {
            name: "p".into(),
            steps,
        },
        ..config()
    };
    let (code, msg) = refused(with_steps(vec![step("burpees", 10, 0)]));
    assert_eq!(
        (code, msg.as_str()),
        (
            ErrorCode::UnknownExercise,
            "exercise `burpees` is not in this room's program"
        )
    );
    assert_eq!(refused(with_steps(vec![])).0, ErrorCode::BadMessage);
    assert_eq!(
        refused(with_steps(vec![step("squats", 0, 0)])).0,
        ErrorCode::BadMessage
    );
    let fast = Step {
        bpm: Some(240),
        ..step("squats", 3600, 0)
    };
    assert_eq!(
        refused(with_steps(vec![fast])).1,
        "invalid room configuration: the program has too many cues; shorten it or lower its bpm"
    );
    assert_eq!(
        refused(RoomConfig {
            capacity: 0,
            ..config()
        })
        .0,
        ErrorCode::BadMessage
    );
    assert_eq!(
        refused(RoomConfig {
            code: String::new(),
            ..config()
        })
        .0,
        ErrorCode::BadMessage
    );
    assert_eq!(
        refused(RoomConfig {
            session: "has space".into(),
            ..config()
        })
        .0,
        ErrorCode::BadMessage
    );
    assert!(Room::new(T0, config()).is_ok());
}

#[test]
fn defaults_are_the_documented_ones() {
    let d = RoomConfig::default();
    assert_eq!(
        (
            d.capacity,
            d.lead_us,
            d.tick_us,
            d.stale_pose_us,
            d.grace_us,
            d.idle_close_us,
            d.countdown_us,
            d.scoreboard_interval_us
        ),
        (
            50,
            300_000,
            66_667,
            1_000_000,
            60_000_000,
            300_000_000,
            3_000_000,
            500_000
        )
    );
}
