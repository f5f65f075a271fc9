// Each exercise's signal (the port of rooms/src/detect/signals.rs): one or two numbers
// measured on a frame's usable landmarks, and where they fall against the thresholds.
//
// Every signal is an angle or a ratio of two lengths of the body, so it does not change when
// the person walks closer or away. A signal needs certain landmarks; when some are missing the
// frame gives no signal (the detector then holds its state). Bilateral exercises measured on
// limbs (squats, push-ups, calf raises, wall sit) make do with one side; the others need both
// (arm raises need both arms up, so waving one arm is not an arm raise).

import type { Zone } from './counter.js';
import type { Kind, Thresholds } from './kind.js';
import { type Pose, type Side, angleDeg, distance, elevationDeg, midpoint, tiltDeg, toDegrees } from './pose.js';

/**
 * Shortest body span (shoulder width, torso length) in normalized image units that is taken
 * for a person rather than landmarks collapsed on each other.
 */
const MIN_SPAN = 0.01;

/**
 * Squats and lunges are done with the torso leaning at most this far, degrees (a deep squat
 * leans about 45 in a side view; a push-up lies at about 90). (rules.rs's `UPRIGHT_DEG`,
 * defined here so that the two modules do not import each other.)
 */
export const UPRIGHT_DEG = 70;

/** One frame's signal. */
export interface Signal {
  /** The measured values; the second is used only by exercises with two conditions. */
  values: [number, number];
  /**
   * Visibility of the landmarks used, summed and divided by the number the exercise uses with
   * both sides seen: 0 to 1.
   */
  quality: number;
}

/** A per-side measurement: the value and the summed visibility of its landmarks. */
type Measure = [number, number] | undefined;

const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

/** Rust's `f64::max`: NaN only when both are. */
const fmax = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b));
/** Rust's `f64::min`: NaN only when both are. */
const fmin = (a: number, b: number): number => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.min(a, b));

/** The exercise's signal on this frame, if its landmarks are usable. */
export function measure(kind: Kind, pose: Pose): Signal | undefined {
  const one = (value: number, seen: number, of: number): Signal => ({
    values: [value, 0],
    quality: clamp01(seen / of),
  });
  switch (kind) {
    case 'undetectable':
      return undefined;
    case 'lunges': {
      // The lunge is measured on the posture (hip drop, legs split): this only says whether
      // both legs are seen.
      const l = kneeAngle(pose, 'left');
      const r = kneeAngle(pose, 'right');
      if (l === undefined || r === undefined) return undefined;
      return one(Math.min(l[0], r[0]), l[1] + r[1], 6);
    }
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
      // The shoulders' visibility is already in the arms' `seen`.
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
      // Positive when the left knee is the higher one (smaller y).
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
      // Both heels rise in a calf raise (one alone is the back foot of a lunge): the lower of
      // the two when both are seen.
      const l = footLift(pose, 'left');
      const r = footLift(pose, 'right');
      let lift: [number, number];
      if (l !== undefined && r !== undefined) lift = [Math.min(l[0], r[0]), l[1] + r[1]];
      else if (l !== undefined || r !== undefined) lift = (l ?? r)!;
      else return undefined;
      return one(lift[0] / t[0], t[1] + lift[1], 10);
    }
  }
}

/** How many values {@link posture} measures. */
export const POSTURE = 10;

/**
 * The posture around an exercise's own signal, which the exclusions and the lower-body
 * detectors read, each NaN when its landmarks are not seen; see {@link Posture}'s fields. In
 * order: extent (the lower ankle's y − the hips' mean y), torso length, the more bent knee's
 * angle, right knee's y − left knee's y, left ankle's y − right ankle's y, the torso's lean, the
 * higher arm's elevation, the head's tilt against the shoulders, the head's turn, the shoulder
 * line's tilt.
 */
