// BreakroomClient: one WebSocket connection to a breakroom server, modelled on the Rust SDK
// (client-sdk/src/driver): clock sync, pacing to the server's limits, reconnection with
// resume or rejoin, and typed events.

import { CodecError, decodeServer, encodeClient } from './codec.js';
import { ClockSync, type Sample } from './clock.js';
import { CueSchedule, type CuesDue } from './cues.js';
import { Detector, type Reading } from './detect.js';
import { normalizePose, packKeypoints, type Landmark, type PoseInput, type PoseOptions } from './pose.js';
import { Refresher, type TokenSource } from './refresh.js';
import type {
  ClientMsg,
  ControlAction,
  Cue,
  ErrorCode,
  Limits,
  Participant,
  PeerPose,
  PhaseState,
  PoseModelName,
  PresenceChange,
  ReactionKind,
  RequestedRole,
  ScoreFlag,
  Scoreboard,
  ServerMsg,
  SessionSummary,
  Sharing,
  Snapshot,
  WelcomeMsg,
} from './types.js';

/** The subprotocol offered at the upgrade. */
export const SUBPROTOCOL = 'breakroom.v1';
/** The SDK's name as sent in `hello`. */
export const SDK_NAME = 'breakroom-client-ts';
/** The SDK's version as sent in `hello`. */
export const SDK_VERSION = '0.1.0';

const FIRST_SEQ = 1;
const OUTBOX_MAX = 64;
const SCORES_MAX = 32;
const BURST_SPACING_MS = 100;
const CLOSE_WAIT_MS = 2000;
const ABNORMAL = 1006;

/** The part of the WebSocket API the client uses (browsers' `WebSocket`, the `ws` package). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string | { toString(): string } }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  /** `ws` only: drop the connection without a closing handshake. */
  terminate?: () => void;
}
/** A WebSocket constructor: `globalThis.WebSocket` or `(await import('ws')).WebSocket`. */
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => unknown;

export interface ClientOptions {
  /** Re-establish the connection after abnormal drops (default true). */
  reconnect?: boolean;
  /** Most pose frames sent per second; `limits.pose_hz` caps it too (default 15). */
  maxPoseHz?: number;
  /** The SDK name sent in `hello` (default `breakroom-client-ts`). */
  sdk?: string;
  /** The SDK version sent in `hello` (default this package's). */
  sdkVersion?: string;
  /** The WebSocket implementation (default the global one, else the `ws` package). */
  WebSocket?: WebSocketConstructor;
  /** Time between clock-sync pings after the first burst, ms (default 10000). */
  pingIntervalMs?: number;
  /** Pings sent 100 ms apart after each (re)connection (default 5). */
  pingBurst?: number;
  /** Ceiling of the first reconnection delay, doubled per attempt, ms (default 250). */
  backoffBaseMs?: number;
  /** Largest reconnection delay, ms (default 10000). */
  backoffMaxMs?: number;
  /** Give up after this many failed attempts in a row (default: never). */
  maxReconnectAttempts?: number;
  /** How long the handshake, a join and a refresh may take, ms (default 10000). */
  requestTimeoutMs?: number;
  /**
   * Where fresh access tokens come from (e.g. a call to the app's backend). With it, the
   * client refreshes its token in-band shortly before it expires (at 80 % of its remaining life
   * or 60 s before expiry, whichever is sooner, but not before half of it), and asks for a new
   * one before every reconnection. With it, `connect(url, '', …)` takes the first token from it
   * too.
   */
  getToken?: TokenSource;
  /**
   * Sign in with the session cookie: for a browser page signed in to the breakroom web app
   * (same site), whose browser sends the cookie with the WebSocket upgrade by itself. `hello`
   * then carries an empty token, and the connection lasts as long as the web session (it ends
   * with 4004 `signed out`). Same as passing `''` as the token without `getToken`.
   */
  cookie?: boolean;
}

export interface JoinOptions {
  /** The role asked for; the token must grant it (default `participant`). */
  role?: RequestedRole;
  /** Who may see this member's skeleton (default `room`; `nobody` for viewers). */
  sharing?: Sharing;
}

