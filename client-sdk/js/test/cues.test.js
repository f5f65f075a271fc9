// The cue rule (README "Cues", src/cues.ts): a cue that is due is never silently dropped,
// however late timers run; cues at one instant come in one call, in `at`-then-`id` order.
// CueSchedule runs on a fake clock whose timers can be made to fire late.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { CueSchedule, cueOrder } from '../dist/index.js';

/** A fake server clock: `advance(µs)` moves time and fires the timers due, each `lag` µs late. */
function fakeClock({ lag = 0 } = {}) {
  let now = 1_000_000;
  let timers = [];
  const clock = {
    now: () => now,
    at(t, cb) {
      const timer = { fireAt: t + lag, cb };
      timers.push(timer);
      return () => {
        timers = timers.filter((x) => x !== timer);
      };
    },
  };
  const advance = (us) => {
    const end = now + us;
    for (;;) {
      const next = timers.filter((x) => x.fireAt <= end).sort((a, b) => a.fireAt - b.fireAt)[0];
      if (!next) break;
      now = Math.max(now, next.fireAt);
      timers = timers.filter((x) => x !== next);
      next.cb();
    }
    now = end;
  };
  return { clock, advance, armed: () => timers.length, set: (t) => (now = t) };
}

/** A schedule on a fake clock, recording every call to onDue as [ids, now]. */
function setup(opts) {
  const c = fakeClock(opts);
  const calls = [];
  const schedule = new CueSchedule(c.clock, (cues, now) => calls.push([cues.map((x) => `${x.kind}#${x.id}`), now]));
  const delivered = () => calls.flatMap(([ids]) => ids);
  return { ...c, schedule, calls, delivered };
}

const T = 2_000_000; // the instant a step's exercise ends: rest, next_up, and the rest phase
const cue = (id, kind, at, extra = {}) => ({ id, kind, at, step: 0, ...extra });
const restAndNext = () => [cue(9, 'rest', T), cue(10, 'next_up', T, { step: 1, exercise: 'arm_raises' })];

test('cues come at their instant, one timer at a time', () => {
  const s = setup();
  s.schedule.replace([cue(1, 'countdown', 1_100_000, { n: 3 }), cue(2, 'countdown', 1_200_000, { n: 2 }), cue(3, 'go', 1_300_000)]);
  assert.equal(s.armed(), 1, 'a single timer, for the earliest cue');
  s.advance(150_000);
  assert.deepEqual(s.calls, [[['countdown#1'], 1_100_000]]);
  s.advance(200_000);
  assert.deepEqual(s.delivered(), ['countdown#1', 'countdown#2', 'go#3']);
  assert.equal(s.armed(), 0);
});

test('late timers: every cue is delivered, in order, the ones due together in one call', () => {
  // Timers fire 250 ms late (a page busy with pose detection).
  const s = setup({ lag: 250_000 });
  s.schedule.replace([cue(1, 'countdown', 1_100_000, { n: 3 }), cue(2, 'countdown', 1_200_000, { n: 2 }), cue(3, 'countdown', 1_300_000, { n: 1 }), cue(4, 'go', 1_400_000)]);
  s.advance(1_000_000);
  assert.deepEqual(s.delivered(), ['countdown#1', 'countdown#2', 'countdown#3', 'go#4']);
  // The timer for #1 fired at 1.35 s: #1, #2 and #3 were due by then, and came together.
  assert.deepEqual(s.calls[0], [['countdown#1', 'countdown#2', 'countdown#3'], 1_350_000]);
  assert.deepEqual(s.calls[1], [['go#4'], 1_650_000]);
});

