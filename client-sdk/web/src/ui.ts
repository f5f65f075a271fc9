// Shared pieces of the pages: element building, the exercise catalogue, the room state that
// events maintain, the scoreboard, cue texts and the synchronized cue display.

import {
  BreakroomClient,
  HttpError,
  type Cue,
  type Participant,
  type PhaseState,
  type Program,
  type ScoreFlag,
  type Scoreboard,
  devToken,
  exercises,
  websocketUrl,
} from './sdk';
import { type Key, lang, onLang, t, tf } from './i18n';
import { type Credential, auth } from './auth';
import { howTo } from './exercises';

export type Client = BreakroomClient;
export type {
  Cue,
  Participant,
  PhaseState,
  Program,
  ScoreEntry,
  ScoreFlag,
  Scoreboard,
  SessionSummary,
} from './sdk';

type Child = Node | string | number | null | undefined | false;

/** An element with attributes (`on*` functions become listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, unknown> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v as EventListener);
    } else if (k === 'text') {
      el.textContent = String(v);
    } else if (k === 'i18n') {
      el.dataset.i18n = String(v);
      el.textContent = t(v as Key);
    } else if (k === 'i18n-label') {
      // An accessible name that follows the language (i18n.ts apply()).
      el.dataset.i18nLabel = String(v);
      el.setAttribute('aria-label', t(v as Key));
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'object' ? c : String(c));
  }
  return el;
}

export function params(): URLSearchParams {
  return new URLSearchParams(location.search);
}

export function httpBase(): string {
  return location.origin;
}

// ---- the exercise catalogue ---------------------------------------------------------------

export interface Exercise {
  id: string;
  names: Record<string, string>;
  unit?: string;
  max_per_min?: number;
  /** A short instruction per language (the catalogue's `how`, where the server has one). */
  how?: Partial<Record<string, string>>;
}
let catalogue = new Map<string, Exercise>();

export async function loadCatalogue(): Promise<Map<string, Exercise>> {
  try {
    const c = await exercises(httpBase());
    catalogue = new Map(c.exercises.map((e: Exercise) => [e.id, e]));
  } catch {
    // names fall back to ids
  }
  return catalogue;
}

export function exerciseName(id: string | undefined): string {
  if (!id) return '';
  const e = catalogue.get(id);
  return e?.names?.[lang()] ?? e?.names?.en ?? id.replace(/_/g, ' ');
}

/** One line on how to do `id`: the catalogue's own words, else the app's (exercises.ts). */
export function instruction(id: string | undefined): string {
  if (!id) return '';
  const how = catalogue.get(id)?.how;
  return how?.[lang()] ?? how?.en ?? howTo(id);
}

// ---- connecting -----------------------------------------------------------------------------

export class NoTokens extends Error {}

/**
 * A connected client, authenticated by `cred`: the session cookie (the `hello` token is empty:
 * the server takes the user from the cookie sent with the upgrade), an access token (a guest
 * link's), or a dev guest token for `name` (`POST /v1/dev/token`, `--dev` on loopback).
 * `token` is what REST calls on the user's behalf carry ('' with the cookie).
 */
export async function connect(
  name: string,
  role: 'facilitator' | 'participant' | 'viewer',
  cred: Credential = { kind: 'dev' },
): Promise<{ client: Client; token: string }> {
  let token: string;
  if (cred.kind === 'cookie') {
    token = '';
  } else if (cred.kind === 'token') {
    token = cred.token;
  } else {
    try {
      const res = await devToken(httpBase(), name, role);
      token = res.token;
    } catch (e: unknown) {
      const status = e instanceof HttpError ? e.status : undefined;
      if (status === 404 || status === 403 || status === 405) {
        throw new NoTokens(t('no_dev_tokens'));
      }
      throw e;
    }
  }
  // `cookie: true` tells the SDK that an empty token is meant (the cookie authenticates).
  const options = cred.kind === 'cookie' ? { cookie: true } : {};
  const client = await BreakroomClient.connect(websocketUrl(httpBase()), token, options);
  return { client, token };
}

/** How this page signs in: the cookie when signed in, else dev guest tokens. */
export function pageCredential(): Credential {
  return auth().me ? { kind: 'cookie' } : { kind: 'dev' };
}

