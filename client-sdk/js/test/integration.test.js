// Against the real server binary: REST, join, start, synchronized cues, scores, poses relay,
// end and summary; then reconnection through a proxy that cuts connections (resume, and
// rejoin after the grace period).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { BreakroomClient, createRoom, devToken, exercises, websocketUrl } from '../dist/index.js';
import { loadFixture } from './support/fixtures.js';
import { startProxy, startServer, waitFor } from './support/server.js';

const program = {
  name: 'JS SDK test',
  steps: [{ exercise: 'squats', duration_ms: 20_000, rest_ms: 0 }],
};
// The real squats, as generated from the recording beside the checkout (support/fixtures.js).
const squatFrames = loadFixture('squats_real_5hz').frames.map((f) =>
  f.landmarks.map(([x, y, visibility]) => ({ x, y, visibility })),
);
const fast = { WebSocket, backoffBaseMs: 100, backoffMaxMs: 400 };

let server;
before(async () => {
  server = await startServer(['--grace-s', '2']);
});
after(async () => {
  await server?.stop();
});

async function setUp(wsUrl) {
  const fac = await devToken(server.http, 'Fia', 'facilitator');
  const part = await devToken(server.http, 'Ada', 'participant');
  const room = await createRoom(server.http, fac.token, program);
  const facilitator = await BreakroomClient.connect(websocketUrl(server.http), fac.token, fast);
  const participant = await BreakroomClient.connect(wsUrl ?? websocketUrl(server.http), part.token, fast);
  return { room, facilitator, participant };
}

