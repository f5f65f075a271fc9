// Clock-sync pinging (Rust: the ping timer of client-sdk/src/driver/mod.rs): a burst of pings
// after each (re)connection, then one every interval for the connection's life; and the
// watchdog that treats a silent server as a lost connection. The arithmetic is clock.ts's.

import { localMicros } from './clock.js';
import type { ClientMsg } from './types.js';

/** When pings go out. */
export interface PingSchedule {
  /** Pings sent `burstSpacingMs` apart after each (re)connection. */
  burst: number;
  /** Spacing of the burst's pings, ms. */
  burstSpacingMs: number;
  /** Time between pings after the burst, ms. */
  intervalMs: number;
}

/** What the pinger needs from the client. */
export interface PingHost {
  /** Sends now; false when not connected (or the send failed). */
  send(msg: ClientMsg): boolean;
  /** The server said nothing for too long: the connection is lost. */
  silent(reason: string): void;
}

/** How long a connection may stay silent (no frame at all) before it counts as lost, ms. */
export function silenceLimitMs(intervalMs: number): number {
  return Math.max(intervalMs * 3, 15_000);
}

/** Sends the pings of one connection at a time, on `PingSchedule`. */
export class Pinger {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private burstLeft = 0;
  private lastHeard = 0;
  private running = false;

  constructor(
    private readonly host: PingHost,
    private readonly schedule: PingSchedule,
  ) {}

  /** A connection was welcomed: a burst now, then the steady pings. */
  start(): void {
    this.stop();
    this.running = true;
    this.burstLeft = this.schedule.burst;
    this.lastHeard = performance.now();
    this.timer = setTimeout(() => this.ping(), 0);
  }

  /** A frame arrived (any frame shows the server alive). */
  heard(): void {
    this.lastHeard = performance.now();
  }

  /** The connection is gone: no more pings until the next `start`. */
  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private ping(): void {
    if (!this.running) return;
    const now = performance.now();
    if (now - this.lastHeard > silenceLimitMs(this.schedule.intervalMs)) {
      this.stop();
      this.host.silent('the server stopped answering');
      return;
    }
    let next: number;
    if (this.burstLeft > 1) {
      this.burstLeft -= 1;
      next = this.schedule.burstSpacingMs;
    } else {
      this.burstLeft = 0;
      next = this.schedule.intervalMs;
    }
    this.timer = setTimeout(() => this.ping(), next);
    this.host.send({ type: 'ping', t0: localMicros() });
  }
}
