// A short looping demonstration of an exercise: an animated skeleton whose BlazePose-33
// keypoints are made in code (a parametric body: no recording is shipped), drawn with
// skeleton.ts, with the exercise's instruction under it. Under `prefers-reduced-motion` it is
// still: the starting position faint and the key position over it.

import { onLang } from './i18n';
import { type Landmark, drawSkeleton, fitCanvas } from './skeleton';
import { exerciseName, instruction } from './ui';

type Vec = [number, number];
/** Something drawn with the body: a desk or wall edge, a reach target, a spoken sound. */
type Prop = { kind: 'line'; a: Vec; b: Vec } | { kind: 'target'; at: Vec; r: number } | { kind: 'text'; at: Vec; text: string };
interface Frame {
  body: Landmark[];
  props?: Prop[];
}
interface Motion {
  /** Seconds per loop. */
  period: number;
  /** The frame at `u` in [0, 1) of the loop. */
  frame(u: number): Frame;
  /** Where in the loop the key position is (the still image shows it over u = 0). */
  key: number;
}

// ---- vectors ----------------------------------------------------------------------------------

const add = (a: Vec, b: Vec): Vec => [a[0] + b[0], a[1] + b[1]];
const sub = (a: Vec, b: Vec): Vec => [a[0] - b[0], a[1] - b[1]];
const mul = (a: Vec, k: number): Vec => [a[0] * k, a[1] * k];
const lerp = (a: Vec, b: Vec, k: number): Vec => [a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k];
const len = (a: Vec): number => Math.hypot(a[0], a[1]);
const rot = (a: Vec, t: number): Vec => [a[0] * Math.cos(t) - a[1] * Math.sin(t), a[0] * Math.sin(t) + a[1] * Math.cos(t)];
const mix = (a: number, b: number, k: number): number => a + (b - a) * k;
/** 0 → 1 → 0 over one loop, eased. */
const wave = (u: number): number => (1 - Math.cos(2 * Math.PI * u)) / 2;
/** 0 → 1, held, → 0: a movement into a position held for part of the loop. */
const hold = (u: number, hold = 0.5): number => {
  const ramp = (1 - hold) / 2;
  if (u < ramp) return wave(u / ramp / 2);
  if (u < ramp + hold) return 1;
  return wave(0.5 + (u - ramp - hold) / ramp / 2);
};

/**
 * The elbow (or knee) of a two-bone limb from `a` to `c` with bones `l1` and `l2`: of the two
 * solutions, the one on the side `towards` points to.
 */
function joint(a: Vec, c: Vec, l1: number, l2: number, towards: Vec): Vec {
  const d = Math.min(Math.max(len(sub(c, a)), Math.abs(l1 - l2) + 1e-4), l1 + l2 - 1e-4);
  const dir = mul(sub(c, a), 1 / Math.max(len(sub(c, a)), 1e-6));
  const angle = Math.acos((l1 * l1 + d * d - l2 * l2) / (2 * l1 * d));
  const p = add(a, mul(rot(dir, angle), l1));
  const q = add(a, mul(rot(dir, -angle), l1));
  const score = (v: Vec) => (v[0] - a[0]) * towards[0] + (v[1] - a[1]) * towards[1];
  return score(p) >= score(q) ? p : q;
}

// ---- the body ---------------------------------------------------------------------------------

const GROUND = 0.94;
const LEG = 0.42;
const TORSO = 0.27;
const UPPER_ARM = 0.15;
const FOREARM = 0.14;

function blank(): Landmark[] {
  return Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.5, visibility: 1 }));
}

function put(lm: Landmark[], i: number, v: Vec): void {
  lm[i] = { x: v[0], y: v[1], visibility: 1 };
}

