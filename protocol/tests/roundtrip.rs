//! Properties of the codec over generated messages and bytes.
//!
//! - Every valid message (within the bounds of `validate.rs`) survives encode → decode.
//! - Decoding never panics, on arbitrary bytes or on mutated valid frames; and whatever it
//!   accepts re-encodes canonically and decodes again to the same value.

use breakroom_protocol::validate::{
    MAX_ACTIVE_MS, MAX_ERROR_MESSAGE, MAX_NAME, MAX_REPS, MAX_RESUME_TOKEN, MAX_ROOM_CODE,
    MAX_SDK_NAME, MAX_SDK_VERSION, MAX_STEPS, MAX_TEAM, MAX_TOKEN,
};
use breakroom_protocol::{
    CLIENT_TYPES, ClientMsg, ControlAction, Cue, CueKind, DecodeError, EndReason, ErrorCode,
    ExerciseResult, FlagReason, Limits, MAX_CLIENT_MSG_BYTES, MAX_SERVER_MSG_BYTES, Participant,
    ParticipantId, ParticipantSummary, PeerPose, Phase, PhaseState, PoseBlock, PoseModel, Presence,
    PresenceChange, Program, Reaction, RequestedRole, Role, SERVER_TYPES, ScoreEntry, ScoreFlag,
    Scoreboard, ServerMsg, SessionSummary, Step, TeamScore, decode_client, decode_server,
    encode_client, encode_server,
};
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{Index, select};

// ---- Scalars ----

/// A human-readable string: 1 to `max` characters, none of them a control character.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[^\\p{{Cc}}]{{1,{max}}}")).expect("valid regex")
}

/// An opaque token: 1 to `max` printable ASCII bytes.
fn token(max: usize) -> impl Strategy<Value = String> {
    proptest::string::string_regex(&format!("[!-~]{{1,{max}}}")).expect("valid regex")
}

fn exercise() -> impl Strategy<Value = String> {
    "[a-z0-9_]{1,32}"
}

fn pid() -> impl Strategy<Value = ParticipantId> {
    any::<u32>().prop_map(ParticipantId)
}

fn pose_block() -> impl Strategy<Value = PoseBlock> {
    (
        select(vec![PoseModel::BlazePose33, PoseModel::Coco17]),
        any::<bool>(),
    )
        .prop_flat_map(|(model, depth)| {
            let body = model.landmark_count() * if depth { 6 } else { 5 };
            vec(any::<u8>(), body).prop_map(move |body| {
                let header = [model.code(), u8::from(depth)];
                PoseBlock::from_bytes([header.as_slice(), &body].concat())
                    .expect("the block follows the layout")
            })
        })
}

// ---- Enums ----

fn one_of<T: Clone + std::fmt::Debug + 'static>(values: &[T]) -> impl Strategy<Value = T> {
    select(values.to_vec())
}

fn reaction() -> impl Strategy<Value = Reaction> {
    use Reaction::*;
    one_of(&[Clap, Cheer, Heart, Laugh, ThumbsUp, Wave, Fire, Strong])
}

fn role() -> impl Strategy<Value = Role> {
    one_of(&[
        Role::Facilitator,
        Role::Cohost,
        Role::Participant,
        Role::Viewer,
    ])
}

fn cue_kind() -> impl Strategy<Value = CueKind> {
    use CueKind::*;
    one_of(&[Countdown, Go, Beat, Halfway, Rest, NextUp, Done])
}

fn error_code() -> impl Strategy<Value = ErrorCode> {
    use ErrorCode::*;
    one_of(&[
        BadMessage,
        Unsupported,
        Unauthorized,
        Forbidden,
        NotFound,
        RoomFull,
        RoomLocked,
        RateLimited,
        NotInRoom,
        AlreadyJoined,
        InvalidState,
        ScoreDecreased,
        UnknownExercise,
        Internal,
        Unknown,
    ])
}

// ---- Client messages ----

