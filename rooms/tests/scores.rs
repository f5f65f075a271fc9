//! Scores: cumulative counters accepted only upwards, attributed to the running exercise (and
//! shortly after it), capped by plausible rates and flagged; the scoreboard is rate-limited and
//! sent only on change.
//!
//! The default program: squats (max 45/min, 3 points each) from 3.3 s to 13.3 s, rest, jumping
//! jacks (max 100/min, 1 point each) from 18.3 s to 28.3 s.

mod common;

use breakroom_rooms::Program;
use common::{check, check_with, config, step};

#[test]
fn plausible_reports_count_and_implausible_ones_are_capped_and_flagged() {
    check(
        "
        show scoreboard flag
        join f facilitator
        join a participant
        join b participant
        control f start
        wait 7.3s                     # 4 s of squats: 45/min allows 3, plus a burst of 2
        score a squats 4 3000
        score b squats 20 3000
        wait 3s                       # 7 s: 5 plus 2
        score b squats 30 7000        # still too fast: one flag per step, its figures updated
        score b squats 30 7000        # nothing changed: nothing to tell
        wait 1s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @0.500 a,b,f: scoreboard a=0 b=0 total=0
        @7.300 a,b,f: scoreboard a=12 b=0 total=12
        @7.300 f: flag b squats TooFast claimed=20 accepted=5
        @7.800 a,b,f: scoreboard b=15 a=12 total=27
        @10.300 a,b,f: scoreboard b=21 a=12 total=33
        @10.300 f: flag b squats TooFast claimed=30 accepted=7 raised=@7.300
        ",
    );
}

#[test]
fn the_scoreboard_follows_verification_as_keypoints_arrive() {
    // A score reported before the server has seen enough keypoints is unverified; the frames
    // that verify it change the board on their own, without waiting for the next score.
    check(
        "
        show scoreboard verified
        join f facilitator
        join a participant
        control f start
        wait 4.3s
        score a squats 1 1000
        wait 300ms
        pose a
        pose a
        pose a
        pose a
        pose a
        wait 1s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @4.300 a,f: scoreboard a=3 total=3
        @4.800 a,f: scoreboard a=3✓ total=3
        ",
    );
}

#[test]
fn counters_only_go_up() {
    check(
        "
        show scoreboard
        join f facilitator
        join a participant
        control f start
        wait 9.3s
        score a squats 4 3000
        score a squats 3 3000         # reps went down
        score a squats 4 2000         # active time went down
        score a squats 4 3000         # no change: nothing to send
        wait 1s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @9.300 a,f: scoreboard a=12 total=12
        @9.300 a !! ScoreDecreased: score counters may only increase (within an exercise, and within a stretch outside one)
        @9.300 a !! ScoreDecreased: score counters may only increase (within an exercise, and within a stretch outside one)
        ",
    );
}

#[test]
fn counters_only_go_up_outside_an_exercise_too() {
    check(
        "
        show flag
        join f facilitator
        join a participant
        score a squats 3 0            # lobby: flagged, counts nothing
        score a squats 2 0            # and may not go down either
        score a squats 3 500          # same claim, more time: fine
        control f start               # a new stretch (the countdown) starts afresh
        score a squats 1 0
        score a squats 0 0
        ",
        "
        @0.000 f: flag a squats WrongExercise claimed=3 accepted=0
        @0.000 a !! ScoreDecreased: score counters may only increase (within an exercise, and within a stretch outside one)
        @0.000 f: flag a squats WrongExercise claimed=1 accepted=0
        @0.000 a !! ScoreDecreased: score counters may only increase (within an exercise, and within a stretch outside one)
        ",
    );
}

#[test]
fn reports_for_other_exercises_are_refused_or_flagged() {
    check(
        "
        show flag scoreboard
        join f facilitator
        join a participant
        join v viewer
        join q participant noscore
        score a jumping_jacks 0 0     # zeros before the start: nothing to flag
        score a squats 3 0            # lobby: flagged
        control f start
        wait 5.3s
        score a neck_stretch 1 1000   # not in the program
        score a jumping_jacks 5 1000  # in the program, not running: flagged, nothing counts
        score a jumping_jacks 6 1000  # same stretch: the same flag, updated
        score v squats 1 0
        score q squats 1 0
        wait 1s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @0.000 f: flag a squats WrongExercise claimed=3 accepted=0
        @0.500 a,f,q,v: scoreboard a=0 q=0 total=0
        @5.300 a !! UnknownExercise: exercise `neck_stretch` is not in this room's program
        @5.300 f: flag a jumping_jacks WrongExercise claimed=5 accepted=0
        @5.300 f: flag a jumping_jacks WrongExercise claimed=6 accepted=0
        @5.300 v !! Forbidden: viewers only watch
        @5.300 q !! Forbidden: the token does not allow sending scores
        ",
    );
}

