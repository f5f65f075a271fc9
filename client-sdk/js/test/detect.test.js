// The detector port against the shared fixtures (the same ones the Rust detector is tested
// with): one per recipe in rooms/fixtures/recipes.json, generated from the recordings beside
// the checkout by the Rust generator (test/support/fixtures.js): every catalogue exercise on
// every fixture, the confusion matrix's rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Detector, builtinCatalogue, squatState } from '../dist/index.js';
import { loadFixture, recipes } from './support/fixtures.js';

const here = dirname(fileURLToPath(import.meta.url));
const ACTIVE_MS_TOLERANCE = 1000;

const toLandmarks = (lms) =>
  lms.map((l) =>
    l.length === 4 ? { x: l[0], y: l[1], z: l[2], visibility: l[3] } : { x: l[0], y: l[1], visibility: l[2] },
  );

function run(exercise, fixture) {
  const d = Detector.forExercise(exercise);
  assert.ok(d, `${exercise} is in the catalogue`);
  for (const f of fixture.frames) d.update(f.t_us, fixture.model, toLandmarks(f.landmarks));
  return d.reading();
}

test('there are recipes to test', () => {
  assert.ok(recipes.fixtures.length >= 30 && recipes.stills.length === 1);
});

test('the catalogue is the shared one', () => {
  const shared = JSON.parse(readFileSync(join(here, '..', '..', '..', 'rooms', 'catalogue.json'), 'utf8'));
  assert.deepEqual(builtinCatalogue(), shared);
});

// The confusion matrix (the rule of rooms/fixtures/README.md, as the Rust test applies it):
// EVERY catalogue exercise runs on EVERY fixture. Listed in `expected` → exactly that many
// reps; not listed → 0. Scored in seconds → held as long as `expected_active_ms` says (within
// the tolerance), or exactly 0 ms when not listed. Every count within the rate bound. A
// non-zero count off the diagonal (`exercise`) needs a `contains` reason.
const catalogueExercises = builtinCatalogue().exercises;

for (const recipe of recipes.fixtures) {
  test(`fixture ${recipe.name}`, () => {
    const fixture = loadFixture(recipe.name);
    // The generated file carries the recipe's contract, its matrix fields always present.
    assert.deepEqual(fixture.expected, recipe.expected);
    assert.deepEqual(fixture.expected_active_ms ?? {}, recipe.expected_active_ms ?? {});
    assert.ok('exercise' in fixture && 'contains' in fixture, 'exercise and contains are written');
    assert.equal(fixture.exercise, recipe.exercise ?? null);
    assert.deepEqual(fixture.contains, recipe.contains ?? {});
    const expectedMs = fixture.expected_active_ms ?? {};
    for (const [exercise, want] of [...Object.entries(fixture.expected), ...Object.entries(expectedMs)]) {
      assert.ok(
        catalogueExercises.some((e) => e.id === exercise),
        `${exercise} is in the catalogue`,
      );
      if (want > 0 && exercise !== fixture.exercise) {
        assert.ok(fixture.contains[exercise]?.trim(), `${exercise} counts off the diagonal: contains says why`);
      }
    }
    const first = fixture.frames[0].t_us;
    const last = fixture.frames[fixture.frames.length - 1].t_us;
    const wrong = [];
    const cells = [];
    for (const e of catalogueExercises) {
      const r = run(e.id, fixture);
      const want = fixture.expected[e.id] ?? 0;
      const bound = Math.floor(((last - first) * e.max_per_min) / 60_000_000) + 1;
      cells.push(`${e.id} ${r.reps}${e.unit === 'seconds' ? `/${r.activeMs}ms` : ''}`);
      if (r.reps !== want) wrong.push(`${e.id}: ${r.reps} reps, expected ${want}`);
      if (r.reps > bound) wrong.push(`${e.id}: ${r.reps} reps over the rate bound ${bound}`);
      if (e.unit === 'seconds') {
        const wantMs = expectedMs[e.id];
        const ok = wantMs === undefined ? r.activeMs === 0 : Math.abs(r.activeMs - wantMs) <= ACTIVE_MS_TOLERANCE;
        if (!ok) wrong.push(`${e.id}: held ${r.activeMs} ms, expected ${wantMs ?? 0} ms`);
      }
    }
    assert.deepEqual(wrong, [], `${recipe.name}: ${cells.join(', ')}`);
  });
}

test('ML Kit still squat poses: squatState classifies at least 95% as labelled', () => {
  const [stills] = recipes.stills;
  assert.equal(stills.min_share, 0.95);
  const file = loadFixture(stills.name);
  let right = 0;
  for (const p of file.poses) {
    const want = p.label.endsWith('_up') ? 'up' : 'down';
    if (squatState('blaze_pose33', toLandmarks(p.landmarks)) === want) right++;
  }
  const share = right / file.poses.length;
  assert.ok(file.poses.length >= 400);
  assert.ok(share >= 0.95, `${right}/${file.poses.length}`);
});

test('the detector never throws and ignores frames going back in time', () => {
  const d = Detector.forExercise('squats');
  const junk = Array.from({ length: 33 }, (_, i) => ({ x: i % 2 ? NaN : Infinity, y: -5, visibility: NaN }));
  assert.equal(d.update(1_000_000, 'blaze_pose33', junk).phase, 'unknown');
  assert.equal(d.update(0, 'blaze_pose33', []).reps, 0);
  assert.equal(d.update(2_000_000, 'coco17', junk.slice(0, 3)).confidence, 0);
  assert.equal(Detector.forExercise('burpees'), undefined);
  const unknown = new Detector({ id: 'burpees', names: { en: 'B', sv: 'B' }, unit: 'reps', max_per_min: 10, points_per_unit: 1 });
  assert.deepEqual(unknown.update(0, 'coco17', junk.slice(0, 17)), { reps: 0, activeMs: 0, phase: 'unknown', confidence: 0 });
});
