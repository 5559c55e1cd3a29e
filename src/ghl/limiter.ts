// Client-side rate limiting, one limiter per location (HighLevel counts per app and location).
//
// A reservoir refreshed every interval is a FIXED window: it lets 2 x max requests through
// around a window edge, which a sliding-window server answers with 429s. So requests are
// spaced instead (Bottleneck's minTime = interval / max, plus a small margin), and a log of this
// client's own requests gates them exactly: an entry counts from the moment it is sent until
// `interval` after its ANSWER arrived. The server admitted the request somewhere between those
// two instants, so the server's window never holds more of ours than the log does, however
// much the network or a busy event loop delays single requests. The server's X-RateLimit-*
// answers steer the rest: fewer remaining than our own traffic explains (another client shares
// the location's budget) widens the spacing, and a 429's Retry-After pauses the location.
//
// The window itself follows the server's X-RateLimit-Max / -Interval-Milliseconds, looser as well
// as stricter; a window the user configured is a ceiling it never goes past.
//
// Bottleneck paces the requests that must wait. Each of its jobs costs a few 1 ms timer turns of
// its datastore (about 2.4 ms), which would cap a loose location near 420 requests/s if every
// request were a job. So a request that finds spacing credit, a free place in the window and
// room in flight, with nobody queued ahead of it, is sent at once; the others wait in a FIFO
// that one Bottleneck job at a time releases, as many at once as the credit saved up since the
// last job allows (one per job at HighLevel's 100 per 10 s; a batch at a loose limit).
import Bottleneck from 'bottleneck';
import { DailyBudgetExhaustedError, type GhlOperation } from './errors.ts';
import { sleep } from '../http/retry.ts';
import { headerOf, type AnswerHeaders } from '../http/send.ts';

/** A rise in the reported daily remaining larger than this is the server's daily reset, not reordering. */
const DAILY_RESET_JUMP = 32;

/** HighLevel's documented burst limit, used until the server reports its own. */
export const HIGHLEVEL_WINDOW = { max: 100, intervalMs: 10_000 } as const;

export interface RateLimitSettings {
  /**
   * Requests per interval, per location, as the user configured them: a ceiling never exceeded.
   * Both unset: follow the server's reported window (HIGHLEVEL_WINDOW until it reports one).
   * One unset: that half comes from HIGHLEVEL_WINDOW.
   */
  max?: number | undefined;
  intervalMs?: number | undefined;
  /** The location's daily request limit (used until the server reports its own). */
  daily: number;
  /** Stop before sending once this share of the daily limit is spent. */
  dailyShare: number;
}

export interface LimiterOptions {
  /** Requests in flight at once per location. */
  maxConcurrent?: number;
  /** Extra spacing, as a share of interval/max (the log gate, not this margin, keeps the count exact). */
  spacingMargin?: number;
}

export interface LocationStats {
  /** Requests sent (every attempt counts). */
  requests: number;
  /** Attempts that repeated an earlier one. */
  retries: number;
  /** 429 answers seen. */
  rateLimited: number;
  /**
   * Wall time during which at least one request waited in the limiter before being sent: ten
   * requests queued together for one second count one second, not ten.
   */
  waitedMs: number;
}

export function emptyStats(): LocationStats {
  return { requests: 0, retries: 0, rateLimited: 0, waitedMs: 0 };
}

/** The rate headers of one answer, parsed; absent headers stay undefined. */
export interface RateHeaders {
  max?: number | undefined;
  remaining?: number | undefined;
  intervalMs?: number | undefined;
  dailyLimit?: number | undefined;
  dailyRemaining?: number | undefined;
}

function numberHeader(headers: AnswerHeaders, name: string): number | undefined {
  const raw = headerOf(headers, name);
  if (raw === undefined || raw.trim() === '') return undefined;
  const n = Number(raw);
  return Number.isFinite(n) ? n : undefined;
}

export function readRateHeaders(headers: AnswerHeaders): RateHeaders {
  return {
    max: numberHeader(headers, 'x-ratelimit-max'),
    remaining: numberHeader(headers, 'x-ratelimit-remaining'),
    intervalMs: numberHeader(headers, 'x-ratelimit-interval-milliseconds'),
    dailyLimit: numberHeader(headers, 'x-ratelimit-limit-daily'),
    dailyRemaining: numberHeader(headers, 'x-ratelimit-daily-remaining'),
  };
}

