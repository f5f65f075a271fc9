//! Movement games beyond counting: the reach game (hits cross-checked from the keypoints on the
//! step's seeded targets) and a sound exercise (counted on the device, capped by rate, never
//! verified).
//!
//! The program: the reach game for 20 s (3.3 s to 23.3 s), then "ha!" on a 60 bpm beat for
//! 10 s (23.3 s to 33.3 s).
//!
//! One test plays the game on a real recording (the arm raise of tfjs-models, generated at
//! test time from `../shared/data/pose/`, see `rooms/fixtures/README.md`).
#![allow(clippy::unwrap_used)]

mod common;

use breakroom_pose_data::clip::landmarks;
use breakroom_protocol::FlagReason;
use breakroom_protocol::PoseBlock;
use breakroom_rooms::detect::reach::{Game, step_seed};
use breakroom_rooms::{Program, RoomConfig, Step};
use common::{Harness, check_with, config, step};

fn games() -> RoomConfig {
    RoomConfig {
        program: Program {
            name: "Games".into(),
            steps: vec![
                step("reach", 20, 0),
                Step {
                    bpm: Some(60),
                    ..step("ha", 10, 0)
                },
            ],
        },
        ..config()
    }
}

/// One result of a summary: exercise, reps, verified.
type Result = (String, u32, bool);

/// The summary's results per participant label, in label order.
fn results(h: &Harness) -> Vec<(String, Vec<Result>)> {
    let summary = h.summaries.first().expect("a summary");
    let mut out: Vec<_> = summary
        .participants
        .iter()
        .map(|p| {
            let rs = p
                .results
                .iter()
                .map(|r| (r.exercise.clone(), r.reps, r.verified))
                .collect();
            (p.name.clone(), rs)
        })
        .collect();
    out.sort();
    out
}

fn reach(reps: u32, verified: bool) -> Result {
    ("reach".to_owned(), reps, verified)
}

fn ha(reps: u32, verified: bool) -> Result {
    ("ha".to_owned(), reps, verified)
}

