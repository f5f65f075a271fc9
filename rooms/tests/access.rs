//! Who may do what: roles, capacity, lock, kick, viewers, participant controls.
#![allow(clippy::unwrap_used)]

mod common;

use breakroom_rooms::{JoinRequest, MemberId, Output, RequestedRole, Room, ServerMsg, Sharing};
use common::{T0, check, check_with, config};

#[test]
fn only_hosts_control_and_only_with_the_grant() {
    check(
        "
        show presence phase
        join x facilitator nocontrol  # asking to host without the control grant
        join f facilitator
        join c facilitator            # one host: the second becomes a co-host
        join a participant
        control a start               # a participant's control changes nothing
        control a lock
        control c start               # a co-host may
        join f facilitator            # the same connection twice
        ",
        "
        @0.000 x !! Forbidden: joining as facilitator needs the control grant
        @0.000 f: presence joined c:cohost
        @0.000 c,f: presence joined a:participant
        @0.000 a !! Forbidden: only the host and co-hosts may control the session
        @0.000 a !! Forbidden: only the host and co-hosts may control the session
        @0.000 a,c,f: phase countdown step=0 since=@0.000 until=@3.300 cues=13 from @0.300
        @0.000 f !! AlreadyJoined: already in this room
        ",
    );
}

#[test]
fn capacity_is_never_exceeded_and_viewers_do_not_count() {
    let mut config = config();
    config.capacity = 2;
    check_with(
        config,
        "
        show presence
        join f facilitator
        join a participant
        join b participant            # full
        join v viewer                 # viewers come on top
        drop a                        # a dropped place still counts
        join b participant
        leave f
        join b participant
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 b !! RoomFull: the room is full
        @0.000 a,f: presence joined v:viewer
        @0.000 f,v: presence reconnecting a:participant(away)
        @0.000 b !! RoomFull: the room is full
        @0.000 v: presence left f:facilitator
        @0.000 v: presence joined b:participant
        ",
    );
}

#[test]
fn a_locked_room_refuses_joins_but_not_resumes_or_hosts() {
    check(
        "
        show presence lock
        join f facilitator
        join a participant
        control f lock
        control f lock                # already locked: nothing to tell
        join b participant
        join v viewer
        drop a
        resume a2 as a
        join g facilitator            # hosts may always come in: they could unlock anyway
        control g unlock              # a co-host may, and everyone sees it
        control f unlock
        join b participant
        ",
        "
        @0.000 f: presence joined a:participant
        @0.000 a,f: lock locked
        @0.000 b !! RoomLocked: the room is locked
        @0.000 v !! RoomLocked: the room is locked
        @0.000 f: presence reconnecting a:participant(away)
        @0.000 f: presence resumed a:participant
        @0.000 a2,f: presence joined g:cohost
        @0.000 a2,f,g: lock unlocked
        @0.000 a2,f,g: presence joined b:participant
        ",
    );
}

#[test]
fn kicked_members_are_closed_and_others_see_them_leave() {
    check(
        "
        show presence close
        join f facilitator
        join c facilitator
        join d facilitator
        join a participant
        join v viewer
        control c kick a
        react a clap                  # gone
        resume a2 as a                # and cannot come back into the place
        control c kick d              # only the host kicks co-hosts
        control c kick f              # nobody kicks the host
        control f kick f
        control f kick d
        control f kick v
        control f kick ghost
        control f kick
        ",
        "
        @0.000 f: presence joined c:cohost
        @0.000 c,f: presence joined d:cohost
        @0.000 c,d,f: presence joined a:participant
        @0.000 a,c,d,f: presence joined v:viewer
        @0.000 close a 4000 removed by the facilitator
        @0.000 c,d,f,v: presence left a:participant
        @0.000 a !! NotInRoom: not in this room
        @0.000 a2 !! NotFound: no such participant, or its place was given up
        @0.000 c !! Forbidden: only the host may kick a co-host
        @0.000 c !! Forbidden: the host cannot be kicked
        @0.000 f !! InvalidState: use leave to leave the room
        @0.000 close d 4000 removed by the facilitator
        @0.000 c,f,v: presence left d:cohost
        @0.000 close v 4000 removed by the facilitator
        @0.000 c,f: presence left v:viewer
        @0.000 f !! NotFound: no such participant
        @0.000 f !! BadMessage: kick needs a target
        ",
    );
}

