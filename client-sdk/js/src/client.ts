// BreakroomClient: one WebSocket connection to a breakroom server, modelled on the Rust SDK
// (client-sdk/src/driver). This file is the facade: the public API, and the wiring of the parts
// that live beside it, one concept a file:
//   connect.ts    the socket, the handshake (hello → welcome), reading frames
//   reconnect.ts  which closes reconnect, backoff, the loop of attempts
//   room.ts       the place in a room across connections: joins, resume, rejoin
//   clock.ts      the clock-sync estimator; ping.ts the pings that feed it
//   pacing.ts     the send queues, paced to the server's limits
//   refresh.ts    in-band token refresh; events.ts the typed event map; track.ts local scoring

import { encodeClient } from './codec.js';
import { ClockSync, localMicros, type Sample } from './clock.js';
import {
  closeReason,
  decodeFrame,
  defaultWebSocket,
  detach,
  dropSocket,
  handshake,
  type Attempt,
  type Handshake,
  type WebSocketConstructor,
  type WebSocketLike,
} from './connect.js';
import { CueSchedule, type CuesDue } from './cues.js';
import { Detector } from './detect.js';
import { BreakroomError, type AttemptError } from './errors.js';
import { Emitter, incoming, type EventHandler, type EventName, type Events } from './events.js';
import { resolve, type ClientOptions, type JoinOptions, type Resolved } from './options.js';
import { Pacer } from './pacing.js';
import { Pinger } from './ping.js';
import { normalizePose, packKeypoints, type Landmark, type PoseInput, type PoseOptions } from './pose.js';
import { ABNORMAL, Reconnector, reconnectable } from './reconnect.js';
import { Refresher } from './refresh.js';
import { Place, type PendingJoin } from './room.js';
import { Tracker } from './track.js';
import type { ClientMsg, ControlAction, ErrorCode, Limits, PoseModelName, ReactionKind, ServerMsg, Snapshot } from './types.js';

// The public API of the split modules, where it always was.
export { SUBPROTOCOL } from './connect.js';
export type { WebSocketConstructor, WebSocketLike } from './connect.js';
export { BreakroomError } from './errors.js';
export type { BreakroomErrorKind } from './errors.js';
export type { Events } from './events.js';
export { SDK_NAME, SDK_VERSION } from './options.js';
export type { ClientOptions, JoinOptions } from './options.js';
export { backoffCeiling, reconnectable } from './reconnect.js';
export { Tracker } from './track.js';

const FIRST_SEQ = 1;
const CLOSE_WAIT_MS = 2000;

export class BreakroomClient {
  private readonly opts: Resolved;
  private readonly events = new Emitter();
  private readonly refresher: Refresher;
  private readonly reconnector: Reconnector;
  private readonly pinger: Pinger;
  private readonly pacer: Pacer<PendingJoin>;
  private readonly place: Place;
  private readonly clock = new ClockSync();
  private ws: WebSocketLike | null = null;
  private resumeToken: string | undefined;
  private limitsValue: Limits | undefined;
  private nextSeq = FIRST_SEQ;
  private closedWith: { code: number; reason: string } | null = null;
  private closing: (() => void) | null = null;

