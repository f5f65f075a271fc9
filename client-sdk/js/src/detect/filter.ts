// Single-frame landmark outliers, rejected before any angle is measured: the port of
// rooms/src/detect/filter.rs.
//
// Trackers glitch: one landmark jumps a fifth of the image away for a frame or two and comes
// back, or, in a side view, the left and right legs trade labels for a frame. Either bends a
// knee angle far enough to count a rep that was not there. Two corrections run on the legs and
// shoulders (the landmarks every lower-body signal uses) before the signals are measured:
//
// 1. Leg swap: when the legs' landmarks sit much closer to the *other* side's previous
//    positions than to their own, the frame's legs are swapped back.
// 2. Velocity gate: a landmark farther from its previous accepted position than a body can
//    move in the time between the frames (`GATE_TORSO + GATE_TORSO_PER_S × dt` torso lengths)
//    is an outlier: the previous position stands in for it. A landmark that stays away for
//    more than MAX_REJECTED frames in a row has really moved, and is accepted.
//
// After a gap of RESET_GAP_US without frames, everything is accepted afresh. The filter keeps
// the last accepted position of the twelve landmarks it watches, in memory, replaced at every
// frame: never stored, never sent.

import { LEG, type Part, type Point, type Pose, SIDES, SLOTS, distance, midpoint, slot } from './pose.js';

/** The gate's fixed part, in torso lengths: what a landmark may move between two frames however close together. */
const GATE_TORSO = 0.35;
/** The gate's growth with the time between frames, in torso lengths per second. */
const GATE_TORSO_PER_S = 2.5;
/** Most frames in a row a landmark is held at its previous position. */
export const MAX_REJECTED = 2;
/** A gap after which the previous positions are forgotten, in µs. */
export const RESET_GAP_US = 500_000;
/** A swap is undone only when it fits at most this share of the unswapped legs' movement... */
const SWAP_RATIO = 0.5;
/**
 * ... and when the unswapped legs moved at least this many torso lengths (two legs seen on
 * top of each other, in a side view, fit either way).
 */
const SWAP_MIN_TORSO = 0.3;

/** The landmarks watched: shoulders and the legs. */
const WATCHED: readonly Part[] = ['shoulder', 'hip', 'knee', 'ankle', 'heel', 'foot_index'];

/** The previous frame's accepted positions and how long each has been held. */
export class Filter {
  /** Per slot: the last accepted point, and how many frames in a row it stood in. */
  private last: ([Point, number] | undefined)[] = new Array<[Point, number] | undefined>(SLOTS).fill(undefined);
  /** Time of the previous frame. */
  private atUs: number | undefined;

  reset(): void {
    this.last.fill(undefined);
    this.atUs = undefined;
  }

  /** Corrects the frame at `tUs` (never earlier than the previous one) in place. */
  apply(tUs: number, pose: Pose): void {
    const dtUs = this.atUs === undefined ? undefined : Math.max(0, tUs - this.atUs);
    this.atUs = tUs;
    const scale = dtUs !== undefined && dtUs <= RESET_GAP_US ? this.torso() : undefined;
    if (scale === undefined) {
      // Nothing to compare with: accept the frame as it is.
      this.remember(pose);
      return;
    }
    const dtS = (dtUs ?? 0) / 1e6;
    if (this.swapped(pose, scale)) pose.swapLegs();
    const gate = scale * (GATE_TORSO + GATE_TORSO_PER_S * dtS);
    const slots = pose.slots;
    for (const part of WATCHED) {
      for (const side of SIDES) {
        const i = slot(part, side);
        const now = slots[i];
        // Unseen: the previous position stays for when it comes back.
        if (now === undefined) continue;
        const before = this.last[i];
        if (before === undefined) {
          // Seen for the first time: nothing to compare with.
          this.last[i] = [now[0], 0];
          continue;
        }
        const [point, visibility] = now;
        const [previous, held] = before;
        if (distance(point, previous) > gate && held < MAX_REJECTED) {
          slots[i] = [previous, visibility];
          this.last[i] = [previous, held + 1];
        } else {
          this.last[i] = [point, 0];
        }
      }
    }
  }

  /** Remembers every watched landmark of a frame accepted as it is. */
  private remember(pose: Pose): void {
    for (const part of WATCHED) {
      for (const side of SIDES) {
        const got = pose.get(part, side);
        this.last[slot(part, side)] = got === undefined ? undefined : [got[0], 0];
      }
    }
  }

  /** The previous frame's torso length (shoulders' midpoint to hips' midpoint). */
  private torso(): number | undefined {
    const mid = (part: Part): Point | undefined => {
      const l = this.last[slot(part, 'left')];
      const r = this.last[slot(part, 'right')];
      return l === undefined || r === undefined ? undefined : midpoint(l[0], r[0]);
    };
    const s = mid('shoulder');
    const h = mid('hip');
    if (s === undefined || h === undefined) return undefined;
    const length = distance(s, h);
    return length > 0.01 ? length : undefined;
  }

  /** Whether the frame's legs fit the previous ones far better swapped. */
  private swapped(pose: Pose, scale: number): boolean {
    let keep = 0;
    let swap = 0;
    let pairs = 0;
    for (const part of LEG.slice(1)) {
      const l = pose.get(part, 'left');
      const r = pose.get(part, 'right');
      const bl = this.last[slot(part, 'left')];
      const br = this.last[slot(part, 'right')];
      if (l && r && bl && br) {
        keep += distance(l[0], bl[0]) + distance(r[0], br[0]);
        swap += distance(l[0], br[0]) + distance(r[0], bl[0]);
        pairs += 1;
      }
    }
    return pairs >= 2 && keep > SWAP_MIN_TORSO * scale && swap < SWAP_RATIO * keep;
  }
}
