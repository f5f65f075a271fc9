// The movement games beyond counting, in real Chromium.
// (2) The reach game (`reach`): the fake camera plays pose_1.mp4 from tfjs-models (a person
// raising both arms overhead and lowering them, made into a Y4M at test time, never committed),
// the player turns the camera on, MediaPipe Pose runs in the page, the targets come from the
// seed on the step's cues, and the page counts hits with the SDK's rule. The test runs the same
// generator and rule (the SDK's ReachGame, from client-sdk/js/dist) over the hand landmarks of
// every frame the page ran it on and must get the page's count; the server's scoreboard and
// stored summary (its own cross-check on the streamed keypoints) agree, unflagged.
// (1) The sound exercise (`ha`): Chromium's fake microphone plays a WAV of espeak-ng saying
// "ha" N times (made at test time, 48 kHz, played once: `%noloop`). The microphone stays closed
// until the player clicks "Turn on microphone" during the step; the page counts exactly N onsets
// on the device and reports the count; the server's scoreboard shows N, unverified; the
// microphone is closed when the step ends (every track the page got has ended); and no audio
// leaves the page: every WebSocket frame it sent is a known breakroom message with no byte
// string, none larger than a score message could be.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { POSE_DATA, REPO_ROOT, WEB_DIST, webAppMissing } from '../lib/env.js';
import { cameraFlags, launchBrowser, snap } from '../lib/browser.js';
import { startServer, devToken, createRoom, apiJson } from '../lib/server.js';
import { checkClientFrame, connectFacilitator } from '../lib/wire.js';
import { until } from '../lib/pages.js';
import { KEEP_STREAMS, assertOnScreen, countOnsetsInWav, makeSyllablesWav, openStage } from '../lib/media.js';

const SKIP = webAppMissing();
const NAME = 'games';
const SYLLABLES = 7;
/** Largest frame a page sends besides `hello` (a token) and `pose`: a score, ping, join… */
const SMALL_FRAME = 256;
let srv;
let tmp;
let micBrowser;
let camBrowser;
const closers = [];
const logs = [];

