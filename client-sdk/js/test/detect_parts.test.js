// The detector port's parts, each held to what the Rust module's own tests say (the counter's
// tests mirror rooms/src/detect/counter.rs's, the catalogue test kind.rs's): the outlier
// filter, the counter's exclusions and minimum holds, the squat's and lunge's rules and the
// exclusions' memory. End to end, the shared fixtures (detect.test.js) and
// scripts/compare-rust.mjs (every phase change, on every fixture, against `breakroom detect`)
// hold the whole detector to the Rust one.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { builtinCatalogue } from '../dist/index.js';
import { Counter } from '../dist/detect/counter.js';
import { Filter, MAX_REJECTED } from '../dist/detect/filter.js';
import { kindFromId, thresholdNames, thresholdsFor } from '../dist/detect/kind.js';
import { Pose } from '../dist/detect/pose.js';
import { EXCLUSION_HOLD_US, excluded as breaks, exclude, zone as zoneOf } from '../dist/detect/rules.js';

/** A frame's zone after the exclusions, as the detector takes it. */
const zone = (kind, th, values, p, state, tUs, excludedAt) => exclude(zoneOf(kind, th, values, p), state, tUs, excludedAt);

const S = 1_000_000;
const act = { z: 'active', lean: 'only' };
const rest = { z: 'rest' };
const between = { z: 'between' };
const excluded = { z: 'excluded' };

function run(minIntervalUs, zones, minHoldUs = 0) {
  const c = new Counter(minIntervalUs, minHoldUs);
  for (const [t, z] of zones) c.observe(t, z);
  return c;
}

test('counter: a rep is a full cycle from rest', () => {
  let c = run(S, [[0, rest], [S, act], [2 * S, between], [3 * S, rest]]);
  assert.deepEqual([c.reps, c.state], [1, { s: 'rest' }]);
  // Starting in the active position does not count.
  c = run(S, [[0, act], [S, rest], [2 * S, act]]);
  assert.deepEqual([c.reps, c.state], [0, { s: 'active', lean: 'only' }]);
  // Alternating sides count each side.
  const l = { z: 'active', lean: 'left' };
  const r = { z: 'active', lean: 'right' };
  assert.equal(run(S, [[0, rest], [S, l], [2 * S, r], [3 * S, rest]]).reps, 2);
});

test('counter: reps faster than the rate wait, and the excess is dropped', () => {
  const zones = [[0, rest]];
  // Ten cycles in one second, with a 1 s minimum interval.
  for (let i = 0; i < 10; i++) {
    zones.push([i * 100_000 + 50_000, act]);
    zones.push([i * 100_000 + 100_000, rest]);
  }
  const c = run(S, zones);
  assert.equal(c.reps, 1);
  c.flush(2 * S);
  assert.equal(c.reps, 2, 'a waiting rep is counted once due');
  c.flush(2 * S + S / 2);
  assert.equal(c.reps, 2, 'not before the interval');
  c.flush(3 * S);
  assert.equal(c.reps, 3, 'the second waiting one');
  c.flush(10 * S);
  assert.equal(c.reps, 3, 'the other seven were dropped');
});

test('counter: holds are timed, with gaps capped', () => {
  const c = run(S, [[0, rest], [S, act], [2 * S, act], [5 * S, act], [6 * S, rest]]);
  assert.equal(c.heldMs(), 2_000);
});

test('counter: a stay shorter than the minimum hold is neither timed nor counted', () => {
  const c = new Counter(S, 1_500_000);
  // One second at the bottom (a squat passing through), then back up.
  for (const [t, z] of [[0, rest], [S, act], [S + S / 2, act], [2 * S, act], [3 * S, rest]]) c.observe(t, z);
  assert.deepEqual([c.reps, c.heldMs()], [0, 0]);
  // Two seconds: all of it counts, the first 1.5 s included.
  for (const [t, z] of [[4 * S, act], [5 * S, act], [6 * S, act], [7 * S, rest]]) c.observe(t, z);
  assert.deepEqual([c.reps, c.heldMs()], [1, 2_000]);
});

test('counter: an excluded frame voids the stay in the active position', () => {
  let c = run(S, [[0, rest], [S, act], [2 * S, excluded], [3 * S, rest]]);
  assert.deepEqual([c.reps, c.state], [0, { s: 'rest' }]);
  // The next stay counts again, and excluded frames at rest change nothing.
  c = run(S, [[0, rest], [S, excluded], [2 * S, act], [3 * S, act], [4 * S, rest]]);
  assert.equal(c.reps, 1);
});

test('counter: an excluded frame stops a hold, which starts again after it', () => {
  const c = new Counter(S, 1_500_000);
  // Held 1 s, excluded, then held 2 s: only the 2 s after the exclusion count.
  for (const [t, z] of [[0, rest], [S, act], [2 * S, act], [3 * S, excluded], [4 * S, act], [5 * S, act], [6 * S, act], [7 * S, rest]]) {
    c.observe(t, z);
  }
  assert.deepEqual([c.reps, c.heldMs()], [0, 2_000]);
});

