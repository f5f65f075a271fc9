//! Messages the server sends to clients.

use serde::{Deserialize, Serialize};

use crate::types::*;

/// A message from the server to a client: one MessagePack map with a `type` field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The answer to a valid `hello`.
    Welcome {
        /// This connection's id.
        conn: u64,
        /// Opaque token to resume this connection's place after a drop (send it in `hello`).
        resume: String,
        /// The server's clock when it sent this.
        server_time: Micros,
        /// The limits in force.
        limits: Limits,
        /// When the connection's access token expires, in seconds since the Unix epoch (absent
        /// for a session-cookie connection, or from a server that does not say): refresh before.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_at: Option<u64>,
    },
    /// The whole state of the room, sent on join and on resume.
    Snapshot {
        /// Room code.
        room: String,
        /// Session id.
        session: String,
        /// The receiver's own participant id.
        you: ParticipantId,
        /// Whether the room refuses new joins.
        locked: bool,
        /// The program.
        program: Program,
        /// Where the session stands.
        phase: PhaseState,
        /// The cues still to come (none in the past).
        timeline: Vec<Cue>,
        /// Everyone in the room.
        participants: Vec<Participant>,
        /// The scoreboard.
        scoreboard: Scoreboard,
        /// Flagged reports so far (facilitators only; empty for others).
        flags: Vec<ScoreFlag>,
    },
    /// Someone joined, left, dropped, came back or changed role.
    Presence {
        /// What happened.
        change: PresenceChange,
        /// The member, as it is now.
        participant: Participant,
    },
    /// The answer to a `ping`.
    Pong {
        /// The client's `t0`, echoed.
        t0: Micros,
        /// Server time when the ping was received.
        t1: Micros,
        /// Server time when the pong was sent.
        t2: Micros,
    },
    /// A synchronized cue.
    Cue {
        /// The cue.
        cue: Cue,
    },
    /// The latest skeletons of the room, on the room's tick.
    Poses {
        /// Server time of the tick.
        t: Micros,
        /// Latest skeleton of each participant the receiver may see (at most 1 s old).
        poses: Vec<PeerPose>,
    },
    /// The scoreboard changed.
    Scoreboard {
        /// The scoreboard.
        scoreboard: Scoreboard,
    },
    /// The session's phase changed (start, pause, resume, skip, next step, end).
    Phase {
        /// Where the session stands now.
        phase: PhaseState,
        /// The cues still to come, replacing any the client holds (pause and skip cancel cues).
        timeline: Vec<Cue>,
    },
    /// A score report was flagged (facilitators only).
    Flag {
        /// The flag.
        flag: ScoreFlag,
    },
    /// A reaction from a member.
    Reaction {
        /// From whom.
        p: ParticipantId,
        /// Which.
        reaction: Reaction,
    },
    /// The room was locked or unlocked by its host or a co-host (sent to everyone connected,
    /// only when the state changes; a joiner learns it from the snapshot's `locked`).
    Lock {
        /// Whether the room now refuses new joins.
        locked: bool,
    },
    /// The session is over: its one summary.
    Summary {
        /// The summary.
        summary: SessionSummary,
    },
    /// The answer to an accepted `refresh`: the connection now runs on the new token.
    Refreshed {
        /// The `seq` of the `refresh`.
        seq: u32,
        /// When the new token expires, in seconds since the Unix epoch.
        expires_at: u64,
    },
    /// A client message was refused.
    Error {
        /// Machine-readable code.
        code: ErrorCode,
        /// Human-readable explanation (English).
        message: String,
        /// The `seq` of the client message this answers, if it had one.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        seq: Option<u32>,
    },
}

/// What happened to a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresenceChange {
    /// Joined the room.
    Joined,
    /// Left the room (or the grace period ran out, or was kicked).
    Left,
    /// Connection dropped; the place is kept for the grace period.
    Reconnecting,
    /// Came back within the grace period.
    Resumed,
    /// Role changed (co-host made, host handed over).
    RoleChanged,
}

/// Error codes of [`ServerMsg::Error`]. Clients must treat codes they do not know as `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The message could not be decoded or failed validation.
    BadMessage,
    /// A message type this server does not support.
    Unsupported,
    /// The token is missing, expired, forged or for another room.
    Unauthorized,
    /// The token or role does not allow this (e.g. a participant's control).
    Forbidden,
    /// No such room (or participant, for `kick`).
    NotFound,
    /// The room is at capacity.
    RoomFull,
    /// The room is locked.
    RoomLocked,
    /// Over a rate limit; the message was dropped.
    RateLimited,
    /// The message needs a joined room.
    NotInRoom,
    /// Already in a room on this connection.
    AlreadyJoined,
    /// Not possible in the session's current phase.
    InvalidState,
    /// A cumulative counter went down.
    ScoreDecreased,
    /// An exercise id not in the room's program.
    UnknownExercise,
    /// The server failed; not the client's fault.
    Internal,
    /// A code this version does not know.
    #[serde(other)]
    Unknown,
}

impl ServerMsg {
    /// The message's `type` tag, as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            ServerMsg::Welcome { .. } => "welcome",
            ServerMsg::Snapshot { .. } => "snapshot",
            ServerMsg::Presence { .. } => "presence",
            ServerMsg::Pong { .. } => "pong",
            ServerMsg::Cue { .. } => "cue",
            ServerMsg::Poses { .. } => "poses",
            ServerMsg::Scoreboard { .. } => "scoreboard",
            ServerMsg::Phase { .. } => "phase",
            ServerMsg::Flag { .. } => "flag",
            ServerMsg::Reaction { .. } => "reaction",
            ServerMsg::Lock { .. } => "lock",
            ServerMsg::Summary { .. } => "summary",
            ServerMsg::Refreshed { .. } => "refreshed",
            ServerMsg::Error { .. } => "error",
        }
    }
}
