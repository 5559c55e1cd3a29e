// The one way this project talks to HighLevel: every call goes through `Transport.request`,
// which adds auth and version headers, waits on the location's rate limiter, retries what is
// safe to retry and turns HighLevel's answers into typed errors.
import type { Logger } from '../log.ts';
import {
  AuthError, DailyBudgetExhaustedError, DuplicateContactError, GhlError, NetworkError, NotFoundError,
  OutcomeUnknownError, RateLimitError, ServerError, ValidationError, type GhlOperation,
} from './errors.ts';
import { emptyStats, readRateHeaders, type LimiterPool, type LocationLimiter, type LocationStats } from './limiter.ts';
import {
  backoffDelay, DEFAULT_BACKOFF, errorCode, failedBeforeSending, isRetryableStatus, isTimeout, parseRetryAfter, sleep,
  type BackoffOptions,
} from './retry.ts';

export const API_VERSION = '2021-07-28';

/** Supplies a location's bearer token (a Private Integration Token or an OAuth access token). */
export interface TokenProvider {
  getToken(locationId: string): Promise<string>;
  /** Called once after a 401: return a fresh token to retry with, or undefined to give up. */
  onUnauthorized?(locationId: string, token: string): Promise<string | undefined>;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface RequestSpec {
  /** The client function's name, e.g. "createContact" (shows in errors and logs). */
  name: string;
  method: HttpMethod;
  /** Path below the base URL, with path parameters already encoded. */
  path: string;
  /** The location whose token and rate budget the request uses. */
  locationId: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /**
   * Whether repeating the request after an unknown outcome is harmless. Defaults to true for
   * everything but POST; creates must say false, upserts, searches and tag calls say true.
   */
  idempotent?: boolean;
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
  tokens: TokenProvider;
  limiters: LimiterPool;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  backoff?: BackoffOptions;
  logger?: Logger;
  fetch?: typeof fetch;
  onRequest?: (req: SentRequest) => void;
}

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

export class Transport {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: TransportOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, '');
    this.fetchImpl = opts.fetch ?? globalThis.fetch;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  async request<T>(spec: RequestSpec): Promise<T> {
    const operation: GhlOperation = { name: spec.name, method: spec.method, path: spec.path, locationId: spec.locationId };
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const limiter = this.opts.limiters.for(spec.locationId);
    // Asked again before every attempt: a request can wait long in the limiter's queue, and the
    // provider refreshes OAuth tokens ahead of expiry. After a 401, the fresh token it gave wins.
    let freshToken: string | undefined;
    let token = '';
    let triedFreshToken = false;
    let retries = 0;

    // Each pass is one attempt; `continue` repeats it, `throw`/`return` ends.
    for (;;) {
      let answer: Answer;
      try {
        answer = await limiter.schedule(operation, async () => {
          token = freshToken ?? (await this.opts.tokens.getToken(spec.locationId));
          const started = Date.now();
          const sent = await this.send(spec, token, (h) => limiter.observe(h));
          // `--log-level debug`: one line per request (no query string, never a token).
          this.opts.logger?.debug({ method: spec.method, path: spec.path, status: sent.status, ms: Date.now() - started, retries }, 'HighLevel request');
          return sent;
        });
      } catch (err) {
        if (err instanceof GhlError) throw err; // the daily budget: nothing was sent
        if (!isNetworkFailure(err)) throw err; // e.g. the token provider's own failure
        const what = isTimeout(err) ? `no answer within ${this.opts.timeoutMs} ms` : `connection failed (${describe(err)})`;
        if (!idempotent && !failedBeforeSending(err)) {
          throw new OutcomeUnknownError(`${what}; the request may have been applied and was not repeated`, { operation, retries, cause: err });
        }
        if (retries >= this.opts.retries) throw new NetworkError(`${what} after ${retries} retries`, { operation, retries, cause: err });
        retries = await this.retry(limiter, operation, retries, backoffDelay(retries, this.backoff), what);
        continue;
      }

      const { status, headers, body } = answer;
      if (status >= 200 && status < 300) return body as T;

      if (status === 401 && !triedFreshToken && this.opts.tokens.onUnauthorized) {
        triedFreshToken = true;
        const fresh = await this.opts.tokens.onUnauthorized(spec.locationId, token);
        if (fresh !== undefined && fresh !== token) {
          freshToken = fresh;
          continue;
        }
      }

      if (status === 429) {
        limiter.stats.rateLimited++;
        const rate = readRateHeaders(headers);
        if (rate.dailyRemaining !== undefined && rate.dailyRemaining <= 0) {
          throw new DailyBudgetExhaustedError(rate.dailyLimit ?? 0, 0, { operation, status, retries });
        }
        const retryAfter = parseRetryAfter(headers.get('retry-after'));
        // Hold the whole location, not just this request: its neighbours would hit the same wall.
        limiter.pause(retryAfter ?? backoffDelay(retries, this.backoff));
        if (retries >= this.opts.retries) {
          throw new RateLimitError(`${messageOf(body, token) || 'too many requests'} (after ${retries} retries)`, { operation, status, retries });
        }
        retries = await this.retry(limiter, operation, retries, 0, 'rate limited (429)');
        continue;
      }

      if (isRetryableStatus(status)) {
        const message = messageOf(body, token) || `HTTP ${status}`;
        if (!idempotent) {
          throw new OutcomeUnknownError(`server error ${status} (${message}); the request may have been applied and was not repeated`, { operation, status, retries });
        }
        if (retries >= this.opts.retries) throw new ServerError(`${message} (after ${retries} retries)`, { operation, status, retries });
        const wait = parseRetryAfter(headers.get('retry-after')) ?? backoffDelay(retries, this.backoff);
        retries = await this.retry(limiter, operation, retries, wait, `server error ${status}`);
        continue;
      }

      throw errorFromAnswer(answer, operation, retries, token);
    }
  }

