//! What the application hears: typed events, and how server messages become them.

use breakroom_protocol::{
    Cue, ErrorCode, Limits, Micros, Participant, ParticipantId, PeerPose, PhaseState,
    PresenceChange, Program, Reaction, ScoreFlag, Scoreboard, ServerMsg, SessionSummary,
};

/// The whole state of a room, as sent on join and on resume.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// Room code.
    pub room: String,
    /// Session id (for `GET /v1/sessions/{id}`).
    pub session: String,
    /// This client's participant id in the room.
    pub you: ParticipantId,
    /// Whether the room refuses new joins.
    pub locked: bool,
    /// The program.
    pub program: Program,
    /// Where the session stands.
    pub phase: PhaseState,
    /// The cues still to come.
    pub timeline: Vec<Cue>,
    /// Everyone in the room.
    pub participants: Vec<Participant>,
    /// The scoreboard.
    pub scoreboard: Scoreboard,
    /// Flagged reports so far (facilitators only).
    pub flags: Vec<ScoreFlag>,
}

/// Something that happened on the connection or in the room.
///
/// Every event is delivered, in order, except [`Event::Poses`]: pose frames never queue. A
/// frame the application has not read yet is merged with the next one, so an application that
/// reads slowly gets the newest skeleton of every participant, never a backlog. Other events may
/// overtake a frame not yet read, but never one holding the skeleton of a participant who has
/// left: that skeleton is dropped when the [`PresenceChange::Left`] is delivered.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The room's whole state: after every successful join (including the one
    /// [`crate::Client::join`] returns), after a resume and after a rejoin.
    Snapshot(Box<Snapshot>),
    /// A synchronized cue; act on it at [`crate::Client::local_instant`] of `cue.at`
    /// ([`crate::CueSchedule`] says when, never dropping one that is due).
    Cue(Cue),
    /// The skeletons that changed since the previous frame.
    ///
    /// A frame carries only the skeletons that changed since the room's previous frame (the
    /// server sends every visible one instead when it could not deliver the previous frame in
    /// time), so an application keeps the latest skeleton per participant, keyed by
    /// [`PeerPose::p`], and updates it with each frame. When the application reads slowly,
    /// the frames it has not read are merged into one: per participant the newest skeleton
    /// wins, and a participant missing from a newer frame keeps its skeleton from an older
    /// one. So it gets the newest skeleton of every participant, never a backlog.
    ///
    /// No frame says that a skeleton is gone (its participant left or stopped sharing): drop
    /// a skeleton once its capture time [`PeerPose::t`] is old.
    Poses {
        /// Server time of the room's tick (of the newest frame, when frames were merged).
        t: Micros,
        /// The skeletons that changed, one per participant, sorted by participant id.
        poses: Vec<PeerPose>,
    },
    /// The scoreboard changed.
    Scoreboard(Scoreboard),
    /// A member joined, left, dropped, came back or changed role.
    Presence {
        /// What happened.
        change: PresenceChange,
        /// The member as it is now.
        participant: Participant,
    },
    /// The session's phase changed; `timeline` replaces every cue still to come (a cue held
    /// and already due stays due: see [`crate::CueSchedule`]).
    Phase {
        /// Where the session stands now.
        phase: PhaseState,
        /// The cues still to come.
        timeline: Vec<Cue>,
    },
    /// A score report was flagged (facilitators only), or the figures of a flag already told
    /// changed: a flag with the same `p`, `exercise`, `reason` and `at` replaces the one held.
    Flag(ScoreFlag),
    /// A member reacted.
    Reaction {
        /// Who.
        p: ParticipantId,
        /// What.
        reaction: Reaction,
    },
    /// The room was locked or unlocked by its host or a co-host; a joiner learns the state
    /// from [`Snapshot::locked`]. Sent only on a change.
    Lock {
        /// Whether the room now refuses new joins.
        locked: bool,
    },
    /// The session is over: its summary. The server then closes the connection with 1000
    /// (the client ends, without reconnecting).
    Summary(SessionSummary),
    /// The server refused a message that no call is waiting on (a score, a control, a
    /// reaction, a leave, a pose), or a rejoin after a refused resume failed.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
        /// The `seq` of the refused message (as the sending call returned it), if it had one.
        seq: Option<u32>,
    },
    /// The connection dropped abnormally; reconnection attempt `attempt` (from 1) is starting.
    Reconnecting {
        /// Which attempt, counting from 1.
        attempt: u32,
    },
    /// The connection is back and the room place was resumed (right after the
    /// [`Event::Snapshot`] of the resumed room).
    /// Also sent after a reconnection when the client was not in a room.
    Resumed,
    /// The connection is back but the resume was refused (the grace period had passed), so the
    /// client joined the room again by its code, possibly as a new participant id (right after
    /// the new [`Event::Snapshot`]).
    Rejoined,
    /// The server accepted a new access token ([`crate::Client::refresh`], or the automatic
    /// refresh of [`crate::ClientOptions::token_source`]): the connection runs on it, and
    /// reconnections present it.
    Refreshed {
        /// When the new token expires, in seconds since the Unix epoch.
        expires_at: u64,
    },
    /// An automatic refresh failed: the token source gave no token, or the server refused the
    /// one it gave. The client tries again (sooner and sooner) until the token expires, unless
    /// the server answered `unsupported` (it has no refresh); if none succeeds, the server
    /// closes the connection with 4005 ([`Event::Closed`]).
    RefreshFailed {
        /// Why (the source's error, or the server's).
        reason: String,
    },
    /// The connection is closed for good; no event follows.
    ///
    /// Besides the codes of a session's end (1000, 4003) and of a misbehaving client, three say
    /// that the credentials ended, and the client never reconnects after them:
    /// [`close::SIGNED_OUT`](breakroom_protocol::close::SIGNED_OUT) (4004: the user signed out,
    /// or their web session ended), [`close::TOKEN_EXPIRED`](breakroom_protocol::close::TOKEN_EXPIRED)
    /// (4005: the token expired without a refresh) and
    /// [`close::REVOKED`](breakroom_protocol::close::REVOKED) (4006: the token was revoked or its
    /// app disabled). [`Event::credentials_ended`] tells them apart.
    Closed {
        /// The WebSocket close code (see [`breakroom_protocol::close`]); 1006 when the
        /// connection dropped without one and was not re-established.
        code: u16,
        /// The reason sent with it, or why the client gave up.
        reason: String,
    },
}