/// The `detected` figure of every `mismatch` flag of the summary, by participant label.
fn detected(h: &Harness) -> Vec<(String, Option<u32>)> {
    let summary = h.summaries.first().expect("a summary");
    let mut out: Vec<_> = summary
        .participants
        .iter()
        .flat_map(|p| {
            p.flags
                .iter()
                .filter(|f| f.reason == FlagReason::Mismatch)
                .map(|f| (p.name.clone(), f.detected))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_cue_of_a_reach_step_carries_its_seed() {
    let seed = step_seed("s1", 0);
    let h = check_with(
        games(),
        "
        show cue
        join f facilitator
        control f start
        wait 24.5s
        ",
        &format!(
            "
            @0.000 f: cue #1 countdown 3 @0.300 step=0 reach seed={seed}
            @0.980 f: cue #2 countdown 2 @1.300 step=0 reach seed={seed}
            @1.980 f: cue #3 countdown 1 @2.300 step=0 reach seed={seed}
            @2.980 f: cue #4 go @3.300 step=0 reach seed={seed}
            @12.980 f: cue #5 halfway @13.300 step=0 reach seed={seed}
            @22.980 f: cue #6 go @23.300 step=1 ha
            @23.980 f: cue #7 beat 1 @24.300 step=1
            "
        ),
    );
    assert_eq!(h.seed, Some(seed));
    assert_ne!(
        step_seed("s1", 0),
        step_seed("s2", 0),
        "another session, other targets"
    );
}

#[test]
fn hits_the_keypoints_show_pass_and_hits_they_do_not_are_flagged() {
    // a touches targets 0 to 4 in turn, arms down in between; b streams the same number of
    // frames with the arms down, and claims the same 5 hits.
    let h = check_with(
        games(),
        "
        show flag scoreboard verified
        join f facilitator
        join a participant
        join b participant
        control f start
        wait 3.5s
        reach a 0
        reach b miss
        wait 500ms
        reach a miss
        reach b miss
        wait 500ms
        reach a 1
        reach b miss
        wait 500ms
        reach a 2
        reach b miss
        wait 500ms
        reach a 3
        reach b miss
        wait 500ms
        reach a 4
        reach b miss
        wait 500ms
        score a reach 5 0
        score b reach 5 0
        wait 30s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @0.500 a,b,f: scoreboard a=0 b=0 total=0
        @3.500 a,b,f: scoreboard a=0✓ b=0 total=0
        @4.000 a,b,f: scoreboard a=0✓ b=0✓ total=0
        @6.500 a,b,f: scoreboard a=10✓ b=0✓ total=10
        @6.500 f: flag b reach Mismatch claimed=5 accepted=5
        @7.000 a,b,f: scoreboard a=10✓ b=10✓ total=20
        ",
    );
    assert_eq!(detected(&h), [("b".to_owned(), Some(0))]);
    assert_eq!(
        results(&h),
        [
            ("a".to_owned(), vec![reach(5, true), ha(0, false)]),
            ("b".to_owned(), vec![reach(5, true), ha(0, false)]),
        ]
    );
}

#[test]
fn a_missed_frame_is_forgiven_but_a_skipped_target_is_not() {
    // c's device saw target 1 hit between two relayed frames: the frame in target 2 backs
    // both, so 4 hits are backed. d's frames show target 0, then a hand two targets ahead
    // (3, then 5), which backs nothing: 1 hit backed, 5 claimed.
    let h = check_with(
        games(),
        "
        show flag
        join f facilitator
        join c participant
        join d participant
        control f start
        wait 3.5s
        reach c 0
        reach d 0
        wait 500ms
        reach c 2
        reach d 3
        wait 500ms
        reach c 3
        reach d miss
        wait 500ms
        reach c miss
        reach d 5
        wait 500ms
        reach c miss
        reach d miss
        wait 5s                       # 7.7 s of the game: the rate allows 9
        score c reach 4 0
        score d reach 5 0
        wait 30s
        ",
        "
        @10.500 f: flag d reach Mismatch claimed=5 accepted=5
        ",
    );
    assert_eq!(detected(&h), [("d".to_owned(), Some(1))]);
}

#[test]
fn a_reach_claim_without_a_camera_is_unverified_and_capped_by_rate() {
    // 60 hits a minute at most: 10 s of the game allow 10, plus a burst of 2.
    let h = check_with(
        games(),
        "
        show flag scoreboard verified
        join f facilitator
        join e participant
        control f start
        wait 13.3s
        score e reach 30 0
        wait 30s
        ",
        "
        @0.000 e,f: scoreboard e=0 total=0
        @13.300 e,f: scoreboard e=24 total=24
        @13.300 f: flag e reach TooFast claimed=30 accepted=12
        ",
    );
    assert_eq!(
        results(&h),
        [("e".to_owned(), vec![reach(12, false), ha(0, false)])]
    );
}

#[test]
fn sounds_are_capped_by_rate_and_never_verified_nor_flagged_for_keypoints() {
    // "ha!" from 23.3 s, at most 120 a minute. g streams keypoints all through (camera on),
    // yet its sounds are unverified and no keypoint contradicts them; h claims too many.
    let h = check_with(
        games(),
        "
        show flag scoreboard verified
        join f facilitator
        join g participant
        join h participant
        control f start
        wait 23.5s
        pose g
        wait 500ms
        pose g
        wait 500ms
        pose g
        wait 500ms
        pose g
        wait 500ms
        pose g
        wait 500ms
        pose g
        wait 2s                       # 4.7 s of the exercise: 9 allowed, plus a burst of 2
        score g ha 9 0
        score h ha 40 0
        wait 15s
        ",
        "
        @0.000 f,g: scoreboard g=0 total=0
        @0.500 f,g,h: scoreboard g=0 h=0 total=0
        @28.000 f,g,h: scoreboard g=9 h=0 total=9
        @28.000 f: flag h ha TooFast claimed=40 accepted=11
        @28.500 f,g,h: scoreboard h=11 g=9 total=20
        ",
    );
    assert_eq!(
        results(&h),
        [
            ("g".to_owned(), vec![reach(0, false), ha(9, false)]),
            ("h".to_owned(), vec![reach(0, false), ha(11, false)]),
        ]
    );
}

#[test]
fn the_real_arm_raise_reaches_targets_and_the_room_backs_exactly_its_hits() {
    // The arm raise (COCO-17, 30 Hz, 4 s): hands from the sides to overhead and down to the
    // chest. A session is picked whose reach step's targets lie on that path, so a device
    // playing the recording hits some; the room, fed the same frames as a participant's
    // stream, must back those hits and flag a claim beyond them.
    let clip = breakroom_pose_data::fixture("arm_raise_real_30hz").clip;
    let device_hits = |seed: u32| {
        let mut game = Game::new(seed);
        for f in &clip.frames {
            game.update(clip.model, &landmarks(f));
        }
        game.hits()
    };
    let (session, hits) = (0..5000)
        .map(|i| format!("real{i}"))
        .find_map(|s| {
            let hits = device_hits(step_seed(&s, 0));
            (hits >= 3).then_some((s, hits))
        })
        .expect("some session's targets lie on the arm raise's path");
    let mut h = Harness::new(RoomConfig {
        session: session.clone(),
        ..games()
    });
    h.run(
        "
        show flag
        join f facilitator
        join a participant
        join b participant
        control f start
        wait 3.5s
        ",
    );
    assert_eq!(
        h.seed,
        Some(step_seed(&session, 0)),
        "the cues carry the seed"
    );
    let start = clip.frames[0].t_us;
    for f in &clip.frames {
        let due = h.now.max(common::T0 + 3_500_000 + (f.t_us - start));
        h.wait(due - h.now);
        let kp = PoseBlock::from_landmarks(clip.model, &landmarks(f)).unwrap();
        h.pose_block("a", kp.clone());
        h.pose_block("b", kp);
    }
    h.wait(6_000_000);
    h.score("a", "reach", hits, 0);
    h.score("b", "reach", hits + 3, 0);
    h.wait(30_000_000);
    let flags = detected(&h);
    println!("session {session}: {hits} hits on the arm raise; flags {flags:?}");
    // The room's count from the relayed frames: at least the device's (one target of look-
    // ahead), and not so far beyond that b's claim is let through.
    let [(who, Some(server))] = flags.as_slice() else {
        panic!("one mismatch flag, b's: {flags:?}");
    };
    assert_eq!(who, "b");
    assert!(
        *server >= hits && *server + 2 < hits + 3,
        "{server} vs {hits}"
    );
    assert_eq!(
        results(&h),
        [
            ("a".to_owned(), vec![reach(hits, true), ha(0, false)]),
            ("b".to_owned(), vec![reach(hits + 3, true), ha(0, false)]),
        ]
    );
}
