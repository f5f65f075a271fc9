//! Server → client vectors.

use breakroom_protocol::{
    Cue, CueKind, EndReason, ErrorCode, ExerciseResult, FlagReason, Limits, MAX_DEPTH, Participant,
    ParticipantId, ParticipantSummary, PeerPose, Phase, PhaseState, PoseBlock, Presence,
    PresenceChange, Program, Reaction, Role, ScoreEntry, ScoreFlag, Scoreboard, ServerMsg,
    SessionSummary, Step, TeamScore, encode_server,
};

use super::file::Vector;
use super::mp::{self, V, map, s};
use super::samples::{blazepose, coco};
use super::{
    Refusal, error, invalid, invalid_field, lenient_server, pose_error, unknown_type, valid_server,
};

/// 2026-01-01T00:00:00Z in µs.
const T: u64 = 1_767_225_600_000_000;
const SEC: u64 = 1_000_000;
const RESUME: &str = "r1.7f3a9c2e4b1d8a06";

pub(crate) fn all() -> Vec<Vector> {
    let mut all = canonical();
    all.extend(lenient());
    all.extend(refused());
    all
}

fn program() -> Program {
    Program {
        name: "Desk reset".to_owned(),
        steps: vec![
            Step {
                exercise: "squat".to_owned(),
                duration_ms: 45_000,
                rest_ms: 15_000,
                bpm: Some(60),
            },
            Step {
                exercise: "arm_circles".to_owned(),
                duration_ms: 30_000,
                rest_ms: 0,
                bpm: None,
            },
        ],
    }
}

fn member(id: u32, name: &str, role: Role, presence: Presence, team: Option<&str>) -> Participant {
    Participant {
        id: ParticipantId(id),
        name: name.to_owned(),
        role,
        presence,
        team: team.map(str::to_owned),
    }
}

fn ana() -> Participant {
    member(1, "Ana", Role::Facilitator, Presence::Present, None)
}

fn ben() -> Participant {
    member(3, "Ben", Role::Participant, Presence::Present, None)
}

fn cue(id: u32, kind: CueKind, at: u64, step: u16, exercise: Option<&str>, n: Option<u32>) -> Cue {
    Cue {
        id,
        kind,
        at,
        step,
        exercise: exercise.map(str::to_owned),
        n,
        seed: None,
    }
}

/// A cue of a reach-game step: it carries the step's seed.
fn seeded(cue: Cue, seed: u32) -> Cue {
    Cue {
        seed: Some(seed),
        ..cue
    }
}

fn phase(
    phase: Phase,
    step: Option<u16>,
    since: u64,
    until: Option<u64>,
    paused: bool,
) -> PhaseState {
    PhaseState {
        phase,
        step,
        since,
        until,
        paused,
    }
}

fn flag() -> ScoreFlag {
    ScoreFlag {
        p: ParticipantId(3),
        exercise: "squat".to_owned(),
        reason: FlagReason::TooFast,
        claimed: 40,
        accepted: 22,
        detected: None,
        at: T + 31 * SEC,
    }
}

fn mismatch() -> ScoreFlag {
    ScoreFlag {
        p: ParticipantId(2),
        exercise: "squat".to_owned(),
        reason: FlagReason::Mismatch,
        claimed: 30,
        accepted: 30,
        detected: Some(0),
        at: T + 32 * SEC,
    }
}

fn ranking() -> Vec<ScoreEntry> {
    vec![
        ScoreEntry {
            p: ParticipantId(3),
            points: 120,
            reps: 12,
            active_ms: 8_500,
            verified: true,
        },
        ScoreEntry {
            p: ParticipantId(2),
            points: 90,
            reps: 9,
            active_ms: 6_000,
            verified: false,
        },
    ]
}

fn presence(change: PresenceChange, participant: Participant) -> ServerMsg {
    ServerMsg::Presence {
        change,
        participant,
    }
}

fn error_msg(code: ErrorCode, message: &str, seq: Option<u32>) -> ServerMsg {
    ServerMsg::Error {
        code,
        message: message.to_owned(),
        seq,
    }
}

fn cue_msg(cue: Cue) -> ServerMsg {
    ServerMsg::Cue { cue }
}

fn snapshot_with(program: Program, participants: Vec<Participant>) -> ServerMsg {
    ServerMsg::Snapshot {
        room: "KIT-4827".to_owned(),
        session: "s_01JH2K".to_owned(),
        you: ParticipantId(3),
        locked: false,
        program,
        phase: phase(Phase::Lobby, None, T, None, false),
        timeline: vec![],
        participants,
        scoreboard: Scoreboard::default(),
        flags: vec![],
    }
}

