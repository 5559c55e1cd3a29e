// Client-side pacing for LeadCars: at most `perSecond` requests in any one-second window, as the
// server would count them. Bottleneck spaces requests evenly (minTime); a log of our own requests
// then gates them exactly: an entry counts from the moment it is sent until one second after its
// answer arrived. The server saw each request somewhere between those two instants, so no
// one-second window on the server holds more of ours than the log allows, however the network
// delays single requests. LeadCars documents no limit (CONTRACT.md): the default of 2/s is
// politeness, and a 429's Retry-After pauses everything.
import Bottleneck from 'bottleneck';
import { sleep } from '../http/retry.ts';

const WINDOW_MS = 1_000;

export interface PacerStats {
  /** Requests sent (every attempt counts). */
  requests: number;
  retries: number;
  rateLimited: number;
}

interface Entry { doneAt?: number }

export class LeadcarsPacer {
  readonly stats: PacerStats = { requests: 0, retries: 0, rateLimited: 0 };
  private readonly bottleneck: Bottleneck;
  private log: Entry[] = [];
  private pausedUntil = 0;
  private wake: () => void = () => {};
  private changed = new Promise<void>((resolve) => { this.wake = resolve; });

  constructor(readonly perSecond: number, private readonly clock: () => number = Date.now) {
    if (!(perSecond > 0)) throw new RangeError(`leadcars.rateLimit must be positive, got ${perSecond}`);
    this.bottleneck = new Bottleneck({ minTime: Math.floor(WINDOW_MS / perSecond) });
  }

  /** Runs `send` when the window has room; counts it until a second after it settles. */
  schedule<T>(send: () => Promise<T>): Promise<T> {
    return this.bottleneck.schedule(async () => {
      const entry = await this.admit();
      try {
        return await send();
      } finally {
        entry.doneAt = this.clock();
        this.signal();
      }
    });
  }

  /** Holds every request for `ms` (after a 429). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, this.clock() + ms);
  }

  private signal(): void {
    this.wake();
    this.changed = new Promise<void>((resolve) => { this.wake = resolve; });
  }

  /** Waits for room, then takes it synchronously (no await between the check and the push). */
  private async admit(): Promise<Entry> {
    for (;;) {
      const now = this.clock();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      const live = this.log.filter((e) => e.doneAt === undefined || e.doneAt + WINDOW_MS > now);
      this.log = live;
      if (live.length < this.perSecond) {
        const entry: Entry = {};
        live.push(entry);
        this.stats.requests++;
        return entry;
      }
      const expiries = live.flatMap((e) => (e.doneAt === undefined ? [] : [e.doneAt + WINDOW_MS - now]));
      // Room comes when a settled entry ages out, or when an in-flight one settles (then re-check).
      await Promise.race([this.changed, ...(expiries.length > 0 ? [sleep(Math.max(1, Math.min(...expiries)))] : [])]);
    }
  }
}
