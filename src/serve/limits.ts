// What one exposed `serve` grants a client that has not (yet) proven anything: how long it may
// take, how many connections and how many buffered body bytes all clients together may hold.
// Without these, slow or idle connections wear the process down with no credential at all.
import type { Server } from 'node:http';
import type { Logger } from '../log.ts';
export { isLoopbackHost } from '../config/urls.ts';

/** A request (headers and body) must arrive within this; slower ones are cut off (408 / closed). */
export const REQUEST_TIMEOUT_MS = 15_000;
/** The headers must arrive within this. */
export const HEADERS_TIMEOUT_MS = 10_000;
/** An idle keep-alive connection is closed after this. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node checks the two timeouts above (its default, 30 s, would let a slow client stay 45 s). */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** Connections held at once; further ones are refused until some close. */
export const MAX_CONNECTIONS = 1_024;
/** Body bytes buffered by all requests together; a request that would pass it gets 503. */
export const MAX_BUFFERED_BODY_BYTES = 32 * 1024 * 1024;

/** The `createServer` options that bound how long a client may hold a request. */
export const SERVER_TIMEOUTS = {
  requestTimeout: REQUEST_TIMEOUT_MS,
  headersTimeout: HEADERS_TIMEOUT_MS,
  keepAliveTimeout: KEEP_ALIVE_TIMEOUT_MS,
  connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
} as const;

export function applyConnectionCap(server: Server): void {
  server.maxConnections = MAX_CONNECTIONS;
}

/** The body bytes all requests hold right now, shared by every request of one server. */
export class BodyBudget {
  #used = 0;
  constructor(readonly limit: number = MAX_BUFFERED_BODY_BYTES) {}
  /** Takes `bytes` if they fit; false (nothing taken) when they would pass the limit. */
  take(bytes: number): boolean {
    if (this.#used + bytes > this.limit) return false;
    this.#used += bytes;
    return true;
  }
  give(bytes: number): void {
    this.#used = Math.max(0, this.#used - bytes);
  }
  get used(): number {
    return this.#used;
  }
}

/**
 * Clients that went away mid-request (or were cut off by a timeout): one short warning per
 * `everyMs` with how many, never a stack, so a flood of them cannot flood the log.
 */
export function abortedRequestLog(logger: Logger, everyMs = 60_000): () => void {
  let lastAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  return () => {
    unlogged++;
    const now = Date.now();
    if (now - lastAt < everyMs) return;
    logger.warn({ requests: unlogged }, 'serve: requests aborted before their body arrived (client gone or too slow)');
    lastAt = now;
    unlogged = 0;
  };
}