fn peer(p: u32, kp: PoseBlock) -> PeerPose {
    PeerPose {
        p: ParticipantId(p),
        t: T + 2 * SEC - 40_000,
        kp,
    }
}

fn canonical() -> Vec<Vector> {
    use CueKind::*;
    use PresenceChange::*;
    let exercise_started = T + 10 * SEC;
    vec![
        valid_server(
            "welcome",
            "The answer to a valid hello: connection id, resume token, server clock, limits.",
            ServerMsg::Welcome {
                conn: 42,
                resume: RESUME.to_owned(),
                server_time: T,
                limits: Limits {
                    max_message_bytes: 4096,
                    pose_hz: 30,
                    score_hz: 5,
                    control_hz: 5,
                },
                expires_at: None,
            },
        ),
        valid_server(
            "welcome_expires_at",
            "A welcome telling when the connection's access token expires (Unix seconds), so the \
             client can refresh it in time. Absent for a session-cookie connection; a decoder \
             from before this field reads the message as `welcome` (unknown fields are ignored).",
            ServerMsg::Welcome {
                conn: 42,
                resume: RESUME.to_owned(),
                server_time: T,
                limits: Limits {
                    max_message_bytes: 4096,
                    pose_hz: 30,
                    score_hz: 5,
                    control_hz: 5,
                },
                expires_at: Some(T / SEC + 600),
            },
        ),
        valid_server(
            "refreshed",
            "The answer to an accepted refresh: its seq and the new token's expiry (Unix seconds).",
            ServerMsg::Refreshed {
                seq: 12,
                expires_at: T / SEC + 1_200,
            },
        ),
        valid_server(
            "snapshot",
            "The room in the lobby, as a joiner receives it.",
            snapshot_with(program(), vec![ana(), ben()]),
        ),
        valid_server(
            "snapshot_teams",
            "A late joiner mid-exercise with teams: only upcoming cues, team scores, a flag.",
            ServerMsg::Snapshot {
                room: "KIT-4827".to_owned(),
                session: "s_01JH2K".to_owned(),
                you: ParticipantId(4),
                locked: true,
                program: program(),
                phase: phase(
                    Phase::Exercise,
                    Some(0),
                    exercise_started,
                    Some(exercise_started + 45 * SEC),
                    false,
                ),
                timeline: vec![
                    cue(
                        12,
                        Halfway,
                        exercise_started + 22_500_000,
                        0,
                        Some("squat"),
                        None,
                    ),
                    cue(
                        13,
                        Rest,
                        exercise_started + 45 * SEC,
                        0,
                        Some("squat"),
                        None,
                    ),
                    cue(
                        14,
                        NextUp,
                        exercise_started + 45 * SEC,
                        1,
                        Some("arm_circles"),
                        None,
                    ),
                ],
                participants: vec![
                    ana(),
                    member(
                        2,
                        "Chloé",
                        Role::Cohost,
                        Presence::Reconnecting,
                        Some("Green"),
                    ),
                    member(3, "Ben", Role::Participant, Presence::Present, Some("Blue")),
                    member(
                        4,
                        "Dara",
                        Role::Participant,
                        Presence::Present,
                        Some("Blue"),
                    ),
                ],
                scoreboard: Scoreboard {
                    ranking: ranking(),
                    total: 210,
                    teams: vec![
                        TeamScore {
                            team: "Blue".to_owned(),
                            points: 120,
                        },
                        TeamScore {
                            team: "Green".to_owned(),
                            points: 90,
                        },
                    ],
                },
                flags: vec![flag()],
            },
        ),
        valid_server(
            "presence_joined",
            "Someone joined.",
            presence(Joined, ben()),
        ),
        valid_server(
            "presence_reconnecting",
            "A connection dropped; the place is kept for the grace period.",
            presence(
                Reconnecting,
                member(3, "Ben", Role::Participant, Presence::Reconnecting, None),
            ),
        ),
        valid_server(
            "presence_resumed",
            "Came back within the grace period.",
            presence(Resumed, ben()),
        ),
        valid_server(
            "presence_left",
            "Left (or grace ran out, or kicked).",
            presence(Left, ben()),
        ),
        valid_server(
            "presence_role_changed",
            "Made co-host.",
            presence(
                RoleChanged,
                member(3, "Ben", Role::Cohost, Presence::Present, None),
            ),
        ),
        valid_server(
            "presence_name_64_emoji",
            "Lengths count Unicode scalar values: 64 emoji (128 UTF-16 units, 256 bytes) is a valid name.",
            presence(
                Joined,
                member(
                    5,
                    &"💪".repeat(64),
                    Role::Participant,
                    Presence::Present,
                    Some("Blue"),
                ),
            ),
        ),
        valid_server(
            "pong",
            "Clock sync answer: t0 echoed, t1 received, t2 sent (server clock).",
            ServerMsg::Pong {
                t0: 987_654_321,
                t1: T + 1_000,
                t2: T + 1_150,
            },
        ),
        valid_server(
            "cue_countdown",
            "Countdown number 3.",
            cue_msg(cue(1, Countdown, T + 3 * SEC, 0, None, Some(3))),
        ),
        valid_server(
            "cue_go",
            "The exercise starts.",
            cue_msg(cue(4, Go, T + 6 * SEC, 0, Some("squat"), None)),
        ),
        valid_server(
            "cue_beat",
            "Tempo beat 17.",
            cue_msg(cue(21, Beat, T + 22 * SEC, 0, Some("squat"), Some(17))),
        ),
        valid_server(
            "cue_go_seed",
            "A reach-game step starts: every cue of the step carries its seed (here above 2^31).",
            cue_msg(seeded(
                cue(60, Go, T + 70 * SEC, 2, Some("reach"), None),
                3_735_928_559,
            )),
        ),
        valid_server(
            "cue_beat_seed_zero",
            "A beat of a reach-game step whose seed is 0 (present, not absent).",
            cue_msg(seeded(
                cue(61, Beat, T + 71 * SEC, 2, Some("reach"), Some(1)),
                0,
            )),
        ),
        valid_server(
            "cue_next_up",
            "During a rest: what comes next.",
            cue_msg(cue(40, NextUp, T + 52 * SEC, 1, Some("arm_circles"), None)),
        ),
        valid_server(
            "cue_done",
            "The program is done.",
            cue_msg(cue(90, Done, T + 100 * SEC, 1, None, None)),
        ),
        valid_server(
            "poses",
            "A relay tick with two skeletons (BlazePose-33 and COCO-17).",
            ServerMsg::Poses {
                t: T + 2 * SEC,
                poses: vec![peer(3, blazepose(false)), peer(4, coco(true))],
            },
        ),
        valid_server(
            "poses_empty",
            "A relay tick with nothing to show.",
            ServerMsg::Poses {
                t: T + 2 * SEC,
                poses: vec![],
            },
        ),
        valid_server(
            "scoreboard",
            "The scoreboard without teams.",
            ServerMsg::Scoreboard {
                scoreboard: Scoreboard {
                    ranking: ranking(),
                    total: 210,
                    teams: vec![],
                },
            },
        ),
        valid_server(
            "phase_countdown",
            "start: countdown with its cues.",
            ServerMsg::Phase {
                phase: phase(Phase::Countdown, Some(0), T, Some(T + 6 * SEC), false),
                timeline: vec![
                    cue(1, Countdown, T + 3 * SEC, 0, None, Some(3)),
                    cue(2, Countdown, T + 4 * SEC, 0, None, Some(2)),
                    cue(3, Countdown, T + 5 * SEC, 0, None, Some(1)),
                    cue(4, Go, T + 6 * SEC, 0, Some("squat"), None),
                ],
            },
        ),
        valid_server(
            "phase_paused",
            "pause: no end time, and an empty timeline cancels every pending cue.",
            ServerMsg::Phase {
                phase: phase(Phase::Exercise, Some(0), exercise_started, None, true),
                timeline: vec![],
            },
        ),
        valid_server(
            "phase_resumed",
            "resume after a 20 s pause: end time and cues shifted by 20 s.",
            ServerMsg::Phase {
                phase: phase(
                    Phase::Exercise,
                    Some(0),
                    exercise_started,
                    Some(exercise_started + 65 * SEC),
                    false,
                ),
                timeline: vec![
                    cue(
                        15,
                        Rest,
                        exercise_started + 65 * SEC,
                        0,
                        Some("squat"),
                        None,
                    ),
                    cue(
                        16,
                        NextUp,
                        exercise_started + 65 * SEC,
                        1,
                        Some("arm_circles"),
                        None,
                    ),
                ],
            },
        ),
        valid_server(
            "flag",
            "A capped score report (facilitators only).",
            ServerMsg::Flag { flag: flag() },
        ),
        valid_server(
            "flag_mismatch",
            "A report ahead of what the server detected in the participant's keypoints.",
            ServerMsg::Flag { flag: mismatch() },
        ),
        valid_server(
            "reaction",
            "A reaction from participant 3.",
            ServerMsg::Reaction {
                p: ParticipantId(3),
                reaction: Reaction::Clap,
            },
        ),
        valid_server(
            "lock",
            "The room was locked: it refuses new joins.",
            ServerMsg::Lock { locked: true },
        ),
        valid_server(
            "unlock",
            "The room was unlocked.",
            ServerMsg::Lock { locked: false },
        ),
        valid_server(
            "summary",
            "The session's one summary.",
            ServerMsg::Summary {
                summary: SessionSummary {
                    session: "s_01JH2K".to_owned(),
                    room: "KIT-4827".to_owned(),
                    program: "Desk reset".to_owned(),
                    started_at: T,
                    ended_at: T + 96 * SEC,
                    end: EndReason::Completed,
                    participants: vec![
                        ParticipantSummary {
                            p: ParticipantId(3),
                            user: "user_42".to_owned(),
                            name: "Ben".to_owned(),
                            team: Some("Blue".to_owned()),
                            results: vec![
                                ExerciseResult {
                                    exercise: "squat".to_owned(),
                                    reps: 22,
                                    points: 220,
                                    active_ms: 0,
                                    verified: true,
                                },
                                ExerciseResult {
                                    exercise: "arm_circles".to_owned(),
                                    reps: 30,
                                    points: 90,
                                    active_ms: 28_000,
                                    verified: false,
                                },
                            ],
                            flags: vec![flag()],
                        },
                        ParticipantSummary {
                            p: ParticipantId(4),
                            user: "user_7".to_owned(),
                            name: "Dara".to_owned(),
                            team: None,
                            results: vec![],
                            flags: vec![],
                        },
                    ],
                },
            },
        ),
        valid_server(
            "error",
            "A refused client message, quoting its seq.",
            error_msg(
                ErrorCode::ScoreDecreased,
                "reps went from 12 to 11",
                Some(5),
            ),
        ),
        valid_server(
            "error_without_seq",
            "An error about a message without seq (e.g. a pose).",
            error_msg(ErrorCode::RateLimited, "too many `pose` messages", None),
        ),
    ]
}