/**
 * Spacing credit saved up, in time (a loose limit may send this much at once), and at least
 * MIN_BURST requests: a timer that fired late is made up at the next release instead of lost.
 * The window log, not the spacing, keeps the count in any window exact.
 */
const BURST_MS = 10;
const MIN_BURST = 3;
/** Releasing jobs kept scheduled in Bottleneck at once (see pump). */
const PUMP_AHEAD = 8;

/** A request waiting for its turn. */
interface Waiter {
  operation: GhlOperation;
  /** Called once the request is counted as sent. */
  start(): void;
  fail(err: unknown): void;
}

export class LocationLimiter {
  /** Live counters; `waitedMs` reads the clock, so a copy (`{ ...stats }`) includes a wait still going on. */
  readonly stats: LocationStats = Object.defineProperty(emptyStats(), 'waitedMs', { enumerable: true, get: () => this.waitedMs() });
  /** Requests queued now, since when at least one has been, and the waits already over. */
  private queued = 0;
  private queuedSince = 0;
  private waitedBeforeMs = 0;
  private bottleneck: Bottleneck;
  /** Bumped when queued requests are re-timed: releasing jobs of an older generation do nothing. */
  private generation = 0;
  private readonly margin: number;
  private maxConcurrent: number;
  /** Set by the caller: kept when the window changes; otherwise it follows the window's max. */
  private readonly fixedConcurrency: number | undefined;
  /** The user's window, never exceeded; undefined: follow the server. */
  private readonly ceiling: { max: number; intervalMs: number } | undefined;
  private max: number;
  private intervalMs: number;
  /** Requests that may go out now as far as spacing goes (refills at one per minTime, up to burst). */
  private credit = 1;
  private creditAt = 0;
  /** Requests waiting for their turn, oldest first: while any wait, nobody overtakes them. */
  private waiters: Waiter[] = [];
  /** Bottleneck jobs that release waiters, scheduled or running (see pump). */
  private pumpJobs = 0;
  private stopped = false;
  /**
   * The window log: this client's requests still counting against the window are the ones in
   * flight plus the answered ones in `answeredAt[answeredHead..]` (answer times, oldest first, so
   * expired entries leave from the front: every request and answer costs O(1), however loose the
   * window; a filtered array cost O(window) per answer, a second's worth of CPU per 10,000
   * requests against a server allowing a million per 10 s).
   */
  private answeredAt: number[] = [];
  private answeredHead = 0;
  /** Wakes requests waiting for a full window when an answer arrives. */
  private answered: Array<() => void> = [];
  private pausedUntil = 0;
  private inFlight = 0;
  private minTime: number;
  private dailyLimit: number;
  /** Last reported daily remaining; until the server reports one, counted down locally. */
  private dailyRemaining: number;
  private readonly dailyShare: number;
  /** When HighLevel last reported the daily limit and remaining (epoch ms); undefined: never, the numbers are ours. */
  private dailyReportedAt: number | undefined;

  constructor(readonly locationId: string, settings: RateLimitSettings, opts: LimiterOptions = {}) {
    const userSet = settings.max !== undefined || settings.intervalMs !== undefined;
    this.ceiling = userSet
      ? { max: settings.max ?? HIGHLEVEL_WINDOW.max, intervalMs: settings.intervalMs ?? HIGHLEVEL_WINDOW.intervalMs }
      : undefined;
    ({ max: this.max, intervalMs: this.intervalMs } = this.ceiling ?? HIGHLEVEL_WINDOW);
    this.margin = opts.spacingMargin ?? 0.01;
    this.dailyLimit = settings.daily;
    this.dailyRemaining = settings.daily;
    this.dailyShare = settings.dailyShare;
    this.minTime = this.baseMinTime();
    this.fixedConcurrency = opts.maxConcurrent;
    this.maxConcurrent = this.concurrencyFor(this.max);
    // Bottleneck spaces the releasing jobs by minTime from one start to the next; their number is
    // bounded by pump(), and requests in flight are counted here, so it needs no maxConcurrent.
    this.bottleneck = this.newBottleneck();
  }

