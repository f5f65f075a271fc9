// The reach game: targets on the screen that the player touches with a hand. The port of
// rooms/src/detect/reach.rs, computed on the same numbers (integer random numbers, f64
// additions and products, landmarks read at f32 precision), so every device and the server
// see the same targets and agree on every hit; test/games_reach.test.js holds the two equal.
//
// A reach step's cues carry its seed (`Cue.seed`; `stepSeed(session, step)` derives the same
// one). `reachTargets(seed, n)` gives the first n targets, shown one at a time: the next
// appears when the current one is hit. Coordinates are normalized and unmirrored image
// coordinates (0 = left or top edge, 1 = right or bottom edge): mirror x yourself when you
// draw a selfie view.

import type { PoseModelName } from '../types.js';

/** A target: a circle in normalized, unmirrored image coordinates. */
export interface ReachTarget {
  /** Centre, horizontal: 0 = left edge, 1 = right edge of the image. */
  x: number;
  /** Centre, vertical: 0 = top edge, 1 = bottom edge. */
  y: number;
  /** Radius, in normalized image units (an ellipse on a non-square image). */
  r: number;
}

/** A landmark as the hit rule reads it (normalized image coordinates). */
export interface ReachLandmark {
  x: number;
  y: number;
  /** Confidence that the landmark is visible, 0 to 1 (absent: not visible). */
  visibility?: number;
}

/** Lowest visibility at which a hand landmark can hit. */
export const REACH_MIN_VISIBILITY = 0.5;
/** Where targets lie: [xMin, xMax, yMin, yMax], the upper half and sides of the image. */
export const REACH_AREA: readonly [number, number, number, number] = [0.18, 0.82, 0.1, 0.5];
/** Radius of every target. */
export const REACH_RADIUS = 0.08;
/** Least distance between the centres of two consecutive targets. */
export const REACH_MIN_STEP = 0.25;
/** Most targets `reachTargets` returns. */
export const REACH_MAX_TARGETS = 7200;
const MAX_DRAWS = 16;

/** mulberry32, as rooms/src/detect/reach.rs runs it. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An endless generator of the targets of `seed`. */
export function* reachTargetSequence(seed: number): Generator<ReachTarget, never, void> {
  const unit = mulberry32(seed);
  const [x0, x1, y0, y1] = REACH_AREA;
  let previous: ReachTarget | undefined;
  for (;;) {
    let best: ReachTarget = { x: 0.5, y: 0.5, r: REACH_RADIUS };
    let bestD2 = -1;
    for (let i = 0; i < MAX_DRAWS; i++) {
      const x = x0 + (x1 - x0) * unit();
      const y = y0 + (y1 - y0) * unit();
      const target = { x, y, r: REACH_RADIUS };
      if (previous === undefined) {
        best = target;
        break;
      }
      const dx = x - previous.x;
      const dy = y - previous.y;
      const d2 = dx * dx + dy * dy;
      if (d2 > bestD2) {
        best = target;
        bestD2 = d2;
      }
      if (d2 >= REACH_MIN_STEP * REACH_MIN_STEP) break;
    }
    previous = best;
    yield best;
  }
}

/** The first `count` targets of `seed` (at most REACH_MAX_TARGETS): the same on every device
 * and on the server. Shown one at a time; two consecutive ones lie REACH_MIN_STEP apart (or, rarely, as far as
 * sixteen draws could place them). */
export function reachTargets(seed: number, count: number): ReachTarget[] {
  const n = Math.max(0, Math.min(Math.floor(count), REACH_MAX_TARGETS));
  const out: ReachTarget[] = [];
  if (n === 0) return out;
  for (const t of reachTargetSequence(seed)) {
    out.push(t);
    if (out.length >= n) break;
  }
  return out;
}

/** The seed of step `step` of session `session`, as the room puts it on the step's cues:
 * FNV-1a (32 bits) over the session id's UTF-8 bytes, then the step's two bytes big-endian. */
export function stepSeed(session: string, step: number): number {
  let h = 0x811c9dc5;
  const bytes = [...new TextEncoder().encode(session), (step >>> 8) & 0xff, step & 0xff];
  for (const b of bytes) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** The hand landmarks: BlazePose's wrists and index fingers (15, 16, 19, 20), COCO-17's wrists
 * (9, 10). */
function hands(model: PoseModelName | undefined, count: number): readonly number[] {
  const m = model ?? (count === 17 ? 'coco17' : 'blaze_pose33');
  return m === 'coco17' ? [9, 10] : [15, 16, 19, 20];
}

/** Whether a hand touches the target: a wrist or index landmark (BlazePose 15, 16, 19, 20;
 * COCO-17 9, 10), at least REACH_MIN_VISIBILITY visible, inside the target's circle (edge
 * included). The model follows the landmark count (17: COCO) unless given. */
export function reachHit(
  target: ReachTarget,
  landmarks: readonly ReachLandmark[],
  model?: PoseModelName,
): boolean {
  for (const i of hands(model, landmarks.length)) {
    const l = landmarks[i];
    if (l === undefined) continue;
    // f32, as the server holds landmarks.
    const x = Math.fround(l.x);
    const y = Math.fround(l.y);
    const v = Math.fround(l.visibility ?? 0);
    if (!(Number.isFinite(x) && Number.isFinite(y) && v >= REACH_MIN_VISIBILITY)) continue;
    const dx = x - target.x;
    const dy = y - target.y;
    if (dx * dx + dy * dy <= target.r * target.r) return true;
  }
  return false;
}

/** The game as a device plays it: the target on screen, and the hits so far. Feed it every
 * frame; a hit moves on to the next target. */
export class ReachGame {
  private readonly sequence: Generator<ReachTarget, never, void>;
  private target: ReachTarget;
  private count = 0;

  constructor(readonly seed: number) {
    this.sequence = reachTargetSequence(seed);
    this.target = this.sequence.next().value;
  }

  /** The target on screen. */
  get current(): ReachTarget {
    return this.target;
  }

  /** Hits so far (the count to report as `reps`). */
  get hits(): number {
    return this.count;
  }

  /** One frame: returns whether it hit (and the next target is now current). */
  update(landmarks: readonly ReachLandmark[], model?: PoseModelName): boolean {
    if (!reachHit(this.target, landmarks, model)) return false;
    this.count += 1;
    this.target = this.sequence.next().value;
    return true;
  }
}
