// The one retry loop both API clients run (HighLevel's Transport, LeadCars' LeadcarsTransport):
// repeat what is safe to repeat (network failures, 429, 500/502/503/504) with jittered backoff or
// the server's Retry-After, never repeat a request that may have been applied unless it is
// idempotent, and stop after `retries`. A 429 is different: the server says when to come back,
// and another process (a sync of the same location) may hold the window for a while, so it is
// retried as the server asks (Retry-After, else the reported window) for up to
// `rateLimitPatienceMs` of waiting, however many attempts that takes. Each client supplies how it sends, how it holds its other
// requests on a 429, how it logs and counts a retry, and its own typed errors.
import { ApiError } from './errors.ts';
import { backoffDelay, failedBeforeSending, isRetryableStatus, parseRetryAfter, sleep, type BackoffOptions } from './retry.ts';
import { AnswerTooLargeError, describeNetworkFailure, headerOf, isNetworkFailure, type HttpAnswer } from './send.ts';

export interface RetryErrors {
  /** The request may have been applied (no answer, or a 5xx `answer`) and is not repeated. */
  outcomeUnknown(what: string, retries: number, detail: { answer?: HttpAnswer; cause?: unknown }): Error;
  /** No answer, retries spent. */
  network(what: string, retries: number, cause: unknown): Error;
  /** Still 429 once retries are spent. */
  rateLimited(answer: HttpAnswer, retries: number): Error;
  /** Still 5xx once retries are spent. */
  server(answer: HttpAnswer, retries: number): Error;
}

export interface RetryLoopOptions {
  /** Retries after the first attempt, for network failures and 5xx answers. */
  retries: number;
  /** How long 429s may keep a request waiting in all, before it fails (default RATE_LIMIT_PATIENCE_MS). */
  rateLimitPatienceMs?: number;
  /** Without Retry-After: the wait a 429's other headers ask for (e.g. the reported window), if any. */
  windowWait?(answer: HttpAnswer): number | undefined;
  backoff: BackoffOptions;
  timeoutMs: number;
  /** Whether repeating the request after an unknown outcome is harmless. */
  idempotent: boolean;
  /** One attempt. A network failure is retried; any other thrown error ends the loop as is. */
  send(retries: number): Promise<HttpAnswer>;
  /**
   * Looks at every non-2xx answer first: 'again' repeats the request at once, uncounted (e.g.
   * with a fresh token after a 401); it may throw (e.g. HighLevel's spent daily budget).
   */
  inspect?(answer: HttpAnswer, retries: number): Promise<'again' | undefined> | 'again' | undefined;
  /** A 429 arrived: hold the client's other requests for `waitMs` and count it. True when that hold also delays this request. */
  holdAfter429(waitMs: number): boolean;
  /** Before waiting `waitMs` for the next attempt: log and count the retry. */
  onRetry(retries: number, waitMs: number, reason: string): void;
  /** Masks secrets in a failure's description. */
  mask?(text: string): string;
  errors: RetryErrors;
}

/** A write made while another process fills the location's window gets through within this. */
export const RATE_LIMIT_PATIENCE_MS = 60_000;

/**
 * Sends until the answer is final: returns a 2xx answer or any answer that is not worth
 * repeating (a 4xx, for the caller to turn into its refusal), with the retries spent.
 */
export async function sendWithRetries(opts: RetryLoopOptions): Promise<{ answer: HttpAnswer; retries: number }> {
  let retries = 0;
  /** Retries spent on network failures and 5xx (those `opts.retries` bounds). */
  let failures = 0;
  let rateLimitedMs = 0;
  const patience = opts.rateLimitPatienceMs ?? RATE_LIMIT_PATIENCE_MS;
  const retry = async (waitMs: number, reason: string) => {
    opts.onRetry(retries, waitMs, reason);
    await sleep(waitMs);
    retries++;
  };
  const backoff = () => backoffDelay(failures, opts.backoff);
  for (;;) {
    let answer: HttpAnswer;
    try {
      answer = await opts.send(retries);
    } catch (err) {
      // A write answered with more than the sender will read: it reached the server, which may
      // have applied it, so it is an unknown outcome (never repeated), not a plain failure.
      if (err instanceof AnswerTooLargeError && !opts.idempotent) throw opts.errors.outcomeUnknown(err.message, retries, { cause: err });
      if (err instanceof ApiError || !isNetworkFailure(err)) throw err;
      const what = opts.mask ? opts.mask(describeNetworkFailure(err, opts.timeoutMs)) : describeNetworkFailure(err, opts.timeoutMs);
      if (!opts.idempotent && !failedBeforeSending(err)) throw opts.errors.outcomeUnknown(what, retries, { cause: err });
      if (failures >= opts.retries) throw opts.errors.network(`${what} after ${retries} retries`, retries, err);
      await retry(backoff(), what);
      failures++;
      continue;
    }

    const { status, headers } = answer;
    if (status >= 200 && status < 300) return { answer, retries };
    if ((await opts.inspect?.(answer, retries)) === 'again') continue;

    if (status === 429) {
      // At least a little jitter: two processes told the same instant would meet again.
      const wait = (parseRetryAfter(headerOf(headers, 'retry-after')) ?? opts.windowWait?.(answer) ?? backoffDelay(0, opts.backoff)) + Math.floor(Math.random() * 20);
      // Held for the whole client (or location), not just this request: the others would hit the same wall.
      const held = opts.holdAfter429(wait);
      if (rateLimitedMs + wait > patience) throw opts.errors.rateLimited(answer, retries);
      rateLimitedMs += wait;
      await retry(held ? 0 : wait, 'rate limited (429)');
      continue;
    }
    if (isRetryableStatus(status)) {
      if (!opts.idempotent) throw opts.errors.outcomeUnknown(`server error ${status}`, retries, { answer });
      if (failures >= opts.retries) throw opts.errors.server(answer, retries);
      await retry(parseRetryAfter(headerOf(headers, 'retry-after')) ?? backoff(), `server error ${status}`);
      failures++;
      continue;
    }
    return { answer, retries };
  }
}
