// Load driver for the Colyseus peer. One JSON line on stdout.
// node driver.mjs --target state|broadcast --rooms N --participants 12 --hz 15 --seconds S
//                 --url http://127.0.0.1:PORT [--server-pid PID] [--warmup 2] [--grace 1.5]
import { readFileSync } from 'node:fs';
import { performance, monitorEventLoopDelay } from 'node:perf_hooks';
import { Client } from '@colyseus/sdk';
import * as hdr from 'hdr-histogram-js';

const args = Object.fromEntries(process.argv.slice(2).reduce((a, v, i, all) => {
  if (v.startsWith('--')) a.push([v.slice(2), all[i + 1]]);
  return a;
}, []));
const target = args.target ?? 'broadcast';
if (!['state', 'broadcast'].includes(target)) throw new Error('--target state|broadcast');
const ROOMS = Math.min(Number(args.rooms ?? 1), 500);
const PARTS = Math.min(Number(args.participants ?? 12), 100);
const HZ = Math.min(Number(args.hz ?? 15), 120);
const SECONDS = Math.min(Number(args.seconds ?? 5), 120);
const WARMUP = Math.min(Number(args.warmup ?? 2), 30);
const GRACE = Math.min(Number(args.grace ?? 1.5), 10);
const URL_ = args.url ?? 'http://127.0.0.1:2567';
const SPID = args['server-pid'] ? Number(args['server-pid']) : null;
const MEASURE = Math.min(Number(args.measure ?? PARTS + 1), PARTS + 1); // measuring clients per room (facilitator first)
const CONNECT_CONCURRENCY = 32;
const HARD_DEADLINE_MS = (WARMUP + SECONDS + GRACE + 120) * 1000; // connect budget included
const hardTimer = setTimeout(() => { console.error('driver: hard deadline hit'); process.exit(3); }, HARD_DEADLINE_MS);

// ---- keypoint blocks (breakroom layout, BlazePose-33, no depth) ----
// By default the synthesized squat of breakroom-load (src/movement.rs, the same figure and
// motion: a rep every 3 s, 4 reps a pass, sampled at HZ); with BREAKROOM_LOAD_RECORDING=FILE, a
// [frames][33][x, y, z] pixel recording (BREAKROOM_LOAD_RECORDING_GEOMETRY, default
// 720x1280@5), as breakroom-load --recording takes it. Recordings live beside the repository,
// in ../shared/data/pose/; none is in it.
function squatAt(sec) {
  const phase = (sec / 3) % 1;
  const depth = Math.pow(0.5 - 0.5 * Math.cos(2 * Math.PI * phase), 1.2);
  const kneeAngle = 178 - 88 * depth, tilt = 30 * depth, lean = 8 + 35 * depth, arm = 10 + 75 * depth;
  const to = ([x, y], len, deg) => [x + len * Math.sin(deg * Math.PI / 180), y + len * Math.cos(deg * Math.PI / 180)];
  const ankle = [0.52, 0.9];
  const knee = to(ankle, 0.21, 180 - tilt);
  const hip = to(knee, 0.21, -tilt - kneeAngle);
  const shoulder = to(hip, 0.25, 180 - lean);
  const nose = to(shoulder, 0.09, 165 - lean);
  const elbow = to(shoulder, 0.14, arm);
  const wrist = to(elbow, 0.12, arm + 15);
  const head = (dx, dy) => [nose[0] + dx, nose[1] + dy];
  const out = [nose, head(-0.006, -0.012), head(-0.010, -0.013), head(-0.014, -0.013), head(-0.004, -0.012),
    head(-0.007, -0.013), head(-0.010, -0.013), head(-0.035, -0.006), head(-0.030, -0.006), head(-0.004, 0.014),
    head(-0.002, 0.014)];
  const pair = ([x, y], scale) => { out.push([x + 0.015 * scale, y], [x - 0.015 * scale, y]); };
  for (const p of [shoulder, elbow, wrist]) pair(p, 1.5);
  for (const [dx, dy] of [[0.012, 0.022], [0.018, 0.018], [0.008, 0.015]]) {
    const h = to(wrist, dy, arm + 15);
    pair([h[0] + dx * 0.3, h[1]], 1.5);
  }
  for (const p of [hip, knee, ankle, to(ankle, 0.025, -60), to(ankle, 0.07, 80)]) pair(p, 1);
  return out;
}
function normalizedFrames() {
  const file = process.env.BREAKROOM_LOAD_RECORDING;
  if (!file) return Array.from({ length: 12 * HZ }, (_, i) => squatAt(i / HZ));
  const m = /^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)@/.exec(process.env.BREAKROOM_LOAD_RECORDING_GEOMETRY ?? '720x1280@5');
  if (!m) throw new Error('BREAKROOM_LOAD_RECORDING_GEOMETRY is not WIDTHxHEIGHT@FPS');
  let rec;
  try { rec = JSON.parse(readFileSync(file, 'utf8')); } catch (e) {
    throw new Error(`${file}: ${e.message} (recordings live beside the repository in ../shared/data/pose/)`);
  }
  return rec.map((frame) => frame.map(([x, y]) => [x / Number(m[1]), y / Number(m[2])]));
}
const q16 = (v) => Math.round((Math.min(1.25, Math.max(-0.25, v)) + 0.25) / 1.5 * 65535);
const FRAMES = normalizedFrames().map((frame) => {
  const b = new Uint8Array(2 + 33 * 5);
  const dv = new DataView(b.buffer);
  b[0] = 1; b[1] = 0;
  frame.forEach(([x, y], i) => {
    dv.setUint16(2 + i * 5, q16(x), true);
    dv.setUint16(2 + i * 5 + 2, q16(y), true);
    b[2 + i * 5 + 4] = 255; // visibility 1.0
  });
  return b;
});
if (FRAMES[0].length !== 167) throw new Error('bad kp block');

