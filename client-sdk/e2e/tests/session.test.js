// (a) End to end with the real server and the built web app: a facilitator page creates a room
// with the `test` preset (squats 8 s, rest 2 s, arm_raises 6 s), two participant pages
// (camera=0) join, the facilitator starts; both participants show every cue at the same instant
// (data-shown-at within 50 ms), scoreboards show both (0 reps, unverified: no camera), the
// facilitator sees the summary and the server stores it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { WEB_DIST, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap } from '../lib/browser.js';
import { startServer, apiJson, devToken } from '../lib/server.js';
import { checkClientFrame, connectFacilitator } from '../lib/wire.js';
import { openView, cuesOf, until, foreignRequests } from '../lib/pages.js';

const SKIP = webAppMissing();
const NAME = 'session';
const MAX_SKEW_MS = 50;
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

test('session: facilitator + two participants, synchronized cues, scoreboard, summary', { skip: SKIP ?? false, timeout: 180000 }, async (t) => {
  try {
    // Facilitator creates the room.
    const host = await openView(browser, `${srv.url}/host?name=Fia`, 'host', logs);
    await snap(host.page, NAME, '01-host-ready');
    await host.page.selectOption('[data-testid=program]', 'test');
    await host.page.click('[data-testid=create-room]');
    const code = await until(async () => {
      const text = ((await host.page.textContent('[data-testid=room-code]').catch(() => '')) ?? '').trim();
      return /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(text) ? text : null;
    }, { what: 'the room code (ABCD-EFGH)' });
    const link = await host.page.evaluate(() => {
      const el = document.querySelector('[data-testid=join-link]');
      return el?.getAttribute('href') || el?.value || el?.textContent || '';
    });
    assert.ok(link.includes(`/join/${code}`), `join link ${JSON.stringify(link)} should lead to /join/${code}`);
    await snap(host.page, NAME, '02-host-room');

    // Two participants join, camera off.
    const ada = await openView(browser, `${srv.url}/join/${code}?name=Ada&camera=0&lang=en`, 'ada', logs);
    const bob = await openView(browser, `${srv.url}/join/${code}?name=Bob&camera=0&lang=en`, 'bob', logs);
    await host.page.waitForFunction(() => {
      const present = [...document.querySelectorAll('[data-testid=participants] li[data-testid=participant][data-presence=present]')].map((li) => li.textContent);
      return ['Ada', 'Bob'].every((n) => present.some((t) => t.includes(n)));
    }, null, { timeout: 15000 });
    await snap(host.page, NAME, '03-host-lobby');
    await snap(ada.page, NAME, '03-ada-lobby');
    await snap(bob.page, NAME, '03-bob-lobby');

    // Lock and unlock: the host's button shows the room's state as the server says it, also
    // when a co-host (here a Node client) changes it.
    const lockState = () => host.page.getAttribute('[data-testid=lock]', 'aria-pressed');
    assert.equal(await lockState(), 'false');
    const li = (name) => `[data-testid=participants] li[data-testid=participant]:has(.who:text-is("${name}"))`;
    const cohost = await connectFacilitator(srv.url, (await devToken(srv.url, 'Cay', 'facilitator')).token, code);
    try {
      cohost.control('lock');
      await host.page.waitForSelector('[data-testid=lock][aria-pressed=true]', { timeout: 10000 });
      await host.page.click('[data-testid=lock]');
      await cohost.waitFor((m) => m.type === 'lock' && m.locked === false, 10000, 'the unlock');
      await host.page.waitForSelector('[data-testid=lock][aria-pressed=false]', { timeout: 10000 });

      // Managing people: the host may remove a co-host but not promote one; a participant
      // (a Node client, Dee) can be made co-host, then removed, and is closed as kicked.
      await host.page.waitForSelector(`${li('Cay')}[data-role=cohost] [data-testid=remove]`, { timeout: 10000 });
      assert.equal(await host.page.$(`${li('Cay')} [data-testid=make-cohost]`), null, 'a co-host is not promoted again');
      const dee = await connectFacilitator(srv.url, (await devToken(srv.url, 'Dee', 'participant')).token, code, { role: 'participant' });
      try {
        await host.page.click(`${li('Dee')}[data-role=participant] [data-testid=make-cohost]`);
        await host.page.waitForSelector(`${li('Dee')}[data-role=cohost]`, { timeout: 10000 });
        await dee.waitFor((m) => m.type === 'presence' && m.change === 'role_changed' && m.participant.name === 'Dee', 10000, 'the promotion');
        await host.page.click(`${li('Dee')} [data-testid=remove]`);
        assert.equal(await dee.closed, 4000, 'closed as kicked');
        await host.page.waitForSelector(li('Dee'), { state: 'detached', timeout: 10000 });
      } finally {
        await dee.close();
      }
    } finally {
      cohost.leave();
      await cohost.close();
    }
    // Cay left for good before the start: the session is Ada's and Bob's.
    await host.page.waitForSelector(li('Cay'), { state: 'detached', timeout: 10000 });

    // Start; the session runs.
    await host.page.click('[data-testid=start]');
    for (const p of [ada, bob]) {
      await p.page.waitForFunction(() => window.__cues.some((c) => c.kind === 'go'), null, { timeout: 20000 });
    }
    await snap(ada.page, NAME, '04-ada-exercise');
    await snap(bob.page, NAME, '04-bob-exercise');

    // Scoreboards: both participants listed, 0 reps, unverified (no camera, no keypoints).
    const rows = await until(async () => {
      const r = await host.page.$$eval('[data-testid=scoreboard] [data-testid=score-row]', (els) => els.map((e) => ({ ...e.dataset })));
      return r.length >= 2 ? r : null;
    }, { timeout: 20000, what: 'two scoreboard rows on the facilitator page' });
    await snap(host.page, NAME, '05-host-scoreboard');
    for (const row of rows) {
      assert.equal(Number(row.reps), 0, `score row ${JSON.stringify(row)}`);
      assert.notEqual(row.verified, 'true', `a camera-off score cannot be verified: ${JSON.stringify(row)}`);
    }
    for (const p of [ada, bob]) {
      await p.page.waitForSelector('[data-testid=scoreboard] [data-testid=score-row]', { timeout: 10000, state: 'attached' });
    }

    // The facilitator sees the summary when the program completes (8 + 2 + 6 s after the countdown).
    await host.page.waitForSelector('[data-testid=summary]', { state: 'visible', timeout: 60000 });
    const summaryRows = await host.page.$$eval('[data-testid=summary] [data-testid=summary-row]', (els) => els.map((e) => ({ ...e.dataset })));
    await snap(host.page, NAME, '06-host-summary');
    await snap(ada.page, NAME, '06-ada-end');
    await snap(bob.page, NAME, '06-bob-end');
    assert.deepEqual(summaryRows.map((r) => r.name).sort(), ['Ada', 'Bob']);
    for (const r of summaryRows) {
      assert.equal(Number(r.reps), 0);
      assert.notEqual(r.verified, 'true');
    }

    // Cue synchronization: the same cue id shown on both pages within MAX_SKEW_MS.
    const [ca, cb] = [await cuesOf(ada.page), await cuesOf(bob.page)];
    const byId = new Map(cb.map((c) => [c.id, c]));
    const pairs = ca.filter((c) => byId.has(c.id)).map((c) => ({ id: c.id, kind: c.kind, skew: Math.abs(c.shownAt - byId.get(c.id).shownAt) }));
    assert.ok(pairs.length >= 3, `expected >= 3 cues shown on both pages, got ${JSON.stringify({ ada: ca, bob: cb })}`);
    const maxSkew = Math.max(...pairs.map((p) => p.skew));
    const meanSkew = pairs.reduce((s, p) => s + p.skew, 0) / pairs.length;
    t.diagnostic(`cue skew over ${pairs.length} cues: max ${maxSkew.toFixed(1)} ms, mean ${meanSkew.toFixed(1)} ms (${pairs.map((p) => `${p.kind}#${p.id}:${p.skew.toFixed(1)}`).join(' ')})`);
    assert.ok(maxSkew < MAX_SKEW_MS, `cue skew ${maxSkew} ms >= ${MAX_SKEW_MS} ms: ${JSON.stringify(pairs)}`);
    assert.ok(pairs.some((p) => p.kind === 'go'), 'the go cue was shown on both pages');

    // The server stored the session.
    const { sessions } = await apiJson(srv, `/v1/rooms/${code}/sessions`);
    assert.equal(sessions.length, 1);
    const summary = await apiJson(srv, `/v1/sessions/${sessions[0].session}`);
    assert.equal(summary.end, 'completed');
    assert.deepEqual(summary.participants.map((p) => p.name).sort(), ['Ada', 'Bob']);
    for (const p of summary.participants) {
      for (const r of p.results) {
        assert.equal(r.reps, 0);
        assert.notEqual(r.verified, true);
      }
    }

    // Privacy, even without a camera: only breakroom messages, no pose, nothing to other hosts.
    for (const p of [host, ada, bob]) {
      const msgs = p.traffic.frames.map(checkClientFrame);
      assert.ok(msgs.some((m) => m.type === 'hello'), `${p.label} sent hello`);
      if (p !== host) assert.ok(!msgs.some((m) => m.type === 'pose'), `${p.label} (camera=0) sent no pose`);
      assert.deepEqual(foreignRequests(p.traffic, srv.url), [], `${p.label} requested other hosts`);
    }
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.join('\n')}`;
    throw e;
  }
});
