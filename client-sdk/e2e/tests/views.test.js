// The views at a phone's size (360×640) and a big screen's (1920×1080), through a whole session
// each: home (with the exercise demonstrations), the host, a participant (no camera) and the
// shared screen, with two Node participants streaming skeletons. At every stage: no page is
// wider than the screen, and a screenshot lands in artifacts/views/. Checked on the way: the
// host's main actions sit above the fold and its page never says it waits for the host; keyboard
// focus survives "Create room"; "End" and "Remove" ask first (Cancel keeps, the action acts);
// the big screen shows the QR code of the join link, the cue, the scoreboard and peers whose
// skeletons move; the demonstrations move (and stand still under reduced motion); the cue is
// said once ("Go!", not "Go / Go! Squats"), "1 rep" is singular; a long Swedish cue does not
// change the cue box's height; after switching language, "Session over" follows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WEB_DIST, sleep, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap, watchConsole } from '../lib/browser.js';
import { startServer, devToken } from '../lib/server.js';
import { until } from '../lib/pages.js';
import { startPoseBot } from '../lib/posebot.js';

const SKIP = webAppMissing();
const NAME = 'views';
const SIZES = [
  { label: 'phone', width: 360, height: 640 },
  { label: 'desktop', width: 1920, height: 1080 },
];
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

async function open(size, path, label, { lang = 'en', reducedMotion = 'no-preference' } = {}) {
  const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, reducedMotion });
  const page = await context.newPage();
  watchConsole(page, `${size.label}/${label}`, logs);
  const sep = path.includes('?') ? '&' : '?';
  await page.goto(`${srv.url}${path}${sep}lang=${lang}&sw=0`);
  return { page, context, label: `${size.label}/${label}` };
}

/** Fails when the page is wider than its viewport (a horizontal scrollbar on a phone). */
async function noOverflow(p, what) {
  const { scroll, width, culprits } = await p.page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits = [...document.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 1 && getComputedStyle(e).position !== 'fixed' && !e.closest('.sr-only'))
      .slice(0, 5)
      .map((e) => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
    return { scroll: document.documentElement.scrollWidth, width, culprits };
  });
  assert.ok(scroll <= width, `${p.label} ${what}: page ${scroll} px wide on a ${width} px screen: ${culprits.join(', ')}`);
}

/** The element's box, for "above the fold" checks. */
const box = (p, sel) => p.page.$eval(sel, (e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width, height: r.height }; });

/** A canvas's pixels, as a data URL (two different ones: it was redrawn with something else). */
const pixels = (p, sel) => p.page.$eval(sel, (c) => c.toDataURL());

/** The big screen fits a 1920×1080 screen: nothing to scroll to. */
async function fitsScreen(p, what) {
  const height = await p.page.evaluate(() => document.documentElement.scrollHeight);
  assert.ok(height <= 1080, `${p.label} ${what}: ${height} px tall, more than the 1080 px screen`);
}

async function shoot(p, step) {
  await snap(p.page, NAME, `${p.label.replace('/', '-')}-${step}`);
}