// ---- /proc helpers ----
const TICK_US = 1e6 / 100; // CLK_TCK = 100 on Linux
function cpuUs(pid) {
  if (!pid) return null;
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * TICK_US; // utime, stime
}
function machineJiffies() { // [busy, total] over all CPUs, from /proc/stat
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] || 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return [total - idle, total];
}
function rssBytes(pid) {
  if (!pid) return null;
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : null;
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- measurement state ----
const hist = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120e6, numberOfSignificantValueDigits: 3 });
let winStart = Infinity, winEnd = Infinity;
let delivered = 0, conflated = 0, sentInWindow = 0, errors = 0;
const inWin = (t) => t >= winStart && t < winEnd;
function receipt(t, now) {
  if (!inWin(t)) return;
  delivered++;
  hist.recordValue(Math.max(1, Math.round((now - t) * 1000)));
}

// ---- connect ----
const client = new Client(URL_);
const conns = []; // {room, role, sid}
const participants = []; // {room, idx, next, seq}
const period = 1000 / HZ;

function sink(room) { room.connection.events.onmessage = () => {}; } // reads, never decodes
function attach(room, self) {
  if (target === 'state') {
    const last = new Map();
    room.onStateChange((state) => {
      const now = performance.now();
      state.players?.forEach((p, sid) => {
        if (sid === self || !p.seq) return;
        const prev = last.get(sid) ?? 0;
        if (p.seq > prev) {
          if (prev && inWin(p.t)) conflated += p.seq - prev - 1;
          last.set(sid, p.seq);
          receipt(p.t, now);
        }
      });
    });
  } else {
    const last = new Map();
    room.onMessage('poses', (poses) => {
      const now = performance.now();
      for (const [sid, t, seq] of poses) {
        if (sid === self) continue;
        const prev = last.get(sid) ?? 0;
        if (seq > prev) {
          if (prev && inWin(t)) conflated += seq - prev - 1;
          last.set(sid, seq);
          receipt(t, now);
        }
      }
    });
    room.onMessage('cue', () => {});
    room.onMessage('scores', () => {});
  }
  room.onError(() => { errors++; });
  room.onLeave(() => {});
}

const rssBase = rssBytes(SPID);
const connStart = performance.now();
const roomIds = [];
// facilitators first (they create the rooms), then participants join by id
const facTasks = Array.from({ length: ROOMS }, (_, r) => async () => {
  const room = await client.create(target, { role: 'facilitator' });
  attach(room, room.sessionId);
  roomIds[r] = room.roomId;
  conns.push({ room, role: 'facilitator', r });
});
async function runPool(tasks) {
  let i = 0;
  await Promise.all(Array.from({ length: Math.min(CONNECT_CONCURRENCY, tasks.length) }, async () => {
    while (i < tasks.length) { const t = tasks[i++]; try { await t(); } catch (e) { errors++; console.error('connect error', e?.message ?? e); } }
  }));
}
await runPool(facTasks);
const partTasks = [];
for (let r = 0; r < ROOMS; r++) for (let k = 0; k < PARTS; k++) partTasks.push(async () => {
  const room = await client.joinById(roomIds[r], { role: 'participant' });
  const measuring = k < MEASURE - 1;
  if (measuring) attach(room, room.sessionId); else sink(room);
  conns.push({ room, role: 'participant', r });
  participants.push({ room, seq: 0, next: 0, frame: Math.floor(Math.random() * FRAMES.length), measuring, sent: 0 });
});
await runPool(partTasks);
const connMs = performance.now() - connStart;
const totalConns = conns.length;
await sleep(500);
const rssIdle = rssBytes(SPID);