// ---- the outlier filter ----

/** A person standing, facing the camera (BlazePose-33): torso 0.25 long, legs 0.1 apart. */
function standing() {
  const p = Array.from({ length: 33 }, () => [0.5, 0.5]);
  p[0] = [0.5, 0.2];
  for (const [i, side] of [[0, -1], [1, 1]]) {
    p[7 + i] = [0.5 + side * 0.03, 0.2];
    p[11 + i] = [0.5 + side * 0.08, 0.3];
    p[13 + i] = [0.5 + side * 0.1, 0.42];
    p[15 + i] = [0.5 + side * 0.1, 0.52];
    p[23 + i] = [0.5 + side * 0.05, 0.55];
    p[25 + i] = [0.5 + side * 0.05, 0.72];
    p[27 + i] = [0.5 + side * 0.05, 0.9];
    p[29 + i] = [0.5 + side * 0.05, 0.91];
    p[31 + i] = [0.5 + side * 0.08, 0.92];
  }
  return p;
}

const pose = (points) => new Pose('blaze_pose33', points.map(([x, y]) => ({ x, y, visibility: 0.9 })));
const LEFT_KNEE = 25;
const at = (p, i) => p.slots.find((s) => s !== undefined && s[0].x === Math.fround(i[0]) && s[0].y === Math.fround(i[1]));
const knee = (p) => p.get('knee', 'left')[0];

test('filter: a knee jumping away for one frame is held at its previous position', () => {
  const f = new Filter();
  f.apply(0, pose(standing()));
  const glitch = standing();
  glitch[LEFT_KNEE] = [0.45 + 0.2, 0.72]; // a fifth of the image, in 0.1 s
  const p = pose(glitch);
  f.apply(100_000, p);
  assert.deepEqual(knee(p), { x: Math.fround(0.45), y: Math.fround(0.72) });
  // Back the next frame: nothing to correct.
  const back = pose(standing());
  f.apply(200_000, back);
  assert.deepEqual(knee(back), { x: Math.fround(0.45), y: Math.fround(0.72) });
  // The other landmarks were left alone.
  assert.ok(at(p, [0.55, 0.72]), 'the right knee');
});

test('filter: a landmark that stays away for more than MAX_REJECTED frames has really moved', () => {
  assert.equal(MAX_REJECTED, 2);
  const f = new Filter();
  f.apply(0, pose(standing()));
  const moved = standing();
  moved[LEFT_KNEE] = [0.65, 0.72];
  const seen = [];
  for (let k = 1; k <= 3; k++) {
    const p = pose(moved);
    f.apply(k * 100_000, p);
    seen.push(knee(p).x);
  }
  assert.deepEqual(seen, [0.45, 0.45, 0.65].map(Math.fround));
  // ... and a small move within the gate is taken at once.
  const f2 = new Filter();
  f2.apply(0, pose(standing()));
  const near = standing();
  near[LEFT_KNEE] = [0.5, 0.72];
  const p = pose(near);
  f2.apply(100_000, p);
  assert.equal(knee(p).x, Math.fround(0.5));
});

test('filter: after a gap, a frame is accepted as it is', () => {
  const f = new Filter();
  f.apply(0, pose(standing()));
  const moved = standing();
  moved[LEFT_KNEE] = [0.65, 0.72];
  const p = pose(moved);
  f.apply(600_000, p); // more than RESET_GAP_US
  assert.equal(knee(p).x, Math.fround(0.65));
});