fn client_msg() -> impl Strategy<Value = ClientMsg> {
    use ControlAction::*;
    prop_oneof![
        (
            any::<u32>(),
            text(MAX_SDK_NAME),
            text(MAX_SDK_VERSION),
            // None: an empty token, the session cookie's hello.
            option::of(token(MAX_TOKEN)),
            option::of(token(MAX_RESUME_TOKEN))
        )
            .prop_map(|(seq, sdk, sdk_version, token, resume)| ClientMsg::Hello {
                seq,
                sdk,
                sdk_version,
                token: token.unwrap_or_default(),
                resume
            }),
        (
            any::<u32>(),
            text(MAX_ROOM_CODE),
            one_of(&[
                RequestedRole::Facilitator,
                RequestedRole::Participant,
                RequestedRole::Viewer
            ]),
            one_of(&[
                breakroom_protocol::Sharing::Room,
                breakroom_protocol::Sharing::Facilitators,
                breakroom_protocol::Sharing::Nobody
            ])
        )
            .prop_map(|(seq, room, role, sharing)| ClientMsg::Join {
                seq,
                room,
                role,
                sharing
            }),
        any::<u32>().prop_map(|seq| ClientMsg::Leave { seq }),
        (any::<u64>(), pose_block()).prop_map(|(t, kp)| ClientMsg::Pose { t, kp }),
        (any::<u32>(), exercise(), 0..=MAX_REPS, 0..=MAX_ACTIVE_MS).prop_map(
            |(seq, exercise, reps, active_ms)| ClientMsg::Score {
                seq,
                exercise,
                reps,
                active_ms
            }
        ),
        any::<u64>().prop_map(|t0| ClientMsg::Ping { t0 }),
        (
            any::<u32>(),
            one_of(&[
                Start, Pause, Resume, Skip, End, Lock, Unlock, Kick, MakeCohost
            ]),
            option::of(pid())
        )
            .prop_map(|(seq, action, target)| {
                // kick and make_cohost need a target; the others may carry one.
                let target = match action {
                    Kick | MakeCohost => target.or(Some(ParticipantId(1))),
                    _ => target,
                };
                ClientMsg::Control {
                    seq,
                    action,
                    target,
                }
            }),
        (any::<u32>(), reaction())
            .prop_map(|(seq, reaction)| ClientMsg::Reaction { seq, reaction }),
        (any::<u32>(), token(MAX_TOKEN)).prop_map(|(seq, token)| ClientMsg::Refresh { seq, token }),
    ]
}

// ---- Server value types ----

prop_compose! {
    fn participant()(
        id in pid(),
        name in text(MAX_NAME),
        role in role(),
        presence in one_of(&[Presence::Present, Presence::Reconnecting]),
        team in option::of(text(MAX_TEAM)),
    ) -> Participant {
        Participant { id, name, role, presence, team }
    }
}

prop_compose! {
    fn program()(
        name in text(MAX_NAME),
        steps in vec(
            (exercise(), any::<u32>(), any::<u32>(), option::of(any::<u16>())).prop_map(
                |(exercise, duration_ms, rest_ms, bpm)| Step { exercise, duration_ms, rest_ms, bpm },
            ),
            1..=MAX_STEPS,
        ),
    ) -> Program {
        Program { name, steps }
    }
}

prop_compose! {
    fn phase_state()(
        phase in one_of(&[Phase::Lobby, Phase::Countdown, Phase::Exercise, Phase::Rest, Phase::Results, Phase::Closed]),
        step in option::of(any::<u16>()),
        since in any::<u64>(),
        until in option::of(any::<u64>()),
        paused in any::<bool>(),
    ) -> PhaseState {
        PhaseState { phase, step, since, until, paused }
    }
}

prop_compose! {
    fn cue()(
        id in any::<u32>(),
        kind in cue_kind(),
        at in any::<u64>(),
        step in any::<u16>(),
        exercise in option::of(exercise()),
        n in option::of(any::<u32>()),
        seed in option::of(any::<u32>()),
    ) -> Cue {
        Cue { id, kind, at, step, exercise, n, seed }
    }
}

prop_compose! {
    fn scoreboard()(
        ranking in vec(
            (pid(), any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
                |(p, points, reps, active_ms, verified)| ScoreEntry {
                    p,
                    points,
                    reps,
                    active_ms,
                    verified,
                },
            ),
            0..6,
        ),
        total in any::<u32>(),
        teams in vec(
            (text(MAX_TEAM), any::<u32>()).prop_map(|(team, points)| TeamScore { team, points }),
            0..4,
        ),
    ) -> Scoreboard {
        Scoreboard { ranking, total, teams }
    }
}

