// Landmarks by body part, whatever the model, and the plane geometry the signals use: the port
// of rooms/src/detect/pose.rs.
//
// A landmark is *usable* when its coordinates are finite and strictly inside the range the
// keypoint block can carry (-0.25, 1.25) (a landmark clamped to the edge is off-screen by an
// unknown amount) and its visibility is at least MIN_VISIBILITY. Signals only ever see usable
// landmarks. Landmarks are rounded to f32 first, as the Rust `Landmark` holds them, so both
// sides compute on the very same values.

import type { PoseModelName } from '../types.js';

/** Lowest visibility at which a landmark is used. */
export const MIN_VISIBILITY = 0.5;
/**
 * Shortest segment, in normalized image units, that gives a direction: anything shorter is two
 * landmarks on top of each other.
 */
const MIN_SEGMENT = 1e-4;
/** The range the keypoint block carries (protocol's `COORD_MIN`, `COORD_MAX`). */
const COORD_MIN = -0.25;
const COORD_MAX = 1.25;

/** A landmark as the detector reads it (normalized image coordinates). */
export interface DetectorLandmark {
  x: number;
  y: number;
  z?: number;
  visibility: number;
}

/** The person's side. */
export type Side = 'left' | 'right';
export const SIDES: readonly Side[] = ['left', 'right'];

/** A body part that both models (or BlazePose alone, for heels and toes) locate. */
export type Part =
  | 'nose'
  | 'ear'
  | 'shoulder'
  | 'elbow'
  | 'wrist'
  | 'hip'
  | 'knee'
  | 'ankle'
  /** BlazePose only. */
  | 'heel'
  /** BlazePose only: the tip of the foot. */
  | 'foot_index';

/** Every part, in slot order. */
export const PARTS: readonly Part[] = [
  'nose',
  'ear',
  'shoulder',
  'elbow',
  'wrist',
  'hip',
  'knee',
  'ankle',
  'heel',
  'foot_index',
];

/** The parts of the legs (hip down to the toes), which a leg swap exchanges. */
export const LEG: readonly Part[] = ['hip', 'knee', 'ankle', 'heel', 'foot_index'];

/** A point in normalized image coordinates (y grows downwards). */
export interface Point {
  x: number;
  y: number;
}

/** A usable landmark: its point and its visibility. */
export type Seen = [Point, number];

/** Number of (part, side) slots: ten parts on two sides (the nose uses one). */
export const SLOTS = 20;

/** The slot of a part on a side. */
export function slot(part: Part, side: Side): number {
  return PARTS.indexOf(part) * 2 + (side === 'left' ? 0 : 1);
}

// Index of a part in a model's landmark list, left and right; absent when the model does not
// have it. The nose has no side: both sides give index 0.
const BLAZE: Record<Part, [number, number]> = {
  nose: [0, 0],
  ear: [7, 8],
  shoulder: [11, 12],
  elbow: [13, 14],
  wrist: [15, 16],
  hip: [23, 24],
  knee: [25, 26],
  ankle: [27, 28],
  heel: [29, 30],
  foot_index: [31, 32],
};
const COCO: Partial<Record<Part, [number, number]>> = {
  nose: [0, 0],
  ear: [3, 4],
  shoulder: [5, 6],
  elbow: [7, 8],
  wrist: [9, 10],
  hip: [11, 12],
  knee: [13, 14],
  ankle: [15, 16],
};

/**
 * One frame's usable landmarks by body part, read once from the frame (the rest of the
 * detector never sees the raw list), which the outlier filter may then correct.
 */
export class Pose {
  /** Per slot: the point and its visibility, when usable. */
  readonly slots: (Seen | undefined)[];

  constructor(model: PoseModelName, landmarks: readonly DetectorLandmark[]) {
    this.slots = new Array<Seen | undefined>(SLOTS).fill(undefined);
    const table = model === 'blaze_pose33' ? BLAZE : COCO;
    for (const part of PARTS) {
      for (const side of SIDES) {
        const pair = table[part];
        const l = pair === undefined ? undefined : landmarks[side === 'left' ? pair[0] : pair[1]];
        this.slots[slot(part, side)] = l === undefined ? undefined : usable(l);
      }
    }
  }

