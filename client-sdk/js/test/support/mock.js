// A scripted stand-in for the server (like client-sdk/tests/support in Rust): a `ws` server on
// 127.0.0.1:0 that speaks the protocol through the SDK's own codec and answers pings itself;
// each test plays the server's side of one conversation.
import { WebSocketServer } from 'ws';

import { decodeClient, encodeServer } from '../../dist/index.js';

export const LIMITS = { max_message_bytes: 4096, pose_hz: 10, score_hz: 4, control_hz: 20 };
/** The stand-in's clock, µs. */
export const serverNow = () => Date.now() * 1000;
/** The stand-in's clock, in whole seconds (as `expires_at` counts). */
export const serverSecs = () => Math.floor(Date.now() / 1000);

/** The server's side of one connection. */
class Conn {
  constructor(ws, upgrade, clock) {
    this.ws = ws;
    /** The stand-in's clock (µs), read when a ping arrives and for `welcome`. */
    this.clock = clock;
    /** The `t0` of every ping, in order of arrival. */
    this.pings = [];
    this.pingWaiters = [];
    /** The upgrade request's headers (e.g. `cookie`). */
    this.headers = upgrade.headers;
    this.queue = [];
    this.waiters = [];
    ws.on('message', (data) => {
      const msg = decodeClient(new Uint8Array(data));
      if (msg.type === 'ping') {
        const t = this.clock();
        this.send({ type: 'pong', t0: msg.t0, t1: t, t2: t });
        this.pings.push(msg.t0);
        this.pingWaiters = this.pingWaiters.filter(([n, resolve]) => {
          if (this.pings.length < n) return true;
          resolve(this.pings.slice(0, n));
          return false;
        });
        return;
      }
      this.push(msg);
    });
    ws.on('close', (code) => this.push({ type: 'closed', code }));
  }

  push(item) {
    const waiter = this.waiters.shift();
    if (waiter) waiter(item);
    else this.queue.push(item);
  }

  /** Resolves with the `t0` of the first `n` pings, once they came (each answered at once). */
  pingsUntil(n) {
    if (this.pings.length >= n) return Promise.resolve(this.pings.slice(0, n));
    return new Promise((resolve) => this.pingWaiters.push([n, resolve]));
  }

  /** The next client message other than pings (or `{type: 'closed', code}`). */
  recv() {
    const item = this.queue.shift();
    if (item) return Promise.resolve(item);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  send(msg) {
    this.ws.send(encodeServer(msg));
  }

  /** Expects a `hello`; answers `welcome` (with `expires_at` if given). Returns the hello. */
  async welcome(resume = 'r1', expiresAt = undefined) {
    const hello = await this.recv();
    if (hello.type !== 'hello') throw new Error(`expected hello, got ${hello.type}`);
    const welcome = { type: 'welcome', conn: 1, resume, server_time: this.clock(), limits: LIMITS };
    if (expiresAt !== undefined) welcome.expires_at = expiresAt;
    this.send(welcome);
    return hello;
  }

  close(code, reason = 'bye') {
    this.ws.close(code, reason);
  }
}

/** Starts the stand-in; `url` is its WebSocket URL, `accept()` the next connection. Its clock
 * is `serverNow` unless `clock` (a function giving µs) says otherwise; assigning `server.clock`
 * changes it. */
export async function startMock({ clock = serverNow } = {}) {
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    path: '/v1/ws',
    handleProtocols: (protocols) => (protocols.has('breakroom.v1') ? 'breakroom.v1' : false),
  });
  await new Promise((resolve) => wss.once('listening', resolve));
  const conns = [];
  const waiters = [];
  let accepted = 0;
  wss.on('connection', (ws, req) => {
    accepted++;
    const conn = new Conn(ws, req, () => server.clock());
    const waiter = waiters.shift();
    if (waiter) waiter(conn);
    else conns.push(conn);
  });
  const server = {
    clock,
    url: `ws://127.0.0.1:${wss.address().port}/v1/ws`,
    /** How many connections were accepted so far. */
    get accepted() {
      return accepted;
    },
    accept() {
      const conn = conns.shift();
      if (conn) return Promise.resolve(conn);
      return new Promise((resolve) => waiters.push(resolve));
    },
    async stop() {
      for (const c of wss.clients) c.terminate();
      await new Promise((resolve) => wss.close(resolve));
    },
  };
  return server;
}