export function posture(pose: Pose): number[] {
  const nan = NaN;
  const hips = pose.mean('hip');
  // The foot on the floor: the lower ankle (a march lifts the other).
  let floor = nan;
  for (const side of ['left', 'right'] as const) {
    const a = pose.get('ankle', side);
    if (a !== undefined) floor = fmax(floor, a[0].y);
  }
  const extent = hips !== undefined ? floor - hips.y : nan;
  const shoulders = pose.mean('shoulder');
  const torsoLength = shoulders !== undefined && hips !== undefined ? distance(shoulders, hips) : nan;
  let kneeMin = nan;
  for (const k of [kneeAngle(pose, 'left'), kneeAngle(pose, 'right')]) {
    if (k !== undefined) kneeMin = fmin(kneeMin, k[0]);
  }
  const dy = (part: 'knee' | 'ankle', lowerIs: Side): number => {
    const l = pose.get(part, 'left');
    const r = pose.get(part, 'right');
    if (l === undefined || r === undefined) return nan;
    return lowerIs === 'right' ? r[0].y - l[0].y : l[0].y - r[0].y;
  };
  const tilt =
    shoulders !== undefined && hips !== undefined && distance(shoulders, hips) >= MIN_SPAN
      ? toDegrees(Math.atan2(Math.abs(shoulders.x - hips.x), hips.y - shoulders.y))
      : nan;
  let arms = nan;
  for (const a of [armElevation(pose, 'left'), armElevation(pose, 'right')]) {
    if (a !== undefined) arms = fmax(arms, a[0]);
  }
  let head = nan;
  const le = pose.get('ear', 'left');
  const re = pose.get('ear', 'right');
  const ls = pose.get('shoulder', 'left');
  const rs = pose.get('shoulder', 'right');
  if (le && re && ls && rs) {
    const ears = tiltDeg(le[0], re[0], MIN_SPAN / 2);
    const line = tiltDeg(ls[0], rs[0], MIN_SPAN);
    if (ears !== undefined && line !== undefined) head = Math.abs(ears - line);
  }
  // How far the head is turned from the camera: the nose's horizontal offset from the ears'
  // middle, in half the ears' horizontal span (both horizontal, so the image's aspect ratio
  // cancels; tilting the head moves the nose little sideways): 0 facing the camera, about 0.75
  // turned 30°, 1.3 turned 45°, large from the side, where the ears line up. One ear hidden
  // behind the head is a side view too.
  const nose = pose.get('nose', 'left');
  let turn = nan;
  if (nose && le && re) {
    const half = Math.abs(le[0].x - re[0].x) / 2;
    turn = Math.min(Math.abs(nose[0].x - (le[0].x + re[0].x) / 2) / Math.max(half, 1e-3), TURNED);
  } else if (nose && (le || re)) {
    turn = TURNED;
  }
  let shoulderLine = nan;
  if (ls && rs) {
    const t = tiltDeg(ls[0], rs[0], MIN_SPAN);
    shoulderLine = t === undefined ? nan : Math.abs(t);
  }
  return [
    extent,
    torsoLength,
    kneeMin,
    dy('knee', 'right'),
    dy('ankle', 'left'),
    tilt,
    arms,
    head,
    turn,
    shoulderLine,
  ];
}

/** {@link Posture.turn} of a side view. */
const TURNED = 10;

/** The smoothed posture, read by name; undefined where not seen. */
export interface Posture {
  /**
   * How far the hips have dropped from standing, as a share of the standing legs' height in
   * the image (the lower ankle's y − the hips' mean y): 0 standing, about 0.45 at the bottom of
   * a deep squat, below 0 on the toes. Undefined when hips or ankles are not seen, or the body
   * is not upright (legs shorter than half the torso in the image, or the torso leaning more
   * than UPRIGHT_DEG: lying, sitting, cut off).
   */
  drop: number | undefined;
  /**
   * Signed split of the legs in standing leg heights, positive when the person's left leg is
   * in front: (right knee's y − left knee's y) + (left ankle's y − right ankle's y). The back
   * knee sinks in a lunge (side views), and the front foot is nearer, so lower in the image
   * (front views): both add up. A march cancels out (the lifted knee's foot rises), and so,
   * mostly, does a foot nearer the camera than the other (its knee and ankle both sink in the
   * image): a squat's legs are level when this is near 0, whatever the view.
   */
  split: number | undefined;
  /** Left ankle's y − right ankle's y, in standing leg heights. */
  anklesDy: number | undefined;
  /** The more bent knee's angle, degrees. */
  kneeMin: number | undefined;
  /** The torso's lean from the image's vertical, degrees (0 upright, 90 lying). */
  tilt: number | undefined;
  /** The higher arm's elevation, degrees (0 hanging, 180 overhead). */
  arms: number | undefined;
  /** The head's tilt against the shoulder line, degrees, either side. */
  head: number | undefined;
  /**
   * How far the person is turned from the camera: the nose's horizontal offset from the ears'
   * middle, in half their horizontal span; 0 facing it, about 1.3 turned 45°, up to 10 in a
   * side view.
   */
  turn: number | undefined;
  /** The shoulder line's tilt from level, degrees, either side. */
  shoulders: number | undefined;
}