/** The face's points around the nose, `up` the head's axis, `across` towards image right. */
function face(lm: Landmark[], nose: Vec, up: Vec, across: Vec, side = false): void {
  put(lm, 0, nose);
  const at = (u: number, a: number) => add(nose, add(mul(up, u), mul(across, a)));
  if (side) {
    // Side-on: the eyes at the nose, the ears behind it (`across` points backwards).
    for (const i of [1, 2, 3, 4, 5, 6]) put(lm, i, at(0.015, 0.01));
    put(lm, 7, at(0.01, 0.05));
    put(lm, 8, at(0.01, 0.05));
    put(lm, 9, at(-0.02, 0.01));
    put(lm, 10, at(-0.02, 0.012));
    return;
  }
  // Person's left eye, ear and mouth corner appear on image right.
  put(lm, 1, at(0.015, 0.01));
  put(lm, 2, at(0.017, 0.02));
  put(lm, 3, at(0.015, 0.03));
  put(lm, 4, at(0.015, -0.01));
  put(lm, 5, at(0.017, -0.02));
  put(lm, 6, at(0.015, -0.03));
  put(lm, 7, at(0.005, 0.045));
  put(lm, 8, at(0.005, -0.045));
  put(lm, 9, at(-0.02, 0.015));
  put(lm, 10, at(-0.02, -0.015));
}

/** The hand's points (pinky, index, thumb) beyond the wrist, along `dir`. */
function hand(lm: Landmark[], side: 0 | 1, wrist: Vec, dir: Vec): void {
  const across: Vec = [-dir[1], dir[0]];
  put(lm, 17 + side, add(wrist, add(mul(dir, 0.03), mul(across, 0.012))));
  put(lm, 19 + side, add(wrist, mul(dir, 0.035)));
  put(lm, 21 + side, add(wrist, add(mul(dir, 0.022), mul(across, -0.014))));
}

/** A body seen from the front, in unmirrored image coordinates (0..1 of a square box). */
interface Front {
  /** Hips lowered, 0 (standing) to 1 (a deep squat). */
  drop?: number;
  /** Torso leaning sideways, radians, positive towards image right. */
  lean?: number;
  /** Head tilted against the torso, radians. */
  tilt?: number;
  /** Shoulders lifted, 0..1. */
  shrug?: number;
  /** Upper arms raised sideways from hanging, radians: [person's right, person's left]. */
  arm?: [number, number];
  /** Elbows bent, radians. */
  elbow?: [number, number];
  /** Feet apart, 0..1. */
  spread?: number;
  /** Knees lifted (marching), 0..1. */
  lift?: [number, number];
  /** Up on the toes, 0..1. */
  rise?: number;
  /** The whole body in the air (a jump). */
  hop?: number;
  /** Hands reaching to a point instead of `arm`/`elbow`. */
  reach?: [Vec | null, Vec | null];
}

