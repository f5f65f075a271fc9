// (b) The camera path, for real: a participant page with camera=1 in a Chromium whose camera is
// the looping squat clip (media/squats.y4m). Pose detection runs in the page, the page counts
// its own reps, streams keypoints, and the server's own detector verifies the count. Also: no
// image data leaves the page (every WebSocket frame is a small breakroom message whose only
// bytes are the keypoint block) and no request goes anywhere but the server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WEB_DIST, cameraMissing, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap } from '../lib/browser.js';
import { startServer, devToken, createRoom, apiJson, metric } from '../lib/server.js';
import { checkClientFrame, connectFacilitator } from '../lib/wire.js';
import { openView, until, intText, foreignRequests } from '../lib/pages.js';

const SKIP = webAppMissing() ?? cameraMissing();
const NAME = 'camera';
const SQUAT_MS = 30000;
let srv;
let browser;
let fac;
const logs = [];

before(async () => {
  if (SKIP) return;
  srv = await startServer({ webDir: WEB_DIST });
  browser = await launchBrowser({ camera: true });
});
after(async () => {
  await fac?.close();
  await browser?.close();
  await srv?.stop();
});

test('camera: pose detection in the page, reps counted and verified by the server, no image leaves', { skip: SKIP ?? false, timeout: 240000 }, async (t) => {
  try {
    // A room with one long squat step, created over REST with a dev facilitator token.
    const { token } = await devToken(srv.url, 'Fia', 'facilitator');
    const room = await createRoom(srv.url, token, { name: 'Squats', steps: [{ exercise: 'squats', duration_ms: SQUAT_MS, rest_ms: 0 }] });
    fac = await connectFacilitator(srv.url, token, room.code);

    const cam = await openView(browser, `${srv.url}/join/${room.code}?name=Cam&camera=1&lang=en`, 'cam', logs);
    await snap(cam.page, NAME, '01-joined');
    const camState = () => cam.page.getAttribute('[data-testid=camera-state]', 'data-state');
    if ((await camState()) === 'off') await cam.page.click('[data-testid=enable-camera]');
    await until(async () => {
      const s = await camState();
      if (s === 'error') throw new Error(`camera-state error: ${await cam.page.textContent('[data-testid=camera-state]')}`);
      return s === 'on';
    }, { timeout: 90000, what: 'camera-state on (camera + pose model loaded)' });
    await snap(cam.page, NAME, '02-camera-on');

    // The participant is in the room: start from the Node facilitator connection.
    await fac.waitFor((m) => (m.type === 'presence' && m.participant?.name === 'Cam') || (m.type === 'snapshot' && m.participants?.some((p) => p.name === 'Cam')), 10000, 'Cam in the room').catch(() => {});
    const poseFrames = () => cam.page.getAttribute('[data-testid=camera-state]', 'data-pose-frames').then(Number);
    const frames0 = await poseFrames();
    fac.control('start');

    // Pose frames grow; reps reach 2 while the clip loops.
    await until(async () => (await poseFrames()) > frames0 + 10, { timeout: 30000, what: 'data-pose-frames to grow' });
    await snap(cam.page, NAME, '03-exercise');
    const reps = await until(async () => {
      const n = await intText(cam.page, '[data-testid=my-reps]');
      return n >= 2 ? n : null;
    }, { timeout: SQUAT_MS + 15000, what: 'my-reps >= 2' });
    await snap(cam.page, NAME, '04-two-reps');

    const summaryMsg = await fac.waitFor((m) => m.type === 'summary', SQUAT_MS + 30000, 'the summary');
    const framesEnd = await poseFrames();
    const repsEnd = await intText(cam.page, '[data-testid=my-reps]');
    await snap(cam.page, NAME, '05-end');

    // The server's stored summary: verified by its own detector.
    const stored = await apiJson(srv, `/v1/sessions/${summaryMsg.summary.session}`);
    const me = stored.participants.find((p) => p.name === 'Cam');
    assert.ok(me, `Cam in the summary: ${JSON.stringify(stored)}`);
    const squats = me.results.find((r) => r.exercise === 'squats');
    t.diagnostic(`pose frames: ${framesEnd - frames0} during the session (${framesEnd} in all); reps on the page: ${reps} at first check, ${repsEnd} at the end; stored: ${JSON.stringify(squats)}; flags: ${JSON.stringify(me.flags)}`);
    assert.ok(squats.reps >= 2, `stored reps ${squats.reps} >= 2`);
    assert.equal(squats.verified, true, 'stored result verified by the server');

    // The server received the keypoints.
    const posesIn = await metric(srv.url, 'breakroom_messages_in_total', 'kind="pose"');
    t.diagnostic(`metrics: breakroom_messages_in_total{kind="pose"} = ${posesIn}`);
    assert.ok(posesIn > 0);

    // No image data leaves the page.
    const msgs = cam.traffic.frames.map(checkClientFrame);
    const poses = msgs.filter((m) => m.type === 'pose');
    const biggest = Math.max(...cam.traffic.frames.map((f) => (typeof f === 'string' ? f.length : f.length)));
    t.diagnostic(`WebSocket frames sent: ${msgs.length} (${poses.length} pose), largest ${biggest} bytes, kp sizes ${[...new Set(poses.map((m) => m.kp.length))].join(',')}`);
    assert.ok(poses.length > 0, 'the page streamed keypoints');
    assert.deepEqual(foreignRequests(cam.traffic, srv.url), [], 'requests to other hosts');
    for (const u of cam.traffic.sockets) assert.equal(new URL(u).host, new URL(srv.url).host, `WebSocket to ${u}`);
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-50).join('\n')}`;
    throw e;
  }
});
