// Sound cues in sync: two participant pages (English and Swedish) in one room, a facilitator
// (a Node client) starts a program of more than 20 cues (countdowns, go, beats at 120 bpm,
// halfway, rest, next up, done). Each page schedules its sounds on its AudioContext's clock and
// records, for each, the instant it was scheduled for mapped back to server time
// (window.__breakroomAudio). The same cue's instants on the two pages must lie within 5 ms
// of each other: the accuracy of each page's mapping (SDK clock sync → performance.now() →
// AudioContext time and back). A third page, muted (the choice made with the button and kept
// over a reload), schedules nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WEB_DIST, webAppMissing, sleep } from '../lib/env.js';
import { launchBrowser, snap } from '../lib/browser.js';
import { startServer, devToken, createRoom } from '../lib/server.js';
import { checkClientFrame, connectFacilitator } from '../lib/wire.js';
import { openView, until } from '../lib/pages.js';
import { assertOnScreen, layoutOf, openJoinForm, openStage } from '../lib/media.js';

const SKIP = webAppMissing();
const NAME = 'audio';
const MAX_SKEW_MS = 5;
const PROGRAM = {
  name: 'Beats',
  steps: [
    { exercise: 'march_in_place', duration_ms: 10000, rest_ms: 3000, bpm: 120 },
    { exercise: 'arm_raises', duration_ms: 4000, rest_ms: 0 },
  ],
};
let srv;
let browser;
let fac;
const logs = [];

before(async () => {
  if (SKIP) return;
  srv = await startServer({ webDir: WEB_DIST });
  browser = await launchBrowser();
});
after(async () => {
  await fac?.close();
  await browser?.close();
  await srv?.stop();
});

const audioOf = (page) => page.evaluate(() => window.__breakroomAudio);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2 : NaN;
};

