// In-band token refresh, `getToken`, cookie sign-in and the close codes that end a
// connection's credentials, against a scripted stand-in for the server (test/support/mock.js).
import { afterEach, mock, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';

import {
  BreakroomClient,
  BreakroomError,
  CLOSE_REVOKED,
  CLOSE_SIGNED_OUT,
  CLOSE_TOKEN_EXPIRED,
  CodecError,
  credentialsEnded,
  refreshDelayMs,
} from '../dist/index.js';
import { serverSecs, startMock } from './support/mock.js';

const options = (extra = {}) => ({ WebSocket, backoffBaseMs: 10, backoffMaxMs: 20, ...extra });

/** Connects to the stand-in; returns the client, the server's side and the hello. */
async function connected(server, token, opts, expiresAt) {
  const [client, [conn, hello]] = await Promise.all([
    BreakroomClient.connect(server.url, token, opts),
    server.accept().then(async (conn) => [conn, await conn.welcome('r1', expiresAt)]),
  ]);
  return { client, conn, hello };
}

/** Records every event of `names`, in order. */
function record(client, names) {
  const seen = [];
  for (const name of names) client.on(name, (payload) => seen.push([name, payload]));
  return seen;
}

const next = (client, name) => new Promise((resolve) => client.on(name, resolve));

let cleanup = [];
afterEach(async () => {
  mock.timers.reset();
  for (const f of cleanup.reverse()) await f();
  cleanup = [];
});

test('refresh timing: 80 % or a minute before, never before half (refresh_delay in Rust)', () => {
  assert.equal(refreshDelayMs(600_000), 480_000);
  assert.equal(refreshDelayMs(3_600_000), 2_880_000);
  assert.equal(refreshDelayMs(250_000), 190_000);
  assert.equal(refreshDelayMs(100_000), 50_000);
  assert.equal(refreshDelayMs(0), 0);
});

test('refresh() sends the token and resolves on refreshed; a refusal rejects', async () => {
  const server = await startMock();
  cleanup.push(() => server.stop());
  const { client, conn } = await connected(server, 'tok', options());
  cleanup.push(() => client.close());
  assert.equal(client.tokenExpiresAt, undefined);
  const events = record(client, ['refreshed', 'reconnecting']);

  const expiresAt = serverSecs() + 600;
  const accepted = client.refresh('tok2');
  const msg = await conn.recv();
  assert.equal(msg.type, 'refresh');
  assert.equal(msg.token, 'tok2');
  conn.send({ type: 'refreshed', seq: msg.seq, expires_at: expiresAt });
  assert.equal(await accepted, expiresAt);
  assert.equal(client.tokenExpiresAt, expiresAt);
  assert.deepEqual(events, [['refreshed', { expires_at: expiresAt }]]);

  const refused = client.refresh('someone-else');
  const again = await conn.recv();
  conn.send({ type: 'error', code: 'unauthorized', message: 'another subject', seq: again.seq });
  await assert.rejects(refused, (e) => e instanceof BreakroomError && e.kind === 'server' && e.code === 'unauthorized');
  // A token no server would read is not sent.
  await assert.rejects(client.refresh(''), CodecError);

  // A reconnection presents the accepted token, not the refused one.
  conn.close(1001);
  const next = await server.accept();
  const hello = await next.welcome('r2');
  assert.equal(hello.token, 'tok2');
});

test('getToken refreshes at 80 % of the token life and serves reconnections (mocked timers)', async () => {
  const server = await startMock();
  cleanup.push(() => server.stop());
  const asked = [];
  const getToken = async () => {
    asked.push(asked.length + 1);
    return `fresh-${asked.length}`;
  };
  // Every timer the client sets from here, and the clock, run on the test's clock.
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  const opts = options({ getToken, pingBurst: 1, pingIntervalMs: 1e9 });
  const expiresAt = serverSecs() + 600;
  const { client, conn } = await connected(server, 'tok', opts, expiresAt);
  cleanup.push(() => client.close());
  assert.equal(client.tokenExpiresAt, expiresAt);

  // Just under 600 s left: not asked at 478 s, asked by 480 s.
  mock.timers.tick(478_000);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(asked, []);
  mock.timers.tick(2_000);
  const msg = await conn.recv();
  assert.deepEqual([msg.type, msg.token], ['refresh', 'fresh-1']);
  const refreshed = next(client, 'refreshed');
  conn.send({ type: 'refreshed', seq: msg.seq, expires_at: expiresAt + 600 });
  assert.deepEqual(await refreshed, { expires_at: expiresAt + 600 });
  assert.equal(client.tokenExpiresAt, expiresAt + 600);

  // The reconnection asks getToken for a token of its own.
  const reconnecting = next(client, 'reconnecting');
  conn.close(1001);
  await reconnecting;
  mock.timers.tick(20); // the backoff
  const again = await server.accept();
  const hello = await again.welcome('r2', expiresAt + 600);
  assert.equal(hello.token, 'fresh-2');
  assert.deepEqual(asked, [1, 2]);
});

test('a failed automatic refresh is told, and retried while the token lives', async () => {
  const server = await startMock();
  cleanup.push(() => server.stop());
  let calls = 0;
  const getToken = async () => {
    calls++;
    if (calls === 1) throw new Error('backend down');
    return `fresh-${calls}`;
  };
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  const opts = options({ getToken, pingBurst: 1, pingIntervalMs: 1e9 });
  const { client, conn } = await connected(server, 'tok', opts, serverSecs() + 100);
  cleanup.push(() => client.close());
  const failed = [];
  client.on('refresh_failed', ({ reason }) => failed.push(reason));

  mock.timers.tick(50_000); // half of the (just under) 100 s
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 1);
  assert.match(failed[0], /backend down/);
  mock.timers.tick(25_000); // half of what was left
  const msg = await conn.recv();
  assert.deepEqual([msg.type, msg.token], ['refresh', 'fresh-2']);
  const told = next(client, 'refresh_failed');
  conn.send({ type: 'error', code: 'unauthorized', message: 'token expired', seq: msg.seq });
  assert.match((await told).reason, /token expired/);
  mock.timers.tick(12_500);
  const retry = await conn.recv();
  assert.deepEqual([retry.type, retry.token], ['refresh', 'fresh-3']);
  // A server without refresh: told, and not asked again.
  const unsupported = next(client, 'refresh_failed');
  conn.send({ type: 'error', code: 'unsupported', message: 'no refresh here', seq: retry.seq });
  assert.match((await unsupported).reason, /unsupported/);
  mock.timers.tick(60_000); // past the expiry
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 3);
});