// ---- open-loop send schedule ----
const t0 = performance.now() + 50;
for (const p of participants) p.next = t0 + Math.random() * period; // random phase per participant
const sendEnd = t0 + (WARMUP + SECONDS) * 1000;
winStart = t0 + WARMUP * 1000;
winEnd = sendEnd;
let cueTimer = 0, lastCue = 0, lastRep = 0;
const sched = setInterval(() => {
  const now = performance.now();
  for (const p of participants) {
    while (p.next <= now && p.next < sendEnd) {
      const t = p.next;
      p.seq++;
      p.frame = (p.frame + 1) % FRAMES.length;
      p.room.send('pose', { t, seq: p.seq, kp: FRAMES[p.frame] });
      if (inWin(t)) { sentInWindow++; p.sent++; }
      p.next += period;
    }
  }
  if (now - lastCue > 2000) { // facilitator cue timeline + some reps, light control traffic
    lastCue = now;
    for (const c of conns) if (c.role === 'facilitator') c.room.send('cue', { kind: 'squat', at: Date.now() + 3000 });
  }
  if (now - lastRep > 3000) {
    lastRep = now;
    for (const p of participants) p.room.send('rep', {});
  }
}, 2);

// CPU window: server and driver
await sleep(Math.max(0, winStart - performance.now()));
const eld = monitorEventLoopDelay({ resolution: 5 }); eld.enable();
const m0 = machineJiffies();
const sCpu0 = cpuUs(SPID); const dCpu0 = process.cpuUsage(); const w0 = performance.now();
await sleep(Math.max(0, winEnd - performance.now()));
const sCpu1 = cpuUs(SPID); const m1 = machineJiffies(); const dCpu1 = process.cpuUsage(dCpu0); const w1 = performance.now();
const rssActive = rssBytes(SPID);
eld.disable();
clearInterval(sched);
await sleep(GRACE * 1000); // let in-window frames arrive

const recipientsPerSkeleton = PARTS; // the facilitator + the other PARTS-1 participants
// measured receipts expected: each skeleton reaches the MEASURE measuring clients, minus its sender if it measures
let expected = 0;
for (const p of participants) expected += p.sent * (MEASURE - (p.measuring ? 1 : 0));
const fullExpected = sentInWindow * recipientsPerSkeleton;
const sampled = MEASURE < PARTS + 1;
// with sampling, estimate all deliveries from the measured fraction
const deliveredAll = sampled ? (expected ? delivered / expected : 0) * fullExpected : delivered;
const winS = (w1 - w0) / 1000;
const serverCpu = sCpu0 != null ? sCpu1 - sCpu0 : null;
const out = {
  target: `colyseus-${target}`, rooms: ROOMS, participants: PARTS, hz: HZ, seconds: SECONDS,
  delivered_per_s: +(deliveredAll / SECONDS).toFixed(1),
  expected_per_s: ROOMS * PARTS * HZ * recipientsPerSkeleton,
  delivery_fraction: +(expected ? delivered / expected : 0).toFixed(5),
  conflated_fraction: +(expected ? conflated / expected : 0).toFixed(5), // skipped (latest-wins) frames
  latency_us: { p50: hist.getValueAtPercentile(50), p99: hist.getValueAtPercentile(99), p999: hist.getValueAtPercentile(99.9), max: hist.maxValue },
  cpu_us_per_1000: serverCpu != null && deliveredAll ? Math.round(serverCpu / deliveredAll * 1000) : null,
  server_cpu_fraction: serverCpu != null ? +(serverCpu / (winS * 1e6)).toFixed(3) : null,
  driver_loop_delay_p99_ms: +(eld.percentile(99) / 1e6).toFixed(1),
  driver_cpu_fraction: +((dCpu1.user + dCpu1.system) / (winS * 1e6)).toFixed(3),
  machine_cpu_cores_busy: +((m1[0] - m0[0]) / (winS * 100)).toFixed(2),
  other_cpu_cores_busy: +((m1[0] - m0[0]) / (winS * 100) - (serverCpu ?? 0) / (winS * 1e6) - (dCpu1.user + dCpu1.system) / (winS * 1e6)).toFixed(2),
  loadavg_1m: Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]),
  rss_idle_per_conn_bytes: rssBase != null ? Math.round((rssIdle - rssBase) / totalConns) : null,
  rss_per_participant_bytes: rssBase != null ? Math.round((rssActive - rssBase) / (ROOMS * PARTS)) : null,
  rss_server_bytes: rssActive,
  connect_per_s: +(totalConns / (connMs / 1000)).toFixed(1),
  connections: totalConns, errors,
  measured_clients_per_room: MEASURE, measured_receipts: delivered, sampled,
};
console.log(JSON.stringify(out));
for (const c of conns) { try { c.room.leave(true); } catch {} }
await sleep(300);
clearTimeout(hardTimer);
process.exit(0);
