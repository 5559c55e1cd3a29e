// HighLevel's per-location limits: a burst window (100 requests per 10 s) and a daily budget
// (200,000). Refused requests are not admitted and do not count. Every answer after auth carries
// the X-RateLimit-* headers, so the limiter returns them with each decision.

export type RateWindow = 'sliding' | 'fixed';

export interface RateLimitOptions {
  /**
   * Burst limit, or 'none' to admit every request (the window is still measured for stats, and
   * the headers report a limit of a million per window, so that clients do not pace themselves).
   */
  burst: { max: number; windowMs: number } | 'none';
  window: RateWindow;
  dailyLimit: number;
  /** Length of a "day" in ms; shortened by the sandbox's timeScale. */
  dayMs: number;
  clock: () => number;
}

export interface RateDecision {
  admitted: boolean;
  headers: Record<string, string>;
  /** Seconds until a refused request may be retried (fractional only under a shrunk time scale). */
  retryAfterSeconds?: number;
}

// When the burst limit is 'none', the window used to measure maxInWindow (HighLevel's own).
const MEASURE_WINDOW = { max: 100, windowMs: 10_000 };
// ...and the burst limit its headers report: a client that follows X-RateLimit-Max (ghl-etl
// does) would otherwise keep HighLevel's 100 per 10 s and pace itself at 10 requests/s.
const UNLIMITED_MAX = 1_000_000;

interface KeyState {
  /** Admission times within the current sliding window, oldest first. */
  admitted: number[];
  fixedWindowStart: number;
  fixedCount: number;
  day: number;
  dayCount: number;
}

export interface RateLimiter {
  admit(key: string): RateDecision;
  /** The highest number of requests admitted within one window, over all keys. */
  maxInWindow(): number;
  resetStats(): void;
}

function roundUpSeconds(ms: number): number {
  // Whole seconds as HTTP expects; a window shrunk below a second reports milliseconds precisely.
  return ms >= 1000 ? Math.ceil(ms / 1000) : Math.max(0.001, Math.ceil(ms) / 1000);
}

export function createRateLimiter(opts: RateLimitOptions): RateLimiter {
  const enforce = opts.burst !== 'none';
  const burst = opts.burst === 'none' ? MEASURE_WINDOW : opts.burst;
  const states = new Map<string, KeyState>();
  let maxInWindow = 0;

  function stateOf(key: string, now: number): KeyState {
    let s = states.get(key);
    if (!s) {
      s = { admitted: [], fixedWindowStart: now, fixedCount: 0, day: Math.floor(now / opts.dayMs), dayCount: 0 };
      states.set(key, s);
    }
    while (s.admitted.length > 0 && s.admitted[0]! <= now - burst.windowMs) s.admitted.shift();
    if (now >= s.fixedWindowStart + burst.windowMs) {
      s.fixedWindowStart = now - ((now - s.fixedWindowStart) % burst.windowMs);
      s.fixedCount = 0;
    }
    const day = Math.floor(now / opts.dayMs);
    if (day !== s.day) {
      s.day = day;
      s.dayCount = 0;
    }
    return s;
  }

  function inWindow(s: KeyState): number {
    return opts.window === 'sliding' ? s.admitted.length : s.fixedCount;
  }

  function headers(s: KeyState): Record<string, string> {
    const h: Record<string, string> = {
      'X-RateLimit-Limit-Daily': String(opts.dailyLimit),
      'X-RateLimit-Daily-Remaining': String(Math.max(0, opts.dailyLimit - s.dayCount)),
    };
    const max = enforce ? burst.max : UNLIMITED_MAX;
    h['X-RateLimit-Max'] = String(max);
    h['X-RateLimit-Remaining'] = String(Math.max(0, max - inWindow(s)));
    h['X-RateLimit-Interval-Milliseconds'] = String(burst.windowMs);
    return h;
  }

  return {
    admit(key) {
      const now = opts.clock();
      const s = stateOf(key, now);
      if (s.dayCount >= opts.dailyLimit) {
        const nextDay = (s.day + 1) * opts.dayMs;
        return { admitted: false, headers: headers(s), retryAfterSeconds: roundUpSeconds(nextDay - now) };
      }
      if (enforce && inWindow(s) >= burst.max) {
        const freeAt = opts.window === 'sliding' ? s.admitted[0]! + burst.windowMs : s.fixedWindowStart + burst.windowMs;
        return { admitted: false, headers: headers(s), retryAfterSeconds: roundUpSeconds(freeAt - now) };
      }
      s.admitted.push(now);
      s.fixedCount += 1;
      s.dayCount += 1;
      maxInWindow = Math.max(maxInWindow, inWindow(s));
      return { admitted: true, headers: headers(s) };
    },
    maxInWindow: () => maxInWindow,
    resetStats() {
      maxInWindow = 0;
    },
  };
}
