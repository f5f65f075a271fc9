// Where a frame falls for each exercise (the port of rooms/src/detect/rules.rs): its own
// signal against the thresholds, the squat's and the lunge's own rules, and the exclusions that
// keep each detector silent on the other exercises' movements.
//
// A frame that breaks an exercise's exclusions, or comes less than EXCLUSION_HOLD_US after one
// that did, falls `excluded` when the person is in, or entering, the active position: the state
// is kept, and the current stay no longer completes a rep (a side bend during which the hips
// drop into a squat is part of the squat). Returning to rest is never excluded. A posture value
// that is not seen (the legs out of the picture at a desk) excludes nothing. The squat's level
// legs only keep it from going down (a tracking glitch halfway must not void a real squat).

import type { Lean, State, Zone } from './counter.js';
import type { Kind, Thresholds } from './kind.js';
import { type Posture, UPRIGHT_DEG, zone as signalZone } from './signals.js';

export { UPRIGHT_DEG };

/**
 * Hips that stay "still" drop less than this share of the standing legs' height (a squat drops
 * 0.3 to 0.5, a lunge 0.25 to 0.45).
 */
export const HIPS_STILL = 0.12;
/** Knees that are "straight" are at least this open, degrees. */
export const KNEES_STRAIGHT_DEG = 150;
/**
 * Knees that are "bent" at all are at most this open, degrees: the hip-drop cue of squats and
 * lunges needs them (someone walking away from the camera shrinks too, with straight legs).
 */
export const KNEES_BENT_DEG = 160;
/** Legs whose split is at most this share of their standing height are level (wall sit). */
export const LEGS_LEVEL = 0.15;
/**
 * Push-ups lean the torso at least this far from upright in the image, degrees (against a desk
 * about 45, on the floor about 80; a landscape frame squeezes 45 to about 25, a portrait one
 * stretches it); a standing person's arms bending is not a push-up.
 */
export const PUSHUP_LEAN_DEG = 15;
/** Shoulder rolls and calf raises are done with the torso upright (within this many degrees)... */
export const ROLL_UPRIGHT_DEG = 20;
/** ... the hips still (drop at most this share)... */
export const ROLL_HIPS_STILL = 0.08;
/** ... the arms low (elevation at most this, degrees: arms overhead lift the shoulders)... */
export const ROLL_ARMS_DEG = 60;
/** ... and the head straight (tilted at most this, degrees: a tilted head nears a shoulder). */
export const ROLL_HEAD_DEG = 20;
/**
 * Shoulder rolls, side bends and neck stretches are seen facing the camera, turned at most
 * about 45° (`Posture.turn` at most this): turned further, the shoulder line foreshortens, so
 * any height difference reads as a steep tilt, and the nose-to-shoulders gap changes with the
 * turn.
 */
export const TURN_MAX = 1.3;
/**
 * ... and the shoulder line level (tilted at most this, degrees: a side bend changes the
 * nose-to-shoulders gap too).
 */
export const ROLL_SHOULDERS_DEG = 18;
/** Side bends keep the hips at standing height (drop at most this share). */
export const BEND_HIPS_STILL = 0.08;
/**
 * Calf raises lift the hips (a drop of at most this share: the heels of a lunge's back foot
 * rise while the hips sink).
 */
export const CALF_HIPS = 0.05;
/**
 * A marching foot comes up with its knee: the lifted side's ankle is not lower than the
 * other's by more than this share of the standing legs' height (a lunge's front foot is).
 */
export const MARCH_FOOT = 0.05;

/**
 * How long a broken exclusion keeps the active position from being entered, µs: the end of a
 * squat straightens the back and lifts the head, which is not a shoulder roll.
 */
export const EXCLUSION_HOLD_US = 500_000;

/** The zone of a frame's smoothed values, with the posture around them, before exclusions. */
export function zone(kind: Kind, th: Thresholds, values: readonly [number, number], p: Posture): Zone {
  if (kind === 'squats') return squat(th, values[0], p);
  if (kind === 'lunges') return lunge(th, p);
  return signalZone(th, values);
}

/**
 * `z` after the exclusions, for a counter in `state`: `excluded` when the frame would enter or
 * hold the active position less than EXCLUSION_HOLD_US after `excludedAt`, the latest time (µs)
 * a frame broke the exercise's exclusions (this one included).
 */
export function exclude(z: Zone, state: State, tUs: number, excludedAt: number | undefined): Zone {
  const recent = excludedAt !== undefined && Math.max(0, tUs - excludedAt) < EXCLUSION_HOLD_US;
  if ((z.z === 'active' || (z.z === 'between' && state.s === 'active')) && recent) {
    return { z: 'excluded' };
  }
  return z;
}

/** `value <= max`, or true when not seen. */
const atMost = (value: number | undefined, max: number): boolean => value === undefined || value <= max;

/** `value >= min`, or true when not seen. */
const atLeast = (value: number | undefined, min: number): boolean => value === undefined || value >= min;

