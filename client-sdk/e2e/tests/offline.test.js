// Offline and updates, with the service worker on: (1) a reload while the server is down opens
// the cached shell and says plainly that the server cannot be reached, with "Try again" (never
// the raw "Failed to fetch"); once the server is back, "Try again" recovers the page in place.
// (2) The server now serves a new build: a reload shows the new build at once (pages come from
// the network first) and the new service worker deletes the old build's cache (no stale-cache
// trap). (3) An open big screen whose server goes away says "Reconnecting…", then, within
// RECONNECT_PATIENCE_MS (20 s), that the connection is lost, with a Reload button: never
// "Reconnecting…" forever. (4) When that server comes back restarted (rooms live in memory),
// the page says the room has closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_DIST, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap, watchConsole } from '../lib/browser.js';
import { startServer, devToken, createRoom } from '../lib/server.js';
import { freePort } from '../lib/oidc.js';
import { until } from '../lib/pages.js';

const SKIP = webAppMissing();
const NAME = 'offline';
let browser;
let newBuild;
const logs = [];

before(async () => {
  if (SKIP) return;
  browser = await launchBrowser();
  // "The next build": the same app with another index.html and worker version.
  newBuild = mkdtempSync(join(tmpdir(), 'breakroom-web-b-'));
  cpSync(WEB_DIST, newBuild, { recursive: true });
  const html = join(newBuild, 'index.html');
  writeFileSync(html, readFileSync(html, 'utf8').replace('<head>', '<head>\n  <meta name="breakroom-build" content="next">'));
  const sw = join(newBuild, 'sw.js');
  writeFileSync(sw, readFileSync(sw, 'utf8').replace(/const VERSION = '([^']*)'/, "const VERSION = 'next-$1'"));
});
after(async () => {
  await browser?.close();
  if (newBuild) rmSync(newBuild, { recursive: true, force: true });
});

const cacheKeys = (page) => page.evaluate(() => caches.keys());
// One API key across the restarts, as a deployment keeps its data dir: tokens outlive a restart.
const env = { BREAKROOM_API_KEY: 'offline-test', BREAKROOM_API_SECRET: 'offline-test-secret-'.padEnd(40, 'x') };

test('offline: a reload with the server down says so and recovers; a new build is picked up; no "Reconnecting…" forever', { skip: SKIP ?? false, timeout: 180000 }, async (t) => {
  const port = await freePort();
  const listen = `127.0.0.1:${port}`;
  let srv = await startServer({ webDir: WEB_DIST, listen, env });
  const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await context.newPage();
  watchConsole(page, 'home', logs);
  try {
    await page.goto(`${srv.url}/?lang=en`);
    await page.waitForSelector('h1');
    // The worker is installed and controls the page (it claims it on activation).
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 15000 });
    const oldKeys = await cacheKeys(page);
    assert.equal(oldKeys.length, 1, `one shell cache: ${oldKeys}`);

    // (1) The server goes down; a reload.
    await srv.stop();
    await page.reload();
    await page.waitForSelector('[data-testid=offline]', { timeout: 15000 });
    const text = await page.textContent('main');
    assert.match(text, /Cannot reach the server/);
    assert.doesNotMatch(text, /Failed to fetch/);
    assert.ok(await page.$('[data-testid=retry]'), 'a "Try again" button');
    await snap(page, NAME, '01-server-down');
    // Still down: "Try again" says the same.
    await page.click('[data-testid=retry]');
    await page.waitForSelector('[data-testid=offline]');

    // (2) The server comes back, with a new build. "Try again" recovers in place.
    srv = await startServer({ webDir: newBuild, listen, env });
    await page.click('[data-testid=retry]');
    await page.waitForSelector('[data-testid=offline]', { state: 'detached', timeout: 15000 });
    assert.equal((await page.textContent('h1')).trim(), 'Move together');
    await snap(page, NAME, '02-recovered');
    // A reload shows the new build at once, and the old build's cache goes.
    await page.reload();
    await page.waitForSelector('h1');
    assert.equal(await page.getAttribute('meta[name=breakroom-build]', 'content'), 'next', 'the reload shows the new build');
    const newKeys = await until(async () => {
      const k = await cacheKeys(page);
      return k.length === 1 && k[0].includes('next-') ? k : null;
    }, { timeout: 20000, what: "the new build's shell cache, alone" });
    t.diagnostic(`shell caches: before ${oldKeys}, after ${newKeys}`);

    // (3) A big screen open when the server goes away.
    const { token } = await devToken(srv.url, 'Fia', 'facilitator');
    const { code } = await createRoom(srv.url, token, { name: 'Test', steps: [{ exercise: 'squats', duration_ms: 8000, rest_ms: 0 }] });
    await page.goto(`${srv.url}/view/${code}?lang=en`);
    await page.waitForSelector('[data-testid=status][data-state=joined]', { timeout: 15000 });
    await srv.stop();
    await page.waitForSelector('[data-testid=status][data-state=reconnecting]', { timeout: 15000 });
    const started = Date.now();
    await page.waitForSelector('[data-testid=reload]', { timeout: 35000 });
    const status = (await page.textContent('[data-testid=status]')).trim();
    t.diagnostic(`"${status}" and a Reload button ${Date.now() - started} ms after "Reconnecting…"`);
    assert.notEqual(status, 'Reconnecting…');
    assert.match(status, /Connection lost/);
    await snap(page, NAME, '03-connection-lost');

    // (4) The server comes back, restarted: it has forgotten the room, so the page's rejoin is
    // refused, and it says the room has closed instead of trying on for ever.
    srv = await startServer({ webDir: newBuild, listen, env });
    await page.waitForSelector('[data-testid=status][data-state=closed]', { timeout: 30000 });
    assert.match((await page.textContent('[data-testid=status][data-state=closed]')).trim(), /The room has closed/);
    await snap(page, NAME, '04-room-gone-after-restart');
  } finally {
    await context.close();
    await srv.stop();
    if (logs.length) t.diagnostic(logs.slice(0, 10).join(' | '));
  }
});