  private constructor(
    private readonly url: string,
    private token: string,
    options: ClientOptions,
    private readonly WS: WebSocketConstructor,
  ) {
    this.opts = resolve(options);
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
    this.reconnector = new Reconnector(
      {
        isClosed: () => this.closedWith !== null,
        getToken: this.opts.getToken,
        setToken: (token) => {
          this.token = token;
        },
        handshake: (onWelcome, onFail) =>
          this.handshake(this.seq(), this.place.inRoom ? this.resumeToken : undefined, onWelcome, onFail),
        welcomed: (h) => {
          this.install(h);
          if (!h.resuming) this.emit('resumed', undefined);
        },
        reconnecting: (attempt) => this.emit('reconnecting', { attempt }),
        giveUp: (code, reason) => this.finish(code, reason),
      },
      {
        baseMs: this.opts.backoffBaseMs,
        maxMs: this.opts.backoffMaxMs,
        maxAttempts: this.opts.maxReconnectAttempts,
      },
    );
    this.pinger = new Pinger(
      { send: (msg) => this.send(msg), silent: (reason) => this.lost(ABNORMAL, reason) },
      { burst: this.opts.pingBurst, burstSpacingMs: this.opts.pingBurstSpacingMs, intervalMs: this.opts.pingIntervalMs },
    );
    this.pacer = new Pacer<PendingJoin>(
      {
        ready: () => this.ws !== null && !this.place.restoringNow,
        inRoom: () => this.place.inRoom,
        limits: () => this.limitsValue,
        send: (msg) => this.send(msg),
        sent: (q, ok) => this.place.sent(q, ok),
      },
      this.opts.maxPoseHz,
    );
    this.place = new Place({
      seq: () => this.seq(),
      send: (msg) => this.send(msg),
      emit: (event, payload) => this.emit(event, payload),
      queue: (msg, join) => this.pacer.queue(msg, join),
      unqueue: (join) => this.pacer.remove((tag) => tag === join),
      paceOn: () => this.pacer.schedule(),
      controlSent: () => this.pacer.controlSent(),
      timeoutMs: this.opts.requestTimeoutMs,
    });
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
      const attempt = client.handshake(
        client.seq(),
        undefined,
        (h) => {
          client.reconnector.track(null);
          client.install(h);
          resolve();
        },
        (err) => {
          client.reconnector.track(null);
          client.closedWith = { code: err.closeCode ?? ABNORMAL, reason: err.message };
          reject(err);
        },
      );
      client.reconnector.track(attempt);
    });
    return client;
  }

  // ---- public API ----

  /** This client's participant id in its room, once joined. */
  get participantId(): number | undefined {
    return this.place.participantId;
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

  /** Subscribes to an event (see `Events` for each payload); returns the function that unsubscribes. */
  on<K extends EventName>(event: K, handler: EventHandler<K>): () => void {
    return this.events.on(event, handler);
  }

  /** Joins a room by its code; resolves with the room's snapshot. */
  join(room: string, opts: JoinOptions = {}): Promise<Snapshot> {
    if (this.closedWith) return Promise.reject(this.closedError());
    if (this.pacer.full) {
      return Promise.reject(new BreakroomError('backlog', 'too many messages waiting'));
    }
    const role = opts.role ?? 'participant';
    const sharing = opts.sharing ?? (role === 'viewer' ? 'nobody' : 'room');
    const seq = this.seq();
    try {
      encodeClient({ type: 'join', seq, room, role, sharing });
    } catch (e) {
      return Promise.reject(e);
    }
    return this.place.join(seq, room, role, sharing);
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
    this.pacer.score(exercise, msg);
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
    this.reconnector.cancel();
    const ws = this.ws;
    if (ws) {
      if (this.place.inRoom && !this.place.restoringNow) this.send({ type: 'leave', seq: this.seq() });
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

  /**
   * Server clock minus local clock (`performance.now()` in µs), µs: from the pings of the last
   * minute, each direction filtered on its own (see README "Clock sync").
   */
  clockOffset(): number {
    return this.clock.offset();
  }

  /**
   * How far off `clockOffset()` may be, µs: half the best network round trip of the last
   * minute; undefined before any sample. A path slower one way than the other adds a bias no
   * ping can see (half the difference). A `clock` event tells each change.
   */
  syncUncertainty(): number | undefined {
    return this.clock.uncertainty();
  }

  /** Round trip of the best clock sample of the last minute, in µs. */
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
    this.pacer.setPose(this.serverNow(), kp);
  }

  // ---- internals ----

  /** A clock sample (a pong, or a welcome): emits `clock` when the estimate changed. */
  private addSample(sample: Sample): void {
    const before = [this.clock.offset(), this.clock.uncertainty()];
    this.clock.add(sample);
    const offset = this.clock.offset();
    const uncertainty = this.clock.uncertainty();
    if (uncertainty !== undefined && (offset !== before[0] || uncertainty !== before[1])) {
      this.emit('clock', { offset, uncertainty });
    }
  }

  private emit<K extends EventName>(event: K, payload: Events[K]): void {
    this.events.emit(event, payload);
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
    this.pacer.queue(msg);
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

  private handshake(
    helloSeq: number,
    resume: string | undefined,
    onWelcome: (h: Handshake) => void,
    onFail: (err: AttemptError) => void,
  ): Attempt {
    const o = this.opts;
    return handshake(
      {
        WS: this.WS,
        url: this.url,
        token: this.token,
        sdk: o.sdk,
        sdkVersion: o.sdkVersion,
        helloSeq,
        resume,
        timeoutMs: o.requestTimeoutMs,
      },
      onWelcome,
      onFail,
    );
  }

  /** Takes over a welcomed connection. */
  private install(h: Handshake): void {
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
    // A new connection may reach another clock (a restarted server): a window it contradicts
    // is dropped, and the burst that follows fills it again.
    if (!this.clock.agrees(h.sample)) this.clock.clear();
    this.addSample(h.sample);
    this.reconnector.connected();
    this.place.welcomed(h.resuming, h.helloSeq);
    this.pacer.reset();
    this.pinger.start();
    this.pacer.schedule();
  }

  private frame(data: unknown): void {
    this.pinger.heard();
    const msg = decodeFrame(data);
    if (msg === undefined) return;
    this.message(msg);
  }

  private message(msg: ServerMsg): void {
    const event = incoming(msg);
    if (event !== undefined) {
      this.events.emitIncoming(event);
      return;
    }
    switch (msg.type) {
      case 'pong':
        this.addSample({ t0: msg.t0, t1: msg.t1, t2: msg.t2, t3: localMicros() });
        return;
      case 'snapshot': {
        const { type: _type, ...snapshot } = msg;
        this.place.snapshot(snapshot);
        return;
      }
      case 'error':
        this.error(msg.code, msg.message, msg.seq);
        return;
      case 'refreshed':
        if (!this.refresher.answered(msg.seq, msg.expires_at)) {
          console.warn(`breakroom: ignoring a \`refreshed\` that answers no refresh (seq ${msg.seq})`);
        }
        return;
      default:
        return; // a second welcome: nothing to do
    }
  }

  /** An error: for the place (a resume, rejoin or join), a refresh, or the application. */
  private error(code: ErrorCode, message: string, seq: number | undefined): void {
    if (this.place.error(code, message, seq)) return;
    if (this.refresher.refused(seq, code, message)) return;
    const payload: Events['error'] = { code, message };
    if (seq !== undefined) payload.seq = seq;
    this.emit('error', payload);
  }

  /** The connection ended with `code`: reconnect or stop. */
  private lost(code: number, reason: string): void {
    const ws = this.ws;
    this.ws = null;
    if (ws) {
      detach(ws);
      dropSocket(ws);
    }
    this.pinger.stop();
    this.pacer.lost();
    this.place.lost();
    this.refresher.lost(() => new BreakroomError('connection_lost', 'the connection was lost'));
    if (!this.opts.reconnect || !reconnectable(code)) {
      this.finish(code, reason);
      return;
    }
    this.reconnector.start();
  }

  /** Closes for good: fails everything waiting and emits `closed`. */
  private finish(code: number, reason: string): void {
    if (this.closedWith) return;
    this.reconnector.cancel();
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
    this.pinger.stop();
    this.closedWith = { code, reason };
    const err = this.closedError();
    this.place.finish(err);
    for (const join of this.pacer.clear()) {
      clearTimeout(join.timer);
      join.reject(err);
    }
    this.refresher.lost(() => err);
    this.emit('closed', { code, reason });
  }
}