function front(f: Front): Landmark[] {
  const lm = blank();
  const drop = f.drop ?? 0;
  const lean = f.lean ?? 0;
  const hop = f.hop ?? 0;
  const rise = f.rise ?? 0;
  const up: Vec = [Math.sin(lean), -Math.cos(lean)];
  const right: Vec = [Math.cos(lean), Math.sin(lean)];
  const pelvis: Vec = [0.5, GROUND - LEG + drop * 0.17 - hop - rise * 0.035];
  const torso = TORSO * (1 - 0.12 * drop);
  const shoulders = add(add(pelvis, mul(up, torso)), mul(up, (f.shrug ?? 0) * 0.035));
  const headUp = rot(up, f.tilt ?? 0);
  const neck = add(shoulders, mul(up, 0.04));
  face(lm, add(neck, mul(headUp, 0.085)), mul(headUp, -1), rot(right, f.tilt ?? 0));
  // side 0: the person's right (image left, odd offset +1 in BlazePose), side 1: their left.
  for (const side of [0, 1] as const) {
    const sign = side === 0 ? -1 : 1;
    const idx = (left: number) => left + (side === 0 ? 1 : 0);
    const shoulder = add(shoulders, mul(right, sign * 0.095));
    put(lm, idx(11), shoulder);
    const target = f.reach?.[side];
    let elbow: Vec;
    let wrist: Vec;
    if (target) {
      elbow = joint(shoulder, target, UPPER_ARM, FOREARM, [sign, 1]);
      const d = sub(target, shoulder);
      wrist = len(d) > UPPER_ARM + FOREARM ? add(elbow, mul(sub(target, elbow), FOREARM / len(sub(target, elbow)))) : target;
    } else {
      const a = f.arm?.[side] ?? 0.12;
      const dir = add(mul(up, -Math.cos(a)), mul(right, sign * Math.sin(a)));
      elbow = add(shoulder, mul(dir, UPPER_ARM));
      wrist = add(elbow, mul(rot(dir, sign * (f.elbow?.[side] ?? 0.1)), FOREARM));
    }
    put(lm, idx(13), elbow);
    put(lm, idx(15), wrist);
    hand(lm, side, wrist, mul(sub(wrist, elbow), 1 / len(sub(wrist, elbow))));
    const hip = add(pelvis, mul(right, sign * 0.055));
    put(lm, idx(23), hip);
    const lift = f.lift?.[side] ?? 0;
    const ankle0: Vec = [0.5 + sign * (0.065 + (f.spread ?? 0) * 0.12), GROUND - 0.03 - hop - rise * 0.035];
    const knee0 = add(lerp(hip, ankle0, 0.5 - 0.12 * drop), [sign * drop * 0.05, 0]);
    const knee = lerp(knee0, add(hip, [sign * 0.01, 0.05]), lift);
    const ankle = lerp(ankle0, add(knee, [0, 0.19]), lift);
    put(lm, idx(25), knee);
    put(lm, idx(27), ankle);
    put(lm, idx(29), add(ankle, [0, 0.015]));
    put(lm, idx(31), add(ankle, [sign * 0.02, 0.025 + rise * 0.035 * (1 - lift)]));
  }
  return lm;
}

/** A body seen from the side, facing image left: `hip`, `shoulder` and the two ankles. */
function side(hip: Vec, shoulder: Vec, ankles: [Vec, Vec], hands: [Vec, Vec], knees: [Vec, Vec], elbows: [Vec, Vec]): Landmark[] {
  const lm = blank();
  const up = mul(sub(shoulder, hip), 1 / len(sub(shoulder, hip)));
  const nose = add(add(shoulder, mul(up, 0.1)), [-0.035, 0]);
  face(lm, nose, mul(up, -1), [1, 0], true);
  for (const s of [0, 1] as const) {
    const i = (left: number) => left + s;
    const depth: Vec = [s === 0 ? -0.008 : 0.008, 0];
    put(lm, i(11), add(shoulder, depth));
    put(lm, i(23), add(hip, depth));
    put(lm, i(13), elbows[s]);
    put(lm, i(15), hands[s]);
    hand(lm, s, hands[s], mul(sub(hands[s], elbows[s]), 1 / len(sub(hands[s], elbows[s]))));
    put(lm, i(25), knees[s]);
    put(lm, i(27), ankles[s]);
    put(lm, i(29), add(ankles[s], [0.02, 0.015]));
    put(lm, i(31), add(ankles[s], [-0.045, 0.025]));
  }
  return lm;
}

// ---- the exercises ------------------------------------------------------------------------------

function alternate(u: number): [number, number] {
  return u < 0.5 ? [wave(u), 0] : [0, wave(u)];
}

