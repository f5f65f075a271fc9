// The exercise detector: a line-by-line port of the Rust one (rooms/src/detect/), which the
// server runs to cross-check reported scores. Same algorithm, same thresholds (read from the
// shared catalogue, rooms/catalogue.json), held to the same fixtures (generated from
// rooms/fixtures/recipes.json). Landmarks are rounded to f32 first, as the Rust `Landmark` holds
// them, so both sides compute on the very same values.
//
// 1. landmarks: used only if finite, strictly inside (-0.25, 1.25) and at least 0.5 visible;
// 2. signal: an angle or a ratio of body lengths; 3. time-based EMA smoothing;
// 4. hysteresis between an enter and an exit threshold; 5. a rate cap (reps at least
// 60 s / max_per_min apart, two may wait); 6. held time for exercises scored in seconds.

import { BUILTIN_CATALOGUE } from './catalogue.generated.js';
import type { Catalogue, Exercise, PoseModelName } from './types.js';

/** Time constant of the smoothing of exercises counted in moves, in µs. */
export const SMOOTHING_TAU_US = 100_000;
/** Time constant of the smoothing of held poses (neck stretch, wall sit), in µs. */
export const HOLD_SMOOTHING_TAU_US = 300_000;
/** Time constant of the confidence smoothing, in µs. */
export const CONFIDENCE_TAU_US = 300_000;
/** Longest gap between two frames in the target pose credited fully as time held, in µs. */
export const MAX_HOLD_GAP_US = 1_000_000;
const MAX_PENDING = 2;
const MIN_VISIBILITY = 0.5;
const MIN_SEGMENT = 1e-4;
const MIN_SPAN = 0.01;
const COORD_MIN = -0.25;
const COORD_MAX = 1.25;

/** Where the person is in the movement, as the detector last saw it. */
export type DetectorPhase =
  | 'unknown'
  | 'up'
  | 'down'
  | 'open'
  | 'closed'
  | 'left'
  | 'right'
  | 'neutral'
  | 'in_pose'
  | 'out_of_pose';

/** A detector's output after a frame. */
export interface Reading {
  /** Repetitions completed (for exercises scored in seconds: holds completed). */
  reps: number;
  /** For an exercise scored in seconds, ms spent in the target pose; 0 otherwise. */
  activeMs: number;
  /** Where the person is in the movement. */
  phase: DetectorPhase;
  /** How well the landmarks the exercise needs were seen lately, 0 to 1. */
  confidence: number;
}

/** A landmark as the detector reads it (normalized image coordinates). */
export interface DetectorLandmark {
  x: number;
  y: number;
  z?: number;
  visibility: number;
}

type Kind =
  | 'undetectable'
  | 'squats'
  | 'jumping_jacks'
  | 'arm_raises'
  | 'shoulder_rolls'
  | 'march_in_place'
  | 'side_bends'
  | 'calf_raises'
  | 'neck_stretch'
  | 'desk_pushups'
  | 'wall_sit';

type Direction = 'below' | 'above' | 'either_side';
type Lean = 'only' | 'left' | 'right';
type Zone = { z: 'rest' } | { z: 'active'; lean: Lean } | { z: 'between' };
type State = { s: 'unknown' } | { s: 'rest' } | { s: 'active'; lean: Lean };

interface Spec {
  direction: Direction;
  enter: [string, number];
  exit: [string, number];
  extra?: [string, number];
}

interface Thresholds {
  direction: Direction;
  enter: number;
  exit: number;
  extra: number | undefined;
}

const KINDS: readonly Kind[] = [
  'squats',
  'jumping_jacks',
  'arm_raises',
  'shoulder_rolls',
  'march_in_place',
  'side_bends',
  'calf_raises',
  'neck_stretch',
  'desk_pushups',
  'wall_sit',
];

function kindFromId(id: string): Kind {
  return (KINDS as readonly string[]).includes(id) ? (id as Kind) : 'undetectable';
}

