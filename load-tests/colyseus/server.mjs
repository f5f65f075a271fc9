// Colyseus 0.18 comparison peer for breakroom's skeleton relay.
// Two room types:
//   state     - the documented way: each player's latest skeleton lives in the synchronized
//               room state (MapSchema<Player>), patched at the tick rate (only what changed goes
//               out); cue timeline + scoreboard in state.
//   broadcast - plain messages: store each client's latest skeleton, and on each simulation
//               tick broadcast('poses', [...skeletons that changed since the last tick]).
// The tick is 30 Hz, as breakroom's, unless TICK_HZ or the second argument says otherwise.
// Usage: node server.mjs [PORT] [TICK_HZ]   (or PORT=..., TICK_HZ=...); listens on 127.0.0.1 only.
import { Server, Room } from '@colyseus/core';
import { WebSocketTransport } from '@colyseus/ws-transport';
import { schema, t } from '@colyseus/schema';

const HZ = Number(process.argv[3] ?? process.env.TICK_HZ ?? 30);

const Player = schema({
  kp: t.string(),      // keypoint block (167 bytes, breakroom layout) as base64
  t: t.float64(),      // capture (scheduled send) time, driver clock, ms
  seq: t.uint32(),     // frame number
});
const Cue = schema({ kind: t.string(), at: t.float64() });
const Score = schema({ reps: t.uint32(), points: t.uint32() });
const State = schema({
  players: t.map(Player),
  cues: t.array(Cue),
  scoreboard: t.map(Score),
});

class StateRoom extends Room {
  state = new State();
  onCreate() {
    this.setPatchRate(1000 / HZ);
    this.onMessage('pose', (client, m) => {
      const p = this.state.players.get(client.sessionId);
      if (!p) return;
      p.kp = Buffer.from(m.kp).toString('base64');
      p.t = m.t;
      p.seq = m.seq;
    });
    this.onMessage('cue', (client, m) => {
      if (client.userData?.role !== 'facilitator') return;
      if (this.state.cues.length >= 64) this.state.cues.shift();
      this.state.cues.push(new Cue({ kind: String(m.kind), at: Number(m.at) }));
    });
    this.onMessage('rep', (client) => {
      const s = this.state.scoreboard.get(client.sessionId);
      if (s) { s.reps += 1; s.points += 10; }
    });
  }
  onJoin(client, options) {
    client.userData = { role: options?.role === 'facilitator' ? 'facilitator' : 'participant' };
    if (client.userData.role === 'participant') {
      this.state.players.set(client.sessionId, new Player({ kp: '', t: 0, seq: 0 }));
      this.state.scoreboard.set(client.sessionId, new Score({ reps: 0, points: 0 }));
    }
  }
  onLeave(client) {
    this.state.players.delete(client.sessionId);
    this.state.scoreboard.delete(client.sessionId);
  }
}

class BroadcastRoom extends Room {
  latest = new Map(); // sessionId -> [sessionId, t, seq, kp]
  dirty = new Set();
  scores = new Map();
  onCreate() {
    this.onMessage('pose', (client, m) => {
      this.latest.set(client.sessionId, [client.sessionId, m.t, m.seq, m.kp]);
      this.dirty.add(client.sessionId);
    });
    this.onMessage('cue', (client, m) => {
      if (client.userData?.role !== 'facilitator') return;
      this.broadcast('cue', { kind: String(m.kind), at: Number(m.at) });
    });
    this.onMessage('rep', (client) => {
      const s = this.scores.get(client.sessionId) ?? { reps: 0, points: 0 };
      s.reps += 1; s.points += 10;
      this.scores.set(client.sessionId, s);
      this.broadcast('scores', Object.fromEntries(this.scores));
    });
    this.setSimulationInterval(() => {
      if (this.dirty.size === 0) return;
      const poses = [];
      for (const id of this.dirty) { const l = this.latest.get(id); if (l) poses.push(l); }
      this.dirty.clear();
      this.broadcast('poses', poses);
    }, 1000 / HZ);
  }
  onJoin(client, options) {
    client.userData = { role: options?.role === 'facilitator' ? 'facilitator' : 'participant' };
  }
  onLeave(client) {
    this.latest.delete(client.sessionId);
    this.dirty.delete(client.sessionId);
    this.scores.delete(client.sessionId);
  }
}

const port = Number(process.argv[2] ?? process.env.PORT ?? 2567);
const server = new Server({ transport: new WebSocketTransport({ perMessageDeflate: false }), greet: false });
server.define('state', StateRoom);
server.define('broadcast', BroadcastRoom);
await server.listen(port, '127.0.0.1');
console.log(`colyseus listening on http://127.0.0.1:${port}`);

