// Why a call failed: the one error class of the client (Rust: client-sdk/src/error.rs).

import type { ErrorCode } from './types.js';

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

/** A failed connection attempt: `fatal` when retrying cannot help (refused credentials, a
 * close code that forbids reconnecting, a URL no socket opens). */
export type AttemptError = BreakroomError & { fatal?: boolean };
