// The one way this project talks to HighLevel: every call goes through `Transport.request`,
// which adds auth and version headers, waits on the location's rate limiter, retries what is
// safe to retry (the shared loop, src/http/retry-loop.ts) and turns HighLevel's answers into
// typed errors. The bytes go through the
// project's one HTTP sender (src/http/send.ts).
import type { Logger } from '../log.ts';
import { createSpecValidator, type SpecValidator } from '../highlevel-api/validator.ts';
import { countDepartures, type AnswerNeeds, type DriftReport } from './answers.ts';
import {
  DailyBudgetExhaustedError, DuplicateContactError, GhlError, UnexpectedAnswerError, ValidationError, type GhlOperation,
} from './errors.ts';
import {
  emptyStats, readRateHeaders, type LimiterPool, type LocationLimiter, type LocationStats, type RateHeaders,
} from './limiter.ts';
import { SharedTurns, type SharedRateWindow } from './shared-window.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../http/retry.ts';
import { RATE_LIMIT_PATIENCE_MS, sendWithRetries } from '../http/retry-loop.ts';
import {
  contentTypeOf, definedQuery, headerOf, httpBase, maskSecret, sendHttp, type HttpAnswer, type HttpMethod, type QueryValue,
} from '../http/send.ts';

export const API_VERSION = '2021-07-28';

/** Supplies a location's bearer token (a Private Integration Token or an OAuth access token). */
export interface TokenProvider {
  getToken(locationId: string): Promise<string>;
  /** Called once after a 401: return a fresh token to retry with, or undefined to give up. */
  onUnauthorized?(locationId: string, token: string): Promise<string | undefined>;
}

export type { HttpMethod, QueryValue } from '../http/send.ts';

export interface RequestSpec {
  /** The client function's name, e.g. "createContact" (shows in errors and logs). */
  name: string;
  method: HttpMethod;
  /** Path below the base URL, with path parameters already encoded. */
  path: string;
  /**
   * The location whose token and rate budget the request uses. Absent for the app's own calls
   * (OAuth): those send `bearer` (if any) and wait on no limiter.
   */
  locationId?: string;
  /** The bearer of an app-level call (e.g. the agency's Company token); ignored with locationId. */
  bearer?: string;
  query?: Record<string, QueryValue>;
  /** A JSON body. */
  body?: unknown;
  /** A form body (application/x-www-form-urlencoded), as OAuth wants. */
  form?: Record<string, string>;
  /**
   * Whether repeating the request after an unknown outcome is harmless. Defaults to true for
   * everything but POST; creates must say false, upserts, searches and tag calls say true.
   */
  idempotent?: boolean;
  /**
   * What the caller depends on in a 2xx answer (its records and their ids, dates that must
   * parse): a problem there refuses the answer. Everything else is tolerated and reported as drift.
   */
  needs?: AnswerNeeds;
}

/** What was sent, minus the Authorization header: lets tests validate requests against the spec. */
export interface SentRequest {
  method: HttpMethod;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}

export interface TransportOptions {
  baseUrl: string;
  /** Needed for location calls. */
  tokens?: TokenProvider;
  /** Needed for location calls. */
  limiters?: LimiterPool;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  onRequest?: (req: SentRequest) => void;
  /** Told every tolerated departure of a location call's answer (the mirror records them). */
  onDrift?: (report: DriftReport) => void;
  /** The location's window and daily count shared with other processes (PostgreSQL); each location request takes a turn in it. */
  sharedWindow?: SharedRateWindow;
}

/** An answer as it came back, whatever its status. */
export type Answer = HttpAnswer;

export class Transport {
  private readonly base: URL;
  private readonly backoff: BackoffOptions;
  private validator: SpecValidator | undefined;
  /** Locations whose shared rate limit was already noticed (see noticeSharedWindow). */
  private readonly noticedShared = new Set<string>();
  private readonly sharedTurns: SharedTurns | undefined;

  constructor(private readonly opts: TransportOptions) {
    this.base = httpBase(opts.baseUrl);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.sharedTurns = opts.sharedWindow ? new SharedTurns(opts.sharedWindow) : undefined;
  }

