// (c) Signing in, for real: the OpenID Provider of the Rust tests (tests/oidc-provider,
// oidc-provider 8.8.1) on 127.0.0.1 as a Microsoft Entra tenant, the breakroom server configured
// with it (`serverConfig` below: the one place that writes the server's provider config), and
// Chromium. Ada clicks "Sign in with Microsoft" on the start page, signs in on the provider's
// development login and consent pages, lands back "Signed in as Ada Lovelace (…)", hosts a
// break (the WebSocket and the room on her session cookie, no token in the page), sees the room
// among her organization's live rooms, makes a guest link; Pat, in another browser context with
// no cookie, opens the guest link, gives a name and joins; Ada signs out.
// And (d): with no provider configured, the start page offers no sign-in and the dev-mode
// one-click guest hosting works as before.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WEB_DIST, webAppMissing } from '../lib/env.js';
import { launchBrowser, snap, watchConsole, watchTraffic } from '../lib/browser.js';
import { startServer, getJson } from '../lib/server.js';
import { freePort, providerLogin, startProvider } from '../lib/oidc.js';
import { checkClientFrame } from '../lib/wire.js';
import { until } from '../lib/pages.js';

const SKIP = webAppMissing();
const NAME = 'signin';
const PROVIDER_ID = 'microsoft';
const TENANT = 'contoso';
const CLIENT_ID = 'breakroom';
const SECRET = 'e2e-client-secret-0123456789';
const SECRET_ENV = 'BREAKROOM_E2E_OIDC_SECRET';
const ADA = { login: 'ada', name: 'Ada Lovelace', email: 'ada@contoso.example', email_verified: true, locale: 'en-GB' };

/**
 * The breakroom server's configuration for the provider: the TOML file's text and the
 * environment it needs (the client secret comes from a variable, never from the file). THE ONE
 * PLACE to adjust when the server's config format changes. `serverUrl` is where breakroom
 * listens (the redirect URI registered at the provider is `{serverUrl}/auth/callback/{id}`);
 * `issuer` is the provider's issuer for the tenant (http://127.0.0.1:PORT/contoso).
 */
function serverConfig({ serverUrl, issuer }) {
  const toml = `public_url = "${serverUrl}"

[[oidc.providers]]
id = "${PROVIDER_ID}"
issuer = "${issuer}"
client_id = "${CLIENT_ID}"
client_secret = { env = "${SECRET_ENV}" }
redirect_uri = "${serverUrl}/auth/callback/${PROVIDER_ID}"
preset = { kind = "entra" }
`;
  return { toml, env: { [SECRET_ENV]: SECRET } };
}

let provider;
let srv;
let plain;
let browser;
let keysDir;
const logs = [];

before(async () => {
  if (SKIP) return;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await srv?.stop();
  await plain?.stop();
  await provider?.stop();
  if (keysDir) rmSync(keysDir, { recursive: true, force: true });
});

