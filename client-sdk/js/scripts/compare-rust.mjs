// Holds the TypeScript detector to the Rust one: runs every catalogue exercise over recordings
// (fixture format, see rooms/fixtures/README.md) through both, `breakroom detect FILE --json`
// and dist/, and prints every difference in reps, held time, final confidence or the phase
// timeline (each phase change with the frame it happened at). Exits 1 on any difference.
//
//   npm run build && cargo build --bin breakroom
//   node scripts/compare-rust.mjs [FILE_OR_DIR...]   (default: $BREAKROOM_FIXTURES or ../../target/fixtures/detect)
//   node scripts/compare-rust.mjs --random N [SEED]
//
// The fixtures come from `cargo run -p breakroom-pose-data --bin gen-fixtures -- DIR`.
// `--random N` compares instead N recordings made from random windows of those fixtures, each
// mangled the ways the detector must survive: landmarks jumping away for a frame, legs swapped,
// landmarks dropping out or off-screen, repeated, backward and far-apart times, other models'
// landmark counts (seeded: SEED, default 1, reproduces a run).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Detector, builtinCatalogue } from '../dist/index.js';

const workspace = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const cli = process.env.BREAKROOM_BIN ?? join(workspace, 'target', 'debug', 'breakroom');
const fixtures = process.env.BREAKROOM_FIXTURES ?? join(workspace, 'target', 'fixtures', 'detect');
const args = process.argv.slice(2);
const listed = (inputs) =>
  inputs.flatMap((p) =>
    statSync(p).isDirectory()
      ? readdirSync(p)
          .filter((f) => f.endsWith('.json'))
          .sort()
          .map((f) => join(p, f))
      : [p],
  );
let scratch;
let files;
if (args[0] === '--random') {
  scratch = mkdtempSync(join(tmpdir(), 'compare-rust-'));
  files = random(Number(args[1] ?? 100), Number(args[2] ?? 1), scratch);
} else {
  files = listed(args.length > 0 ? args : [fixtures]);
}

/** N mangled recordings written into `dir`, from the fixtures. */
function random(n, seed, dir) {
  // mulberry32: a small seeded generator.
  let a = seed >>> 0;
  const rnd = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (xs) => xs[Math.floor(rnd() * xs.length)];
  const sources = listed([fixtures])
    .map((f) => JSON.parse(readFileSync(f, 'utf8')))
    .filter((r) => Array.isArray(r.frames) && r.frames.length > 10);
  const out = [];
  for (let k = 0; k < n; k++) {
    const src = pick(sources);
    const from = Math.floor(rnd() * src.frames.length * 0.5);
    const frames = src.frames.slice(from, from + 20 + Math.floor(rnd() * 200)).map((f) => ({
      t_us: f.t_us,
      landmarks: f.landmarks.map((l) => l.slice()),
    }));
    const rate = rnd();
    let shift = 0;
    for (let i = 0; i < frames.length; i++) {
      const f = frames[i];
      const lms = f.landmarks;
      const vis = lms[0].length - 1;
      if (rnd() < rate * 0.15) {
        // One landmark jumps 0.1 to 0.3 away, for one to three frames.
        const j = Math.floor(rnd() * lms.length);
        const [dx, dy] = [(rnd() - 0.5) * 0.6, (rnd() - 0.5) * 0.6];
        for (let m = i; m < Math.min(frames.length, i + 1 + Math.floor(rnd() * 3)); m++) {
          frames[m].landmarks[j][0] += dx;
          frames[m].landmarks[j][1] += dy;
        }
      }
      if (rnd() < rate * 0.1 && src.model === 'blaze_pose33') {
        for (const j of [23, 25, 27, 29, 31]) [lms[j], lms[j + 1]] = [lms[j + 1], lms[j]];
      }
      if (rnd() < rate * 0.1) lms[Math.floor(rnd() * lms.length)][vis] = rnd();
      if (rnd() < rate * 0.05) lms[Math.floor(rnd() * lms.length)][Math.floor(rnd() * 2)] = pick([1.25, -0.25, 1.3, 5]);
      if (rnd() < rate * 0.03) f.landmarks = lms.slice(0, Math.floor(rnd() * lms.length));
      if (rnd() < rate * 0.05) shift += Math.floor(rnd() * 1_500_000); // a stall
      f.t_us += shift;
      if (rnd() < rate * 0.05 && i > 0) f.t_us = frames[i - 1].t_us - Math.floor(rnd() * 200_000); // back in time
      if (rnd() < rate * 0.05 && i > 0) f.t_us = frames[i - 1].t_us; // repeated
      f.t_us = Math.max(0, f.t_us);
      // As the wire carries them: f32.
      f.landmarks = f.landmarks.map((l) => l.map(Math.fround));
    }
    const file = join(dir, `random_${seed}_${k}_${src.name}.json`);
    writeFileSync(file, JSON.stringify({ name: `random ${k}`, model: src.model, frames }));
    out.push(file);
  }
  return out;
}

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
if (scratch !== undefined && differences === 0) rmSync(scratch, { recursive: true });
else if (scratch !== undefined) console.log(`the recordings are in ${scratch}`);
process.exit(differences === 0 ? 0 : 1);
