// The breakroom wire, as far as the tests need it: a minimal facilitator connection (Node side,
// for driving a room created over REST) and the checker for frames a page sends.
import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';

/** Client message types of breakroom.v1 (PROTOCOL.md, "Client messages"; `refresh` renews a
 * connection's access token in band). */
export const CLIENT_TYPES = new Set(['hello', 'join', 'leave', 'pose', 'score', 'ping', 'control', 'reaction', 'refresh']);
/** Valid keypoint block lengths: BlazePose-33 / COCO-17, without / with depth. */
export const KP_LENGTHS = new Set([167, 200, 87, 104]);

/**
 * Checks one WebSocket frame a page sent: binary, ≤ 4096 bytes, one msgpack map with a known
 * client `type`, and no byte string anywhere but `kp` (≤ 200 bytes) of a `pose`.
 * Returns the decoded message; throws with the reason otherwise.
 */
export function checkClientFrame(payload) {
  if (typeof payload === 'string') throw new Error(`text frame sent: ${payload.slice(0, 80)}`);
  const bytes = new Uint8Array(payload);
  if (bytes.length > 4096) throw new Error(`frame of ${bytes.length} bytes (> 4096)`);
  const msg = decode(bytes);
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg) || msg instanceof Uint8Array) {
    throw new Error('frame is not a msgpack map');
  }
  if (!CLIENT_TYPES.has(msg.type)) throw new Error(`unknown client message type ${JSON.stringify(msg.type)}`);
  const walk = (v, path) => {
    if (v instanceof Uint8Array) {
      if (path !== 'kp' || msg.type !== 'pose') throw new Error(`byte string at ${path} in ${msg.type}`);
      if (v.length > 200 || !KP_LENGTHS.has(v.length)) throw new Error(`kp of ${v.length} bytes`);
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${path}[${i}]`));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, path ? `${path}.${k}` : k);
  };
  walk(msg, '');
  return msg;
}

/**
 * A member's connection from Node: hello, join (as facilitator, or as `role`), then
 * `control(action)`. `messages` holds every decoded server message; `waitFor(pred)` resolves on
 * the first match; `closed` with the close code once the server closes the connection.
 */
export async function connectFacilitator(baseUrl, token, room, { timeoutMs = 10000, role = 'facilitator' } = {}) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, 'breakroom.v1');
  ws.binaryType = 'nodebuffer';
  const messages = [];
  const waiters = [];
  let seq = 0;
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    const msg = decode(data);
    messages.push(msg);
    for (const w of [...waiters]) if (w.pred(msg)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(msg); }
  });
  const waitFor = (pred, ms = timeoutMs, what = 'message') => {
    const found = messages.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const w = { pred, resolve: (m) => { clearTimeout(timer); resolve(m); } };
      const timer = setTimeout(() => { waiters.splice(waiters.indexOf(w), 1); reject(new Error(`timed out waiting for ${what}`)); }, ms);
      waiters.push(w);
    });
  };
  const send = (msg) => ws.send(encode(msg));
  /** Resolves with the close code when the server closes the connection. */
  const closed = new Promise((resolve) => ws.once('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  send({ type: 'hello', seq: ++seq, sdk: 'breakroom-e2e', sdk_version: '0.0.0', token });
  await waitFor((m) => m.type === 'welcome' || m.type === 'error', timeoutMs, 'welcome');
  send({ type: 'join', seq: ++seq, room, role, sharing: 'nobody' });
  const snapshot = await waitFor((m) => m.type === 'snapshot' || m.type === 'error', timeoutMs, 'snapshot');
  if (snapshot.type === 'error') throw new Error(`join refused: ${JSON.stringify(snapshot)}`);
  return {
    snapshot,
    messages,
    waitFor,
    closed,
    leave: () => send({ type: 'leave', seq: ++seq }),
    control: (action, target) => send({ type: 'control', seq: ++seq, action, ...(target === undefined ? {} : { target }) }),
    close: () => new Promise((r) => { ws.once('close', r); ws.close(); setTimeout(r, 2000); }),
  };
}
