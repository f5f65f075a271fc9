//! Every way a session or room ends: exactly one summary for a session that started, none for
//! one that did not; empty rooms close themselves.

mod common;

use common::{Harness, check};

/// One summary persisted and one sent if the session started; none otherwise.
fn assert_summaries(h: &Harness) {
    let expected = usize::from(h.started);
    assert_eq!(h.summaries.len(), expected, "summaries persisted");
    assert_eq!(
        h.summary_sends.min(1),
        expected.min(h.summary_sends),
        "summaries sent"
    );
}

#[test]
fn the_program_completes() {
    let h = check(
        "
        show persist summary close
        join f facilitator
        join a participant
        control f start
        wait 24s
        score a jumping_jacks 5 500
        wait 7s                       # the session is over: everyone is closed with 1000
        end shutdown                  # later shutdown: nothing more to summarize or close
        ",
        "
        @30.300 persist summary Completed @0.000..@28.300 | a: squats 0r/0ms/0p, jumping_jacks 5r/500ms/5p
        @30.300 a,f: summary Completed
        @30.300 close f 1000 the session is over
        @30.300 close a 1000 the session is over
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}

#[test]
fn the_facilitator_ends_the_session_and_everyone_is_closed_after_the_summary() {
    let h = check(
        "
        show phase persist summary close
        join f facilitator
        join a participant
        join v viewer
        control f start
        wait 9.3s
        score a squats 3 2000
        control f end                 # the session ends: summary, then the room closes
        score a squats 4 3000         # too late
        wait 10m
        poll
        ",
        "
        @0.000 a,f,v: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 a,f,v: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @9.300 a,f,v: phase results since=@9.300
        @9.300 persist summary Facilitator @0.000..@9.300 | a: squats 3r/2000ms/9p, jumping_jacks 0r/0ms/0p
        @9.300 a,f,v: summary Facilitator
        @9.300 a,f,v: phase closed since=@9.300
        @9.300 close f 1000 the session is over
        @9.300 close a 1000 the session is over
        @9.300 close v 1000 the session is over
        @9.300 a !! NotFound: the room is closed
        @609.300 next wake-up none
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}

#[test]
fn ending_in_the_lobby_closes_the_room_without_a_summary() {
    let h = check(
        "
        show phase persist summary close
        join f facilitator
        join a participant
        control f end
        ",
        "
        @0.000 a,f: phase closed since=@0.000
        @0.000 close f 4003 the facilitator closed the room
        @0.000 close a 4003 the facilitator closed the room
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}

#[test]
fn a_shutdown_mid_session_summarizes_and_closes() {
    let h = check(
        "
        show persist summary close
        join f facilitator
        join a participant
        control f start
        wait 9.3s
        score a squats 3 2000
        end shutdown
        end shutdown
        control f start
        ",
        "
        @9.300 persist summary Shutdown @0.000..@9.300 | a: squats 3r/2000ms/9p, jumping_jacks 0r/0ms/0p
        @9.300 a,f: summary Shutdown
        @9.300 close f 1001 server shutting down
        @9.300 close a 1001 server shutting down
        @9.300 f !! NotFound: the room is closed
        ",
    );
    assert_summaries(&h);
}

#[test]
fn a_shutdown_just_after_completion_summarizes_as_completed() {
    let h = check(
        "
        show persist summary
        join f facilitator
        control f start
        wait 29s                      # done at 28.3; the summary waits for late reports
        end shutdown
        ",
        "
        @29.000 persist summary Completed @0.000..@28.300
        @29.000 f: summary Completed
        ",
    );
    assert_summaries(&h);
}

#[test]
fn an_empty_lobby_closes_itself_without_a_summary() {
    let h = check(
        "
        show phase persist close
        poll                          # nobody ever came
        join a participant
        leave a
        poll
        wait 299s
        join b participant            # someone came back: the timer stops
        drop b
        wait 60s
        poll                          # b's place is gone; the room has been empty since b dropped
        wait 300s
        poll
        ",
        "
        @0.000 next wake-up @300.000
        @0.000 next wake-up @0.500
        @359.000 next wake-up @599.000
        @659.000 next wake-up none
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}

#[test]
fn a_completed_program_closes_the_room_with_its_one_summary() {
    let h = check(
        "
        show persist close phase
        join f facilitator
        control f start
        wait 31s
        poll
        ",
        "
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @13.300 f: phase rest step=0 since=@13.300 until=@18.300 cues=6 from @15.300
        @18.300 f: phase exercise step=1 since=@18.300 until=@28.300 cues=2 from @23.300
        @28.300 f: phase results since=@28.300
        @30.300 persist summary Completed @0.000..@28.300
        @30.300 f: phase closed since=@30.300
        @30.300 close f 1000 the session is over
        @31.000 next wake-up none
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}

#[test]
fn a_room_of_shared_screens_stays_open() {
    let h = check(
        "
        show phase close
        join v viewer
        wait 1000s
        poll
        ",
        "
        @1000.000 next wake-up none
        ",
    );
    assert!(!h.room.is_closed());
}

#[test]
fn an_end_while_a_completed_program_waits_for_late_reports_summarizes_and_closes_with_1000() {
    let h = check(
        "
        show persist summary close
        join f facilitator
        control f start
        wait 29s                      # done at 28.3; the summary would come at 30.3
        control f end
        ",
        "
        @29.000 persist summary Completed @0.000..@28.300
        @29.000 f: summary Completed
        @29.000 close f 1000 the session is over
        ",
    );
    assert_summaries(&h);
    assert!(h.room.is_closed());
}
