//! Client → server vectors.

use breakroom_protocol::{
    ClientMsg, ControlAction, MAX_CLIENT_MSG_BYTES, MAX_DEPTH, ParticipantId, PoseBlock, Reaction,
    RequestedRole, Sharing, encode_client,
};

use super::file::Vector;
use super::mp::{self, V, map, s};
use super::samples::{blazepose, coco};
use super::{
    Refusal, error, invalid, invalid_field, lenient_client, pose_error, unknown_type, valid_client,
};

const TOKEN: &str =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyXzQyIiwicm9vbSI6IktJVC00ODI3In0.c2lnbmF0dXJl";
const RESUME: &str = "r1.7f3a9c2e4b1d8a06";
/// 2026-01-01T00:00:00Z in µs.
const T: u64 = 1_767_225_600_000_000;

pub(crate) fn all() -> Vec<Vector> {
    let mut all = canonical();
    all.extend(lenient());
    all.extend(refused());
    all
}

fn hello(sdk: &str, sdk_version: &str, token: &str, resume: Option<&str>) -> ClientMsg {
    ClientMsg::Hello {
        seq: 1,
        sdk: sdk.to_owned(),
        sdk_version: sdk_version.to_owned(),
        token: token.to_owned(),
        resume: resume.map(str::to_owned),
    }
}

fn refresh(token: &str) -> ClientMsg {
    ClientMsg::Refresh {
        seq: 12,
        token: token.to_owned(),
    }
}

fn plain_hello() -> ClientMsg {
    hello("breakroom-client-ts", "0.1.0", TOKEN, None)
}

fn join(room: &str, role: RequestedRole, sharing: Sharing) -> ClientMsg {
    ClientMsg::Join {
        seq: 2,
        room: room.to_owned(),
        role,
        sharing,
    }
}

fn pose(kp: PoseBlock) -> ClientMsg {
    ClientMsg::Pose {
        t: T + 1_234_567,
        kp,
    }
}

fn score(exercise: &str, reps: u32, active_ms: u32) -> ClientMsg {
    ClientMsg::Score {
        seq: 5,
        exercise: exercise.to_owned(),
        reps,
        active_ms,
    }
}

fn control(action: ControlAction, target: Option<u32>) -> ClientMsg {
    ClientMsg::Control {
        seq: 7,
        action,
        target: target.map(ParticipantId),
    }
}

/// The `hello` fields as hand-made map entries, for variations the types cannot express.
fn hello_entries() -> Vec<(&'static str, V)> {
    vec![
        ("type", s("hello")),
        ("seq", V::U(1)),
        ("sdk", s("breakroom-client-ts")),
        ("sdk_version", s("0.1.0")),
        ("token", s(TOKEN)),
    ]
}