const SPECS: Record<Exclude<Kind, 'undetectable'>, Spec> = {
  squats: { direction: 'below', enter: ['knee_angle_down_deg', 125], exit: ['knee_angle_up_deg', 155] },
  jumping_jacks: {
    direction: 'above',
    enter: ['arm_elevation_up_deg', 110],
    exit: ['arm_elevation_down_deg', 60],
    extra: ['ankles_apart_shoulder_ratio', 1.2],
  },
  arm_raises: {
    direction: 'above',
    enter: ['arm_elevation_up_deg', 130],
    exit: ['arm_elevation_down_deg', 45],
  },
  shoulder_rolls: {
    direction: 'above',
    enter: ['shoulder_lift_enter_ratio', 0.15],
    exit: ['shoulder_lift_exit_ratio', 0.07],
  },
  march_in_place: {
    direction: 'either_side',
    enter: ['knee_lift_enter_torso_ratio', 0.2],
    exit: ['knee_lift_exit_torso_ratio', 0.1],
  },
  side_bends: {
    direction: 'either_side',
    enter: ['shoulder_tilt_enter_deg', 15],
    exit: ['shoulder_tilt_exit_deg', 7],
  },
  calf_raises: {
    direction: 'above',
    enter: ['heel_lift_enter_torso_ratio', 0.05],
    exit: ['heel_lift_exit_torso_ratio', 0.025],
  },
  neck_stretch: {
    direction: 'either_side',
    enter: ['head_tilt_enter_deg', 20],
    exit: ['head_tilt_exit_deg', 12],
  },
  desk_pushups: {
    direction: 'below',
    enter: ['elbow_angle_down_deg', 100],
    exit: ['elbow_angle_up_deg', 155],
  },
  wall_sit: {
    direction: 'below',
    enter: ['knee_angle_max_deg', 110],
    exit: ['knee_angle_release_deg', 125],
  },
};

function thresholdsFor(kind: Kind, map: Record<string, number> | undefined): Thresholds | undefined {
  if (kind === 'undetectable') return undefined;
  const spec = SPECS[kind];
  const read = ([name, def]: [string, number]): number => {
    const v = map?.[name];
    return typeof v === 'number' && Number.isFinite(v) ? v : def;
  };
  return {
    direction: spec.direction,
    enter: read(spec.enter),
    exit: read(spec.exit),
    extra: spec.extra === undefined ? undefined : read(spec.extra),
  };
}

const isHold = (k: Kind): boolean => k === 'neck_stretch' || k === 'wall_sit';
const usesBaseline = (k: Kind): boolean => k === 'calf_raises' || k === 'shoulder_rolls';

function phaseOf(kind: Kind, state: State): DetectorPhase {
  if (state.s === 'unknown') return 'unknown';
  const lean = state.s === 'active' ? state.lean : undefined;
  switch (kind) {
    case 'undetectable':
      return 'unknown';
    case 'squats':
    case 'desk_pushups':
      return lean === undefined ? 'up' : 'down';
    case 'arm_raises':
    case 'shoulder_rolls':
    case 'calf_raises':
      return lean === undefined ? 'down' : 'up';
    case 'jumping_jacks':
      return lean === undefined ? 'closed' : 'open';
    case 'wall_sit':
      return lean === undefined ? 'out_of_pose' : 'in_pose';
    case 'march_in_place':
    case 'side_bends':
    case 'neck_stretch':
      return lean === undefined ? 'neutral' : lean === 'right' ? 'right' : 'left';
  }
}

// ---- pose.rs ----

type Side = 'left' | 'right';
type Part =
  | 'nose'
  | 'ear'
  | 'shoulder'
  | 'elbow'
  | 'wrist'
  | 'hip'
  | 'knee'
  | 'ankle'
  | 'heel'
  | 'foot_index';
interface Point {
  x: number;
  y: number;
}

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

class Pose {
  constructor(
    private readonly model: PoseModelName,
    private readonly landmarks: readonly DetectorLandmark[],
  ) {}

  /** A usable landmark and its visibility. */
  get(part: Part, side: Side): [Point, number] | undefined {
    const pair = (this.model === 'blaze_pose33' ? BLAZE : COCO)[part];
    if (pair === undefined) return undefined;
    const l = this.landmarks[side === 'left' ? pair[0] : pair[1]];
    if (l === undefined) return undefined;
    const x = Math.fround(l.x);
    const y = Math.fround(l.y);
    const visibility = Math.fround(l.visibility);
    const inside = (c: number): boolean => Number.isFinite(c) && c > COORD_MIN && c < COORD_MAX;
    if (!(inside(x) && inside(y) && visibility >= MIN_VISIBILITY)) return undefined;
    return [{ x, y }, Math.min(visibility, 1)];
  }

