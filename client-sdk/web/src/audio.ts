// Sound cues, in sync across the room: countdown beeps, a "go" tone, beat ticks (Web Audio
// oscillators) and the cue's words in the user's language (short clips the app ships,
// public/audio/{en,sv}/, made with espeak-ng). Every sound is scheduled on the AudioContext's
// clock at the instant the cue names on the server's clock, mapped through the SDK's clock
// sync: never "when the message arrives". The cues are known ahead (`cue` messages, the
// timelines of `phase` and `snapshot`); each is put on the audio clock within LOOKAHEAD_S of
// its instant, with the correspondence of that moment, and put there again if the
// correspondence moves before it sounds (an audio clock that stalls on a loaded device, a
// clock offset that improves). A cue whose instant has passed plays only the part of a clip
// still to come, from where it would be now; a beep that would be late is left out.
//
// The mapping: the SDK gives the `performance.now()` instant of a server time
// (`client.toLocal`); `AudioContext.getOutputTimestamp()` pairs a context time with the
// `performance.now()` instant at which that sample leaves the speakers (output latency
// included). Where it gives nothing (a context not running yet), a correspondence measured
// from `currentTime` and `performance.now()` with the output latency stands in.
//
// For tests, `window.__breakroomAudio` records every sound scheduled: its cue, and the instant
// it was scheduled for, mapped back to server time once it is due through the correspondence of
// that moment (so it shows drift of the audio clock and changes of the clock offset, not just
// the forward mapping undone).

import type { Cue } from './sdk';
import type { Client } from './ui';
import { type Lang, lang, onLang } from './i18n';

/** One sound scheduled, as a test reads it. */
export interface ScheduledSound {
  cue: number;
  kind: Cue['kind'];
  /** `beep`, `go`, `tick` or a clip's name (`en/go`). */
  sound: string;
  /** The cue's instant, server µs. */
  at: number;
  /** AudioContext time it was scheduled for, s. */
  when: number;
  /** Where in the clip it starts, s (> 0 only for a cue that came late). */
  offset: number;
  /** `when` mapped back to server µs once due (undefined until then). */
  server?: number;
}

/** What `window.__breakroomAudio` holds. */
export interface AudioRecord {
  muted: boolean;
  state: AudioContextState | 'none';
  scheduled: ScheduledSound[];
  /** Sounds left out because their instant had passed (cue ids). */
  late: number[];
  /** Sounds moved on the audio clock before they started (the correspondence moved). */
  moved: number;
  /** How context time was last paired with performance.now(). */
  mapping: 'output-timestamp' | 'measured' | 'none';
}

declare global {
  interface Window {
    __breakroomAudio?: AudioRecord;
    webkitAudioContext?: typeof AudioContext;
  }
}

const MUTE_KEY = 'breakroom.muted';
/** A beep later than this is left out. */
const LATE_BEEP_S = 0.03;
/** Cues older than this (µs) are forgotten. */
const FORGET_US = 5_000_000;
/** How far ahead of its instant a cue is put on the audio clock (s). */
const LOOKAHEAD_S = 0.5;
/** How often the planner looks (ms). */
const PLAN_EVERY_MS = 40;
/** A planned sound whose instant moved by more than this (s) before it starts is moved. */
const REPLAN_S = 0.001;
/** Cue kinds with words (the clip's name is the kind). */
const SPOKEN = new Set<Cue['kind']>(['go', 'halfway', 'rest', 'next_up', 'done']);

interface Planned {
  cue: Cue;
  nodes: AudioScheduledSourceNode[];
  /** The context time the cue's instant was mapped to. */
  when: number;
}

/** The page's cue sounds. */
export class CueAudio {
  private ctx: AudioContext | null = null;
  private isMuted: boolean;
  private readonly planned = new Map<number, Planned>();
  /** Cues known and still to come, by id (scheduled again on unmute). */
  private readonly upcoming = new Map<number, Cue>();
  private readonly clips = new Map<string, Promise<AudioBuffer | null>>();
  private readonly record: AudioRecord;
  private settling: number | undefined;
  private planning: number | undefined;
  private unlocked = false;

  private client: Client | null = null;

  constructor(private readonly base = '/audio') {
    this.isMuted = readMuted();
    this.record = { muted: this.isMuted, state: 'none', scheduled: [], late: [], moved: 0, mapping: 'none' };
    window.__breakroomAudio = this.record;
    onLang(() => {
      if (this.ctx) this.preload(lang());
    });
  }

  /** Follows a client's cues: `cue` messages and the timelines of `phase` and `snapshot`. */
  follow(client: Client): void {
    this.client = client;
    client.on('cue', (c) => this.schedule(c));
    client.on('phase', (m) => this.replace(m.timeline));
    client.on('snapshot', (s) => this.replace(s.timeline));
    client.on('closed', () => this.replace([]));
  }

  get muted(): boolean {
    return this.isMuted;
  }

