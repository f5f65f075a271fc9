// Time-aware exponential smoothing (the port of rooms/src/detect/smooth.rs): the weight of a
// new sample depends on the time since the previous one, so the same time constant smooths a
// 5 Hz and a 30 Hz stream alike, and after a gap the smoothed value catches up with the first
// new sample at once.

/**
 * Weight of a new sample `dtUs` after the previous one, for a time constant `tauUs`:
 * `1 - exp(-dt / tau)`, 0 for no time and close to 1 after several time constants.
 */
export function weight(dtUs: number, tauUs: number): number {
  if (tauUs === 0) return 1;
  return 1 - Math.exp(-dtUs / tauUs);
}

/** An exponential moving average of a few scalars sampled together. */
export class Ema {
  /** The smoothed values and the time of the last sample; undefined before the first. */
  private last: { values: number[]; at: number } | undefined;

  constructor(private readonly tauUs: number) {}

  /**
   * Adds a sample taken at `tUs` (never earlier than the previous one) and returns the
   * smoothed values.
   */
  update(tUs: number, sample: readonly number[]): number[] {
    let values: number[];
    if (this.last === undefined) {
      values = sample.slice();
    } else {
      const w = weight(Math.max(0, tUs - this.last.at), this.tauUs);
      values = this.last.values.map((v, i) => v + w * (sample[i]! - v));
    }
    this.last = { values, at: tUs };
    return values;
  }

  /** The smoothed values, if any sample came. */
  value(): number[] | undefined {
    return this.last?.values;
  }

  reset(): void {
    this.last = undefined;
  }
}

/**
 * An exponential moving average of scalars that are not all seen in every frame: a NaN sample
 * is missing, and leaves its value as it was. Each value keeps its own time, so one seen again
 * after a gap takes the new sample at once.
 */
export class Sparse {
  /** The smoothed values (NaN before the first sample)... */
  private values: number[];
  /** ... and the time of each one's last sample. */
  private at: number[];

  constructor(
    private readonly n: number,
    private readonly tauUs: number,
  ) {
    this.values = new Array<number>(n).fill(NaN);
    this.at = new Array<number>(n).fill(0);
  }

  /**
   * Adds the samples taken at `tUs` (never earlier than the previous one; NaN where missing)
   * and returns the smoothed values (NaN where never seen).
   */
  update(tUs: number, sample: readonly number[]): number[] {
    const out = new Array<number>(this.n).fill(NaN);
    for (let i = 0; i < this.n; i++) {
      const s = sample[i]!;
      if (Number.isFinite(s)) {
        const value = this.values[i]!;
        this.values[i] = Number.isFinite(value)
          ? value + weight(Math.max(0, tUs - this.at[i]!), this.tauUs) * (s - value)
          : s;
        this.at[i] = tUs;
      }
      out[i] = this.values[i]!;
    }
    return out;
  }

  reset(): void {
    this.values.fill(NaN);
    this.at.fill(0);
  }
}

/** Time constant of a baseline moving towards rest. */
const BASELINE_FAST_TAU_US = 500_000;
/** Time constant of a baseline drifting away from rest while the person rests. */
const BASELINE_SLOW_TAU_US = 10_000_000;

/**
 * The resting level of a signal whose rest position differs between people and cameras (how
 * high the heels sit, how far the shoulders hang below the nose).
 *
 * The baseline follows the signal quickly when it moves towards rest (past the baseline) and
 * slowly otherwise, and only while the person is at rest: movement away from rest is what the
 * detector measures against it.
 */
export class Baseline {
  /** The level and the time of the last sample; undefined before the first. */
  private last: { base: number; at: number } | undefined;

  /**
   * `restIsHigh`: whether rest is the high side of the signal (`true`) or the low side;
   * `driftTauUs`: the time constant of the drift away from rest while resting.
   */
  constructor(
    private readonly restIsHigh: boolean,
    private readonly driftTauUs: number = BASELINE_SLOW_TAU_US,
  ) {}

  /** The level, if any sample came. */
  value(): number | undefined {
    return this.last?.base;
  }

  /**
   * Feeds a smoothed sample; `resting` says whether the detector is at rest (or has not seen a
   * movement yet). Returns the baseline.
   */
  update(tUs: number, sample: number, resting: boolean): number {
    let base: number;
    if (this.last === undefined) {
      base = sample;
    } else {
      const prev = this.last.base;
      const towardsRest = this.restIsHigh ? sample > prev : sample < prev;
      const dt = Math.max(0, tUs - this.last.at);
      const w = towardsRest
        ? weight(dt, BASELINE_FAST_TAU_US)
        : resting
          ? weight(dt, this.driftTauUs)
          : 0;
      base = prev + w * (sample - prev);
    }
    this.last = { base, at: tUs };
    return base;
  }

  reset(): void {
    this.last = undefined;
  }
}

/** Time constant of the resting level of a tilt. */
const LEVEL_TAU_US = 3_000_000;

/**
 * The resting level of a signal measured either side of it (a tilt: a person's shoulders or
 * head are rarely level at rest, and a camera may be rolled): a slow average of the signal
 * while the person rests, still while they move.
 */
export class Level {
  /** The level and the time of the last sample; undefined before the first. */
  private last: { level: number; at: number } | undefined;

  /** The level, if any sample came. */
  value(): number | undefined {
    return this.last?.level;
  }

  /**
   * Feeds a smoothed sample; `resting` says whether the detector is at rest (or has not seen a
   * movement yet). Returns the level.
   */
  update(tUs: number, sample: number, resting: boolean): number {
    let level: number;
    if (this.last === undefined) {
      level = sample;
    } else if (!resting) {
      level = this.last.level;
    } else {
      const prev = this.last.level;
      level = prev + weight(Math.max(0, tUs - this.last.at), LEVEL_TAU_US) * (sample - prev);
    }
    this.last = { level, at: tUs };
    return level;
  }

  reset(): void {
    this.last = undefined;
  }
}
