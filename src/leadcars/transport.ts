// The one way the LeadCars client talks to LeadCars: every call goes through `request`, which
// adds the cliente-token, waits on the pacer, retries what is safe to retry (429, 5xx, network
// errors; never another 4xx) with jittered backoff, and turns answers into typed errors. A
// request marked `once` (a create, a comment) is never repeated after it may have reached
// LeadCars: its unknown outcome is thrown as LeadcarsOutcomeUnknownError instead.
import type { Logger } from '../log.ts';
import {
  backoffDelay, DEFAULT_BACKOFF, failedBeforeSending, isRetryableStatus, parseRetryAfter, sleep, type BackoffOptions,
} from '../http/retry.ts';
import {
  describeNetworkFailure, headerOf, httpBase, isNetworkFailure, maskSecret, sendHttp, type HttpAnswer, type HttpMethod,
} from '../http/send.ts';
import {
  LeadcarsAuthError, LeadcarsError, LeadcarsNetworkError, LeadcarsNotFoundError, LeadcarsOutcomeUnknownError,
  LeadcarsRateLimitError, LeadcarsRefusedError, LeadcarsServerError, type LeadcarsOperation,
} from './errors.ts';
import { LeadcarsPacer } from './pacer.ts';
import { errorMessages } from './parse.ts';

export interface LeadcarsRequest {
  /** The client function's name, e.g. "createLead" (shows in errors and logs). */
  name: string;
  method: HttpMethod;
  path: string;
  body?: unknown;
  /** True for writes that must not be repeated once they may have arrived (creates, comments). */
  once?: boolean;
}

export interface LeadcarsTransportOptions {
  baseUrl: string;
  token: string;
  /** Requests per second (config `leadcars.rateLimit`). */
  rateLimit: number;
  timeoutMs: number;
  /** Retries after the first attempt. */
  retries: number;
  backoff?: BackoffOptions;
  logger?: Logger;
}

export class LeadcarsTransport {
  readonly pacer: LeadcarsPacer;
  private readonly base: URL;
  private readonly backoff: BackoffOptions;

  constructor(private readonly opts: LeadcarsTransportOptions) {
    this.base = httpBase(opts.baseUrl);
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.pacer = new LeadcarsPacer(opts.rateLimit);
  }

  async request(spec: LeadcarsRequest): Promise<unknown> {
    const operation: LeadcarsOperation = { name: spec.name, method: spec.method, path: spec.path };
    let retries = 0;
    for (;;) {
      let answer: HttpAnswer;
      try {
        answer = await this.pacer.schedule(() => sendHttp({
          method: spec.method, base: this.base, path: spec.path, body: spec.body, timeoutMs: this.opts.timeoutMs,
          headers: { Accept: 'application/json', 'cliente-token': this.opts.token },
        }));
      } catch (err) {
        if (!isNetworkFailure(err)) throw err;
        const what = this.mask(describeNetworkFailure(err, this.opts.timeoutMs));
        if (spec.once && !failedBeforeSending(err)) {
          throw new LeadcarsOutcomeUnknownError(`${what}; it may have been applied and was not repeated`, spec.body, { operation, retries, cause: err });
        }
        if (retries >= this.opts.retries) throw new LeadcarsNetworkError(`${what} after ${retries} retries`, { operation, retries, cause: err });
        retries = await this.retry(operation, retries, backoffDelay(retries, this.backoff), what);
        continue;
      }

      const { status, headers, body } = answer;
      if (status >= 200 && status < 300) return body;
      const message = this.mask(errorMessages(body).join('; ')) || `HTTP ${status}`;

      if (status === 429) {
        this.pacer.stats.rateLimited++;
        // Hold every request, not just this one: they would all hit the same wall.
        this.pacer.pause(parseRetryAfter(headerOf(headers, 'retry-after')) ?? backoffDelay(retries, this.backoff));
        if (retries >= this.opts.retries) throw new LeadcarsRateLimitError(`${message} (after ${retries} retries)`, { operation, status, retries });
        retries = await this.retry(operation, retries, 0, 'rate limited (429)');
        continue;
      }
      if (isRetryableStatus(status)) {
        if (spec.once) {
          throw new LeadcarsOutcomeUnknownError(`server error ${status} (${message}); it may have been applied and was not repeated`, spec.body, { operation, status, retries });
        }
        if (retries >= this.opts.retries) throw new LeadcarsServerError(`${message} (after ${retries} retries)`, { operation, status, retries });
        const wait = parseRetryAfter(headerOf(headers, 'retry-after')) ?? backoffDelay(retries, this.backoff);
        retries = await this.retry(operation, retries, wait, `server error ${status}`);
        continue;
      }
      throw this.refusal(status, body, operation, retries);
    }
  }

  private refusal(status: number, body: unknown, operation: LeadcarsOperation, retries: number): LeadcarsError {
    const messages = errorMessages(body).map((m) => this.mask(m));
    const init = { operation, status, retries };
    const text = messages.join('; ') || `HTTP ${status}`;
    if (status === 401 || status === 403) return new LeadcarsAuthError(`${text} (check leadcars.token / LEADCARS_TOKEN)`, init);
    if (status === 404) return new LeadcarsNotFoundError(text, init);
    if (status >= 500) return new LeadcarsServerError(text, init);
    return new LeadcarsRefusedError(messages, init);
  }

  private async retry(operation: LeadcarsOperation, retries: number, waitMs: number, reason: string): Promise<number> {
    this.opts.logger?.debug({ operation: operation.name, path: operation.path, attempt: retries + 1, waitMs, reason }, 'retrying LeadCars request');
    await sleep(waitMs);
    this.pacer.stats.retries++;
    return retries + 1;
  }

  private mask(text: string): string {
    return maskSecret(text, this.opts.token);
  }
}