  /**
   * Creates and resumes the AudioContext: call it from a user gesture (the join click), which
   * the browsers' autoplay rules ask for. Safe to call again.
   */
  async unlock(): Promise<void> {
    const ctx = this.context();
    if (!ctx) return;
    if (ctx.state === 'suspended') {
      try {
        await ctx.resume();
      } catch {
        // stays suspended until a gesture
      }
    }
    this.record.state = ctx.state;
    if (this.unlocked) return;
    this.unlocked = true;
    // A silent buffer, played within the gesture, unlocks output on Safari.
    const src = ctx.createBufferSource();
    src.buffer = ctx.createBuffer(1, 1, ctx.sampleRate);
    src.connect(ctx.destination);
    src.start();
    this.preload(lang());
    this.plan();
  }

  /** Mutes or unmutes, and remembers the choice on this device. */
  setMuted(m: boolean): void {
    this.isMuted = m;
    this.record.muted = m;
    try {
      localStorage.setItem(MUTE_KEY, m ? '1' : '0');
    } catch {
      // not kept
    }
    if (m) {
      for (const id of [...this.planned.keys()]) this.cancel(id);
    } else {
      void this.unlock();
    }
  }

  /** Schedules the sounds of `cue` at its instant (once per cue id). */
  schedule(cue: Cue): void {
    const client = this.client;
    if (!client) return;
    // Known cues more than a few seconds old are forgotten (they will never sound).
    const now = client.serverNow();
    if (cue.at < now - FORGET_US) return;
    for (const [id, c] of this.upcoming) if (c.at < now - FORGET_US) this.upcoming.delete(id);
    this.upcoming.set(cue.id, cue);
    this.plan();
  }

  /**
   * Puts the cues due within LOOKAHEAD_S on the audio clock, moves those planned whose
   * instant moved on it, and looks again in PLAN_EVERY_MS while cues are to come.
   */
  private plan(): void {
    window.clearTimeout(this.planning);
    this.planning = undefined;
    const ctx = this.ctx;
    // A context not running (yet) has a clock that stands still: planned when it runs.
    if (this.isMuted || !ctx || ctx.state !== 'running' || !this.client) return;
    for (const cue of this.upcoming.values()) {
      const when = this.contextTime(cue.at);
      const p = this.planned.get(cue.id);
      if (p) {
        if (Math.abs(p.when - when) > REPLAN_S && p.when > ctx.currentTime + 0.01) {
          this.cancel(cue.id);
          this.record.moved++;
          this.start(cue, when);
        }
      } else if (when < ctx.currentTime + LOOKAHEAD_S) {
        this.start(cue, when);
      }
    }
    const ahead = [...this.upcoming.values()].some((c) => this.contextTime(c.at) > ctx.currentTime - 0.01);
    if (ahead) this.planning = window.setTimeout(() => this.plan(), PLAN_EVERY_MS);
  }

  /** Starts the sounds of `cue` at context time `when`. */
  private start(cue: Cue, when: number): void {
    const planned: Planned = { cue, nodes: [], when };
    this.planned.set(cue.id, planned);
    if (cue.kind === 'countdown') this.tone(planned, when, 'beep', 880, 0.12);
    else if (cue.kind === 'beat') this.tone(planned, when, 'tick', 1320, 0.05);
    else if (cue.kind === 'go') this.tone(planned, when, 'go', 1320, 0.3);
    if (SPOKEN.has(cue.kind)) void this.speak(planned, cue);
  }

  /** A `phase` or `snapshot` timeline: cues no longer in it and still to come are cancelled. */
  private replace(timeline: readonly Cue[]): void {
    if (!this.client) return;
    const kept = new Set(timeline.map((c) => c.id));
    const now = this.client.serverNow();
    for (const [id, c] of this.upcoming) {
      if (!kept.has(id) && c.at > now) {
        this.upcoming.delete(id);
        this.cancel(id);
      }
    }
    for (const c of timeline) this.schedule(c);
    this.plan();
  }

  private cancel(id: number): void {
    const p = this.planned.get(id);
    if (!p) return;
    this.planned.delete(id);
    for (const n of p.nodes) {
      try {
        n.stop();
      } catch {
        // not started
      }
    }
    this.record.scheduled = this.record.scheduled.filter((s) => s.cue !== id || s.server !== undefined);
  }

  /** An oscillator tone with a short attack and decay. */
  private tone(p: Planned, when: number, sound: string, hz: number, seconds: number): void {
    const ctx = this.ctx!;
    if (when < ctx.currentTime - LATE_BEEP_S) {
      this.record.late.push(p.cue.id);
      return;
    }
    const start = Math.max(when, ctx.currentTime);
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.type = sound === 'go' ? 'triangle' : 'sine';
    osc.frequency.setValueAtTime(hz, start);
    if (sound === 'go') osc.frequency.linearRampToValueAtTime(hz * 1.5, start + seconds);
    gain.gain.setValueAtTime(0, start);
    gain.gain.linearRampToValueAtTime(0.4, start + 0.005);
    gain.gain.exponentialRampToValueAtTime(0.001, start + seconds);
    osc.connect(gain).connect(ctx.destination);
    osc.start(start);
    osc.stop(start + seconds + 0.01);
    p.nodes.push(osc);
    this.note(p.cue, sound, start, 0);
  }

