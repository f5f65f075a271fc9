// NTP-style clock sync (protocol/src/clock.rs, the same estimator tested on the same numbers:
// protocol/vectors/clock.json). A ping's `t0` and its pong's `t3` are on the client's clock,
// the pong's `t1`/`t2` on the server's. One exchange bounds the offset (server minus client)
// from both sides: `t1 − t0 = offset + up` and `t2 − t3 = offset − down`, the one-way delays
// `up`, `down` ≥ 0. ClockSync keeps the samples of the last WINDOW_US of client time (at most
// MAX_SAMPLES) and filters each direction on its own:
//   offset = (min(t1 − t0) + max(t2 − t3)) / 2        (truncated toward zero)
//   uncertainty = min(round trip) / 2                 (half the best network round trip)
// The limit no ping can see: a path slower one way than the other biases every estimate by half
// the difference. `uncertainty` bounds the error only on a path whose delays hold still.

/** One ping/pong exchange, all times in microseconds (t0, t3 on the client's clock). */
export interface Sample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** The local clock in integer µs: `performance.now()` (monotonic), the t0/t3 of every sample. */
export const localMicros = (): number => Math.round(performance.now() * 1000);

/** How much client time the window spans, µs: a sample whose `t3` is more than this before
 * the newest `t3` is dropped. */
export const WINDOW_US = 60_000_000;
/** Most samples the window keeps (the oldest goes first). */
export const MAX_SAMPLES = 256;
/** @deprecated The window is now {@link WINDOW_US} of samples, at most {@link MAX_SAMPLES}. */
export const SAMPLES = MAX_SAMPLES;

/** This sample alone's offset estimate, server clock minus client clock, µs (truncated like
 * the Rust integer division). */
export function sampleOffset(s: Sample): number {
  return Math.trunc((s.t1 - s.t0 + (s.t2 - s.t3)) / 2);
}

/** Network round trip excluding the server's processing time (never negative). */
export function sampleRoundTrip(s: Sample): number {
  const total = Math.max(0, s.t3 - s.t0);
  return Math.max(0, total - Math.max(0, s.t2 - s.t1));
}

/** Estimates the server clock's offset from a window of recent samples, each direction
 * filtered on its own. */
export class ClockSync {
  /** The window, oldest first. */
  private samples: Sample[] = [];
  /** The newest `t3` seen: where the window ends. */
  private latest = 0;

  /** Adds a sample, then drops the samples older than {@link WINDOW_US} before the newest
   * `t3`, and the oldest past {@link MAX_SAMPLES}. */
  add(sample: Sample): void {
    this.latest = Math.max(this.latest, sample.t3);
    this.samples.push(sample);
    const start = Math.max(0, this.latest - WINDOW_US);
    this.samples = this.samples.filter((s) => s.t3 >= start);
    if (this.samples.length > MAX_SAMPLES) this.samples.splice(0, this.samples.length - MAX_SAMPLES);
  }

  /** How many samples the window holds. */
  get size(): number {
    return this.samples.length;
  }

  /** The shortest-round-trip sample of the window (the first of equals), if any. */
  best(): Sample | undefined {
    let best: Sample | undefined;
    for (const s of this.samples) {
      if (best === undefined || sampleRoundTrip(s) < sampleRoundTrip(best)) best = s;
    }
    return best;
  }

  /** Server clock minus client clock, µs (0 before any sample):
   * `(min(t1 − t0) + max(t2 − t3)) / 2` over the window, truncated toward zero. */
  offset(): number {
    if (this.samples.length === 0) return 0;
    let up = Infinity;
    let down = -Infinity;
    for (const s of this.samples) {
      up = Math.min(up, s.t1 - s.t0);
      down = Math.max(down, s.t2 - s.t3);
    }
    return Math.trunc((up + down) / 2);
  }

  /** Half the best network round trip of the window, µs (rounded down); undefined before any
   * sample. On a path whose one-way delays hold still, the true offset is within this of
   * `offset()`; an asymmetric path is invisible to it. */
  uncertainty(): number | undefined {
    const b = this.best();
    return b === undefined ? undefined : Math.floor(sampleRoundTrip(b) / 2);
  }

  /** The round trip of the best sample, in µs. */
  roundTrip(): number | undefined {
    const b = this.best();
    return b === undefined ? undefined : sampleRoundTrip(b);
  }

  /**
   * Whether a sample agrees with the window: every sample bounds the offset to
   * `[t2 − t3, t1 − t0]`, and a sample whose bounds miss the window's `[max(t2 − t3),
   * min(t1 − t0)]` altogether cannot share its clock (a restarted server, another instance).
   * Always true on an empty window.
   */
  agrees(s: Sample): boolean {
    if (this.samples.length === 0) return true;
    let up = Infinity;
    let down = -Infinity;
    for (const w of this.samples) {
      up = Math.min(up, w.t1 - w.t0);
      down = Math.max(down, w.t2 - w.t3);
    }
    return s.t2 - s.t3 <= up && s.t1 - s.t0 >= down;
  }

  toServer(client: number): number {
    return Math.max(0, client + this.offset());
  }

  toClient(server: number): number {
    return Math.max(0, server - this.offset());
  }

  /** Forgets every sample. */
  clear(): void {
    this.samples = [];
    this.latest = 0;
  }
}