before(async () => {
  if (SKIP) return;
  tmp = mkdtempSync(join(tmpdir(), 'breakroom-games-'));
  srv = await startServer({ webDir: WEB_DIST });
});
after(async () => {
  for (const c of closers) await c();
  await micBrowser?.close();
  await camBrowser?.close();
  await srv?.stop();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

test('sound exercise: the fake microphone says "ha" 7 times, the page counts 7 on the device, the server shows 7 unverified, the mic closes at the end, no audio leaves', { skip: SKIP ?? false, timeout: 120000 }, async (t) => {
  try {
    const wav = makeSyllablesWav(join(tmp, 'ha.wav'), SYLLABLES);
    assert.equal(countOnsetsInWav(wav), SYLLABLES, 'the WAV itself holds N onsets by the rule');
    micBrowser = await launchBrowser({
      extraArgs: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-audio-capture=${wav}%noloop`],
    });
    const { token } = await devToken(srv.url, 'Fia', 'facilitator');
    const room = await createRoom(srv.url, token, { name: 'Ha', steps: [{ exercise: 'ha', duration_ms: 16000, rest_ms: 0 }] });
    const fac = await connectFacilitator(srv.url, token, room.code);
    closers.push(() => fac.close());

    const p = await openStage(micBrowser, `${srv.url}/join/${room.code}?name=Hal&lang=en`, 'hal', logs, { viewport: { width: 360, height: 640 }, init: [KEEP_STREAMS] });
    const micState = () => p.page.getAttribute('[data-testid=mic-state]', 'data-state');
    // Not before the step: no panel, no microphone.
    assert.equal(await p.page.isVisible('[data-testid=sound-stage]'), false, 'no sound panel in the lobby');
    await fac.waitFor((m) => m.type === 'presence' && m.participant?.name === 'Hal', 10000, 'Hal in the room').catch(() => {});
    fac.control('start');
    await p.page.waitForSelector('[data-testid=mic-start]', { state: 'visible', timeout: 15000 });
    assert.equal(await micState(), 'off', 'the microphone stays closed until the player starts');
    assert.equal(await p.page.evaluate(() => window.__streams.length), 0, 'no getUserMedia before the click');
    await snap(p.page, NAME, 'sound-01-step');
    const framesBefore = p.traffic.frames.length;
    await p.page.click('[data-testid=mic-start]');
    await until(async () => {
      const s = await micState();
      if (s === 'error') throw new Error(`mic-state error: ${await p.page.textContent('[data-testid=mic-state]')}`);
      return s === 'on';
    }, { timeout: 10000, what: 'mic-state on' });
    await snap(p.page, NAME, 'sound-02-mic-on');
    // The file plays once from getUserMedia: ~1 s of silence, 7 × "ha", 1 s of silence.
    const count = await until(async () => {
      const n = Number(await p.page.getAttribute('[data-testid=mic-state]', 'data-count'));
      return n >= SYLLABLES ? n : null;
    }, { timeout: 12000, what: `${SYLLABLES} onsets counted` });
    await new Promise((r) => setTimeout(r, 1500)); // nothing more is counted after the last
    const finalCount = Number(await p.page.getAttribute('[data-testid=mic-state]', 'data-count'));
    await snap(p.page, NAME, 'sound-03-counted');
    t.diagnostic(`onsets counted on the page: ${count} at first, ${finalCount} after the file ended (the file: ${SYLLABLES})`);
    assert.equal(finalCount, SYLLABLES, 'the page counts exactly N');
    assert.equal(await p.page.textContent('[data-testid=my-reps]'), String(SYLLABLES), 'my reps show the count');
    assert.equal(await p.page.textContent('[data-testid=my-reps-label]'), 'My sounds');

    // The server's scoreboard: N, unverified.
    const board = await fac.waitFor((m) => m.type === 'scoreboard' && m.scoreboard.ranking.some((e) => e.reps === SYLLABLES), 10000, `a scoreboard with ${SYLLABLES}`);
    const entry = board.scoreboard.ranking.find((e) => e.reps === SYLLABLES);
    assert.equal(entry.verified, false, 'a sound result is never verified');

    // The step ends: the microphone closes (every track the page got has ended).
    const summary = await fac.waitFor((m) => m.type === 'summary', 30000, 'the summary');
    await until(async () => (await micState()) === 'off', { timeout: 5000, what: 'mic-state off after the step' });
    const tracks = await p.page.evaluate(() => window.__streams.flatMap((s) => s.getTracks().map((tr) => `${tr.kind}:${tr.readyState}`)));
    t.diagnostic(`tracks the page got: ${tracks.join(', ')}`);
    assert.ok(tracks.length > 0 && tracks.every((x) => x === 'audio:ended'), `only audio, all ended: ${tracks}`);
    await snap(p.page, NAME, 'sound-04-end');
    const stored = await apiJson(srv, `/v1/sessions/${summary.summary.session}`);
    const ha = stored.participants.find((x) => x.name === 'Hal')?.results.find((r) => r.exercise === 'ha');
    t.diagnostic(`stored: ${JSON.stringify(ha)}`);
    assert.equal(ha?.reps, SYLLABLES);
    assert.equal(ha?.verified, false);

    // No audio left the page: every frame a known message without bytes, the ones sent while
    // the microphone was open all small (a score, a ping).
    const msgs = p.traffic.frames.map(checkClientFrame);
    const during = p.traffic.frames.slice(framesBefore);
    const sizes = during.map((f) => f.length);
    const types = [...new Set(msgs.slice(framesBefore).map((m) => m.type))].join(',');
    t.diagnostic(`frames sent: ${msgs.length}; after the mic opened ${during.length} (${types}), largest ${Math.max(...sizes)} bytes, ${sizes.reduce((a, b) => a + b, 0)} bytes in all`);
    assert.ok(msgs.every((m) => m.type !== 'pose'), 'no pose sent (no camera)');
    assert.ok(Math.max(...sizes) <= SMALL_FRAME, `a frame of ${Math.max(...sizes)} bytes while the mic was open`);
    const scores = msgs.filter((m) => m.type === 'score');
    assert.ok(scores.length > 0 && scores.every((m) => m.exercise === 'ha' && Object.keys(m).sort().join() === 'active_ms,exercise,reps,seq,type'), 'score frames carry only the count');
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-50).join('\n')}`;
    throw e;
  }
});

const ARMS_CLIP = join(POSE_DATA, 'tfjs-models', 'pose_1.mp4');
const SDK_DIST = join(REPO_ROOT, 'client-sdk', 'js', 'dist', 'index.js');
const REACH_MS = 20000;

test('reach game: targets from the cue seed over the fake camera, hits counted on the page equal the SDK rule over the page\'s frames, and the server agrees', { skip: SKIP ?? false, timeout: 240000 }, async (t) => {
  try {
    assert.ok(existsSync(ARMS_CLIP), `the arm-raise clip is missing: ${ARMS_CLIP} (tfjs-models pose_1.mp4, see ../shared/data/pose)`);
    assert.ok(existsSync(SDK_DIST), `the SDK is not built: ${SDK_DIST} (run bash .ci/browser-setup)`);
    const { ReachGame, reachTargets, reachHit, stepSeed } = await import(SDK_DIST);
    // The fake camera's file, made here (a derived file of a third-party recording: never kept).
    const y4m = join(tmp, 'arms.y4m');
    const ff = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', ARMS_CLIP, '-vf', 'scale=480:480,fps=15', '-pix_fmt', 'yuv420p', '-an', y4m], { encoding: 'utf8' });
    assert.equal(ff.status, 0, `ffmpeg: ${ff.stderr}`);
    camBrowser = await launchBrowser({ extraArgs: cameraFlags(y4m) });

    const { token } = await devToken(srv.url, 'Fia', 'facilitator');
    // A session whose targets lie on the clip's arm path, so that hits happen: the seed is the
    // session's (stepSeed), so rooms are made until the upstream reference keypoints of the clip
    // (pose_1.json, MoveNet's wrists) reach the first two targets deep inside (60 % of the
    // radius). The page's own MediaPipe keypoints then decide the count.
    const reference = JSON.parse(readFileSync(join(POSE_DATA, 'tfjs-models', 'pose_1.json'), 'utf8')).map((f) => {
      const lms = Array.from({ length: 17 }, () => ({ x: NaN, y: NaN, visibility: 0 }));
      lms[9] = { x: f.left_wrist.x / 576, y: f.left_wrist.y / 576, visibility: 1 };
      lms[10] = { x: f.right_wrist.x / 576, y: f.right_wrist.y / 576, visibility: 1 };
      return lms;
    });
    const deepHits = (seed) => {
      const targets = reachTargets(seed, 4).map((x) => ({ ...x, r: x.r * 0.6 }));
      let i = 0;
      for (let loop = 0; loop < 4; loop++) for (const lms of reference) if (i < targets.length && reachHit(targets[i], lms, 'coco17')) i++;
      return i;
    };
    let room;
    let tries = 0;
    for (let best = -1; tries < 400 && best < 2; tries++) {
      const r = await createRoom(srv.url, token, { name: 'Reach', steps: [{ exercise: 'reach', duration_ms: REACH_MS, rest_ms: 0 }] });
      const n = deepHits(stepSeed(r.session, 0));
      if (n > best) { best = n; room = r; }
    }
    t.diagnostic(`rooms made to find targets on the arm path: ${tries}; reference hits ${deepHits(stepSeed(room.session, 0))}`);
    const fac = await connectFacilitator(srv.url, token, room.code);
    closers.push(() => fac.close());
    const p = await openStage(camBrowser, `${srv.url}/join/${room.code}?name=Rea&lang=en`, 'rea', logs, { viewport: { width: 360, height: 640 }, init: [KEEP_STREAMS] });
    const camState = () => p.page.getAttribute('[data-testid=camera-state]', 'data-state');
    assert.equal(await camState(), 'off', 'the camera is off on page load');
    assert.equal(await p.page.evaluate(() => window.__streams.length), 0, 'no getUserMedia on page load');
    await p.page.click('[data-testid=enable-camera]');
    await until(async () => {
      const s = await camState();
      if (s === 'error') throw new Error(`camera-state error: ${await p.page.textContent('[data-testid=camera-state]')}`);
      return s === 'on';
    }, { timeout: 90000, what: 'camera-state on (camera + pose model loaded)' });
    // A hidden tab turns the camera off (the page is told it is hidden, as a browser tells it
    // when the user switches tabs); the player turns it on again.
    await p.page.evaluate(() => {
      Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await until(async () => (await camState()) === 'off', { timeout: 5000, what: 'camera off when the tab is hidden' });
    const hiddenTracks = await p.page.evaluate(() => window.__streams.flatMap((s) => s.getTracks().map((tr) => tr.readyState)));
    assert.ok(hiddenTracks.length === 1 && hiddenTracks.every((x) => x === 'ended'), `the camera's track ended: ${hiddenTracks}`);
    await p.page.evaluate(() => {
      delete document.hidden;
      delete document.visibilityState;
      document.dispatchEvent(new Event('visibilitychange'));
    });
    await p.page.click('[data-testid=enable-camera]');
    await until(async () => (await camState()) === 'on', { timeout: 60000, what: 'camera on again' });
    await fac.waitFor((m) => m.type === 'presence' && m.participant?.name === 'Rea', 10000, 'Rea in the room').catch(() => {});
    fac.control('start');
    await p.page.waitForSelector('[data-testid=reach]', { state: 'visible', timeout: 15000 });
    await new Promise((r) => setTimeout(r, 4000));
    // On the phone, with the camera on: the cue, the timer, the hits and the own camera view on
    // the first screen, nothing wider than it.
    await assertOnScreen(assert, p.page, 'reach at 360×640', ['[data-testid=cue]', '[data-testid=timer]', '[data-testid=my-reps]', '[data-testid=stage]', '[data-testid=disable-camera]']);
    await snap(p.page, NAME, 'reach-01-playing-360x640');
    await p.page.setViewportSize({ width: 1920, height: 1080 });
    await new Promise((r) => setTimeout(r, 1000));
    await assertOnScreen(assert, p.page, 'reach at 1920×1080', ['[data-testid=cue]', '[data-testid=timer]', '[data-testid=my-reps]', '[data-testid=stage]']);
    await snap(p.page, NAME, 'reach-02-playing-1920x1080');
    const summary = await fac.waitFor((m) => m.type === 'summary', REACH_MS + 30000, 'the summary');
    const rec = await p.page.evaluate(() => window.__breakroomReach);
    await snap(p.page, NAME, 'reach-03-end');

    // The seed came from the step's cues, as the server sent them.
    const seeds = new Set();
    for (const m of fac.messages) for (const c of m.type === 'cue' ? [m.cue] : m.type === 'phase' ? m.timeline : []) if (c.seed !== undefined) seeds.add(c.seed);
    assert.deepEqual([...seeds], [rec.seed], 'one seed for the step, the one the page played');

    // The same generator and rule over the page's frames.
    const game = new ReachGame(rec.seed);
    for (const f of rec.frames) {
      const lms = Array.from({ length: 33 }, () => ({ x: NaN, y: NaN, visibility: 0 }));
      [15, 16, 19, 20].forEach((i, k) => { lms[i] = { x: f[k][0], y: f[k][1], visibility: f[k][2] }; });
      game.update(lms);
    }
    const targets = reachTargets(rec.seed, rec.hits + 1).map((x) => `(${x.x.toFixed(2)},${x.y.toFixed(2)})`).join(' ');
    t.diagnostic(`seed ${rec.seed}; frames the rule ran on ${rec.frames.length}; hits on the page ${rec.hits}, recomputed ${game.hits}; targets ${targets}`);
    assert.equal(game.hits, rec.hits, 'the page counts as the SDK rule does on its frames');
    assert.ok(rec.hits >= 1, 'the player hit targets (the seed was chosen so that the clip reaches them)');
    assert.ok(rec.frames.length > 20, 'the rule ran on the camera frames');
    assert.equal(await p.page.textContent('[data-testid=my-reps]'), String(rec.hits), 'My reps show the hits');
    assert.equal(await p.page.textContent('[data-testid=my-reps-label]'), 'My hits');

    // The server: the scoreboard and the stored summary say the same, and its cross-check on the
    // streamed keypoints raised no flag.
    const lastBoard = fac.messages.filter((m) => m.type === 'scoreboard').pop();
    const entry = lastBoard?.scoreboard.ranking.find((e) => e.reps === rec.hits);
    assert.ok(entry, `scoreboard with ${rec.hits}: ${JSON.stringify(lastBoard)}`);
    const stored = await apiJson(srv, `/v1/sessions/${summary.summary.session}`);
    const me = stored.participants.find((x) => x.name === 'Rea');
    const res = me?.results.find((r) => r.exercise === 'reach');
    t.diagnostic(`stored: ${JSON.stringify(res)}; flags ${JSON.stringify(me?.flags)}`);
    assert.equal(res?.reps ?? 0, rec.hits, 'the server stored the hits');
    assert.deepEqual(me?.flags ?? [], [], 'no flag: the server saw the hands near the targets');
    if (rec.hits > 0) assert.equal(res.verified, true, 'verified by the server');

    // The camera closes when the game ends.
    await until(async () => (await camState()) === 'off', { timeout: 5000, what: 'camera off after the session' });
    const tracks = await p.page.evaluate(() => window.__streams.flatMap((s) => s.getTracks().map((tr) => `${tr.kind}:${tr.readyState}`)));
    assert.ok(tracks.every((x) => x.endsWith(':ended')), `every track ended: ${tracks}`);
    assert.equal(await p.page.isVisible('[data-testid=enable-camera]'), false, 'nothing offers the camera once the session is over');
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-50).join('\n')}`;
    throw e;
  }
});