// ---- room state -------------------------------------------------------------------------------

/** What a page knows of the room, kept up to date by the client's events. */
export class Room {
  participants = new Map<number, Participant>();
  program: Program | null = null;
  phase: PhaseState | null = null;
  scoreboard: Scoreboard = { ranking: [], total: 0, teams: [] };
  flagged = new Set<number>();
  flags: ScoreFlag[] = [];
  you = -1;
  code = '';
  /** Whether the room refuses new joins, as the server last said. */
  locked = false;
  changed = new Set<(what: string) => void>();

  constructor(readonly client: Client) {
    client.on('snapshot', (s) => {
      this.code = s.room;
      this.you = s.you;
      this.program = s.program;
      this.phase = s.phase;
      this.participants = new Map(s.participants.map((p) => [p.id, p]));
      this.scoreboard = s.scoreboard;
      this.flags = [...s.flags];
      this.flagged = new Set(this.flags.map((f) => f.p));
      this.locked = s.locked;
      this.emit('snapshot');
    });
    client.on('lock', (m) => {
      this.locked = m.locked;
      this.emit('lock');
    });
    client.on('presence', (m) => {
      const p: Participant = m.participant;
      if (m.change === 'left') this.participants.delete(p.id);
      else this.participants.set(p.id, p);
      this.emit('presence');
    });
    client.on('scoreboard', (m) => {
      this.scoreboard = m;
      this.emit('scoreboard');
    });
    client.on('phase', (m) => {
      this.phase = m.phase;
      this.emit('phase');
    });
    client.on('flag', (f) => {
      // A flag is sent again when its figures change, with the same `p`, `exercise`, `reason`
      // and `at`: it replaces the one held, so the page shows what the summary will say.
      const same = this.flags.findIndex(
        (g) => g.p === f.p && g.exercise === f.exercise && g.reason === f.reason && g.at === f.at,
      );
      if (same >= 0) this.flags[same] = f;
      else this.flags.push(f);
      this.flagged.add(f.p);
      this.emit('flag');
    });
  }

  on(f: (what: string) => void): void {
    this.changed.add(f);
  }

  private emit(what: string): void {
    for (const f of this.changed) f(what);
  }

  name(p: number): string {
    return this.participants.get(p)?.name ?? `#${p}`;
  }

  /** The exercise of the current step (the next one during a rest). */
  currentExercise(): string | undefined {
    const ph = this.phase;
    if (!ph || ph.step === undefined || !this.program) return undefined;
    const step = ph.phase === 'rest' ? ph.step + 1 : ph.step;
    return this.program.steps[Math.min(step, this.program.steps.length - 1)]?.exercise;
  }
}

// ---- scoreboard -------------------------------------------------------------------------------

/** Fills `[data-testid=scoreboard]` with one row per ranked participant. */
export function renderScoreboard(list: HTMLElement, room: Room): void {
  const rows = room.scoreboard.ranking.map((e, i) => {
    const verified = e.verified === true;
    const flagged = room.flagged.has(e.p);
    return h(
      'li',
      {
        'data-testid': 'score-row',
        'data-p': e.p,
        'data-reps': e.reps,
        'data-points': e.points,
        'data-verified': String(verified),
        'data-flagged': String(flagged),
        class: e.p === room.you ? 'me' : undefined,
      },
      h('span', { class: 'rank' }, `${i + 1}.`),
      h('span', { class: 'who' }, room.name(e.p), e.p === room.you ? ` (${t('you')})` : ''),
      h('span', { class: 'reps' }, `${e.reps} ${t(e.reps === 1 ? 'rep_one' : 'reps')}`),
      h('span', { class: 'points' }, `${e.points} ${t(e.points === 1 ? 'point_one' : 'points')}`),
      h(
        'span',
        { class: 'marks' },
        // What the server says, nothing more: it verifies a score against the keypoints it
        // received, and cannot tell a camera that is off from keypoints not yet checked.
        verified ? h('span', { class: 'ok' }, `✓ ${t('verified')}`) : h('span', { class: 'warn' }, t('unverified')),
        flagged ? h('span', { class: 'flag', title: t('flagged') }, `⚑ ${t('flagged')}`) : null,
      ),
    );
  });
  list.replaceChildren(...rows);
}

