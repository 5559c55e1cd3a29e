// The one way this project talks to HighLevel: every call goes through `Transport.request`,
// which adds auth and version headers, waits on the location's rate limiter, retries what is
// safe to retry and turns HighLevel's answers into typed errors.
import http from 'node:http';
import https from 'node:https';
import type { Logger } from '../log.ts';
import { createSpecValidator, type SpecValidator } from '../highlevel-api/validator.ts';
import {
  AuthError, DailyBudgetExhaustedError, DuplicateContactError, GhlError, NetworkError, NotFoundError,
  OutcomeUnknownError, RateLimitError, ServerError, UnexpectedAnswerError, ValidationError, type GhlOperation,
} from './errors.ts';
import {
  emptyStats, headerOf, readRateHeaders, type AnswerHeaders, type LimiterPool, type LocationLimiter, type LocationStats, type RateHeaders,
} from './limiter.ts';
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
}

/** An answer as it came back, whatever its status. */
export interface Answer {
  status: number;
  headers: AnswerHeaders;
  body: unknown;
}

/** Idle keep-alive sockets close before a typical server's 5 s keep-alive timeout would drop them mid-reuse. */
const IDLE_SOCKET_MS = 4_000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

export class Transport {
  private readonly base: URL;
  private readonly backoff: BackoffOptions;
  private validator: SpecValidator | undefined;

  constructor(private readonly opts: TransportOptions) {
    this.base = new URL(opts.baseUrl.replace(/\/+$/, ''));
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') throw new Error(`base URL ${opts.baseUrl} is not http(s)`);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
  }

  /**
   * Sends the request and returns its 2xx answer's body, checked against HighLevel's contract
   * (spec + overlay; extra properties allowed): a missing or mistyped field throws
   * UnexpectedAnswerError naming the route and the field. Any other answer throws a typed GhlError.
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
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    const limiter = spec.locationId === undefined ? undefined : this.limiterFor(spec.locationId);
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
        const attempt = async () => {
          token = freshToken ?? (await this.tokenFor(spec));
          const started = Date.now();
          const sent = await this.send(spec, token, limiter ? (h) => limiter.observe(h) : undefined);
          // `--log-level debug`: one line per request (no query string, never a token).
          this.opts.logger?.debug({ method: spec.method, path: spec.path, status: sent.status, ms: Date.now() - started, retries }, 'HighLevel request');
          return sent;
        };
        answer = limiter ? await limiter.schedule(operation, attempt) : await attempt();
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
      if (status >= 200 && status < 300) return { answer, retries, token };

      const tokens = this.opts.tokens;
      if (status === 401 && spec.locationId !== undefined && !triedFreshToken && tokens?.onUnauthorized) {
        triedFreshToken = true;
        const fresh = await tokens.onUnauthorized(spec.locationId, token);
        if (fresh !== undefined && fresh !== token) {
          freshToken = fresh;
          continue;
        }
      }

      if (status === 429) {
        if (limiter) limiter.stats.rateLimited++;
        const rate = readRateHeaders(headers);
        if (rate.dailyRemaining !== undefined && rate.dailyRemaining <= 0) {
          throw new DailyBudgetExhaustedError(rate.dailyLimit ?? 0, 0, { operation, status, retries });
        }
        const retryAfter = parseRetryAfter(headerOf(headers, 'retry-after'));
        const wait = retryAfter ?? backoffDelay(retries, this.backoff);
        // Hold the whole location, not just this request: its neighbours would hit the same wall.
        limiter?.pause(wait);
        if (retries >= this.opts.retries) {
          throw new RateLimitError(`${messageOf(body, token) || 'too many requests'} (after ${retries} retries)`, { operation, status, retries });
        }
        retries = await this.retry(limiter, operation, retries, limiter ? 0 : wait, 'rate limited (429)');
        continue;
      }

      if (isRetryableStatus(status)) {
        const message = messageOf(body, token) || `HTTP ${status}`;
        if (!idempotent) {
          throw new OutcomeUnknownError(`server error ${status} (${message}); the request may have been applied and was not repeated`, { operation, status, retries });
        }
        if (retries >= this.opts.retries) throw new ServerError(`${message} (after ${retries} retries)`, { operation, status, retries });
        const wait = parseRetryAfter(headerOf(headers, 'retry-after')) ?? backoffDelay(retries, this.backoff);
        retries = await this.retry(limiter, operation, retries, wait, `server error ${status}`);
        continue;
      }

      return { answer, retries, token };
    }
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

  /** A 2xx body checked against the operation's documented answer; routes the contract lacks pass. */
  private checkAnswer(spec: RequestSpec, operation: GhlOperation, answer: Answer): void {
    this.validator ??= createSpecValidator();
    const op = this.validator.match(spec.method, spec.path);
    if (!op) return;
    const problems = this.validator.checkResponse(op, answer.status, answer.body);
    if (problems.length > 0) throw new UnexpectedAnswerError(`${op.method} ${op.pathTemplate}`, problems, { operation, status: answer.status });
  }