/** Everything the client tells the application. */
export interface Events {
  /** The room's whole state: after every join, resume and rejoin. */
  snapshot: Snapshot;
  /** A synchronized cue: act on it at `cue.at` (`followCues` does it, never dropping one). */
  cue: Cue;
  /** Skeletons that changed since the room's previous frame (or, after falling behind, the latest of everyone): keep the latest per participant `p`. */
  poses: { t: number; poses: PeerPose[] };
  scoreboard: Scoreboard;
  presence: { change: PresenceChange; participant: Participant };
  /** The phase changed; `timeline` replaces every cue still to come (`followCues` keeps those already due). */
  phase: { phase: PhaseState; timeline: Cue[] };
  /**
   * A score report was flagged (facilitators only), or the figures of a flag already told
   * changed: a flag with the same `p`, `exercise`, `reason` and `at` replaces the one held.
   */
  flag: ScoreFlag;
  reaction: { p: number; reaction: ReactionKind };
  /** The room was locked or unlocked by its host or a co-host (only on a change; a joiner reads `snapshot.locked`). */
  lock: { locked: boolean };
  /** The session is over: its summary. The server then closes the connection with 1000 (a `closed` event; no reconnection). */
  summary: SessionSummary;
  /** The server refused a message no call waits on (score, control, …), or a rejoin failed. */
  error: { code: ErrorCode; message: string; seq?: number };
  /** The connection dropped abnormally; reconnection attempt `attempt` (from 1) starts. */
  reconnecting: { attempt: number };
  /** The connection is back and the place was resumed (right after its snapshot). */
  resumed: undefined;
  /** The resume was refused, the client joined the room again (right after the snapshot). */
  rejoined: undefined;
  /** The server accepted a new access token (`refresh()` or the automatic refresh). */
  refreshed: { expires_at: number };
  /**
   * An automatic refresh failed: `getToken` threw, or the server refused its token. The client
   * tries again (sooner and sooner) while the token lives, unless the server answered
   * `unsupported` (it has no refresh); if none succeeds, the server closes with 4005 (`closed`).
   */
  refresh_failed: { reason: string };
  /**
   * The connection is closed for good; nothing follows. 4004 (signed out), 4005 (token
   * expired) and 4006 (revoked) say the credentials ended: `credentialsEnded(code)`.
   */
  closed: { code: number; reason: string };
}

export type BreakroomErrorKind =
  | 'closed'
  | 'connection_lost'
  | 'timeout'
  | 'server'
  | 'backlog'
  | 'unknown_exercise'
  | 'no_websocket'
  | 'protocol';

/** Why a call failed. */
export class BreakroomError extends Error {
  constructor(
    readonly kind: BreakroomErrorKind,
    message: string,
    /** For `server`: the server's error code. */
    readonly code?: ErrorCode,
    /** For `closed`: the WebSocket close code. */
    readonly closeCode?: number,
  ) {
    super(message);
    this.name = 'BreakroomError';
  }
}

/**
 * Whether a connection that ended with this close code should be re-established: only after
 * 1001, 1006, 1011 and 4002. Never after a code this version does not know, nor when the
 * credentials ended (4004, 4005, 4006: see `credentialsEnded`).
 */
export function reconnectable(code: number): boolean {
  return code === 1001 || code === ABNORMAL || code === 1011 || code === 4002;
}

/** The longest wait before reconnection attempt `attempt` (from 1). */
export function backoffCeiling(attempt: number, baseMs: number, maxMs: number): number {
  const doublings = Math.min(Math.max(attempt - 1, 0), 31);
  return Math.min(baseMs * 2 ** doublings, maxMs);
}

interface Handshake {
  ws: WebSocketLike;
  welcome: WelcomeMsg;
  helloSeq: number;
  resuming: boolean;
  sample: Sample;
  /** The token the `hello` carried. */
  token: string;
}

interface PendingJoin {
  seq: number;
  room: string;
  role: RequestedRole;
  sharing: Sharing;
  resolve: (s: Snapshot) => void;
  reject: (e: BreakroomError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

type Restoring = { kind: 'no' } | { kind: 'resume'; helloSeq: number } | { kind: 'rejoin'; seq: number };

interface Attempt {
  abort(): void;
}

const localMicros = (): number => Math.round(performance.now() * 1000);

async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (typeof g === 'function') return g;
  // A variable specifier, so that browser bundlers do not try to resolve `ws`.
  const name = 'ws';
  try {
    const mod = (await import(/* @vite-ignore */ name)) as {
      default?: WebSocketConstructor;
      WebSocket?: WebSocketConstructor;
    };
    const ctor = mod.WebSocket ?? mod.default;
    if (typeof ctor === 'function') return ctor;
  } catch {
    // fall through
  }
  throw new BreakroomError(
    'no_websocket',
    'no WebSocket implementation: install the `ws` package or pass options.WebSocket',
  );
}

function closeReason(r: unknown): string {
  return r === undefined || r === null ? '' : String(r);
}

export class BreakroomClient {
  private readonly opts: Required<
    Omit<ClientOptions, 'maxReconnectAttempts' | 'WebSocket' | 'getToken' | 'cookie'>
  > & {
    maxReconnectAttempts: number | undefined;
    getToken: TokenSource | undefined;
  };
  private readonly refresher: Refresher;
  private ws: WebSocketLike | null = null;
  private attempt: Attempt | null = null;
  private attemptTimer: ReturnType<typeof setTimeout> | undefined;
  private attempts = 0;
  private resumeToken: string | undefined;
  private limitsValue: Limits | undefined;
  private readonly clock = new ClockSync();
  private nextSeq = FIRST_SEQ;
  private room: { code: string; role: RequestedRole; sharing: Sharing } | null = null;
  private restoring: Restoring = { kind: 'no' };
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;
  private outbox: { msg: ClientMsg; join?: PendingJoin }[] = [];
  private readonly scores = new Map<string, ClientMsg>();
  private joins: PendingJoin[] = [];
  private nextControl = 0;
  private nextScore = 0;
  private nextPose = 0;
  private poseSlot: { t: number; kp: Uint8Array } | null = null;
  private flushTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setTimeout> | undefined;
  private burstLeft = 0;
  private lastHeard = 0;
  private closedWith: { code: number; reason: string } | null = null;
  private closing: (() => void) | null = null;
  private you: number | undefined;
  private readonly handlers = new Map<keyof Events, Set<(payload: never) => void>>();

