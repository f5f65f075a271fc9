// Reconnection as a page sees it: the server goes away (a restart: SIGTERM, then the same port
// again), the client keeps retrying with backoff, and once the server is back it either resumes,
// or tells that its room is gone (`rejoin_failed`) and works on; never "reconnecting" forever.
// Then the attempt loop alone (reconnect.ts's Reconnector) on a fake host and mocked timers.
import { after, before, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { BreakroomClient, backoffCeiling, createRoom, devToken, websocketUrl } from '../dist/index.js';
import { Reconnector } from '../dist/reconnect.js';
import { startServer, waitFor } from './support/server.js';

const program = { name: 'Restart', steps: [{ exercise: 'squats', duration_ms: 20_000, rest_ms: 0 }] };
const fast = { WebSocket, backoffBaseMs: 100, backoffMaxMs: 400 };
const DOWN_MS = 1500;

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** Records the names (and payloads) of `names`, in order. */
function record(client, names) {
  const seen = [];
  for (const name of names) client.on(name, (payload) => seen.push([name, payload]));
  return seen;
}

test('a server restart: the client retries while it is down, then says its room is gone and works on', { timeout: 60_000 }, async (t) => {
  const fac = await devToken(server.http, 'Fia', 'facilitator');
  const room = await createRoom(server.http, fac.token, program);
  const inRoom = await BreakroomClient.connect(websocketUrl(server.http), fac.token, fast);
  const idle = await BreakroomClient.connect(websocketUrl(server.http), fac.token, fast);
  try {
    await inRoom.join(room.code, { role: 'facilitator' });
    const seen = record(inRoom, ['reconnecting', 'resumed', 'rejoined', 'error', 'rejoin_failed', 'closed']);
    const idleSeen = record(idle, ['reconnecting', 'resumed', 'closed']);

    await server.down();
    await new Promise((r) => setTimeout(r, DOWN_MS));
    const attemptsWhileDown = seen.filter(([n]) => n === 'reconnecting').length;
    t.diagnostic(`${attemptsWhileDown} attempts in ${DOWN_MS} ms down (backoff ${fast.backoffBaseMs}–${fast.backoffMaxMs} ms)`);
    assert.ok(attemptsWhileDown >= 3, `kept retrying while down: ${attemptsWhileDown} attempts`);
    assert.ok(!seen.some(([n]) => n === 'closed'), 'never gave up');

    const gone = waitFor(inRoom, 'rejoin_failed', () => true, 15_000);
    const back = waitFor(idle, 'resumed', () => true, 15_000);
    await server.up();
    const failed = await gone;
    await back;
    // The room lived in the old process: the resume is refused, the rejoin finds no room.
    assert.equal(failed.code, 'not_found');
    const names = seen.map(([n]) => n);
    assert.deepEqual(names.filter((n) => n !== 'reconnecting'), ['error', 'rejoin_failed']);
    assert.deepEqual(
      seen.filter(([n]) => n === 'reconnecting').map(([, p]) => p.attempt),
      Array.from({ length: names.length - 2 }, (_, i) => i + 1),
      'attempts counted from 1, one event each',
    );
    assert.equal(inRoom.participantId, undefined, 'in no room');
    assert.deepEqual(idleSeen.at(-1), ['resumed', undefined], 'a client in no room is simply back');

    // The same client works on: a new room on the new process.
    const again = await createRoom(server.http, fac.token, program);
    const snap = await inRoom.join(again.code, { role: 'facilitator' });
    assert.equal(snap.room, again.code);
    assert.equal(inRoom.participantId, snap.you);
  } finally {
    await inRoom.close();
    await idle.close();
  }
});

/** A host whose handshakes fail (or succeed) as `outcome(attempt)` says. */
function fakeHost(outcome) {
  const log = [];
  let closed = false;
  let attempt = 0;
  const host = {
    isClosed: () => closed,
    getToken: undefined,
    setToken() {},
    handshake(onWelcome, onFail) {
      attempt += 1;
      const o = outcome(attempt);
      log.push(['handshake', attempt, Date.now()]);
      queueMicrotask(() => (o === 'welcome' ? onWelcome({ resuming: true }) : onFail(Object.assign(new Error(o), { fatal: o === 'fatal', closeCode: 1008 }))));
      return { abort() {} };
    },
    welcomed: () => log.push(['welcomed']),
    reconnecting: (n) => log.push(['reconnecting', n, Date.now()]),
    giveUp(code, reason) {
      closed = true;
      log.push(['giveUp', code, reason]);
    },
  };
  return { host, log };
}

async function runTimers(ms, step = 50) {
  for (let t = 0; t < ms; t += step) {
    mock.timers.tick(step);
    await new Promise((r) => setImmediate(r));
  }
}

test('the attempt loop: never stops by itself, each wait within its backoff ceiling', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const { host, log } = fakeHost((n) => (n <= 40 ? 'refused' : 'welcome'));
    const loop = new Reconnector(host, { baseMs: 250, maxMs: 10_000, maxAttempts: undefined });
    loop.start();
    await runTimers(40 * 10_000 + 1000, 100);
    const handshakes = log.filter(([k]) => k === 'handshake');
    const told = log.filter(([k]) => k === 'reconnecting');
    assert.equal(handshakes.length, 41, '40 refusals, then the welcome');
    assert.deepEqual(told.map(([, n]) => n), Array.from({ length: 41 }, (_, i) => i + 1));
    for (let i = 0; i < handshakes.length; i++) {
      const wait = handshakes[i][2] - told[i][2];
      assert.ok(wait <= backoffCeiling(i + 1, 250, 10_000) + 100, `attempt ${i + 1} waited ${wait} ms`);
    }
    assert.deepEqual(log.at(-1), ['welcomed']);
    assert.equal(loop.attempt, 0);
    assert.ok(!log.some(([k]) => k === 'giveUp'));
  } finally {
    mock.timers.reset();
  }
});

test('the attempt loop stops at maxAttempts, and at once on a fatal refusal', async () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: 0 });
  try {
    const a = fakeHost(() => 'refused');
    new Reconnector(a.host, { baseMs: 10, maxMs: 20, maxAttempts: 3 }).start();
    await runTimers(1000, 10);
    assert.equal(a.log.filter(([k]) => k === 'handshake').length, 3);
    assert.deepEqual(a.log.at(-1), ['giveUp', 1006, 'gave up after 3 reconnection attempts: refused']);

    const b = fakeHost(() => 'fatal');
    new Reconnector(b.host, { baseMs: 10, maxMs: 20, maxAttempts: undefined }).start();
    await runTimers(1000, 10);
    assert.equal(b.log.filter(([k]) => k === 'handshake').length, 1);
    assert.deepEqual(b.log.at(-1), ['giveUp', 1008, 'fatal']);
  } finally {
    mock.timers.reset();
  }
});