  private newBottleneck(): Bottleneck {
    return new Bottleneck({ maxConcurrent: null, minTime: this.minTime });
  }

  private concurrencyFor(max: number): number {
    return this.fixedConcurrency ?? Math.max(4, Math.ceil(max / 10));
  }

  private baseMinTime(): number {
    return (this.intervalMs / this.max) * (1 + this.margin);
  }

  /**
   * Run `send` when the location's rate allows. Throws DailyBudgetExhaustedError instead of
   * sending once the daily budget share is spent.
   */
  schedule<T>(operation: GhlOperation, send: () => Promise<T>): Promise<T> {
    if (this.stopped) return Promise.reject(new Error('the rate limiter was stopped'));
    const queuedAt = Date.now();
    if (this.waiters.length === 0 && this.mayGo(queuedAt)) {
      try {
        this.checkDailyBudget(operation);
      } catch (err) {
        return Promise.reject(err);
      }
      this.admit();
      return this.sendAdmitted(send);
    }
    this.waitStarted(queuedAt);
    return new Promise<T>((resolve, reject) => {
      this.waiters.push({
        operation,
        start: () => {
          this.waitEnded();
          this.sendAdmitted(send).then(resolve, reject);
        },
        fail: (err) => {
          this.waitEnded();
          reject(err);
        },
      });
      this.pump();
    });
  }

  /** Spacing credit, a place in the window, room in flight and no pause: a request may go now. */
  private mayGo(now: number): boolean {
    if (now < this.pausedUntil || this.inFlight >= this.maxConcurrent) return false;
    this.refillCredit(now);
    return this.credit >= 1 && this.nextFreeSlot(now) === now;
  }

  /**
   * Counts a request as sent: spacing credit, window log, in flight, the daily count. Synchronous,
   * so no other request can take the same place between the check and the count.
   */
  private admit(): void {
    this.credit -= 1;
    this.inFlight++;
    this.dailyRemaining--;
    this.stats.requests++;
  }

  private waitStarted(now: number): void {
    if (this.queued++ === 0) this.queuedSince = now;
  }

  private waitEnded(): void {
    if (--this.queued === 0) this.waitedBeforeMs += Date.now() - this.queuedSince;
  }

  private waitedMs(): number {
    return this.waitedBeforeMs + (this.queued > 0 ? Date.now() - this.queuedSince : 0);
  }

