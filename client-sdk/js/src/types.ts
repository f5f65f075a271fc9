// The wire types of breakroom.v1 (protocol/PROTOCOL.md). Field names are the wire's; times
// are u64 microseconds as plain numbers (all below 2^53).

/** Microseconds. Server times are on the server's clock (µs since the Unix epoch). */
export type Micros = number;
/** A participant's id within one room, stable across reconnects. */
export type ParticipantId = number;

export type RequestedRole = 'facilitator' | 'participant' | 'viewer';
export type Role = 'facilitator' | 'cohost' | 'participant' | 'viewer';
export type Sharing = 'room' | 'facilitators' | 'nobody';
export type PhaseName = 'lobby' | 'countdown' | 'exercise' | 'rest' | 'results' | 'closed';
export type PresenceState = 'present' | 'reconnecting';
export type ReactionKind =
  | 'clap'
  | 'cheer'
  | 'heart'
  | 'laugh'
  | 'thumbs_up'
  | 'wave'
  | 'fire'
  | 'strong';
export type CueKind = 'countdown' | 'go' | 'beat' | 'halfway' | 'rest' | 'next_up' | 'done';
export type FlagReason = 'too_fast' | 'wrong_exercise' | 'mismatch';
export type EndReason = 'completed' | 'facilitator' | 'room_closed' | 'shutdown';
export type PresenceChange = 'joined' | 'left' | 'reconnecting' | 'resumed' | 'role_changed';
export type ControlAction =
  | 'start'
  | 'pause'
  | 'resume'
  | 'skip'
  | 'end'
  | 'lock'
  | 'unlock'
  | 'kick'
  | 'make_cohost';
/** Error codes; any code this version does not know reads as `unknown`. */
export type ErrorCode =
  | 'bad_message'
  | 'unsupported'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'room_full'
  | 'room_locked'
  | 'rate_limited'
  | 'not_in_room'
  | 'already_joined'
  | 'invalid_state'
  | 'score_decreased'
  | 'unknown_exercise'
  | 'internal'
  | 'unknown';
export type PoseModelName = 'blaze_pose33' | 'coco17';

export interface Participant {
  id: ParticipantId;
  name: string;
  role: Role;
  presence: PresenceState;
  team?: string;
}

export interface Step {
  exercise: string;
  duration_ms: number;
  rest_ms: number;
  bpm?: number;
}

export interface Program {
  name: string;
  steps: Step[];
}

export interface PhaseState {
  phase: PhaseName;
  step?: number;
  since: Micros;
  until?: Micros;
  paused: boolean;
}

export interface Cue {
  id: number;
  kind: CueKind;
  at: Micros;
  step: number;
  exercise?: string;
  n?: number;
  /** The seed of the step's game, on every cue of a reach-game step: `reachTargets(seed, n)`
   * gives its targets, the same on every device and on the server. */
  seed?: number;
}

export interface PeerPose {
  p: ParticipantId;
  t: Micros;
  /** The keypoint block; `unpackKeypoints` reads it. */
  kp: Uint8Array;
}

export interface ScoreEntry {
  p: ParticipantId;
  points: number;
  reps: number;
  active_ms: number;
  verified: boolean;
}

export interface TeamScore {
  team: string;
  points: number;
}

export interface Scoreboard {
  ranking: ScoreEntry[];
  total: number;
  teams: TeamScore[];
}

export interface ScoreFlag {
  p: ParticipantId;
  exercise: string;
  reason: FlagReason;
  claimed: number;
  accepted: number;
  detected?: number;
  at: Micros;
}

export interface ExerciseResult {
  exercise: string;
  reps: number;
  points: number;
  active_ms: number;
  verified: boolean;
}

export interface ParticipantSummary {
  p: ParticipantId;
  user: string;
  name: string;
  team?: string;
  results: ExerciseResult[];
  flags: ScoreFlag[];
}

export interface SessionSummary {
  session: string;
  room: string;
  program: string;
  started_at: Micros;
  ended_at: Micros;
  end: EndReason;
  participants: ParticipantSummary[];
}

export interface Limits {
  max_message_bytes: number;
  pose_hz: number;
  score_hz: number;
  control_hz: number;
}

// ---- client → server ----