  /**
   * Sends the request and returns its 2xx answer's body as received. What the caller depends on
   * (`spec.needs`) is checked: a problem there throws UnexpectedAnswerError naming the route and
   * the field. Other departures from HighLevel's contract (spec + overlay) are tolerated and
   * reported to `onDrift`; app-level calls (OAuth, no location) are still held to the contract.
   * Any other answer throws a typed GhlError.
   */
  async request<T>(spec: RequestSpec): Promise<T> {
    const operation = operationOf(spec);
    const { answer, retries, token } = await this.exchange(spec);
    if (answer.status < 200 || answer.status >= 300) throw errorFromAnswer(answer, operation, retries, token);
    this.checkAnswer(spec, operation, answer);
    return answer.body as T; // checked just above against the contract T is generated from
  }

  /**
   * Sends the request with auth, version header, pacing and retries, and returns the final
   * answer whatever its status (429 and 5xx only once retries are spent, as typed errors).
   */
  async exchange(spec: RequestSpec): Promise<{ answer: Answer; retries: number; token: string }> {
    const operation = operationOf(spec);
    const limiter = spec.locationId === undefined ? undefined : this.limiterFor(spec.locationId);
    // Asked again before every attempt: a request can wait long in the limiter's queue, and the
    // provider refreshes OAuth tokens ahead of expiry. After a 401, the fresh token it gave wins.
    let freshToken: string | undefined;
    let token = '';
    let triedFreshToken = false;
    const { answer, retries } = await sendWithRetries({
      retries: this.opts.retries,
      backoff: this.backoff,
      timeoutMs: this.opts.timeoutMs,
      idempotent: spec.idempotent ?? spec.method !== 'POST',
      send: (retries) => {
        const attempt = async () => {
          token = freshToken ?? (await this.tokenFor(spec));
          // Other processes calling this location count too (serve, operations, a worker's sync).
          if (limiter && this.sharedTurns) {
            const p = limiter.pacing();
            await this.sharedTurns.take(limiter.locationId, p, () => limiter.inWindow(), () => new DailyBudgetExhaustedError(p.dailyLimit, Math.max(0, p.dailyLimit - p.dailyAllowance), { operation }));
          }
          const started = Date.now();
          const sent = await this.send(spec, token, limiter ? (h) => limiter.observe(h) : undefined);
          // `--log-level debug`: one line per request (no query string, never a token).
          this.opts.logger?.debug({ method: spec.method, path: spec.path, status: sent.status, ms: Date.now() - started, retries }, 'HighLevel request');
          return sent;
        };
        return limiter ? limiter.schedule(operation, attempt) : attempt();
      },
      inspect: async ({ status, headers }, retries) => {
        const tokens = this.opts.tokens;
        if (status === 401 && spec.locationId !== undefined && !triedFreshToken && tokens?.onUnauthorized) {
          triedFreshToken = true;
          const fresh = await tokens.onUnauthorized(spec.locationId, token);
          if (fresh !== undefined && fresh !== token) {
            freshToken = fresh;
            return 'again';
          }
        }
        if (status === 429) {
          if (limiter) limiter.stats.rateLimited++;
          const rate = readRateHeaders(headers);
          if (rate.dailyRemaining !== undefined && rate.dailyRemaining <= 0) {
            throw new DailyBudgetExhaustedError(rate.dailyLimit ?? 0, 0, { operation, status, retries });
          }
          if (limiter && spec.locationId !== undefined) this.noticeSharedWindow(spec.locationId, limiter, headers);
        }
        return undefined;
      },
      windowWait: ({ headers }) => {
        // No Retry-After (HighLevel does not document one): one place in the reported window.
        const { max, intervalMs } = readRateHeaders(headers);
        return max !== undefined && intervalMs !== undefined && max > 0 && intervalMs > 0 ? Math.ceil(intervalMs / max) : undefined;
      },
      holdAfter429: (waitMs) => {
        // Hold the whole location, not just this request: its neighbours would hit the same wall.
        limiter?.pause(waitMs);
        return limiter !== undefined;
      },
      onRetry: (retries, waitMs, reason) => {
        this.opts.logger?.debug({ operation: operation.name, locationId: operation.locationId, attempt: retries + 1, waitMs, reason }, 'retrying HighLevel request');
        if (limiter) limiter.stats.retries++;
      },
      errors: {
        outcomeUnknown: (what, retries, { answer, cause }) => new GhlError(
          `${what}${answer ? ` (${messageOf(answer.body, token) || `HTTP ${answer.status}`})` : ''}; the request may have been applied and was not repeated`,
          { operation, kind: 'outcome-unknown', retries, ...(answer ? { status: answer.status } : {}), ...(cause !== undefined ? { cause } : {}) },
        ),
        network: (what, retries, cause) => new GhlError(what, { operation, kind: 'network', retries, cause }),
        rateLimited: ({ status, body }, retries) =>
          new GhlError(`${messageOf(body, token) || 'too many requests'} (after ${retries} retries)`, { operation, kind: 'rate-limited', status, retries }),
        server: ({ status, body }, retries) =>
          new GhlError(`${messageOf(body, token) || `HTTP ${status}`} (after ${retries} retries)`, { operation, kind: 'server', status, retries }),
      },
    });
    return { answer, retries, token };
  }

