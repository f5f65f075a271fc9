// The reach game's targets and hit rule (src/games/reach.ts).
import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  REACH_AREA,
  REACH_MIN_STEP,
  REACH_RADIUS,
  ReachGame,
  reachHit,
  reachTargets,
  stepSeed,
} from '../dist/index.js';

/** A BlazePose-33 body with everything at the feet, and landmark `i` at (x, y). */
function handAt(x, y, visibility = 0.9, i = 15, n = 33) {
  const lms = Array.from({ length: n }, () => ({ x: 0.5, y: 0.95, visibility: 0.9 }));
  lms[i] = { x, y, visibility };
  return lms;
}

test('targets are the same for a seed, in reach, and apart', () => {
  assert.deepEqual(reachTargets(7, 20), reachTargets(7, 20));
  assert.deepEqual(reachTargets(7, 20).slice(0, 5), reachTargets(7, 5));
  assert.notDeepEqual(reachTargets(7, 5), reachTargets(8, 5));
  assert.deepEqual(reachTargets(7, 0), []);
  const [x0, x1, y0, y1] = REACH_AREA;
  let close = 0;
  for (let seed = 0; seed < 20; seed++) {
    const ts = reachTargets(seed, 300);
    assert.equal(ts.length, 300);
    for (const t of ts) {
      assert.ok(t.x >= x0 && t.x <= x1 && t.y >= y0 && t.y <= y1, JSON.stringify(t));
      assert.equal(t.r, REACH_RADIUS);
    }
    for (let i = 1; i < ts.length; i++) {
      const d = Math.hypot(ts[i].x - ts[i - 1].x, ts[i].y - ts[i - 1].y);
      assert.ok(d >= 0.9 * REACH_MIN_STEP, `seed ${seed}: ${d}`);
      if (d < REACH_MIN_STEP) close++;
    }
  }
  assert.ok(close <= 6, `${close} consecutive targets closer than REACH_MIN_STEP`);
});

test('a visible wrist or index finger inside the circle hits; nothing else does', () => {
  const t = { x: 0.3, y: 0.2, r: 0.1 };
  for (const i of [15, 16, 19, 20]) assert.ok(reachHit(t, handAt(0.3, 0.2, 0.9, i)), `landmark ${i}`);
  for (const i of [0, 13, 14, 17, 18, 21, 22]) assert.ok(!reachHit(t, handAt(0.3, 0.2, 0.9, i)), `landmark ${i}`);
  // (0.37, 0.26) is 0.092 from the centre, (0.41, 0.2) 0.11.
  assert.ok(reachHit(t, handAt(0.37, 0.26, 0.5)));
  assert.ok(!reachHit(t, handAt(0.37, 0.26, 0.49)));
  assert.ok(!reachHit(t, handAt(0.41, 0.2)));
  assert.ok(!reachHit(t, handAt(Number.NaN, 0.2)));
  // COCO-17 (by count, or named): the wrists are 9 and 10.
  assert.ok(reachHit(t, handAt(0.3, 0.25, 0.8, 10, 17)));
  assert.ok(!reachHit(t, handAt(0.3, 0.25, 0.8, 15, 17)));
  assert.ok(!reachHit(t, handAt(0.3, 0.25, 0.8, 15, 33), 'coco17'));
  assert.ok(!reachHit(t, []));
});

test('the game shows one target at a time and moves on at each hit', () => {
  const ts = reachTargets(42, 3);
  const game = new ReachGame(42);
  assert.deepEqual(game.current, ts[0]);
  assert.equal(game.update(handAt(0.5, 0.95)), false);
  assert.equal(game.update(handAt(ts[0].x, ts[0].y)), true);
  assert.equal(game.update(handAt(ts[0].x, ts[0].y)), false, 'the next target is elsewhere');
  assert.deepEqual(game.current, ts[1]);
  game.update(handAt(ts[1].x, ts[1].y, 0.9, 20));
  assert.equal(game.hits, 2);
  assert.deepEqual(game.current, ts[2]);
});

test('step seeds: FNV-1a over the session id and the step', () => {
  assert.equal(stepSeed('s_01JH2K', 0), stepSeed('s_01JH2K', 0));
  assert.notEqual(stepSeed('s_01JH2K', 0), stepSeed('s_01JH2K', 1));
  assert.notEqual(stepSeed('s_01JH2K', 0), stepSeed('s_01JH2L', 0));
  // The empty session, step 0: the offset basis times the prime, twice.
  const p = (h) => Number((BigInt(h) * 0x01000193n) & 0xffffffffn);
  assert.equal(stepSeed('', 0), p(p(0x811c9dc5)));
});
