//! Value types shared by client and server messages.

use serde::{Deserialize, Serialize};

/// Server time: microseconds since the Unix epoch, on the server's clock.
pub type Micros = u64;

/// A participant's id within one room, stable across reconnects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ParticipantId(pub u32);

/// The role a client asks for when it joins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestedRole {
    /// Host the session (the token must grant `control`).
    Facilitator,
    /// Take part: send poses and scores.
    Participant,
    /// A shared screen: receives everything, sends nothing.
    Viewer,
}

/// A member's role in a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The host.
    Facilitator,
    /// A co-host: may control like the host, and takes over if the host drops.
    Cohost,
    /// A participant.
    Participant,
    /// A shared screen.
    Viewer,
}

impl Role {
    /// Whether this role may use facilitator controls.
    pub fn can_control(self) -> bool {
        matches!(self, Role::Facilitator | Role::Cohost)
    }
}

/// Who may see a participant's skeleton.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sharing {
    /// Everyone in the room.
    Room,
    /// Facilitators and co-hosts only.
    Facilitators,
    /// Nobody: the skeleton is used for nothing but the participant's own presence.
    Nobody,
}

/// The phase of a room's session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Waiting for the facilitator to start.
    Lobby,
    /// The 3-2-1 before the first exercise.
    Countdown,
    /// An exercise is running.
    Exercise,
    /// A rest between exercises.
    Rest,
    /// The program is over; results are shown.
    Results,
    /// The room is closed.
    Closed,
}

/// Presence of a member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    /// Connected.
    Present,
    /// Dropped, within the grace period.
    Reconnecting,
}

/// A reaction from a fixed set: reactions carry no free text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reaction {
    /// 👏
    Clap,
    /// 🎉
    Cheer,
    /// ❤️
    Heart,
    /// 😂
    Laugh,
    /// 👍
    ThumbsUp,
    /// 👋
    Wave,
    /// 🔥
    Fire,
    /// 💪
    Strong,
}

/// A member of a room as others see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    /// Room-local id.
    pub id: ParticipantId,
    /// Display name (1 to 64 characters).
    pub name: String,
    /// Role in the room.
    pub role: Role,
    /// Connected or within the grace period.
    pub presence: Presence,
    /// Team name, when teams are set (1 to 32 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}

/// One step of a program: an exercise, then an optional rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// Catalogue id of the exercise.
    pub exercise: String,
    /// How long the exercise runs, in milliseconds.
    pub duration_ms: u32,
    /// The rest after it, in milliseconds (0 for none).
    pub rest_ms: u32,
    /// Tempo for beat cues, in beats per minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bpm: Option<u16>,
}

/// An ordered list of exercises: what a session runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Program {
    /// Program name (1 to 64 characters).
    pub name: String,
    /// The steps, in order (1 to 32).
    pub steps: Vec<Step>,
}

/// Where a session stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PhaseState {
    /// The phase.
    pub phase: Phase,
    /// Index into the program's steps, in countdown, exercise and rest.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<u16>,
    /// When this phase began (server time).
    pub since: Micros,
    /// When this phase ends, if it is timed and not paused (server time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<Micros>,
    /// Whether the session is paused.
    pub paused: bool,
}

/// What a cue tells clients to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CueKind {
    /// A countdown number: `n` is 3, 2 or 1.
    Countdown,
    /// The exercise starts now.
    Go,
    /// A tempo beat: `n` counts beats from 1.
    Beat,
    /// Half of the exercise is done.
    Halfway,
    /// The exercise is over; rest begins.
    Rest,
    /// Announces the next exercise (`exercise`), during a rest.
    NextUp,
    /// The program is done.
    Done,
}

/// A synchronized cue: clients act on it at server time `at`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cue {
    /// Unique within the session, increasing in `at` order.
    pub id: u32,
    /// What to do.
    pub kind: CueKind,
    /// When to act, in server time.
    pub at: Micros,
    /// Index of the program step the cue belongs to.
    pub step: u16,
    /// The exercise the cue is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exercise: Option<String>,
    /// Countdown number or beat number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// The seed of the step's game, on every cue of a step whose exercise needs one (the
    /// reach game: the seed picks its targets, the same on every device and on the server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u32>,
}

