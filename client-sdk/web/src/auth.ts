// Who the page acts as, and the identity endpoints of the server (CONTRACT: `/auth/*`, `/v1/me`,
// `/v1/org/*`, guest links). Read once at start (`loadSession`): the configured providers, whether
// the dev-mode guest sign-in is on, and the signed-in user. A server without `/auth/providers`
// (before sign-in existed) counts as dev guest only, so the app works against it as before.
//
// Requests go with `credentials: 'same-origin'`: the session cookie (HttpOnly, never readable
// here) goes along, and the browser adds `Origin` to every POST and DELETE, which the server
// checks for cookie-authenticated changes.

import { HttpError } from './sdk';

/** One configured OpenID Provider (`GET /auth/providers`). */
export interface Provider {
  id: string;
  name: string;
  kind: string; // entra | google | apple | generic
}

/** The signed-in user (`GET /v1/me`). */
export interface Me {
  user: string;
  name: string;
  email: string | null;
  language: string | null;
  org: { id: string; name: string };
  role: string; // member | facilitator | admin
  can_host: boolean;
}

/** What the page knows at start about signing in. */
export interface AuthState {
  /** The providers to offer; null when the server has no `/auth/providers` (an older server). */
  providers: Provider[] | null;
  /** The one-click guest sign-in of `--dev` on loopback (`POST /v1/dev/token`) is available. */
  devGuest: boolean;
  /** The user the session cookie signs in, if any. */
  me: Me | null;
  /** False when the server gave no answer at all (down, or no network): the page says so. */
  reachable: boolean;
}

/** How a page authenticates its WebSocket and REST calls. */
export type Credential =
  | { kind: 'cookie' } // the session cookie: hello with an empty token
  | { kind: 'token'; token: string } // an access token (a guest link's)
  | { kind: 'dev' }; // a dev guest token from POST /v1/dev/token

let state: AuthState = { providers: null, devGuest: true, me: null, reachable: true };

/** The state read by the last `loadSession`. */
export function auth(): AuthState {
  return state;
}

/** A JSON request to the server, with the cookie; an error carries the status and the problem. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  const method = init.method ?? 'GET';
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const detail = body && typeof body === 'object' && 'detail' in body ? String((body as { detail: unknown }).detail) : res.statusText;
    throw new HttpError(res.status, body, `${method} ${path}: ${res.status} ${detail}`);
  }
  if (text && body === undefined) throw new HttpError(res.status, text, `${method} ${path}: not JSON`);
  return body as T;
}

/** The status of a failed request, if it got an answer. */
export function statusOf(e: unknown): number | undefined {
  return e instanceof HttpError ? e.status : undefined;
}

/** Reads the providers and the signed-in user. Never throws: what cannot be read is absent. */
export async function loadSession(): Promise<AuthState> {
  let providers: Provider[] | null = null;
  let devGuest = true;
  let reachable = true;
  try {
    const p = await api<{ providers?: Provider[]; dev_guest?: boolean }>('/auth/providers');
    providers = Array.isArray(p?.providers) ? p.providers : [];
    devGuest = p?.dev_guest === true;
  } catch (e) {
    // 404 (an older server): dev guest only, as before. No answer at all: out of reach.
    // Anything else: the same as 404, and say why.
    if (!(e instanceof HttpError)) reachable = false;
    else if (statusOf(e) !== 404) console.warn('reading /auth/providers failed', e);
  }
  let me: Me | null = null;
  // Only a server with providers can have signed anyone in: no needless 401 otherwise.
  if (providers && providers.length > 0) {
    try {
      me = await api<Me>('/v1/me');
    } catch (e) {
      if (statusOf(e) !== 401) console.warn('reading /v1/me failed', e);
    }
  }
  state = { providers, devGuest, me, reachable };
  return state;
}

/**
 * Where "Sign in with …" leads: `/auth/login/{id}?return_to=<path>[&invite=TOKEN]`. The page
 * comes back to `returnTo` (a same-origin path: the server refuses anything else).
 */