  private constructor(
    private readonly url: string,
    private token: string,
    options: ClientOptions,
    private readonly WS: WebSocketConstructor,
  ) {
    this.opts = {
      reconnect: options.reconnect ?? true,
      maxPoseHz: options.maxPoseHz ?? 15,
      sdk: options.sdk ?? SDK_NAME,
      sdkVersion: options.sdkVersion ?? SDK_VERSION,
      pingIntervalMs: options.pingIntervalMs ?? 10_000,
      pingBurst: options.pingBurst ?? 5,
      backoffBaseMs: options.backoffBaseMs ?? 250,
      backoffMaxMs: options.backoffMaxMs ?? 10_000,
      maxReconnectAttempts: options.maxReconnectAttempts,
      requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
      getToken: options.getToken,
    };
    this.refresher = new Refresher(
      {
        seq: () => this.seq(),
        send: (msg) => this.send(msg),
        setToken: (token) => {
          this.token = token;
        },
        refreshed: (expiresAt) => this.emit('refreshed', { expires_at: expiresAt }),
        refreshFailed: (reason) => this.emit('refresh_failed', { reason }),
        error: (kind, message, code) => new BreakroomError(kind, message, code),
        timeoutMs: this.opts.requestTimeoutMs,
      },
      options.getToken,
    );
  }

  /**
   * Connects (`hello` → `welcome`). `url` is the WebSocket URL (see `websocketUrl`). `token` is
   * the access token; `''` (or `options.cookie`) signs in with the session cookie the browser
   * sends with the upgrade, unless `options.getToken` is set, which then gives the first token.
   */
  static async connect(url: string, token: string, options: ClientOptions = {}): Promise<BreakroomClient> {
    if (!/^wss?:\/\//.test(url)) {
      throw new TypeError(`${url}: expected a ws:// or wss:// URL (see websocketUrl)`);
    }
    if (options.cookie && (token !== '' || options.getToken !== undefined)) {
      throw new TypeError('options.cookie signs in with the session cookie: pass no token and no getToken');
    }
    if (token === '' && !options.cookie && options.getToken !== undefined) {
      token = await options.getToken();
    }
    const WS = options.WebSocket ?? (await defaultWebSocket());
    const client = new BreakroomClient(url, token, options, WS);
    await new Promise<void>((resolve, reject) => {
      client.attempt = client.handshake(
        client.seq(),
        undefined,
        (h) => {
          client.attempt = null;
          client.install(h);
          resolve();
        },
        (err) => {
          client.attempt = null;
          client.closedWith = { code: err.closeCode ?? ABNORMAL, reason: err.message };
          reject(err);
        },
      );
    });
    return client;
  }

  // ---- public API ----

  /** This client's participant id in its room, once joined. */
  get participantId(): number | undefined {
    return this.you;
  }

  /** The limits the server announced in its latest `welcome`. */
  get limits(): Limits | undefined {
    return this.limitsValue;
  }

  /** When the connection's token expires (Unix seconds), from the latest `welcome` or
   * `refreshed`; undefined for a cookie session or a server that does not say. */
  get tokenExpiresAt(): number | undefined {
    return this.refresher.expiresAt;
  }

