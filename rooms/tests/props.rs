//! Property tests: random sequences of inputs from random members, with time jumps (a host
//! waking up late) and punctual waits. The harness checks the invariants after every input:
//! capacity never exceeded, accepted scores never decrease, at most one summary, every cue sent
//! with at least the lead, cue ids in `at` order, sends only to connected members and never
//! empty, `poll_timeout` never in the past. At the end the host ends the room: a session that
//! started has exactly one summary, one that did not has none.

mod common;

use breakroom_rooms::{
    ControlAction, EndReason, ParticipantId, Program, Reaction, RequestedRole, RoomConfig, Sharing,
    Step,
};
use common::{Harness, JoinOpts, step};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Join {
        who: u8,
        role: u8,
        sharing: u8,
        team: u8,
        control: bool,
    },
    Resume {
        who: u8,
        place: u32,
    },
    Leave(u8),
    Drop(u8),
    Pose(u8),
    Score {
        who: u8,
        exercise: u8,
        reps: u32,
        active_ms: u32,
    },
    Control {
        who: u8,
        action: u8,
        target: u32,
    },
    React(u8),
    Wait(u64),
    Jump(u64),
    Timeout,
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0u8..8;
    prop_oneof![
        4 => (who.clone(), 0u8..3, 0u8..3, 0u8..3, prop::bool::weighted(0.7))
            .prop_map(|(who, role, sharing, team, control)| Op::Join { who, role, sharing, team, control }),
        1 => (who.clone(), 1u32..14).prop_map(|(who, place)| Op::Resume { who, place }),
        1 => who.clone().prop_map(Op::Leave),
        2 => who.clone().prop_map(Op::Drop),
        3 => who.clone().prop_map(Op::Pose),
        4 => (who.clone(), 0u8..4, 0u32..40, 0u32..40_000)
            .prop_map(|(who, exercise, reps, active_ms)| Op::Score { who, exercise, reps, active_ms }),
        4 => (who.clone(), 0u8..9, 1u32..14).prop_map(|(who, action, target)| Op::Control { who, action, target }),
        1 => who.prop_map(Op::React),
        4 => (0u64..8_000_000).prop_map(Op::Wait),
        2 => (0u64..20_000_000).prop_map(Op::Jump),
        1 => Just(Op::Timeout),
    ]
}

fn config() -> RoomConfig {
    RoomConfig {
        code: "PROP".into(),
        session: "prop".into(),
        program: Program {
            name: "Props".into(),
            steps: vec![
                Step {
                    bpm: Some(120),
                    ..step("squats", 5, 2)
                },
                step("neck_stretch", 4, 0),
                step("jumping_jacks", 5, 1),
            ],
        },
        capacity: 4,
        grace_us: 10_000_000,
        idle_close_us: 30_000_000,
        ..RoomConfig::default()
    }
}

fn apply(h: &mut Harness, op: &Op) {
    let label = |who: &u8| format!("m{who}");
    match op {
        Op::Join {
            who,
            role,
            sharing,
            team,
            control,
        } => {
            let role = [
                RequestedRole::Facilitator,
                RequestedRole::Participant,
                RequestedRole::Viewer,
            ][usize::from(*role)];
            let sharing =
                [Sharing::Room, Sharing::Facilitators, Sharing::Nobody][usize::from(*sharing)];
            let team =
                [None, Some("red".to_owned()), Some("blue".to_owned())][usize::from(*team)].clone();
            let opts = JoinOpts {
                sharing,
                team,
                may_control: *control,
                ..JoinOpts::default()
            };
            h.join(&label(who), role, opts);
        }
        Op::Resume { who, place } => {
            h.resume(&label(who), ParticipantId(*place));
        }
        Op::Leave(who) => h.leave(&label(who)),
        Op::Drop(who) => h.drop_conn(&label(who)),
        Op::Pose(who) => h.pose(&label(who)),
        Op::Score {
            who,
            exercise,
            reps,
            active_ms,
        } => {
            let ex =
                ["squats", "neck_stretch", "jumping_jacks", "arm_raises"][usize::from(*exercise)];
            h.score(&label(who), ex, *reps, *active_ms);
        }
        Op::Control {
            who,
            action,
            target,
        } => {
            let actions = [
                ControlAction::Start,
                ControlAction::Pause,
                ControlAction::Resume,
                ControlAction::Skip,
                ControlAction::End,
                ControlAction::Lock,
                ControlAction::Unlock,
                ControlAction::Kick,
                ControlAction::MakeCohost,
            ];
            h.control(
                &label(who),
                actions[usize::from(*action)],
                Some(ParticipantId(*target)),
            );
        }
        Op::React(who) => h.react(&label(who), Reaction::Clap),
        Op::Wait(us) => h.wait(*us),
        Op::Jump(us) => h.jump(*us),
        Op::Timeout => h.timeout(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_for_any_inputs(
        started in any::<bool>(),
        phase in prop::option::of(0u64..100_000),
        ops in prop::collection::vec(op(), 1..80),
    ) {
        // With a tick phase, as the server runs rooms: cues and scoreboards on the tick grid.
        let mut h = Harness::new(RoomConfig { tick_phase_us: phase, ..config() });
        if started {
            // Half the runs begin with a session under way, hosted by m0 (whom later inputs
            // may drop, or make leave).
            h.join("m0", RequestedRole::Facilitator, JoinOpts::default());
            h.join("m1", RequestedRole::Participant, JoinOpts::default());
            h.join("m2", RequestedRole::Participant, JoinOpts { sharing: Sharing::Facilitators, ..JoinOpts::default() });
            h.control("m0", ControlAction::Start, None);
            h.wait(3_000_000);
        }
        for op in &ops {
            apply(&mut h, op);
        }
        h.wait(5_000_000);
        h.end(EndReason::Shutdown);
        prop_assert!(h.room.is_closed());
        prop_assert_eq!(h.summaries.len(), usize::from(h.started));
        prop_assert!(h.room.poll_timeout().is_none());
        prop_assert!(h.room.poll_output().is_none());
    }

    #[test]
    fn a_started_session_always_ends_with_one_summary_on_its_own(ops in prop::collection::vec(op(), 1..40)) {
        // Whatever happens, a room left alone long enough closes by itself (idle, host away or
        // completion, then idle) and a started session is summarized exactly once.
        let mut h = Harness::new(config());
        h.join("m0", RequestedRole::Facilitator, JoinOpts::default());
        h.control("m0", ControlAction::Start, None);
        for op in &ops {
            apply(&mut h, op);
        }
        for who in 0..8 {
            h.drop_conn(&format!("m{who}"));
        }
        h.wait(400_000_000);
        prop_assert!(h.room.is_closed());
        prop_assert_eq!(h.summaries.len(), 1);
    }
}