  all(parts: Part[], side: Side): [Point[], number] | undefined {
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
}

const distance = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);
const midpoint = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });
const toDegrees = (r: number): number => (r * 180) / Math.PI;

function angleDeg(a: Point, b: Point, c: Point): number | undefined {
  const ux = a.x - b.x;
  const uy = a.y - b.y;
  const vx = c.x - b.x;
  const vy = c.y - b.y;
  const nu = Math.hypot(ux, uy);
  const nv = Math.hypot(vx, vy);
  if (nu < MIN_SEGMENT || nv < MIN_SEGMENT) return undefined;
  const cos = Math.min(1, Math.max(-1, (ux * vx + uy * vy) / (nu * nv)));
  return toDegrees(Math.acos(cos));
}

function elevationDeg(from: Point, to: Point): number | undefined {
  return angleDeg({ x: from.x, y: from.y + 1 }, from, to);
}

function tiltDeg(left: Point, right: Point, minDx: number): number | undefined {
  const dx = Math.abs(left.x - right.x);
  if (dx < Math.max(minDx, MIN_SEGMENT)) return undefined;
  return toDegrees(Math.atan2(left.y - right.y, dx));
}

// ---- signals.rs ----

interface Signal {
  values: [number, number];
  quality: number;
}
type Measure = [number, number] | undefined;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

function sides(pose: Pose, f: (p: Pose, s: Side) => Measure, both: boolean): Measure {
  const l = f(pose, 'left');
  const r = f(pose, 'right');
  if (l !== undefined && r !== undefined) return [(l[0] + r[0]) / 2, l[1] + r[1]];
  if (!both) return l ?? r;
  return undefined;
}

function kneeAngle(pose: Pose, side: Side): Measure {
  const got = pose.all(['hip', 'knee', 'ankle'], side);
  if (got === undefined) return undefined;
  const [[hip, knee, ankle], seen] = got;
  const a = angleDeg(hip!, knee!, ankle!);
  return a === undefined ? undefined : [a, seen];
}

function elbowAngle(pose: Pose, side: Side): Measure {
  const got = pose.all(['shoulder', 'elbow', 'wrist'], side);
  if (got === undefined) return undefined;
  const [[shoulder, elbow, wrist], seen] = got;
  const a = angleDeg(shoulder!, elbow!, wrist!);
  return a === undefined ? undefined : [a, seen];
}

function armElevation(pose: Pose, side: Side): Measure {
  const got = pose.all(['shoulder', 'elbow'], side);
  if (got === undefined) return undefined;
  const [[shoulder, elbow], seen] = got;
  const a = elevationDeg(shoulder!, elbow!);
  return a === undefined ? undefined : [a, seen];
}

function footLift(pose: Pose, side: Side): Measure {
  const got = pose.all(['ankle', 'heel', 'foot_index'], side);
  if (got === undefined) return undefined;
  const [[ankle, heel, toe], seen] = got;
  return [(toe!.y - heel!.y + (toe!.y - ankle!.y)) / 2, seen];
}

function torso(pose: Pose): Measure {
  const side = (p: Pose, s: Side): Measure => {
    const got = p.all(['shoulder', 'hip'], s);
    if (got === undefined) return undefined;
    const [[shoulder, hip], seen] = got;
    return [distance(shoulder!, hip!), seen];
  };
  const m = sides(pose, side, false);
  if (m === undefined || !(m[0] >= MIN_SPAN)) return undefined;
  return m;
}