  /** Logs and waits before the next attempt, counts it, and returns the new retry count. */
  private async retry(limiter: LocationLimiter, operation: GhlOperation, retries: number, waitMs: number, reason: string): Promise<number> {
    this.opts.logger?.debug({ operation: operation.name, locationId: operation.locationId, attempt: retries + 1, waitMs, reason }, 'retrying HighLevel request');
    await sleep(waitMs);
    limiter.stats.retries++;
    return retries + 1;
  }

  private async send(spec: RequestSpec, token: string, observe: (h: ReturnType<typeof readRateHeaders>) => void): Promise<Answer> {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query[key] = String(value);
    }
    const qs = new URLSearchParams(query).toString();
    const url = `${this.baseUrl}${spec.path}${qs ? `?${qs}` : ''}`;
    const headers: Record<string, string> = { Version: API_VERSION, Accept: 'application/json' };
    if (spec.body !== undefined) headers['Content-Type'] = 'application/json';
    this.opts.onRequest?.({ method: spec.method, path: spec.path, query, headers: { ...headers }, body: spec.body });

    const res = await this.fetchImpl(url, {
      method: spec.method,
      headers: { ...headers, Authorization: `Bearer ${token}` },
      ...(spec.body !== undefined ? { body: JSON.stringify(spec.body) } : {}),
      signal: AbortSignal.timeout(this.opts.timeoutMs),
    });
    observe(readRateHeaders(res.headers));
    // Reading the body can fail too (connection dropped mid-answer): that surfaces as a
    // network error after sending, which is what it is.
    const text = await res.text();
    let body: unknown = text;
    if (text !== '') {
      try {
        body = JSON.parse(text) as unknown;
      } catch {
        body = text;
      }
    } else {
      body = undefined;
    }
    return { status: res.status, headers: res.headers, body };
  }

  /** Counters per location, summed in `total`. */
  stats(): { total: LocationStats; byLocation: Record<string, LocationStats> } {
    const total = emptyStats();
    const byLocation: Record<string, LocationStats> = {};
    for (const limiter of this.opts.limiters.locations()) {
      byLocation[limiter.locationId] = { ...limiter.stats };
      total.requests += limiter.stats.requests;
      total.retries += limiter.stats.retries;
      total.rateLimited += limiter.stats.rateLimited;
      total.waitedMs += limiter.stats.waitedMs;
    }
    return { total, byLocation };
  }
}

/** A failure of fetch itself (connection, timeout), as opposed to a bug or a provider error. */
function isNetworkFailure(err: unknown): boolean {
  if (isTimeout(err)) return true;
  // undici: TypeError('fetch failed') with the socket error as cause; body reads fail with
  // 'terminated' or a socket error code.
  return err instanceof TypeError || errorCode(err) !== undefined;
}

function describe(err: unknown): string {
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? `${message}: ${code}` : message;
}

/** HighLevel's message(s) from an error body; a token that somehow appears is masked. */
function messagesOf(body: unknown, token: string): string[] {
  let raw: unknown[] = [];
  if (typeof body === 'string') raw = [body];
  else if (body && typeof body === 'object') {
    const m = (body as { message?: unknown }).message;
    raw = Array.isArray(m) ? m : m === undefined ? [] : [m];
  }
  return raw.map((m) => mask(typeof m === 'string' ? m : JSON.stringify(m), token)).filter((m) => m !== '');
}

function messageOf(body: unknown, token: string): string {
  return messagesOf(body, token).join('; ');
}

function mask(text: string, token: string): string {
  return token ? text.split(token).join('[redacted]') : text;
}

export function errorFromAnswer(answer: Answer, operation: GhlOperation, retries: number, token: string): GhlError {
  const { status, body } = answer;
  const messages = messagesOf(body, token);
  const text = messages.join('; ');
  const init = { operation, status, retries };
  if (status === 401 || status === 403) return new AuthError(text || `HTTP ${status}`, init);
  if (status === 404) return new NotFoundError(text || 'not found', init);
  if (status === 400 || status === 422) {
    const rawMeta = body && typeof body === 'object' ? (body as { meta?: unknown }).meta : undefined;
    const meta = rawMeta && typeof rawMeta === 'object' ? (rawMeta as Record<string, unknown>) : {};
    if (typeof meta.contactId === 'string') return new DuplicateContactError(meta.contactId, messages, meta, init);
    return new ValidationError(messages.length ? messages : [`HTTP ${status}`], meta, init);
  }
  if (status >= 500) return new ServerError(text || `HTTP ${status}`, init);
  return new GhlError(text || `HTTP ${status}`, init);
}
