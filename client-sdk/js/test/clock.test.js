// Clock sync: the estimator on the shared vectors (protocol/vectors/clock.json, which the Rust
// estimator is held to as well), and the ping schedule against the scripted stand-in
// (test/support/mock.js, a real WebSocket server on 127.0.0.1:0): a burst of 16, then one per
// interval, again at every reconnection. The schedule is checked on the pings' own t0 (the
// client's monotonic clock): a timer never fires much early, so the lower bounds hold however
// loaded the machine is.
import { afterEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

import { BreakroomClient, ClockSync, MAX_SAMPLES, WINDOW_US } from '../dist/index.js';
import { startMock } from './support/mock.js';

const vectors = JSON.parse(
  readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'protocol', 'vectors', 'clock.json'), 'utf8'),
);

/** The stand-in's clock: the client's own monotonic clock plus a known offset, so the true
 * offset is known to the µs. */
const OFFSET = 1_765_000_000_000_000;
const localUs = () => Math.round(performance.now() * 1000);
/** Node's timers may fire up to a millisecond early against performance.now(). */
const EARLY_US = 1_000;
const gapsOf = (t0s) => t0s.slice(1).map((t, i) => t - t0s[i]);

let cleanup = [];
afterEach(async () => {
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

test('the estimator gives the shared vectors’ offset and uncertainty after every sample', () => {
  assert.equal(vectors.window_us, WINDOW_US);
  assert.equal(vectors.max_samples, MAX_SAMPLES);
  assert.ok(vectors.cases.length >= 5);
  for (const c of vectors.cases) {
    const sync = new ClockSync();
    assert.equal(sync.offset(), 0);
    assert.equal(sync.uncertainty(), undefined);
    c.steps.forEach((s, i) => {
      sync.add({ t0: s.t0, t1: s.t1, t2: s.t2, t3: s.t3 });
      const got = { offset: sync.offset(), uncertainty: sync.uncertainty() ?? null };
      assert.deepEqual(got, { offset: s.offset, uncertainty: s.uncertainty }, `${c.name}, after sample ${i + 1}`);
    });
  }
});

test('the window spans 60 s of client time and 256 samples; a contradicting sample is told', () => {
  const sync = new ClockSync();
  // A fast sample, then slow ones: the fast one rules until it leaves the window.
  sync.add({ t0: 0, t1: 1_000_500, t2: 1_000_500, t3: 1_000 });
  const slow = (t) => ({ t0: t, t1: t + 1_020_000, t2: t + 1_020_000, t3: t + 40_000 });
  for (let t = 1; t <= 60; t++) sync.add(slow(t * 1e6 - 39_000));
  assert.equal(sync.uncertainty(), 500, 'a t3 exactly 60 s before the newest is still in');
  sync.add(slow(60e6 - 38_999));
  assert.equal(sync.uncertainty(), 20_000, 'the fast sample left 60 s after it came');
  for (let i = 0; i < MAX_SAMPLES + 10; i++) sync.add({ t0: 62e6 + i, t1: 63_020_000 + i, t2: 63_020_000 + i, t3: 62_040_000 + i });
  assert.equal(sync.size, MAX_SAMPLES);
  // Every sample bounds the offset to [t2 − t3, t1 − t0]: one from a clock 5 s away does not fit.
  assert.ok(sync.agrees({ t0: 70e6, t1: 71_010_000, t2: 71_010_000, t3: 70_030_000 }));
  assert.ok(!sync.agrees({ t0: 70e6, t1: 76_010_000, t2: 76_010_000, t3: 70_030_000 }));
  sync.clear();
  assert.equal(sync.uncertainty(), undefined);
});

/** Connects to the stand-in and welcomes the client; returns both sides. */
async function connected(server, opts) {
  const [client, conn] = await Promise.all([
    BreakroomClient.connect(server.url, 'tok', { WebSocket, backoffBaseMs: 10, backoffMaxMs: 20, ...opts }),
    server.accept().then(async (conn) => {
      await conn.welcome('r1');
      return conn;
    }),
  ]);
  cleanup.push(() => client.close());
  return { client, conn };
}

test('by default: a burst of 16 pings 50 ms apart, then one a second', { timeout: 30_000 }, async (t) => {
  const server = await startMock({ clock: () => localUs() + OFFSET });
  cleanup.push(() => server.stop());
  const { client, conn } = await connected(server, {});
  const gaps = gapsOf(await conn.pingsUntil(18));
  t.diagnostic(`gaps (ms): ${gaps.map((g) => (g / 1000).toFixed(1)).join(' ')}`);
  assert.ok(gaps.slice(0, 15).every((g) => g >= 50_000 - EARLY_US && g < 1_000_000), `${gaps}`);
  assert.ok(gaps.slice(15).every((g) => g >= 1_000_000 - EARLY_US), `${gaps}`);
  // The stand-in answers at once on loopback: the estimate is tight, and right within it.
  const uncertainty = client.syncUncertainty();
  assert.ok(uncertainty !== undefined && uncertainty < 50_000, `uncertainty ${uncertainty} µs`);
  const error = client.clockOffset() - OFFSET;
  t.diagnostic(`offset off by ${error} µs, uncertainty ${uncertainty} µs`);
  assert.ok(Math.abs(error) <= uncertainty + 1, `offset off by ${error} µs, beyond ${uncertainty} µs`);
});

test('a burst again at every reconnection, and one per interval for the connection’s life', { timeout: 30_000 }, async (t) => {
  const server = await startMock({ clock: () => localUs() + OFFSET });
  cleanup.push(() => server.stop());
  const intervalMs = 1500;
  const { client, conn } = await connected(server, { pingIntervalMs: intervalMs, pingBurst: 4 });
  const clockEvents = [];
  client.on('clock', (e) => clockEvents.push(e));
  const first = gapsOf(await conn.pingsUntil(7));
  assert.ok(first.slice(0, 3).every((g) => g < intervalMs * 1000), `${first}`);
  assert.ok(first.slice(3).every((g) => g >= intervalMs * 1000 - EARLY_US), `${first}`);
  assert.ok(clockEvents.length >= 1, 'the estimate was told');
  for (const e of clockEvents) assert.deepEqual(Object.keys(e).sort(), ['offset', 'uncertainty']);
  assert.deepEqual(clockEvents.at(-1), { offset: client.clockOffset(), uncertainty: client.syncUncertainty() });

  // The connection drops: the new one starts with a burst again.
  const back = new Promise((resolve) => client.on('resumed', resolve));
  conn.close(1001);
  const again = await server.accept();
  await again.welcome('r2');
  await back;
  const second = gapsOf(await again.pingsUntil(5));
  t.diagnostic(`after the reconnection, gaps (ms): ${second.map((g) => (g / 1000).toFixed(1)).join(' ')}`);
  assert.ok(second.slice(0, 3).every((g) => g < intervalMs * 1000), `${second}`);
  assert.ok(second[3] >= intervalMs * 1000 - EARLY_US, `${second}`);
});

test('a reconnection to another clock (a restarted server) starts the estimate afresh', { timeout: 30_000 }, async () => {
  const server = await startMock({ clock: () => localUs() + OFFSET });
  cleanup.push(() => server.stop());
  const { client, conn } = await connected(server, { pingBurst: 4 });
  await conn.pingsUntil(4);
  assert.ok(Math.abs(client.clockOffset() - OFFSET) <= client.syncUncertainty() + 1);

  // The new process's clock is 5 s ahead of the old one's.
  const back = new Promise((resolve) => client.on('resumed', resolve));
  conn.close(1001);
  const again = await server.accept();
  server.clock = () => localUs() + OFFSET + 5_000_000;
  await again.welcome('r2');
  await back;
  // Right after the welcome: the old window is gone, the welcome alone says ~5 s.
  const error = client.clockOffset() - (OFFSET + 5_000_000);
  assert.ok(Math.abs(error) <= client.syncUncertainty() + 1, `off by ${error} µs (a mixed window is ~2.5 s off)`);
  await again.pingsUntil(4);
  assert.ok(Math.abs(client.clockOffset() - (OFFSET + 5_000_000)) <= client.syncUncertainty() + 1);
});