function measure(kind: Kind, pose: Pose): Signal | undefined {
  const one = (value: number, seen: number, of: number): Signal => ({
    values: [value, 0],
    quality: clamp01(seen / of),
  });
  switch (kind) {
    case 'undetectable':
      return undefined;
    case 'squats':
    case 'wall_sit': {
      const m = sides(pose, kneeAngle, false);
      return m && one(m[0], m[1], 6);
    }
    case 'desk_pushups': {
      const m = sides(pose, elbowAngle, false);
      return m && one(m[0], m[1], 6);
    }
    case 'arm_raises': {
      const m = sides(pose, armElevation, true);
      return m && one(m[0], m[1], 4);
    }
    case 'jumping_jacks': {
      const arms = sides(pose, armElevation, true);
      if (arms === undefined) return undefined;
      const ls = pose.get('shoulder', 'left');
      const rs = pose.get('shoulder', 'right');
      const la = pose.get('ankle', 'left');
      const ra = pose.get('ankle', 'right');
      if (!ls || !rs || !la || !ra) return undefined;
      const shoulders = Math.abs(ls[0].x - rs[0].x);
      if (shoulders < MIN_SPAN) return undefined;
      const feet = Math.abs(la[0].x - ra[0].x) / shoulders;
      const seen = arms[1] + la[1] + ra[1];
      return { values: [arms[0], feet], quality: clamp01(seen / 6) };
    }
    case 'shoulder_rolls': {
      const nose = pose.get('nose', 'left');
      const ls = pose.get('shoulder', 'left');
      const rs = pose.get('shoulder', 'right');
      if (!nose || !ls || !rs) return undefined;
      const width = distance(ls[0], rs[0]);
      if (width < MIN_SPAN) return undefined;
      const gap = (midpoint(ls[0], rs[0]).y - nose[0].y) / width;
      return one(gap, nose[1] + ls[1] + rs[1], 3);
    }
    case 'march_in_place': {
      const t = torso(pose);
      if (t === undefined) return undefined;
      const lk = pose.get('knee', 'left');
      const rk = pose.get('knee', 'right');
      if (!lk || !rk) return undefined;
      return one((rk[0].y - lk[0].y) / t[0], t[1] + lk[1] + rk[1], 6);
    }
    case 'side_bends': {
      const ls = pose.get('shoulder', 'left');
      const rs = pose.get('shoulder', 'right');
      if (!ls || !rs) return undefined;
      const tilt = tiltDeg(ls[0], rs[0], MIN_SPAN);
      return tilt === undefined ? undefined : one(tilt, ls[1] + rs[1], 2);
    }
    case 'neck_stretch': {
      const le = pose.get('ear', 'left');
      const re = pose.get('ear', 'right');
      const ls = pose.get('shoulder', 'left');
      const rs = pose.get('shoulder', 'right');
      if (!le || !re || !ls || !rs) return undefined;
      const ears = tiltDeg(le[0], re[0], MIN_SPAN / 2);
      if (ears === undefined) return undefined;
      const shoulders = tiltDeg(ls[0], rs[0], MIN_SPAN);
      if (shoulders === undefined) return undefined;
      return one(ears - shoulders, le[1] + re[1] + ls[1] + rs[1], 4);
    }
    case 'calf_raises': {
      const t = torso(pose);
      if (t === undefined) return undefined;
      const lift = sides(pose, footLift, false);
      if (lift === undefined) return undefined;
      return one(lift[0] / t[0], t[1] + lift[1], 10);
    }
  }
}

function zone(th: Thresholds, values: [number, number]): Zone {
  const [v, second] = values;
  const extraOk = th.extra === undefined || second >= th.extra;
  switch (th.direction) {
    case 'below':
      if (v <= th.enter) return { z: 'active', lean: 'only' };
      if (v >= th.exit) return { z: 'rest' };
      break;
    case 'above':
      if (v >= th.enter && extraOk) return { z: 'active', lean: 'only' };
      if (v <= th.exit) return { z: 'rest' };
      break;
    case 'either_side':
      if (v >= th.enter) return { z: 'active', lean: 'left' };
      if (v <= -th.enter) return { z: 'active', lean: 'right' };
      if (Math.abs(v) <= th.exit) return { z: 'rest' };
      break;
  }
  return { z: 'between' };
}

function classifyZone(th: Thresholds, values: [number, number]): Zone {
  const mid = (th.enter + th.exit) / 2;
  const z = zone({ ...th, enter: mid, exit: mid }, values);
  return z.z === 'between' ? { z: 'rest' } : z;
}

// ---- smooth.rs ----

function weight(dtUs: number, tauUs: number): number {
  if (tauUs === 0) return 1;
  return 1 - Math.exp(-dtUs / tauUs);
}

class Ema {
  private last: { values: number[]; at: number } | undefined;
  constructor(private readonly tauUs: number) {}