test('audio: the same cue is scheduled at the same server instant on two pages (≤ 5 ms over ≥ 20 cues); a muted page schedules nothing, and stays muted after a reload', { skip: SKIP ?? false, timeout: 180000 }, async (t) => {
  try {
    const { token } = await devToken(srv.url, 'Fia', 'facilitator');
    const room = await createRoom(srv.url, token, PROGRAM);
    fac = await connectFacilitator(srv.url, token, room.code);

    // Ann joins with the form: her join click unlocks audio (the autoplay rules). Bo and Mia
    // open a link with their name in it: their first touch of the page unlocks it.
    // Ann on a phone (360×640), Bo on a big desktop screen (1920×1080): the participant's view
    // at both sizes, in the artifacts.
    const ann = await openJoinForm(browser, `${srv.url}/join/${room.code}?lang=en`, 'ann', logs, { viewport: { width: 360, height: 640 } });
    assert.equal((await audioOf(ann.page)).state, 'none', 'no audio before the join click');
    await ann.page.fill('#name', 'Ann');
    await ann.page.click('[data-testid=join]');
    await ann.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    const bo = await openStage(browser, `${srv.url}/join/${room.code}?name=Bo&lang=sv`, 'bo', logs, { viewport: { width: 1920, height: 1080 } });
    await bo.page.click('[data-testid=status]');
    const mia = await openView(browser, `${srv.url}/join/${room.code}?name=Mia&lang=en`, 'mia', logs);

    // Mia mutes with the button; the choice survives a reload (localStorage, per device).
    assert.equal(await mia.page.getAttribute('[data-testid=mute]', 'aria-pressed'), 'true', 'sound on by default');
    await mia.page.click('[data-testid=mute]');
    assert.equal(await mia.page.getAttribute('[data-testid=mute]', 'aria-pressed'), 'false');
    await mia.page.reload();
    await mia.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
    assert.equal(await mia.page.getAttribute('[data-testid=mute]', 'data-muted'), 'true', 'muted after the reload');
    assert.equal((await audioOf(mia.page)).muted, true);

    // The two sounding pages' audio runs (headless Chromium needs no gesture).
    for (const p of [ann, bo]) {
      await until(async () => (await audioOf(p.page))?.state === 'running', { timeout: 10000, what: `${p.label}'s AudioContext running` });
    }
    await fac.waitFor((m) => m.type === 'presence' && m.participant?.name === 'Mia' && m.change === 'joined', 10000, 'Mia (again) in the room').catch(() => {});
    // The lobby shows what comes first, demonstrated.
    for (const p of [ann, bo]) {
      await p.page.waitForSelector('[data-testid=demo-slot][data-exercise=march_in_place]', { state: 'visible', timeout: 10000 });
      assert.equal((await layoutOf(p.page, [])).scrollWidth <= (p === ann ? 360 : 1920), true, `${p.label}: no horizontal overflow in the lobby`);
      await snap(p.page, NAME, `01-lobby-${p === ann ? '360x640' : '1920x1080'}`);
    }
    fac.control('start');
    // During the exercise, on the phone: the cue, the timer and the reps on the first screen.
    await ann.page.waitForSelector('[data-testid=phase][data-phase=exercise]', { timeout: 15000 });
    await sleep(1500);
    const onScreen = ['[data-testid=cue]', '[data-testid=timer]', '[data-testid=my-reps]', '[data-testid=mute]'];
    await assertOnScreen(assert, ann.page, 'Ann (360×640) during the exercise', onScreen);
    await assertOnScreen(assert, bo.page, 'Bo (1920×1080) during the exercise', onScreen);
    await snap(ann.page, NAME, '02-exercise-360x640');
    await snap(bo.page, NAME, '02-exercise-1920x1080');
    // The rest shows the next exercise, demonstrated.
    await ann.page.waitForSelector('[data-testid=phase][data-phase=rest]', { timeout: 20000 });
    for (const p of [ann, bo]) {
      await p.page.waitForSelector('[data-testid=demo-slot][data-exercise=arm_raises]', { state: 'visible', timeout: 5000 });
      await snap(p.page, NAME, `03-rest-${p === ann ? '360x640' : '1920x1080'}`);
    }

    const summary = await fac.waitFor((m) => m.type === 'summary', 60000, 'the summary');
    assert.ok(summary);
    // Every scheduled sound mapped back to server time once due.
    const settled = async (p) => until(async () => {
      const a = await audioOf(p.page);
      return a.scheduled.length > 0 && a.scheduled.every((s) => s.server !== undefined) ? a : null;
    }, { timeout: 10000, what: `${p.label}'s sounds all due` });
    const [a, b] = [await settled(ann), await settled(bo)];
    // The end: each participant's own summary.
    for (const p of [ann, bo]) {
      await p.page.waitForSelector('[data-testid=personal-summary]', { timeout: 5000 });
      assert.equal((await layoutOf(p.page, [])).scrollWidth <= (p === ann ? 360 : 1920), true, `${p.label}: no horizontal overflow at the end`);
      await snap(p.page, NAME, `04-end-${p === ann ? '360x640' : '1920x1080'}`);
    }

    // The cues the server announced (cue messages and timelines), by id.
    const announced = new Map();
    for (const m of fac.messages) {
      for (const c of m.type === 'cue' ? [m.cue] : m.type === 'phase' ? m.timeline : []) announced.set(c.id, c);
    }
    const firstSound = (rec) => {
      const by = new Map();
      for (const s of rec.scheduled) if (!by.has(s.cue) || s.when < by.get(s.cue).when) by.set(s.cue, s);
      return by;
    };
    const fa = firstSound(a);
    const fb = firstSound(b);
    // Each page sounded every cue the server announced, at the cue's own instant.
    for (const [label, f] of [['ann', fa], ['bo', fb]]) {
      for (const [id, s] of f) assert.equal(s.at, announced.get(id)?.at, `${label}: cue ${id} scheduled for the server's instant`);
    }
    const common = [...fa.keys()].filter((id) => fb.has(id)).sort((x, y) => x - y);
    const skews = common.map((id) => Math.abs(fa.get(id).server - fb.get(id).server) / 1000);
    const vsAt = [...fa.values(), ...fb.values()].map((s) => Math.abs(s.server - s.at) / 1000);
    const kinds = [...new Set(common.map((id) => fa.get(id).kind))].join(',');
    t.diagnostic(`audio clock paired with performance.now() by: ann ${a.mapping}, bo ${b.mapping}`);
    t.diagnostic(`cues announced ${announced.size}; sounded on both pages ${common.length} (${kinds}); late (left out) ann ${a.late.length}, bo ${b.late.length}; moved before sounding (the audio clock or the offset moved) ann ${a.moved}, bo ${b.moved}`);
    t.diagnostic(`skew between the pages (same cue, server µs mapped back from the audio clock): max ${Math.max(...skews).toFixed(3)} ms, median ${median(skews).toFixed(3)} ms over ${skews.length} cues`);
    t.diagnostic(`scheduled instant vs the cue's at, per page: max ${Math.max(...vsAt).toFixed(3)} ms, median ${median(vsAt).toFixed(3)} ms`);
    assert.ok(common.length >= 20, `≥ 20 cues sounded on both pages, got ${common.length}`);
    assert.ok(Math.max(...skews) <= MAX_SKEW_MS, `skew ${Math.max(...skews)} ms > ${MAX_SKEW_MS} ms`);
    // On the cue's instant, not when its message came (the server sends cues 300 ms ahead).
    assert.ok(Math.max(...vsAt) <= MAX_SKEW_MS, `a sound ${Math.max(...vsAt)} ms off its cue's instant`);
    // The words came in each page's language, from the shipped clips.
    assert.ok(a.scheduled.some((s) => s.sound === 'en/go'), 'Ann heard "Go!" in English');
    assert.ok(b.scheduled.some((s) => s.sound === 'sv/go'), 'Bo heard "Kör!" in Swedish');
    assert.ok(b.scheduled.some((s) => s.sound === 'sv/ex-arm_raises'), 'Bo heard the next exercise named in Swedish');
    assert.ok(a.scheduled.some((s) => s.sound === 'beep') && a.scheduled.some((s) => s.sound === 'tick'), 'countdown beeps and beat ticks');

    // The muted page scheduled nothing, yet showed the cues.
    await sleep(200);
    const m = await audioOf(mia.page);
    assert.equal(m.muted, true);
    assert.deepEqual(m.scheduled, [], 'the muted page scheduled no sound');
    const miaCues = await mia.page.evaluate(() => window.__cues.length);
    assert.ok(miaCues >= 20, `the muted page still showed the cues (${miaCues})`);
    // Audio changes nothing on the wire.
    for (const p of [ann, bo, mia]) p.traffic.frames.forEach(checkClientFrame);
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-50).join('\n')}`;
    throw e;
  }
});
