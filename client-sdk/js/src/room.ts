// The client's place in a room across connections (Rust: the room half of
// client-sdk/src/driver/reconnect.rs): joins waiting for their snapshot, the room to go back to,
// and the restoration after a reconnection — resume the place, else join again by code, else
// tell `rejoin_failed` (connected, in no room).

import { BreakroomError } from './errors.js';
import type { EventName, Events } from './events.js';
import type { Queued } from './pacing.js';
import type { ClientMsg, ErrorCode, ParticipantId, RequestedRole, Sharing, Snapshot } from './types.js';

/** A `join` waiting for its snapshot. */
export interface PendingJoin {
  seq: number;
  room: string;
  role: RequestedRole;
  sharing: Sharing;
  resolve: (s: Snapshot) => void;
  reject: (e: BreakroomError) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** Whether a welcomed connection is still being restored to its room. */
type Restoring = { kind: 'no' } | { kind: 'resume'; helloSeq: number } | { kind: 'rejoin'; seq: number };

/** What the place needs from the client. */
export interface PlaceHost {
  seq(): number;
  /** Sends now; false when not connected. */
  send(msg: ClientMsg): boolean;
  emit<K extends EventName>(event: K, payload: Events[K]): void;
  /** Queues a paced message (a join) / drops it from the queue. */
  queue(msg: ClientMsg, join: PendingJoin): void;
  unqueue(join: PendingJoin): void;
  /** Restoration is over: paced messages may go again. */
  paceOn(): void;
  /** A control went out outside the pacer (the rejoin's `join`). */
  controlSent(): void;
  /** How long a join, a resume and a rejoin may take, ms. */
  readonly timeoutMs: number;
}

/** The client's place in a room. */
export class Place {
  private room: { code: string; role: RequestedRole; sharing: Sharing } | null = null;
  private you: ParticipantId | undefined;
  private joins: PendingJoin[] = [];
  private restoring: Restoring = { kind: 'no' };
  private restoreTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: PlaceHost) {}

  /** This client's participant id in its room, once joined. */
  get participantId(): ParticipantId | undefined {
    return this.you;
  }

  /** Whether the client is in a room (or on its way back to one). */
  get inRoom(): boolean {
    return this.room !== null;
  }

  /** Whether a resume or a rejoin is in progress (paced messages wait). */
  get restoringNow(): boolean {
    return this.restoring.kind !== 'no';
  }

  /** Queues a join; resolves with the room's snapshot. */
  join(seq: number, room: string, role: RequestedRole, sharing: Sharing): Promise<Snapshot> {
    return new Promise<Snapshot>((resolve, reject) => {
      const join: PendingJoin = { seq, room, role, sharing, resolve, reject };
      join.timer = setTimeout(() => {
        this.host.unqueue(join);
        this.joins = this.joins.filter((j) => j !== join);
        reject(new BreakroomError('timeout', 'no answer to the join'));
      }, this.host.timeoutMs);
      this.host.queue({ type: 'join', seq, room, role, sharing }, join);
    });
  }

  /** A paced message went out (or could not). */
  sent(q: Queued<PendingJoin>, ok: boolean): void {
    const join = q.tag;
    if (!ok) {
      if (join) {
        clearTimeout(join.timer);
        join.reject(new BreakroomError('connection_lost', 'the connection was lost'));
      }
      return;
    }
    if (join) this.joins.push(join);
    if (q.msg.type === 'leave') {
      this.room = null;
      this.you = undefined;
    }
  }

  /** A connection was welcomed; a resuming one waits for its snapshot (or the refusal). */
  welcomed(resuming: boolean, helloSeq: number): void {
    clearTimeout(this.restoreTimer);
    if (resuming) {
      this.restoring = { kind: 'resume', helloSeq };
      this.restoreTimer = setTimeout(() => this.restoreTimedOut(), this.host.timeoutMs);
    } else {
      this.restoring = { kind: 'no' };
    }
  }

  /** A snapshot: a join's answer, or the end of a resume or a rejoin. */
  snapshot(snapshot: Snapshot): void {
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
    this.host.emit('snapshot', snapshot);
    if (restored) this.host.emit(restored, undefined);
    this.host.paceOn();
  }

  /** An error the place waits for (a refused resume, rejoin or join); false for any other. */
  error(code: ErrorCode, message: string, seq: number | undefined): boolean {
    const r = this.restoring;
    if (r.kind === 'resume' && seq === r.helloSeq) {
      this.rejoin();
      return true;
    }
    if (r.kind === 'rejoin' && seq === r.seq) {
      this.rejoinFailed(code, message, seq);
      return true;
    }
    const i = this.joins.findIndex((j) => j.seq === seq);
    if (i < 0) return false;
    const [join] = this.joins.splice(i, 1);
    clearTimeout(join!.timer);
    join!.reject(new BreakroomError('server', `${code}: ${message}`, code));
    return true;
  }

  /** The connection was lost: the joins sent fail, the room is kept to go back to. */
  lost(): void {
    clearTimeout(this.restoreTimer);
    this.restoring = { kind: 'no' };
    for (const join of this.joins.splice(0)) {
      clearTimeout(join.timer);
      join.reject(new BreakroomError('connection_lost', 'the connection was lost'));
    }
  }

  /** Closed for good: every join fails with `err`, and there is no room any more. */
  finish(err: BreakroomError): void {
    clearTimeout(this.restoreTimer);
    this.restoring = { kind: 'no' };
    this.room = null;
    this.you = undefined;
    for (const join of this.joins.splice(0)) {
      clearTimeout(join.timer);
      join.reject(err);
    }
  }

  /** Joins the remembered room again after a refused resume. */
  private rejoin(): void {
    const room = this.room;
    clearTimeout(this.restoreTimer);
    if (room === null) {
      this.restoring = { kind: 'no' };
      this.host.emit('resumed', undefined);
      this.host.paceOn();
      return;
    }
    const seq = this.host.seq();
    this.restoring = { kind: 'rejoin', seq };
    this.restoreTimer = setTimeout(() => this.restoreTimedOut(), this.host.timeoutMs);
    this.host.controlSent();
    this.host.send({ type: 'join', seq, room: room.code, role: room.role, sharing: room.sharing });
  }

  private rejoinFailed(code: ErrorCode, message: string, seq: number | undefined): void {
    this.restoring = { kind: 'no' };
    clearTimeout(this.restoreTimer);
    this.room = null;
    this.you = undefined;
    const payload: Events['error'] = { code, message };
    if (seq !== undefined) payload.seq = seq;
    this.host.emit('error', payload);
    // The reconnection is over, in no room: an app showing "reconnecting" must hear it.
    this.host.emit('rejoin_failed', { code, message });
    this.host.paceOn();
  }

  private restoreTimedOut(): void {
    const r = this.restoring;
    if (r.kind === 'resume') this.rejoin();
    else if (r.kind === 'rejoin') this.rejoinFailed('internal', 'no answer to the rejoin', r.seq);
  }
}
