// createGhlClient: one transport (auth, limiter, retries, typed errors) and every typed function
// on top of it. Build one per process and share it: its limiters are per location, so two
// clients for the same location would each think they own the whole rate budget.
import type { Logger } from '../log.ts';
import type { DriftReport } from './answers.ts';
import { contactActionsApi } from './contact-actions.ts';
import { contactsApi } from './contacts.ts';
import { customFieldsApi } from './custom-fields.ts';
import { locationsApi } from './locations.ts';
import { LimiterPool, type LocationStats, type RateLimitSettings } from './limiter.ts';
import { notesApi } from './notes.ts';
import type { SharedRateWindow } from './shared-window.ts';
import type { BackoffOptions } from '../http/retry.ts';
import { tasksApi } from './tasks.ts';
import { usersApi } from './users.ts';
import { Transport, type SentRequest, type TokenProvider } from './transport.ts';

export interface GhlClientOptions {
  baseUrl: string;
  tokens: TokenProvider;
  /**
   * Config `rateLimit`: max per intervalMs per location (a ceiling when set; unset, the client
   * follows the server's X-RateLimit-* window), the daily limit and the share to spend.
   */
  rateLimit: RateLimitSettings;
  /** Config `http`: per-request timeout and retries after the first attempt. */
  http: { timeoutMs: number; retries: number };
  /** Retries are logged at debug level (default: the process logger). */
  logger?: Logger;
  /** Backoff between retries (default: 500 ms base, 30 s cap, full jitter). */
  backoff?: BackoffOptions;
  /** Requests in flight at once per location (default max/10, at least 4). */
  maxConcurrent?: number;
  /** Extra spacing as a share of interval/max, for smoother pacing (default 0.01). */
  spacingMargin?: number;
  /** Sees every request as sent, without its Authorization header (tests validate them). */
  onRequest?: (req: SentRequest) => void;
  /** Told every tolerated departure of an answer from HighLevel's contract (see src/ghl/answers.ts). */
  onDrift?: (report: DriftReport) => void;
  /** Each location's window and daily count shared with the other processes on the database (src/ghl/shared-window.ts). */
  sharedWindow?: SharedRateWindow;
}

export interface GhlClientStats {
  total: LocationStats;
  byLocation: Record<string, LocationStats>;
}

export function createGhlClient(opts: GhlClientOptions) {
  const limiters = new LimiterPool(opts.rateLimit, {
    ...(opts.maxConcurrent !== undefined ? { maxConcurrent: opts.maxConcurrent } : {}),
    ...(opts.spacingMargin !== undefined ? { spacingMargin: opts.spacingMargin } : {}),
  });
  const transport = new Transport({
    baseUrl: opts.baseUrl,
    tokens: opts.tokens,
    limiters,
    timeoutMs: opts.http.timeoutMs,
    retries: opts.http.retries,
    ...(opts.backoff ? { backoff: opts.backoff } : {}),
    // Without one the client logs nothing: the face that made it hands down its logger.
    ...(opts.logger ? { logger: opts.logger } : {}),
    ...(opts.onRequest ? { onRequest: opts.onRequest } : {}),
    ...(opts.onDrift ? { onDrift: opts.onDrift } : {}),
    ...(opts.sharedWindow ? { sharedWindow: opts.sharedWindow } : {}),
  });
  return {
    ...contactsApi(transport),
    ...contactActionsApi(transport),
    ...tasksApi(transport),
    ...notesApi(transport),
    ...customFieldsApi(transport),
    ...locationsApi(transport),
    ...usersApi(transport),
    /** The shared transport, for calls without a typed function yet. */
    transport,
    /** Compiles the answer checks a sync's requests need, ahead of the first sync (a worker's start). */
    prepareSyncChecks: (): void => transport.prepareAnswerChecks(SYNC_ROUTES),
    /** Requests, retries, 429s seen and time spent waiting on the limiter, per location. */
    stats: (): GhlClientStats => transport.stats(),
    /** A location's current pacing (spacing, server-reported limits, daily budget left). */
    pacing: (locationId: string) => limiters.for(locationId).pacing(),
    /** Drop queued requests and release timers. */
    close: (): Promise<void> => limiters.stop(),
  };
}

export type GhlClient = ReturnType<typeof createGhlClient>;

/** What a sync asks HighLevel (src/sync/): the location, its users and custom fields, contacts, their tasks and notes. */
const SYNC_ROUTES = [
  { method: 'GET', path: '/locations/_' },
  { method: 'GET', path: '/users/' },
  { method: 'GET', path: '/locations/_/customFields' },
  { method: 'GET', path: '/contacts/' },
  { method: 'POST', path: '/contacts/search' },
  { method: 'GET', path: '/contacts/_' },
  { method: 'POST', path: '/locations/_/tasks/search' },
  { method: 'GET', path: '/contacts/_/tasks' },
  { method: 'GET', path: '/contacts/_/notes' },
] as const;

/** A TokenProvider for static tokens (Private Integration Tokens) keyed by location. */
export function staticTokens(tokens: Record<string, string>): TokenProvider {
  return {
    async getToken(locationId) {
      const token = tokens[locationId];
      if (token === undefined) throw new Error(`no token configured for location ${locationId}`);
      return token;
    },
  };
}
