//! Presence: joins, leaves, drops, resumes within the grace period, and host handover.

mod common;

use common::check;

#[test]
fn a_dropped_participant_keeps_place_and_score_and_resumes() {
    check(
        "
        show snapshot presence scoreboard flag
        join f facilitator
        join a participant
        control f start
        wait 9.3s
        score a squats 3 2000
        drop a
        wait 2s
        resume a2 as a                # a new connection takes the place back
        score a2 squats 4 3000        # the counter continues where it was
        wait 1s
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: scoreboard a=0 total=0
        @9.300 a,f: scoreboard a=9 total=9
        @9.300 f: presence reconnecting a:participant(away)
        @11.300 a2: snapshot you=a exercise step=0 since=@3.300 until=@13.300 members=[f:facilitator a:participant] cues=8 from @13.300
        @11.300 f: presence resumed a:participant
        @11.300 a2,f: scoreboard a=12 total=12
        ",
    );
}

#[test]
fn resuming_a_place_still_attached_replaces_the_old_connection() {
    check(
        "
        show presence close snapshot
        join a participant
        join b participant
        resume a2 as a
        react a clap                  # the old connection is gone
        ",
        "
        @0.000 a: snapshot you=a lobby members=[a:participant] cues=0
        @0.000 b: snapshot you=b lobby members=[a:participant b:participant] cues=0
        @0.000 a: presence joined b:participant
        @0.000 close a 4001 resumed on another connection
        @0.000 a2: snapshot you=a lobby members=[a:participant b:participant] cues=0
        @0.000 b: presence resumed a:participant
        @0.000 a !! NotInRoom: not in this room
        ",
    );
}

#[test]
fn the_grace_period_runs_out() {
    check(
        "
        show presence
        join f facilitator
        join a participant
        drop a
        wait 59s
        poll
        wait 2s
        resume a2 as a
        resume a3 as nobody
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 f: presence reconnecting a:participant(away)
        @59.000 next wake-up @60.000
        @60.000 f: presence left a:participant(away)
        @61.000 a2 !! NotFound: no such participant, or its place was given up
        @61.000 a3 !! NotFound: no such participant, or its place was given up
        ",
    );
}

#[test]
fn a_cohost_takes_over_when_the_host_drops() {
    check(
        "
        show presence phase
        join f facilitator
        join c facilitator
        join a participant
        control f start
        wait 1s
        drop f
        control c pause               # the new host controls
        resume f2 as f                # the old host is back as a co-host
        ",
        "
        @0.000 f: presence joined c:cohost
        @0.000 c,f: presence joined a:participant
        @0.000 a,c,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @1.000 a,c: presence reconnecting f:facilitator(away)
        @1.000 a,c: presence role_changed f:cohost(away)
        @1.000 a,c: presence role_changed c:facilitator
        @1.000 a,c: phase countdown step=0 since=@0.000 paused
        @1.000 a,c: presence resumed f:cohost
        ",
    );
}

#[test]
fn without_a_cohost_the_session_waits_for_the_host() {
    check(
        "
        show presence phase
        join f facilitator
        join a participant
        control f start
        wait 5.3s
        drop f
        wait 30s
        resume f2 as f
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 a,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 a,f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @5.300 a: presence reconnecting f:facilitator(away)
        @5.300 a: phase exercise step=0 since=@3.300 paused
        @35.300 a: presence resumed f:facilitator
        @35.300 a,f2: phase exercise step=0 since=@3.300 until=@43.300 cues=9 from @38.300
        ",
    );
}

#[test]
fn a_host_paused_session_stays_paused_when_the_host_returns() {
    check(
        "
        show phase
        join f facilitator
        control f start
        wait 5.3s
        control f pause
        drop f
        resume f2 as f
        ",
        "
        @0.000 f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @5.300 f: phase exercise step=0 since=@3.300 paused
        ",
    );
}

#[test]
fn a_new_host_can_take_over_from_one_who_dropped() {
    check(
        "
        show presence phase snapshot
        join f facilitator
        join a participant
        control f start
        wait 5.3s
        drop f
        wait 10s
        join g facilitator
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 a,f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @5.300 a: presence reconnecting f:facilitator(away)
        @5.300 a: phase exercise step=0 since=@3.300 paused
        @15.300 a: presence role_changed f:cohost(away)
        @15.300 g: snapshot you=g exercise step=0 since=@3.300 paused members=[f:cohost(away) a:participant g:facilitator] cues=0
        @15.300 a: presence joined g:facilitator
        @15.300 a,g: phase exercise step=0 since=@3.300 until=@23.300 cues=9 from @18.300
        ",
    );
}

#[test]
fn when_the_host_never_returns_the_session_ends_and_the_room_closes() {
    check(
        "
        show presence phase persist summary close
        join f facilitator
        join a participant
        control f start
        wait 9.3s
        score a squats 3 2000
        drop f
        wait 61s
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 a,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @3.300 a,f: phase exercise step=0 since=@3.300 until=@13.300 cues=9 from @8.300
        @9.300 a: presence reconnecting f:facilitator(away)
        @9.300 a: phase exercise step=0 since=@3.300 paused
        @69.300 a: phase results since=@69.300
        @69.300 persist summary RoomClosed @0.000..@69.300 | a: squats 3r/2000ms/9p, jumping_jacks 0r/0ms/0p
        @69.300 a: summary RoomClosed
        @69.300 a: phase closed since=@69.300
        @69.300 close a 4003 the host did not come back
        ",
    );
}

#[test]
fn the_host_makes_cohosts() {
    check(
        "
        show presence
        join f facilitator
        join a participant
        join b participant
        join v viewer
        control f make_cohost a
        control a make_cohost b       # only the host makes co-hosts
        control f make_cohost a
        control f make_cohost v
        control f make_cohost ghost
        control f make_cohost
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 a,f: presence joined b:participant
        @0.000 a,b,f: presence joined v:viewer
        @0.000 a,b,f,v: presence role_changed a:cohost
        @0.000 a !! Forbidden: only the host may make co-hosts
        @0.000 f !! InvalidState: already the host or a co-host
        @0.000 f !! InvalidState: a viewer cannot be a co-host
        @0.000 f !! NotFound: no such participant
        @0.000 f !! BadMessage: make_cohost needs a target
        ",
    );
}