const MOTIONS: Record<string, Motion> = {
  squats: { period: 3, key: 0.5, frame: (u) => ({ body: front({ drop: wave(u), arm: [wave(u) * 0.5, wave(u) * 0.5], elbow: [wave(u) * 1.2, wave(u) * 1.2] }) }) },
  jumping_jacks: {
    period: 1.4,
    key: 0.5,
    frame: (u) => {
      const s = wave(u);
      return { body: front({ arm: [0.15 + s * 2.75, 0.15 + s * 2.75], spread: s, hop: Math.abs(Math.sin(2 * Math.PI * u)) * 0.03 }) };
    },
  },
  arm_raises: { period: 3, key: 0.5, frame: (u) => ({ body: front({ arm: [0.12 + wave(u) * 2.9, 0.12 + wave(u) * 2.9] }) }) },
  shoulder_rolls: {
    period: 2.4,
    key: 0.35,
    frame: (u) => ({ body: front({ shrug: wave(u), lean: 0, elbow: [0.15, 0.15], arm: [0.12 + 0.05 * Math.sin(2 * Math.PI * u), 0.12 + 0.05 * Math.sin(2 * Math.PI * u)] }) }),
  },
  march_in_place: {
    period: 1.6,
    key: 0.25,
    frame: (u) => {
      const [r, l] = alternate(u);
      return { body: front({ lift: [r, l], arm: [0.1 + l * 0.3, 0.1 + r * 0.3], elbow: [0.3 + l * 1.2, 0.3 + r * 1.2] }) };
    },
  },
  side_bends: {
    period: 4,
    key: 0.25,
    frame: (u) => {
      const lean = Math.sin(2 * Math.PI * u) * 0.38;
      return { body: front({ lean, arm: [0.1 + Math.max(0, lean) * 5, 0.1 + Math.max(0, -lean) * 5], elbow: [0.3, 0.3] }) };
    },
  },
  calf_raises: { period: 2, key: 0.5, frame: (u) => ({ body: front({ rise: wave(u) }) }) },
  neck_stretch: {
    period: 6,
    key: 0.25,
    frame: (u) => {
      const tilt = u < 0.5 ? hold(u * 2) * 0.45 : -hold((u - 0.5) * 2) * 0.45;
      return { body: front({ tilt }) };
    },
  },
  desk_pushups: {
    period: 2.6,
    key: 0.5,
    frame: (u) => {
      const theta = mix(0.9, 0.68, wave(u));
      const ankle: Vec = [0.8, GROUND - 0.03];
      const body = LEG + TORSO + 0.02;
      const shoulder: Vec = [ankle[0] - body * Math.cos(theta), ankle[1] - body * Math.sin(theta)];
      const hip = lerp(ankle, shoulder, 0.6);
      const knee = lerp(ankle, shoulder, 0.3);
      const hands: Vec = [0.24, 0.6];
      const elbow = joint(shoulder, hands, UPPER_ARM, FOREARM, [1, -0.4]);
      return {
        body: side(hip, shoulder, [ankle, add(ankle, [0.01, 0])], [hands, add(hands, [0.01, 0])], [knee, knee], [elbow, elbow]),
        props: [
          { kind: 'line', a: [0.02, 0.62], b: [0.27, 0.62] },
          { kind: 'line', a: [0.1, 0.62], b: [0.1, GROUND] },
        ],
      };
    },
  },
  wall_sit: {
    period: 6,
    key: 0.5,
    frame: (u) => {
      const s = hold(u, 0.6);
      const hip: Vec = [0.66, mix(0.53, 0.72, s)];
      const ankle: Vec = [0.45, GROUND - 0.03];
      const knee = joint(hip, ankle, LEG / 2, LEG / 2, [-1, 0]);
      const shoulder = add(hip, [0.01, -TORSO]);
      const handsOn = lerp(hip, knee, 0.7);
      const elbow = joint(shoulder, handsOn, UPPER_ARM, FOREARM, [1, 0.3]);
      return {
        body: side(hip, shoulder, [ankle, ankle], [handsOn, handsOn], [knee, knee], [elbow, elbow]),
        props: [{ kind: 'line', a: [0.705, 0.05], b: [0.705, GROUND] }],
      };
    },
  },
  lunges: {
    period: 3.2,
    key: 0.25,
    frame: (u) => {
      // Side-on: each half of the loop one leg steps forward and both knees bend.
      const s = wave(u * 2 % 1);
      const hip: Vec = [0.52, mix(GROUND - LEG - 0.02, GROUND - LEG + 0.13, s)];
      const frontAnkle: Vec = [mix(0.5, 0.3, s), GROUND - 0.03];
      const backAnkle: Vec = [mix(0.54, 0.74, s), GROUND - 0.03 - s * 0.02];
      const frontKnee = joint(hip, frontAnkle, LEG / 2, LEG / 2, [-1, -0.2]);
      const backKnee = joint(hip, backAnkle, LEG / 2, LEG / 2, [-0.3, 1]);
      const shoulder = add(hip, [0, -TORSO]);
      const elbows: [Vec, Vec] = [add(shoulder, [0.02, UPPER_ARM]), add(shoulder, [-0.02, UPPER_ARM])];
      const hands: [Vec, Vec] = [add(elbows[0], [0.01, FOREARM]), add(elbows[1], [-0.02, FOREARM])];
      const first = u < 0.5;
      const ankles: [Vec, Vec] = first ? [frontAnkle, backAnkle] : [backAnkle, frontAnkle];
      const knees: [Vec, Vec] = first ? [frontKnee, backKnee] : [backKnee, frontKnee];
      return { body: side(hip, shoulder, ankles, hands, knees, elbows) };
    },
  },
  reach: {
    period: 4,
    key: 0.125,
    frame: (u) => {
      // Four targets in turn, touched by the hand on their side.
      const targets: Vec[] = [[0.27, 0.2], [0.74, 0.3], [0.3, 0.45], [0.7, 0.14]];
      const i = Math.floor(u * 4) % 4;
      const k = wave((u * 4) % 1 / 2);
      const target = targets[i];
      const sideOf = target[0] < 0.5 ? 0 : 1;
      const rest: Vec = [sideOf === 0 ? 0.42 : 0.58, 0.6];
      const hand = lerp(rest, target, Math.min(1, k * 1.3));
      const reach: [Vec | null, Vec | null] = sideOf === 0 ? [hand, null] : [null, hand];
      return { body: front({ reach }), props: [{ kind: 'target', at: target, r: 0.05 }] };
    },
  },
  ha: {
    period: 1.2,
    key: 0.1,
    frame: (u) => {
      const on = u < 0.3;
      return { body: front({ hop: on ? 0.01 : 0, arm: [0.35, 0.35], elbow: [1.6, 1.6] }), props: on ? [{ kind: 'text', at: [0.6, 0.1], text: 'ha!' }] : [] };
    },
  },
};