  /** The cue's words: its clip, and after "next up" the exercise's name. */
  private async speak(p: Planned, cue: Cue): Promise<void> {
    const l = lang();
    const names = [`${l}/${cue.kind}`];
    if (cue.kind === 'next_up' && cue.exercise) names.push(`${l}/ex-${cue.exercise}`);
    const buffers = await Promise.all(names.map((n) => this.clip(n)));
    // Cancelled or muted while loading.
    if (this.planned.get(cue.id) !== p) return;
    const ctx = this.ctx!;
    // Mapped now, not before loading: the clock offset may have improved meanwhile.
    let at = this.contextTime(cue.at);
    p.when = at;
    buffers.forEach((buffer, i) => {
      if (!buffer) return;
      const offset = Math.max(0, ctx.currentTime - at);
      if (offset < buffer.duration) {
        const src = ctx.createBufferSource();
        src.buffer = buffer;
        src.connect(ctx.destination);
        src.start(at + offset, offset);
        p.nodes.push(src);
        this.note(cue, names[i], at + offset, offset);
      } else {
        this.record.late.push(cue.id);
      }
      at += buffer.duration;
    });
  }

  private note(cue: Cue, sound: string, when: number, offset: number): void {
    this.record.scheduled.push({ cue: cue.id, kind: cue.kind, sound, at: cue.at, when, offset });
    this.settle();
  }

  /**
   * Maps each scheduled instant that is now due back to server time, through the
   * correspondence of this moment; runs until none is left.
   */
  private settle(): void {
    if (this.settling !== undefined) return;
    const step = () => {
      this.settling = undefined;
      const ctx = this.ctx;
      const client = this.client;
      if (!ctx || !client) return;
      const [ctxNow, perfNow] = this.correspondence(ctx);
      let pending = false;
      for (const s of this.record.scheduled) {
        if (s.server !== undefined) continue;
        if (s.when > ctx.currentTime + 0.05) {
          pending = true;
          continue;
        }
        const local = perfNow + (s.when - ctxNow) * 1000;
        s.server = Math.round(local * 1000 + client.clockOffset());
      }
      if (pending) this.settling = window.setTimeout(step, 50);
    };
    this.settling = window.setTimeout(step, 50);
  }

  /** The AudioContext time at which a server instant (µs) comes out of the speakers. */
  private contextTime(serverMicros: number): number {
    const [ctxNow, perfNow] = this.correspondence(this.ctx!);
    return ctxNow + (this.client!.toLocal(serverMicros) - perfNow) / 1000;
  }

  /** A pair (context time s, performance.now() ms) of the same instant at the output. */
  private correspondence(ctx: AudioContext): [number, number] {
    const ts = typeof ctx.getOutputTimestamp === 'function' ? ctx.getOutputTimestamp() : undefined;
    if (ts && ts.contextTime !== undefined && ts.performanceTime !== undefined && ts.performanceTime > 0) {
      this.record.mapping = 'output-timestamp';
      return [ts.contextTime, ts.performanceTime];
    }
    // Measured: the sample scheduled at currentTime leaves the speakers after the latencies.
    this.record.mapping = 'measured';
    const latency = (ctx.baseLatency || 0) + (ctx.outputLatency || 0);
    return [ctx.currentTime, performance.now() + latency * 1000];
  }

  private context(): AudioContext | null {
    if (this.ctx) return this.ctx;
    const Ctor = window.AudioContext ?? window.webkitAudioContext;
    if (!Ctor) return null;
    this.ctx = new Ctor({ latencyHint: 'interactive' });
    this.ctx.addEventListener('statechange', () => {
      this.record.state = this.ctx?.state ?? 'none';
      if (this.ctx?.state === 'running') this.plan();
    });
    this.record.state = this.ctx.state;
    return this.ctx;
  }

  private preload(l: Lang): void {
    for (const k of SPOKEN) void this.clip(`${l}/${k}`);
  }

  /** A clip, fetched and decoded once (null when missing or undecodable: no words, no error). */
  private clip(name: string): Promise<AudioBuffer | null> {
    let p = this.clips.get(name);
    if (!p) {
      const ctx = this.ctx!;
      p = fetch(`${this.base}/${name}.mp3`)
        .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(new Error(`${r.status}`))))
        .then((b) => ctx.decodeAudioData(b))
        .catch(() => null);
      this.clips.set(name, p);
    }
    return p;
  }
}

function readMuted(): boolean {
  try {
    return localStorage.getItem(MUTE_KEY) === '1';
  } catch {
    return false;
  }
}