export interface HelloMsg {
  type: 'hello';
  seq: number;
  sdk: string;
  sdk_version: string;
  /** The access token, or `''`: act as the user of the session cookie sent with the upgrade. */
  token: string;
  resume?: string;
}
export interface JoinMsg {
  type: 'join';
  seq: number;
  room: string;
  role: RequestedRole;
  sharing: Sharing;
}
export interface LeaveMsg {
  type: 'leave';
  seq: number;
}
export interface PoseMsg {
  type: 'pose';
  t: Micros;
  kp: Uint8Array;
}
export interface ScoreMsg {
  type: 'score';
  seq: number;
  exercise: string;
  reps: number;
  active_ms: number;
}
export interface PingMsg {
  type: 'ping';
  t0: Micros;
}
export interface ControlMsg {
  type: 'control';
  seq: number;
  action: ControlAction;
  target?: ParticipantId;
}
export interface ClientReactionMsg {
  type: 'reaction';
  seq: number;
  reaction: ReactionKind;
}
/** A new access token for the connection, before the current one expires. */
export interface RefreshMsg {
  type: 'refresh';
  seq: number;
  token: string;
}
export type ClientMsg =
  | HelloMsg
  | JoinMsg
  | LeaveMsg
  | PoseMsg
  | ScoreMsg
  | PingMsg
  | ControlMsg
  | ClientReactionMsg
  | RefreshMsg;

// ---- server → client ----

export interface WelcomeMsg {
  type: 'welcome';
  conn: number;
  resume: string;
  server_time: Micros;
  limits: Limits;
  /** When the connection's token expires, in Unix seconds; absent for a cookie session. */
  expires_at?: number;
}
export interface SnapshotMsg {
  type: 'snapshot';
  room: string;
  session: string;
  you: ParticipantId;
  locked: boolean;
  program: Program;
  phase: PhaseState;
  timeline: Cue[];
  participants: Participant[];
  scoreboard: Scoreboard;
  flags: ScoreFlag[];
}
export interface PresenceMsg {
  type: 'presence';
  change: PresenceChange;
  participant: Participant;
}
export interface PongMsg {
  type: 'pong';
  t0: Micros;
  t1: Micros;
  t2: Micros;
}
export interface CueMsg {
  type: 'cue';
  cue: Cue;
}
export interface PosesMsg {
  type: 'poses';
  t: Micros;
  poses: PeerPose[];
}
export interface ScoreboardMsg {
  type: 'scoreboard';
  scoreboard: Scoreboard;
}
export interface PhaseMsg {
  type: 'phase';
  phase: PhaseState;
  timeline: Cue[];
}
export interface FlagMsg {
  type: 'flag';
  flag: ScoreFlag;
}
export interface ServerReactionMsg {
  type: 'reaction';
  p: ParticipantId;
  reaction: ReactionKind;
}
/** The room was locked or unlocked (sent only on a change; a joiner reads `snapshot.locked`). */
export interface LockMsg {
  type: 'lock';
  locked: boolean;
}
export interface SummaryMsg {
  type: 'summary';
  summary: SessionSummary;
}
/** The answer to an accepted `refresh`: the connection runs on the new token. */
export interface RefreshedMsg {
  type: 'refreshed';
  seq: number;
  /** When the new token expires, in Unix seconds. */
  expires_at: number;
}
export interface ErrorMsg {
  type: 'error';
  code: ErrorCode;
  message: string;
  seq?: number;
}
export type ServerMsg =
  | WelcomeMsg
  | SnapshotMsg
  | PresenceMsg
  | PongMsg
  | CueMsg
  | PosesMsg
  | ScoreboardMsg
  | PhaseMsg
  | FlagMsg
  | ServerReactionMsg
  | LockMsg
  | SummaryMsg
  | RefreshedMsg
  | ErrorMsg;

/** The whole state of a room, sent on join and on resume (a `snapshot` without `type`). */
export type Snapshot = Omit<SnapshotMsg, 'type'>;

// ---- catalogue (GET /v1/exercises, rooms/catalogue.json) ----

/** What a device runs to take part in an exercise: the camera's pose detector, the reach
 * game (camera, hands; `Cue.seed` picks the targets), or the microphone (never verified). */
export type ExerciseInput = 'pose' | 'reach' | 'sound';

export interface Exercise {
  id: string;
  names: { en: string; sv: string };
  /** What the device runs to count it. */
  input: ExerciseInput;
  /** A short instruction: how to do it. */
  how: { en: string; sv: string };
  unit: 'reps' | 'seconds';
  max_per_min: number;
  points_per_unit: number;
  thresholds?: Record<string, number>;
}

export interface Catalogue {
  version: number;
  exercises: Exercise[];
}