  update(tUs: number, sample: number[]): number[] {
    let values: number[];
    if (this.last === undefined) {
      values = sample.slice();
    } else {
      const w = weight(Math.max(0, tUs - this.last.at), this.tauUs);
      values = this.last.values.map((v, i) => v + w * (sample[i]! - v));
    }
    this.last = { values, at: tUs };
    return values;
  }

  value(): number[] | undefined {
    return this.last?.values;
  }

  reset(): void {
    this.last = undefined;
  }
}

const BASELINE_FAST_TAU_US = 500_000;
const BASELINE_SLOW_TAU_US = 10_000_000;

class Baseline {
  private last: { base: number; at: number } | undefined;
  constructor(private readonly restIsHigh: boolean) {}

  update(tUs: number, sample: number, resting: boolean): number {
    let base: number;
    if (this.last === undefined) {
      base = sample;
    } else {
      const prev = this.last.base;
      const towardsRest = this.restIsHigh ? sample > prev : sample < prev;
      const dt = Math.max(0, tUs - this.last.at);
      const w = towardsRest
        ? weight(dt, BASELINE_FAST_TAU_US)
        : resting
          ? weight(dt, BASELINE_SLOW_TAU_US)
          : 0;
      base = prev + w * (sample - prev);
    }
    this.last = { base, at: tUs };
    return base;
  }

  reset(): void {
    this.last = undefined;
  }
}

// ---- counter.rs ----

class Counter {
  state: State = { s: 'unknown' };
  private armed = false;
  private pending = 0;
  reps = 0;
  private lastRepUs: number | undefined;
  private heldUs = 0;
  private lastSeen: { at: number; active: boolean } | undefined;

  constructor(private readonly minIntervalUs: number) {}

  observe(tUs: number, zone: Zone): void {
    let next: State;
    let completed = false;
    const state = this.state;
    if (zone.z === 'between') {
      next = state;
    } else if (state.s !== 'active' && zone.z === 'rest') {
      next = { s: 'rest' };
    } else if (state.s === 'unknown' && zone.z === 'active') {
      this.armed = false;
      next = { s: 'active', lean: zone.lean };
    } else if (state.s === 'rest' && zone.z === 'active') {
      this.armed = true;
      next = { s: 'active', lean: zone.lean };
    } else if (state.s === 'active' && zone.z === 'rest') {
      next = { s: 'rest' };
      completed = this.armed;
    } else if (state.s === 'active' && zone.z === 'active' && state.lean !== zone.lean) {
      completed = this.armed;
      this.armed = true;
      next = { s: 'active', lean: zone.lean };
    } else {
      next = state;
    }
    if (completed) this.pending = Math.min(this.pending + 1, MAX_PENDING);
    const active = next.s === 'active';
    if (this.lastSeen !== undefined && this.lastSeen.active && active) {
      const gap = Math.min(Math.max(0, tUs - this.lastSeen.at), MAX_HOLD_GAP_US);
      this.heldUs += gap;
    }
    this.state = next;
    this.lastSeen = { at: tUs, active };
    this.flush(tUs);
  }

  flush(tUs: number): void {
    const due =
      this.lastRepUs === undefined || Math.max(0, tUs - this.lastRepUs) >= this.minIntervalUs;
    if (this.pending > 0 && due) {
      this.pending -= 1;
      this.reps = Math.min(this.reps + 1, 0xffff_ffff);
      this.lastRepUs = tUs;
    }
  }

  heldMs(): number {
    return Math.min(Math.floor(this.heldUs / 1000), 0xffff_ffff);
  }
}

// ---- the detector (mod.rs) ----

/** The built-in catalogue, the very file the server compiles in (rooms/catalogue.json). */
export function builtinCatalogue(): Catalogue {
  return BUILTIN_CATALOGUE;
}

/**
 * Counts one exercise's reps (or times its holds) from a stream of pose frames. Feed every
 * frame to {@link Detector.update} with its capture time in µs.
 */
export class Detector {
  private readonly kind: Kind;
  private readonly thresholds: Thresholds | undefined;
  private readonly scoredInSeconds: boolean;
  private readonly smooth: Ema;
  private readonly confidence = new Ema(CONFIDENCE_TAU_US);
  private readonly baseline: Baseline;
  private counter: Counter;
  private readonly minIntervalUs: number;
  private lastUs: number | undefined;

