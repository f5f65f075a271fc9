// The client's options and their defaults (Rust: client-sdk/src/options.rs).

import type { WebSocketConstructor } from './connect.js';
import type { TokenSource } from './refresh.js';
import type { RequestedRole, Sharing } from './types.js';

/** The SDK's name as sent in `hello`. */
export const SDK_NAME = 'breakroom-client-ts';
/** The SDK's version as sent in `hello`. */
export const SDK_VERSION = '0.1.0';

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
  /** Time between clock-sync pings after the first burst, for the connection's life, ms
   * (default 1000: the estimate keeps the best samples of the last minute). */
  pingIntervalMs?: number;
  /** Pings sent `pingBurstSpacingMs` apart at each connection and reconnection, for a quick
   * first estimate (default 16; the server's ping budget takes a burst of 16 plus 1 a second). */
  pingBurst?: number;
  /** Spacing of the burst's pings, ms (default 50: wider than a typical jitter range, so that
   * a ping is not held behind the one before it, and the burst is over in under a second). */
  pingBurstSpacingMs?: number;
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

/** The options with every default filled in. */
export interface Resolved {
  reconnect: boolean;
  maxPoseHz: number;
  sdk: string;
  sdkVersion: string;
  pingIntervalMs: number;
  pingBurst: number;
  pingBurstSpacingMs: number;
  backoffBaseMs: number;
  backoffMaxMs: number;
  maxReconnectAttempts: number | undefined;
  requestTimeoutMs: number;
  getToken: TokenSource | undefined;
}

/** Fills in the defaults. */
export function resolve(options: ClientOptions): Resolved {
  return {
    reconnect: options.reconnect ?? true,
    maxPoseHz: options.maxPoseHz ?? 15,
    sdk: options.sdk ?? SDK_NAME,
    sdkVersion: options.sdkVersion ?? SDK_VERSION,
    pingIntervalMs: options.pingIntervalMs ?? 1000,
    pingBurst: options.pingBurst ?? 16,
    pingBurstSpacingMs: options.pingBurstSpacingMs ?? 50,
    backoffBaseMs: options.backoffBaseMs ?? 250,
    backoffMaxMs: options.backoffMaxMs ?? 10_000,
    maxReconnectAttempts: options.maxReconnectAttempts,
    requestTimeoutMs: options.requestTimeoutMs ?? 10_000,
    getToken: options.getToken,
  };
}
