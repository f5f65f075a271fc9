// Holds the TypeScript detector to the Rust one: runs every catalogue exercise over recordings
// (fixture format, see rooms/fixtures/README.md) through both, `breakroom detect FILE --json`
// and dist/, and prints every difference in reps, held time, final confidence or the phase
// timeline (each phase change with the frame it happened at). Exits 1 on any difference.
//
//   npm run build && cargo build --bin breakroom
//   node scripts/compare-rust.mjs [FILE_OR_DIR...]   (default: ../../target/fixtures/detect)
//
// The fixtures come from `cargo run -p breakroom-pose-data --bin gen-fixtures -- DIR`.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Detector, builtinCatalogue } from '../dist/index.js';

const workspace = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = process.env.BREAKROOM_BIN ?? join(workspace, 'target', 'debug', 'breakroom');
const args = process.argv.slice(2);
const inputs = args.length > 0 ? args : [join(workspace, 'target', 'fixtures', 'detect')];
const files = inputs.flatMap((p) =>
  statSync(p).isDirectory()
    ? readdirSync(p)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => join(p, f))
    : [p],
);

const toLandmarks = (lms) =>
  lms.map((l) =>
    l.length === 4 ? { x: l[0], y: l[1], z: l[2], visibility: l[3] } : { x: l[0], y: l[1], visibility: l[2] },
  );

/** The TypeScript side of `breakroom detect --json` for one exercise. */
function runTs(exercise, recording) {
  const d = Detector.forExercise(exercise);
  const start = recording.frames[0]?.t_us ?? 0;
  const phases = [];
  let reading = d.reading();
  for (const f of recording.frames) {
    reading = d.update(f.t_us, recording.model, toLandmarks(f.landmarks));
    if (phases.length === 0 || phases[phases.length - 1][1] !== reading.phase) {
      phases.push([Math.max(0, f.t_us - start) / 1e6, reading.phase]);
    }
  }
  return { exercise, reps: reading.reps, active_ms: reading.activeMs, confidence: reading.confidence, phases };
}

let differences = 0;
let compared = 0;
for (const file of files) {
  const recording = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(recording.frames)) continue; // still poses, not a recording
  const r = spawnSync(cli, ['detect', file, '--json'], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${cli} detect ${file}: ${r.error ?? r.stderr}`);
  const rust = new Map(JSON.parse(r.stdout).map((o) => [o.exercise, o]));
  const counts = [];
  for (const { id } of builtinCatalogue().exercises) {
    const want = rust.get(id);
    const got = runTs(id, recording);
    compared++;
    const name = `${file.split('/').pop()} ${id}`;
    if (want === undefined) {
      console.log(`${name}: missing from the Rust output`);
      differences++;
      continue;
    }
    // The CLI prints the f32 confidence through f64: compare as f32.
    for (const key of ['reps', 'active_ms', 'confidence']) {
      const [a, b] = key === 'confidence' ? [Math.fround(want[key]), Math.fround(got[key])] : [want[key], got[key]];
      if (a !== b) {
        console.log(`${name}: ${key} rust ${a} ts ${b}`);
        differences++;
      }
    }
    if (JSON.stringify(want.phases) !== JSON.stringify(got.phases)) {
      const n = Math.max(want.phases.length, got.phases.length);
      const i = Array.from({ length: n }, (_, k) => k).find(
        (k) => JSON.stringify(want.phases[k]) !== JSON.stringify(got.phases[k]),
      );
      console.log(`${name}: phases differ from change ${i}: rust ${JSON.stringify(want.phases[i])} ts ${JSON.stringify(got.phases[i])}`);
      differences++;
    }
    if (got.reps || got.active_ms) counts.push(`${id} ${got.reps}${got.active_ms ? `/${got.active_ms}ms` : ''}`);
  }
  console.log(`# ${file.split('/').pop()}: ${counts.join(', ') || 'nothing counted'}`);
}
console.log(`${compared} (recording, exercise) pairs compared, ${differences} differences`);
process.exit(differences === 0 ? 0 : 1);
