// Every golden vector of protocol/vectors/: valid ones decode to `message` and encode back to
// the canonical bytes; invalid ones are refused with the named error.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  CodecError,
  decodeClient,
  decodeServer,
  encodeClient,
  encodeServer,
  rawKeypoints,
} from '../dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocol', 'vectors');
const hex = (bytes) => Buffer.from(bytes).toString('hex');
const unhex = (s) => new Uint8Array(Buffer.from(s, 'hex'));

// JSON form of a message (kp as hex), and back.
function toJson(v) {
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return v.map(toJson);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toJson(x)]));
  return v;
}
function fromJson(v, key) {
  if (key === 'kp' && typeof v === 'string') return unhex(v);
  if (Array.isArray(v)) return v.map((x) => fromJson(x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fromJson(x, k)]));
  return v;
}
function at(msg, path) {
  // e.g. "poses[1].kp" or "kp"
  let v = msg;
  for (const part of path.split('.')) {
    const m = /^(\w+)(?:\[(\d+)\])?$/.exec(part);
    v = v[m[1]];
    if (m[2] !== undefined) v = v[Number(m[2])];
  }
  return v;
}

const dirs = { client: [decodeClient, encodeClient], server: [decodeServer, encodeServer] };
let total = 0;
for (const direction of ['client', 'server']) {
  const files = readdirSync(join(root, direction)).filter((f) => f.endsWith('.json')).sort();
  for (const file of files) {
    total++;
    const v = JSON.parse(readFileSync(join(root, direction, file), 'utf8'));
    const [decode, encode] = dirs[direction];
    test(`${direction}/${v.name}`, () => {
      assert.equal(v.direction, direction);
      const bytes = unhex(v.hex);
      if (v.message !== undefined) {
        const msg = decode(bytes);
        assert.deepEqual(toJson(msg), v.message, 'decode(hex) == message');
        const want = v.canonical_hex ?? v.hex;
        assert.equal(hex(encode(fromJson(v.message))), want, 'encode(message) == canonical bytes');
        assert.equal(hex(encode(msg)), want, 'encode(decode(hex)) == canonical bytes');
        for (const k of v.keypoints ?? []) {
          const raw = rawKeypoints(at(msg, k.field));
          assert.equal(raw.model === 'blaze_pose33' ? 1 : 2, k.model);
          assert.equal(raw.depth, k.depth);
          assert.deepEqual(raw.landmarks, k.landmarks);
        }
      } else {
        assert.ok(v.error, 'an invalid vector names its error');
        let result;
        let error;
        try {
          result = decode(bytes);
        } catch (e) {
          error = e;
        }
        if (v.error === 'unknown_type') {
          // Forward compatibility: a result the client skips, not an exception.
          assert.equal(error, undefined);
          assert.deepEqual(result, { type: 'unknown_type', name: v.detail });
          return;
        }
        assert.ok(error instanceof CodecError, `refused (got ${JSON.stringify(toJson(result))})`);
        assert.equal(error.kind, v.error, error.message);
        if (v.field !== undefined) assert.equal(error.field, v.field);
        if (v.detail !== undefined) assert.equal(error.detail, v.detail);
      }
    });
  }
}

test('every vector file was found', () => {
  assert.ok(total >= 110, `${total} vectors`);
});

test('encoding refuses what decoding would refuse', () => {
  assert.throws(() => encodeClient({ type: 'ping', t0: 1.5 }), CodecError);
  assert.throws(() => encodeClient({ type: 'ping', t0: -1 }), CodecError);
  assert.throws(() => encodeClient({ type: 'score', seq: 1, exercise: 'Squat', reps: 1, active_ms: 0 }), /exercise/);
  assert.throws(() => encodeClient({ type: 'control', seq: 1, action: 'kick' }), /target/);
  assert.throws(() => encodeClient({ type: 'pose', t: 1, kp: new Uint8Array(5) }), CodecError);
  const big = 'a'.repeat(3072);
  // A hello at the token bound fits; the frame limit is checked too.
  assert.ok(encodeClient({ type: 'hello', seq: 1, sdk: 's', sdk_version: '1', token: big }).length <= 4096);
});

test('wide and reordered encodings decode; key order on encode is canonical', () => {
  const msg = decodeServer(unhex('84a27432cf000647484620447ea27431cf00064748462043e8a474797065a4706f6e67a27430ce3ade68b1'));
  assert.deepEqual(Object.keys(msg), ['type', 't0', 't1', 't2']);
  assert.equal(
    hex(encodeServer({ t2: msg.t2, t1: msg.t1, t0: msg.t0, type: 'pong' })),
    '84a474797065a4706f6e67a27430ce3ade68b1a27431cf00064748462043e8a27432cf000647484620447e',
  );
});