test('filter: legs whose labels swapped for a frame are swapped back', () => {
  const f = new Filter();
  f.apply(0, pose(standing()));
  const swapped = standing();
  for (const i of [23, 25, 27, 29, 31]) [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
  const p = pose(swapped);
  f.apply(33_000, p);
  for (const part of ['hip', 'knee', 'ankle', 'heel', 'foot_index']) {
    assert.ok(p.get(part, 'left')[0].x < p.get(part, 'right')[0].x, `${part}: left back on the left`);
  }
  // Legs on top of each other (a side view) fit either way: left as they are.
  const side = standing().map(([, y]) => [0.5, y]);
  const g = new Filter();
  g.apply(0, pose(side));
  const q = pose(side);
  g.apply(33_000, q);
  assert.deepEqual(q.get('knee', 'left'), pose(side).get('knee', 'left'));
});

// ---- the rules ----

const squats = thresholdsFor('squats', builtinCatalogue().exercises.find((e) => e.id === 'squats').thresholds);
const lunges = thresholdsFor('lunges', builtinCatalogue().exercises.find((e) => e.id === 'lunges').thresholds);
const rolls = thresholdsFor('shoulder_rolls', builtinCatalogue().exercises.find((e) => e.id === 'shoulder_rolls').thresholds);
const posture = (p) => ({
  drop: undefined,
  split: undefined,
  anklesDy: undefined,
  kneeMin: undefined,
  tilt: undefined,
  arms: undefined,
  head: undefined,
  turn: undefined,
  shoulders: undefined,
  ...p,
});

test('rules: squats go down on the hip drop with the knees hardly bent in the image, not on a lunge or a bob', () => {
  const unknown = { s: 'unknown' };
  // A narrow-stance squat from the front: the knee angle stays at 140°, the hips drop 0.3.
  const front = posture({ drop: 0.3, split: 0.02, kneeMin: 140, tilt: 10 });
  assert.deepEqual(zone('squats', squats, [140, 0], front, unknown, 0, undefined), act);
  assert.equal(breaks('squats', squats, 'only', front), false);
  // A bob (hips 0.12 down) is between, whatever the knee angle; standing is up.
  assert.deepEqual(zone('squats', squats, [110, 0], posture({ drop: 0.12, split: 0, kneeMin: 110 }), unknown, 0, undefined), between);
  assert.deepEqual(zone('squats', squats, [150, 0], posture({ drop: 0.02, split: 0, kneeMin: 150 }), unknown, 0, undefined), rest);
  // A lunge drops as far, but its legs are split: that breaks the squat's exclusions, which
  // void it.
  const lunge = posture({ drop: 0.35, split: 0.4, kneeMin: 100, tilt: 5 });
  assert.equal(breaks('squats', squats, 'only', lunge), true);
  assert.deepEqual(zone('squats', squats, [100, 0], lunge, unknown, 0, 0), excluded);
  // Nor are split legs a way up: a foot misplaced for a frame is not standing.
  const misplaced = posture({ drop: 0.02, split: 0.4, kneeMin: 170 });
  assert.deepEqual(zone('squats', squats, [170, 0], misplaced, { s: 'active', lean: 'only' }, 0, undefined), between);
  // ... it is a lunge, on the side of the front (left) leg; and the other leg.
  assert.deepEqual(zone('lunges', lunges, [100, 0], lunge, unknown, 0, undefined), { z: 'active', lean: 'left' });
  assert.deepEqual(zone('lunges', lunges, [100, 0], { ...lunge, split: -0.4 }, unknown, 0, undefined), { z: 'active', lean: 'right' });
  // Without ankles (no hip drop), squats fall back on the knee angle alone.
  assert.deepEqual(zone('squats', squats, [160, 0], posture({}), unknown, 0, undefined), rest);
  assert.deepEqual(zone('squats', squats, [120, 0], posture({}), unknown, 0, undefined), act);
});

test('rules: a broken exclusion keeps the active position out for EXCLUSION_HOLD_US, never the return to rest', () => {
  const p = posture({ drop: 0, kneeMin: 175, arms: 10, tilt: 0, head: 0, turn: 0.1, shoulders: 2 });
  assert.equal(breaks('shoulder_rolls', rolls, 'only', p), false);
  // Turned from the camera, or the shoulder line tilted (a side bend): not a shoulder roll.
  assert.equal(breaks('shoulder_rolls', rolls, 'only', { ...p, turn: 3 }), true);
  assert.equal(breaks('shoulder_rolls', rolls, 'only', { ...p, shoulders: 25 }), true);
  const lifted = [0.3, 0];
  const atRest = [0, 0];
  const state = { s: 'rest' };
  const t = 10 * S;
  assert.equal(EXCLUSION_HOLD_US, 500_000);
  assert.deepEqual(zone('shoulder_rolls', rolls, lifted, p, state, t, undefined), act);
  assert.deepEqual(zone('shoulder_rolls', rolls, lifted, p, state, t, t - 400_000), excluded);
  assert.deepEqual(zone('shoulder_rolls', rolls, lifted, p, state, t, t - 500_000), act);
  assert.deepEqual(zone('shoulder_rolls', rolls, atRest, p, { s: 'active', lean: 'only' }, t, t), rest);
  // Between the thresholds while active also voids the stay.
  assert.deepEqual(zone('shoulder_rolls', rolls, [0.1, 0], p, { s: 'active', lean: 'only' }, t, t), excluded);
});

test('the built-in catalogue sets every threshold each detector reads, and no other', () => {
  // The reach game and sound exercises have no pose detector (and no thresholds).
  for (const e of builtinCatalogue().exercises.filter((x) => x.input === 'pose')) {
    const kind = kindFromId(e.id);
    assert.notEqual(kind, 'undetectable', e.id);
    const names = thresholdNames(kind);
    assert.deepEqual(Object.fromEntries(names), e.thresholds, e.id);
    // In the catalogue's order: enter, exit, extra, then the rule's own.
    assert.deepEqual(names.map(([n]) => n), Object.keys(e.thresholds), e.id);
  }
  assert.ok(builtinCatalogue().exercises.some((e) => e.id === 'lunges'));
});
