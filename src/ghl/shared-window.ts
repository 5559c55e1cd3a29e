// A location's request window shared by every process on the same database (issue 18): a sync in
// a worker, `serve`, operations and the MCP server in other processes call the same location, and
// HighLevel counts them together. Before each request the transport takes a turn here; the turns
// are reserved from the database a slot at a time (a twentieth of the window: what a process
// pacing at the full rate sends in one slot), so a busy sync asks the database about 20 times per
// window, not once per request. A reserved turn not used within its slot is dropped (it counted;
// the window errs on the safe side). Each client is its own holder: the database counts the other
// holders' reservations (with a tenth of the window to spare for their latency) and the holder's
// own requests as its limiter's log counts them, exactly; so a process alone on a location paces at
// the full rate, and only processes calling the same location at once share it. The client knows
// nothing of the database: the app context hands it a SharedRateWindow over the mirror
// (src/db/pg/rate-window.ts).
import { randomUUID } from 'node:crypto';
import { sleep } from '../http/retry.ts';

/** Slots per window: the database counts requests per slot of intervalMs / SLOTS_PER_WINDOW. */
export const SLOTS_PER_WINDOW = 20;

export interface SharedWindowSettings {
  /** Requests per interval, the window this process paces at (configured, or as HighLevel reports it). */
  max: number;
  intervalMs: number;
  /** Requests a day all processes together may send (the daily limit times `rateLimit.dailyShare`). */
  dailyAllowance: number;
}

export interface Reservation {
  /** Requests granted now (0: the window is full). */
  granted: number;
  /** When none was granted: how long until one may be. */
  retryInMs: number;
  /** The day's allowance is spent, by all processes together. */
  exhausted: boolean;
}

export interface TurnRequest {
  /** Turns wanted now. */
  want: number;
  /** Turns this holder reserved earlier and never used: they leave the day's count. */
  returned: number;
  /** Who asks: one client in one process (a random id). */
  holder: string;
  /** The holder's own requests counting in the window now (sent, or answered within it), from its limiter's log. */
  mine: number;
}

export interface SharedRateWindow {
  /** Reserves up to `turns.want` of the location's requests in the window all processes share. */
  reserve(locationId: string, turns: TurnRequest, settings: SharedWindowSettings): Promise<Reservation>;
}

interface Held {
  count: number;
  /** Turns the last reservation granted (with count: how many of them were used). */
  granted: number;
  /** The reserved turns are good until then (the end of their slot). */
  until: number;
  /** A reservation in progress: the others wait for it rather than each asking. */
  pending: Promise<number> | undefined;
  /** Requests waiting here for a turn: already counted in the limiter's log, not yet sent. */
  waiting: number;
}

/** This process's turns per location. */
export class SharedTurns {
  private readonly held = new Map<string, Held>();
  private readonly holder = randomUUID();

  constructor(private readonly window: SharedRateWindow) {}

  /**
   * Resolves when a request of `locationId` may go. `inWindow` is the location's limiter's count
   * of this client's requests in the window (this one included); `budgetSpent` builds the error
   * thrown once the day's allowance is spent.
   */
  async take(locationId: string, settings: SharedWindowSettings, inWindow: () => number, budgetSpent: () => Error): Promise<void> {
    let h = this.held.get(locationId);
    if (!h) this.held.set(locationId, (h = { count: 0, granted: 0, until: 0, pending: undefined, waiting: 0 }));
    h.waiting++;
    try {
      for (;;) {
        if (h.count > 0 && Date.now() < h.until) {
          h.count--;
          return;
        }
        const held = h;
        const pending = (held.pending ??= this.reserve(locationId, held, settings, inWindow).finally(() => {
          held.pending = undefined;
        }));
        const waitMs = await pending.catch((err: unknown) => {
          if (err === EXHAUSTED) throw budgetSpent();
          throw err;
        });
        if (waitMs > 0) await sleep(waitMs);
      }
    } finally {
      h.waiting--;
    }
  }

  private async reserve(locationId: string, h: Held, settings: SharedWindowSettings, inWindow: () => number): Promise<number> {
    const slotMs = settings.intervalMs / SLOTS_PER_WINDOW;
    // Turns left from the last reservation expired unused: the day's count gives them back (a
    // process calling once a minute must not spend a slot's worth of the day per call).
    const returned = h.count;
    const used = h.granted - returned;
    h.count = 0;
    h.granted = 0;
    // Twice what the last slot used, up to a slot's share of the window: a busy sync ramps up in a
    // few reservations, a command sending one request reserves one (a reservation left unused when
    // the process ends stays in the day's count).
    const want = Math.max(1, Math.min(2 * used, Math.ceil(settings.max / SLOTS_PER_WINDOW)));
    // Sent or answered within the window: the requests waiting here for a turn are not out yet.
    const mine = Math.max(0, inWindow() - h.waiting);
    const r = await this.window.reserve(locationId, { want, returned, holder: this.holder, mine }, settings);
    if (r.exhausted) throw EXHAUSTED;
    h.count = r.granted;
    h.granted = r.granted;
    h.until = Date.now() + slotMs;
    return r.granted > 0 ? 0 : Math.max(1, r.retryInMs);
  }
}

const EXHAUSTED = Symbol('the daily allowance is spent');
