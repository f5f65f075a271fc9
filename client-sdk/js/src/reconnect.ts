// Reconnect and backoff (Rust: client-sdk/src/backoff.rs and driver/reconnect.rs): which close
// codes are worth a new connection, how long to wait before each attempt, and the loop of
// attempts itself. What to do once a new connection is welcomed (resume, rejoin) is the
// client's (client.ts).

import type { Attempt, Handshake } from './connect.js';
import { BreakroomError, type AttemptError } from './errors.js';
import type { TokenSource } from './refresh.js';

/** The close code of a connection that dropped without a close frame. */
export const ABNORMAL = 1006;

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

/** How the reconnection attempts are spaced, and when they stop. */
export interface BackoffPolicy {
  /** Ceiling of the first delay, doubled per attempt, ms. */
  baseMs: number;
  /** Largest delay, ms. */
  maxMs: number;
  /** Give up after this many failed attempts in a row (undefined: never). */
  maxAttempts: number | undefined;
}

/** What the reconnection loop needs from the client. */
export interface ReconnectHost {
  /** Whether the client is closed for good (then nothing more is attempted). */
  isClosed(): boolean;
  /** Where each attempt's token comes from (the one held may have expired). */
  readonly getToken: TokenSource | undefined;
  setToken(token: string): void;
  /** Opens a connection with the held token and resume token. */
  handshake(onWelcome: (h: Handshake) => void, onFail: (err: AttemptError) => void): Attempt;
  /** An attempt was welcomed: the client takes the connection over. */
  welcomed(h: Handshake): void;
  /** Attempt `attempt` (from 1) starts. */
  reconnecting(attempt: number): void;
  /** Retrying cannot help, or the policy says stop: the client closes for good. */
  giveUp(code: number, reason: string): void;
}

/**
 * The reconnection loop: after a loss, attempt after attempt with exponential backoff and full
 * jitter (a delay uniform in `[0, backoffCeiling(attempt)]`), until one is welcomed, one fails
 * for good (refused credentials, a close code that forbids it), the policy's attempts run out,
 * or `cancel()`. It never stops on its own otherwise: a server that is down for an hour is
 * retried every `maxMs` (at most) for that hour.
 */
export class Reconnector {
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private current: Attempt | null = null;

  constructor(
    private readonly host: ReconnectHost,
    private readonly policy: BackoffPolicy,
  ) {}

  /** The attempt in progress or waiting (from 1), 0 when connected. */
  get attempt(): number {
    return this.attempts;
  }

  /** Tracks a connection attempt made elsewhere (the first connect), so that `cancel()` aborts it. */
  track(attempt: Attempt | null): void {
    this.current = attempt;
  }

  /** The connection was lost: starts attempt 1. */
  start(): void {
    this.attempts = 1;
    this.host.reconnecting(1);
    this.schedule();
  }

  /** A connection is up: the next loss starts from attempt 1 again. */
  connected(): void {
    this.attempts = 0;
  }

  /** Stops waiting and aborts the attempt in progress. */
  cancel(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.current?.abort();
    this.current = null;
  }

  private schedule(): void {
    if (this.host.isClosed()) return;
    const delay = Math.random() * backoffCeiling(this.attempts, this.policy.baseMs, this.policy.maxMs);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.run();
    }, delay);
  }

  /** One attempt: a fresh token from `getToken` first, then the handshake. */
  private async run(): Promise<void> {
    const getToken = this.host.getToken;
    if (getToken !== undefined) {
      // Aborting this attempt while the token comes (close()) must stop it too.
      let aborted = false;
      this.current = { abort: () => (aborted = true) };
      try {
        this.host.setToken(await getToken());
      } catch (e) {
        if (aborted || this.host.isClosed()) return;
        this.current = null;
        const message = `getToken failed: ${e instanceof Error ? e.message : String(e)}`;
        this.failed(Object.assign(new BreakroomError('protocol', message), { fatal: false }));
        return;
      }
      if (aborted || this.host.isClosed()) return;
    }
    this.current = this.host.handshake(
      (h) => {
        this.current = null;
        this.attempts = 0;
        this.host.welcomed(h);
      },
      (err) => {
        this.current = null;
        this.failed(err);
      },
    );
  }

  private failed(err: AttemptError): void {
    if (this.host.isClosed()) return;
    if (err.fatal) {
      this.host.giveUp(err.closeCode ?? 1008, err.message);
      return;
    }
    const max = this.policy.maxAttempts;
    if (max !== undefined && this.attempts >= max) {
      this.host.giveUp(ABNORMAL, `gave up after ${this.attempts} reconnection attempts: ${err.message}`);
      return;
    }
    this.attempts += 1;
    this.host.reconnecting(this.attempts);
    this.schedule();
  }
}
