//! Lifecycle and synchronized cues: start, countdown, exercises, rests, results; pause and
//! resume shift the timeline; skip; late joiners get the upcoming timeline; late wake-ups.

mod common;

use breakroom_rooms::{Program, Step};
use common::{check, check_with, config};

#[test]
fn a_program_runs_from_lobby_to_results() {
    check(
        "
        join f facilitator
        join a participant
        show phase cue summary persist
        control f start
        wait 31s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: scoreboard a=0 total=0
        @0.000 a,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 a,f: cue #1 countdown 3 @0.300 step=0 squats
        @0.980 a,f: cue #2 countdown 2 @1.300 step=0 squats
        @1.980 a,f: cue #3 countdown 1 @2.300 step=0 squats
        @2.980 a,f: cue #4 go @3.300 step=0 squats
        @3.300 a,f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @7.980 a,f: cue #5 halfway @8.300 step=0 squats
        @12.980 a,f: cue #6 rest @13.300 step=0
        @12.980 a,f: cue #7 nextup @13.300 step=1 jumping_jacks
        @13.300 a,f: phase rest step=0 since=@13.300 until=@18.300 cues=6 from @15.300
        @14.980 a,f: cue #8 countdown 3 @15.300 step=1 jumping_jacks
        @15.980 a,f: cue #9 countdown 2 @16.300 step=1 jumping_jacks
        @16.980 a,f: cue #10 countdown 1 @17.300 step=1 jumping_jacks
        @17.980 a,f: cue #11 go @18.300 step=1 jumping_jacks
        @18.300 a,f: phase exercise step=1 since=@18.300 until=@28.300 cues=2 from @23.300
        @22.980 a,f: cue #12 halfway @23.300 step=1 jumping_jacks
        @27.980 a,f: cue #13 done @28.300 step=1
        @28.300 a,f: phase results since=@28.300
        @30.300 persist summary Completed @0.000..@28.300 | a: squats 0r/0ms/0p, jumping_jacks 0r/0ms/0p
        @30.300 a,f: summary Completed
        @30.300 a,f: phase closed since=@30.300
        ",
    );
}

#[test]
fn pause_shifts_the_remaining_timeline_by_the_paused_time() {
    check(
        "
        join f facilitator
        control f start
        show phase cue
        wait 8.1s       # the halfway cue (@8.3) went out at 8.0
        control f pause
        wait 10s
        control f resume
        wait 6s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @0.980 f: cue #2 countdown 2 @1.300 step=0 squats
        @1.980 f: cue #3 countdown 1 @2.300 step=0 squats
        @2.980 f: cue #4 go @3.300 step=0 squats
        @3.300 f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @7.980 f: cue #5 halfway @8.300 step=0 squats
        @8.100 f: phase exercise step=0 since=@3.300 paused
        @18.100 f: phase exercise step=0 since=@3.300 until=@23.400 cues=9 from @18.400
        @18.100 f: cue #5 halfway @18.400 step=0 squats
        @23.080 f: cue #6 rest @23.400 step=0
        @23.080 f: cue #7 nextup @23.400 step=1 jumping_jacks
        @23.400 f: phase rest step=0 since=@23.400 until=@28.400 cues=6 from @25.400
        ",
    );
}

#[test]
fn an_instant_resume_still_leaves_the_lead() {
    check(
        "
        join f facilitator
        control f start
        show phase cue
        wait 8.1s
        control f pause
        control f resume
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @0.980 f: cue #2 countdown 2 @1.300 step=0 squats
        @1.980 f: cue #3 countdown 1 @2.300 step=0 squats
        @2.980 f: cue #4 go @3.300 step=0 squats
        @3.300 f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @7.980 f: cue #5 halfway @8.300 step=0 squats
        @8.100 f: phase exercise step=0 since=@3.300 paused
        @8.100 f: phase exercise step=0 since=@3.300 until=@13.400 cues=9 from @8.400
        @8.100 f: cue #5 halfway @8.400 step=0 squats
        ",
    );
}

