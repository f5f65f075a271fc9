// The REST surface a client needs: dev tokens, rooms, the catalogue (README "HTTP and
// WebSocket surface"). Uses the global `fetch` (browsers, Node 18+).

import type { Catalogue, Program } from './types.js';

/** An HTTP error from the server, with its RFC 9457 problem document when it sent one. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly problem: unknown,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

function base(httpBase: string): string {
  return httpBase.replace(/\/+$/, '');
}

async function request<T>(url: string, init: RequestInit): Promise<T> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!res.ok) {
    const detail =
      body && typeof body === 'object' && 'detail' in body
        ? String((body as { detail: unknown }).detail)
        : text;
    throw new HttpError(res.status, body, `${init.method ?? 'GET'} ${url}: ${res.status} ${detail}`);
  }
  return body as T;
}

/** The WebSocket URL of a server given its HTTP base: `http://h:p` → `ws://h:p/v1/ws`
 * (`https` → `wss`). A `ws://`/`wss://` URL is returned unchanged. */
export function websocketUrl(httpBase: string): string {
  if (httpBase.startsWith('ws://') || httpBase.startsWith('wss://')) return httpBase;
  if (httpBase.startsWith('http://')) return `ws://${base(httpBase.slice(7))}/v1/ws`;
  if (httpBase.startsWith('https://')) return `wss://${base(httpBase.slice(8))}/v1/ws`;
  throw new TypeError(`${httpBase}: expected http(s):// or ws(s)://`);
}

// The shapes below are the server's, as its OpenAPI document (`GET /v1/openapi.json`) states
// them: test/openapi.test.js typechecks them against types generated from the real server's.

/** `POST /v1/dev/token` body. */
export interface DevTokenRequest {
  name: string;
  role?: 'facilitator' | 'participant' | 'viewer';
  room?: string;
}

/** `POST /v1/dev/token` answer. */
export interface DevToken {
  token: string;
  user: string;
  expires_at: number;
}

/** `POST /v1/rooms` body. */
export interface CreateRoomRequest {
  program: Program;
  capacity?: number;
}

/** `POST /v1/rooms` answer. */
export interface RoomCreated {
  code: string;
  session: string;
  join_url: string;
  ws_url: string;
}

/** A guest token from a server in dev mode (`POST /v1/dev/token`, loopback only). */
export async function devToken(
  httpBase: string,
  name: string,
  role?: DevTokenRequest['role'],
): Promise<DevToken> {
  const body: DevTokenRequest = { name };
  if (role !== undefined) body.role = role;
  return request(`${base(httpBase)}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

/** Creates a room (`POST /v1/rooms`; the token needs the control grant, e.g. a facilitator's). */
export async function createRoom(
  httpBase: string,
  token: string,
  program: Program,
  capacity?: number,
): Promise<RoomCreated> {
  const body: CreateRoomRequest = { program };
  if (capacity !== undefined) body.capacity = capacity;
  return request(`${base(httpBase)}/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

/** The exercise catalogue (`GET /v1/exercises`). */
export async function exercises(httpBase: string): Promise<Catalogue> {
  return request(`${base(httpBase)}/v1/exercises`, { method: 'GET' });
}