prop_compose! {
    fn score_flag()(
        p in pid(),
        exercise in exercise(),
        reason in one_of(&[FlagReason::TooFast, FlagReason::WrongExercise, FlagReason::Mismatch]),
        claimed in any::<u32>(),
        accepted in any::<u32>(),
        detected in option::of(any::<u32>()),
        at in any::<u64>(),
    ) -> ScoreFlag {
        ScoreFlag { p, exercise, reason, claimed, accepted, detected, at }
    }
}

prop_compose! {
    fn participant_summary()(
        p in pid(),
        user in ".{0,40}",
        name in text(MAX_NAME),
        team in option::of(text(MAX_TEAM)),
        results in vec(
            (exercise(), any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>()).prop_map(
                |(exercise, reps, points, active_ms, verified)| ExerciseResult {
                    exercise,
                    reps,
                    points,
                    active_ms,
                    verified,
                },
            ),
            0..=4,
        ),
        flags in vec(score_flag(), 0..3),
    ) -> ParticipantSummary {
        ParticipantSummary { p, user, name, team, results, flags }
    }
}

prop_compose! {
    fn summary()(
        session in token(64),
        room in text(MAX_ROOM_CODE),
        program in text(MAX_NAME),
        started_at in any::<u64>(),
        ended_at in any::<u64>(),
        end in one_of(&[EndReason::Completed, EndReason::Facilitator, EndReason::RoomClosed, EndReason::Shutdown]),
        participants in vec(participant_summary(), 0..4),
    ) -> SessionSummary {
        SessionSummary { session, room, program, started_at, ended_at, end, participants }
    }
}

prop_compose! {
    fn snapshot()(
        room in text(MAX_ROOM_CODE),
        session in token(64),
        you in pid(),
        locked in any::<bool>(),
        program in program(),
        phase in phase_state(),
        timeline in vec(cue(), 0..8),
        participants in vec(participant(), 0..6),
        scoreboard in scoreboard(),
        flags in vec(score_flag(), 0..3),
    ) -> ServerMsg {
        ServerMsg::Snapshot { room, session, you, locked, program, phase, timeline, participants, scoreboard, flags }
    }
}

// ---- Server messages ----

fn server_msg() -> impl Strategy<Value = ServerMsg> {
    use PresenceChange::*;
    prop_oneof![
        (
            any::<u64>(),
            token(MAX_RESUME_TOKEN),
            any::<u64>(),
            any::<(u32, u16, u16, u16)>(),
            option::of(any::<u64>())
        )
            .prop_map(
                |(
                    conn,
                    resume,
                    server_time,
                    (max_message_bytes, pose_hz, score_hz, control_hz),
                    expires_at,
                )| {
                    let limits = Limits {
                        max_message_bytes,
                        pose_hz,
                        score_hz,
                        control_hz,
                    };
                    ServerMsg::Welcome {
                        conn,
                        resume,
                        server_time,
                        limits,
                        expires_at,
                    }
                }
            ),
        snapshot(),
        (
            one_of(&[Joined, Left, Reconnecting, Resumed, RoleChanged]),
            participant()
        )
            .prop_map(|(change, participant)| ServerMsg::Presence {
                change,
                participant
            }),
        any::<(u64, u64, u64)>().prop_map(|(t0, t1, t2)| ServerMsg::Pong { t0, t1, t2 }),
        cue().prop_map(|cue| ServerMsg::Cue { cue }),
        (any::<u64>(), vec((pid(), any::<u64>(), pose_block()), 0..6)).prop_map(|(t, poses)| {
            let poses = poses
                .into_iter()
                .map(|(p, t, kp)| PeerPose { p, t, kp })
                .collect();
            ServerMsg::Poses { t, poses }
        }),
        scoreboard().prop_map(|scoreboard| ServerMsg::Scoreboard { scoreboard }),
        (phase_state(), vec(cue(), 0..8))
            .prop_map(|(phase, timeline)| ServerMsg::Phase { phase, timeline }),
        score_flag().prop_map(|flag| ServerMsg::Flag { flag }),
        (pid(), reaction()).prop_map(|(p, reaction)| ServerMsg::Reaction { p, reaction }),
        any::<bool>().prop_map(|locked| ServerMsg::Lock { locked }),
        (any::<u32>(), any::<u64>())
            .prop_map(|(seq, expires_at)| ServerMsg::Refreshed { seq, expires_at }),
        summary().prop_map(|summary| ServerMsg::Summary { summary }),
        (
            error_code(),
            text(MAX_ERROR_MESSAGE),
            option::of(any::<u32>())
        )
            .prop_map(|(code, message, seq)| ServerMsg::Error { code, message, seq }),
    ]
}