#[test]
fn skip_goes_to_the_next_steps_countdown_and_past_the_last_completes() {
    check(
        "
        join f facilitator
        control f start
        wait 5s
        show phase cue summary
        control f skip   # during squats: countdown to jumping jacks
        wait 4s
        control f skip   # during the last exercise: the program is complete
        wait 3s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @0.980 f: cue #2 countdown 2 @1.300 step=0 squats
        @1.980 f: cue #3 countdown 1 @2.300 step=0 squats
        @2.980 f: cue #4 go @3.300 step=0 squats
        @3.300 f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @5.000 f: phase countdown step=1 since=@5.000 until=@8.300 cues=6 from @5.300
        @5.000 f: cue #14 countdown 3 @5.300 step=1 jumping_jacks
        @5.980 f: cue #15 countdown 2 @6.300 step=1 jumping_jacks
        @6.980 f: cue #16 countdown 1 @7.300 step=1 jumping_jacks
        @7.980 f: cue #17 go @8.300 step=1 jumping_jacks
        @8.300 f: phase exercise step=1 since=@8.300 until=@18.300 cues=2 from @13.300
        @9.000 f: phase results since=@9.000
        @11.000 f: summary Completed
        @11.000 f: phase closed since=@11.000
        ",
    );
}

#[test]
fn a_late_joiner_gets_the_upcoming_timeline_not_past_cues() {
    check(
        "
        join f facilitator
        control f start
        show snapshot
        wait 8.1s        # halfway (@8.3) was sent at 8.0 but has not happened yet
        join late participant
        wait 10s         # resting
        join later participant
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @8.100 late: snapshot you=late exercise step=0 since=@3.300 until=@13.300 members=[f:facilitator late:participant] cues=9 from @8.300
        @18.100 later: snapshot you=later rest step=0 since=@13.300 until=@18.300 members=[f:facilitator late:participant later:participant] cues=3 from @18.300
        ",
    );
}

#[test]
fn a_late_wake_up_shifts_the_timeline_instead_of_sending_a_cue_late() {
    check(
        "
        join f facilitator
        show phase cue
        control f start
        jump 2s          # the host sleeps through the next two cues
        timeout
        wait 2s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @2.000 f: cue #2 countdown 2 @2.300 step=0 squats
        @2.980 f: cue #3 countdown 1 @3.300 step=0 squats
        @3.980 f: cue #4 go @4.300 step=0 squats
        ",
    );
}

#[test]
fn beats_follow_the_steps_tempo() {
    let mut config = config();
    config.program = Program {
        name: "Tempo".into(),
        steps: vec![Step {
            exercise: "squats".into(),
            duration_ms: 3_000,
            rest_ms: 0,
            bpm: Some(60),
        }],
    };
    check_with(
        config,
        "
        join f facilitator
        show cue
        control f start
        wait 7s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f: cue #1 countdown 3 @0.300 step=0 squats
        @0.980 f: cue #2 countdown 2 @1.300 step=0 squats
        @1.980 f: cue #3 countdown 1 @2.300 step=0 squats
        @2.980 f: cue #4 go @3.300 step=0 squats
        @3.980 f: cue #5 beat 1 @4.300 step=0
        @4.480 f: cue #6 halfway @4.800 step=0 squats
        @4.980 f: cue #7 beat 2 @5.300 step=0
        @5.980 f: cue #8 done @6.300 step=0
        ",
    );
}

#[test]
fn controls_out_of_phase_are_refused() {
    check(
        "
        join f facilitator
        show phase
        control f pause
        control f skip
        control f start
        control f start
        control f resume
        control f pause
        control f pause
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 f !! InvalidState: the session has not started
        @0.000 f !! InvalidState: the session has not started
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f !! InvalidState: the session is already running
        @0.000 f !! InvalidState: the session is not paused
        @0.000 f: phase countdown step=0 since=@0.000 paused
        @0.000 f !! InvalidState: the session is already paused
        ",
    );
}