  /**
   * Once per location and process: a 429 this client's own traffic does not explain means
   * another process (a sync, another app) is using the location's limit; say so, since the
   * request now waits as HighLevel asks, which can take a while.
   */
  private noticeSharedWindow(locationId: string, limiter: LocationLimiter, headers: Answer['headers']): void {
    if (this.noticedShared.has(locationId) || !limiter.sharedWindow()) return;
    this.noticedShared.add(locationId);
    const retryAfter = headerOf(headers, 'retry-after');
    this.opts.logger?.warn(
      { locationId, ...(retryAfter !== undefined ? { retryAfter } : {}) },
      `another process is using this location's rate limit (a sync?): waiting as HighLevel asks (Retry-After), up to ${RATE_LIMIT_PATIENCE_MS / 1000} s`,
    );
  }

  private limiterFor(locationId: string): LocationLimiter {
    if (!this.opts.limiters) throw new Error('this transport has no rate limiters: location calls need a client (createGhlClient)');
    return this.opts.limiters.for(locationId);
  }

  private async tokenFor(spec: RequestSpec): Promise<string> {
    if (spec.locationId === undefined) return spec.bearer ?? '';
    if (!this.opts.tokens) throw new Error('this transport has no token provider: location calls need a client (createGhlClient)');
    return this.opts.tokens.getToken(spec.locationId);
  }

  /**
   * Compiles the answer checks of these routes now rather than on their first answer: each costs
   * a few hundred ms of CPU the first time, which a long-running process (a worker) pays once at
   * start instead of inside its first jobs, while they hold their locations' windows.
   */
  prepareAnswerChecks(routes: ReadonlyArray<{ method: string; path: string }>): void {
    this.validator ??= createSpecValidator();
    for (const { method, path } of routes) {
      const op = this.validator.match(method, path);
      if (!op) continue;
      this.validator.checkResponse(op, 200, {});
      this.validator.answerDepartures(op, 200, {});
    }
  }

  /** A 2xx body: what the caller needs checked, the rest recorded as drift; routes the contract lacks pass. */
  private checkAnswer(spec: RequestSpec, operation: GhlOperation, answer: Answer): void {
    this.validator ??= createSpecValidator();
    const op = this.validator.match(spec.method, spec.path);
    const route = op ? `${op.method} ${op.pathTemplate}` : `${spec.method} ${spec.path.split('?')[0] ?? ''}`;
    const init = { operation, status: answer.status };
    if (spec.locationId === undefined) {
      const problems = op ? this.validator.checkResponse(op, answer.status, answer.body) : [];
      if (problems.length > 0) throw new UnexpectedAnswerError(route, problems, init);
      return;
    }
    const needed = spec.needs?.(answer.body);
    if (needed && needed.problems.length > 0) throw new UnexpectedAnswerError(route, needed.problems, init);
    const departures = [...(op ? this.validator.answerDepartures(op, answer.status, answer.body) : []), ...(needed?.drift ?? [])];
    if (departures.length === 0 || !this.opts.onDrift) return;
    try {
      this.opts.onDrift({ locationId: spec.locationId, operation: route, seen: countDepartures(departures) });
    } catch (err) {
      // Drift is a report, never a failure: the answer was fine for what we do with it.
      this.opts.logger?.warn({ err: (err as Error).message, route }, 'could not record answer drift');
    }
  }

