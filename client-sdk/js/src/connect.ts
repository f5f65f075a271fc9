// Connection and handshake (Rust: client-sdk/src/connect.rs): the WebSocket abstraction, opening
// a socket with the subprotocol, `hello` → `welcome`, and reading frames. No client state here:
// the client takes over a welcomed socket (`Handshake`).

import { CodecError, decodeServer, encodeClient } from './codec.js';
import { localMicros, type Sample } from './clock.js';
import { BreakroomError, type AttemptError } from './errors.js';
import { ABNORMAL, reconnectable } from './reconnect.js';
import type { ClientMsg, ServerMsg, WelcomeMsg } from './types.js';

/** The subprotocol offered at the upgrade. */
export const SUBPROTOCOL = 'breakroom.v1';

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

/** A welcomed connection, ready to be taken over. */
export interface Handshake {
  ws: WebSocketLike;
  welcome: WelcomeMsg;
  helloSeq: number;
  resuming: boolean;
  /** The handshake as a clock sample (`hello` sent at t0, `welcome.server_time`, t3). */
  sample: Sample;
  /** The token the `hello` carried. */
  token: string;
}

/** A connection attempt in progress. */
export interface Attempt {
  abort(): void;
}

/** What a `hello` says. */
export interface HelloParams {
  WS: WebSocketConstructor;
  url: string;
  token: string;
  sdk: string;
  sdkVersion: string;
  helloSeq: number;
  /** The resume token of the connection this one replaces. */
  resume: string | undefined;
  /** How long to wait for `welcome`, ms. */
  timeoutMs: number;
}

/** The global `WebSocket`, else the `ws` package; throws `no_websocket` when neither. */
export async function defaultWebSocket(): Promise<WebSocketConstructor> {
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

/** A close event's reason as a string. */
export function closeReason(r: unknown): string {
  return r === undefined || r === null ? '' : String(r);
}

/**
 * Opens a socket, sends `hello`, waits for `welcome`. `onWelcome` runs synchronously on its
 * arrival, so that no message after it is missed; `onFail` says whether retrying can help.
 */
export function handshake(
  p: HelloParams,
  onWelcome: (h: Handshake) => void,
  onFail: (err: AttemptError) => void,
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
  const timer = setTimeout(() => fail(new BreakroomError('timeout', 'no welcome in time'), false), p.timeoutMs);
  try {
    ws = new p.WS(p.url, SUBPROTOCOL) as WebSocketLike;
  } catch (e) {
    clearTimeout(timer);
    done = true;
    const err = new BreakroomError('protocol', `cannot open ${p.url}: ${String(e)}`);
    queueMicrotask(() => onFail(Object.assign(err, { fatal: true })));
    return { abort() {} };
  }
  ws.binaryType = 'arraybuffer';
  let t0 = 0;
  ws.onopen = () => {
    const hello: ClientMsg = {
      type: 'hello',
      seq: p.helloSeq,
      sdk: p.sdk,
      sdk_version: p.sdkVersion,
      token: p.token,
    };
    if (p.resume !== undefined) hello.resume = p.resume;
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
        helloSeq: p.helloSeq,
        resuming: p.resume !== undefined,
        sample: { t0, t1: msg.server_time, t2: msg.server_time, t3 },
        token: p.token,
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

/** Removes every handler of a socket. */
export function detach(ws: WebSocketLike): void {
  ws.onopen = null;
  ws.onmessage = null;
  ws.onclose = null;
  ws.onerror = null;
}

/** Drops a socket the client gave up on (without waiting for a closing handshake). */
export function dropSocket(ws: WebSocketLike): void {
  try {
    if (typeof ws.terminate === 'function') ws.terminate();
    else ws.close(1000, 'client gave up on the connection');
  } catch {
    // ignore
  }
}

/** Decodes a frame; `undefined` for text frames, unknown types and refused frames. */
export function decodeFrame(data: unknown): ServerMsg | undefined {
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
