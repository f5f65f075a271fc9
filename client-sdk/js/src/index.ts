// @breakroom/client: the TypeScript SDK of breakroom (browsers and Node 20+).

export {
  BreakroomClient,
  BreakroomError,
  Tracker,
  SDK_NAME,
  SDK_VERSION,
  SUBPROTOCOL,
  backoffCeiling,
  reconnectable,
} from './client.js';
export type {
  BreakroomErrorKind,
  ClientOptions,
  Events,
  JoinOptions,
  WebSocketConstructor,
  WebSocketLike,
} from './client.js';
export type {
  ClockEvent,
  ClosedEvent,
  ErrorEvent,
  EventHandler,
  EventName,
  LockEvent,
  PhaseEvent,
  PosesEvent,
  PresenceEvent,
  ReactionEvent,
  ReconnectingEvent,
  RefreshFailedEvent,
  RefreshedEvent,
  RejoinFailedEvent,
} from './events.js';
export {
  CLIENT_TYPES,
  CodecError,
  MAX_CLIENT_MSG_BYTES,
  MAX_DEPTH,
  MAX_SERVER_MSG_BYTES,
  SERVER_TYPES,
  decodeClient,
  decodeServer,
  encodeClient,
  encodeServer,
} from './codec.js';
export type { DecodeErrorKind, UnknownType } from './codec.js';
export { CueSchedule, cueOrder } from './cues.js';
export {
  CLOSE_REVOKED,
  CLOSE_SIGNED_OUT,
  CLOSE_TOKEN_EXPIRED,
  credentialsEnded,
  refreshDelayMs,
} from './refresh.js';
export type { TokenSource } from './refresh.js';
export type { CueClock, CuesDue } from './cues.js';
export { ClockSync, MAX_SAMPLES, SAMPLES, WINDOW_US, sampleOffset, sampleRoundTrip } from './clock.js';
export type { Sample } from './clock.js';
export {
  BASELINE_SMOOTHING_TAU_US,
  BASELINE_WARMUP_US,
  CONFIDENCE_TAU_US,
  Detector,
  HOLD_SMOOTHING_TAU_US,
  MAX_HOLD_GAP_US,
  MIN_HOLD_MS,
  SMOOTHING_TAU_US,
  builtinCatalogue,
  squatState,
} from './detect.js';
export type { DetectorLandmark, DetectorPhase, Reading } from './detect.js';
export { HttpError, createRoom, devToken, exercises, websocketUrl } from './http.js';
export type { CreateRoomRequest, DevToken, DevTokenRequest, RoomCreated } from './http.js';
export {
  PoseError,
  blockLength,
  checkBlock,
  landmarkCount,
  normalizePose,
  packKeypoints,
  rawKeypoints,
  unpackKeypoints,
} from './pose.js';
export type {
  Landmark,
  LandmarkLike,
  PoseErrorKind,
  PoseInput,
  PoseOptions,
  RawKeypoints,
} from './pose.js';
export type * from './types.js';
export {
  REACH_AREA,
  REACH_MAX_TARGETS,
  REACH_MIN_STEP,
  REACH_MIN_VISIBILITY,
  REACH_RADIUS,
  ReachGame,
  reachHit,
  reachTargetSequence,
  reachTargets,
  stepSeed,
} from './games/reach.js';
export type { ReachLandmark, ReachTarget } from './games/reach.js';
