// Starts the real breakroom server (built with cargo if needed) for integration tests, and a
// TCP proxy that can cut connections (like tests/common/mod.rs `Proxy`).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const workspace = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');

const HOW_TO_BUILD =
  'build it with `cargo build --bin breakroom` at the repository root (or point BREAKROOM_BIN at a built binary)';

let built;
/** The server binary: $BREAKROOM_BIN, or target/debug/breakroom after `cargo build`
 * (a no-op when fresh). Throws, saying how to build it, when neither can be had: the tests
 * that need the server fail loudly, they never skip. */
export function serverBinary() {
  if (process.env.BREAKROOM_BIN) {
    if (!existsSync(process.env.BREAKROOM_BIN)) {
      throw new Error(`BREAKROOM_BIN=${process.env.BREAKROOM_BIN} does not exist: ${HOW_TO_BUILD}`);
    }
    return process.env.BREAKROOM_BIN;
  }
  const bin = join(workspace, 'target', 'debug', 'breakroom');
  if (built === undefined) {
    const r = spawnSync('cargo', ['build', '--quiet', '--bin', 'breakroom'], {
      cwd: workspace,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 15 * 60 * 1000,
    });
    built = r.status === 0 || existsSync(bin);
  }
  if (!built || !existsSync(bin)) {
    throw new Error(`the breakroom server binary is missing (${bin}) and cargo could not build it: ${HOW_TO_BUILD}`);
  }
  return bin;
}

/** Starts `breakroom serve --dev` on a free port; resolves once it listens. Rejects when
 * the server binary cannot be had (see `serverBinary`). `down()` stops the process (SIGTERM, as
 * a deploy does) and `up()` starts it again on the same port and data directory: a server
 * restart, as the pages that were connected see it. */
export async function startServer(extraArgs = []) {
  const bin = serverBinary();
  const dataDir = mkdtempSync(join(tmpdir(), 'breakroom-js-'));
  let child;
  const launch = async (listen) => {
    child = spawn(bin, ['serve', '--dev', '--listen', listen, '--data-dir', dataDir, ...extraArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, BREAKROOM_LOG: 'warn' },
    });
    let stderr = '';
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const http = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
      child.stdout.on('data', (d) => {
        out += d;
        const m = /breakroom listening on (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`server exited with ${code}: ${stderr}`));
      });
    });
    child.stdout.resume();
    return http;
  };
  const down = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  };
  const http = await launch('127.0.0.1:0');
  const addr = http.replace('http://', '');
  return {
    http,
    addr,
    down,
    async up() {
      await launch(addr);
    },
    async stop() {
      await down();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A TCP proxy to `target` ("host:port"): `cut()` drops every connection without a close
 * frame; while `refuse` is set, new connections are dropped at once. */
export async function startProxy(target) {
  const [host, port] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
  const sockets = new Set();
  const proxy = { refuse: false };
  const server = net.createServer((inbound) => {
    if (proxy.refuse) {
      inbound.destroy();
      return;
    }
    const outbound = net.connect(port, host);
    sockets.add(inbound);
    sockets.add(outbound);
    inbound.pipe(outbound);
    outbound.pipe(inbound);
    const done = () => {
      inbound.destroy();
      outbound.destroy();
      sockets.delete(inbound);
      sockets.delete(outbound);
    };
    inbound.on('error', done).on('close', done);
    outbound.on('error', done).on('close', done);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  proxy.ws = `ws://127.0.0.1:${server.address().port}/v1/ws`;
  proxy.cut = () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
  };
  proxy.stop = async () => {
    proxy.cut();
    await new Promise((r) => server.close(r));
  };
  return proxy;
}

/** Resolves with the first `event` payload matching `pred` (rejects after `ms`). */
export function waitFor(client, event, pred = () => true, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no matching \`${event}\` within ${ms} ms`));
    }, ms);
    const off = client.on(event, (payload) => {
      if (pred(payload)) {
        clearTimeout(timer);
        off();
        resolve(payload);
      }
    });
  });
}