// ---- Checks ----

/// Decodes `bytes` both ways; whatever decodes must re-encode to canonical bytes that decode to
/// the same value (unless those exceed the limit, which lenient input such as a long unknown
/// error code turned `unknown` can cause) and re-encode to themselves.
fn check_any_bytes(bytes: &[u8]) -> Result<(), TestCaseError> {
    if let Ok(msg) = decode_client(bytes) {
        let canonical = encode_client(&msg);
        if canonical.len() > MAX_CLIENT_MSG_BYTES {
            let too_large = matches!(decode_client(&canonical), Err(DecodeError::TooLarge { .. }));
            prop_assert!(
                too_large,
                "an oversized re-encoding is refused as too large"
            );
        } else {
            prop_assert_eq!(decode_client(&canonical), Ok(msg.clone()));
            prop_assert_eq!(encode_client(&msg), canonical);
        }
    }
    if let Ok(msg) = decode_server(bytes) {
        let canonical = encode_server(&msg);
        if canonical.len() > MAX_SERVER_MSG_BYTES {
            let too_large = matches!(decode_server(&canonical), Err(DecodeError::TooLarge { .. }));
            prop_assert!(
                too_large,
                "an oversized re-encoding is refused as too large"
            );
        } else {
            prop_assert_eq!(decode_server(&canonical), Ok(msg.clone()));
            prop_assert_eq!(encode_server(&msg), canonical);
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum Mutation {
    Set(Index, u8),
    Insert(Index, u8),
    Remove(Index),
    Truncate(Index),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        4 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        2 => (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        2 => any::<Index>().prop_map(Mutation::Remove),
        1 => any::<Index>().prop_map(Mutation::Truncate),
    ]
}

fn mutate(mut bytes: Vec<u8>, mutations: &[Mutation]) -> Vec<u8> {
    for m in mutations {
        if bytes.is_empty() {
            break;
        }
        match m {
            Mutation::Set(i, b) => {
                let i = i.index(bytes.len());
                bytes[i] = *b;
            }
            Mutation::Insert(i, b) => bytes.insert(i.index(bytes.len() + 1), *b),
            Mutation::Remove(i) => {
                bytes.remove(i.index(bytes.len()));
            }
            Mutation::Truncate(i) => bytes.truncate(i.index(bytes.len())),
        }
    }
    bytes
}

/// A map whose first entry is a known `type`, then noise: gets past the first checks.
fn typed_noise() -> impl Strategy<Value = Vec<u8>> {
    let types: Vec<&str> = CLIENT_TYPES.iter().chain(SERVER_TYPES).copied().collect();
    (0x81..=0x8fu8, select(types), vec(any::<u8>(), 0..256)).prop_map(|(marker, ty, noise)| {
        let mut bytes = vec![marker, 0xa4];
        bytes.extend_from_slice(b"type");
        bytes.push(0xa0 | ty.len() as u8);
        bytes.extend_from_slice(ty.as_bytes());
        bytes.extend(noise);
        bytes
    })
}

proptest! {
    #[test]
    fn valid_client_messages_round_trip(msg in client_msg()) {
        let bytes = encode_client(&msg);
        prop_assert!(bytes.len() <= MAX_CLIENT_MSG_BYTES, "{} bytes", bytes.len());
        prop_assert_eq!(decode_client(&bytes), Ok(msg));
    }

    #[test]
    fn valid_server_messages_round_trip(msg in server_msg()) {
        let bytes = encode_server(&msg);
        prop_assert!(bytes.len() <= MAX_SERVER_MSG_BYTES, "{} bytes", bytes.len());
        prop_assert_eq!(decode_server(&bytes), Ok(msg));
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        check_any_bytes(&bytes)?;
    }

    #[test]
    fn typed_noise_never_panics(bytes in typed_noise()) {
        check_any_bytes(&bytes)?;
    }

    #[test]
    fn mutated_client_messages_never_panic(msg in client_msg(), mutations in vec(mutation(), 1..6)) {
        check_any_bytes(&mutate(encode_client(&msg), &mutations))?;
    }

    #[test]
    fn mutated_server_messages_never_panic(msg in server_msg(), mutations in vec(mutation(), 1..6)) {
        check_any_bytes(&mutate(encode_server(&msg), &mutations))?;
    }
}
