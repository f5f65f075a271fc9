//! Breakroom's room engine: one live session of an active office break, as a deterministic,
//! sans-IO state machine.
//!
//! A [`Room`] takes inputs as `handle_*(now, ...)` calls (joins, resumes, leaves, drops,
//! skeletons, score reports, facilitator controls, reactions, timeouts) and hands back
//! [`Output`]s through [`Room::poll_output`]: messages to send (to a list of members, encoded
//! once by the host), connections to close, and the session's one [`SessionSummary`] to
//! persist. [`Room::poll_timeout`] says when the room next needs [`Room::handle_timeout`].
//!
//! # Lifecycle
//!
//! lobby → countdown → (exercise → rest)… → results → closed. Facilitators start, pause,
//! resume, skip and end; cues (3-2-1, go, beats, halfway, rest, next up, done) carry the server
//! instant they take effect at and are sent `lead_us` ahead. An empty room closes itself.
//!
//! # Codemap
//!
//! - `room.rs`: the [`Room`], joins and resumes; `control.rs`: facilitator controls;
//!   `activity.rs`: skeletons, scores, reactions; `presence.rs`: presence and host handover;
//!   `timers.rs`: deadlines and the ways a session ends; `latency.rs`: members' round trips
//!   and the lead of the first cue after a start, resume or skip.
//! - `session.rs`: the phase state machine and score windows; `timeline.rs`: the cue plan.
//! - `members.rs`: the roster of places; `relay.rs`: latest skeletons and frames;
//!   `scores.rs`: capped counters and flags; `scoreboard.rs`: ranking and its pacing;
//!   `summary.rs`: the session summary.
//! - [`Catalogue`]: the exercises, compiled in from `catalogue.json`.
//! - [`plausible`]: whether a skeleton is a plausible human body, judged before it is relayed.
//! - [`detect`]: the exercise [`Detector`] that counts reps from keypoints (no room state).
//!
//! # Invariants
//!
//! - Never reads a clock, spawns, locks, touches sockets or serializes: time is the `now` of
//!   each input, and time never goes backwards for a room.
//! - Never panics on any input; a refused input returns a [`RoomError`] and changes nothing.
//! - Every cue is sent with `cue.at >= now + lead_us`; a host that wakes up late shifts the
//!   remaining timeline instead of sending a cue too late. The first cue after a start, a
//!   resume or a skip gets more when a member is slow: `slowest round trip +
//!   first_cue_margin_us` (the round trips are inputs, [`Room::handle_round_trip`]).
//! - Capacity (members excluding viewers) is never exceeded.
//! - Only each participant's latest skeleton is kept (to relay, and its latest accepted one to
//!   judge the next by), and skeletons appear in nothing but relayed frames: never in
//!   snapshots, scores or summaries.
//! - Only plausible human bodies are relayed, in their canonical form ([`plausible`]).
//! - Accepted scores never decrease.
//! - A session that started produces exactly one summary; one that never started, none.
//! - `Output::Send` and `Output::Poses` list connected members only, and never an empty list.

mod activity;
mod catalogue;
mod config;
mod control;
pub mod detect;
mod error;
mod latency;
mod members;
mod output;
pub mod plausible;
mod presence;
mod relay;
mod room;
mod scoreboard;
mod scores;
mod session;
mod summary;
mod timeline;
mod timers;

pub use breakroom_protocol::{
    ControlAction, Cue, CueKind, EndReason, ErrorCode, Micros, Participant, ParticipantId, Phase,
    PhaseState, PoseBlock, PresenceChange, Program, Reaction, RequestedRole, Role, Scoreboard,
    ServerMsg, SessionSummary, Sharing, Step,
};
pub use catalogue::{Catalogue, CatalogueError, Exercise, Input, Names, Unit};
pub use config::{
    ACTIVE_SLACK_MS, BURST_REPS, JoinRequest, MAX_BPM, MAX_CAPACITY, MAX_CUES,
    MAX_FIRST_CUE_LEAD_US, MAX_STEP_MS, MAX_VIEWERS, MIN_EXERCISE_MS, RoomConfig, SCORE_GRACE_US,
};
pub use detect::{Detector, DetectorPhase, Reading};
pub use error::RoomError;
pub use output::Output;
pub use room::{Room, RoomInfo};
pub use scores::{MIN_VERIFIED_FRAMES, mismatch_tolerance};

/// A member of a room: the host's handle for one connection (for example its connection id).
///
/// A participant keeps its [`ParticipantId`] across reconnects; each connection is a new
/// member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemberId(pub u64);