  /** A detector for an exercise of the built-in catalogue; `undefined` if not in it. */
  static forExercise(id: string): Detector | undefined {
    const exercise = BUILTIN_CATALOGUE.exercises.find((e) => e.id === id);
    return exercise === undefined ? undefined : new Detector(exercise);
  }

  /** A detector for a catalogue entry, with its thresholds and maximum rate. */
  constructor(exercise: Exercise) {
    this.kind = kindFromId(exercise.id);
    const perMin = Math.max(1, Math.floor(exercise.max_per_min));
    this.minIntervalUs = Math.floor((60_000_000 + perMin - 1) / perMin);
    this.thresholds = thresholdsFor(this.kind, exercise.thresholds);
    this.scoredInSeconds = exercise.unit === 'seconds';
    this.smooth = new Ema(isHold(this.kind) ? HOLD_SMOOTHING_TAU_US : SMOOTHING_TAU_US);
    this.baseline = new Baseline(this.kind === 'shoulder_rolls');
    this.counter = new Counter(this.minIntervalUs);
  }

  /**
   * Feeds one frame captured at `tUs` (µs, any epoch; a frame earlier than the latest is
   * ignored) and returns the reading after it.
   */
  update(tUs: number, model: PoseModelName, landmarks: readonly DetectorLandmark[]): Reading {
    if (this.lastUs !== undefined && tUs < this.lastUs) return this.reading();
    this.lastUs = tUs;
    const th = this.thresholds;
    if (th === undefined) return this.reading();
    const signal = measure(this.kind, new Pose(model, landmarks));
    this.confidence.update(tUs, [signal === undefined ? 0 : signal.quality]);
    if (signal !== undefined) {
      const smoothed = this.smooth.update(tUs, signal.values) as [number, number];
      const values = this.againstRest(tUs, smoothed);
      this.counter.observe(tUs, zone(th, values));
    } else {
      this.counter.flush(tUs);
    }
    return this.reading();
  }

  /** The reading after the latest frame. */
  reading(): Reading {
    const c = this.confidence.value();
    const confidence = c === undefined ? 0 : c[0]!;
    return {
      reps: this.counter.reps,
      activeMs: this.scoredInSeconds ? this.counter.heldMs() : 0,
      phase: phaseOf(this.kind, this.counter.state),
      confidence: Math.fround(Math.min(1, Math.max(0, confidence))),
    };
  }

  /** Forgets everything seen: a new exercise window, counts at zero. */
  reset(): void {
    this.smooth.reset();
    this.confidence.reset();
    this.baseline.reset();
    this.counter = new Counter(this.minIntervalUs);
    this.lastUs = undefined;
  }

  /**
   * The phase of a single pose, without smoothing or hysteresis (the signal against the
   * midpoint of the thresholds). `undefined` when the landmarks are not usable, and for
   * exercises measured against a resting level (calf raises, shoulder rolls).
   */
  classify(model: PoseModelName, landmarks: readonly DetectorLandmark[]): DetectorPhase | undefined {
    const th = this.thresholds;
    if (th === undefined || usesBaseline(this.kind)) return undefined;
    const signal = measure(this.kind, new Pose(model, landmarks));
    if (signal === undefined) return undefined;
    const z = classifyZone(th, signal.values);
    return phaseOf(this.kind, z.z === 'active' ? { s: 'active', lean: z.lean } : { s: 'rest' });
  }

  private againstRest(tUs: number, smoothed: [number, number]): [number, number] {
    const [value, second] = smoothed;
    const resting = this.counter.state.s !== 'active';
    if (this.kind === 'calf_raises') {
      const base = this.baseline.update(tUs, value, resting);
      return [value - base, second];
    }
    if (this.kind === 'shoulder_rolls') {
      const base = this.baseline.update(tUs, value, resting);
      const lift = base > 1e-6 ? 1 - value / base : 0;
      return [lift, second];
    }
    return smoothed;
  }
}

/** Whether a squat pose is up or down (the squat detector's classify). */
export function squatState(
  model: PoseModelName,
  landmarks: readonly DetectorLandmark[],
): DetectorPhase | undefined {
  return Detector.forExercise('squats')?.classify(model, landmarks);
}
