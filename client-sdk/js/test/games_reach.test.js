// The reach game's targets and hit rule (src/games/reach.ts), and the same against the Rust
// ones (rooms/src/detect/reach.rs) through `breakroom reach`, the way detect_rust.test.js holds
// the detectors together: the targets of many seeds, number for number, and the frames at
// which the game hits them, on synthetic recordings that graze every target's edge and on
// every generated fixture (real recordings among them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  REACH_AREA,
  REACH_MIN_STEP,
  REACH_RADIUS,
  ReachGame,
  reachHit,
  reachTargets,
  stepSeed,
} from '../dist/index.js';
import { fixturesDir } from './support/fixtures.js';
import { serverBinary } from './support/server.js';

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

/** `breakroom reach` on these seeds (and a recording): one parsed JSON line per seed. */
function rust(seeds, count, file) {
  const args = ['reach', '--count', String(count), ...seeds.flatMap((s) => ['--seed', String(s)])];
  if (file !== undefined) args.push(file);
  const r = spawnSync(serverBinary(), args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l));
}

/** mulberry32, for the test's own random choices. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The frames at which a device's game on `seed` hits, over fixture-format frames. */
function play(seed, model, frames) {
  const game = new ReachGame(seed);
  const hits = [];
  frames.forEach((f, i) => {
    const lms = f.landmarks.map((l) => ({ x: l[0], y: l[1], visibility: l[l.length - 1] }));
    if (game.update(lms, model)) hits.push(i);
  });
  return hits;
}

test('the Rust targets are the TypeScript ones, number for number', () => {
  const rnd = random(3);
  const seeds = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, stepSeed('s1', 0), stepSeed('s_01JH2K', 3)];
  while (seeds.length < 200) seeds.push(Math.floor(rnd() * 4294967296));
  const out = rust(seeds, 150);
  assert.equal(out.length, seeds.length);
  for (const [i, seed] of seeds.entries()) {
    assert.equal(out[i].seed, seed);
    assert.deepEqual(out[i].targets, reachTargets(seed, 150), `seed ${seed}`);
  }
  // The room's seed of step 0 of session s1 (rooms/tests/games.rs shows it on the cues).
  assert.equal(stepSeed('s1', 0), 2737214577);
});

test('Rust and TypeScript hit the same frames, on hands grazing every target edge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reach-'));
  try {
    const rnd = random(11);
    let compared = 0;
    let hits = 0;
    for (const seed of [42, 7, stepSeed('s1', 0), 0xdeadbeef]) {
      for (const model of ['blaze_pose33', 'coco17']) {
        const n = model === 'coco17' ? 17 : 33;
        const hands = model === 'coco17' ? [9, 10] : [15, 16, 19, 20];
        const targets = reachTargets(seed, 40);
        const frames = [];
        // Each frame puts one hand at a random angle and at a distance from the current
        // target's centre of r times (1 ± up to 2e-6), or well outside, or not visible enough.
        let k = 0;
        for (let i = 0; i < 400 && k < targets.length; i++) {
          const t = targets[k];
          const lms = Array.from({ length: n }, () => [0.5, 0.95, 0.9]);
          const angle = rnd() * 2 * Math.PI;
          const kind = rnd();
          const scale = kind < 0.7 ? 1 + (rnd() - 0.5) * 4e-6 : 1.5 + rnd();
          const visibility = kind > 0.9 ? Math.fround(0.5 - 1e-7 * rnd()) : kind > 0.85 ? 0.5 : 0.9;
          const h = hands[Math.floor(rnd() * hands.length)];
          lms[h] = [
            Math.fround(t.x + t.r * scale * Math.cos(angle)),
            Math.fround(t.y + t.r * scale * Math.sin(angle)),
            visibility,
          ];
          frames.push({ t_us: i * 33_333, landmarks: lms });
          // Move on as the game does, so later targets get visited too.
          const game = new ReachGame(seed);
          for (const f of frames) game.update(f.landmarks.map((l) => ({ x: l[0], y: l[1], visibility: l[2] })), model);
          k = game.hits;
        }
        const file = join(dir, `${seed}-${model}.json`);
        writeFileSync(file, JSON.stringify({ model, frames }));
        const [r] = rust([seed], 1, file);
        const ts = play(seed, model, frames);
        assert.deepEqual(r.hits, ts, `seed ${seed}, ${model}`);
        // The server's count (one target of look-ahead) never falls below the device's.
        assert.ok(r.server_hits >= ts.length, `seed ${seed}, ${model}: ${r.server_hits} < ${ts.length}`);
        compared += frames.length;
        hits += ts.length;
      }
    }
    console.log(`# ${compared} frames compared, ${hits} hits`);
    assert.ok(hits >= 100, `${hits} hits: the edges were grazed from both sides`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('Rust and TypeScript hit the same frames on every fixture (real recordings among them)', () => {
  const dir = fixturesDir();
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  const seeds = Array.from({ length: 32 }, (_, i) => i);
  let hits = 0;
  let played = 0;
  for (const f of files) {
    const fixture = JSON.parse(readFileSync(join(dir, f), 'utf8'));
    if (!Array.isArray(fixture.frames) || fixture.frames.length === 0) continue;
    const out = rust(seeds, 1, join(dir, f));
    for (const [i, seed] of seeds.entries()) {
      const ts = play(seed, fixture.model, fixture.frames);
      assert.deepEqual(out[i].hits, ts, `${f}, seed ${seed}`);
      hits += ts.length;
    }
    played++;
  }
  console.log(`# ${played} fixtures × ${seeds.length} seeds, ${hits} hits`);
  assert.ok(played > 10, `${played} fixtures`);
  assert.ok(hits > 0, 'some fixture reaches some target');
});