  /** Logs and waits before the next attempt, counts it, and returns the new retry count. */
  private send(spec: RequestSpec, token: string, observe: ((h: RateHeaders) => void) | undefined): Promise<Answer> {
    const query = definedQuery(spec.query);
    const headers: Record<string, string> = { Version: API_VERSION, Accept: 'application/json' };
    const contentType = contentTypeOf(spec);
    if (contentType !== undefined) headers['Content-Type'] = contentType;
    this.opts.onRequest?.({ method: spec.method, path: spec.path, query, headers: { ...headers }, body: spec.form ?? spec.body });
    if (token) headers.Authorization = `Bearer ${token}`;
    return sendHttp({
      method: spec.method, base: this.base, path: spec.path, query, body: spec.body, form: spec.form, headers,
      timeoutMs: this.opts.timeoutMs, onHeaders: observe ? (h) => observe(readRateHeaders(h)) : undefined,
    });
  }

  /** Counters per location, summed in `total`. */
  stats(): { total: LocationStats; byLocation: Record<string, LocationStats> } {
    const total = emptyStats();
    const byLocation: Record<string, LocationStats> = {};
    for (const limiter of this.opts.limiters?.locations() ?? []) {
      byLocation[limiter.locationId] = { ...limiter.stats };
      total.requests += limiter.stats.requests;
      total.retries += limiter.stats.retries;
      total.rateLimited += limiter.stats.rateLimited;
      total.waitedMs += limiter.stats.waitedMs;
    }
    return { total, byLocation };
  }
}

function operationOf(spec: RequestSpec): GhlOperation {
  return { name: spec.name, method: spec.method, path: spec.path, locationId: spec.locationId ?? '' };
}

/** HighLevel's message(s) from an error body; a token that somehow appears is masked. */
function messagesOf(body: unknown, token: string): string[] {
  let raw: unknown[] = [];
  if (typeof body === 'string') raw = [body];
  else if (body && typeof body === 'object') {
    const m = (body as { message?: unknown }).message;
    raw = Array.isArray(m) ? m : m === undefined ? [] : [m];
  }
  return raw.map((m) => maskSecret(typeof m === 'string' ? m : JSON.stringify(m), token)).filter((m) => m !== '');
}

function messageOf(body: unknown, token: string): string {
  return messagesOf(body, token).join('; ');
}

export function errorFromAnswer(answer: Answer, operation: GhlOperation, retries: number, token: string): GhlError {
  const { status, body } = answer;
  const messages = messagesOf(body, token);
  const text = messages.join('; ');
  const init = { operation, status, retries };
  if (status === 401 || status === 403) return new GhlError(text || `HTTP ${status}`, { ...init, kind: 'auth' });
  if (status === 404) return new GhlError(text || 'not found', { ...init, kind: 'not-found' });
  if (status === 400 || status === 422) {
    const rawMeta = body && typeof body === 'object' ? (body as { meta?: unknown }).meta : undefined;
    const meta = rawMeta && typeof rawMeta === 'object' ? (rawMeta as Record<string, unknown>) : {};
    if (typeof meta.contactId === 'string') return new DuplicateContactError(meta.contactId, messages, meta, init);
    return new ValidationError(messages.length ? messages : [`HTTP ${status}`], meta, init);
  }
  if (status >= 500) return new GhlError(text || `HTTP ${status}`, { ...init, kind: 'server' });
  return new GhlError(text || `HTTP ${status}`, init);
}