fn hello_with(extra: Vec<(&'static str, V)>) -> Vec<u8> {
    let mut entries = hello_entries();
    entries.extend(extra);
    mp::encode(&map(entries))
}

fn ping_with(t0: V) -> Vec<u8> {
    mp::encode(&map(vec![("type", s("ping")), ("t0", t0)]))
}

fn join_with(role: V) -> Vec<u8> {
    mp::encode(&map(vec![
        ("type", s("join")),
        ("seq", V::U(2)),
        ("room", s("KIT-4827")),
        ("role", role),
        ("sharing", s("room")),
    ]))
}

fn pose_with_value(kp: V) -> Vec<u8> {
    mp::encode(&map(vec![("type", s("pose")), ("t", V::U(T)), ("kp", kp)]))
}

/// A valid COCO-17 block whose bytes are all ASCII (so also a valid UTF-8 string).
fn ascii_block() -> Vec<u8> {
    let block: Vec<u8> = [2, 0].into_iter().chain([b'A'; 85]).collect();
    PoseBlock::from_bytes(block.clone()).expect("a valid block");
    block
}

fn pose_with(kp: Vec<u8>) -> Vec<u8> {
    mp::encode(&map(vec![
        ("type", s("pose")),
        ("t", V::U(T)),
        ("kp", V::Bin(kp)),
    ]))
}

/// A pose with every header in its widest form.
fn wide_pose(kp: &PoseBlock) -> Vec<u8> {
    let str32 = |text: &str| {
        [
            &[0xdb][..],
            &(text.len() as u32).to_be_bytes(),
            text.as_bytes(),
        ]
        .concat()
    };
    let block = kp.as_bytes();
    [
        &[0xdf, 0, 0, 0, 3][..],
        &str32("type"),
        &str32("pose"),
        &str32("t"),
        &[0xcf],
        &T.to_be_bytes(),
        &str32("kp"),
        &[0xc6],
        &(block.len() as u32).to_be_bytes(),
        block,
    ]
    .concat()
}

/// A `hello` padded with an unknown field to exactly `size` bytes.
fn hello_of_size(size: usize) -> Vec<u8> {
    (0..size)
        .map(|n| hello_with(vec![("pad", s(&"x".repeat(n)))]))
        .find(|bytes| bytes.len() == size)
        .expect("some padding reaches the size")
}

fn canonical() -> Vec<Vector> {
    use ControlAction::*;
    use RequestedRole::*;
    vec![
        valid_client(
            "hello",
            "The first message on a connection, without a resume token.",
            plain_hello(),
        ),
        valid_client(
            "hello_resume",
            "hello taking back a dropped place: `resume` is the token from an earlier welcome.",
            hello("breakroom-client-ts", "0.1.0", TOKEN, Some(RESUME)),
        ),
        valid_client(
            "hello_at_bounds",
            "Every hello string at its upper bound: sdk 64 characters (here 2 UTF-8 bytes each), \
             sdk_version 32 characters, token 3072 bytes, resume 128 bytes.",
            hello(
                &"ü".repeat(64),
                &"9".repeat(32),
                &"t".repeat(3072),
                Some(&"r".repeat(128)),
            ),
        ),
        valid_client(
            "hello_cookie",
            "hello with an empty token: act as the user of the session cookie sent with the \
             WebSocket upgrade (the server refuses it with `unauthorized` without a valid one).",
            hello("breakroom-client-ts", "0.1.0", "", None),
        ),
        valid_client(
            "refresh",
            "A new access token for the connection, before the current one expires.",
            refresh(TOKEN),
        ),
        valid_client(
            "join",
            "Join as a participant, skeleton shared with the room.",
            join("KIT-4827", Participant, Sharing::Room),
        ),
        valid_client(
            "join_facilitator",
            "Join as facilitator, skeleton shared with facilitators only.",
            join("kit 4827", Facilitator, Sharing::Facilitators),
        ),
        valid_client(
            "join_viewer",
            "Join as a shared screen, skeleton shared with nobody.",
            join("KIT-4827", Viewer, Sharing::Nobody),
        ),
        valid_client(
            "leave",
            "Leave the room for good.",
            ClientMsg::Leave { seq: 9 },
        ),
        valid_client(
            "pose_blazepose33",
            "A BlazePose-33 pose without depth: 167-byte block, 194-byte frame.",
            pose(blazepose(false)),
        ),
        valid_client(
            "pose_blazepose33_depth",
            "A BlazePose-33 pose with depth: 200-byte block, 227-byte frame.",
            pose(blazepose(true)),
        ),
        valid_client(
            "pose_coco17",
            "A COCO-17 pose without depth: 87-byte block.",
            pose(coco(false)),
        ),
        valid_client(
            "pose_coco17_depth",
            "A COCO-17 pose with depth: 104-byte block.",
            pose(coco(true)),
        ),
        valid_client(
            "score",
            "Cumulative counters for one exercise.",
            score("squat", 12, 8_500),
        ),
        valid_client(
            "score_at_bounds",
            "Counters at their bounds: 100000 reps, 24 h active.",
            score("wall_sit_2", 100_000, 86_400_000),
        ),
        valid_client(
            "ping",
            "Clock-sync request; t0 is on the client's own clock.",
            ClientMsg::Ping { t0: 987_654_321 },
        ),
        valid_client(
            "control_start",
            "A control without target.",
            control(Start, None),
        ),
        valid_client(
            "control_kick",
            "kick needs a target.",
            control(Kick, Some(3)),
        ),
        valid_client(
            "control_make_cohost",
            "make_cohost needs a target.",
            control(MakeCohost, Some(4)),
        ),
        valid_client(
            "reaction",
            "A reaction from the fixed set.",
            ClientMsg::Reaction {
                seq: 8,
                reaction: Reaction::ThumbsUp,
            },
        ),
    ]
}

fn lenient() -> Vec<Vector> {
    let deep = MAX_DEPTH - 1;
    vec![
        lenient_client(
            "hello_unknown_fields",
            "Forward compatibility: unknown fields, of any type, are ignored.",
            hello_with(vec![
                ("locale", s("de-CH")),
                (
                    "caps",
                    map(vec![("haptics", V::Bool(true)), ("ratio", V::F(0.5))]),
                ),
                ("extra", V::Nil),
            ]),
            plain_hello(),
        ),
        lenient_client(
            "hello_resume_nil",
            "An optional field sent as nil is read as absent (encoders omit it instead).",
            hello_with(vec![("resume", V::Nil)]),
            plain_hello(),
        ),
        lenient_client(
            "score_fields_reordered",
            "Fields may come in any order, `type` included; encoders write struct order.",
            mp::encode(&map(vec![
                ("active_ms", V::U(8_500)),
                ("reps", V::U(12)),
                ("exercise", s("squat")),
                ("type", s("score")),
                ("seq", V::U(5)),
            ])),
            score("squat", 12, 8_500),
        ),
        lenient_client(
            "ping_wide_integer",
            "Integers may use a wider encoding than needed (uint64 for 5); encoders use the smallest.",
            ping_with(V::U64(5)),
            ClientMsg::Ping { t0: 5 },
        ),
        lenient_client(
            "pose_wide_headers",
            "Every header at its widest: str32 keys and type, uint64 t, the block as a bin32.",
            wide_pose(&coco(false)),
            ClientMsg::Pose {
                t: T,
                kp: coco(false),
            },
        ),
        lenient_client(
            "control_target_nil",
            "An optional field sent as nil is absent: `start` with `target: nil`.",
            mp::encode(&map(vec![
                ("type", s("control")),
                ("seq", V::U(7)),
                ("action", s("start")),
                ("target", V::Nil),
            ])),
            control(ControlAction::Start, None),
        ),
        lenient_client(
            "hello_max_size",
            "Exactly 4096 bytes (padded by an unknown field): the largest client frame accepted.",
            hello_of_size(MAX_CLIENT_MSG_BYTES),
            plain_hello(),
        ),
        lenient_client(
            "hello_max_depth",
            "Nesting of exactly 8 levels (the message's map, then 7 arrays in an unknown field): \
             the deepest accepted.",
            hello_with(vec![("ext", mp::nested_arrays(deep))]),
            plain_hello(),
        ),
    ]
}

fn refused() -> Vec<Vector> {
    let bad = |name: &str, description: &str, bytes: Vec<u8>, refusal: Refusal| {
        invalid("client", name, description, bytes, refusal)
    };
    let bad_msg = |name: &str, description: &str, msg: ClientMsg, refusal: Refusal| {
        invalid("client", name, description, encode_client(&msg), refusal)
    };
    let ping = encode_client(&ClientMsg::Ping { t0: 987_654_321 });
    let block = blazepose(false).as_bytes().to_vec();
    let with_header = |model: u8, flags: u8| {
        let mut kp = block.clone();
        kp[0] = model;
        kp[1] = flags;
        pose_with(kp)
    };
    let ping_twice = mp::encode(&map(vec![
        ("type", s("ping")),
        ("t0", V::U(1)),
        ("t0", V::U(2)),
    ]));
    let sdk = |sdk: &str| hello(sdk, "0.1.0", TOKEN, None);
    let token = |token: &str| hello("breakroom-client-ts", "0.1.0", token, None);
    let resume = |resume: &str| hello("breakroom-client-ts", "0.1.0", TOKEN, Some(resume));
    use RequestedRole::Participant;
    vec![
        bad(
            "oversize",
            "4097 bytes: one more than the client limit.",
            hello_of_size(MAX_CLIENT_MSG_BYTES + 1),
            error("too_large"),
        ),
        bad(
            "empty_frame",
            "An empty binary frame.",
            vec![],
            error("malformed"),
        ),
        bad(
            "not_msgpack",
            "0xc1 is never used in MessagePack.",
            vec![0xc1],
            error("malformed"),
        ),
        bad(
            "truncated",
            "A ping cut short by one byte.",
            ping[..ping.len() - 1].to_vec(),
            error("malformed"),
        ),
        bad(
            "top_level_array",
            "A message must be a map, not an array (even [type, fields...]).",
            mp::encode(&V::Arr(vec![s("ping"), V::U(5)])),
            error("malformed"),
        ),
        bad(
            "missing_type",
            "A map without `type`.",
            mp::encode(&map(vec![("seq", V::U(1))])),
            error("missing_type"),
        ),
        bad(
            "type_not_string",
            "`type` must be a string.",
            mp::encode(&map(vec![("type", V::U(7)), ("t0", V::U(1))])),
            error("missing_type"),
        ),
        bad(
            "unknown_type",
            "A type this version does not know: receivers skip it (the server answers `unsupported`).",
            mp::encode(&map(vec![("type", s("dance")), ("seq", V::U(3))])),
            unknown_type("dance"),
        ),
        bad(
            "server_type",
            "A server message type is unknown in the client direction.",
            mp::encode(&map(vec![("type", s("welcome")), ("conn", V::U(1))])),
            unknown_type("welcome"),
        ),
        bad(
            "trailing_bytes",
            "A ping followed by one more byte (nil): one value per frame.",
            [ping.clone(), vec![0xc0]].concat(),
            error("trailing_bytes"),
        ),
        bad(
            "nesting_too_deep",
            "9 levels of nesting (the map, then 8 arrays in an unknown field).",
            hello_with(vec![("ext", mp::nested_arrays(MAX_DEPTH))]),
            error("malformed"),
        ),
        bad(
            "float_for_integer",
            "A float where an integer is expected.",
            ping_with(V::F(1.5)),
            error("malformed"),
        ),
        bad(
            "integral_float_for_integer",
            "Even an integral float (5.0) is refused: integers must be MessagePack integers.",
            ping_with(V::F(5.0)),
            error("malformed"),
        ),
        bad(
            "negative_integer",
            "A negative number for an unsigned field.",
            ping_with(V::I(-1)),
            error("malformed"),
        ),
        bad(
            "integer_overflow",
            "seq is a u32: 2^32 does not fit.",
            mp::encode(&map(vec![("type", s("leave")), ("seq", V::U(1 << 32))])),
            error("malformed"),
        ),
        bad(
            "missing_field",
            "join without `sharing`.",
            mp::encode(&map(vec![
                ("type", s("join")),
                ("seq", V::U(2)),
                ("room", s("KIT-4827")),
                ("role", s("participant")),
            ])),
            error("malformed"),
        ),
        bad(
            "nil_for_required_field",
            "nil is no value for a required field.",
            join_with(V::Nil),
            error("malformed"),
        ),
        bad(
            "unknown_enum_value",
            "A role this version does not know.",
            join_with(s("admin")),
            error("malformed"),
        ),
        bad(
            "control_unknown_action",
            "An action this version does not know.",
            mp::encode(&map(vec![
                ("type", s("control")),
                ("seq", V::U(7)),
                ("action", s("explode")),
            ])),
            error("malformed"),
        ),
        bad(
            "wrong_field_type",
            "sdk must be a string.",
            mp::encode(&map(vec![
                ("type", s("hello")),
                ("seq", V::U(1)),
                ("sdk", V::U(5)),
                ("sdk_version", s("0.1.0")),
                ("token", s(TOKEN)),
            ])),
            error("malformed"),
        ),
        bad(
            "string_as_bin",
            "A string field sent as bin (even of valid UTF-8) is refused: strings are str.",
            mp::encode(&map(vec![
                ("type", s("hello")),
                ("seq", V::U(1)),
                ("sdk", V::Bin(b"breakroom-client-ts".to_vec())),
                ("sdk_version", s("0.1.0")),
                ("token", s(TOKEN)),
            ])),
            error("malformed"),
        ),
        bad(
            "enum_as_map",
            "An enum value is a str, not a map naming the value.",
            join_with(map(vec![("participant", V::Nil)])),
            error("malformed"),
        ),
        bad(
            "key_not_string",
            "Every key of a message is a str: a ping with an integer key.",
            mp::encode(&V::Map(vec![
                (s("type"), s("ping")),
                (s("t0"), V::U(1)),
                (V::U(0), V::U(1)),
            ])),
            error("malformed"),
        ),
        bad(
            "type_integer",
            "`type` must be a string, not the index of a message type (5 would be ping).",
            mp::encode(&map(vec![("type", V::U(5)), ("t0", V::U(1))])),
            error("missing_type"),
        ),
        bad(
            "type_bin",
            "`type` must be a str, not a bin holding the name.",
            mp::encode(&map(vec![
                ("type", V::Bin(b"ping".to_vec())),
                ("t0", V::U(1)),
            ])),
            error("missing_type"),
        ),
        bad(
            "duplicate_type",
            "`type` given twice (a known one, then an unknown one) is a duplicate field.",
            mp::encode(&map(vec![
                ("type", s("ping")),
                ("t0", V::U(1)),
                ("type", s("dance")),
            ])),
            error("malformed"),
        ),
        bad(
            "huge_headers",
            "52 bytes: an unknown field of 7 nested arrays, each header claiming 2^32 - 1 \
             elements. Refused without reserving room for them.",
            [
                &[0x83, 0xa4][..],
                b"type",
                &[0xa4],
                b"ping",
                &[0xa2, b't', b'0', 0x01, 0xa1, b'x'],
                &[0xdd, 0xff, 0xff, 0xff, 0xff].repeat(7),
            ]
            .concat(),
            error("malformed"),
        ),
        bad(
            "bad_utf8",
            "Strings must be UTF-8.",
            mp::encode(&map(vec![
                ("type", s("hello")),
                ("seq", V::U(1)),
                ("sdk", V::RawStr(vec![0x62, 0xff, 0xfe])),
                ("sdk_version", s("0.1.0")),
                ("token", s(TOKEN)),
            ])),
            error("malformed"),
        ),
        bad(
            "duplicate_field",
            "A field given twice.",
            ping_twice,
            error("malformed"),
        ),
        bad(
            "pose_kp_wrong_type",
            "kp must be a byte string (bin).",
            mp::encode(&map(vec![
                ("type", s("pose")),
                ("t", V::U(T)),
                ("kp", V::U(1)),
            ])),
            error("malformed"),
        ),
        bad(
            "pose_kp_str",
            "kp sent as a str (here valid UTF-8) of a block's exact length is refused: kp is a bin.",
            pose_with_value(V::S(String::from_utf8(ascii_block()).expect("ASCII"))),
            error("malformed"),
        ),
        bad(
            "pose_kp_array",
            "kp sent as an array of the block's byte values is refused: kp is a bin.",
            pose_with_value(V::Arr(
                ascii_block()
                    .into_iter()
                    .map(|b| V::U(u64::from(b)))
                    .collect(),
            )),
            error("malformed"),
        ),
        bad(
            "pose_bad_model",
            "Model byte 3 names no model.",
            with_header(3, 0),
            pose_error("unknown_model"),
        ),
        bad(
            "pose_reserved_flags",
            "Flag bit 1 is reserved and must be zero.",
            with_header(1, 0b10),
            pose_error("reserved_flags"),
        ),
        bad(
            "pose_wrong_size",
            "A BlazePose-33 block one byte short (166, not 167).",
            pose_with(block[..166].to_vec()),
            pose_error("wrong_length"),
        ),
        bad(
            "pose_depth_flag_mismatch",
            "The depth flag set on a 167-byte block (with depth it is 200).",
            with_header(1, 1),
            pose_error("wrong_length"),
        ),
        bad(
            "pose_empty_block",
            "An empty keypoint block.",
            pose_with(vec![]),
            pose_error("wrong_length"),
        ),
        bad_msg(
            "hello_empty_sdk",
            "Strings are 1 character or more.",
            sdk(""),
            invalid_field("sdk"),
        ),
        bad_msg(
            "hello_sdk_too_long",
            "sdk is at most 64 characters; this has 65.",
            sdk(&"a".repeat(65)),
            invalid_field("sdk"),
        ),
        bad_msg(
            "hello_sdk_control_char",
            "Human-readable strings carry no control characters.",
            sdk("breakroom\n"),
            invalid_field("sdk"),
        ),
        bad_msg(
            "hello_version_too_long",
            "sdk_version is at most 32 characters; this has 33.",
            hello("breakroom-client-ts", &"1".repeat(33), TOKEN, None),
            invalid_field("sdk_version"),
        ),
        bad_msg(
            "hello_token_too_long",
            "token is at most 3072 bytes; this has 3073.",
            token(&"t".repeat(3073)),
            invalid_field("token"),
        ),
        bad_msg(
            "hello_token_not_printable",
            "token is printable ASCII: no spaces.",
            token("abc def"),
            invalid_field("token"),
        ),
        bad_msg(
            "hello_resume_too_long",
            "resume is at most 128 bytes; this has 129.",
            resume(&"r".repeat(129)),
            invalid_field("resume"),
        ),
        bad_msg(
            "hello_resume_empty",
            "resume, when present, is not empty.",
            resume(""),
            invalid_field("resume"),
        ),
        bad_msg(
            "refresh_token_empty",
            "refresh needs a token: unlike hello's, it is never empty.",
            refresh(""),
            invalid_field("token"),
        ),
        bad_msg(
            "refresh_token_too_long",
            "refresh's token is at most 3072 bytes, like hello's; this has 3073.",
            refresh(&"t".repeat(3073)),
            invalid_field("token"),
        ),
        bad_msg(
            "refresh_token_not_printable",
            "refresh's token is printable ASCII, like hello's: no spaces.",
            refresh("abc def"),
            invalid_field("token"),
        ),
        bad(
            "refresh_without_token",
            "refresh without `token`.",
            mp::encode(&map(vec![("type", s("refresh")), ("seq", V::U(12))])),
            error("malformed"),
        ),
        bad_msg(
            "join_room_too_long",
            "room is at most 32 characters; this has 33.",
            join(&"K".repeat(33), Participant, Sharing::Room),
            invalid_field("room"),
        ),
        bad_msg(
            "join_room_empty",
            "room is not empty.",
            join("", Participant, Sharing::Room),
            invalid_field("room"),
        ),
        bad_msg(
            "score_reps_above_bound",
            "reps is at most 100000.",
            score("squat", 100_001, 0),
            invalid_field("reps"),
        ),
        bad_msg(
            "score_active_ms_above_bound",
            "active_ms is at most 86400000 (24 h).",
            score("squat", 0, 86_400_001),
            invalid_field("active_ms"),
        ),
        bad_msg(
            "score_exercise_uppercase",
            "Exercise ids are lowercase letters, digits and _.",
            score("Squat", 1, 0),
            invalid_field("exercise"),
        ),
        bad_msg(
            "score_exercise_too_long",
            "Exercise ids are at most 32 bytes; this has 33.",
            score(&"s".repeat(33), 1, 0),
            invalid_field("exercise"),
        ),
        bad_msg(
            "control_kick_without_target",
            "kick needs a target.",
            control(ControlAction::Kick, None),
            invalid_field("target"),
        ),
        bad_msg(
            "control_make_cohost_without_target",
            "make_cohost needs a target.",
            control(ControlAction::MakeCohost, None),
            invalid_field("target"),
        ),
    ]
}
