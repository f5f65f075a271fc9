// The real OpenID Provider of the Rust tests (tests/oidc-provider: oidc-provider 8.8.1, OpenID
// Certified), started on 127.0.0.1 for the sign-in test, and its development login and consent
// pages driven in Chromium.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT } from './env.js';

export const OIDC_DIR = join(REPO_ROOT, 'tests', 'oidc-provider');

/**
 * Installs the fixture (`npm ci` from its lockfile) when it is missing or its lockfile changed,
 * the way `.ci/test` does (same stamp), so that this suite also runs on its own.
 */
export function ensureProviderInstalled() {
  const lock = join(OIDC_DIR, 'package-lock.json');
  const stamp = join(OIDC_DIR, 'node_modules', '.installed-lockfile');
  const installed = existsSync(join(OIDC_DIR, 'node_modules', 'oidc-provider', 'package.json'));
  if (installed && existsSync(stamp) && readFileSync(stamp, 'utf8') === readFileSync(lock, 'utf8')) return;
  const r = spawnSync('npm', ['ci', '--prefix', OIDC_DIR, '--no-audit', '--no-fund'], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm ci --prefix ${OIDC_DIR} failed`);
  copyFileSync(lock, stamp);
}

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * Starts `provider.mjs` on `port` (see its header for the variables): `clients` and `accounts`,
 * or `tenants` (tenant id -> accounts) for one issuer per tenant, `http://127.0.0.1:PORT/TENANT`.
 * Resolves once it prints `ready`. Returns { url, stop() }.
 */
export async function startProvider({ port, clients, accounts = {}, tenants, keysPath, timeoutMs = 20000 }) {
  ensureProviderInstalled();
  const env = {
    ...process.env,
    OIDC_PORT: String(port),
    OIDC_CLIENTS: JSON.stringify(clients),
    OIDC_ACCOUNTS: JSON.stringify(accounts),
    OIDC_KEYS: keysPath,
  };
  if (tenants) env.OIDC_TENANTS = JSON.stringify(tenants);
  const proc = spawn('node', ['provider.mjs'], { cwd: OIDC_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = [];
  proc.stderr.setEncoding('utf8').on('data', (d) => log.push(d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OpenID Provider did not start in ${timeoutMs} ms:\n${log.join('')}`)), timeoutMs);
    let out = '';
    // Keep reading stdout: the provider dies of EPIPE on a closed pipe.
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = out.match(/ready (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the OpenID Provider exited (${code}):\n${log.join('')}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    url,
    log: () => log.join(''),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/**
 * Signs `login` in on the provider's development pages, in `page` (already on the login page or
 * on its way there): the login form (any password), then the consent form. `onStage('login' |
 * 'consent')` runs as each page shows (screenshots). Resolves when the browser has left the
 * provider (`providerUrl`).
 */
export async function providerLogin(page, providerUrl, login, onStage = async () => {}) {
  await page.waitForURL((u) => u.href.startsWith(providerUrl) && u.pathname.includes('/interaction/'), { timeout: 15000 });
  await page.waitForSelector('input[name=login]', { timeout: 15000 });
  await onStage('login');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'any');
  await page.click('button[type=submit]');
  // Then the consent page, unless the provider skips it.
  const left = (u) => !u.href.startsWith(providerUrl);
  const next = await Promise.race([
    page.waitForSelector('input[name=prompt][value=consent]', { state: 'attached', timeout: 15000 }).then(() => 'consent', () => null),
    page.waitForURL(left, { timeout: 15000 }).then(() => 'left', () => null),
  ]);
  if (next === 'consent') {
    await onStage('consent');
    await page.click('button[type=submit]');
  }
  await page.waitForURL(left, { timeout: 15000 });
}
