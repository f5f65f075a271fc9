// Smoke: headless Chromium launches, the fake camera (the squat clip) delivers frames into a
// <video>, and screenshots land in artifacts/. Uses only fixtures/camera.html (no server, no
// web app), so it runs on any machine that has run .ci/browser-setup.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { FIXTURES, cameraMissing } from '../lib/env.js';
import { launchBrowser, snap, watchTraffic } from '../lib/browser.js';
import { serveStatic } from '../lib/static.js';

let site;
before(async () => { site = await serveStatic(FIXTURES); });
after(async () => { await site?.close(); });

test('smoke: Chromium launches and renders a local page', async (t) => {
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage();
    await page.goto(`${site.url}/camera.html`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    assert.match(await browser.version(), /^\d+\./);
    // WebGL2 (SwiftShader, software) is there for the pose model.
    const gl = await page.evaluate(() => {
      const g = document.createElement('canvas').getContext('webgl2');
      const d = g?.getExtension('WEBGL_debug_renderer_info');
      return g ? (d ? g.getParameter(d.UNMASKED_RENDERER_WEBGL) : 'webgl2') : null;
    });
    t.diagnostic(`${await browser.version()}, WebGL2: ${gl}`);
    assert.ok(gl, 'WebGL2 is available');
    await snap(page, 'smoke', 'no-camera');
  } finally {
    await browser.close();
  }
});

test('smoke: the fake camera plays the squat clip at 360x640', { skip: cameraMissing() ?? false }, async (t) => {
  const browser = await launchBrowser({ camera: true });
  try {
    const page = await browser.newPage();
    const traffic = watchTraffic(page);
    await page.goto(`${site.url}/camera.html`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 });
    assert.equal(await page.getAttribute('[data-testid=camera-state]', 'data-state'), 'on');
    const size = await page.evaluate(() => ({ w: document.getElementById('v').videoWidth, h: document.getElementById('v').videoHeight }));
    assert.deepEqual(size, { w: 360, h: 640 });
    const f0 = Number(await page.getAttribute('[data-testid=frames]', 'data-count') || 0);
    await page.waitForTimeout(2000);
    const f1 = Number(await page.getAttribute('[data-testid=frames]', 'data-count') || 0);
    const fps = (f1 - f0) / 2;
    t.diagnostic(`fake camera: ${size.w}x${size.h}, ${fps} frames/s over 2 s (${f1} frames in all)`);
    assert.ok(f1 - f0 >= 10, `expected >= 10 frames in 2 s, got ${f1 - f0}`);
    const sample = await page.evaluate(() => window.sampleFrame());
    assert.ok(sample.meanLuma > 20, `the camera frame looks black (mean luma ${sample.meanLuma})`);
    await snap(page, 'smoke', 'fake-camera');
    const foreign = traffic.requests.filter((u) => !u.startsWith(site.url));
    assert.deepEqual(foreign, []);
  } finally {
    await browser.close();
  }
});
