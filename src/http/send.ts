// One HTTP exchange, the part every API client of the project shares (HighLevel in
// src/ghl/transport.ts, LeadCars in src/leadcars/transport.ts): build the URL, send a JSON or form
// body over Node's http/https with keep-alive sockets, time out, read the whole answer and parse
// it when it is JSON. Auth, rate limits, retries and error classes stay with each API's transport.
import http from 'node:http';
import https from 'node:https';
import { errorCode, isTimeout } from './retry.ts';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type QueryValue = string | number | boolean | undefined;

/** An answer's headers as Node gives them: lower-case names. */
export type AnswerHeaders = Record<string, string | string[] | undefined>;

export interface HttpExchange {
  method: HttpMethod;
  /** Base URL (http or https), with or without a path; see httpBase. */
  base: URL;
  /** Path below the base URL, with path parameters already encoded. */
  path: string;
  query?: Record<string, QueryValue> | undefined;
  /** A JSON body. */
  body?: unknown;
  /** A form body (application/x-www-form-urlencoded); wins over `body`. */
  form?: Record<string, string> | undefined;
  /** Content-Type and Content-Length are added here. */
  headers: Record<string, string>;
  timeoutMs: number;
  /** Called with the answer's headers as soon as they arrive, before the body is read. */
  onHeaders?: ((headers: AnswerHeaders) => void) | undefined;
  /** Largest answer body read (default MAX_ANSWER_BYTES); a larger one is refused. */
  maxAnswerBytes?: number | undefined;
}

/** No answer of HighLevel or LeadCars is near this; one that is would exhaust memory, so it is refused. */
export const MAX_ANSWER_BYTES = 50 * 1024 * 1024;

/** An answer larger than the limit: not read, not retried (the same request would bring it again). */
export class AnswerTooLargeError extends Error {
  override name = 'AnswerTooLargeError';
  constructor(method: string, path: string, limit: number) {
    super(`the answer to ${method} ${path} is larger than ${limit} bytes (${Math.round(limit / 1024 / 1024)} MiB): refused without reading it; ` +
      'check the base URL points at the API, or ask for smaller pages');
  }
}

export interface HttpAnswer {
  status: number;
  headers: AnswerHeaders;
  /** Parsed JSON; the text itself when it is not JSON; undefined when empty. */
  body: unknown;
}

/** Idle keep-alive sockets close before a typical server's 5 s keep-alive timeout would drop them mid-reuse. */
const IDLE_SOCKET_MS = 4_000;
const agents = {
  'http:': new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
  'https:': new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS }),
};

/** The base URL checked once (trailing slashes dropped); throws unless it is http(s). */
export function httpBase(url: string): URL {
  const base = new URL(url.replace(/\/+$/, ''));
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new Error(`base URL ${url} is not http(s)`);
  return base;
}

/** The query string values that are set, as strings. */
export function definedQuery(query: Record<string, QueryValue> = {}): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

/** The Content-Type a request's body is sent with; undefined without a body. */
export function contentTypeOf(x: Pick<HttpExchange, 'body' | 'form'>): string | undefined {
  if (x.form !== undefined) return 'application/x-www-form-urlencoded';
  return x.body !== undefined ? 'application/json' : undefined;
}

function payloadOf(x: Pick<HttpExchange, 'body' | 'form'>): string | undefined {
  if (x.form !== undefined) return new URLSearchParams(x.form).toString();
  return x.body !== undefined ? JSON.stringify(x.body) : undefined;
}

/**
 * Sends one request and reads the whole answer. Throws a socket error (with its E... code) or a
 * TimeoutError (see isNetworkFailure); a connection dropped mid-answer surfaces as ECONNRESET
 * after sending, which is what it is.
 */
export function sendHttp(x: HttpExchange): Promise<HttpAnswer> {
  const qs = new URLSearchParams(definedQuery(x.query)).toString();
  const headers = { ...x.headers };
  const payload = payloadOf(x);
  const contentType = contentTypeOf(x);
  if (contentType !== undefined) headers['Content-Type'] = contentType;
  if (payload !== undefined) headers['Content-Length'] = String(Buffer.byteLength(payload));
  const basePath = x.base.pathname === '/' ? '' : x.base.pathname;
  const isHttps = x.base.protocol === 'https:';
  const request = isHttps ? https.request : http.request;
  return new Promise<HttpAnswer>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      reject(err);
    };
    const req = request({
      protocol: x.base.protocol, hostname: x.base.hostname, port: x.base.port,
      path: `${basePath}${x.path}${qs ? `?${qs}` : ''}`, method: x.method, headers,
      agent: agents[isHttps ? 'https:' : 'http:'],
    }, (res) => {
      x.onHeaders?.(res.headers);
      const limit = x.maxAnswerBytes ?? MAX_ANSWER_BYTES;
      const tooLarge = () => fail(new AnswerTooLargeError(x.method, x.path, limit));
      if (Number(res.headers['content-length'] ?? 0) > limit) return tooLarge();
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) tooLarge();
        else chunks.push(chunk);
      });
      res.on('error', fail);
      res.on('close', () => {
        if (!res.complete) fail(Object.assign(new Error('the connection closed before the answer was complete'), { code: 'ECONNRESET' }));
      });
      res.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseAnswerText(Buffer.concat(chunks).toString('utf8')) });
      });
    });
    const timer = setTimeout(() => fail(Object.assign(new Error(`no answer within ${x.timeoutMs} ms`), { name: 'TimeoutError' })), x.timeoutMs);
    req.on('error', fail);
    req.end(payload);
  });
}

export function parseAnswerText(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One header's value (the first, when repeated). */
export function headerOf(headers: AnswerHeaders, name: string): string | undefined {
  const raw = headers[name];
  return Array.isArray(raw) ? raw[0] : raw;
}

/** A failure of the connection itself (refused, reset, timeout), as opposed to a bug or a provider error. */
export function isNetworkFailure(err: unknown): boolean {
  // Socket errors carry system codes (ECONNRESET, ECONNREFUSED, ...); a token provider's SQLITE_BUSY is not one.
  const code = errorCode(err);
  return isTimeout(err) || (code !== undefined && /^E[A-Z_]+$/.test(code));
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