  /**
   * Replaces the connection's access token in-band, without reconnecting: sends `refresh` and
   * resolves with the new token's expiry (Unix seconds) once the server accepted it (a
   * `refreshed` event follows too). The token must name the same user (subject and issuer).
   * Later reconnections present it. Rejects with a `BreakroomError`: `server` (`unauthorized`:
   * invalid, expired or another user's; `unsupported`: a cookie session or a server without
   * refresh), `connection_lost` while reconnecting (the token is kept for the reconnection),
   * `timeout`, `closed`; a `CodecError` for a token no server reads (empty, too long).
   */
  refresh(token: string): Promise<number> {
    if (this.closedWith) return Promise.reject(this.closedError());
    try {
      encodeClient({ type: 'refresh', seq: 0, token });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.refresher.refresh(token);
  }

  /** Subscribes to an event; returns the function that unsubscribes. */
  on<K extends keyof Events>(event: K, handler: (payload: Events[K]) => void): () => void {
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

  /** Joins a room by its code; resolves with the room's snapshot. */
  join(room: string, opts: JoinOptions = {}): Promise<Snapshot> {
    if (this.closedWith) return Promise.reject(this.closedError());
    if (this.outbox.length >= OUTBOX_MAX) {
      return Promise.reject(new BreakroomError('backlog', 'too many messages waiting'));
    }
    const role = opts.role ?? 'participant';
    const sharing = opts.sharing ?? (role === 'viewer' ? 'nobody' : 'room');
    const seq = this.seq();
    const msg: ClientMsg = { type: 'join', seq, room, role, sharing };
    try {
      encodeClient(msg);
    } catch (e) {
      return Promise.reject(e);
    }
    return new Promise<Snapshot>((resolve, reject) => {
      const join: PendingJoin = { seq, room, role, sharing, resolve, reject };
      join.timer = setTimeout(() => {
        this.outbox = this.outbox.filter((q) => q.join !== join);
        this.joins = this.joins.filter((j) => j !== join);
        reject(new BreakroomError('timeout', 'no answer to the join'));
      }, this.opts.requestTimeoutMs);
      this.outbox.push({ msg, join });
      this.scheduleFlush();
    });
  }

  /**
   * Sends the participant's latest skeleton: MediaPipe landmarks (normalized, 33) or TF.js
   * keypoints (pixels: pass `width` and `height`; 17 for MoveNet, 33 for BlazePose).
   * Latest wins, at most `min(maxPoseHz, limits.pose_hz)` a second; dropped when not in a room.
   */
  sendPose(landmarks: PoseInput, opts: PoseOptions = {}): void {
    const pose = normalizePose(landmarks, opts);
    this.sendNormalized(pose.model, pose.landmarks);
  }

  /** Reports cumulative counters for an exercise (newest per exercise, at `limits.score_hz`). */
  reportScore(exercise: string, reps: number, activeMs = 0): void {
    this.ensureOpen();
    const msg: ClientMsg = {
      type: 'score',
      seq: this.seq(),
      exercise,
      reps: Math.floor(reps),
      active_ms: Math.floor(activeMs),
    };
    encodeClient(msg);
    if (!this.scores.has(exercise) && this.scores.size >= SCORES_MAX) {
      throw new BreakroomError('backlog', 'too many score reports waiting');
    }
    // Counters are cumulative: a newer report replaces an unsent one, in its place.
    this.scores.set(exercise, msg);
    this.scheduleFlush();
  }

  start(): void {
    this.control('start');
  }
  pause(): void {
    this.control('pause');
  }
  resume(): void {
    this.control('resume');
  }
  skip(): void {
    this.control('skip');
  }
  end(): void {
    this.control('end');
  }
  lock(): void {
    this.control('lock');
  }
  unlock(): void {
    this.control('unlock');
  }
  kick(p: number): void {
    this.control('kick', p);
  }
  makeCohost(p: number): void {
    this.control('make_cohost', p);
  }

  react(reaction: ReactionKind): void {
    this.queue({ type: 'reaction', seq: this.seq(), reaction });
  }

  /** Leaves the room for good (a dropped connection would keep the place for a while). */
  leave(): void {
    this.queue({ type: 'leave', seq: this.seq() });
  }

  /** Leaves the room (if in one) and closes the connection with 1000. */
  async close(): Promise<void> {
    if (this.closedWith) return;
    this.cancelAttempt();
    const ws = this.ws;
    if (ws) {
      if (this.room && this.restoring.kind === 'no') this.send({ type: 'leave', seq: this.seq() });
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.closing = null;
          resolve();
        }, CLOSE_WAIT_MS);
        this.closing = () => {
          clearTimeout(timer);
          this.closing = null;
          resolve();
        };
        try {
          ws.close(1000, 'client closed');
        } catch {
          this.closing?.();
        }
      });
    }
    this.finish(1000, 'closed by the client');
  }

  /** The server's clock now, in µs (from `performance.now()` and the clock offset). */
  serverNow(): number {
    return this.clock.toServer(localMicros());
  }

  /** The `performance.now()` instant (ms) at which a server time (µs) happens. */
  toLocal(serverMicros: number): number {
    return (serverMicros - this.clock.offset()) / 1000;
  }

  /** Calls `cb` at a server instant (e.g. a cue's `at`); returns a function that cancels. */
  scheduleAt(serverMicros: number, cb: () => void): () => void {
    const delay = Math.max(0, this.toLocal(serverMicros) - performance.now());
    const timer = setTimeout(cb, delay);
    return () => clearTimeout(timer);
  }

  /** Server clock minus local clock (`performance.now()` in µs), from the best sample. */
  clockOffset(): number {
    return this.clock.offset();
  }

  /** Round trip of the best clock sample, in µs. */
  roundTrip(): number | undefined {
    return this.clock.roundTrip();
  }

  /**
   * Follows the room's cues on the server's clock and calls `onDue` with the cues that are due,
   * as soon as they are: in order (`at`, then `id`), all the cues due at one moment in one call,
   * and never dropping a cue that is due, however late the page's timers run (a `phase` whose
   * timeline no longer has a cue that was already due delivers it at once). See README "Cues".
   * Call it before `join` so that the snapshot's timeline is followed. When the client is
   * closed for good, cues still to come are cancelled. Returns a function that stops following.
   */
  followCues(onDue: CuesDue): () => void {
    const schedule = new CueSchedule({ now: () => this.serverNow(), at: (t, cb) => this.scheduleAt(t, cb) }, onDue);
    const offs = [
      this.on('cue', (cue) => schedule.add(cue)),
      this.on('phase', (m) => schedule.replace(m.timeline, m.phase)),
      this.on('snapshot', (s) => schedule.replace(s.timeline, s.phase)),
      // Closed for good: the cues already due are delivered, those still to come cancelled.
      this.on('closed', () => schedule.replace([])),
    ];
    return () => {
      for (const off of offs) off();
      schedule.clear();
    };
  }

  /** Counts an exercise locally and reports it; make one per exercise step (on its `go`). */
  track(exercise: string): Tracker {
    const detector = Detector.forExercise(exercise);
    if (detector === undefined) {
      throw new BreakroomError('unknown_exercise', `exercise \`${exercise}\` is not in the catalogue`);
    }
    return new Tracker(this, exercise, detector);
  }

  /** @internal Sends already normalized landmarks (the tracker's path). */
  sendNormalized(model: PoseModelName, landmarks: readonly Landmark[]): void {
    const kp = packKeypoints(model, landmarks);
    if (this.closedWith || this.ws === null) return;
    this.poseSlot = { t: this.serverNow(), kp };
    this.scheduleFlush();
  }

  // ---- internals: events ----

  private emit<K extends keyof Events>(event: K, payload: Events[K]): void {
    const set = this.handlers.get(event);
    if (set === undefined) return;
    for (const h of [...set]) {
      try {
        (h as (p: Events[K]) => void)(payload);
      } catch (e) {
        console.error(`breakroom: a \`${event}\` handler threw`, e);
      }
    }
  }

  private seq(): number {
    const seq = this.nextSeq;
    this.nextSeq = (this.nextSeq + 1) >>> 0;
    return seq;
  }

  private closedError(): BreakroomError {
    const c = this.closedWith ?? { code: ABNORMAL, reason: 'closed' };
    return new BreakroomError('closed', `closed (${c.code}): ${c.reason}`, undefined, c.code);
  }

  private ensureOpen(): void {
    if (this.closedWith) throw this.closedError();
  }

  private control(action: ControlAction, target?: number): void {
    const msg: ClientMsg = { type: 'control', seq: this.seq(), action };
    if (target !== undefined) msg.target = target;
    this.queue(msg);
  }

  private queue(msg: ClientMsg): void {
    this.ensureOpen();
    encodeClient(msg);
    if (this.outbox.length >= OUTBOX_MAX) {
      throw new BreakroomError('backlog', 'too many messages waiting');
    }
    this.outbox.push({ msg });
    this.scheduleFlush();
  }

  // ---- internals: connection ----

  /** Opens a socket, sends `hello`, waits for `welcome`; `onWelcome` runs synchronously on
   * its arrival, so that no message after it is missed. */
  private handshake(
    helloSeq: number,
    resume: string | undefined,
    onWelcome: (h: Handshake) => void,
    onFail: (err: BreakroomError & { fatal?: boolean }) => void,
  ): Attempt {
    let done = false;
    let ws: WebSocketLike;
    const fail = (err: BreakroomError, fatal: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      detach(ws);
      try {
        ws.close();
      } catch {
        // already closed
      }
      onFail(Object.assign(err, { fatal }));
    };
    const timer = setTimeout(
      () => fail(new BreakroomError('timeout', 'no welcome in time'), false),
      this.opts.requestTimeoutMs,
    );
    try {
      ws = new this.WS(this.url, SUBPROTOCOL) as WebSocketLike;
    } catch (e) {
      clearTimeout(timer);
      done = true;
      const err = new BreakroomError('protocol', `cannot open ${this.url}: ${String(e)}`);
      queueMicrotask(() => onFail(Object.assign(err, { fatal: true })));
      return { abort() {} };
    }
    ws.binaryType = 'arraybuffer';
    let t0 = 0;
    const token = this.token;
    ws.onopen = () => {
      const hello: ClientMsg = {
        type: 'hello',
        seq: helloSeq,
        sdk: this.opts.sdk,
        sdk_version: this.opts.sdkVersion,
        token,
      };
      if (resume !== undefined) hello.resume = resume;
      t0 = localMicros();
      try {
        ws.send(encodeClient(hello));
      } catch (e) {
        fail(new BreakroomError('protocol', `cannot send hello: ${String(e)}`), true);
      }
    };
    ws.onmessage = (ev) => {
      if (done) return;
      const msg = decodeFrame(ev.data);
      if (msg === undefined) return;
      const t3 = localMicros();
      if (msg.type === 'welcome') {
        done = true;
        clearTimeout(timer);
        detach(ws);
        onWelcome({
          ws,
          welcome: msg,
          helloSeq,
          resuming: resume !== undefined,
          sample: { t0, t1: msg.server_time, t2: msg.server_time, t3 },
          token,
        });
      } else if (msg.type === 'error') {
        const fatal = ['unauthorized', 'forbidden', 'bad_message'].includes(msg.code);
        fail(new BreakroomError('server', `${msg.code}: ${msg.message}`, msg.code), fatal);
      } else {
        fail(new BreakroomError('protocol', `\`${msg.type}\` before \`welcome\``), false);
      }
    };
    ws.onerror = () => {
      // A close event follows.
    };
    ws.onclose = (ev) => {
      const code = ev.code || ABNORMAL;
      const reason = closeReason(ev.reason);
      const err = new BreakroomError('closed', `closed (${code}) before welcome: ${reason}`, undefined, code);
      fail(err, !reconnectable(code));
    };
    return {
      abort: () => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        detach(ws);
        try {
          ws.close(1000, 'client closed');
        } catch {
          // ignore
        }
      },
    };
  }

  /** Takes over a welcomed connection. */
  private install(h: Handshake): void {
    const now = performance.now();
    const ws = h.ws;
    this.ws = ws;
    ws.onmessage = (ev) => {
      if (this.ws === ws) this.frame(ev.data);
    };
    ws.onclose = (ev) => {
      if (this.closing) {
        this.closing();
        return;
      }
      if (this.ws === ws) this.lost(ev.code || ABNORMAL, closeReason(ev.reason));
    };
    ws.onerror = () => {
      // A close event follows.
    };
    this.limitsValue = h.welcome.limits;
    this.resumeToken = h.welcome.resume;
    this.token = h.token;
    this.refresher.welcomed(h.welcome.server_time, h.welcome.expires_at);
    this.clock.add(h.sample);
    this.attempts = 0;
    clearTimeout(this.restoreTimer);
    if (h.resuming) {
      this.restoring = { kind: 'resume', helloSeq: h.helloSeq };
      this.restoreTimer = setTimeout(() => this.restoreTimedOut(), this.opts.requestTimeoutMs);
    } else {
      this.restoring = { kind: 'no' };
    }
    this.burstLeft = this.opts.pingBurst;
    this.lastHeard = now;
    this.nextControl = now;
    this.nextScore = now;
    this.nextPose = now;
    clearTimeout(this.pingTimer);
    this.pingTimer = setTimeout(() => this.ping(), 0);
    this.scheduleFlush();
  }

  private frame(data: unknown): void {
    this.lastHeard = performance.now();
    const msg = decodeFrame(data);
    if (msg === undefined) return;
    this.message(msg);
  }

  private message(msg: ServerMsg): void {
    switch (msg.type) {
      case 'welcome':
        return;
      case 'pong':
        this.clock.add({ t0: msg.t0, t1: msg.t1, t2: msg.t2, t3: localMicros() });
        return;
      case 'snapshot': {
        const { type: _type, ...snapshot } = msg;
        this.snapshot(snapshot);
        return;
      }
      case 'error':
        this.error(msg.code, msg.message, msg.seq);
        return;
      case 'poses':
        this.emit('poses', { t: msg.t, poses: msg.poses });
        return;
      case 'presence':
        this.emit('presence', { change: msg.change, participant: msg.participant });
        return;
      case 'cue':
        this.emit('cue', msg.cue);
        return;
      case 'scoreboard':
        this.emit('scoreboard', msg.scoreboard);
        return;
      case 'phase':
        this.emit('phase', { phase: msg.phase, timeline: msg.timeline });
        return;
      case 'flag':
        this.emit('flag', msg.flag);
        return;
      case 'reaction':
        this.emit('reaction', { p: msg.p, reaction: msg.reaction });
        return;
      case 'lock':
        this.emit('lock', { locked: msg.locked });
        return;
      case 'summary':
        this.emit('summary', msg.summary);
        return;
      case 'refreshed':
        if (!this.refresher.answered(msg.seq, msg.expires_at)) {
          console.warn(`breakroom: ignoring a \`refreshed\` that answers no refresh (seq ${msg.seq})`);
        }
        return;
    }
  }

  private snapshot(snapshot: Snapshot): void {
    this.you = snapshot.you;
    let restored: 'resumed' | 'rejoined' | undefined;
    if (this.restoring.kind === 'resume') restored = 'resumed';
    else if (this.restoring.kind === 'rejoin') restored = 'rejoined';
    else {
      const join = this.joins.shift();
      if (join) {
        clearTimeout(join.timer);
        this.room = { code: join.room, role: join.role, sharing: join.sharing };
        join.resolve(snapshot);
      }
    }
    this.restoring = { kind: 'no' };
    clearTimeout(this.restoreTimer);
    this.emit('snapshot', snapshot);
    if (restored) this.emit(restored, undefined);
    this.scheduleFlush();
  }

  private error(code: ErrorCode, message: string, seq: number | undefined): void {
    const r = this.restoring;
    if (r.kind === 'resume' && seq === r.helloSeq) {
      this.rejoin();
      return;
    }
    if (r.kind === 'rejoin' && seq === r.seq) {
      this.rejoinFailed(code, message, seq);
      return;
    }
    if (this.refresher.refused(seq, code, message)) return;
    const i = this.joins.findIndex((j) => j.seq === seq);
    if (i >= 0) {
      const [join] = this.joins.splice(i, 1);
      clearTimeout(join!.timer);
      join!.reject(new BreakroomError('server', `${code}: ${message}`, code));
      return;
    }
    const payload: Events['error'] = { code, message };
    if (seq !== undefined) payload.seq = seq;
    this.emit('error', payload);
  }

  /** Joins the remembered room again after a refused resume. */
  private rejoin(): void {
    const room = this.room;
    if (room === null) {
      this.restoring = { kind: 'no' };
      clearTimeout(this.restoreTimer);
      this.emit('resumed', undefined);
      this.scheduleFlush();
      return;
    }
    const seq = this.seq();
    const now = performance.now();
    this.restoring = { kind: 'rejoin', seq };
    clearTimeout(this.restoreTimer);
    this.restoreTimer = setTimeout(() => this.restoreTimedOut(), this.opts.requestTimeoutMs);
    this.nextControl = now + 1000 / Math.max(1, this.limitsValue?.control_hz ?? 1);
    this.send({ type: 'join', seq, room: room.code, role: room.role, sharing: room.sharing });
  }

  private rejoinFailed(code: ErrorCode, message: string, seq: number | undefined): void {
    this.restoring = { kind: 'no' };
    clearTimeout(this.restoreTimer);
    this.room = null;
    this.you = undefined;
    const payload: Events['error'] = { code, message };
    if (seq !== undefined) payload.seq = seq;
    this.emit('error', payload);
    this.scheduleFlush();
  }

  private restoreTimedOut(): void {
    const r = this.restoring;
    if (r.kind === 'resume') this.rejoin();
    else if (r.kind === 'rejoin') this.rejoinFailed('internal', 'no answer to the rejoin', r.seq);
  }

  /** The connection ended with `code`: reconnect or stop. */
  private lost(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      dropSocket(ws);
    }
    clearTimeout(this.pingTimer);
    clearTimeout(this.flushTimer);
    clearTimeout(this.restoreTimer);
    this.poseSlot = null;
    this.restoring = { kind: 'no' };
    for (const join of this.joins.splice(0)) {
      clearTimeout(join.timer);
      join.reject(new BreakroomError('connection_lost', 'the connection was lost'));
    }
    this.refresher.lost(() => new BreakroomError('connection_lost', 'the connection was lost'));
    if (!this.opts.reconnect || !reconnectable(code)) {
      this.finish(code, reason);
      return;
    }
    this.attempts = 1;
    this.emit('reconnecting', { attempt: 1 });
    this.startAttempt();
  }

  private startAttempt(): void {
    if (this.closedWith) return;
    const delay =
      Math.random() * backoffCeiling(this.attempts, this.opts.backoffBaseMs, this.opts.backoffMaxMs);
    const resume = this.room ? this.resumeToken : undefined;
    const seq = this.seq();
    this.attemptTimer = setTimeout(() => {
      this.attemptTimer = undefined;
      void this.attemptWithToken(seq, resume);
    }, delay);
  }

  /** A reconnection: a fresh token from `getToken` first (the one held may have expired). */
  private async attemptWithToken(seq: number, resume: string | undefined): Promise<void> {
    const getToken = this.opts.getToken;
    if (getToken !== undefined) {
      // Aborting this attempt while the token comes (close()) must stop it too.
      let aborted = false;
      this.attempt = { abort: () => (aborted = true) };
      try {
        this.token = await getToken();
      } catch (e) {
        if (aborted || this.closedWith) return;
        this.attempt = null;
        const message = `getToken failed: ${e instanceof Error ? e.message : String(e)}`;
        this.attemptFailed(Object.assign(new BreakroomError('protocol', message), { fatal: false }));
        return;
      }
      if (aborted || this.closedWith) return;
    }
    this.attempt = this.handshake(
      seq,
      resume,
      (h) => {
        this.attempt = null;
        this.install(h);
        if (!h.resuming) this.emit('resumed', undefined);
      },
      (err) => {
        this.attempt = null;
        this.attemptFailed(err);
      },
    );
  }

  private attemptFailed(err: BreakroomError & { fatal?: boolean }): void {
    if (this.closedWith) return;
    if (err.fatal) {
      this.finish(err.closeCode ?? 1008, err.message);
      return;
    }
    const max = this.opts.maxReconnectAttempts;
    if (max !== undefined && this.attempts >= max) {
      this.finish(ABNORMAL, `gave up after ${this.attempts} reconnection attempts: ${err.message}`);
      return;
    }
    this.attempts += 1;
    this.emit('reconnecting', { attempt: this.attempts });
    this.startAttempt();
  }

  private cancelAttempt(): void {
    clearTimeout(this.attemptTimer);
    this.attemptTimer = undefined;
    this.attempt?.abort();
    this.attempt = null;
  }

  /** Closes for good: fails everything waiting and emits `closed`. */
  private finish(code: number, reason: string): void {
    if (this.closedWith) return;
    this.cancelAttempt();
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      try {
        ws.close(1000, 'client closed');
      } catch {
        // ignore
      }
    }
    for (const t of [this.pingTimer, this.flushTimer, this.restoreTimer]) clearTimeout(t);
    this.closedWith = { code, reason };
    this.room = null;
    this.you = undefined;
    const err = this.closedError();
    for (const join of this.joins.splice(0)) {
      clearTimeout(join.timer);
      join.reject(err);
    }
    for (const q of this.outbox.splice(0)) {
      if (q.join) {
        clearTimeout(q.join.timer);
        q.join.reject(err);
      }
    }
    this.scores.clear();
    this.poseSlot = null;
    this.refresher.lost(() => err);
    this.emit('closed', { code, reason });
  }

  /** Sends a message now; on failure, handles the lost connection and returns false. */
  private send(msg: ClientMsg): boolean {
    const ws = this.ws;
    if (ws === null) return false;
    try {
      ws.send(encodeClient(msg));
      return true;
    } catch (e) {
      this.lost(ABNORMAL, `send failed: ${String(e)}`);
      return false;
    }
  }

  private ping(): void {
    const ws = this.ws;
    if (ws === null) return;
    const now = performance.now();
    const silence = Math.max(this.opts.pingIntervalMs * 3, 15_000);
    if (now - this.lastHeard > silence) {
      this.lost(ABNORMAL, 'the server stopped answering');
      return;
    }
    let next: number;
    if (this.burstLeft > 1) {
      this.burstLeft -= 1;
      next = BURST_SPACING_MS;
    } else {
      this.burstLeft = 0;
      next = this.opts.pingIntervalMs;
    }
    this.pingTimer = setTimeout(() => this.ping(), next);
    this.send({ type: 'ping', t0: localMicros() });
  }

  // ---- internals: pacing ----

  private nextDue(): number | undefined {
    if (this.ws === null || this.restoring.kind !== 'no') return undefined;
    const due: number[] = [];
    if (this.outbox.length > 0) due.push(this.nextControl);
    if (this.scores.size > 0) due.push(this.nextScore);
    if (this.poseSlot) due.push(this.nextPose);
    return due.length ? Math.min(...due) : undefined;
  }

  private scheduleFlush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const due = this.nextDue();
    if (due === undefined) return;
    this.flushTimer = setTimeout(() => this.flush(), Math.max(0, due - performance.now()));
  }

  private flush(): void {
    // Timers may fire a little early on some clocks: allow a millisecond.
    const now = performance.now() + 1;
    if (this.ws !== null && now >= this.nextControl) this.flushControl(now);
    if (this.ws !== null && now >= this.nextScore) this.flushScore(now);
    if (this.ws !== null && this.poseSlot && now >= this.nextPose) this.flushPose(now);
    this.scheduleFlush();
  }

  private flushControl(now: number): void {
    const queued = this.outbox.shift();
    if (queued === undefined) return;
    this.nextControl = now + 1000 / Math.max(1, this.limitsValue?.control_hz ?? 1);
    if (!this.send(queued.msg)) {
      if (queued.join) {
        clearTimeout(queued.join.timer);
        queued.join.reject(new BreakroomError('connection_lost', 'the connection was lost'));
      }
      return;
    }
    if (queued.join) this.joins.push(queued.join);
    if (queued.msg.type === 'leave') {
      this.room = null;
      this.you = undefined;
    }
  }

  private flushScore(now: number): void {
    const first = this.scores.entries().next();
    if (first.done) return;
    const [exercise, msg] = first.value;
    this.scores.delete(exercise);
    this.nextScore = now + 1000 / Math.max(1, this.limitsValue?.score_hz ?? 1);
    this.send(msg);
  }

  private flushPose(now: number): void {
    const slot = this.poseSlot;
    this.poseSlot = null;
    const hz = Math.min(this.limitsValue?.pose_hz ?? 0, this.opts.maxPoseHz);
    if (slot === null || hz <= 0 || this.room === null) return;
    this.nextPose = now + 1000 / hz;
    this.send({ type: 'pose', t: slot.t, kp: slot.kp });
  }
}

