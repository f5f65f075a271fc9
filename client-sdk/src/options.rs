//! Configuration of a client and of a join.

use std::time::Duration;

use breakroom_protocol::{RequestedRole, Sharing};

use crate::token::TokenSource;

/// The SDK's name as sent in `hello`.
pub const SDK_NAME: &str = "breakroom-client-rs";

/// How a [`crate::Client`] behaves. Start from [`ClientOptions::default`] and change fields.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientOptions {
    /// Re-establish the connection after abnormal drops (default `true`).
    pub reconnect: bool,
    /// Ceiling of the first reconnection delay; it doubles per attempt (default 250 ms).
    pub backoff_base: Duration,
    /// Largest reconnection delay (default 10 s).
    pub backoff_max: Duration,
    /// Give up after this many failed attempts in a row (default `None`: never give up).
    pub max_reconnect_attempts: Option<u32>,
    /// The SDK name sent in `hello` (default [`SDK_NAME`]).
    pub sdk_name: String,
    /// The SDK version sent in `hello` (default this crate's version).
    pub sdk_version: String,
    /// Time between clock-sync pings once the first burst is done, for the life of the
    /// connection (default 1 s: the estimate keeps the best samples of the last minute).
    pub ping_interval: Duration,
    /// Pings sent 50 ms apart after each connection and reconnection, for a quick first
    /// estimate (default 16; the server's ping budget allows a burst of 16 plus one a second).
    pub ping_burst: u32,
    /// Most pose frames sent per second; the server's `limits.pose_hz` caps it too (default 15).
    pub max_pose_hz: u16,
    /// Events buffered for the application before the client stops reading the socket
    /// (default 1024). Pose frames are not counted: unread ones are merged into one.
    pub event_capacity: usize,
    /// How long the handshake, a `join` and a `refresh` may take (default 10 s).
    pub request_timeout: Duration,
    /// Where fresh access tokens come from (default `None`: the token given to
    /// [`crate::Client::connect_with`] is used for the client's whole life). With a source, the
    /// client refreshes its token in-band shortly before it expires and asks for a new one
    /// before every reconnection; see [`TokenSource`].
    pub token_source: Option<TokenSource>,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            reconnect: true,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(10),
            max_reconnect_attempts: None,
            sdk_name: SDK_NAME.to_owned(),
            sdk_version: env!("CARGO_PKG_VERSION").to_owned(),
            ping_interval: Duration::from_secs(1),
            ping_burst: 16,
            max_pose_hz: 15,
            event_capacity: 1024,
            request_timeout: Duration::from_secs(10),
            token_source: None,
        }
    }
}

/// How to join a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JoinOptions {
    /// The role asked for; the token must grant it.
    pub role: RequestedRole,
    /// Who may see this member's skeleton.
    pub sharing: Sharing,
}

impl JoinOptions {
    /// A participant sharing their skeleton with the room.
    pub fn participant() -> Self {
        JoinOptions {
            role: RequestedRole::Participant,
            sharing: Sharing::Room,
        }
    }

    /// The facilitator (the token must grant control).
    pub fn facilitator() -> Self {
        JoinOptions {
            role: RequestedRole::Facilitator,
            sharing: Sharing::Room,
        }
    }

    /// A shared screen that only watches.
    pub fn viewer() -> Self {
        JoinOptions {
            role: RequestedRole::Viewer,
            sharing: Sharing::Nobody,
        }
    }
}

impl Default for JoinOptions {
    /// [`JoinOptions::participant`].
    fn default() -> Self {
        JoinOptions::participant()
    }
}
