// The rep counter (the port of rooms/src/detect/counter.rs): a hysteresis state machine over
// zones, capped at the exercise's plausible maximum rate, which also times holds of the target
// pose.
//
// A rep is a full cycle rest → active → rest (or active on one side → active on the other, for
// exercises done to alternate sides). A cycle that starts in the active position (the person
// was already squatting when the stream began) is not counted. Two reps are counted at least
// `minIntervalUs` apart: a rep completed sooner waits (at most two wait; more are dropped), so
// no input can produce more than `elapsed / minInterval + 1` reps.

/** Which side an active position is on: `only` for exercises with a single active position. */
export type Lean = 'only' | 'left' | 'right';

/**
 * Where a frame's smoothed signal falls against the thresholds: past the exit threshold
 * (`rest`), past the enter threshold (`active`), between them (`between`: keep the current
 * state), or `excluded`: the body does something else at the same time (a side bend while the
 * hips drop into a squat): keep the current state; the current stay in the active position no
 * longer completes a rep, and a hold is not timed (it starts again after).
 */
export type Zone = { z: 'rest' } | { z: 'active'; lean: Lean } | { z: 'between' } | { z: 'excluded' };

/** The counter's state. */
export type State = { s: 'unknown' } | { s: 'rest' } | { s: 'active'; lean: Lean };

/**
 * Most completed reps that wait for the minimum interval; further ones are dropped. Two absorb
 * the jitter of an honest pace near the maximum rate (reps detected at frame times).
 */
export const MAX_PENDING = 2;

/**
 * Longest gap between two frames in the target pose that counts fully as time held, µs: a
 * longer gap (the stream stalled, the person left) is credited this much.
 */
export const MAX_HOLD_GAP_US = 1_000_000;

const sameState = (a: State, b: State): boolean =>
  a.s === b.s && (a.s !== 'active' || (b.s === 'active' && a.lean === b.lean));

export class Counter {
  /** Where the person is. */
  state: State = { s: 'unknown' };
  /** The active phase was entered from rest (or from the other side), so leaving it completes a rep. */
  private armed = false;
  /** Completed reps waiting for the minimum interval to pass (at most MAX_PENDING). */
  private pending = 0;
  /** Reps counted. */
  reps = 0;
  /** When the latest rep was counted. */
  private lastRepUs: number | undefined;
  /** Time held in the active position. */
  private heldUs = 0;
  /** Time of the previous observed frame, and whether it was in the active position. */
  private lastSeen: { at: number; active: boolean } | undefined;
  /** When the current stay in the active position began. */
  private runStartUs = 0;
  /** Time held in the current stay, until it reaches `minHoldUs`. */
  private runHeldUs = 0;
  /** Whether the current stay has lasted `minHoldUs`, so counts. */
  private runCounts: boolean;

  /**
   * A counter whose reps are at least `minIntervalUs` apart (a minute over the exercise's
   * maximum rate) and whose active position counts only once held for `minHoldUs` (holds: a
   * squat passing through a wall sit's angle is not a wall sit; 0 for exercises counted in
   * moves).
   */
  constructor(
    readonly minIntervalUs: number,
    readonly minHoldUs: number = 0,
  ) {
    this.runCounts = minHoldUs === 0;
  }

  /**
   * Feeds the zone of a frame whose landmarks were seen, at `tUs` (never earlier than the
   * previous call).
   */
  observe(tUs: number, zone: Zone): void {
    let next: State;
    let completed = false;
    const state = this.state;
    if (zone.z === 'between') {
      next = state;
    } else if (zone.z === 'excluded') {
      this.armed = false;
      next = state;
    } else if (state.s !== 'active' && zone.z === 'rest') {
      next = { s: 'rest' };
    } else if (state.s === 'unknown' && zone.z === 'active') {
      this.armed = false;
      next = { s: 'active', lean: zone.lean };
    } else if (state.s === 'rest' && zone.z === 'active') {
      this.armed = true;
      next = { s: 'active', lean: zone.lean };
    } else if (state.s === 'active' && zone.z === 'rest') {
      next = { s: 'rest' };
      completed = this.armed;
    } else if (state.s === 'active' && zone.z === 'active' && state.lean !== zone.lean) {
      completed = this.armed;
      this.armed = true;
      next = { s: 'active', lean: zone.lean };
    } else {
      next = state;
    }
    if (zone.z === 'excluded') {
      // Nothing of this stay counts: its hold starts again after the exclusion.
      this.state = next;
      this.lastSeen = { at: tUs, active: false };
      this.runStartUs = tUs;
      this.runHeldUs = 0;
      this.runCounts = this.minHoldUs === 0;
      this.flush(tUs);
      return;
    }
    if (completed && this.runCounts) this.pending = Math.min(this.pending + 1, MAX_PENDING);
    const active = next.s === 'active';
    const resumed = this.lastSeen !== undefined && !this.lastSeen.active && sameState(this.state, next);
    if (active && (!sameState(next, this.state) || resumed)) {
      // A new stay in the active position (from rest, or the other side).
      this.runStartUs = tUs;
      this.runHeldUs = 0;
      this.runCounts = this.minHoldUs === 0;
    }
    if (this.lastSeen !== undefined && this.lastSeen.active && active) {
      const gap = Math.min(Math.max(0, tUs - this.lastSeen.at), MAX_HOLD_GAP_US);
      this.runHeldUs += gap;
    }
    if (active && !this.runCounts && Math.max(0, tUs - this.runStartUs) >= this.minHoldUs) {
      this.runCounts = true;
    }
    if (this.runCounts) {
      this.heldUs += this.runHeldUs;
      this.runHeldUs = 0;
    }
    this.state = next;
    this.lastSeen = { at: tUs, active };
    this.flush(tUs);
  }

  /** Counts the waiting rep if the minimum interval has passed at `tUs`. */
  flush(tUs: number): void {
    const due =
      this.lastRepUs === undefined || Math.max(0, tUs - this.lastRepUs) >= this.minIntervalUs;
    if (this.pending > 0 && due) {
      this.pending -= 1;
      this.reps = Math.min(this.reps + 1, 0xffff_ffff);
      this.lastRepUs = tUs;
    }
  }

  /** Milliseconds held in the active position, saturating. */
  heldMs(): number {
    return Math.min(Math.floor(this.heldUs / 1000), 0xffff_ffff);
  }
}
