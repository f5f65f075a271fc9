// In-band token refresh (`refresh` → `refreshed`), like the Rust SDK's driver/refresh.rs: on the
// application's call (`client.refresh(token)`), or by itself from `getToken` shortly before the
// connection's token expires. And the close codes that say the credentials ended.

import type { ClientMsg, ErrorCode } from './types.js';

/** Where fresh access tokens come from: typically a call to the application's backend. */
export type TokenSource = () => Promise<string>;

/** Close code: the user signed out, or their web session was revoked or expired. */
export const CLOSE_SIGNED_OUT = 4004;
/** Close code: the connection's access token expired without a `refresh`. */
export const CLOSE_TOKEN_EXPIRED = 4005;
/** Close code: the access token was revoked (by its id), or its embedding app disabled. */
export const CLOSE_REVOKED = 4006;

/**
 * Whether a close code says the connection's credentials ended (4004 signed out, 4005 token
 * expired, 4006 revoked): the application needs a new sign-in or token, not a retry. The client
 * never reconnects after them.
 */
export function credentialsEnded(code: number): boolean {
  return code === CLOSE_SIGNED_OUT || code === CLOSE_TOKEN_EXPIRED || code === CLOSE_REVOKED;
}

/**
 * How long after learning that a token has `remainingMs` of life left to refresh it: at 80 % of
 * it or 60 s before expiry, whichever comes first, but never before half of it has passed (so a
 * short-lived token is not refreshed over and over). Rust: `refresh_delay`.
 */
export function refreshDelayMs(remainingMs: number): number {
  const early = remainingMs * 0.8;
  const margin = remainingMs - 60_000;
  return Math.max(Math.min(early, margin), remainingMs / 2, 0);
}

/** Ask for a new token no sooner than this before trying again after a failure, ms. */
const MIN_RETRY_MS = 1000;

/** What the refresher needs from the client. */
export interface RefreshHost {
  seq(): number;
  /** Sends now; false when not connected (or the send failed). */
  send(msg: ClientMsg): boolean;
  /** The accepted token: used by later reconnections. */
  setToken(token: string): void;
  refreshed(expiresAt: number): void;
  refreshFailed(reason: string): void;
  /** The error a `refresh()` call rejects with. */
  error(kind: 'server' | 'timeout' | 'connection_lost', message: string, code?: ErrorCode): Error;
  readonly timeoutMs: number;
}

interface Pending {
  token: string;
  resolve?: (expiresAt: number) => void;
  reject?: (e: Error) => void;
  timer?: ReturnType<typeof setTimeout>;
}

/** The refresh state of one client: the token's expiry, the next automatic refresh, the
 * `refresh` messages waiting for their answer. */
export class Refresher {
  /**
   * The latest `welcome`: the local clock at its arrival (ms) and its `server_time` (µs). The
   * local clock is `Date.now()`, not `performance.now()`: tests' mocked clocks move it, and a
   * step of the wall clock only moves one refresh, which still comes well before expiry.
   */
  private anchor = { local: 0, server: 0 };
  private expires: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private fetching = false;
  private readonly pending = new Map<number, Pending>();
  private generation = 0;

  constructor(
    private readonly host: RefreshHost,
    private readonly source: TokenSource | undefined,
  ) {}

  /** When the current token expires (Unix seconds), if the server said. */
  get expiresAt(): number | undefined {
    return this.expires;
  }

  /** A connection was welcomed: its token expires at `expiresAt` (Unix seconds), if given. */
  welcomed(serverTime: number, expiresAt: number | undefined): void {
    this.anchor = { local: Date.now(), server: serverTime };
    this.expiring(expiresAt);
  }