impl Event {
    /// Whether this is the close of a connection whose credentials ended (4004 signed out,
    /// 4005 token expired, 4006 revoked): the application needs a new sign-in or token, not a
    /// retry.
    pub fn credentials_ended(&self) -> bool {
        use breakroom_protocol::close::{REVOKED, SIGNED_OUT, TOKEN_EXPIRED};
        matches!(self, Event::Closed { code, .. } if [SIGNED_OUT, TOKEN_EXPIRED, REVOKED].contains(code))
    }
}

/// A decoded server message, sorted by who handles it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Incoming {
    /// `welcome` outside the handshake: unexpected, ignored.
    Welcome,
    /// A `snapshot`: answers a join or a resume.
    Snapshot(Box<Snapshot>),
    /// A `pong` for the clock.
    Pong { t0: Micros, t1: Micros, t2: Micros },
    /// An `error`, maybe answering a pending request.
    Error {
        code: ErrorCode,
        message: String,
        seq: Option<u32>,
    },
    /// A `refreshed`, answering a `refresh`.
    Refreshed { seq: u32, expires_at: u64 },
    /// A `poses` frame, merged into the frame the application has not read yet, if any.
    Poses { t: Micros, poses: Vec<PeerPose> },
    /// Everything else goes to the application as is.
    Event(Event),
}

/// The fields of a `welcome`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Welcome {
    pub(crate) conn: u64,
    pub(crate) resume: String,
    pub(crate) server_time: Micros,
    pub(crate) limits: Limits,
    /// When the token expires (Unix seconds); `None` when the server does not say.
    pub(crate) expires_at: Option<u64>,
}

/// Sorts a server message.
pub(crate) fn incoming(msg: ServerMsg) -> Incoming {
    match msg {
        ServerMsg::Welcome { .. } => Incoming::Welcome,
        ServerMsg::Snapshot {
            room,
            session,
            you,
            locked,
            program,
            phase,
            timeline,
            participants,
            scoreboard,
            flags,
        } => Incoming::Snapshot(Box::new(Snapshot {
            room,
            session,
            you,
            locked,
            program,
            phase,
            timeline,
            participants,
            scoreboard,
            flags,
        })),
        ServerMsg::Pong { t0, t1, t2 } => Incoming::Pong { t0, t1, t2 },
        ServerMsg::Error { code, message, seq } => Incoming::Error { code, message, seq },
        ServerMsg::Poses { t, poses } => Incoming::Poses { t, poses },
        ServerMsg::Presence {
            change,
            participant,
        } => Incoming::Event(Event::Presence {
            change,
            participant,
        }),
        ServerMsg::Cue { cue } => Incoming::Event(Event::Cue(cue)),
        ServerMsg::Scoreboard { scoreboard } => Incoming::Event(Event::Scoreboard(scoreboard)),
        ServerMsg::Phase { phase, timeline } => Incoming::Event(Event::Phase { phase, timeline }),
        ServerMsg::Flag { flag } => Incoming::Event(Event::Flag(flag)),
        ServerMsg::Reaction { p, reaction } => Incoming::Event(Event::Reaction { p, reaction }),
        ServerMsg::Lock { locked } => Incoming::Event(Event::Lock { locked }),
        ServerMsg::Summary { summary } => Incoming::Event(Event::Summary(summary)),
        ServerMsg::Refreshed { seq, expires_at } => Incoming::Refreshed { seq, expires_at },
    }
}