/// One participant's latest skeleton in a relayed frame.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerPose {
    /// Whose skeleton.
    pub p: ParticipantId,
    /// When it was captured (server time, as the sender estimated it).
    pub t: Micros,
    /// The landmarks.
    pub kp: crate::PoseBlock,
}

/// One line of the scoreboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScoreEntry {
    /// The participant.
    pub p: ParticipantId,
    /// Points over the session.
    pub points: u32,
    /// Accepted reps over the session.
    pub reps: u32,
    /// Accepted active milliseconds over the session.
    pub active_ms: u32,
    /// Whether the participant's keypoints back the score: false while they stream no
    /// keypoints (camera off) during an exercise, so the server could not cross-check it.
    #[serde(default)]
    pub verified: bool,
}

/// A team's total.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamScore {
    /// Team name.
    pub team: String,
    /// The team's points.
    pub points: u32,
}

/// The live scoreboard.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Scoreboard {
    /// Participants, best first (ties by participant id).
    pub ranking: Vec<ScoreEntry>,
    /// The room's total points.
    pub total: u32,
    /// Team totals, best first; empty when no teams are set.
    pub teams: Vec<TeamScore>,
}

/// Why a score report was flagged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum FlagReason {
    /// More reps (or seconds) than the exercise's plausible maximum rate allows.
    TooFast,
    /// A score for an exercise that is not running.
    WrongExercise,
    /// More reps than the server detected in the participant's own keypoints, beyond the
    /// tolerance (`detected` says how many it saw).
    Mismatch,
}

/// A flagged score report: the claim was capped, and facilitators are told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScoreFlag {
    /// Who reported.
    pub p: ParticipantId,
    /// The exercise reported on.
    pub exercise: String,
    /// Why.
    pub reason: FlagReason,
    /// The cumulative count claimed.
    pub claimed: u32,
    /// The cumulative count accepted.
    pub accepted: u32,
    /// For `mismatch`: the reps the server detected in the participant's keypoints.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detected: Option<u32>,
    /// When (server time).
    pub at: Micros,
}

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum EndReason {
    /// The program ran to its end.
    Completed,
    /// A facilitator ended it.
    Facilitator,
    /// The room closed (idle, or the host never came back).
    RoomClosed,
    /// The server shut down.
    Shutdown,
}

/// A participant's result for one exercise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ExerciseResult {
    /// Catalogue id.
    pub exercise: String,
    /// Accepted reps.
    pub reps: u32,
    /// Points earned.
    pub points: u32,
    /// Accepted milliseconds in the target pose.
    pub active_ms: u32,
    /// Whether the participant streamed keypoints during this exercise, so that the server
    /// could cross-check the reported count ("unverified" when false: camera off).
    #[serde(default)]
    pub verified: bool,
}

/// One participant's part of a session summary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ParticipantSummary {
    /// Room-local id.
    pub p: ParticipantId,
    /// The user id from the access token.
    pub user: String,
    /// Display name at the time of the session.
    pub name: String,
    /// Team, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Results per exercise, in program order.
    pub results: Vec<ExerciseResult>,
    /// Flagged reports.
    pub flags: Vec<ScoreFlag>,
}

/// The one summary of a session: numbers only, never keypoints.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionSummary {
    /// Session id, unique per server.
    pub session: String,
    /// Room code.
    pub room: String,
    /// Program name.
    pub program: String,
    /// When the program started (server time).
    pub started_at: Micros,
    /// When the session ended (server time).
    pub ended_at: Micros,
    /// Why it ended.
    pub end: EndReason,
    /// Everyone who took part (participants only, not viewers).
    pub participants: Vec<ParticipantSummary>,
}

/// Limits the server enforces on this connection, announced in `welcome`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Largest client message accepted, in bytes.
    pub max_message_bytes: u32,
    /// Most pose frames per second.
    pub pose_hz: u16,
    /// Most score reports per second.
    pub score_hz: u16,
    /// Most control, reaction, join and leave messages per second, together.
    pub control_hz: u16,
}
