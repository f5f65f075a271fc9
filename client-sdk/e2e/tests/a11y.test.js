// Accessibility: axe-core (run in the page, from this suite's node_modules) on every view of the
// web app, at a phone's size and a desktop's: the start page (with the exercise
// demonstrations open), the host's setup, the host's running room (and its confirmation
// dialog), a participant, the big screen, the summary, and the "cannot reach the server" card.
// No violation of impact serious or critical (WCAG 2.1 A/AA rules) may remain. Also checked:
// one h1 per view; cues reach the page's ARIA live region; the language button's accessible
// name is its text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { WEB_DIST, sleep, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap, watchConsole } from '../lib/browser.js';
import { startServer, devToken } from '../lib/server.js';
import { startPoseBot } from '../lib/posebot.js';

const SKIP = webAppMissing();
const NAME = 'a11y';
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let srv;
let browser;
const logs = [];

before(async () => {
  if (SKIP) return;
  srv = await startServer({ webDir: WEB_DIST });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
});

/** Runs axe on the page; returns the serious and critical violations, one line each. */
async function audit(page) {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE);
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }, resultTypes: ['violations'] });
    return { violations: r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1, 2).join('')}`) })), passes: r.passes?.length ?? 0 };
  });
  return result.violations;
}

async function check(t, p, view, problems, counts) {
  const violations = await audit(p.page);
  const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = violations.filter((v) => !bad.includes(v));
  const h1 = await p.page.$$eval('h1', (els) => els.length);
  counts.push(`${p.size}/${view}: ${violations.length} violations (${bad.length} serious or critical), h1 ×${h1}`);
  if (minor.length) t.diagnostic(`${p.size}/${view}: minor: ${minor.map((v) => `${v.id} (${v.impact}) ${v.nodes[0]}`).join('; ')}`);
  for (const v of bad) problems.push(`${p.size}/${view}: ${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ')}`);
  if (h1 !== 1) problems.push(`${p.size}/${view}: ${h1} h1 elements (one expected)`);
  await snap(p.page, NAME, `${p.size}-${view}`);
}

for (const size of [{ label: 'phone', width: 360, height: 640 }, { label: 'desktop', width: 1280, height: 800 }]) {
  test(`axe at ${size.width}×${size.height}: every view, no serious or critical violation`, { skip: SKIP ?? false, timeout: 180000 }, async (t) => {
    const problems = [];
    const counts = [];
    const contexts = [];
    const bots = [];
    const open = async (path, label) => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height } });
      contexts.push(context);
      const page = await context.newPage();
      watchConsole(page, label, logs);
      await page.goto(`${srv.url}${path}${path.includes('?') ? '&' : '?'}lang=en&sw=0`);
      return { page, size: size.label };
    };
    try {
      const home = await open('/', 'home');
      await home.page.waitForSelector('h1');
      // The language button: its accessible name is its text.
      const lang = await home.page.$eval('#lang', (b) => ({ text: b.textContent.trim(), label: b.getAttribute('aria-label') }));
      assert.ok(lang.text === 'Svenska' && (lang.label === null || lang.label === lang.text), `language button: ${JSON.stringify(lang)}`);
      // axe runs and sees: a low-contrast button (the old 3.9:1 blue) is found, then removed.
      await home.page.evaluate(() => {
        const b = document.createElement('button');
        b.id = 'axe-probe';
        b.textContent = 'Probe';
        b.style.background = '#1582bd';
        b.style.color = '#f5f7fa';
        document.querySelector('main').append(b);
      });
      const probe = (await audit(home.page)).find((v) => v.id === 'color-contrast');
      assert.ok(probe && probe.nodes.some((n) => n.includes('#axe-probe')), `axe finds the 3.9:1 probe: ${JSON.stringify(probe)}`);
      await home.page.evaluate(() => document.getElementById('axe-probe').remove());
      await check(t, home, 'home', problems, counts);
      await home.page.click('[data-testid=exercises] summary');
      await home.page.waitForSelector('[data-testid=demo-grid] [data-testid=demo][data-frames]');
      await check(t, home, 'home-exercises', problems, counts);

      const host = await open('/host?name=Fia&program=test', 'host');
      await host.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      await check(t, host, 'host-setup', problems, counts);
      await host.page.click('[data-testid=create-room]');
      await host.page.waitForSelector('[data-testid=status][data-state=joined]');
      const code = (await host.page.textContent('[data-testid=room-code]')).trim();
      bots.push(await startPoseBot(srv.url, (await devToken(srv.url, 'Ada', 'participant')).token, code));
      await host.page.waitForSelector('[data-testid=participant]');
      await check(t, host, 'host-lobby', problems, counts);
      await host.page.click('[data-testid=remove]');
      await host.page.waitForSelector('[data-testid=confirm][open]');
      await check(t, host, 'host-confirm', problems, counts);
      await host.page.keyboard.press('Escape');
      await host.page.waitForSelector('[data-testid=confirm]', { state: 'detached' });

      const participant = await open(`/join/${code}?name=Bob`, 'participant');
      await participant.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      await check(t, participant, 'participant-lobby', problems, counts);

      const view = await open(`/view/${code}`, 'view');
      await view.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      await view.page.waitForSelector('[data-testid=peer]');
      await check(t, view, 'view-lobby', problems, counts);

      // By keyboard: Start is reached with Tab and pressed with Enter.
      await host.page.focus('[data-testid=start]');
      await host.page.keyboard.press('Enter');
      await view.page.waitForSelector('[data-testid=phase][data-phase=exercise]', { timeout: 20000 });
      // The cues reach the live region: "Go!" was said there.
      const said = await view.page.$eval('#announcer', (e) => ({ live: e.getAttribute('aria-live'), said: e.dataset.said ?? '' }));
      assert.equal(said.live, 'assertive');
      assert.ok(said.said.length > 0, `the announcer said the cues: ${JSON.stringify(said)}`);
      await sleep(500);
      await check(t, view, 'view-exercise', problems, counts);
      await check(t, participant, 'participant-exercise', problems, counts);
      await check(t, host, 'host-exercise', problems, counts);

      await host.page.click('[data-testid=end]');
      await host.page.click('[data-testid=confirm-yes]');
      await host.page.waitForSelector('[data-testid=summary]', { state: 'visible', timeout: 20000 });
      await check(t, host, 'host-summary', problems, counts);

      // The server out of reach: a page of a server that does not answer.
      const offline = await open('/', 'offline');
      await offline.page.waitForSelector('h1');
      await offline.page.context().route('**/auth/providers', (r) => r.abort('connectionrefused'));
      await offline.page.reload();
      await offline.page.waitForSelector('[data-testid=offline]');
      await check(t, offline, 'offline', problems, counts);
    } finally {
      for (const b of bots) await b.stop();
      for (const c of contexts) await c.close().catch(() => {});
    }
    for (const line of counts) t.diagnostic(line);
    assert.deepEqual(problems, [], problems.join('\n'));
  });
}
