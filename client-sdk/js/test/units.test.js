// Clock sync, backoff, URLs and the keypoint block.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  ClockSync,
  PoseError,
  backoffCeiling,
  decodeClient,
  normalizePose,
  packKeypoints,
  reconnectable,
  unpackKeypoints,
  websocketUrl,
} from '../dist/index.js';

const vectors = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocol', 'vectors');

test('clock sync filters each direction on its own (clock.rs; the vectors are in clock.test.js)', () => {
  const sync = new ClockSync();
  // Server 1 s ahead: a slow, asymmetric exchange (90 ms up, 10 ms down) misleads alone...
  sync.add({ t0: 0, t1: 1_090_000, t2: 1_090_000, t3: 100_000 });
  assert.equal(sync.offset(), 1_040_000);
  // ...the best way up and the best way down, from different exchanges, do not.
  sync.add({ t0: 200_000, t1: 1_201_000, t2: 1_201_500, t3: 240_500 });
  assert.equal(sync.roundTrip(), 40_000);
  assert.equal(sync.uncertainty(), 20_000);
  assert.equal(sync.offset(), 995_500, '(min up 1_001_000 + max down 990_000) / 2');
  assert.equal(sync.toClient(2_000_000), 1_004_500);
  assert.equal(sync.toServer(5), 995_505);
});

test('backoff doubles up to the cap; only abnormal drops reconnect', () => {
  const cases = [[0, 250], [1, 250], [2, 500], [3, 1000], [6, 8000], [7, 10_000], [1000, 10_000]];
  for (const [attempt, ms] of cases) assert.equal(backoffCeiling(attempt, 250, 10_000), ms);
  for (const c of [1001, 1006, 1011, 4002]) assert.ok(reconnectable(c));
  for (const c of [1000, 1002, 1008, 1009, 4000, 4001, 4003, 4004, 4005, 4006]) assert.ok(!reconnectable(c));
});

test('websocket URLs derive from HTTP ones', () => {
  assert.equal(websocketUrl('http://127.0.0.1:7878'), 'ws://127.0.0.1:7878/v1/ws');
  assert.equal(websocketUrl('http://127.0.0.1:7878/'), 'ws://127.0.0.1:7878/v1/ws');
  assert.equal(websocketUrl('https://breakroom.example'), 'wss://breakroom.example/v1/ws');
  assert.equal(websocketUrl('ws://h:1/v1/ws'), 'ws://h:1/v1/ws');
  assert.throws(() => websocketUrl('ftp://x'));
});

test('quantization gives the vectors’ bytes back from their landmarks', () => {
  for (const name of ['pose_blazepose33', 'pose_blazepose33_depth', 'pose_coco17', 'pose_coco17_depth']) {
    const v = JSON.parse(readFileSync(join(vectors, 'client', `${name}.json`), 'utf8'));
    const kp = decodeClient(new Uint8Array(Buffer.from(v.hex, 'hex'))).kp;
    const { model, landmarks } = unpackKeypoints(kp);
    assert.deepEqual(packKeypoints(model, landmarks), kp, name);
  }
});

test('pose inputs: MediaPipe normalized and TF.js pixels', () => {
  const mp = Array.from({ length: 33 }, (_, i) => ({ x: i / 40, y: 0.5, z: -0.1, visibility: 0.9 }));
  const a = normalizePose(mp);
  assert.equal(a.model, 'blaze_pose33');
  assert.equal(packKeypoints(a.model, a.landmarks).length, 200);
  assert.equal(normalizePose({ landmarks: [mp] }).landmarks.length, 33);
  const tf = Array.from({ length: 17 }, (_, i) => ({ x: i * 10, y: 240, score: 0.8, name: `k${i}` }));
  const b = normalizePose({ keypoints: tf }, { width: 640, height: 480 });
  assert.equal(b.model, 'coco17');
  assert.deepEqual(b.landmarks[1], { x: 10 / 640, y: 0.5, visibility: 0.8 });
  const kp = packKeypoints(b.model, b.landmarks);
  assert.equal(kp.length, 87);
  const back = unpackKeypoints(kp).landmarks[1];
  assert.ok(Math.abs(back.x - 10 / 640) < 2e-5 && Math.abs(back.visibility - 0.8) < 0.003);
  // Off-screen values clamp; wrong counts and NaN are refused.
  const off = unpackKeypoints(packKeypoints('coco17', tf.map(() => ({ x: 9, y: -9, visibility: 2 })))).landmarks[0];
  assert.deepEqual([off.x, off.y, off.visibility], [1.25, -0.25, 1]);
  assert.throws(() => packKeypoints('coco17', mp), PoseError);
  assert.throws(() => packKeypoints('coco17', tf.map(() => ({ x: NaN, y: 0, visibility: 1 }))), PoseError);
  assert.throws(() => normalizePose(tf, { width: 640 }), PoseError);
});