fn lenient() -> Vec<Vector> {
    let pong = |extra: Vec<(&'static str, V)>| {
        let mut entries = vec![
            ("type", s("pong")),
            ("t0", V::U(987_654_321)),
            ("t1", V::U(T + 1_000)),
            ("t2", V::U(T + 1_150)),
        ];
        entries.extend(extra);
        mp::encode(&map(entries))
    };
    vec![
        lenient_server(
            "error_unknown_code",
            "An error code this version does not know reads as `unknown`.",
            mp::encode(&map(vec![
                ("type", s("error")),
                ("code", s("teapot")),
                ("message", s("short and stout")),
            ])),
            error_msg(ErrorCode::Unknown, "short and stout", None),
        ),
        lenient_server(
            "pong_unknown_fields",
            "Forward compatibility: unknown fields are ignored.",
            pong(vec![
                ("region", s("eu-1")),
                ("hints", map(vec![("next_ping_ms", V::U(10_000))])),
            ]),
            ServerMsg::Pong {
                t0: 987_654_321,
                t1: T + 1_000,
                t2: T + 1_150,
            },
        ),
    ]
}

fn refused() -> Vec<Vector> {
    let bad = |name: &str, description: &str, bytes: Vec<u8>, refusal: Refusal| {
        invalid("server", name, description, bytes, refusal)
    };
    let bad_msg = |name: &str, description: &str, msg: ServerMsg, refusal: Refusal| {
        invalid("server", name, description, encode_server(&msg), refusal)
    };
    let pong = encode_server(&ServerMsg::Pong {
        t0: 1,
        t1: T,
        t2: T,
    });
    let joined = |name: &str, team: Option<&str>| {
        presence(
            PresenceChange::Joined,
            member(5, name, Role::Participant, Presence::Present, team),
        )
    };
    let mut too_many_steps = program();
    too_many_steps.steps = vec![too_many_steps.steps[0].clone(); 33];
    let mut short_block = coco(false).as_bytes().to_vec();
    short_block.pop();
    let short_block = mp::encode(&map(vec![
        ("type", s("poses")),
        ("t", V::U(T)),
        (
            "poses",
            V::Arr(vec![map(vec![
                ("p", V::U(3)),
                ("t", V::U(T)),
                ("kp", V::Bin(short_block)),
            ])]),
        ),
    ]));
    vec![
        bad(
            "unknown_type",
            "A type this version does not know: clients skip it.",
            mp::encode(&map(vec![("type", s("confetti")), ("at", V::U(T))])),
            unknown_type("confetti"),
        ),
        bad(
            "client_type",
            "A client message type is unknown in the server direction.",
            mp::encode(&map(vec![("type", s("hello")), ("seq", V::U(1))])),
            unknown_type("hello"),
        ),
        bad(
            "missing_type",
            "A map without `type`.",
            mp::encode(&map(vec![("t0", V::U(1))])),
            error("missing_type"),
        ),
        bad(
            "trailing_bytes",
            "A pong followed by a second message in the same frame.",
            [pong.clone(), pong.clone()].concat(),
            error("trailing_bytes"),
        ),
        bad(
            "cue_seed_too_wide",
            "A seed is a u32: 2^32 does not fit.",
            mp::encode(&map(vec![
                ("type", s("cue")),
                (
                    "cue",
                    map(vec![
                        ("id", V::U(60)),
                        ("kind", s("go")),
                        ("at", V::U(T)),
                        ("step", V::U(2)),
                        ("exercise", s("reach")),
                        ("seed", V::U(1 << 32)),
                    ]),
                ),
            ])),
            error("malformed"),
        ),
        bad(
            "float_for_integer",
            "A float time.",
            mp::encode(&map(vec![
                ("type", s("pong")),
                ("t0", V::U(1)),
                ("t1", V::F(1.767e15)),
                ("t2", V::U(T)),
            ])),
            error("malformed"),
        ),
        bad(
            "nesting_too_deep",
            "9 levels of nesting in an unknown field.",
            mp::encode(&map(vec![
                ("type", s("pong")),
                ("t0", V::U(1)),
                ("t1", V::U(T)),
                ("t2", V::U(T)),
                ("x", mp::nested_arrays(MAX_DEPTH)),
            ])),
            error("malformed"),
        ),
        bad(
            "phase_unknown_value",
            "A phase this version does not know.",
            mp::encode(&map(vec![
                ("type", s("phase")),
                (
                    "phase",
                    map(vec![
                        ("phase", s("warmup")),
                        ("since", V::U(T)),
                        ("paused", V::Bool(false)),
                    ]),
                ),
                ("timeline", V::Arr(vec![])),
            ])),
            error("malformed"),
        ),
        bad(
            "poses_bad_block",
            "A relayed COCO-17 block one byte short.",
            short_block,
            pose_error("wrong_length"),
        ),
        bad_msg(
            "presence_name_too_long",
            "Display names are at most 64 characters; this has 65.",
            joined(&"n".repeat(65), None),
            invalid_field("name"),
        ),
        bad_msg(
            "presence_name_empty",
            "Display names are not empty.",
            joined("", None),
            invalid_field("name"),
        ),
        bad_msg(
            "presence_team_too_long",
            "Team names are at most 32 characters; this has 33.",
            joined("Eve", Some(&"T".repeat(33))),
            invalid_field("team"),
        ),
        bad_msg(
            "snapshot_no_steps",
            "A program has 1 to 32 steps.",
            snapshot_with(
                Program {
                    name: "Empty".to_owned(),
                    steps: vec![],
                },
                vec![ana()],
            ),
            invalid_field("program.steps"),
        ),
        bad_msg(
            "snapshot_too_many_steps",
            "A program has 1 to 32 steps; this has 33.",
            snapshot_with(too_many_steps, vec![ana()]),
            invalid_field("program.steps"),
        ),
        bad_msg(
            "welcome_resume_with_space",
            "Resume tokens are printable ASCII without spaces.",
            ServerMsg::Welcome {
                conn: 1,
                resume: "r1 x".to_owned(),
                server_time: T,
                limits: Limits {
                    max_message_bytes: 4096,
                    pose_hz: 30,
                    score_hz: 5,
                    control_hz: 5,
                },
                expires_at: None,
            },
            invalid_field("resume"),
        ),
        bad_msg(
            "cue_bad_exercise",
            "Exercise ids are lowercase letters, digits and _.",
            cue_msg(cue(1, CueKind::Go, T, 0, Some("Arm Circles"), None)),
            invalid_field("exercise"),
        ),
        bad_msg(
            "error_message_empty",
            "Error messages are not empty.",
            error_msg(ErrorCode::Internal, "", None),
            invalid_field("message"),
        ),
        bad_msg(
            "error_message_too_long",
            "Error messages are at most 256 characters; this has 257.",
            error_msg(ErrorCode::Internal, &"e".repeat(257), None),
            invalid_field("message"),
        ),
    ]
}
