// What the client tells the application (Rust: client-sdk/src/event.rs): every event's name and
// the exact type of its payload, so that `client.on('flag', (f) => …)` is typed with no guessing.

import type {
  Cue,
  ErrorCode,
  ServerMsg,
  Micros,
  Participant,
  ParticipantId,
  PeerPose,
  PhaseState,
  PresenceChange,
  ReactionKind,
  ScoreFlag,
  Scoreboard,
  SessionSummary,
  Snapshot,
} from './types.js';

/** `poses`: skeletons that changed since the room's previous frame. */
export interface PosesEvent {
  /** The room's frame time, server µs. */
  t: Micros;
  poses: PeerPose[];
}
/** `presence`: someone joined, left, dropped, came back or changed role. */
export interface PresenceEvent {
  change: PresenceChange;
  participant: Participant;
}
/** `phase`: the room's phase changed. */
export interface PhaseEvent {
  phase: PhaseState;
  /** Every cue still to come, replacing those held before. */
  timeline: Cue[];
}
/** `reaction`: a participant reacted. */
export interface ReactionEvent {
  p: ParticipantId;
  reaction: ReactionKind;
}
/** `lock`: the room was locked or unlocked. */
export interface LockEvent {
  locked: boolean;
}
/** `error`: the server refused a message no call waits on. */
export interface ErrorEvent {
  code: ErrorCode;
  message: string;
  /** The `seq` of the refused message, if it had one. */
  seq?: number;
}
/** `reconnecting`: reconnection attempt `attempt` (from 1) starts. */
export interface ReconnectingEvent {
  attempt: number;
}
/** `rejoin_failed`: the connection is back, but the room could not be joined again. */
export interface RejoinFailedEvent {
  /** The server's code (`not_found` for a room that is gone, `internal` for no answer). */
  code: ErrorCode;
  message: string;
}
/** `refreshed`: the server accepted a new access token. */
export interface RefreshedEvent {
  /** When it expires, Unix seconds. */
  expires_at: number;
}
/** `refresh_failed`: an automatic refresh failed. */
export interface RefreshFailedEvent {
  reason: string;
}
/** `clock`: the clock-sync estimate changed. */
export interface ClockEvent {
  /** Server clock minus local clock (`performance.now()` in µs), µs. */
  offset: number;
  /** Half the best network round trip of the window, µs: how far off the offset may be on a
   * symmetric path (an asymmetric one biases it by half the difference, unseen). */
  uncertainty: number;
}
/** `closed`: the connection is closed for good. */
export interface ClosedEvent {
  /** The WebSocket close code (1006: dropped and not re-established). */
  code: number;
  reason: string;
}