#[cfg(test)]
mod tests {
    use breakroom_protocol::{CueKind, Phase, decode_server, encode_server};

    use super::*;

    fn phase(phase: Phase) -> PhaseState {
        PhaseState {
            phase,
            step: Some(0),
            since: 10,
            until: Some(20),
            paused: false,
        }
    }

    /// Every server message, through the real codec, sorts into the expected bucket.
    #[test]
    fn server_messages_sort_into_events() {
        let cue = Cue {
            id: 1,
            kind: CueKind::Go,
            at: 5,
            step: 0,
            exercise: Some("squats".into()),
            n: None,
            seed: None,
        };
        let check = |msg: ServerMsg, expected: Incoming| {
            let decoded = decode_server(&encode_server(&msg)).expect("valid message");
            assert_eq!(incoming(decoded), expected, "{}", msg.kind());
        };
        check(
            ServerMsg::Cue { cue: cue.clone() },
            Incoming::Event(Event::Cue(cue.clone())),
        );
        check(
            ServerMsg::Phase {
                phase: phase(Phase::Exercise),
                timeline: vec![cue.clone()],
            },
            Incoming::Event(Event::Phase {
                phase: phase(Phase::Exercise),
                timeline: vec![cue],
            }),
        );
        check(
            ServerMsg::Pong {
                t0: 1,
                t1: 2,
                t2: 3,
            },
            Incoming::Pong {
                t0: 1,
                t1: 2,
                t2: 3,
            },
        );
        check(
            ServerMsg::Error {
                code: ErrorCode::RoomFull,
                message: "full".into(),
                seq: Some(4),
            },
            Incoming::Error {
                code: ErrorCode::RoomFull,
                message: "full".into(),
                seq: Some(4),
            },
        );
        check(
            ServerMsg::Scoreboard {
                scoreboard: Scoreboard::default(),
            },
            Incoming::Event(Event::Scoreboard(Scoreboard::default())),
        );
        check(
            ServerMsg::Reaction {
                p: ParticipantId(3),
                reaction: Reaction::Clap,
            },
            Incoming::Event(Event::Reaction {
                p: ParticipantId(3),
                reaction: Reaction::Clap,
            }),
        );
        check(
            ServerMsg::Refreshed {
                seq: 6,
                expires_at: 1_767_226_200,
            },
            Incoming::Refreshed {
                seq: 6,
                expires_at: 1_767_226_200,
            },
        );
        check(
            ServerMsg::Lock { locked: true },
            Incoming::Event(Event::Lock { locked: true }),
        );
        check(
            ServerMsg::Poses {
                t: 9,
                poses: vec![],
            },
            Incoming::Poses {
                t: 9,
                poses: vec![],
            },
        );

        let snapshot = Snapshot {
            room: "ABCD-EFGH".into(),
            session: "s1".into(),
            you: ParticipantId(2),
            locked: false,
            program: Program {
                name: "Quick".into(),
                steps: vec![breakroom_protocol::Step {
                    exercise: "squats".into(),
                    duration_ms: 20_000,
                    rest_ms: 5_000,
                    bpm: None,
                }],
            },
            phase: phase(Phase::Lobby),
            timeline: vec![],
            participants: vec![],
            scoreboard: Scoreboard::default(),
            flags: vec![],
        };
        let s = snapshot.clone();
        check(
            ServerMsg::Snapshot {
                room: s.room,
                session: s.session,
                you: s.you,
                locked: s.locked,
                program: s.program,
                phase: s.phase,
                timeline: s.timeline,
                participants: s.participants,
                scoreboard: s.scoreboard,
                flags: s.flags,
            },
            Incoming::Snapshot(Box::new(snapshot)),
        );
    }
}