  /** Sends `refresh` with `token`; resolves with the new expiry once the server accepted it. */
  refresh(token: string): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      const seq = this.host.seq();
      const p: Pending = { token, resolve, reject };
      p.timer = setTimeout(() => {
        this.pending.delete(seq);
        reject(this.host.error('timeout', 'no answer to the refresh'));
      }, this.host.timeoutMs);
      this.pending.set(seq, p);
      if (!this.host.send({ type: 'refresh', seq, token })) {
        this.pending.delete(seq);
        clearTimeout(p.timer);
        // Kept for the reconnection's `hello`.
        this.host.setToken(token);
        reject(this.host.error('connection_lost', 'not connected; the token is kept for the reconnection'));
      }
    });
  }

  /** A `refreshed`: true if it answered a refresh of ours. */
  answered(seq: number, expiresAt: number): boolean {
    const p = this.pending.get(seq);
    if (p === undefined) return false;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    this.host.setToken(p.token);
    this.expiring(expiresAt);
    this.host.refreshed(expiresAt);
    p.resolve?.(expiresAt);
    return true;
  }

  /** An `error`: true if it refused a refresh of ours. */
  refused(seq: number | undefined, code: ErrorCode, message: string): boolean {
    const p = seq === undefined ? undefined : this.pending.get(seq);
    if (p === undefined || seq === undefined) return false;
    this.pending.delete(seq);
    clearTimeout(p.timer);
    if (p.reject) p.reject(this.host.error('server', `${code}: ${message}`, code));
    // A server (or a cookie session) without refresh: asking again is vain.
    else this.failed(`the server refused it (${code}): ${message}`, code !== 'unsupported');
    return true;
  }

  /** The connection ended: fails the pending refreshes with `err` and stops refreshing (the
   * next `welcome` starts afresh). */
  lost(err: () => Error): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject?.(err());
    }
    this.pending.clear();
    clearTimeout(this.timer);
    this.timer = undefined;
    this.generation++;
    this.fetching = false;
  }

  private expiring(expiresAt: number | undefined): void {
    this.expires = expiresAt;
    clearTimeout(this.timer);
    this.timer = undefined;
    const remaining = this.remainingMs();
    if (this.source === undefined || remaining === undefined) return;
    this.schedule(refreshDelayMs(remaining));
  }

  /** The current token's life left, ms, counted from the latest `welcome`'s server time (so not
   * skewed by the offset between the local and the server's clocks). */
  private remainingMs(): number | undefined {
    if (this.expires === undefined) return undefined;
    const lifeMs = this.expires * 1000 - this.anchor.server / 1000;
    return Math.max(0, this.anchor.local + lifeMs - Date.now());
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.due();
    }, delayMs);
  }

  /** Time to ask `getToken` for a new token and send it. */
  private async due(): Promise<void> {
    const source = this.source;
    if (source === undefined || this.fetching) return;
    if (this.pending.size > 0) {
      // A refresh is on its way: its answer (or its time-out) reschedules; look again later.
      this.schedule(this.host.timeoutMs);
      return;
    }
    const generation = this.generation;
    this.fetching = true;
    let token: string;
    try {
      token = await source();
    } catch (e) {
      if (generation !== this.generation) return;
      this.fetching = false;
      this.failed(`getToken failed: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    // The connection dropped meanwhile: the reconnection asks for its own token.
    if (generation !== this.generation) return;
    this.fetching = false;
    const seq = this.host.seq();
    const p: Pending = { token };
    // Unanswered in time (a silent server): given up, and tried again while the token lives.
    p.timer = setTimeout(() => {
      this.pending.delete(seq);
      this.failed('no answer to the refresh');
    }, this.host.timeoutMs);
    this.pending.set(seq, p);
    if (!this.host.send({ type: 'refresh', seq, token })) {
      clearTimeout(p.timer);
      this.pending.delete(seq);
    }
  }

  /** An automatic refresh failed: tells the application, and (if `retry`) tries again (after
   * half the life left, at least a second) while the token lives. */
  private failed(reason: string, retry = true): void {
    this.host.refreshFailed(reason);
    if (!retry) return;
    const remaining = this.remainingMs();
    if (remaining !== undefined && remaining > 0) {
      this.schedule(Math.max(refreshDelayMs(remaining), MIN_RETRY_MS));
    }
  }
}
