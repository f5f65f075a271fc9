//! A pose's capture time `t` is bounded by the room's clock: within 1 s of the pose's arrival,
//! either way. Anything else (0, 2^64 - 1, a stale or future capture) is refused, not relayed.

mod common;

use common::check;

#[test]
fn a_pose_is_relayed_only_when_its_capture_time_is_within_a_second_of_its_arrival() {
    check(
        "
        join f facilitator
        join a participant
        show poses
        pose a 0                      # the epoch
        pose a max                    # 2^64 - 1
        pose a -1001                  # older than a second
        pose a +1001                  # more than a second ahead
        wait 1s
        pose a -1000                  # the edges are fine
        wait 100ms
        pose a +1000
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f: presence joined a:participant
        @0.000 a,f: scoreboard a=0 total=0
        @0.000 a !! BadMessage: the pose's capture time is over 1 s from the server's clock
        @0.000 a !! BadMessage: the pose's capture time is over 1 s from the server's clock
        @0.000 a !! BadMessage: the pose's capture time is over 1 s from the server's clock
        @0.000 a !! BadMessage: the pose's capture time is over 1 s from the server's clock
        @1.000 f: poses [a]
        @1.000 a: poses [a]
        @1.100 f: poses [a]
        @1.100 a: poses [a]
        ",
    );
}