/** Runs the steps in order; a failure says which step, with the browser console. */
async function steps(t, list) {
  for (const [name, f] of list) {
    try {
      await f();
      t.diagnostic(`ok: ${name}`);
    } catch (e) {
      e.message = `step "${name}": ${e.message}`;
      for (const [i, page] of (browser?.contexts() ?? []).flatMap((c) => c.pages()).entries()) {
        await snap(page, NAME, `failed-${i}`).catch(() => {});
        e.message += `\n--- page ${i} ${page.url()} ---\n${((await page.textContent('main').catch(() => '')) ?? '').slice(0, 600)}`;
      }
      if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-40).join('\n')}`;
      if (srv) e.message += `\n--- server log (tail) ---\n${srv.log().slice(-3000)}`;
      throw e;
    }
  }
}

async function newPage(label) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 800 } });
  const page = await context.newPage();
  watchConsole(page, label, logs);
  // Which requests failed, for the failure message (the console says only that one did).
  page.on('requestfailed', (r) => logs.push(`[${label}] request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`));
  page.on('response', (r) => { if (r.status() >= 400) logs.push(`[${label}] ${r.status()} ${r.request().method()} ${r.url()}`); });
  const traffic = watchTraffic(page);
  // Every request with the page it was made from (the provider's own pages load a web font).
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), from: page.url() }));
  return { context, page, traffic, requests };
}

/** The `hello` frames a page sent (decoded, each checked as a valid client message). */
function hellos(traffic) {
  return traffic.frames.map(checkClientFrame).filter((m) => m.type === 'hello');
}

test('sign-in: Sign in with Microsoft at a real OpenID Provider, host on the cookie, org rooms, a guest link, a guest joins, sign out', { skip: SKIP ?? false, timeout: 180000 }, async (t) => {
  let ada;
  let pat;
  let code;
  let guestUrl;
  await steps(t, [
    ['start the OpenID Provider and the server configured with it', async () => {
      const providerPort = await freePort();
      const serverPort = await freePort();
      const serverUrl = `http://127.0.0.1:${serverPort}`;
      keysDir = mkdtempSync(join(tmpdir(), 'breakroom-e2e-oidc-'));
      provider = await startProvider({
        port: providerPort,
        keysPath: join(keysDir, 'keys.json'),
        clients: [{
          client_id: CLIENT_ID,
          client_secret: SECRET,
          redirect_uris: [`${serverUrl}/auth/callback/${PROVIDER_ID}`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
        }],
        tenants: { [TENANT]: { [ADA.login]: { name: ADA.name, email: ADA.email, email_verified: ADA.email_verified, locale: ADA.locale } } },
      });
      const config = serverConfig({ serverUrl, issuer: `${provider.url}/${TENANT}` });
      srv = await startServer({ webDir: WEB_DIST, listen: `127.0.0.1:${serverPort}`, config: config.toml, env: config.env });
      assert.equal(srv.url, serverUrl);
    }],
    ['GET /auth/providers lists the provider', async () => {
      const p = await getJson(`${srv.url}/auth/providers`);
      const entry = p.providers.find((x) => x.id === PROVIDER_ID);
      assert.ok(entry, `${PROVIDER_ID} in ${JSON.stringify(p)}`);
      assert.equal(entry.kind, 'entra');
      assert.equal(p.dev_guest, true, 'the test server runs --dev on loopback');
    }],
    ['the start page shows "Sign in with Microsoft"', async () => {
      ada = await newPage('ada');
      await ada.page.goto(`${srv.url}/?lang=en&sw=0`);
      const button = ada.page.locator(`[data-testid=sign-in][data-provider=${PROVIDER_ID}]`);
      await button.waitFor({ timeout: 15000 });
      assert.equal((await button.textContent()).trim(), 'Sign in with Microsoft');
      const href = await button.getAttribute('href');
      assert.equal(href, `/auth/login/${PROVIDER_ID}?return_to=%2F`);
      assert.equal(await ada.page.locator('[data-testid=signed-in]').count(), 0, 'nobody signed in yet');
      await snap(ada.page, NAME, '01-start');
    }],
    ['the provider\'s login and consent pages, and back', async () => {
      await ada.page.click(`[data-testid=sign-in][data-provider=${PROVIDER_ID}]`);
      await providerLogin(ada.page, provider.url, ADA.login, async (stage) => snap(ada.page, NAME, `02-provider-${stage}`));
      await ada.page.waitForURL((u) => u.href.startsWith(srv.url), { timeout: 15000 });
    }],
    ['"Signed in as Ada Lovelace (…)", the cookie out of the page\'s reach', async () => {
      const who = ada.page.locator('[data-testid=signed-in]');
      await who.waitFor({ timeout: 15000 });
      const text = (await who.textContent()).trim();
      assert.match(text, /^Signed in as Ada Lovelace \(.+\)$/);
      assert.equal(new URL(ada.page.url()).pathname, '/', 'return_to brought Ada back to the start page');
      const cookies = await ada.context.cookies(srv.url);
      const session = cookies.find((c) => c.name === 'breakroom' || c.name === '__Host-breakroom');
      assert.ok(session, `a session cookie: ${cookies.map((c) => c.name).join(', ')}`);
      assert.equal(session.httpOnly, true, 'HttpOnly');
      assert.equal(session.sameSite, 'Lax');
      assert.equal(await ada.page.evaluate(() => document.cookie.includes('breakroom')), false, 'not readable by scripts');
      const me = await ada.page.evaluate(() => fetch('/v1/me').then((r) => r.json()));
      assert.equal(me.name, ADA.name);
      assert.equal(me.can_host, true, 'the first user of a tenant is its admin and may host');
      t.diagnostic(`signed in: ${text}; role ${me.role}, org ${me.org.id}`);
      assert.equal(await ada.page.locator('[data-testid=sign-in]').count(), 0, 'no sign-in buttons once signed in');
      await snap(ada.page, NAME, '03-signed-in');
    }],
    ['host a break on the cookie', async () => {
      await ada.page.click('[data-testid=home-host]');
      await ada.page.waitForSelector('body[data-ready="1"]', { timeout: 30000, state: 'attached' });
      assert.equal(await ada.page.locator('#host-name').count(), 0, 'no name to type: it is the account\'s');
      await ada.page.selectOption('[data-testid=program]', 'test');
      await ada.page.click('[data-testid=create-room]');
      code = await until(async () => {
        const text = ((await ada.page.textContent('[data-testid=room-code]').catch(() => '')) ?? '').trim();
        return /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(text) ? text : null;
      }, { what: 'the room code' });
      await ada.page.waitForSelector('[data-testid=status][data-state=joined]', { timeout: 15000 });
      // The page holds no token: its hello carried an empty one (the cookie went with the upgrade).
      const sent = hellos(ada.traffic);
      assert.ok(sent.length >= 1, 'a hello was sent');
      assert.ok(sent.every((m) => m.token === ''), `hello tokens: ${JSON.stringify(sent.map((m) => m.token))}`);
      await snap(ada.page, NAME, '04-host-room');
    }],
    ['the room among the organization\'s live rooms', async () => {
      const row = ada.page.locator(`[data-testid=org-room][data-code="${code}"]`);
      await row.waitFor({ timeout: 20000 });
      assert.equal(await row.getAttribute('data-mine'), 'true');
      const rooms = await ada.page.evaluate(() => fetch('/v1/org/rooms').then((r) => r.json()));
      assert.ok(rooms.rooms.some((r) => r.code === code && r.mine === true), JSON.stringify(rooms));
      await snap(ada.page, NAME, '05-org-rooms');
    }],
    ['a guest link for the room', async () => {
      await ada.page.click('[data-testid=make-guest-link]');
      const link = ada.page.locator('[data-testid=guest-link-url]');
      await link.waitFor({ timeout: 15000 });
      guestUrl = await link.getAttribute('href');
      const u = new URL(guestUrl);
      assert.equal(u.origin, srv.url);
      assert.equal(u.pathname, `/join/${code}`);
      assert.ok(u.searchParams.get('guest'), `a guest token in ${guestUrl}`);
      await ada.page.locator('[data-testid=guest-links] [data-testid=guest-link]').first().waitFor({ timeout: 10000 });
      await snap(ada.page, NAME, '06-guest-link');
    }],
    ['Pat opens the guest link without any cookie, gives a name, joins', async () => {
      pat = await newPage('pat');
      const url = new URL(guestUrl);
      url.searchParams.set('lang', 'en');
      url.searchParams.set('sw', '0');
      await pat.page.goto(url.href);
      await pat.page.waitForSelector('[data-testid=name-form]', { timeout: 15000 });
      assert.equal((await pat.page.textContent('[data-testid=name-form] h1')).trim(), 'Join as a guest');
      assert.equal(await pat.page.locator('[data-testid=signed-in]').count(), 0, 'Pat is not signed in');
      await pat.page.fill('#name', 'Pat');
      await pat.page.click('[data-testid=join]');
      await pat.page.waitForSelector('body[data-ready="1"]', { timeout: 30000, state: 'attached' });
      await pat.page.waitForSelector('[data-testid=status][data-state=joined]', { timeout: 15000 });
      const sent = hellos(pat.traffic);
      assert.ok(sent.length >= 1 && sent.every((m) => typeof m.token === 'string' && m.token.length > 0), 'the guest joins on the access token traded for the link');
      await snap(pat.page, NAME, '07-guest-joined');
      await ada.page.waitForFunction(() =>
        [...document.querySelectorAll('[data-testid=participants] [data-testid=participant][data-presence=present]')].some((li) => li.textContent.includes('Pat')),
      null, { timeout: 15000 });
      await snap(ada.page, NAME, '08-host-sees-guest');
    }],
    ['breakroom\'s pages requested no other host than the server (and the provider, to sign in)', async () => {
      const hosts = new Set([new URL(srv.url).host, new URL(provider.url).host]);
      const foreign = [...ada.requests, ...pat.requests]
        .filter((r) => !r.from.startsWith(provider.url)) // the provider's dev pages are not ours
        .filter((r) => !r.url.startsWith('data:') && !r.url.startsWith('blob:') && !hosts.has(new URL(r.url).host));
      assert.deepEqual(foreign, []);
    }],
    ['revoking the guest link closes Pat\'s connection (4006) and the link no longer works', async () => {
      await ada.page.click('[data-testid=guest-links] [data-testid=revoke-guest-link]');
      await ada.page.locator('[data-testid=guest-links] [data-testid=guest-link][data-revoked=true]').waitFor({ timeout: 10000 })
        .catch(async () => {
          // A list that drops revoked links is as good: the link is gone from it.
          assert.equal(await ada.page.locator('[data-testid=guest-links] [data-testid=guest-link][data-revoked=false]').count(), 0);
        });
      await pat.page.waitForSelector('[data-testid=status][data-state=closed]', { timeout: 15000 });
      assert.equal((await pat.page.textContent('[data-testid=status]')).trim(), 'Your access was revoked.');
      await snap(pat.page, NAME, '09-guest-revoked');
      const again = await newPage('pat-again');
      const url = new URL(guestUrl);
      url.searchParams.set('name', 'Pat');
      url.searchParams.set('lang', 'en');
      url.searchParams.set('sw', '0');
      await again.page.goto(url.href);
      await again.page.waitForSelector('[data-testid=error][data-reason=guest-gone]', { timeout: 15000 });
      assert.match(await again.page.textContent('[data-testid=error]'), /expired or was revoked/);
      await snap(again.page, NAME, '10-guest-link-gone');
      await again.context.close();
    }],
    ['a session started and ended is among the recent sessions', async () => {
      await ada.page.click('[data-testid=start]');
      await ada.page.waitForSelector('[data-testid=phase][data-phase=countdown], [data-testid=phase][data-phase=exercise]', { timeout: 15000 });
      await ada.page.click('[data-testid=end]');
      await ada.page.click('[data-testid=confirm-yes]'); // "End" asks first
      await ada.page.waitForSelector('[data-testid=summary]:not([hidden])', { timeout: 15000 });
      await until(async () => {
        await ada.page.click('[data-testid=org-refresh]');
        return ada.page.locator(`[data-testid=org-session][data-room="${code}"]`).count();
      }, { timeout: 15000, interval: 1000, what: `a session of ${code} in the recent sessions` });
      await snap(ada.page, NAME, '11-recent-sessions');
    }],
    ['sign out', async () => {
      await ada.page.click('[data-testid=sign-out]');
      await ada.page.waitForSelector(`[data-testid=sign-in][data-provider=${PROVIDER_ID}]`, { timeout: 15000 });
      assert.equal(await ada.page.locator('[data-testid=signed-in]').count(), 0);
      const status = await ada.page.evaluate(() => fetch('/v1/me').then((r) => r.status));
      assert.equal(status, 401, 'the session is gone');
      await snap(ada.page, NAME, '12-signed-out');
    }],
  ]);
});