/** Breathing in and out, standing: for an exercise with no motion of its own. */
const STANDING: Motion = { period: 4, key: 0.5, frame: (u) => ({ body: front({ shrug: wave(u) * 0.4, arm: [0.12 + wave(u) * 0.15, 0.12 + wave(u) * 0.15] }) }) };

/** The exercises with a motion of their own (the rest show a body standing and breathing). */
export const DEMONSTRATED = Object.keys(MOTIONS);

/** The keypoints of `exercise`'s demonstration at `seconds` into its loop (for tests and tools). */
export function demoFrame(exercise: string, seconds: number): Landmark[] {
  const m = MOTIONS[exercise] ?? STANDING;
  return m.frame((seconds / m.period) % 1).body;
}

// ---- drawing ----------------------------------------------------------------------------------

const COLOR = '#ffb703';
const FAINT = 'rgba(142, 202, 230, 0.55)';

function drawFrame(ctx: CanvasRenderingContext2D, frame: Frame, box: { x: number; y: number; w: number; h: number }, color: string): void {
  // Mirrored, like a mirror: the person's left shows on the viewer's left.
  const px = (v: Vec): Vec => [box.x + (1 - v[0]) * box.w, box.y + v[1] * box.h];
  ctx.save();
  for (const p of frame.props ?? []) {
    if (p.kind === 'line') {
      ctx.strokeStyle = '#7d93a8';
      ctx.lineWidth = Math.max(2, box.w / 60);
      ctx.beginPath();
      ctx.moveTo(...px(p.a));
      ctx.lineTo(...px(p.b));
      ctx.stroke();
    } else if (p.kind === 'target') {
      ctx.strokeStyle = '#8ecae6';
      ctx.lineWidth = Math.max(2, box.w / 90);
      ctx.beginPath();
      ctx.arc(...px(p.at), p.r * box.w, 0, Math.PI * 2);
      ctx.stroke();
    } else {
      ctx.fillStyle = '#f5f7fa';
      ctx.font = `700 ${Math.round(box.w / 9)}px system-ui, sans-serif`;
      ctx.textAlign = 'center';
      ctx.fillText(p.text, ...px(p.at));
    }
  }
  ctx.restore();
  drawSkeleton(ctx, frame.body, box, { color, mirror: true, width: Math.max(3, box.w / 45) });
}

