// The split-out parts on a fake host and a mocked clock: pacing.ts (send queues paced to the
// server's limits) and ping.ts (the ping schedule's watchdog). Time is the test's: setTimeout
// and Date are mocked, and performance.now follows Date.
import { afterEach, beforeEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';

import { BreakroomError } from '../dist/index.js';
import { OUTBOX_MAX, Pacer } from '../dist/pacing.js';
import { Pinger, silenceLimitMs } from '../dist/ping.js';

const realNow = performance.now;
beforeEach(() => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  Object.defineProperty(performance, 'now', { value: () => Date.now(), configurable: true, writable: true });
});
afterEach(() => {
  mock.timers.reset();
  Object.defineProperty(performance, 'now', { value: realNow, configurable: true, writable: true });
});

/** Advances the mocked clock `ms`, a millisecond at a time, letting every timer due run. */
function run(ms) {
  for (let t = 0; t < ms; t++) mock.timers.tick(1);
}

/** Checks `sent` ([when, what]) against `expected`: the same things in the same order, the
 * first within 3 ms of its instant and each next one after the same gap, give or take 3 ms (a
 * timer set for now fires on the next tick; a flush allows a millisecond early). */
function at(sent, expected) {
  const show = JSON.stringify(sent);
  assert.equal(sent.length, expected.length, show);
  sent.forEach(([when, what], i) => {
    assert.equal(what, expected[i][1], show);
    const [gap, want] = i === 0 ? [when, expected[0][0]] : [when - sent[i - 1][0], expected[i][0] - expected[i - 1][0]];
    assert.ok(Math.abs(gap - want) <= 3, `${what}: ${gap} ms after the one before, expected ${want}: ${show}`);
  });
}

function pacer({ limits = { max_message_bytes: 4096, control_hz: 4, score_hz: 2, pose_hz: 10 }, maxPoseHz = 5 } = {}) {
  const sent = [];
  const state = { ready: true, inRoom: true };
  const host = {
    ready: () => state.ready,
    inRoom: () => state.inRoom,
    limits: () => limits,
    send(msg) {
      sent.push([Date.now(), msg.type === 'pose' ? `pose@${msg.t}` : msg.type === 'score' ? `${msg.exercise}=${msg.reps}` : msg.action ?? msg.type]);
      return true;
    },
    sent() {},
  };
  return { p: new Pacer(host, maxPoseHz), sent, state };
}
const control = (action) => ({ type: 'control', seq: 1, action });
const score = (exercise, reps) => ({ type: 'score', seq: 1, exercise, reps, active_ms: 0 });

test('controls go in order at control_hz; the newest score per exercise at score_hz', () => {
  const { p, sent } = pacer();
  p.reset();
  for (const a of ['start', 'pause', 'resume']) p.queue(control(a));
  p.score('squats', score('squats', 1));
  p.score('lunges', score('lunges', 1));
  p.score('squats', score('squats', 2)); // replaces the unsent one, in its place
  run(1000);
  at(sent, [
    [0, 'start'],
    [0, 'squats=2'],
    [250, 'pause'],
    [500, 'resume'],
    [500, 'lunges=1'],
  ]);
});

test('poses: latest wins, at min(maxPoseHz, pose_hz), only in a room', () => {
  const { p, sent, state } = pacer();
  p.reset();
  for (let t = 0; t < 1000; t += 50) {
    p.setPose(t, new Uint8Array(1));
    run(50);
  }
  // 5 Hz: one every 200 ms, each the newest at its instant.
  at(sent, [0, 200, 400, 600, 800].map((t) => [t, `pose@${t}`]));
  state.inRoom = false;
  p.setPose(2000, new Uint8Array(1));
  run(500);
  assert.equal(sent.length, 5, 'not in a room: dropped');
});

test('nothing goes while not ready; then everything waiting goes; the outbox is bounded', () => {
  const { p, sent, state } = pacer();
  state.ready = false;
  p.reset();
  p.queue(control('start'));
  p.score('squats', score('squats', 3));
  run(1000);
  assert.deepEqual(sent, []);
  state.ready = true;
  p.schedule();
  run(10);
  assert.deepEqual(sent.map(([, w]) => w), ['start', 'squats=3']);

  for (let i = 0; i < OUTBOX_MAX; i++) p.queue(control('skip'));
  assert.ok(p.full);
  assert.throws(() => p.queue(control('skip')), (e) => e instanceof BreakroomError && e.kind === 'backlog');
  assert.deepEqual(p.clear(), [], 'no tags to fail');
  assert.ok(!p.full);
});

test('the pinger: a burst, then the interval; silence past the limit is a lost connection', () => {
  const pings = [];
  const silent = [];
  const pinger = new Pinger(
    { send: () => pings.push(Date.now()) > 0, silent: (why) => silent.push([Date.now(), why]) },
    { burst: 4, burstSpacingMs: 50, intervalMs: 1000 },
  );
  pinger.start();
  run(2100);
  at(pings.map((t) => [t, 'ping']), [0, 50, 100, 150, 1150].map((t) => [t, 'ping']));
  // The server answers now and then: no loss while it does.
  pinger.heard();
  run(silenceLimitMs(1000) - 100);
  assert.deepEqual(silent, []);
  run(2000);
  assert.equal(silent.length, 1);
  assert.match(silent[0][1], /stopped answering/);
  const count = pings.length;
  run(5000);
  assert.equal(pings.length, count, 'no ping after the loss');
});
