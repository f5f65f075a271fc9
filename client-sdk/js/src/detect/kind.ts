// Which detector an exercise gets, and its thresholds from the catalogue: the port of
// rooms/src/detect/kind.rs.

import type { DetectorPhase } from '../detect.js';
import type { State } from './counter.js';

/** Time constant of the signal smoothing of exercises counted in moves, in µs. */
export const SMOOTHING_TAU_US = 100_000;
/**
 * Time constant of the signal smoothing of held poses (neck stretch, wall sit), in µs: a hold
 * needs no quick response, and small signals (a head's tilt) need the steadier value.
 */
export const HOLD_SMOOTHING_TAU_US = 300_000;
/**
 * Time constant of the signal smoothing of exercises measured against a resting level (calf
 * raises, shoulder rolls), in µs: their signals are small next to the landmarks' noise.
 */
export const BASELINE_SMOOTHING_TAU_US = 200_000;

/** The detectors, one per catalogue exercise that can be seen in keypoints. */
export type Kind =
  /** An exercise this module cannot see: always `unknown`, confidence 0. */
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
  | 'wall_sit'
  | 'lunges';

/**
 * How a signal is compared with its two thresholds: `below` (active at or below `enter`, at
 * rest at or above `exit`: a knee or elbow angle), `above` (active at or above `enter`, at rest
 * at or below `exit`: an arm's elevation), `either_side` (active to the left at or above
 * `enter`, to the right at or below `-enter`, at rest within `±exit`: a tilt, a knee lifted on
 * one side).
 */
export type Direction = 'below' | 'above' | 'either_side';

/**
 * A detector's threshold names in the catalogue, and the values used when the catalogue entry
 * lacks them (the built-in catalogue has them all).
 */
interface Spec {
  direction: Direction;
  /** Threshold to enter the active position. */
  enter: [string, number];
  /** Threshold to return to rest. */
  exit: [string, number];
  /** A second condition of the active position (jumping jacks: how far apart the feet). */
  extra?: [string, number];
  /** Further thresholds of the exercise's own rule (squats: the hip-drop cue). */
  more?: readonly [string, number][];
}

/** Thresholds read from a catalogue entry. */
export interface Thresholds {
  direction: Direction;
  enter: number;
  exit: number;
  /** The second condition's threshold, on the signal's second value. */
  extra: number | undefined;
  /** The spec's `more` values, in order (unused slots 0), MORE of them. */
  more: [number, number, number];
}

/** Most thresholds in a spec's `more`. */
export const MORE = 3;

/** The squats' hip-drop cue and the level legs they need, in `more` order. */
const SQUAT_MORE: readonly [string, number][] = [
  ['hip_drop_down_leg_ratio', 0.25],
  ['hip_drop_up_leg_ratio', 0.1],
  ['legs_level_leg_ratio', 0.25],
];

const SPECS: Record<Exclude<Kind, 'undetectable'>, Spec> = {
  squats: {
    direction: 'below',
    enter: ['knee_angle_down_deg', 125],
    exit: ['knee_angle_up_deg', 155],
    more: SQUAT_MORE,
  },
  lunges: {
    direction: 'either_side',
    enter: ['hip_drop_enter_leg_ratio', 0.2],
    exit: ['hip_drop_exit_leg_ratio', 0.1],
    extra: ['legs_split_leg_ratio', 0.35],
  },
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
    enter: ['heel_lift_enter_torso_ratio', 0.07],
    exit: ['heel_lift_exit_torso_ratio', 0.035],
  },
  neck_stretch: {
    direction: 'either_side',
    enter: ['head_tilt_enter_deg', 20],
    exit: ['head_tilt_exit_deg', 12],
  },
  desk_pushups: {
    direction: 'below',
    enter: ['elbow_angle_down_deg', 125],
    exit: ['elbow_angle_up_deg', 155],
  },
  wall_sit: {
    direction: 'below',
    enter: ['knee_angle_max_deg', 110],
    exit: ['knee_angle_release_deg', 125],
  },
};

/** The detector for a catalogue id. */
export function kindFromId(id: string): Kind {
  return Object.hasOwn(SPECS, id) ? (id as Kind) : 'undetectable';
}

/** Every threshold name a detector reads, with its default, in order (enter, exit, extra, more). */
export function thresholdNames(kind: Kind): [string, number][] {
  if (kind === 'undetectable') return [];
  const spec = SPECS[kind];
  return [spec.enter, spec.exit, ...(spec.extra ? [spec.extra] : []), ...(spec.more ?? [])];
}

/**
 * The thresholds from a catalogue entry's map, defaults filling the gaps. Non-finite values
 * (which the catalogue refuses anyway) fall back to the defaults too.
 */
export function thresholdsFor(kind: Kind, map: Record<string, number> | undefined): Thresholds | undefined {
  if (kind === 'undetectable') return undefined;
  const spec = SPECS[kind];
  const read = ([name, def]: [string, number]): number => {
    const v = map !== undefined && Object.hasOwn(map, name) ? map[name] : undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : def;
  };
  const more: [number, number, number] = [0, 0, 0];
  (spec.more ?? []).slice(0, MORE).forEach((threshold, i) => {
    more[i] = read(threshold);
  });
  return {
    direction: spec.direction,
    enter: read(spec.enter),
    exit: read(spec.exit),
    extra: spec.extra === undefined ? undefined : read(spec.extra),
    more,
  };
}

/**
 * Whether the exercise is a held pose (smoothed more steadily, and timed only once held for
 * MIN_HOLD_MS).
 */
export const isHold = (k: Kind): boolean => k === 'neck_stretch' || k === 'wall_sit';

/**
 * Whether the signal is measured against a resting baseline (calf raises, shoulder rolls) or
 * level (side bends, neck stretches) rather than absolute values; such exercises cannot
 * classify a single pose.
 */
export const usesBaseline = (k: Kind): boolean =>
  k === 'calf_raises' || k === 'shoulder_rolls' || k === 'side_bends' || k === 'neck_stretch';

/** The time constant of the signal's smoothing, µs. */
export function smoothingTauUs(k: Kind): number {
  if (isHold(k)) return HOLD_SMOOTHING_TAU_US;
  if (usesBaseline(k)) return BASELINE_SMOOTHING_TAU_US;
  return SMOOTHING_TAU_US;
}

/** The phase a counter state shows as. */
export function phaseOf(kind: Kind, state: State): DetectorPhase {
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
    case 'lunges':
      return lean === undefined ? 'neutral' : lean === 'right' ? 'right' : 'left';
  }
}