// ---- cues -------------------------------------------------------------------------------------

export function cueText(c: Cue): string {
  switch (c.kind) {
    case 'countdown':
      return String(c.n ?? '');
    case 'go':
      // The exercise's name is on screen beside the cue: "Go!" says it once.
      return t('cue_go');
    case 'beat':
      return '•'.repeat(((c.n ?? 1) - 1) % 4 + 1);
    case 'halfway':
      return t('cue_halfway');
    case 'rest':
      return t('cue_rest');
    case 'next_up':
      return `${t('cue_next_up')}: ${exerciseName(c.exercise)}`;
    case 'done':
      return t('cue_done');
    default:
      return c.kind;
  }
}

/**
 * Shows cues in `el` at their instant on the server's clock: the same instant on every screen.
 * The SDK's `followCues` says when (README "Cues"): a cue that is due is never dropped, however
 * late this page's timers run (a camera page runs them late: pose detection holds the main
 * thread), even when a `phase` message replaces the timeline first. The cues due at one moment
 * come together, in the server's order (`at`, then `id`); each is applied in turn (the
 * element's `data-cue-*` follow every one), and the element then shows the cues of the latest
 * instant together: "Rest · Next up: Arm raises", the same on every screen.
 */
export class CueDisplay {
  /** The cues on screen: those of the latest instant shown. */
  shown: Cue[] = [];
  private listeners = new Set<(c: Cue) => void>();

  constructor(
    client: Client,
    private readonly el: HTMLElement,
  ) {
    client.followCues((cues: Cue[]) => this.show(cues));
    onLang(() => this.render());
    // Screen readers hear the cues once, from the page's announcer (announce()), not from
    // every element that shows them.
    el.setAttribute('aria-live', 'off');
    // A session ended early (by the host) leaves no "Go!" on screen.
    client.on('summary', () => {
      if (this.shown.at(-1)?.kind !== 'done') {
        this.shown = [];
        this.render();
      }
    });
  }

  onShow(f: (c: Cue) => void): void {
    this.listeners.add(f);
  }

  private show(cues: Cue[]): void {
    const shownAt = String(performance.timeOrigin + performance.now());
    for (const c of cues) {
      this.el.dataset.cueId = String(c.id);
      this.el.dataset.cueKind = c.kind;
      this.el.dataset.shownAt = shownAt;
      for (const f of this.listeners) f(c);
    }
    const last = cues[cues.length - 1];
    const sameInstant = cues.filter((c) => c.at === last.at);
    // A cue for the instant already on screen (e.g. one that arrived late) joins it.
    this.shown = this.shown.length > 0 && this.shown[0].at === last.at ? [...this.shown, ...sameInstant] : sameInstant;
    this.el.dataset.cueIds = this.shown.map((c) => c.id).join(' ');
    this.render();
    // Beats are for the eyes (and ears, with sound): a screen reader hears the words.
    const words = sameInstant.filter((c) => c.kind !== 'beat').map(cueText);
    if (words.length > 0) announce(words.join(' · '));
    this.el.classList.remove('flash');
    void this.el.offsetWidth; // restart the animation
    this.el.classList.add('flash');
  }

  private render(): void {
    // A countdown's number is the timer's too: the timer steps aside while one is on screen
    // (`data-counting`, hidden by style.css), so a big screen does not show "2 2".
    this.el.dataset.counting = String(this.shown.at(-1)?.kind === 'countdown');
    const text = this.shown.map(cueText).join(' · ');
    this.el.textContent = text;
    // A long cue ("Vila · Nästa: Axelrullningar · 2") is set smaller, in a box of fixed
    // height: the layout never jumps.
    this.el.dataset.long = String(text.length > 16);
  }
}

/**
 * Says `text` through the page's assertive live region (`#announcer` in index.html, made
 * here when missing): cues reach screen readers the instant they show.
 */
