// The exercise detector: a line-by-line port of the Rust one (rooms/src/detect/), which the
// server runs to cross-check reported scores. Same algorithm, same constants, same order of
// operations and floating-point formulas, same thresholds (read from the shared catalogue,
// rooms/catalogue.json), held to the same fixtures (generated from rooms/fixtures/recipes.json).
// Landmarks are rounded to f32 first, as the Rust `Landmark` holds them, so both sides compute
// on the very same values. Each module of ./detect/ ports the Rust module of the same name:
// pose (landmarks by body part, geometry), filter (single-frame outliers), signals (each
// exercise's signal, the posture around it), rules (squats', lunges' rules, exclusions), smooth
// (time-based smoothing, baselines), counter (hysteresis, rate cap, hold timing), kind
// (exercise ids, thresholds).
//
// 1. landmarks: used only if finite, strictly inside (-0.25, 1.25) and at least 0.5 visible;
// 2. outliers: a landmark jumping away for a frame or two is held at its previous position,
//    legs swapped by the tracker are swapped back; 3. signal: an angle or a ratio of body
//    lengths, and the posture around it (hip drop from standing, legs' split, torso lean...);
// 4. time-based EMA smoothing, calf raises, shoulder rolls, side bends and neck stretches
//    against the person's resting level; 5. hysteresis between an enter and an exit threshold
//    (squats: hip drop, the knee angle when it cannot be measured; lunges: hip drop with the
//    legs split), each exercise's exclusions (from their second frame in a row) voiding a
//    stay for 0.5 s; 6. a rate cap (reps at least 60 s / max_per_min
//    apart, two may wait); 7. held time for exercises scored in seconds, from MIN_HOLD_MS on.

import { BUILTIN_CATALOGUE } from './catalogue.generated.js';
import type { Catalogue, Exercise, PoseModelName } from './types.js';
import { Counter, MAX_HOLD_GAP_US, type State } from './detect/counter.js';
import { Filter } from './detect/filter.js';
import {
  type Kind,
  type Thresholds,
  isHold,
  kindFromId,
  phaseOf,
  smoothingTauUs,
  thresholdsFor,
  usesBaseline,
} from './detect/kind.js';
import { type DetectorLandmark, Pose } from './detect/pose.js';
import * as rules from './detect/rules.js';
import * as signals from './detect/signals.js';
import { Baseline, Ema, Level, Sparse } from './detect/smooth.js';

export type { DetectorLandmark } from './detect/pose.js';
export { BASELINE_SMOOTHING_TAU_US, HOLD_SMOOTHING_TAU_US, SMOOTHING_TAU_US } from './detect/kind.js';
export { MAX_HOLD_GAP_US };

/**
 * How long an exercise measured against a resting level watches the rest before it may leave
 * it, in µs: the level is learnt first.
 */
export const BASELINE_WARMUP_US = 1_000_000;
/** Time constant of the confidence smoothing, in µs. */
export const CONFIDENCE_TAU_US = 300_000;
/**
 * Shortest stay in a held pose that counts (and is then timed from its start), in ms: a squat
 * passes through a wall sit's knee angle, and a side bend tilts the head, for less.
 */
export const MIN_HOLD_MS = 3_000;
/**
 * How fast the standing legs' height (the hip-drop cue's reference) follows a smaller one
 * while the legs are straight (the person stepped back), µs.
 */
const STANDING_DRIFT_TAU_US = 2_000_000;

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

/** The built-in catalogue, the very file the server compiles in (rooms/catalogue.json). */
export function builtinCatalogue(): Catalogue {
  return BUILTIN_CATALOGUE;
}

/**
 * Counts one exercise's reps (or times its holds) from a stream of pose frames. Feed every
 * frame to {@link Detector.update} with its capture time in µs.
 */
export class Detector {
  /** Which signal the exercise is measured by. */
  private readonly kind: Kind;
  /** From the catalogue entry; undefined for an exercise this module cannot detect. */
  private readonly thresholds: Thresholds | undefined;
  /** Whether the exercise is scored in seconds held (so the reading reports them). */
  private readonly scoredInSeconds: boolean;
  /** The smoothed signal. */
  private readonly smooth: Ema;
  /** The smoothed quality of the frames. */
  private readonly confidence = new Ema(CONFIDENCE_TAU_US);
  /** The signal's resting level, for calf raises and shoulder rolls. */
  private readonly baseline: Baseline;
  /** The resting tilt, for side bends and neck stretches. */
  private readonly level = new Level();
  /** Single-frame outliers' correction. */
  private readonly filter = new Filter();
  /** The smoothed posture around the signal (see signals' `posture`). */
  private readonly posture: Sparse;
  /** The height of the legs standing, in the image: the hip drop's reference. */
  private readonly standing = new Baseline(true, STANDING_DRIFT_TAU_US);
  /** Phase, reps and time held. */
  private counter: Counter;
  /** Time of the latest frame accepted. */
  private lastUs: number | undefined;
  /** Time of the first frame accepted. */
  private firstUs: number | undefined;
  /** Time of the latest frame that broke the exercise's exclusions. */
  private excludedAt: number | undefined;
  /** Whether the latest frame broke the exclusions. */
  private breaking = false;

  /** A detector for an exercise of the built-in catalogue; `undefined` if not in it. */
  static forExercise(id: string): Detector | undefined {
    const exercise = BUILTIN_CATALOGUE.exercises.find((e) => e.id === id);
    return exercise === undefined ? undefined : new Detector(exercise);
  }