function reducedMotion(): MediaQueryList | null {
  return typeof matchMedia === 'function' ? matchMedia('(prefers-reduced-motion: reduce)') : null;
}

/**
 * A demonstration of `exercise`, to mount anywhere: a looping skeleton (still under reduced
 * motion) and the instruction, following the language; `stop()` ends its animation.
 */
export function exerciseDemo(exercise: string): { el: HTMLElement; stop(): void } {
  const motion = MOTIONS[exercise] ?? STANDING;
  const el = document.createElement('figure');
  el.className = 'demo';
  el.dataset.testid = 'demo';
  el.dataset.exercise = exercise;
  // `own`: a motion made for this exercise; `standing`: the fallback for one the app has none for.
  el.dataset.motion = MOTIONS[exercise] ? 'own' : 'standing';
  const canvas = document.createElement('canvas');
  canvas.className = 'demo-canvas';
  canvas.setAttribute('role', 'img');
  const caption = document.createElement('figcaption');
  const title = document.createElement('strong');
  title.className = 'demo-name';
  const how = document.createElement('span');
  how.className = 'demo-how';
  how.dataset.testid = 'demo-how';
  caption.append(title, how);
  el.append(canvas, caption);

  let stopped = false;
  const offLang = onLang(() => {
    if (stopped) return;
    title.textContent = exerciseName(exercise);
    how.textContent = instruction(exercise);
    canvas.setAttribute('aria-label', `${exerciseName(exercise)}: ${instruction(exercise)}`);
  });

  const reduce = reducedMotion();
  let raf = 0;
  let frames = 0;
  const draw = (now: number) => {
    raf = 0;
    if (stopped) return;
    if (!canvas.isConnected) {
      // Not on screen (yet): look again soon, without drawing.
      raf = requestAnimationFrame(draw);
      return;
    }
    const ctx = fitCanvas(canvas);
    const w = canvas.width;
    const hgt = canvas.height;
    const side = Math.min(w, hgt);
    const box = { x: (w - side) / 2, y: (hgt - side) / 2, w: side, h: side };
    ctx.clearRect(0, 0, w, hgt);
    const still = reduce?.matches ?? false;
    el.dataset.animated = String(!still);
    if (still) {
      drawFrame(ctx, motion.frame(0), box, FAINT);
      drawFrame(ctx, motion.frame(motion.key), box, COLOR);
    } else {
      drawFrame(ctx, motion.frame(((now / 1000) % motion.period) / motion.period), box, COLOR);
      raf = requestAnimationFrame(draw);
    }
    frames++;
    el.dataset.frames = String(frames);
  };
  const restart = () => {
    if (!stopped && raf === 0) raf = requestAnimationFrame(draw);
  };
  reduce?.addEventListener('change', restart);
  // A still demonstration is drawn again when its size changes.
  const resize = typeof ResizeObserver === 'function' ? new ResizeObserver(restart) : null;
  resize?.observe(canvas);
  restart();
  return {
    el,
    stop: () => {
      stopped = true;
      if (raf) cancelAnimationFrame(raf);
      raf = 0;
      reduce?.removeEventListener('change', restart);
      resize?.disconnect();
      offLang();
    },
  };
}
