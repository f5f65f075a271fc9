//! The one error type of the room engine.

use breakroom_protocol::ErrorCode;

use crate::plausible::Implausible;

/// Why a room refused an input. Nothing changed in the room when one is returned.
///
/// The host turns it into `ServerMsg::Error { code: err.code(), message: err.to_string(), .. }`;
/// every message is short, English and free of user data beyond an exercise id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RoomError {
    /// The room is closed; the host should drop it.
    #[error("the room is closed")]
    Closed,
    /// The member has no place in the room (never joined, left, or was replaced).
    #[error("not in this room")]
    NotInRoom,
    /// The member already holds a place in the room.
    #[error("already in this room")]
    AlreadyJoined,
    /// The role or the token does not allow this.
    #[error("{0}")]
    Forbidden(&'static str),
    /// The room is at capacity.
    #[error("the room is full")]
    RoomFull,
    /// The room refuses new joins.
    #[error("the room is locked")]
    RoomLocked,
    /// No such participant (kick, make co-host, resume).
    #[error("{0}")]
    NotFound(&'static str),
    /// Not possible in the session's current phase.
    #[error("{0}")]
    InvalidState(&'static str),
    /// The input is malformed (e.g. a control without its target).
    #[error("{0}")]
    BadRequest(&'static str),
    /// A cumulative score counter went down.
    #[error(
        "score counters may only increase (within an exercise, and within a stretch outside one)"
    )]
    ScoreDecreased,
    /// The exercise is not in the room's program (or, for a program, not in the catalogue).
    #[error("exercise `{0}` is not in this room's program")]
    UnknownExercise(String),
    /// The skeleton is not a plausible human body: dropped, counted, not relayed.
    #[error("implausible pose: {0}")]
    ImplausiblePose(Implausible),
    /// The room's configuration or program is unusable.
    #[error("invalid room configuration: {0}")]
    InvalidConfig(&'static str),
}

impl RoomError {
    /// The protocol error code for this refusal.
    pub fn code(&self) -> ErrorCode {
        match self {
            RoomError::Closed | RoomError::NotFound(_) => ErrorCode::NotFound,
            RoomError::NotInRoom => ErrorCode::NotInRoom,
            RoomError::AlreadyJoined => ErrorCode::AlreadyJoined,
            RoomError::Forbidden(_) => ErrorCode::Forbidden,
            RoomError::RoomFull => ErrorCode::RoomFull,
            RoomError::RoomLocked => ErrorCode::RoomLocked,
            RoomError::InvalidState(_) => ErrorCode::InvalidState,
            RoomError::BadRequest(_)
            | RoomError::ImplausiblePose(_)
            | RoomError::InvalidConfig(_) => ErrorCode::BadMessage,
            RoomError::ScoreDecreased => ErrorCode::ScoreDecreased,
            RoomError::UnknownExercise(_) => ErrorCode::UnknownExercise,
        }
    }
}