#[test]
fn viewers_watch_and_send_nothing() {
    check(
        "
        show all
        join v viewer
        react v clap
        score v squats 1 0
        control v start
        join a participant
        react a cheer
        ",
        "
        @0.000 v: snapshot you=v lobby members=[v:viewer] cues=0
        @0.000 v !! Forbidden: viewers only watch
        @0.000 v !! Forbidden: viewers only watch
        @0.000 v !! Forbidden: only the host and co-hosts may control the session
        @0.000 a: snapshot you=a lobby members=[v:viewer a:participant] cues=0
        @0.000 v: presence joined a:participant
        @0.000 a,v: scoreboard a=0 total=0
        @0.000 a,v: reaction a Cheer
        ",
    );
}

#[test]
fn names_and_teams_are_made_fit_for_the_wire() {
    let mut room = Room::new(T0, config()).unwrap();
    let req = |name: &str, team: Option<&str>| JoinRequest {
        user: "u".into(),
        name: name.into(),
        role: RequestedRole::Participant,
        sharing: Sharing::Room,
        team: team.map(Into::into),
        may_control: false,
        may_publish_pose: true,
        may_publish_score: true,
        hidden: false,
    };
    room.handle_join(T0, MemberId(1), req(" Ada\u{0}\n ", Some("\u{7}")))
        .unwrap();
    room.handle_join(
        T0,
        MemberId(2),
        req(&"x".repeat(100), Some(&"t".repeat(40))),
    )
    .unwrap();
    room.handle_join(T0, MemberId(3), req("\t", None)).unwrap();
    let mut last = None;
    while let Some(out) = room.poll_output() {
        if let Output::Send {
            msg: ServerMsg::Snapshot { participants, .. },
            ..
        } = out
        {
            last = Some(participants);
        }
    }
    let shown: Vec<(String, Option<String>)> = last
        .unwrap()
        .into_iter()
        .map(|p| (p.name, p.team))
        .collect();
    assert_eq!(
        shown,
        vec![
            ("Ada".to_owned(), None),
            ("x".repeat(64), Some("t".repeat(32))),
            ("Guest 3".to_owned(), None),
        ]
    );
}

/// A hidden member (an app's observer) sees the room but is seen by nobody: not in others'
/// snapshots, presence, scoreboard or summary; it publishes nothing and cannot host.
#[test]
fn hidden_members_observe_without_being_seen() {
    check(
        "
        show snapshot presence scoreboard persist
        join f facilitator
        join h participant hidden     # nobody is told
        join a participant            # a's snapshot lists f and a only
        pose h                        # a hidden member publishes nothing
        score h squats 1 0
        control f make_cohost h       # nor can it be made visible
        join x facilitator hidden     # nor host
        control f start
        wait 4s
        score h squats 1 0
        score a squats 2 0
        wait 1s
        leave h                       # nobody is told
        control f end
        ",
        "
        @0.000 f: snapshot you=f lobby members=[f:facilitator] cues=0
        @0.000 h: snapshot you=h lobby members=[f:facilitator h:participant] cues=0
        @0.000 a: snapshot you=a lobby members=[f:facilitator a:participant] cues=0
        @0.000 f,h: presence joined a:participant
        @0.000 a,f,h: scoreboard a=0 total=0
        @0.000 h !! Forbidden: the token does not allow sending skeletons
        @0.000 h !! Forbidden: the token does not allow sending scores
        @0.000 f !! NotFound: no such participant
        @0.000 x !! Forbidden: a hidden member cannot host
        @4.000 h !! Forbidden: the token does not allow sending scores
        @4.000 a,f,h: scoreboard a=6 total=6
        @5.000 persist summary Facilitator @0.000..@5.000 | a: squats 2r/0ms/6p, jumping_jacks 0r/0ms/0p
        ",
    );
}
