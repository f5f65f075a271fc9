// NTP-style clock sync (protocol/src/clock.rs): keep the last 8 ping/pong samples and trust
// the one with the shortest round trip.

/** One ping/pong exchange, all times in microseconds (t0, t3 on the client's clock). */
export interface Sample {
  t0: number;
  t1: number;
  t2: number;
  t3: number;
}

/** The local clock in integer µs: `performance.now()` (monotonic), the t0/t3 of every sample. */
export const localMicros = (): number => Math.round(performance.now() * 1000);

/** How many recent samples {@link ClockSync} keeps. */
export const SAMPLES = 8;

/** Server clock minus client clock, in µs (truncated like the Rust integer division). */
export function sampleOffset(s: Sample): number {
  return Math.trunc((s.t1 - s.t0 + (s.t2 - s.t3)) / 2);
}

/** Network round trip excluding the server's processing time (never negative). */
export function sampleRoundTrip(s: Sample): number {
  const total = Math.max(0, s.t3 - s.t0);
  return Math.max(0, total - Math.max(0, s.t2 - s.t1));
}

export class ClockSync {
  private samples: Sample[] = [];

  /** Adds a sample; the oldest is dropped past {@link SAMPLES}. */
  add(sample: Sample): void {
    if (this.samples.length === SAMPLES) this.samples.shift();
    this.samples.push(sample);
  }

  /** The shortest-round-trip sample (the first of equals), if any. */
  best(): Sample | undefined {
    let best: Sample | undefined;
    for (const s of this.samples) {
      if (best === undefined || sampleRoundTrip(s) < sampleRoundTrip(best)) best = s;
    }
    return best;
  }

  /** Server clock minus client clock, in µs (0 before any sample). */
  offset(): number {
    const b = this.best();
    return b === undefined ? 0 : sampleOffset(b);
  }

  /** The round trip of the best sample, in µs. */
  roundTrip(): number | undefined {
    const b = this.best();
    return b === undefined ? undefined : sampleRoundTrip(b);
  }

  toServer(client: number): number {
    return Math.max(0, client + this.offset());
  }

  toClient(server: number): number {
    return Math.max(0, server - this.offset());
  }

  clear(): void {
    this.samples = [];
  }
}