/** Counts one exercise step from landmarks and reports the cumulative score as it changes. */
export class Tracker {
  private reported: [number, number] = [0, 0];

  /** @internal */
  constructor(
    private readonly client: BreakroomClient,
    readonly exercise: string,
    private readonly detector: Detector,
  ) {}

  /** Sends the skeleton, counts locally, reports the score when reps or whole seconds grow. */
  update(landmarks: PoseInput, opts: PoseOptions = {}): Reading {
    const pose = normalizePose(landmarks, opts);
    this.client.sendNormalized(pose.model, pose.landmarks);
    return this.countNormalized(pose.model, pose.landmarks);
  }

  /** Like `update` without sending the skeleton: reported, but the server cannot verify it. */
  count(landmarks: PoseInput, opts: PoseOptions = {}): Reading {
    const pose = normalizePose(landmarks, opts);
    return this.countNormalized(pose.model, pose.landmarks);
  }

  /** What the detector says so far. */
  reading(): Reading {
    return this.detector.reading();
  }

  private countNormalized(model: PoseModelName, landmarks: readonly Landmark[]): Reading {
    const reading = this.detector.update(this.client.serverNow(), model, landmarks);
    const now: [number, number] = [reading.reps, Math.floor(reading.activeMs / 1000) * 1000];
    const [reps, ms] = this.reported;
    if ((now[0] !== reps || now[1] !== ms) && (now[0] > reps || now[1] > ms)) {
      this.client.reportScore(this.exercise, now[0], now[1]);
      this.reported = now;
    }
    return reading;
  }
}

function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}

/** Drops a socket the client gave up on (without waiting for a closing handshake). */
function dropSocket(ws: WebSocketLike): void {
  try {
    if (typeof ws.terminate === 'function') ws.terminate();
    else ws.close(1000, 'client gave up on the connection');
  } catch {
    // ignore
  }
}

/** Decodes a frame; `undefined` for text frames, unknown types and refused frames. */
function decodeFrame(data: unknown): ServerMsg | undefined {
  if (typeof data === 'string') return undefined; // text frames are ignored
  let bytes: Uint8Array;
  if (data instanceof ArrayBuffer) bytes = new Uint8Array(data);
  else if (ArrayBuffer.isView(data)) bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  else if (Array.isArray(data)) {
    // `ws` with fragmented frames and binaryType `fragments`: join them.
    const parts = data as Uint8Array[];
    bytes = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.byteLength;
    }
  } else return undefined;
  try {
    const msg = decodeServer(bytes);
    if (msg.type === 'unknown_type') return undefined;
    return msg as ServerMsg;
  } catch (e) {
    if (e instanceof CodecError) {
      console.warn(`breakroom: skipping a refused server message: ${e.message}`);
      return undefined;
    }
    throw e;
  }
}