test('dev guest: with no provider configured, no sign-in buttons, and hosting works with one click as before', { skip: SKIP ?? false, timeout: 60000 }, async (t) => {
  plain = await startServer({ webDir: WEB_DIST });
  const { page, context } = await newPage('dev');
  try {
    await page.goto(`${plain.url}/?lang=en&sw=0`);
    await page.waitForSelector('[data-testid=home-host]', { timeout: 15000 });
    assert.equal(await page.locator('[data-testid=sign-in]').count(), 0, 'no provider, no sign-in button');
    assert.equal(await page.locator('[data-testid=signed-in]').count(), 0);
    await snap(page, NAME, 'dev-01-start');
    await page.goto(`${plain.url}/host?name=Fia&lang=en&sw=0`);
    await page.waitForSelector('body[data-ready="1"]', { timeout: 30000, state: 'attached' });
    await page.click('[data-testid=create-room]');
    const code = await until(async () => {
      const text = ((await page.textContent('[data-testid=room-code]').catch(() => '')) ?? '').trim();
      return /^[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(text) ? text : null;
    }, { what: 'the room code' });
    assert.equal(await page.locator('[data-testid=guest-panel]').count(), 0, 'guest links need a signed-in host');
    t.diagnostic(`dev guest hosted ${code}`);
    await snap(page, NAME, 'dev-02-host-room');
  } catch (e) {
    if (logs.length) e.message += `\n--- browser console ---\n${logs.slice(-40).join('\n')}`;
    throw e;
  } finally {
    await context.close();
  }
});