/** Reads smoothed {@link posture} values against the standing legs' height `standing`. */
export function readPosture(values: readonly number[], standing: number | undefined): Posture {
  const [extent, torsoLength, kneeMin, kneeDy, ankleDy, tilt, arms, head, turn, shoulders] = values as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const some = (v: number): number | undefined => (Number.isFinite(v) ? v : undefined);
  const upright =
    Number.isFinite(extent) &&
    (!Number.isFinite(torsoLength) || extent >= 0.5 * torsoLength) &&
    (!Number.isFinite(tilt) || tilt <= UPRIGHT_DEG);
  const s = standing !== undefined && standing >= MIN_SPAN && upright ? standing : undefined;
  const perLeg = (v: number): number | undefined => (s === undefined ? undefined : some(v / s));
  return {
    drop: s === undefined ? undefined : 1 - extent / s,
    split: perLeg(kneeDy + ankleDy),
    anklesDy: perLeg(ankleDy),
    kneeMin: some(kneeMin),
    tilt: some(tilt),
    arms: some(arms),
    head: some(head),
    turn: some(turn),
    shoulders: some(shoulders),
  };
}

/**
 * Where smoothed values fall: `values[0]` against enter/exit in the thresholds' direction, and
 * `values[1]` against the extra threshold, if any, for entering the active position.
 */
export function zone(th: Thresholds, values: readonly [number, number]): Zone {
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

/**
 * Where a single pose's values fall against the midpoint of enter and exit: a verdict for
 * every pose, without hysteresis.
 */
export function classify(th: Thresholds, values: readonly [number, number]): Zone {
  const mid = (th.enter + th.exit) / 2;
  const z = zone({ ...th, enter: mid, exit: mid }, values);
  // Only jumping jacks with arms up but feet together land between: not open.
  return z.z === 'between' ? { z: 'rest' } : z;
}

/**
 * The mean over the sides where `f` measures, with the summed visibility of the landmarks
 * used; undefined if no side (or, with `both`, not both) measures.
 */
function sides(pose: Pose, f: (p: Pose, s: Side) => Measure, both: boolean): Measure {
  const l = f(pose, 'left');
  const r = f(pose, 'right');
  if (l !== undefined && r !== undefined) return [(l[0] + r[0]) / 2, l[1] + r[1]];
  if (!both) return l ?? r;
  return undefined;
}

/** Hip–knee–ankle angle. */
function kneeAngle(pose: Pose, side: Side): Measure {
  const got = pose.all(['hip', 'knee', 'ankle'], side);
  if (got === undefined) return undefined;
  const [[hip, knee, ankle], seen] = got;
  const a = angleDeg(hip!, knee!, ankle!);
  return a === undefined ? undefined : [a, seen];
}

/** Shoulder–elbow–wrist angle. */
function elbowAngle(pose: Pose, side: Side): Measure {
  const got = pose.all(['shoulder', 'elbow', 'wrist'], side);
  if (got === undefined) return undefined;
  const [[shoulder, elbow, wrist], seen] = got;
  const a = angleDeg(shoulder!, elbow!, wrist!);
  return a === undefined ? undefined : [a, seen];
}

/**
 * How far the upper arm is raised from hanging down (0) through horizontal (90) to overhead
 * (180). Measured against the image's vertical rather than the torso, so it works when the
 * hips are hidden by a desk.
 */
function armElevation(pose: Pose, side: Side): Measure {
  const got = pose.all(['shoulder', 'elbow'], side);
  if (got === undefined) return undefined;
  const [[shoulder, elbow], seen] = got;
  const a = elevationDeg(shoulder!, elbow!);
  return a === undefined ? undefined : [a, seen];
}

/**
 * How far the heel and ankle sit above the tip of the foot (image units, positive upwards):
 * both grow when the person rises on the toes.
 */
function footLift(pose: Pose, side: Side): Measure {
  const got = pose.all(['ankle', 'heel', 'foot_index'], side);
  if (got === undefined) return undefined;
  const [[ankle, heel, toe], seen] = got;
  return [(toe!.y - heel!.y + (toe!.y - ankle!.y)) / 2, seen];
}

/** Shoulder-to-hip length, the mean over the sides seen, with the summed visibility. */
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
