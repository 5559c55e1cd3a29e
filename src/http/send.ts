// One HTTP exchange, the part every API client of the project shares: build the URL, send JSON
// with a timeout, read the whole answer and parse it when it is JSON. Auth, rate limits, retries
// and error classes stay with each API's transport (src/ghl/transport.ts, src/leadcars/transport.ts).
import { errorCode, isTimeout } from './retry.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

export interface HttpExchange {
  method: HttpMethod;
  /** Base URL without a trailing slash. */
  baseUrl: string;
  /** Path below the base URL, with path parameters already encoded. */
  path: string;
  query?: Record<string, QueryValue>;
  /** Sent as JSON when defined. */
  body?: unknown;
  headers: Record<string, string>;
  timeoutMs: number;
  fetch?: typeof fetch;
}

export interface HttpAnswer {
  status: number;
  headers: Headers;
  /** Parsed JSON; the text itself when it is not JSON; undefined when empty. */
  body: unknown;
}

/** The query string values that are set, as strings. */
export function definedQuery(query: Record<string, QueryValue> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

export function trimBaseUrl(url: string): string {
  return url.replace(/\/+$/, '');
}

/**
 * Sends one request and reads the whole answer. Throws what fetch throws (see isNetworkFailure):
 * reading the body can fail too (connection dropped mid-answer), which surfaces as a network
 * error after sending, which is what it is.
 */
export async function sendHttp(x: HttpExchange): Promise<HttpAnswer> {
  const qs = new URLSearchParams(definedQuery(x.query)).toString();
  const url = `${x.baseUrl}${x.path}${qs ? `?${qs}` : ''}`;
  const headers = { ...x.headers };
  if (x.body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await (x.fetch ?? globalThis.fetch)(url, {
    method: x.method,
    headers,
    ...(x.body !== undefined ? { body: JSON.stringify(x.body) } : {}),
    signal: AbortSignal.timeout(x.timeoutMs),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: parseAnswerText(text) };
}

export function parseAnswerText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** A failure of fetch itself (connection, timeout), as opposed to a bug or a provider error. */
export function isNetworkFailure(err: unknown): boolean {
  if (isTimeout(err)) return true;
  // undici: TypeError('fetch failed') with the socket error as cause; body reads fail with
  // 'terminated' or a socket error code.
  return err instanceof TypeError || errorCode(err) !== undefined;
}

/** One line for a network failure: "no answer within N ms" or "connection failed (...)". */
export function describeNetworkFailure(err: unknown, timeoutMs: number): string {
  if (isTimeout(err)) return `no answer within ${timeoutMs} ms`;
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  return `connection failed (${typeof code === 'string' ? `${message}: ${code}` : message})`;
}

/** Replaces every occurrence of a secret in a text (error messages that echo a header). */
export function maskSecret(text: string, secret: string): string {
  return secret ? text.split(secret).join('[redacted]') : text;
}
