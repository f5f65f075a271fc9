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
import { type Key, lang, onLang, t } from './i18n';
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
      h('span', { class: 'reps' }, `${e.reps} ${t('reps')}`),
      h('span', { class: 'points' }, `${e.points} ${t('points')}`),
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
      return `${t('cue_go')} ${exerciseName(c.exercise)}`.trim();
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
    this.el.classList.remove('flash');
    void this.el.offsetWidth; // restart the animation
    this.el.classList.add('flash');
  }

  private render(): void {
    this.el.textContent = this.shown.map(cueText).join(' · ');
  }
}

// ---- phase and countdown --------------------------------------------------------------------

/**
 * Keeps a phase label, the exercise, a seconds-left timer and (if given) a line on how to do
 * the exercise up to date.
 */
export function phaseDisplay(room: Room, phaseEl: HTMLElement, exerciseEl: HTMLElement, timerEl: HTMLElement, howEl?: HTMLElement): void {
  const render = () => {
    const ph = room.phase;
    phaseEl.dataset.phase = ph?.phase ?? '';
    phaseEl.textContent = ph ? (ph.paused ? t('paused') : t(`phase_${ph.phase}` as Key)) : t('waiting');
    const ex = ph && ['countdown', 'exercise', 'rest'].includes(ph.phase) ? room.currentExercise() : undefined;
    exerciseEl.dataset.exercise = ex ?? '';
    exerciseEl.textContent = ex ? (ph?.phase === 'rest' ? `${t('cue_next_up')}: ${exerciseName(ex)}` : exerciseName(ex)) : '';
    if (howEl) {
      howEl.dataset.exercise = ex ?? '';
      howEl.textContent = howTo(ex);
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

/** Sets `[data-testid=status]`: its text and `data-state`. */
export function setStatus(el: HTMLElement, state: string, text?: string): void {
  el.dataset.state = state;
  el.textContent = text ?? (t(`status_${state}` as Key) || state);
}

/** Wires the connection events to a status element. */
export function followConnection(client: Client, status: HTMLElement): void {
  client.on('reconnecting', () => setStatus(status, 'reconnecting'));
  client.on('resumed', () => setStatus(status, 'joined'));
  client.on('rejoined', () => setStatus(status, 'joined'));
  client.on('snapshot', () => {
    if (status.dataset.state === 'reconnecting') setStatus(status, 'joined');
  });
  client.on('summary', () => setStatus(status, 'ended'));
  client.on('closed', (e) => {
    if (status.dataset.state === 'ended') return;
    const code = e.code;
    const text: Record<number, Key> = {
      4000: 'kicked',
      4003: 'room_gone',
      4004: 'closed_signed_out',
      4005: 'closed_token_expired',
      4006: 'closed_revoked',
    };
    setStatus(status, 'closed', text[code] ? t(text[code]) : undefined);
  });
}

export function errorBox(): HTMLElement {
  return h('p', { class: 'error', role: 'alert', 'data-testid': 'error', hidden: true });
}

export function showError(box: HTMLElement, e: unknown): void {
  box.hidden = false;
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
