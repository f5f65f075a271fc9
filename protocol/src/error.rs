//! Decoding errors and WebSocket close codes.

use crate::pose::PoseError;

/// Why bytes from the wire were refused. Every violation has its own variant.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The frame is larger than the direction's maximum message size.
    #[error("message is {size} bytes, the limit is {max}")]
    TooLarge {
        /// Size received.
        size: usize,
        /// Limit in force.
        max: usize,
    },
    /// Not a MessagePack map of the expected shape (wrong types, missing fields, bad bytes).
    #[error("malformed message: {0}")]
    Malformed(String),
    /// The map has no string `type` field.
    #[error("message has no `type` field")]
    MissingType,
    /// The `type` is one this version does not know. Receivers ignore such messages.
    #[error("unknown message type `{0}`")]
    UnknownType(String),
    /// Bytes follow the one MessagePack value of the frame.
    #[error("{0} bytes after the message")]
    TrailingBytes(usize),
    /// A field's value is out of its documented bounds.
    #[error("field `{field}` {reason}")]
    Invalid {
        /// The field's name on the wire.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The keypoint block does not follow the layout.
    #[error("bad keypoint block: {0}")]
    Pose(#[from] PoseError),
}

/// WebSocket close codes the server uses, with the reason string sent alongside.
pub mod close {
    /// Normal closure: the client left, or the session is over.
    pub const NORMAL: u16 = 1000;
    /// The server is shutting down.
    pub const GOING_AWAY: u16 = 1001;
    /// The client broke the protocol: undecodable frames, a text frame, no `hello` first.
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// A policy was violated: no `hello` in time, a rejected token, persistent rate-limit abuse.
    pub const POLICY: u16 = 1008;
    /// A frame was larger than the maximum message size.
    pub const TOO_BIG: u16 = 1009;
    /// The server failed.
    pub const INTERNAL: u16 = 1011;
    /// A facilitator removed this participant.
    pub const KICKED: u16 = 4000;
    /// The same participant resumed on another connection.
    pub const REPLACED: u16 = 4001;
    /// The client read too slowly: its outbox stayed full.
    pub const SLOW_CONSUMER: u16 = 4002;
    /// The room closed.
    pub const ROOM_CLOSED: u16 = 4003;
    /// Signed out: the user logged out, or their web session was revoked or expired.
    pub const SIGNED_OUT: u16 = 4004;
    /// The connection's access token expired without a `refresh`.
    pub const TOKEN_EXPIRED: u16 = 4005;
    /// The access token was revoked (by its id), or the embedding app that issued it was
    /// disabled.
    pub const REVOKED: u16 = 4006;
}
