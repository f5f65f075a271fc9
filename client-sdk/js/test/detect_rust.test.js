// The TypeScript detector against the Rust one, phase change by phase change: every catalogue
// exercise over every generated fixture (and over fixtures mangled with tracking glitches, leg
// swaps, dropouts and odd timing), through `breakroom detect FILE --json` and dist/, by
// scripts/compare-rust.mjs. Any difference in reps, held time, confidence, or the frame at
// which a phase changes, fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { builtinCatalogue } from '../dist/index.js';
import { fixturesDir, recipes } from './support/fixtures.js';
import { serverBinary } from './support/server.js';

const script = join(dirname(fileURLToPath(import.meta.url)), '..', 'scripts', 'compare-rust.mjs');

function compare(args) {
  const r = spawnSync(process.execPath, [script, ...args], {
    env: { ...process.env, BREAKROOM_BIN: serverBinary() },
    encoding: 'utf8',
    maxBuffer: 1 << 26,
    timeout: 10 * 60 * 1000,
  });
  const differences = r.stdout.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  assert.equal(r.status, 0, `${differences.join('\n')}\n${r.stderr}`);
  return /^(\d+) \(recording, exercise\) pairs compared, 0 differences$/m.exec(r.stdout);
}

test('on every fixture, the TypeScript detector does what the Rust one does, frame for frame', () => {
  const m = compare([fixturesDir()]);
  assert.ok(m, 'the summary line');
  assert.equal(Number(m[1]), recipes.fixtures.length * builtinCatalogue().exercises.length);
});

test('on mangled fixtures too (glitches, leg swaps, dropouts, stalls, times going back)', () => {
  fixturesDir();
  const m = compare(['--random', '150', '1']);
  assert.ok(m, 'the summary line');
  assert.equal(Number(m[1]), 150 * builtinCatalogue().exercises.length);
});