  /** Logs and waits before the next attempt, counts it, and returns the new retry count. */
  private async retry(limiter: LocationLimiter | undefined, operation: GhlOperation, retries: number, waitMs: number, reason: string): Promise<number> {
    this.opts.logger?.debug({ operation: operation.name, locationId: operation.locationId, attempt: retries + 1, waitMs, reason }, 'retrying HighLevel request');
    await sleep(waitMs);
    if (limiter) limiter.stats.retries++;
    return retries + 1;
  }

  private send(spec: RequestSpec, token: string, observe: ((h: RateHeaders) => void) | undefined): Promise<Answer> {
    const query: Record<string, string> = {};
    for (const [key, value] of Object.entries(spec.query ?? {})) {
      if (value !== undefined) query[key] = String(value);
    }
    const qs = new URLSearchParams(query).toString();
    const headers: Record<string, string> = { Version: API_VERSION, Accept: 'application/json' };
    let payload: string | undefined;
    if (spec.form !== undefined) {
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      payload = new URLSearchParams(spec.form).toString();
    } else if (spec.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      payload = JSON.stringify(spec.body);
    }
    this.opts.onRequest?.({ method: spec.method, path: spec.path, query, headers: { ...headers }, body: spec.form ?? spec.body });
    if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
    if (token) headers.Authorization = `Bearer ${token}`;

    const basePath = this.base.pathname === '/' ? '' : this.base.pathname;
    const isHttps = this.base.protocol === 'https:';
    const request = isHttps ? https.request : http.request;
    return new Promise<Answer>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.destroy();
        reject(err);
      };
      const req = request({
        protocol: this.base.protocol, hostname: this.base.hostname, port: this.base.port,
        path: `${basePath}${spec.path}${qs ? `?${qs}` : ''}`, method: spec.method, headers,
        agent: agents[isHttps ? 'https:' : 'http:'],
      }, (res) => {
        observe?.(readRateHeaders(res.headers));
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        // A connection dropped mid-answer surfaces as a network error after sending, which it is.
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(Buffer.concat(chunks).toString('utf8')) });
        });
      });
      const timer = setTimeout(() => fail(Object.assign(new Error(`no answer within ${this.opts.timeoutMs} ms`), { name: 'TimeoutError' })), this.opts.timeoutMs);
      req.on('error', fail);
      req.end(payload);
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

/** JSON when it parses, the text otherwise, undefined when empty. */
function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A failure of the connection itself (refused, reset, timeout), as opposed to a bug or a provider error. */
function isNetworkFailure(err: unknown): boolean {
  // Socket errors carry system codes (ECONNRESET, ECONNREFUSED, ...); a provider's SQLITE_BUSY is not one.
  const code = errorCode(err);
  return isTimeout(err) || (code !== undefined && /^E[A-Z_]+$/.test(code));
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
