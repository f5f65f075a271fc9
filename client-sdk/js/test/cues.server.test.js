// followCues against the real server, with the participant's timers running 250 ms late (as on
// a page busy with pose detection): every cue the server announces is delivered, in order,
// ending on `done`. A control shows that the scenario is the one that lost cues: a timer per
// cue, all cancelled when a `phase` replaces the timeline (the web app's old CueDisplay), loses
// the cues that fall on a phase change (go, rest, next_up, done).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import { BreakroomClient, createRoom, devToken, websocketUrl } from '../dist/index.js';
import { startServer, waitFor } from './support/server.js';

const LAG_US = 250_000;
const program = {
  name: 'Cue test',
  steps: [
    { exercise: 'squats', duration_ms: 2_000, rest_ms: 1_000 },
    { exercise: 'arm_raises', duration_ms: 2_000, rest_ms: 0 },
  ],
};

let server;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server?.stop();
});

/** The old way: a timer per cue, every pending one cancelled by a new timeline. */
function naiveFollow(client, onShow) {
  const pending = new Map();
  const add = (c) => {
    pending.get(c.id)?.();
    pending.set(c.id, client.scheduleAt(c.at, () => {
      pending.delete(c.id);
      onShow(c);
    }));
  };
  const replace = (timeline) => {
    for (const cancel of pending.values()) cancel();
    pending.clear();
    for (const c of timeline) add(c);
  };
  client.on('cue', add);
  client.on('phase', (m) => replace(m.timeline));
  client.on('snapshot', (s) => replace(s.timeline));
}

test('followCues delivers every cue of a program, in order, however late the timers run', { timeout: 60_000 }, async (t) => {
  const fac = await devToken(server.http, 'Fia', 'facilitator');
  const part = await devToken(server.http, 'Ada', 'participant');
  const room = await createRoom(server.http, fac.token, program);
  const facilitator = await BreakroomClient.connect(websocketUrl(server.http), fac.token, { WebSocket });
  const participant = await BreakroomClient.connect(websocketUrl(server.http), part.token, { WebSocket });
  try {
    // Every timer of the participant runs LAG_US late.
    const onTime = participant.scheduleAt.bind(participant);
    participant.scheduleAt = (at, cb) => onTime(at + LAG_US, cb);

    const announced = new Map();
    const remember = (cues) => cues.forEach((c) => announced.set(c.id, c));
    facilitator.on('cue', (c) => remember([c]));
    facilitator.on('phase', (m) => remember(m.timeline));

    const delivered = [];
    const batches = [];
    participant.followCues((cues, now) => {
      batches.push(cues.map((c) => c.kind));
      for (const c of cues) delivered.push({ ...c, late: now - c.at });
    });
    const naive = [];
    naiveFollow(participant, (c) => naive.push(c));

    await facilitator.join(room.code, { role: 'facilitator' });
    await participant.join(room.code);
    const summary = waitFor(participant, 'summary', () => true, 30_000);
    facilitator.start();
    await summary;
    await new Promise((r) => setTimeout(r, LAG_US / 1000 + 200)); // the late `done`

    const order = (a, b) => a.at - b.at || a.id - b.id;
    const expected = [...announced.values()].sort(order).map((c) => `${c.kind}#${c.id}`);
    const got = delivered.map((c) => `${c.kind}#${c.id}`);
    t.diagnostic(`announced: ${expected.join(' ')}`);
    t.diagnostic(`delivered in batches: ${batches.map((b) => b.join('+')).join(' ')}; lateness ${Math.min(...delivered.map((c) => c.late))}–${Math.max(...delivered.map((c) => c.late))} µs`);
    assert.ok(['go', 'halfway', 'rest', 'next_up', 'done'].every((k) => expected.some((e) => e.startsWith(`${k}#`))), expected.join(' '));
    assert.deepEqual(got, expected, 'every cue, once, in at-then-id order');
    assert.equal(got.at(-1).split('#')[0], 'done');
    assert.ok(batches.some((b) => b.includes('rest') && b.includes('next_up')), 'rest and next_up (one instant) come together');

    // The control: the old way lost cues in this very scenario.
    const lost = expected.filter((e) => !naive.some((c) => `${c.kind}#${c.id}` === e));
    t.diagnostic(`a timer per cue, cancelled by each phase, lost: ${lost.join(' ')}`);
    assert.ok(lost.length > 0, 'the scenario reproduces the lost cues');
  } finally {
    await participant.close();
    await facilitator.close();
  }
});

test('after close, followCues delivers nothing more (cues still to come are cancelled)', { timeout: 30_000 }, async () => {
  const fac = await devToken(server.http, 'Fia', 'facilitator');
  const part = await devToken(server.http, 'Ada', 'participant');
  const room = await createRoom(server.http, fac.token, program);
  const facilitator = await BreakroomClient.connect(websocketUrl(server.http), fac.token, { WebSocket });
  const participant = await BreakroomClient.connect(websocketUrl(server.http), part.token, { WebSocket });
  try {
    const delivered = [];
    let first;
    const countdown = new Promise((resolve) => (first = resolve));
    participant.followCues((cues) => {
      delivered.push(...cues.map((c) => c.kind));
      first();
    });
    await facilitator.join(room.code, { role: 'facilitator' });
    await participant.join(room.code);
    facilitator.start();
    await countdown;
    await participant.close();
    const atClose = delivered.length;
    await new Promise((r) => setTimeout(r, 1_500)); // the next countdown number is 1 s later
    assert.deepEqual(delivered.slice(atClose), [], 'nothing after close');
    assert.equal(delivered[0], 'countdown');
  } finally {
    await participant.close();
    await facilitator.close();
  }
});
