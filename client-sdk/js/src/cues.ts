// The cues a client holds and when each is due (PROTOCOL.md "Cues"), as in the Rust SDK's
// `CueSchedule` (client-sdk/src/cues.rs). It touches no DOM and reads no clock itself: time
// comes from a `CueClock`, so tests run it on a fake one.
//
// The rule: a cue that is due is never silently dropped, however late the page's timers run.
// - Cues are delivered in one order: by `at`, then by `id` (the server gives cues at one
//   instant increasing ids in their logical order: `rest` before `next_up`). Every cue due at
//   one moment comes in a single call, in that order.
// - One timer, for the earliest held cue. When it fires (however late), every held cue whose
//   instant has passed is delivered.
// - A `timeline` (snapshot or phase) replaces the held cues, but a held cue missing from it
//   whose instant has passed (on the server clock now, or at the new phase's `since`, whichever
//   is later) was due before the change: it is delivered at once, not dropped. Only cues still
//   to come are cancelled (pause, skip, end). A cue of the new timeline that is already due
//   (the message was handled late) is delivered at once too.
// - A cue received after its instant is delivered at once, with the others due; the caller
//   sees how late it is from the `now` it is handed.

import type { Cue, PhaseState } from './types.js';

/** The clock a {@link CueSchedule} runs on. */
export interface CueClock {
  /** The server's clock now, in µs. */
  now(): number;
  /** Calls `cb` at a server instant (or later, on a busy thread); returns a function that cancels. */
  at(serverMicros: number, cb: () => void): () => void;
}

/** Called with the cues that became due, in {@link cueOrder}, and the server time now (µs). */
export type CuesDue = (cues: Cue[], now: number) => void;

/** The order in which cues are delivered: by `at`, then by `id`. */
export function cueOrder(a: Cue, b: Cue): number {
  return a.at - b.at || a.id - b.id;
}

/** The cues still to come, and a timer that delivers each as soon as it is due. */
export class CueSchedule {
  private held = new Map<number, Cue>();
  private cancel: (() => void) | null = null;
  private armedAt = Infinity;

  constructor(
    private readonly clock: CueClock,
    private readonly onDue: CuesDue,
  ) {}

  /** A `cue` message: held until its instant (one with an id already held replaces it). */
  add(cue: Cue): void {
    this.held.set(cue.id, cue);
    this.flush([]);
  }

  /**
   * The `timeline` of a `snapshot` or `phase` message (with its `phase`): replaces the cues
   * held, except those already due, which are delivered now.
   */
  replace(timeline: readonly Cue[], phase?: Pick<PhaseState, 'since'>): void {
    const cutoff = Math.max(this.clock.now(), phase?.since ?? 0);
    const kept = new Set(timeline.map((c) => c.id));
    const overdue = [...this.held.values()].filter((c) => c.at <= cutoff && !kept.has(c.id));
    this.held = new Map(timeline.map((c) => [c.id, c]));
    this.flush(overdue);
  }

  /** Forgets every held cue (nothing is delivered). */
  clear(): void {
    this.held.clear();
    this.disarm();
  }

  /** The cues held, in delivery order. */
  pending(): Cue[] {
    return [...this.held.values()].sort(cueOrder);
  }

  /** Delivers `overdue` and every held cue due now, then sets the timer for the next one. */
  private flush(overdue: Cue[]): void {
    const now = this.clock.now();
    const due = overdue;
    for (const c of this.held.values()) {
      if (c.at <= now) {
        due.push(c);
        this.held.delete(c.id);
      }
    }
    this.arm();
    if (due.length > 0) this.onDue(due.sort(cueOrder), now);
  }

  private arm(): void {
    let next = Infinity;
    for (const c of this.held.values()) next = Math.min(next, c.at);
    if (next === this.armedAt) return;
    this.disarm();
    if (next === Infinity) return;
    this.armedAt = next;
    this.cancel = this.clock.at(next, () => {
      this.cancel = null;
      this.armedAt = Infinity;
      this.flush([]);
    });
  }

  private disarm(): void {
    this.cancel?.();
    this.cancel = null;
    this.armedAt = Infinity;
  }
}