test('a phase whose timeline no longer has an overdue cue delivers it at once', () => {
  // rest and next_up are held for T; the page's timer for T has not run yet when the `rest`
  // phase (since T) arrives at T + 5 ms with the cues still to come. The old web app cancelled
  // the timer and lost both cues.
  const s = setup({ lag: 400_000 });
  const countdown = cue(11, 'countdown', T + 1_000_000, { step: 1, n: 3 });
  s.schedule.replace([cue(8, 'halfway', T - 500_000), ...restAndNext(), countdown]);
  s.advance(T - 1_000_000 + 5_000); // now T + 5 ms: halfway's late timer fired, the one for T not yet
  assert.deepEqual(s.delivered(), ['halfway#8']);
  s.schedule.replace([countdown], { phase: 'rest', step: 0, since: T, until: T + 2_000_000, paused: false });
  assert.deepEqual(s.calls.at(-1), [['rest#9', 'next_up#10'], T + 5_000]);
  assert.deepEqual(s.schedule.pending().map((c) => c.id), [11]);
  s.advance(2_000_000);
  assert.deepEqual(s.delivered(), ['halfway#8', 'rest#9', 'next_up#10', 'countdown#11']);
});

test('the phase`s since counts as passed even when the client clock is a little behind', () => {
  const s = setup();
  s.schedule.replace(restAndNext());
  s.set(T - 2_000); // the clock estimate is 2 ms behind the server's
  s.schedule.replace([], { phase: 'rest', step: 0, since: T, paused: false });
  assert.deepEqual(s.delivered(), ['rest#9', 'next_up#10']);
});

test('pause, skip and end cancel only the cues still to come', () => {
  const s = setup();
  s.schedule.replace([cue(5, 'halfway', 1_500_000), cue(6, 'done', 3_000_000)]);
  s.set(1_400_000);
  s.schedule.replace([], { phase: 'exercise', step: 0, since: 1_000_000, paused: true });
  assert.deepEqual(s.delivered(), [], 'nothing was due');
  assert.equal(s.armed(), 0, 'the timer is cancelled');
  s.advance(5_000_000);
  assert.deepEqual(s.delivered(), []);
  // Resume sends the remaining timeline shifted; the same ids are held again.
  s.schedule.replace([cue(5, 'halfway', 7_000_000), cue(6, 'done', 8_500_000)], { phase: 'exercise', step: 0, since: 1_000_000, paused: false });
  s.advance(3_000_000);
  assert.deepEqual(s.delivered(), ['halfway#5', 'done#6']);
});

test('cues at one instant come together in id order, whatever order they arrived in', () => {
  const s = setup({ lag: 3_000 });
  const [rest, next] = restAndNext();
  s.schedule.add(next);
  s.schedule.add(rest);
  s.advance(T);
  assert.deepEqual(s.calls, [[['rest#9', 'next_up#10'], T + 3_000]]);
  // The order itself: at, then id.
  const sorted = [cue(3, 'beat', 5), cue(2, 'halfway', 5), cue(1, 'go', 9)].sort(cueOrder);
  assert.deepEqual(sorted.map((c) => c.id), [2, 3, 1]);
});

test('a cue received after its instant is delivered at once; a known id replaces the held cue', () => {
  const s = setup();
  s.schedule.add(cue(4, 'go', 900_000));
  assert.deepEqual(s.calls, [[['go#4'], 1_000_000]]);
  s.schedule.add(cue(5, 'halfway', 1_500_000));
  s.schedule.add(cue(5, 'halfway', 1_800_000)); // re-sent with a shifted instant
  s.advance(600_000);
  assert.deepEqual(s.delivered(), ['go#4']);
  s.advance(300_000);
  assert.deepEqual(s.delivered(), ['go#4', 'halfway#5']);
});

test('a timeline handled after its cues` instants delivers them at once', () => {
  const s = setup();
  s.set(T + 50_000);
  s.schedule.replace([cue(12, 'go', T + 10_000), cue(13, 'halfway', T + 900_000)], { phase: 'exercise', step: 1, since: T + 10_000, paused: false });
  assert.deepEqual(s.delivered(), ['go#12']);
  assert.deepEqual(s.schedule.pending().map((c) => c.id), [13]);
});
