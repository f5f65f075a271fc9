// Pacing what goes out (Rust: client-sdk/src/driver/pacing.rs): the outbox of controls, joins,
// leaves and reactions (in order), the newest score per exercise, and the newest pose, each
// sent no faster than the server's limits allow. Nothing is sent while the client is not ready
// (no connection, or a resume or rejoin in progress); it waits, bounded.

import { BreakroomError } from './errors.js';
import type { ClientMsg, Limits } from './types.js';

/** Most messages queued for sending (controls, reactions, joins, leaves). */
export const OUTBOX_MAX = 64;
/** Most exercises with a score report waiting. */
export const SCORES_MAX = 32;

/** A queued message, with what the client attached to it (a pending join). */
export interface Queued<T> {
  msg: ClientMsg;
  tag?: T;
}

/** What the pacer needs from the client. */
export interface PacingHost<T> {
  /** Whether messages may go out now (connected, not resuming or rejoining). */
  ready(): boolean;
  /** Whether the client is in a room (poses are sent only then). */
  inRoom(): boolean;
  /** The limits of the latest `welcome`. */
  limits(): Limits | undefined;
  /** Sends now; false when the send failed (the connection is then lost). */
  send(msg: ClientMsg): boolean;
  /** A queued message went out (true) or could not (false). */
  sent(q: Queued<T>, ok: boolean): void;
}

const per = (hz: number | undefined): number => 1000 / Math.max(1, hz ?? 1);

/** Paces one client's outgoing messages to the server's limits. */
export class Pacer<T> {
  private outbox: Queued<T>[] = [];
  private readonly scores = new Map<string, ClientMsg>();
  private pose: { t: number; kp: Uint8Array } | null = null;
  private nextControl = 0;
  private nextScore = 0;
  private nextPose = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: PacingHost<T>,
    /** Most pose frames a second (the server's `pose_hz` caps it too). */
    private readonly maxPoseHz: number,
  ) {}

  /** Whether the outbox is full. */
  get full(): boolean {
    return this.outbox.length >= OUTBOX_MAX;
  }

  /** Queues a message, in order; throws `backlog` when the outbox is full. */
  queue(msg: ClientMsg, tag?: T): void {
    if (this.full) throw new BreakroomError('backlog', 'too many messages waiting');
    this.outbox.push(tag === undefined ? { msg } : { msg, tag });
    this.schedule();
  }

  /** Drops the queued messages whose tag matches. */
  remove(pred: (tag: T | undefined) => boolean): void {
    this.outbox = this.outbox.filter((q) => !pred(q.tag));
  }

  /** Queues a score report; counters are cumulative, so a newer one replaces an unsent one,
   * in its place. Throws `backlog` past `SCORES_MAX` exercises waiting. */
  score(exercise: string, msg: ClientMsg): void {
    if (!this.scores.has(exercise) && this.scores.size >= SCORES_MAX) {
      throw new BreakroomError('backlog', 'too many score reports waiting');
    }
    this.scores.set(exercise, msg);
    this.schedule();
  }

  /** The newest pose (latest wins). */
  setPose(t: number, kp: Uint8Array): void {
    this.pose = { t, kp };
    this.schedule();
  }

  /** A connection was welcomed: everything may go at once. */
  reset(): void {
    const now = performance.now();
    this.nextControl = now;
    this.nextScore = now;
    this.nextPose = now;
  }

  /** A control went out by another way (the rejoin's `join`): the next waits its turn. */
  controlSent(): void {
    this.nextControl = performance.now() + per(this.host.limits()?.control_hz);
  }

  /** The connection was lost: a stale pose is not worth sending later. */
  lost(): void {
    this.stop();
    this.pose = null;
  }

  /** Closed for good: empties everything; returns the tags of the messages never sent. */
  clear(): T[] {
    this.stop();
    const tags = this.outbox.splice(0).flatMap((q) => (q.tag === undefined ? [] : [q.tag]));
    this.scores.clear();
    this.pose = null;
    return tags;
  }

  /** Stops the send timer (`schedule()` starts it again). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Arms the send timer for the next message due, if any may go. */
  schedule(): void {
    this.stop();
    const due = this.nextDue();
    if (due === undefined) return;
    this.timer = setTimeout(() => this.flush(), Math.max(0, due - performance.now()));
  }

  private nextDue(): number | undefined {
    if (!this.host.ready()) return undefined;
    const due: number[] = [];
    if (this.outbox.length > 0) due.push(this.nextControl);
    if (this.scores.size > 0) due.push(this.nextScore);
    if (this.pose) due.push(this.nextPose);
    return due.length ? Math.min(...due) : undefined;
  }

  private flush(): void {
    // Timers may fire a little early on some clocks: allow a millisecond.
    const now = performance.now() + 1;
    if (this.host.ready() && now >= this.nextControl) this.flushControl(now);
    if (this.host.ready() && now >= this.nextScore) this.flushScore(now);
    if (this.host.ready() && this.pose && now >= this.nextPose) this.flushPose(now);
    this.schedule();
  }

  private flushControl(now: number): void {
    const queued = this.outbox.shift();
    if (queued === undefined) return;
    this.nextControl = now + per(this.host.limits()?.control_hz);
    this.host.sent(queued, this.host.send(queued.msg));
  }

  private flushScore(now: number): void {
    const first = this.scores.entries().next();
    if (first.done) return;
    const [exercise, msg] = first.value;
    this.scores.delete(exercise);
    this.nextScore = now + per(this.host.limits()?.score_hz);
    this.host.send(msg);
  }

  private flushPose(now: number): void {
    const slot = this.pose;
    this.pose = null;
    const hz = Math.min(this.host.limits()?.pose_hz ?? 0, this.maxPoseHz);
    if (slot === null || hz <= 0 || !this.host.inRoom()) return;
    this.nextPose = now + 1000 / hz;
    this.host.send({ type: 'pose', t: slot.t, kp: slot.kp });
  }
}