/** Everything the client tells the application: event name → payload. */
export interface Events {
  /** The room's whole state: after every join, resume and rejoin. */
  snapshot: Snapshot;
  /** A synchronized cue: act on it at `cue.at` (`followCues` does it, never dropping one). */
  cue: Cue;
  /** Skeletons that changed since the room's previous frame (or, after falling behind, the latest of everyone): keep the latest per participant `p`. */
  poses: PosesEvent;
  scoreboard: Scoreboard;
  presence: PresenceEvent;
  /** The phase changed; `timeline` replaces every cue still to come (`followCues` keeps those already due). */
  phase: PhaseEvent;
  /**
   * A score report was flagged (facilitators only), or the figures of a flag already told
   * changed: a flag with the same `p`, `exercise`, `reason` and `at` replaces the one held.
   */
  flag: ScoreFlag;
  reaction: ReactionEvent;
  /** The room was locked or unlocked by its host or a co-host (only on a change; a joiner reads `snapshot.locked`). */
  lock: LockEvent;
  /** The session is over: its summary. The server then closes the connection with 1000 (a `closed` event; no reconnection). */
  summary: SessionSummary;
  /** The server refused a message no call waits on (score, control, …), or a rejoin failed. */
  error: ErrorEvent;
  /** The connection dropped abnormally; reconnection attempt `attempt` (from 1) starts. The
   * client keeps trying (with backoff) until `resumed`, `rejoined`, `rejoin_failed` or `closed`. */
  reconnecting: ReconnectingEvent;
  /** The connection is back and the place was resumed (right after its snapshot); also after
   * a reconnection when the client was in no room. */
  resumed: undefined;
  /** The resume was refused, the client joined the room again (right after the snapshot). */
  rejoined: undefined;
  /**
   * The connection is back, but the resume was refused and joining the room again failed too
   * (the room is gone, e.g. after a server restart or the session's end, or it refused the
   * client): the client is connected and in no room. Follows the `error` event of the refusal.
   */
  rejoin_failed: RejoinFailedEvent;
  /** The server accepted a new access token (`refresh()` or the automatic refresh). */
  refreshed: RefreshedEvent;
  /**
   * An automatic refresh failed: `getToken` threw, or the server refused its token. The client
   * tries again (sooner and sooner) while the token lives, unless the server answered
   * `unsupported` (it has no refresh); if none succeeds, the server closes with 4005 (`closed`).
   */
  refresh_failed: RefreshFailedEvent;
  /** The clock-sync estimate changed (on a ping's answer): `clockOffset()` and
   * `syncUncertainty()` as they now are. */
  clock: ClockEvent;
  /**
   * The connection is closed for good; nothing follows. 4004 (signed out), 4005 (token
   * expired) and 4006 (revoked) say the credentials ended: `credentialsEnded(code)`.
   */
  closed: ClosedEvent;
}

/** The name of an event. */
export type EventName = keyof Events;
/** A handler of event `K`. */
export type EventHandler<K extends EventName> = (payload: Events[K]) => void;

/** An event with its payload. */
export type Incoming = { [K in EventName]: { event: K; payload: Events[K] } }[EventName];

/**
 * The event a server message becomes when the application hears it as it is; `undefined` for
 * the messages the client handles itself (welcome, pong, snapshot, error, refreshed).
 */
export function incoming(msg: ServerMsg): Incoming | undefined {
  switch (msg.type) {
    case 'poses':
      return { event: 'poses', payload: { t: msg.t, poses: msg.poses } };
    case 'presence':
      return { event: 'presence', payload: { change: msg.change, participant: msg.participant } };
    case 'cue':
      return { event: 'cue', payload: msg.cue };
    case 'scoreboard':
      return { event: 'scoreboard', payload: msg.scoreboard };
    case 'phase':
      return { event: 'phase', payload: { phase: msg.phase, timeline: msg.timeline } };
    case 'flag':
      return { event: 'flag', payload: msg.flag };
    case 'reaction':
      return { event: 'reaction', payload: { p: msg.p, reaction: msg.reaction } };
    case 'lock':
      return { event: 'lock', payload: { locked: msg.locked } };
    case 'summary':
      return { event: 'summary', payload: msg.summary };
    default:
      return undefined;
  }
}

/** The handlers of each event; a handler that throws is logged and does not stop the others. */
export class Emitter {
  private readonly handlers = new Map<EventName, Set<(payload: never) => void>>();

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends EventName>(event: K, handler: EventHandler<K>): () => void {
    let set = this.handlers.get(event);
    if (set === undefined) {
      set = new Set();
      this.handlers.set(event, set);
    }
    set.add(handler as (payload: never) => void);
    return () => {
      set.delete(handler as (payload: never) => void);
    };
  }

  /** Emits an event built by `incoming`. */
  emitIncoming(e: Incoming): void {
    // `Incoming` pairs each name with its own payload (TypeScript checks that where it is built).
    this.emit<EventName>(e.event, e.payload);
  }

  emit<K extends EventName>(event: K, payload: Events[K]): void {
    const set = this.handlers.get(event);
    if (set === undefined) return;
    for (const h of [...set]) {
      try {
        (h as EventHandler<K>)(payload);
      } catch (e) {
        console.error(`breakroom: a \`${event}\` handler threw`, e);
      }
    }
  }
}
