//! Messages a client sends to the server.

use serde::{Deserialize, Serialize};

use crate::pose::PoseBlock;
use crate::{Micros, ParticipantId, Reaction, RequestedRole, Sharing};

/// A message from a client to the server: one MessagePack map with a `type` field.
///
/// Every message except `pose` and `ping` carries `seq`, a number the client chooses (usually
/// counting up) that the server quotes in an [`crate::ServerMsg::Error`] answering it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// The first message on every connection: who the client is and its access token.
    Hello {
        /// Client-chosen sequence number.
        seq: u32,
        /// The SDK's name, e.g. `breakroom-client-rs`.
        sdk: String,
        /// The SDK's version, e.g. `0.1.0`.
        sdk_version: String,
        /// The access token (a JWT), or empty to act as the user of the session cookie sent
        /// with the WebSocket upgrade (refused with `unauthorized` without a valid one).
        token: String,
        /// A resume token from an earlier `welcome`, to take back a dropped place in a room.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        resume: Option<String>,
    },
    /// Join a live room.
    Join {
        /// Client-chosen sequence number.
        seq: u32,
        /// The room's code, as people type it (case and separators are ignored).
        room: String,
        /// The role asked for; the token must grant it.
        role: RequestedRole,
        /// Who may see this participant's skeleton.
        sharing: Sharing,
    },
    /// Leave the room for good (a dropped connection keeps its place for the grace period).
    Leave {
        /// Client-chosen sequence number.
        seq: u32,
    },
    /// The latest skeleton the client's pose model computed.
    Pose {
        /// When the frame was captured, on the server's clock (the client's estimate).
        t: Micros,
        /// The quantized landmarks.
        kp: PoseBlock,
    },
    /// Cumulative counters for one exercise, as the client's detector counts them.
    Score {
        /// Client-chosen sequence number.
        seq: u32,
        /// Catalogue id of the exercise the counters belong to.
        exercise: String,
        /// Repetitions completed since the exercise began (cumulative, never decreasing).
        reps: u32,
        /// Milliseconds held in the target pose since the exercise began (cumulative).
        active_ms: u32,
    },
    /// Clock-sync request (NTP-style).
    Ping {
        /// The client's clock when it sent this, in microseconds (any epoch).
        t0: Micros,
    },
    /// A facilitator's control of the session.
    Control {
        /// Client-chosen sequence number.
        seq: u32,
        /// What to do.
        action: ControlAction,
        /// The participant it applies to (`kick` and `make_cohost` only).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        target: Option<ParticipantId>,
    },
    /// An emoji-style reaction, shown to the room.
    Reaction {
        /// Client-chosen sequence number.
        seq: u32,
        /// Which reaction.
        reaction: Reaction,
    },
    /// A new access token for this connection, before the current one expires (answered by
    /// [`crate::ServerMsg::Refreshed`] or an error quoting `seq`). It must name the same subject
    /// and issuer as the connection's token.
    Refresh {
        /// Client-chosen sequence number.
        seq: u32,
        /// The new access token (a JWT).
        token: String,
    },
}

/// Facilitator controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ControlAction {
    /// Start the room's program (from the lobby).
    Start,
    /// Pause the running session; the timeline stops.
    Pause,
    /// Resume a paused session; the remaining timeline shifts by the pause.
    Resume,
    /// Skip to the next step of the program.
    Skip,
    /// End the session now; the summary is produced.
    End,
    /// Refuse new joins.
    Lock,
    /// Accept new joins again.
    Unlock,
    /// Remove the `target` participant from the room.
    Kick,
    /// Make the `target` participant a co-host.
    MakeCohost,
}

impl ClientMsg {
    /// The message's `seq`, where it has one.
    pub fn seq(&self) -> Option<u32> {
        match self {
            ClientMsg::Hello { seq, .. }
            | ClientMsg::Join { seq, .. }
            | ClientMsg::Leave { seq }
            | ClientMsg::Score { seq, .. }
            | ClientMsg::Control { seq, .. }
            | ClientMsg::Reaction { seq, .. }
            | ClientMsg::Refresh { seq, .. } => Some(*seq),
            ClientMsg::Pose { .. } | ClientMsg::Ping { .. } => None,
        }
    }

    /// The message's `type` tag, as on the wire.
    pub fn kind(&self) -> &'static str {
        match self {
            ClientMsg::Hello { .. } => "hello",
            ClientMsg::Join { .. } => "join",
            ClientMsg::Leave { .. } => "leave",
            ClientMsg::Pose { .. } => "pose",
            ClientMsg::Score { .. } => "score",
            ClientMsg::Ping { .. } => "ping",
            ClientMsg::Control { .. } => "control",
            ClientMsg::Reaction { .. } => "reaction",
            ClientMsg::Refresh { .. } => "refresh",
        }
    }
}