#[test]
fn late_reports_count_for_a_short_while_after_the_exercise() {
    check(
        "
        show scoreboard flag
        join f facilitator
        join a participant
        control f start
        wait 13s
        score a squats 5 9000
        wait 1.3s                     # squats ended at 13.3
        score a squats 7 9900         # 1 s late: still counts
        wait 2s
        score a squats 8 9900         # 3 s late: too late
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @13.000 a,f: scoreboard a=15 total=15
        @14.300 a,f: scoreboard a=21 total=21
        @16.300 f: flag a squats WrongExercise claimed=8 accepted=0
        ",
    );
}

#[test]
fn paused_time_is_not_exercise_time() {
    check(
        "
        show scoreboard flag
        join f facilitator
        join a participant
        control f start
        wait 5.3s                     # 2 s of squats
        control f pause
        wait 60s
        score a squats 10 2000        # the cap counts 2 s, not 62 s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @65.300 a,f: scoreboard a=9 total=9
        @65.300 f: flag a squats TooFast claimed=10 accepted=3
        ",
    );
}

#[test]
fn seconds_exercises_are_capped_by_wall_time() {
    let mut config = config();
    config.program = Program {
        name: "Stretch".into(),
        steps: vec![step("neck_stretch", 20, 0)],
    };
    check_with(
        config,
        "
        show scoreboard flag persist
        join f facilitator
        join a participant
        control f start
        wait 8.3s                     # 5 s of neck stretch
        score a neck_stretch 0 4500
        score a neck_stretch 0 9000   # 9 s held in 5 s: capped at 6 s (5 s plus slack)
        wait 20s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0
        @8.300 a,f: scoreboard a=4 total=4
        @8.300 f: flag a neck_stretch TooFast claimed=9 accepted=6
        @8.800 a,f: scoreboard a=6 total=6
        @25.300 persist summary Completed @0.000..@23.300 | a: neck_stretch 0r/6000ms/6p flags TooFast(9)
        ",
    );
}

#[test]
fn counters_restart_at_each_step_even_for_the_same_exercise() {
    let mut config = config();
    config.program = Program {
        name: "Squats twice".into(),
        steps: vec![step("squats", 10, 5), step("squats", 10, 0)],
    };
    check_with(
        config,
        "
        show persist
        join f facilitator
        join a participant
        control f start
        wait 13.2s
        score a squats 6 9000
        wait 6s                       # second squats step from 18.3
        score a squats 2 1000         # a fresh counter, not a decrease
        wait 15s
        ",
        "
        @30.300 persist summary Completed @0.000..@28.300 | a: squats 6r/9000ms/18p, squats 2r/1000ms/6p
        ",
    );
}

#[test]
fn the_scoreboard_is_sent_at_most_every_interval_and_only_on_change() {
    check(
        "
        show scoreboard
        join f facilitator
        join a participant team=red
        join b participant team=blue
        join c participant team=red
        control f start
        wait 8.3s
        score a squats 1 0            # sent at once: nothing was sent for a while
        score b squats 2 0            # within 0.5 s: held back
        score c squats 1 0
        wait 300ms
        score a squats 1 500          # active time changed, points did not
        wait 1s
        score a squats 1 500          # nothing changed: nothing sent
        wait 1s
        ",
        "
        @0.000 a,f: scoreboard a=0 total=0 teams red=0
        @0.500 a,b,c,f: scoreboard a=0 b=0 c=0 total=0 teams blue=0 red=0
        @8.300 a,b,c,f: scoreboard a=3 b=0 c=0 total=3 teams red=3 blue=0
        @8.800 a,b,c,f: scoreboard b=6 a=3 c=3 total=12 teams blue=6 red=6
        ",
    );
}

#[test]
fn a_flag_updated_while_no_facilitator_is_present_is_current_for_the_next_one() {
    // The update reaches nobody; a facilitator who joins later gets the flag as it stands in
    // the snapshot (the harness checks that whatever open members hold matches the summary).
    check(
        "
        show flag persist
        join f facilitator
        join a participant
        control f start
        wait 3s
        score a jumping_jacks 0 1
        leave f
        score a jumping_jacks 1 1
        join g facilitator
        end shutdown
        ",
        "
        @3.000 f: flag a jumping_jacks WrongExercise claimed=0 accepted=0
        @3.000 persist summary Shutdown @0.000..@3.000 | a: squats 0r/0ms/0p, jumping_jacks 0r/0ms/0p flags WrongExercise(1)
        ",
    );
}

#[test]
fn two_flags_raised_at_one_instant_are_one_flag() {
    // A skip between two reports at one instant ends one stretch and starts the next. Clients
    // know a flag by (participant, exercise, reason, raised at), so the second report updates
    // the first flag instead of raising a twin under the same identity.
    check(
        "
        show flag persist
        join f facilitator
        join a participant
        control f start
        wait 3s
        score a jumping_jacks 3 1
        control f skip
        score a jumping_jacks 5 1
        end shutdown
        ",
        "
        @3.000 f: flag a jumping_jacks WrongExercise claimed=3 accepted=0
        @3.000 f: flag a jumping_jacks WrongExercise claimed=5 accepted=0
        @3.000 persist summary Shutdown @0.000..@3.000 | a: squats 0r/0ms/0p, jumping_jacks 0r/0ms/0p flags WrongExercise(5)
        ",
    );
}
