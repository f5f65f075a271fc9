// The participant's stage for the exercises that are not counted by the pose detector: what a
// device runs for each exercise (the catalogue's `input`); the sound exercise's panel (the
// microphone, opened by the player and closed when the step ends, counting onsets on the
// device; only the count is reported); the reach game (targets drawn over the camera view from
// the step's seed, hits counted on the device with the SDK's rule, the count reported while the
// keypoints stream for the server's cross-check); and the crop that lines a skeleton up with a
// video shown with `object-fit: cover`.

import { type Cue, type ExerciseInput, type ReachTarget, ReachGame, builtinCatalogue } from './sdk';
import type { Landmark } from './skeleton';
import type { Client } from './ui';
import { h } from './ui';
import { type MicState, SoundCounter } from './mic';
import { bindText, st } from './stage-i18n';

/** What a device runs for `exercise`: the pose detector, the reach game or the microphone. */
export function exerciseInput(exercise: string | undefined): ExerciseInput | undefined {
  if (!exercise) return undefined;
  return builtinCatalogue().exercises.find((e) => e.id === exercise)?.input ?? 'pose';
}

/**
 * The sound exercise's panel: a button that opens the microphone, a plain "microphone on"
 * line while it is, and a button that closes it. `onCount` gets the step's count.
 */
export class SoundStage {
  readonly el: HTMLElement;
  private exercise: string | undefined;
  private readonly counter: SoundCounter;
  private readonly stateEl: HTMLElement;
  private readonly startBtn: HTMLButtonElement;
  private readonly stopBtn: HTMLButtonElement;

  constructor(
    private readonly client: Client,
    private readonly onCount: (n: number) => void,
  ) {
    this.stateEl = h('p', { class: 'mic-state', 'data-testid': 'mic-state', 'data-state': 'off', role: 'status' });
    this.startBtn = h('button', { type: 'button', class: 'primary', 'data-testid': 'mic-start' });
    this.stopBtn = h('button', { type: 'button', 'data-testid': 'mic-stop', hidden: true });
    bindText(this.startBtn, () => st('mic_start'));
    bindText(this.stopBtn, () => st('mic_stop'));
    this.el = h('div', { class: 'sound-stage', 'data-testid': 'sound-stage', hidden: true }, this.stateEl, h('div', { class: 'row' }, this.startBtn, this.stopBtn));
    this.counter = new SoundCounter(
      (n) => this.count(n),
      (s, e) => this.render(s, e),
    );
    this.startBtn.addEventListener('click', () => void this.counter.start());
    this.stopBtn.addEventListener('click', () => this.counter.stop());
    bindText(this.stateEl, () => st(`mic_${this.counter.state}`));
    // A hidden tab closes the microphone (the player opens it again on return).
    document.addEventListener('visibilitychange', () => {
      if (document.hidden) this.counter.stop();
    });
  }

  /** A sound step began: shows the panel (the microphone stays closed until the click). */
  enter(exercise: string): void {
    if (this.exercise === exercise && !this.el.hidden) return;
    this.counter.stop();
    this.exercise = exercise;
    this.el.hidden = false;
    this.render(this.counter.state);
  }

  /** The step ended (or the session): closes the microphone and hides the panel. */
  leave(): void {
    this.counter.stop();
    this.exercise = undefined;
    this.el.hidden = true;
  }

  private count(n: number): void {
    this.stateEl.dataset.count = String(n);
    this.onCount(n);
    if (!this.exercise) return;
    try {
      this.client.reportScore(this.exercise, n);
    } catch (e) {
      console.warn('reporting the count failed', e);
    }
  }

  private render(s: MicState, error?: unknown): void {
    if (error) console.warn('microphone failed', error);
    this.stateEl.dataset.state = s;
    this.stateEl.textContent = st(`mic_${s}`);
    this.startBtn.hidden = s === 'on' || s === 'starting';
    this.stopBtn.hidden = s !== 'on';
  }
}

/** A rectangle in canvas pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/**
 * Where the whole video image lies on a canvas of `cw`×`ch` when the video is shown with
 * `object-fit: cover` in the same box: scaled to cover it, centred, its overflow cut off. Draw
 * landmarks (normalized on the video image) in this box and they sit on the body.
 */