  /** A usable landmark and its visibility. */
  get(part: Part, side: Side): Seen | undefined {
    return this.slots[slot(part, side)];
  }

  /** Exchanges the left and right legs' landmarks (a tracker that swapped them). */
  swapLegs(): void {
    for (const part of LEG) {
      const l = slot(part, 'left');
      const r = slot(part, 'right');
      const held = this.slots[l];
      this.slots[l] = this.slots[r];
      this.slots[r] = held;
    }
  }

  /**
   * Several usable landmarks of one side, with the sum of their visibilities; `undefined` if
   * any is not usable.
   */
  all(parts: readonly Part[], side: Side): [Point[], number] | undefined {
    const points: Point[] = [];
    let seen = 0;
    for (const part of parts) {
      const got = this.get(part, side);
      if (got === undefined) return undefined;
      points.push(got[0]);
      seen += got[1];
    }
    return [points, seen];
  }

  /** The mean of a part's usable sides. */
  mean(part: Part): Point | undefined {
    const l = this.get(part, 'left');
    const r = this.get(part, 'right');
    if (l !== undefined && r !== undefined) return midpoint(l[0], r[0]);
    return (l ?? r)?.[0];
  }
}

/** A landmark as a point, if usable. */
function usable(l: DetectorLandmark): Seen | undefined {
  const x = Math.fround(l.x);
  const y = Math.fround(l.y);
  const visibility = Math.fround(l.visibility);
  const inside = (c: number): boolean => Number.isFinite(c) && c > COORD_MIN && c < COORD_MAX;
  // `>=` is false for NaN, so a NaN visibility is unusable too.
  if (!(inside(x) && inside(y) && visibility >= MIN_VISIBILITY)) return undefined;
  return [{ x, y }, Math.min(visibility, 1)];
}

/** Radians to degrees as Rust's `f64::to_degrees` computes it (one rounding, by 180/π). */
export const toDegrees = (r: number): number => r * (180 / Math.PI);

/**
 * The length of `(x, y)`: `sqrt(x² + y²)`, as the Rust detector computes it (cheaper than a
 * hypot, whose overflow guard normalized coordinates never need), so both agree to the bit.
 */
export const length = (x: number, y: number): number => Math.sqrt(x * x + y * y);

/** Distance between two points. */
export const distance = (a: Point, b: Point): number => length(a.x - b.x, a.y - b.y);

/** Midpoint of two points. */
export const midpoint = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

/**
 * The angle at `b` between `b→a` and `b→c`, in degrees (0 to 180); `undefined` if a segment is
 * too short to have a direction.
 */
export function angleDeg(a: Point, b: Point, c: Point): number | undefined {
  const ux = a.x - b.x;
  const uy = a.y - b.y;
  const vx = c.x - b.x;
  const vy = c.y - b.y;
  const nu = length(ux, uy);
  const nv = length(vx, vy);
  if (nu < MIN_SEGMENT || nv < MIN_SEGMENT) return undefined;
  const cos = Math.min(1, Math.max(-1, (ux * vx + uy * vy) / (nu * nv)));
  return toDegrees(Math.acos(cos));
}

/**
 * How far the segment `from→to` is raised from pointing straight down the image, in degrees:
 * 0 hanging down, 90 horizontal, 180 straight up. `undefined` for a too-short segment.
 */
export function elevationDeg(from: Point, to: Point): number | undefined {
  return angleDeg({ x: from.x, y: from.y + 1 }, from, to);
}

/**
 * The tilt of the line between a left and a right landmark from the horizontal, in degrees,
 * positive when the left one is lower in the image. Independent of mirroring. `undefined` when
 * the two are less than `minDx` apart horizontally (a side view).
 */
export function tiltDeg(left: Point, right: Point, minDx: number): number | undefined {
  const dx = Math.abs(left.x - right.x);
  if (dx < Math.max(minDx, MIN_SEGMENT)) return undefined;
  return toDegrees(Math.atan2(left.y - right.y, dx));
}
