// The one way the LeadCars client talks to LeadCars: every call goes through `request`, which
// adds the cliente-token, waits on the pacer, retries what is safe to retry (429, 5xx, network
// errors; never another 4xx) with jittered backoff (the shared loop, src/http/retry-loop.ts),
// and turns answers into typed errors. A request marked `once` (a create, a comment) is never repeated after it may have reached
// LeadCars: its unknown outcome is thrown as LeadcarsOutcomeUnknownError instead.
import type { Logger } from '../log.ts';
import { DEFAULT_BACKOFF, type BackoffOptions } from '../http/retry.ts';
import { sendWithRetries } from '../http/retry-loop.ts';
import { httpBase, maskSecret, sendHttp, type HttpMethod } from '../http/send.ts';
import {
  LeadcarsError, LeadcarsOutcomeUnknownError, LeadcarsRefusedError, type LeadcarsOperation,
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
    const message = (body: unknown, status: number) => this.mask(errorMessages(body).join('; ')) || `HTTP ${status}`;
    const { answer, retries } = await sendWithRetries({
      retries: this.opts.retries,
      backoff: this.backoff,
      timeoutMs: this.opts.timeoutMs,
      idempotent: !spec.once,
      send: () => this.pacer.schedule(() => sendHttp({
        method: spec.method, base: this.base, path: spec.path, body: spec.body, timeoutMs: this.opts.timeoutMs,
        headers: { Accept: 'application/json', 'cliente-token': this.opts.token },
      })),
      holdAfter429: (waitMs) => {
        this.pacer.stats.rateLimited++;
        // Hold every request, not just this one: they would all hit the same wall.
        this.pacer.pause(waitMs);
        return true;
      },
      onRetry: (retries, waitMs, reason) => {
        this.opts.logger?.debug({ operation: operation.name, path: operation.path, attempt: retries + 1, waitMs, reason }, 'retrying LeadCars request');
        this.pacer.stats.retries++;
      },
      mask: (text) => this.mask(text),
      errors: {
        outcomeUnknown: (what, retries, { answer, cause }) => new LeadcarsOutcomeUnknownError(
          `${what}${answer ? ` (${message(answer.body, answer.status)})` : ''}; it may have been applied and was not repeated`, spec.body,
          { operation, retries, ...(answer ? { status: answer.status } : {}), ...(cause !== undefined ? { cause } : {}) },
        ),
        network: (what, retries, cause) => new LeadcarsError(what, { operation, kind: 'network', retries, cause }),
        rateLimited: ({ status, body }, retries) => new LeadcarsError(`${message(body, status)} (after ${retries} retries)`, { operation, kind: 'rate-limited', status, retries }),
        server: ({ status, body }, retries) => new LeadcarsError(`${message(body, status)} (after ${retries} retries)`, { operation, kind: 'server', status, retries }),
      },
    });
    if (answer.status >= 200 && answer.status < 300) return answer.body;
    throw this.refusal(answer.status, answer.body, operation, retries);
  }

  private refusal(status: number, body: unknown, operation: LeadcarsOperation, retries: number): LeadcarsError {
    const messages = errorMessages(body).map((m) => this.mask(m));
    const init = { operation, status, retries };
    const text = messages.join('; ') || `HTTP ${status}`;
    if (status === 401 || status === 403) return new LeadcarsError(`${text} (check leadcars.token / LEADCARS_TOKEN)`, { ...init, kind: 'auth' });
    if (status === 404) return new LeadcarsError(text, { ...init, kind: 'not-found' });
    if (status >= 500) return new LeadcarsError(text, { ...init, kind: 'server' });
    return new LeadcarsRefusedError(messages, init);
  }

  private mask(text: string): string {
    return maskSecret(text, this.opts.token);
  }
}
