// Builds (if needed) and starts the real breakroom server binary on a free loopback port.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './env.js';

export const SERVER_BIN = process.env.BREAKROOM_BIN || join(REPO_ROOT, 'target', 'debug', 'breakroom');

function supportsWebDir(bin) {
  const r = spawnSync(bin, ['serve', '--help'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('--web-dir');
}

/** Runs `cargo build --bin breakroom` when the binary is missing or predates `--web-dir`. */
export function ensureServerBinary({ needWebDir = true } = {}) {
  if (process.env.BREAKROOM_BIN) return SERVER_BIN;
  if (!existsSync(SERVER_BIN) || (needWebDir && !supportsWebDir(SERVER_BIN))) {
    const r = spawnSync('cargo', ['build', '--bin', 'breakroom'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('cargo build --bin breakroom failed');
  }
  if (needWebDir && !supportsWebDir(SERVER_BIN)) {
    throw new Error(`${SERVER_BIN} serve has no --web-dir option (the server does not serve the web app yet)`);
  }
  return SERVER_BIN;
}

/**
 * Starts `breakroom serve --dev --listen 127.0.0.1:0 --data-dir <tmp> [--web-dir DIR]` and waits
 * for `breakroom listening on http://ADDR` on its stdout. Returns { url, log, stop() }.
 * `listen` sets the address (a known port, when a provider must know the callback URL first);
 * `config` is the text of a TOML config file (`--config`, written to the data folder); `env`
 * adds environment variables (secrets the config names).
 */
export async function startServer({ webDir, extraArgs = [], timeoutMs = 30000, listen = '127.0.0.1:0', config, env = {} } = {}) {
  const bin = ensureServerBinary({ needWebDir: Boolean(webDir) });
  const dataDir = mkdtempSync(join(tmpdir(), 'breakroom-e2e-'));
  const args = ['serve', '--dev', '--listen', listen, '--data-dir', dataDir, ...extraArgs];
  if (webDir) args.push('--web-dir', webDir);
  if (config !== undefined) {
    const file = join(dataDir, 'breakroom.toml');
    writeFileSync(file, config);
    args.push('--config', file);
  }
  const proc = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1', ...env } });
  const log = [];
  proc.stderr.setEncoding('utf8').on('data', (d) => log.push(d));
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${log.join('')}`)), timeoutMs);
    proc.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      log.push(d);
      const m = out.match(/breakroom listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); resolve(m[1].replace(/\/$/, '')); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited (${code}):\n${log.join('')}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    url,
    dataDir,
    log: () => log.join(''),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGTERM');
        const t = setTimeout(() => proc.kill('SIGKILL'), 15000);
        await exited;
        clearTimeout(t);
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Small REST helpers against a started server. */
export async function getJson(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${init?.method || 'GET'} ${url}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

/** A REST read with the server's API key (HTTP Basic, the key generated in its data folder):
 * rooms and session summaries answer only the API key, a token for the room, its creator, or
 * (summaries) those who took part. */
export async function apiJson(srv, path) {
  const { key, secret } = JSON.parse(readFileSync(join(srv.dataDir, 'api-key.json'), 'utf8'));
  const basic = Buffer.from(`${key}:${secret}`).toString('base64');
  return getJson(`${srv.url}${path}`, { headers: { authorization: `Basic ${basic}` } });
}

export async function devToken(base, name, role = 'facilitator') {
  return getJson(`${base}/v1/dev/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, role }),
  });
}

export async function createRoom(base, token, program) {
  return getJson(`${base}/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ program }),
  });
}

/** Sums a Prometheus counter over all its label sets matching `labels` (a substring). */
export async function metric(base, name, labels = '') {
  const text = await (await fetch(`${base}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || !line.startsWith(name)) continue;
    const [key, value] = line.split(/\s+/);
    if ((key === name || key.startsWith(`${name}{`)) && key.includes(labels)) sum += Number(value);
  }
  return sum;
}