export function announce(text: string): void {
  let region = document.getElementById('announcer');
  if (!region) {
    region = h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'assertive', 'aria-atomic': 'true' });
    document.body.append(region);
  }
  // Emptied first, so the same words said twice are announced twice.
  region.textContent = '';
  const el = region;
  setTimeout(() => (el.textContent = text), 30);
  region.dataset.said = text;
}

// ---- phase and countdown --------------------------------------------------------------------

/**
 * Keeps a phase label, the exercise, a seconds-left timer and (if given) a line on how to do
 * the exercise up to date.
 */
export function phaseDisplay(
  room: Room,
  phaseEl: HTMLElement,
  exerciseEl: HTMLElement,
  timerEl: HTMLElement,
  howEl?: HTMLElement,
  opts: { host?: boolean } = {},
): void {
  const phaseText = (ph: PhaseState): string => {
    if (ph.paused) return t('paused');
    // The host is the one who starts: its page never says it waits for the host.
    if (ph.phase === 'lobby' && (opts.host || room.participants.get(room.you)?.role === 'facilitator')) return t('phase_lobby_host');
    const n = room.program?.steps.length ?? 0;
    // During a step, which step it is (the cue says "Go!", the exercise is named below).
    if ((ph.phase === 'exercise' || ph.phase === 'countdown') && ph.step !== undefined && n > 0) {
      return tf('step_of', { n: String(Math.min(ph.step + 1, n)), total: String(n) });
    }
    return t(`phase_${ph.phase}` as Key);
  };
  const render = () => {
    const ph = room.phase;
    phaseEl.dataset.phase = ph?.phase ?? '';
    phaseEl.textContent = ph ? phaseText(ph) : t('waiting');
    const ex = ph && ['countdown', 'exercise', 'rest'].includes(ph.phase) ? room.currentExercise() : undefined;
    exerciseEl.dataset.exercise = ex ?? '';
    // During a rest the cue says what is next ("Rest · Next up: Arm raises"): not said again.
    exerciseEl.textContent = ex && ph?.phase !== 'rest' ? exerciseName(ex) : '';
    if (howEl) {
      howEl.dataset.exercise = ex ?? '';
      howEl.textContent = instruction(ex);
    }
  };
  room.on(render);
  onLang(render);
  const tick = () => {
    const ph = room.phase;
    if (ph?.until && !ph.paused) {
      const left = Math.max(0, Math.ceil((ph.until - room.client.serverNow()) / 1e6));
      const text = left >= 60 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}` : String(left);
      if (timerEl.textContent !== text) timerEl.textContent = text;
    } else if (timerEl.textContent !== '') {
      timerEl.textContent = '';
    }
  };
  setInterval(tick, 200);
}

/**
 * Sets `[data-testid=status]`: its `data-state` and its text, `t(key)` (by default
 * `status_<state>`), which follows the language (`data-i18n`). A plain `text` stays as given.
 */
export function setStatus(el: HTMLElement, state: string, text?: string | { key: Key }): void {
  el.dataset.state = state;
  const key = typeof text === 'object' ? text.key : text === undefined ? (`status_${state}` as Key) : undefined;
  if (key && t(key)) {
    el.dataset.i18n = key;
    el.textContent = t(key);
  } else {
    delete el.dataset.i18n;
    el.textContent = typeof text === 'string' ? text : state;
  }
}

/** How long a page says "Reconnecting…" before it offers a reload, ms. */
export const RECONNECT_PATIENCE_MS = 20000;

/**
 * Wires the connection events to a status element. While the connection is down it says so,
 * and "Offline" when the browser knows the network is gone; after RECONNECT_PATIENCE_MS, or
 * when the client gives up, it says the connection is lost and offers a reload
 * (`[data-testid=reload]`): a page never says "Reconnecting…" forever.
 */
export function followConnection(client: Client, status: HTMLElement): void {
  let since = 0;
  let timer = 0;
  const reload = h('button', { type: 'button', class: 'small', 'data-testid': 'reload', i18n: 'reload', onclick: () => location.reload() });
  const offerReload = () => {
    if (!reload.isConnected) status.after(reload);
  };
  const back = () => {
    since = 0;
    clearTimeout(timer);
    reload.remove();
  };
  const down = () => {
    if (!since) since = Date.now();
    setStatus(status, 'reconnecting', { key: navigator.onLine === false ? 'status_offline' : 'status_reconnecting' });
    clearTimeout(timer);
    timer = window.setTimeout(() => {
      if (status.dataset.state !== 'reconnecting') return;
      setStatus(status, 'reconnecting', { key: 'status_lost_retrying' });
      offerReload();
    }, Math.max(0, RECONNECT_PATIENCE_MS - (Date.now() - since)));
  };
  client.on('reconnecting', down);
  const up = () => {
    back();
    setStatus(status, 'joined');
  };
  client.on('resumed', up);
  client.on('rejoined', up);
  // Back, but the room is not (a restarted server forgot it): say so instead of waiting.
  client.on('rejoin_failed', () => {
    back();
    setStatus(status, 'closed', { key: 'room_gone' });
    void client.close();
  });
  client.on('snapshot', () => {
    if (status.dataset.state === 'reconnecting') up();
  });
  window.addEventListener('offline', () => {
    if (status.dataset.state === 'reconnecting') setStatus(status, 'reconnecting', { key: 'status_offline' });
  });
  client.on('summary', () => {
    back();
    setStatus(status, 'ended');
  });
  client.on('closed', (e) => {
    // Over already (the summary), or closed by the page itself after a refused rejoin.
    if (status.dataset.state === 'ended' || status.dataset.state === 'closed') return;
    back();
    const code = e.code;
    const text: Record<number, Key> = {
      4000: 'kicked',
      4003: 'room_gone',
      4004: 'closed_signed_out',
      4005: 'closed_token_expired',
      4006: 'closed_revoked',
    };
    if (text[code]) return setStatus(status, 'closed', { key: text[code] });
    // Closed for good without a reason of the room's: the connection was lost.
    setStatus(status, 'closed', { key: 'status_lost' });
    offerReload();
  });
}

// ---- the server out of reach ------------------------------------------------------------------

let retryPage: (() => void) | null = null;

/** What "Try again" does (main.ts: route the page again). */
export function setRetry(f: () => void): void {
  retryPage = f;
}

/** Whether `e` says the server could not be reached at all (no answer, not a refusal). */
export function isNetworkError(e: unknown): boolean {
  if (e instanceof HttpError) return false;
  if (e instanceof TypeError) return true; // fetch: "Failed to fetch"
  const kind = typeof e === 'object' && e !== null && 'kind' in e ? String(e.kind) : '';
  return kind === 'connection_lost' || kind === 'timeout' || kind === 'closed';
}

/**
 * The message for a server out of reach (`[data-testid=offline]`): what happened, that the
 * page tries again by itself (when the network comes back, and every few seconds), and a
 * "Try again" button (`[data-testid=retry]`).
 */
export function offlineCard(): HTMLElement {
  let attempt = 0;
  let timer = 0;
  const retry = () => {
    clearTimeout(timer);
    window.removeEventListener('online', retry);
    card.dataset.retrying = 'true';
    retryPage?.();
  };
  const button = h('button', { type: 'button', class: 'primary', 'data-testid': 'retry', i18n: 'retry', onclick: retry });
  const card = h(
    'section',
    { class: 'card offline', 'data-testid': 'offline', role: 'alert' },
    h('h1', { i18n: 'offline_title' }),
    h('p', { i18n: navigator.onLine === false ? 'offline_network' : 'offline_body' }),
    button,
  );
  window.addEventListener('online', retry);
  const again = () => {
    attempt++;
    timer = window.setTimeout(() => (card.isConnected ? retry() : undefined), Math.min(15000, 3000 * attempt));
  };
  again();
  return card;
}

export function errorBox(): HTMLElement {
  return h('div', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
}

export function showError(box: HTMLElement, e: unknown): void {
  box.hidden = false;
  if (isNetworkError(e) && retryPage) {
    box.replaceChildren(offlineCard());
    box.dataset.reason = 'offline';
    return;
  }
  box.textContent =
    e instanceof Error
      ? e.message
      : typeof e === 'object' && e !== null && 'message' in e
        ? String(e.message)
        : String(e);
}

export function markReady(): void {
  document.body.dataset.ready = '1';
}