export function loginUrl(provider: Provider, returnTo: string, invite?: string | null): string {
  const q = new URLSearchParams({ return_to: returnTo });
  if (invite) q.set('invite', invite);
  return `/auth/login/${encodeURIComponent(provider.id)}?${q}`;
}

/**
 * Where to come back to after signing in: this page's path (the query is left out: it may hold
 * `invite`, used once at sign-in, and the server accepts a plain same-origin path).
 */
export function currentPath(): string {
  // One leading slash: `//host` would be another origin.
  return location.pathname.replace(/^\/+/, '/');
}

/** `POST /auth/logout`, then a reload (the page starts again signed out). */
export async function signOut(): Promise<void> {
  try {
    await fetch('/auth/logout', { method: 'POST', credentials: 'same-origin' });
  } finally {
    location.reload();
  }
}

// ---- the organization ------------------------------------------------------------------------

/** A live room of the organization (`GET /v1/org/rooms`). */
export interface OrgRoom {
  code: string;
  program: string;
  members: number;
  mine: boolean;
}

/** A stored session visible to the caller (`GET /v1/org/sessions`). */
export interface OrgSession {
  session: string;
  room: string;
  program: string;
  started_at: number | string;
  ended_at: number | string | null;
  participants: number | unknown[];
}

export async function orgRooms(): Promise<OrgRoom[]> {
  return (await api<{ rooms: OrgRoom[] }>('/v1/org/rooms')).rooms ?? [];
}

export async function orgSessions(limit = 20): Promise<OrgSession[]> {
  return (await api<{ sessions: OrgSession[] }>(`/v1/org/sessions?limit=${limit}`)).sessions ?? [];
}

/** `POST /v1/rooms` with the cookie (no bearer token): the room belongs to the user's org. */
export async function createRoomAsMe<T>(program: unknown, capacity?: number): Promise<T> {
  return api<T>('/v1/rooms', { method: 'POST', body: capacity === undefined ? { program } : { program, capacity } });
}

// ---- guest links -----------------------------------------------------------------------------

/** A guest link of a room. `url` only in the answer that made it: the server keeps a hash. */
export interface GuestLink {
  id: string;
  url?: string;
  expires_at: number | string;
  revoked?: boolean;
}

export async function makeGuestLink(code: string, ttlS: number): Promise<GuestLink> {
  return api<GuestLink>(`/v1/rooms/${encodeURIComponent(code)}/guest-links`, { method: 'POST', body: { ttl_s: ttlS } });
}

/** The room's guest links, whatever the list is wrapped in. */
export async function guestLinks(code: string): Promise<GuestLink[]> {
  const body = await api<unknown>(`/v1/rooms/${encodeURIComponent(code)}/guest-links`);
  if (Array.isArray(body)) return body as GuestLink[];
  if (body && typeof body === 'object') {
    const list = Object.values(body).find(Array.isArray);
    if (list) return list as GuestLink[];
  }
  return [];
}

export async function revokeGuestLink(id: string): Promise<void> {
  await api<unknown>(`/v1/guest-links/${encodeURIComponent(id)}`, { method: 'DELETE' });
}

/** Trades a guest link's token and a name for an access token to its room (participant). */
export async function guestToken(guest: string, name: string): Promise<{ token: string; user: string; expires_at: number }> {
  return api('/v1/guest/token', { method: 'POST', body: { guest, name } });
}

/**
 * A time from the server as a Date: microseconds since the epoch (the store's unit), or, read
 * by size, milliseconds or seconds; or an ISO string.
 */
export function serverTime(v: number | string | null | undefined): Date | null {
  if (v === null || v === undefined || v === '') return null;
  if (typeof v === 'number') return new Date(v > 1e14 ? v / 1000 : v > 1e11 ? v : v * 1000);
  const d = new Date(v);
  return Number.isNaN(d.getTime()) ? null : d;
}