/**
 * Squats: down when the hips drop past the first of `more` with the knees bent, up when they
 * are back within the second of `more`: the hips' drop is the same from every side, where the
 * knee's angle is not (seen from the front, a narrow squat's thigh points at the camera and the
 * knee looks barely bent; from the side, stretched by a portrait frame, a quarter-torso bob
 * looks like a squat). Only when the drop cannot be measured (no ankle seen, the torso lying)
 * do the knees decide: down at `enter`, up at `exit`. Legs split (a lunge) or a lying torso (a
 * push-up) void the squat ({@link squatLegs}), and are no way up either (a foot misplaced for a
 * frame is not standing).
 */
function squat(th: Thresholds, kneeAngle: number, p: Posture): Zone {
  const [dropDown, dropUp] = th.more;
  const bent = p.kneeMin !== undefined && p.kneeMin <= KNEES_BENT_DEG;
  const [down, up] =
    p.drop !== undefined ? [bent && p.drop >= dropDown, p.drop <= dropUp] : [kneeAngle <= th.enter, kneeAngle >= th.exit];
  if (down) return { z: 'active', lean: 'only' };
  if (up && squatLegs(th, p)) return { z: 'rest' };
  return { z: 'between' };
}

/** Whether a squat's legs are level (the third of `more`) and its torso upright (not a push-up). */
function squatLegs(th: Thresholds, p: Posture): boolean {
  return atMost(p.split === undefined ? undefined : Math.abs(p.split), th.more[2]) && atMost(p.tilt, UPRIGHT_DEG);
}

/**
 * Lunges: active when the hips drop past `enter` with the legs split past `extra` (the side is
 * the front leg's) and the torso upright; at rest when the hips are back within `exit`. (The
 * knees' angles say little here: seen from the front, the front thigh points at the camera and
 * the back shin away from it.)
 */
function lunge(th: Thresholds, p: Posture): Zone {
  const { drop, split } = p;
  if (drop === undefined || split === undefined) return { z: 'between' };
  const splitMin = th.extra ?? 0;
  if (drop >= th.enter && Math.abs(split) >= splitMin && atMost(p.tilt, UPRIGHT_DEG)) {
    return { z: 'active', lean: split > 0 ? 'left' : 'right' };
  }
  if (drop <= th.exit) return { z: 'rest' };
  return { z: 'between' };
}

/**
 * Whether a frame breaks the exercise's exclusions; `lean` is the side of the active position
 * the frame's signal is in, if any.
 */
export function excluded(kind: Kind, th: Thresholds, lean: Lean | undefined, p: Posture): boolean {
  return !allowed(kind, th, lean, p);
}

/** Whether the exercise's exclusions let the active position be entered or held. */
function allowed(kind: Kind, th: Thresholds, lean: Lean | undefined, p: Posture): boolean {
  switch (kind) {
    case 'squats':
      // Split legs void a squat, whenever they split (a lunge seen from the side splits them
      // only as it deepens).
      return squatLegs(th, p);
    case 'march_in_place': {
      // The lifted side's ankle minus the other's, in image y (positive: lower).
      const foot =
        lean === 'right'
          ? p.anklesDy === undefined
            ? undefined
            : -p.anklesDy
          : lean === 'left'
            ? p.anklesDy
            : undefined;
      return atMost(p.drop, HIPS_STILL) && atMost(foot, MARCH_FOOT);
    }
    case 'calf_raises':
      return atMost(p.drop, CALF_HIPS) && atLeast(p.kneeMin, KNEES_STRAIGHT_DEG) && atMost(p.tilt, ROLL_UPRIGHT_DEG);
    case 'side_bends':
      return atMost(p.drop, BEND_HIPS_STILL) && atLeast(p.kneeMin, KNEES_STRAIGHT_DEG) && atMost(p.turn, TURN_MAX);
    case 'neck_stretch':
      return atMost(p.drop, HIPS_STILL) && atLeast(p.kneeMin, KNEES_STRAIGHT_DEG) && atMost(p.turn, TURN_MAX);
    case 'shoulder_rolls':
      return (
        atMost(p.drop, ROLL_HIPS_STILL) &&
        atLeast(p.kneeMin, KNEES_STRAIGHT_DEG) &&
        atMost(p.arms, ROLL_ARMS_DEG) &&
        atMost(p.tilt, ROLL_UPRIGHT_DEG) &&
        atMost(p.head, ROLL_HEAD_DEG) &&
        atMost(p.shoulders, ROLL_SHOULDERS_DEG) &&
        atMost(p.turn, TURN_MAX)
      );
    case 'desk_pushups':
      return atLeast(p.tilt, PUSHUP_LEAN_DEG) && atLeast(p.kneeMin, KNEES_STRAIGHT_DEG);
    case 'wall_sit':
      return atMost(p.split === undefined ? undefined : Math.abs(p.split), LEGS_LEVEL);
    case 'undetectable':
    case 'lunges':
    case 'jumping_jacks':
    case 'arm_raises':
      return true;
  }
}