for (const size of SIZES) {
  test(`views at ${size.width}×${size.height}: home, host, participant and big screen through a session`, { skip: SKIP ?? false, timeout: 240000 }, async (t) => {
    const pages = [];
    const bots = [];
    try {
      // ---- home, and the demonstrations on demand ----------------------------------------
      const home = await open(size, '/', 'home');
      pages.push(home);
      await home.page.waitForSelector('h1');
      await noOverflow(home, 'home');
      await shoot(home, '01-home');
      await home.page.click('[data-testid=exercises] summary');
      await home.page.waitForSelector('[data-testid=demo-grid] [data-testid=demo][data-frames]');
      const catalogue = (await (await fetch(`${srv.url}/v1/exercises`)).json()).exercises.map((e) => e.id);
      const ids = await home.page.$$eval('[data-testid=demo-grid] [data-testid=demo]', (els) => els.map((e) => e.dataset.exercise));
      const demoCount = ids.length;
      assert.deepEqual(ids, catalogue, 'every catalogue exercise has a demonstration');
      const generic = await home.page.$$eval('[data-testid=demo-grid] [data-testid=demo]:not([data-motion=own])', (els) => els.map((e) => e.dataset.exercise));
      assert.deepEqual(generic, [], 'each demonstration has a motion of its own');
      const hows = await home.page.$$eval('[data-testid=demo-grid] [data-testid=demo-how]', (els) => els.map((e) => e.textContent.trim()));
      assert.ok(hows.every((h) => h.length > 10), `each demonstration has its instruction: ${JSON.stringify(hows)}`);
      const squatSel = '[data-testid=demo-grid] [data-exercise=squats] canvas';
      const a = await pixels(home, squatSel);
      await sleep(700);
      const b = await pixels(home, squatSel);
      assert.notEqual(a, b, 'the squat demonstration moves');
      t.diagnostic(`${size.label}: ${demoCount} demonstrations: ${ids.join(' ')}`);
      await noOverflow(home, 'home with the demonstrations');
      await shoot(home, '02-home-exercises');

      // Under reduced motion the demonstrations are still.
      const still = await open(size, '/', 'home-still', { reducedMotion: 'reduce' });
      pages.push(still);
      await still.page.click('[data-testid=exercises] summary');
      await still.page.waitForSelector('[data-testid=demo-grid] [data-exercise=squats][data-animated=false]');
      const s1 = await pixels(still, squatSel);
      await sleep(700);
      assert.equal(await pixels(still, squatSel), s1, 'under reduced motion the demonstration stands still');
      await shoot(still, '03-home-exercises-reduced-motion');
      await still.context.close();

      // ---- the host --------------------------------------------------------------------------
      const host = await open(size, '/host?name=Fia&program=test', 'host');
      pages.push(host);
      await host.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      await noOverflow(host, 'setup');
      await shoot(host, '04-host-setup');
      // By keyboard: focus the button and press Enter; the focus must not fall to <body>.
      await host.page.focus('[data-testid=create-room]');
      await host.page.keyboard.press('Enter');
      await host.page.waitForSelector('[data-testid=room-code]');
      await host.page.waitForSelector('[data-testid=status][data-state=joined]');
      const focused = await host.page.evaluate(() => ({ tag: document.activeElement?.tagName, inMain: !!document.activeElement?.closest('main') }));
      assert.ok(focused.tag !== 'BODY' && focused.inMain, `focus after "Create room" is in the new view: ${JSON.stringify(focused)}`);
      const code = (await host.page.textContent('[data-testid=room-code]')).trim();
      const phaseText = await host.page.textContent('[data-testid=phase]');
      assert.doesNotMatch(phaseText, /waiting for the host/i, 'the host is not told to wait for the host');
      const start = await box(host, '[data-testid=start]');
      assert.ok(start.bottom <= size.height, `Start is above the fold: bottom ${start.bottom} of ${size.height}`);
      await host.page.waitForSelector('[data-testid=demo-slot][data-exercise=squats]:not([hidden])');

      // ---- the big screen, two streaming participants, and one to remove --------------------
      const view = await open(size, `/view/${code}`, 'view');
      pages.push(view);
      await view.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      const qrText = await view.page.getAttribute('[data-testid=qr]', 'data-text');
      assert.equal(qrText, `${srv.url}/join/${code}`, 'the QR code holds the join link');
      const qr = await box(view, '[data-testid=qr]');
      assert.ok(qr.width >= (size.width >= 1000 ? 200 : 120), `the QR code is big enough to scan: ${qr.width} px`);
      if (size.width >= 1000) assert.ok(qr.bottom <= size.height, `the QR code is on the first screen: ${JSON.stringify(qr)}`);
      await view.page.waitForSelector('[data-testid=demo-slot][data-exercise=squats]:not([hidden])');

      for (const [name, dx] of [['Ada', -0.05], ['Bob', 0.05]]) {
        bots.push(await startPoseBot(srv.url, (await devToken(srv.url, name, 'participant')).token, code, { dx }));
      }
      await view.page.waitForFunction(() => document.querySelectorAll('[data-testid=peers] [data-testid=peer]').length >= 2, null, { timeout: 15000 });
      const peerSel = '[data-testid=peers] [data-testid=peer] canvas';
      const p1 = await pixels(view, peerSel);
      await sleep(600);
      const p2 = await pixels(view, peerSel);
      assert.notEqual(p1, p2, "the big screen's skeletons move");
      await noOverflow(view, 'lobby');
      await shoot(view, '05-view-lobby');
      if (size.width >= 1000) await fitsScreen(view, 'lobby');

      // A participant joins through the form, by keyboard: the focus survives "Join".
      const bob = await open(size, `/join/${code}`, 'participant', { lang: 'sv' });
      pages.push(bob);
      await bob.page.waitForSelector('[data-testid=name-form]');
      await bob.page.keyboard.type('Cid');
      await bob.page.keyboard.press('Enter');
      await bob.page.waitForSelector('body[data-ready="1"]', { state: 'attached' });
      const joinFocus = await bob.page.evaluate(() => ({ tag: document.activeElement?.tagName, inMain: !!document.activeElement?.closest('main') }));
      assert.ok(joinFocus.tag !== 'BODY' && joinFocus.inMain, `focus after "Join" is in the new view: ${JSON.stringify(joinFocus)}`);
      await noOverflow(bob, 'lobby');
      await shoot(bob, '06-participant-lobby');

      // Remove asks first: Cancel keeps the person, confirming removes them.
      const dee = await startPoseBot(srv.url, (await devToken(srv.url, 'Dee', 'participant')).token, code, { everyMs: 1000 });
      const deeRow = '[data-testid=participants] li[data-testid=participant]:has(.who:text-is("Dee"))';
      await host.page.click(`${deeRow} [data-testid=remove]`);
      await host.page.waitForSelector('[data-testid=confirm][open]');
      assert.match(await host.page.textContent('[data-testid=confirm]'), /Remove Dee/);
      await noOverflow(host, 'the confirmation');
      await shoot(host, '07-host-confirm-remove');
      await host.page.click('[data-testid=confirm-no]');
      await sleep(500);
      assert.ok(await host.page.$(deeRow), 'Cancel keeps Dee');
      await host.page.click(`${deeRow} [data-testid=remove]`);
      await host.page.click('[data-testid=confirm-yes]');
      await host.page.waitForSelector(deeRow, { state: 'detached', timeout: 10000 });
      await dee.stop();
      // A list drawn again keeps the focus on the same person's control: Ada's Remove stays
      // focused while Eve comes and goes.
      const adaRemove = '[data-testid=participants] li[data-testid=participant]:has(.who:text-is("Ada")) [data-testid=remove]';
      await host.page.focus(adaRemove);
      const eve = await startPoseBot(srv.url, (await devToken(srv.url, 'Eve', 'participant')).token, code, { everyMs: 1000 });
      await host.page.waitForSelector('[data-testid=participants] li[data-testid=participant]:has(.who:text-is("Eve"))');
      await eve.stop();
      await host.page.waitForSelector('[data-testid=participants] li[data-testid=participant]:has(.who:text-is("Eve"))', { state: 'detached', timeout: 10000 });
      assert.ok(await host.page.$eval(adaRemove, (e) => e === document.activeElement), 'the focus stayed on Ada\'s Remove');
      await noOverflow(host, 'lobby');
      await shoot(host, '08-host-lobby');

      // ---- the session -----------------------------------------------------------------------
      // Sample the Swedish participant's cue box: its height never changes.
      await bob.page.evaluate(() => {
        window.__cueHeights = new Set();
        const el = document.querySelector('[data-testid=cue]');
        // The layout height (offsetHeight): the cue's flash scales it, which moves nothing else.
        // (An empty cue box, before the first cue and after an early end, has no height.)
        setInterval(() => el.textContent && window.__cueHeights.add(el.offsetHeight), 50);
      });
      await host.page.click('[data-testid=start]');
      await bob.page.waitForSelector('[data-testid=cue][data-cue-id]', { timeout: 20000 });
      await bob.page.evaluate(() => window.__cueHeights.clear());
      await view.page.waitForSelector('[data-testid=phase][data-phase=exercise]', { timeout: 20000 });
      await sleep(800);
      const go = await view.page.evaluate(() => document.querySelector('.now').innerText);
      const gos = (go.match(/\bGo\b/g) ?? []).length;
      assert.ok(gos <= 1, `"Go" is said once on the big screen, not ${gos} times: ${JSON.stringify(go)}`);
      for (const p of [host, view, bob]) {
        await noOverflow(p, 'exercise');
        await shoot(p, '09-exercise');
      }
      if (size.width < 1000) {
        const cue = await box(bob, '[data-testid=cue]');
        assert.ok(cue.bottom <= size.height, `the participant's cue is on screen: ${JSON.stringify(cue)}`);
      }
      if (size.width >= 1000) await fitsScreen(view, 'exercise');
      const cueBox = await box(view, '[data-testid=cue]');
      assert.ok(cueBox.height >= (size.width >= 1000 ? 100 : 40), `the big screen's cue is large: ${cueBox.height} px`);

      await view.page.waitForSelector('[data-testid=phase][data-phase=rest]', { timeout: 20000 });
      await view.page.waitForSelector('[data-testid=demo-slot][data-exercise=arm_raises]:not([hidden])', { timeout: 5000 });
      assert.match(await view.page.textContent('[data-testid=demo-slot] h2'), /Next up/);
      await view.page.waitForSelector('[data-testid=timeline-step][data-step="0"][data-state=done] + [data-testid=timeline-step][data-step="1"][data-state=next]', { timeout: 5000 });
      for (const p of [host, view, bob]) await shoot(p, '10-rest');
      if (size.width >= 1000) await fitsScreen(view, 'rest');
      await host.page.waitForSelector('[data-testid=timeline-step][data-step="1"][aria-current=step]', { timeout: 10000 });

      if (size.width < 1000) {
        // End asks first, then ends the session for everyone.
        await host.page.click('[data-testid=end]');
        await host.page.waitForSelector('[data-testid=confirm][open]');
        await shoot(host, '11-host-confirm-end');
        await host.page.click('[data-testid=confirm-yes]');
      }
      await host.page.waitForSelector('[data-testid=summary]', { state: 'visible', timeout: 30000 });
      const table = await host.page.$eval('[data-testid=summary] table', (e) => e.getBoundingClientRect().width);
      assert.ok(table <= size.width, `the summary table fits: ${table} px on ${size.width}`);
      const headers = await host.page.$$eval('[data-testid=summary] th[scope=col]', (els) => els.map((e) => e.textContent.trim()));
      assert.ok(headers.every((x) => x.length > 0), `no empty table header: ${JSON.stringify(headers)}`);
      for (const p of [host, view, bob]) {
        await noOverflow(p, 'summary');
        await shoot(p, '12-end');
      }
      const heights = await bob.page.evaluate(() => [...window.__cueHeights]);
      assert.equal(heights.length, 1, `the Swedish cue box kept one height through the session: ${heights}`);

      // "1 rep": the scoreboard's plural follows the number.
      const repsTexts = await view.page.$$eval('[data-testid=score-row] .reps', (els) => els.map((e) => e.textContent));
      assert.ok(repsTexts.every((x) => !/^1 reps/.test(x)), `no "1 reps": ${repsTexts}`);

      // After switching language, "Session over" follows.
      await bob.page.waitForSelector('[data-testid=status][data-state=ended]', { timeout: 10000 });
      assert.equal((await bob.page.textContent('[data-testid=status]')).trim(), 'Passet är slut');
      const reactionSv = await bob.page.$$eval('button.reaction', (els) => els.map((e) => e.getAttribute('aria-label')));
      assert.equal(reactionSv[0], 'Applåd', `reaction labels in Swedish: ${reactionSv}`);
      await bob.page.click('#lang');
      await bob.page.waitForFunction(() => document.querySelector('[data-testid=status]').textContent.trim() === 'Session over', null, { timeout: 5000 });
      assert.equal((await bob.page.textContent('#lang')).trim(), 'Svenska');
      const reactionEn = await bob.page.$$eval('button.reaction', (els) => els.map((e) => e.getAttribute('aria-label')));
      assert.equal(reactionEn[0], 'Clap', `reaction labels follow the language: ${reactionEn}`);
    } finally {
      for (const b of bots) await b.stop();
      for (const p of pages) await p.context.close().catch(() => {});
      if (logs.length) t.diagnostic(logs.slice(0, 20).join('\n'));
    }
  });
}