  private async sendAdmitted<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } finally {
      this.inFlight--;
      this.finish();
    }
  }

  /**
   * Keeps up to PUMP_AHEAD releasing jobs scheduled while requests wait, so Bottleneck's own
   * scheduling of the next jobs (a few timer turns each) overlaps the spacing instead of adding to it.
   */
  private pump(): void {
    while (this.pumpJobs < Math.min(PUMP_AHEAD, this.waiters.length) && !this.stopped) {
      const generation = this.generation;
      this.pumpJobs++;
      this.bottleneck.schedule(() => this.releaseWaiters(generation))
        .catch((err: unknown) => {
          if (generation !== this.generation) return;
          for (const w of this.waiters.splice(0)) w.fail(err);
        })
        .finally(() => {
          if (generation !== this.generation) return;
          this.pumpJobs--;
          this.pump();
        });
    }
  }

  /**
   * One Bottleneck job: waits until the window, a pause and the requests in flight let one go,
   * then releases waiters in order while credit, window and room allow. Bottleneck's minTime
   * spaced this job from the last, so its first release needs no credit of its own.
   */
  private async releaseWaiters(generation: number): Promise<void> {
    if (this.waiters.length === 0 || generation !== this.generation) return;
    await this.waitForRoom();
    if (generation !== this.generation) return;
    const now = Date.now();
    this.refillCredit(now);
    this.credit = Math.max(this.credit, 1);
    while (this.waiters.length > 0 && this.mayGo(now)) {
      const waiter = this.waiters.shift()!;
      try {
        this.checkDailyBudget(waiter.operation);
      } catch (err) {
        waiter.fail(err);
        continue;
      }
      this.admit();
      waiter.start();
    }
  }

  /** Spacing credit refills at one request per minTime, saved up to BURST_MS worth (at least MIN_BURST). */
  private refillCredit(now: number): void {
    const burst = Math.max(MIN_BURST, Math.floor(BURST_MS / this.minTime));
    this.credit = Math.min(burst, this.credit + (now - this.creditAt) / this.minTime);
    this.creditAt = now;
  }

  private finish(): void {
    this.answeredAt.push(Date.now());
    const waiting = this.answered;
    this.answered = [];
    for (const wake of waiting) wake();
  }

  /** Waits until a pause is over, the window has a place and a request in flight may start. */
  private async waitForRoom(): Promise<void> {
    for (;;) {
      const now = Date.now();
      if (now < this.pausedUntil) {
        await sleep(this.pausedUntil - now);
        continue;
      }
      const freeAt = this.nextFreeSlot(now);
      if (freeAt === undefined || this.inFlight >= this.maxConcurrent) {
        // Only an answer to a request in flight can make room.
        await new Promise<void>((resolve) => this.answered.push(resolve));
        continue;
      }
      if (freeAt > now) {
        await sleep(freeAt - now);
        continue;
      }
      return;
    }
  }

  /**
   * When the log lets one more request go: now, a time, or undefined when only an answer to a
   * request in flight can make room.
   */
  private nextFreeSlot(now: number): number | undefined {
    const count = this.countInWindow(now);
    if (count < this.max) return now;
    // Room for one more once (count - max + 1) answered entries have expired, oldest first.
    const at = this.answeredAt[this.answeredHead + count - this.max];
    return at === undefined ? undefined : at + this.intervalMs + 1;
  }

  /** This client's requests counting against the window now: in flight, or answered within `interval`. */
  private countInWindow(now: number): number {
    const horizon = now - this.intervalMs;
    while (this.answeredHead < this.answeredAt.length && this.answeredAt[this.answeredHead]! <= horizon) this.answeredHead++;
    // Compact now and then, so the array's memory follows the window, not the run.
    if (this.answeredHead > 1024 && this.answeredHead * 2 > this.answeredAt.length) {
      this.answeredAt = this.answeredAt.slice(this.answeredHead);
      this.answeredHead = 0;
    }
    return this.inFlight + this.answeredAt.length - this.answeredHead;
  }

  private checkDailyBudget(operation: GhlOperation): void {
    // In-flight requests are already counted down locally, so `dailyRemaining` is conservative.
    // Compared as requests spent against the allowance (50 x 0.8 is exactly 40; 50 x 0.2 is not 10).
    const spent = this.dailyLimit - this.dailyRemaining;
    if (spent >= this.dailyLimit * this.dailyShare - 1e-9) {
      throw new DailyBudgetExhaustedError(this.dailyLimit, Math.max(0, this.dailyRemaining), { operation });
    }
  }

  /** Learn from an answer's X-RateLimit-* headers. */
  observe(h: RateHeaders): void {
    if (h.dailyLimit !== undefined && h.dailyLimit > 0) this.dailyLimit = h.dailyLimit;
    if (h.dailyLimit !== undefined && h.dailyLimit > 0 && h.dailyRemaining !== undefined) this.dailyReportedAt = Date.now();
    if (h.dailyRemaining !== undefined) {
      // Called while this request still counts as in flight. The others in flight may not be in
      // the server's count yet: keep them subtracted so the budget check errs on the safe side.
      // Answers can arrive out of order, so an older answer may report more remaining than a
      // newer one did: the count only goes up on a jump no reordering explains (the daily reset).
      const reported = h.dailyRemaining - Math.max(0, this.inFlight - 1);
      const jump = Math.min(Math.max(DAILY_RESET_JUMP, 2 * this.maxConcurrent), this.dailyLimit / 4);
      const isReset = reported > this.dailyRemaining + jump;
      if (reported < this.dailyRemaining || isReset) this.dailyRemaining = reported;
    }
    this.followWindow(h);
    this.steer(h);
  }

  /**
   * The server's reported window wins, looser or stricter, except that a user-set window is a
   * ceiling: the stricter of the two (by spacing, interval/max) is used.
   */
  private followWindow(h: RateHeaders): void {
    if (h.max === undefined || h.intervalMs === undefined || h.max <= 0 || h.intervalMs <= 0) return;
    let next = { max: h.max, intervalMs: h.intervalMs };
    if (this.ceiling && this.ceiling.intervalMs / this.ceiling.max > next.intervalMs / next.max) next = this.ceiling;
    if (next.max === this.max && next.intervalMs === this.intervalMs) return;
    this.max = next.max;
    this.intervalMs = next.intervalMs;
    this.setMinTime(this.baseMinTime());
    this.maxConcurrent = this.concurrencyFor(this.max);
    this.retimeQueued();
  }

  /**
   * Bottleneck fixes a job's start time when the job is scheduled, so the releasing jobs already
   * scheduled keep the old spacing (up to PUMP_AHEAD x the old minTime: 0.8 s at HighLevel's
   * default, for a server that allows ten times that). Drop them and schedule afresh at the new one.
   */
  private retimeQueued(): void {
    if (this.pumpJobs === 0 || this.stopped) return;
    this.generation++;
    const old = this.bottleneck;
    this.bottleneck = this.newBottleneck();
    this.pumpJobs = 0;
    void old.stop({ dropWaitingJobs: true }).catch(() => undefined);
    this.pump();
  }

  /**
   * Compare what the server says remains with what this client's own traffic leaves. A clear
   * shortfall means other clients use the same budget: spread ours over what is left.
   */
  private steer(h: RateHeaders): void {
    if (h.remaining === undefined) return;
    const expected = this.max - this.countInWindow(Date.now());
    const tolerance = this.inFlight + 2;
    const foreign = expected - h.remaining - tolerance;
    if (foreign > 0) {
      const share = Math.max(1, this.max - foreign);
      this.setMinTime((this.intervalMs / share) * (1 + this.margin));
    } else if (this.minTime !== this.baseMinTime()) {
      this.setMinTime(this.baseMinTime());
    }
    // Nothing left that our own log does not explain: someone else filled the window.
    if (h.remaining <= 0 && foreign > 0) this.pause(this.baseMinTime() * 2);
  }

  private setMinTime(ms: number): void {
    if (Math.abs(ms - this.minTime) < 0.01) return;
    this.minTime = ms;
    void this.bottleneck.updateSettings({ minTime: ms });
  }

  /**
   * Whether a 429 just seen is someone else's doing: this client's own requests in the window
   * (the refused one included) leave room, so another process is using the location's limit.
   */
  sharedWindow(): boolean {
    return this.countInWindow(Date.now()) < this.max;
  }

  /** This client's requests counting against the location's window now: in flight, or answered within it. */
  inWindow(): number {
    return this.countInWindow(Date.now());
  }

  /** Hold every request of this location for `ms` (e.g. a 429's Retry-After). */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Current pacing, for progress output and tests. */
  pacing(): { minTimeMs: number; max: number; intervalMs: number; dailyLimit: number; dailyRemaining: number; dailyReportedAt: number | undefined; dailyAllowance: number } {
    return {
      minTimeMs: this.minTime, max: this.max, intervalMs: this.intervalMs, dailyAllowance: Math.floor(this.dailyLimit * this.dailyShare + 1e-9),
      dailyLimit: this.dailyLimit, dailyRemaining: this.dailyRemaining, dailyReportedAt: this.dailyReportedAt,
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const w of this.waiters.splice(0)) w.fail(new Error('the rate limiter was stopped'));
    await this.bottleneck.stop({ dropWaitingJobs: true }).catch(() => undefined);
  }
}

/** One limiter per location, created on first use. */
export class LimiterPool {
  private readonly byLocation = new Map<string, LocationLimiter>();
  constructor(private readonly settings: RateLimitSettings, private readonly opts: LimiterOptions = {}) {}

  for(locationId: string): LocationLimiter {
    let limiter = this.byLocation.get(locationId);
    if (!limiter) {
      limiter = new LocationLimiter(locationId, this.settings, this.opts);
      this.byLocation.set(locationId, limiter);
    }
    return limiter;
  }

  locations(): LocationLimiter[] {
    return [...this.byLocation.values()];
  }

  async stop(): Promise<void> {
    await Promise.all(this.locations().map((l) => l.stop()));
  }
}