test('an unanswered automatic refresh is given up after the request timeout, told, retried', async () => {
  const server = await startMock();
  cleanup.push(() => server.stop());
  let calls = 0;
  const getToken = async () => `fresh-${++calls}`;
  mock.timers.enable({ apis: ['setTimeout', 'Date'], now: Date.now() });
  const opts = options({ getToken, pingBurst: 1, pingIntervalMs: 1e9 });
  const { client, conn } = await connected(server, 'tok', opts, serverSecs() + 600);
  cleanup.push(() => client.close());

  mock.timers.tick(480_000);
  const first = await conn.recv();
  assert.deepEqual([first.type, first.token], ['refresh', 'fresh-1']);
  const told = next(client, 'refresh_failed');
  mock.timers.tick(10_000); // requestTimeoutMs: no answer
  assert.match((await told).reason, /no answer/);
  mock.timers.tick(54_000); // half of the ~110 s left: not yet
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(calls, 1);
  mock.timers.tick(1_000);
  const second = await conn.recv();
  assert.deepEqual([second.type, second.token], ['refresh', 'fresh-2']);
});

test('signed out, token expired and revoked end the client without reconnecting', async () => {
  for (const code of [CLOSE_SIGNED_OUT, CLOSE_TOKEN_EXPIRED, CLOSE_REVOKED]) {
    const server = await startMock();
    cleanup.push(() => server.stop());
    const { client, conn } = await connected(server, 'tok', options());
    const events = record(client, ['reconnecting', 'closed']);
    const closed = next(client, 'closed');
    conn.close(code, 'bye');
    assert.deepEqual(await closed, { code, reason: 'bye' });
    assert.ok(credentialsEnded(code));
    // The decision is taken when the close arrives: no reconnection was started.
    assert.deepEqual(events, [['closed', { code, reason: 'bye' }]], `${code}`);
    await assert.rejects(client.refresh('tok2'), (e) => e.kind === 'closed' && e.closeCode === code);
    assert.equal(server.accepted, 1);
  }
  assert.ok(!credentialsEnded(1000) && !credentialsEnded(4003));
});

test('cookie sign-in: hello carries an empty token', async () => {
  const server = await startMock();
  cleanup.push(() => server.stop());
  for (const [token, extra] of [['', {}], ['', { cookie: true }]]) {
    const { client, hello } = await connected(server, token, options(extra));
    assert.equal(hello.token, '');
    assert.equal(client.tokenExpiresAt, undefined);
    await client.close();
  }
  // With getToken, an empty token means "ask getToken", not the cookie.
  const { client, hello } = await connected(server, '', options({ getToken: async () => 'from-source' }));
  assert.equal(hello.token, 'from-source');
  await client.close();
  await assert.rejects(
    BreakroomClient.connect(server.url, '', options({ cookie: true, getToken: async () => 'x' })),
    TypeError,
  );
  await assert.rejects(BreakroomClient.connect(server.url, 'tok', options({ cookie: true })), TypeError);
});
