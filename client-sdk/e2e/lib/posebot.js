// A participant with no browser and no camera: joins a room from Node and streams a synthetic
// BlazePose-33 body raising and lowering its arms (a plausible body, so the server relays it),
// for tests of the pages that draw others' skeletons.
import { decode, encode } from '@msgpack/msgpack';
import WebSocket from 'ws';

const COORD_MIN = -0.25;
const COORD_MAX = 1.25;
const f32 = Math.fround;
const roundAway = (v) => (v < 0 ? -Math.round(-v) : Math.round(v));
const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
const quantize = (c) => roundAway(f32(f32(f32(clamp(f32(c), COORD_MIN, COORD_MAX) - COORD_MIN) / f32(COORD_MAX - COORD_MIN)) * 65535));

/** A BlazePose-33 keypoint block without depth (PROTOCOL.md "Keypoint block"). */
export function packBlaze(landmarks) {
  const out = new Uint8Array(2 + 33 * 5);
  out[0] = 1;
  out[1] = 0;
  landmarks.forEach((l, i) => {
    const o = 2 + i * 5;
    const x = quantize(l.x);
    const y = quantize(l.y);
    out[o] = x & 0xff;
    out[o + 1] = x >> 8;
    out[o + 2] = y & 0xff;
    out[o + 3] = y >> 8;
    out[o + 4] = 255;
  });
  return out;
}

/** A body facing the camera, arms raised by `lift` (0 down … 1 overhead), moved right by `dx`. */
export function armsBody(lift, dx = 0) {
  const p = Array.from({ length: 33 }, () => ({ x: 0.5, y: 0.5 }));
  const set = (i, x, y) => { p[i] = { x: x + dx, y }; };
  set(0, 0.5, 0.2);
  for (const [i, x] of [[1, 0.51], [2, 0.52], [3, 0.53], [4, 0.49], [5, 0.48], [6, 0.47]]) set(i, x, 0.185);
  set(7, 0.545, 0.195); set(8, 0.455, 0.195); set(9, 0.515, 0.22); set(10, 0.485, 0.22);
  const a = 0.15 + lift * 2.8; // arm angle from hanging
  for (const [side, sign] of [[0, 1], [1, -1]]) {
    const sx = 0.5 + sign * 0.09;
    const sy = 0.32;
    const ex = sx + sign * Math.sin(a) * 0.14;
    const ey = sy + Math.cos(a) * 0.14;
    const wx = ex + sign * Math.sin(a) * 0.13;
    const wy = ey + Math.cos(a) * 0.13;
    set(11 + side, sx, sy);
    set(13 + side, ex, ey);
    set(15 + side, wx, wy);
    for (const k of [17, 19, 21]) set(k + side, wx + sign * Math.sin(a) * 0.03, wy + Math.cos(a) * 0.03);
    set(23 + side, 0.5 + sign * 0.055, 0.58);
    set(25 + side, 0.5 + sign * 0.06, 0.75);
    set(27 + side, 0.5 + sign * 0.065, 0.91);
    set(29 + side, 0.5 + sign * 0.065, 0.93);
    set(31 + side, 0.5 + sign * 0.085, 0.94);
  }
  return p;
}

/**
 * Joins `room` as a participant sharing with the room and sends a pose every `everyMs`, the
 * arms going up and down once every 2 s. Returns { stop(), sent() }.
 */
export async function startPoseBot(baseUrl, token, room, { everyMs = 100, dx = 0 } = {}) {
  const ws = new WebSocket(`${baseUrl.replace(/^http/, 'ws')}/v1/ws`, 'breakroom.v1');
  ws.binaryType = 'nodebuffer';
  const messages = [];
  let wake = null;
  ws.on('message', (data, isBinary) => {
    if (!isBinary) return;
    messages.push(decode(data));
    wake?.();
  });
  const waitFor = async (pred, what) => {
    const end = Date.now() + 10000;
    for (;;) {
      const m = messages.find(pred);
      if (m) return m;
      if (Date.now() > end) throw new Error(`pose bot: timed out waiting for ${what}`);
      await new Promise((r) => { wake = r; setTimeout(r, 200); });
    }
  };
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  ws.send(encode({ type: 'hello', seq: 1, sdk: 'breakroom-e2e-posebot', sdk_version: '0.0.0', token }));
  const welcome = await waitFor((m) => m.type === 'welcome' || m.type === 'error', 'welcome');
  if (welcome.type === 'error') throw new Error(`pose bot: hello refused: ${JSON.stringify(welcome)}`);
  // The server's clock, from the welcome: good to well within the 1 s window a pose must meet.
  const offsetUs = Number(welcome.server_time) - Date.now() * 1000;
  ws.send(encode({ type: 'join', seq: 2, room, role: 'participant', sharing: 'room' }));
  const snap = await waitFor((m) => m.type === 'snapshot' || (m.type === 'error' && m.seq === 2), 'snapshot');
  if (snap.type === 'error') throw new Error(`pose bot: join refused: ${JSON.stringify(snap)}`);
  let sent = 0;
  const start = Date.now();
  const timer = setInterval(() => {
    if (ws.readyState !== WebSocket.OPEN) return;
    const u = ((Date.now() - start) / 2000) % 1;
    const lift = (1 - Math.cos(2 * Math.PI * u)) / 2;
    const t = BigInt(Math.round(Date.now() * 1000 + offsetUs));
    ws.send(encode({ type: 'pose', t, kp: packBlaze(armsBody(lift, dx)) }, { useBigInt64: true }));
    sent++;
  }, everyMs);
  return {
    you: snap.you,
    sent: () => sent,
    messages,
    /** Leaves the room (others see it at once) and closes. */
    stop: () => new Promise((r) => {
      clearInterval(timer);
      ws.once('close', r);
      if (ws.readyState === WebSocket.OPEN) ws.send(encode({ type: 'leave', seq: 3 }));
      ws.close();
      setTimeout(r, 2000);
    }),
  };
}