describe('against the real server', { skip: false }, () => {
  test('REST helpers', async () => {
    const cat = await exercises(server.http);
    assert.ok(cat.exercises.some((e) => e.id === 'squats'));
    const fac = await devToken(server.http, 'Fia', 'facilitator');
    assert.ok(fac.token.length > 10 && fac.user && fac.expires_at > 0);
    const room = await createRoom(server.http, fac.token, program, 10);
    assert.match(room.code, /\w/);
    assert.match(room.ws_url, /^ws:\/\/.*\/v1\/ws$/);
    const part = await devToken(server.http, 'Ada');
    await assert.rejects(createRoom(server.http, part.token, program), /403/);
  });

  test('a whole session: join, start, cues, poses, score, end, summary', async () => {
    const { room, facilitator, participant } = await setUp();
    assert.ok(facilitator.limits && facilitator.limits.max_message_bytes === 4096);

    const fsnap = await facilitator.join(room.code, { role: 'facilitator' });
    const psnap = await participant.join(room.code);
    assert.equal(fsnap.room, psnap.room);
    assert.equal(participant.participantId, psnap.you);
    assert.notEqual(facilitator.participantId, participant.participantId);

    const cues = { f: [], p: [] };
    facilitator.on('cue', (c) => cues.f.push(c));
    participant.on('cue', (c) => cues.p.push(c));
    const goF = waitFor(facilitator, 'cue', (c) => c.kind === 'go');
    const goP = waitFor(participant, 'cue', (c) => c.kind === 'go');
    const phase = waitFor(participant, 'phase', (p) => p.phase.phase === 'countdown');
    facilitator.start();
    await phase;
    const [gf, gp] = await Promise.all([goF, goP]);
    assert.equal(gf.at, gp.at, 'both get the go cue for the same instant');
    assert.equal(gf.id, gp.id);
    for (const c of cues.p) {
      const same = cues.f.find((x) => x.id === c.id);
      if (same) assert.equal(same.at, c.at);
    }
    // The clock is synced: the go cue's instant is near the local clock's view of it.
    const fired = await new Promise((resolve) => participant.scheduleAt(gp.at, () => resolve(participant.serverNow())));
    assert.ok(Math.abs(fired - gp.at) < 100_000, `fired ${fired - gp.at} µs from the cue`);

    // Skeletons are relayed to the facilitator.
    const poses = waitFor(facilitator, 'poses', (e) => e.poses.some((p) => p.p === participant.participantId));
    const tracker = participant.track('squats');
    assert.throws(() => participant.track('burpees'), /catalogue/);
    for (const frame of squatFrames.slice(0, 10)) {
      const reading = tracker.update(frame);
      assert.equal(reading.reps, 0);
      assert.ok(['up', 'down', 'unknown'].includes(reading.phase));
      await new Promise((r) => setTimeout(r, 70));
    }
    assert.ok(tracker.reading().confidence > 0.5);
    const relayed = await poses;
    assert.equal(relayed.poses.find((p) => p.p === participant.participantId).kp[0], 1);

    // A score shows in the scoreboard.
    const board = waitFor(facilitator, 'scoreboard', (s) =>
      s.ranking.some((e) => e.p === participant.participantId && e.reps >= 1),
    );
    participant.reportScore('squats', 1);
    const sb = await board;
    assert.ok(sb.total > 0);

    const sumF = waitFor(facilitator, 'summary');
    const sumP = waitFor(participant, 'summary');
    facilitator.end();
    const [summary, summaryP] = await Promise.all([sumF, sumP]);
    assert.equal(summary.session, summaryP.session);
    assert.equal(summary.end, 'facilitator');
    const mine = summary.participants.find((p) => p.p === participant.participantId);
    assert.ok(mine, 'the participant is in the summary');
    assert.equal(mine.results[0].exercise, 'squats');
    assert.ok(mine.results[0].reps >= 1);

    const closed = waitFor(participant, 'closed');
    await participant.close();
    assert.equal((await closed).code, 1000);
    await facilitator.close();
    assert.throws(() => participant.start(), /closed/);
  });

  test('a lock reaches everyone in the room, and refuses a newcomer until unlocked', async () => {
    const { room, facilitator, participant } = await setUp();
    const fsnap = await facilitator.join(room.code, { role: 'facilitator' });
    const psnap = await participant.join(room.code);
    assert.equal(fsnap.locked, false);
    assert.equal(psnap.locked, false);
    const seen = { facilitator: [], participant: [] };
    facilitator.on('lock', (e) => seen.facilitator.push(e.locked));
    participant.on('lock', (e) => seen.participant.push(e.locked));

    const locked = Promise.all([waitFor(facilitator, 'lock'), waitFor(participant, 'lock')]);
    facilitator.lock();
    assert.deepEqual(await locked, [{ locked: true }, { locked: true }]);
    const late = await devToken(server.http, 'Bo', 'participant');
    const newcomer = await BreakroomClient.connect(websocketUrl(server.http), late.token, fast);
    await assert.rejects(newcomer.join(room.code), (e) => e.code === 'room_locked');
    const unlocked = Promise.all([
      waitFor(facilitator, 'lock', (e) => e.locked === false),
      waitFor(participant, 'lock', (e) => e.locked === false),
    ]);
    facilitator.unlock();
    await unlocked;
    // One message per change, in order, to each of them.
    assert.deepEqual(seen.participant, [true, false]);
    assert.deepEqual(seen.facilitator, [true, false]);
    // The newcomer gets in now, and its snapshot says the room is open.
    const nsnap = await newcomer.join(room.code);
    assert.equal(nsnap.locked, false);
    await Promise.all([newcomer.close(), participant.close(), facilitator.close()]);
  });

  test('a dropped connection resumes its place', async () => {
    const proxy = await startProxy(server.addr);
    try {
      const { room, facilitator, participant } = await setUp(proxy.ws);
      await facilitator.join(room.code, { role: 'facilitator' });
      const snap = await participant.join(room.code);
      const events = [];
      for (const e of ['reconnecting', 'snapshot', 'resumed', 'rejoined']) participant.on(e, () => events.push(e));
      const resumed = waitFor(participant, 'resumed');
      const presence = waitFor(facilitator, 'presence', (p) => p.change === 'resumed');
      proxy.cut();
      await resumed;
      await presence;
      assert.deepEqual(events, ['reconnecting', 'snapshot', 'resumed']);
      assert.equal(participant.participantId, snap.you, 'same place');
      // Still works: a reaction reaches the facilitator.
      const reaction = waitFor(facilitator, 'reaction', (r) => r.p === snap.you);
      participant.react('clap');
      assert.equal((await reaction).reaction, 'clap');
      await participant.close();
      await facilitator.close();
    } finally {
      await proxy.stop();
    }
  });

  test('after the grace period, the client rejoins by code', async () => {
    const proxy = await startProxy(server.addr);
    try {
      const { room, facilitator, participant } = await setUp(proxy.ws);
      await facilitator.join(room.code, { role: 'facilitator' });
      const snap = await participant.join(room.code);
      const events = [];
      for (const e of ['snapshot', 'resumed', 'rejoined']) participant.on(e, () => events.push(e));
      const left = waitFor(facilitator, 'presence', (p) => p.change === 'left' && p.participant.id === snap.you);
      const rejoined = waitFor(participant, 'rejoined', () => true, 15_000);
      proxy.refuse = true;
      proxy.cut();
      await left; // the 2 s grace period is over
      proxy.refuse = false;
      await rejoined;
      assert.deepEqual(events, ['snapshot', 'rejoined']);
      assert.ok(participant.participantId !== undefined);
      await participant.close();
      await facilitator.close();
    } finally {
      await proxy.stop();
    }
  });

  test('the ping bursts at connect and at a resume stay within the server’s ping budget', async (t) => {
    const closeAfter = [];
    t.after(() => Promise.all(closeAfter.map((c) => c.close())));
    const proxy = await startProxy(server.addr);
    try {
      const part = await devToken(server.http, 'Ada', 'participant');
      const client = await BreakroomClient.connect(proxy.ws, part.token, fast);
      closeAfter.push(client);
      const errors = [];
      client.on('error', (e) => errors.push(e));
      const clockEvents = [];
      client.on('clock', (e) => clockEvents.push(e));
      // The burst of 16 (50 ms apart) and a steady ping or two.
      await new Promise((r) => setTimeout(r, 2_500));
      const resumed = waitFor(client, 'resumed');
      proxy.cut();
      await resumed;
      await new Promise((r) => setTimeout(r, 2_000));
      t.diagnostic(`${clockEvents.length} estimate changes; uncertainty ${client.syncUncertainty()} µs`);
      assert.deepEqual(errors, [], 'no ping was refused');
      assert.ok(client.syncUncertainty() < 50_000, 'synced on loopback');
    } finally {
      await proxy.stop();
    }
  });

  test('a refused token fails connect', async () => {
    await assert.rejects(BreakroomClient.connect(websocketUrl(server.http), 'not-a-token', fast), (e) => {
      assert.equal(e.name, 'BreakroomError');
      return true;
    });
  });
});
