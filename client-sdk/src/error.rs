//! The SDK's one error type.

use breakroom_protocol::{DecodeError, ErrorCode, PoseError};

/// Why a call to the SDK failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No detector exists for this exercise id (see the catalogue).
    #[error("no detector for exercise `{0}`")]
    UnknownExercise(String),
    /// The URL is not a `ws://` (or, with the `rustls` feature, `wss://`) URL.
    #[error("invalid server URL: {0}")]
    InvalidUrl(String),
    /// The WebSocket connection could not be opened or broke.
    #[error("websocket: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    /// The server refused the WebSocket upgrade with this HTTP status.
    #[error("the server refused the connection with HTTP status {status}")]
    Rejected {
        /// The HTTP status of the refusal (e.g. 401, 403, 503).
        status: u16,
    },
    /// The server refused a request: an `error` message answering it.
    #[error("server refused the request ({code:?}): {message}")]
    Server {
        /// The machine-readable code.
        code: ErrorCode,
        /// The server's explanation.
        message: String,
    },
    /// The connection is closed for good (a close frame with this code, or [`crate::Client::close`]).
    #[error("connection closed ({code}): {reason}")]
    Closed {
        /// The WebSocket close code (see [`breakroom_protocol::close`]).
        code: u16,
        /// The reason sent with it.
        reason: String,
    },
    /// The connection dropped while the request was in flight; its outcome is unknown.
    #[error("the connection dropped before the server answered")]
    ConnectionLost,
    /// The client's background task is gone: the client was closed.
    #[error("the client is closed")]
    Disconnected,
    /// No answer (or no matching event) within the time allowed.
    #[error("timed out")]
    Timeout,
    /// The server sent something this SDK cannot make sense of.
    #[error("protocol violation by the server: {0}")]
    Protocol(String),
    /// A server message could not be decoded.
    #[error("undecodable server message: {0}")]
    Decode(#[from] DecodeError),
    /// The landmarks given do not make a valid keypoint block.
    #[error("invalid pose: {0}")]
    Pose(#[from] PoseError),
    /// A request the SDK refused to send: it breaks a bound of the protocol (e.g. an empty
    /// token given to [`crate::Client::refresh`]).
    #[error("invalid request: {0}")]
    Invalid(DecodeError),
    /// The [`crate::TokenSource`] failed to give a token.
    #[error("the token source failed: {0}")]
    TokenSource(String),
    /// Too many messages are queued while the connection is re-established; this one was refused.
    #[error("too many messages queued while reconnecting")]
    Backlog,
}

impl Error {
    /// Whether retrying the same connection can never succeed (bad token, refused upgrade,
    /// terminal close code), so reconnection stops.
    pub(crate) fn is_fatal(&self) -> bool {
        match self {
            Error::InvalidUrl(_) => true,
            Error::Rejected { status } => {
                (400..500).contains(status) && *status != 408 && *status != 429
            }
            Error::Server { code, .. } => {
                matches!(
                    code,
                    ErrorCode::Unauthorized | ErrorCode::Forbidden | ErrorCode::BadMessage
                )
            }
            Error::Closed { code, .. } => !crate::backoff::reconnectable(*code),
            _ => false,
        }
    }

    /// The close code and reason to report when this error ends the client for good.
    pub(crate) fn close_code(&self) -> (u16, String) {
        match self {
            Error::Closed { code, reason } => (*code, reason.clone()),
            Error::Rejected { .. } | Error::Server { .. } => {
                (breakroom_protocol::close::POLICY, self.to_string())
            }
            _ => (1006, self.to_string()),
        }
    }
}