export function coverBox(videoW: number, videoH: number, cw: number, ch: number): Box {
  if (!(videoW > 0 && videoH > 0)) return { x: 0, y: 0, w: cw, h: ch };
  const scale = Math.max(cw / videoW, ch / videoH);
  const w = videoW * scale;
  const h = videoH * scale;
  return { x: (cw - w) / 2, y: (ch - h) / 2, w, h };
}

/** What a test reads of the reach game on `window.__breakroomReach`. */
export interface ReachRecord {
  exercise: string;
  seed: number;
  hits: number;
  /** Every frame the rule ran on: the hand landmarks 15, 16, 19, 20 as [x, y, visibility]. */
  frames: [number, number, number][][];
}

declare global {
  interface Window {
    __breakroomReach?: ReachRecord;
  }
}

const HANDS = [15, 16, 19, 20];

/**
 * The reach game on this device: the seed of each step from its cues, the current target,
 * hits counted with the SDK's `ReachGame` on every pose frame, reported as the score's reps.
 */
export class ReachStage {
  private readonly seeds = new Map<number, number>();
  private game: ReachGame | null = null;
  private record: ReachRecord | null = null;
  readonly hint: HTMLElement;

  constructor(
    private readonly client: Client,
    private readonly onCount: (n: number) => void,
  ) {
    const keep = (cues: readonly Cue[]) => {
      for (const c of cues) if (c.seed !== undefined) this.seeds.set(c.step, c.seed);
    };
    client.on('cue', (c) => keep([c]));
    client.on('phase', (m) => keep(m.timeline));
    client.on('snapshot', (s) => keep(s.timeline));
    this.hint = h('p', { class: 'reach-hint', 'data-testid': 'reach', hidden: true, 'data-hits': '0' });
    bindText(this.hint, () => st('reach_hint'));
  }

  /** A reach step began (its seed from its cues); false when no seed is known (yet). */
  enter(exercise: string, step: number): boolean {
    const seed = this.seeds.get(step);
    if (seed === undefined) return false;
    if (this.game && this.record?.seed === seed) return true;
    this.game = new ReachGame(seed);
    this.record = { exercise, seed, hits: 0, frames: [] };
    window.__breakroomReach = this.record;
    this.hint.hidden = false;
    this.hint.dataset.seed = String(seed);
    this.hint.dataset.hits = '0';
    return true;
  }

  leave(): void {
    this.game = null;
    this.hint.hidden = true;
  }

  get active(): boolean {
    return this.game !== null;
  }

  /** One pose frame: counts a hit (and reports the count). */
  frame(landmarks: readonly Landmark[]): void {
    const game = this.game;
    const rec = this.record;
    if (!game || !rec) return;
    rec.frames.push(HANDS.map((i) => [landmarks[i]?.x ?? NaN, landmarks[i]?.y ?? NaN, landmarks[i]?.visibility ?? 0]));
    if (!game.update(landmarks)) return;
    rec.hits = game.hits;
    this.hint.dataset.hits = String(game.hits);
    this.onCount(game.hits);
    try {
      this.client.reportScore(rec.exercise, game.hits);
    } catch (e) {
      console.warn('reporting the hits failed', e);
    }
  }

  /** Draws the current target in `box` (the video image's box on the canvas). */
  draw(ctx: CanvasRenderingContext2D, box: Box, mirror: boolean): void {
    const t: ReachTarget | undefined = this.game?.current;
    if (!t) return;
    const cx = box.x + (mirror ? 1 - t.x : t.x) * box.w;
    const cy = box.y + t.y * box.h;
    ctx.save();
    ctx.beginPath();
    ctx.ellipse(cx, cy, t.r * box.w, t.r * box.h, 0, 0, Math.PI * 2);
    ctx.fillStyle = 'rgba(6, 214, 160, 0.35)';
    ctx.fill();
    ctx.lineWidth = Math.max(3, box.w / 120);
    ctx.strokeStyle = '#06d6a0';
    ctx.stroke();
    ctx.restore();
  }
}