  /** A detector for a catalogue entry, with its thresholds and maximum rate. */
  constructor(exercise: Exercise) {
    this.kind = kindFromId(exercise.id);
    // `max_per_min` is positive in a checked catalogue; a zero allows one rep a minute.
    const perMin = Math.max(1, Math.floor(exercise.max_per_min));
    const minIntervalUs = Math.floor((60_000_000 + perMin - 1) / perMin);
    this.thresholds = thresholdsFor(this.kind, exercise.thresholds);
    this.scoredInSeconds = exercise.unit === 'seconds';
    this.smooth = new Ema(smoothingTauUs(this.kind));
    this.baseline = new Baseline(this.kind === 'shoulder_rolls');
    this.posture = new Sparse(signals.POSTURE, smoothingTauUs(this.kind));
    this.counter = new Counter(minIntervalUs, isHold(this.kind) ? MIN_HOLD_MS * 1000 : 0);
  }

  /**
   * Feeds one frame captured at `tUs` (µs, any epoch; a frame earlier than the latest is
   * ignored) and returns the reading after it.
   */
  update(tUs: number, model: PoseModelName, landmarks: readonly DetectorLandmark[]): Reading {
    if (this.lastUs !== undefined && tUs < this.lastUs) return this.reading();
    this.lastUs = tUs;
    this.firstUs ??= tUs;
    const firstUs = this.firstUs;
    const th = this.thresholds;
    if (th === undefined) return this.reading();
    const pose = new Pose(model, landmarks);
    this.filter.apply(tUs, pose);
    const signal = signals.measure(this.kind, pose);
    this.confidence.update(tUs, [signal === undefined ? 0 : signal.quality]);
    const posture = this.readPosture(tUs, pose);
    if (signal !== undefined) {
      const smoothed = this.smooth.update(tUs, signal.values) as [number, number];
      const values = this.againstRest(tUs, smoothed, th);
      const own = rules.zone(this.kind, th, values, posture);
      const lean = own.z === 'active' ? own.lean : undefined;
      // An exclusion holds from its second frame in a row: one noisy frame (a head tilt read off
      // two ears) is not a posture.
      const breaks = rules.excluded(this.kind, th, lean, posture);
      if (breaks && this.breaking) this.excludedAt = tUs;
      this.breaking = breaks;
      let zone = rules.exclude(own, this.counter.state, tUs, this.excludedAt);
      if (zone.z === 'active' && usesBaseline(this.kind) && tUs - firstUs < BASELINE_WARMUP_US) {
        zone = { z: 'between' };
      }
      this.counter.observe(tUs, zone);
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
    this.level.reset();
    this.filter.reset();
    this.posture.reset();
    this.standing.reset();
    this.counter = new Counter(this.counter.minIntervalUs, this.counter.minHoldUs);
    this.lastUs = undefined;
    this.firstUs = undefined;
    this.excludedAt = undefined;
    this.breaking = false;
  }

  /**
   * The phase of a single pose, without smoothing or hysteresis (the signal against the
   * midpoint of the thresholds). `undefined` when the landmarks are not usable, and for
   * exercises measured against a resting level (calf raises, shoulder rolls).
   */
  classify(model: PoseModelName, landmarks: readonly DetectorLandmark[]): DetectorPhase | undefined {
    const th = this.thresholds;
    if (th === undefined || usesBaseline(this.kind)) return undefined;
    const signal = signals.measure(this.kind, new Pose(model, landmarks));
    if (signal === undefined) return undefined;
    const z = signals.classify(th, signal.values);
    const state: State = z.z === 'active' ? { s: 'active', lean: z.lean } : { s: 'rest' };
    return phaseOf(this.kind, state);
  }

  /** The smoothed posture after this frame, read against the standing legs' height. */
  private readPosture(tUs: number, pose: Pose): signals.Posture {
    const values = this.posture.update(tUs, signals.posture(pose));
    const [extent, , kneeMin, kneeDy, ankleDy] = values as [number, number, number, number, number];
    // The legs' standing height is learnt with the feet side by side: a lunge's front foot,
    // nearer the camera, sits lower in the image and lengthens them.
    const together =
      !Number.isFinite(kneeDy + ankleDy) || Math.abs(kneeDy + ankleDy) <= rules.LEGS_LEVEL * extent;
    if (Number.isFinite(extent) && together) {
      const straight = kneeMin >= rules.KNEES_STRAIGHT_DEG;
      this.standing.update(tUs, extent, straight);
    }
    return signals.readPosture(values, this.standing.value());
  }

  /**
   * Expresses smoothed values against the resting level, for the exercises that need one: calf
   * raises (how far above rest the heels are), shoulder rolls (by what fraction the
   * nose-to-shoulders gap has shrunk), side bends and neck stretches (the tilt beyond the
   * person's resting one).
   */
  private againstRest(tUs: number, smoothed: [number, number], th: Thresholds): [number, number] {
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
    if (this.kind === 'side_bends' || this.kind === 'neck_stretch') {
      // The level follows the person at rest, within the rest band: never a bend.
      const level = this.level.value();
      const near = level === undefined || Math.abs(value - level) <= th.exit;
      const rested = this.level.update(tUs, value, resting && near);
      return [value - rested, second];
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
