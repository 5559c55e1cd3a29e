// Tiny HTTP helpers on node:http: a route table with `{param}` patterns, body reading and JSON
// answers. No framework, so every header and status the sandbox sends is visible here.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

/** What a route handler receives: the parsed request, nothing more. */
export interface SandboxRequest {
  method: string;
  /** Path without the query string, e.g. "/contacts/abc". */
  path: string;
  /** The route pattern that matched, e.g. "/contacts/{contactId}". */
  pattern: string;
  params: Record<string, string>;
  query: Record<string, string>;
  headers: Record<string, string | undefined>;
  /** Parsed JSON or form body; undefined when the request had none. */
  body: unknown;
  /** The raw body text (form-encoded OAuth calls and signatures need it). */
  rawBody: string;
}

/** A handler's answer; the server adds rate-limit headers and writes it. */
export interface SandboxResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Handler<C> = (req: SandboxRequest, ctx: C) => SandboxResponse | Promise<SandboxResponse>;

export interface Route<C> {
  method: Method;
  /** HighLevel's path template, `{name}` for a parameter: "/contacts/{contactId}/tasks". */
  pattern: string;
  handler: Handler<C>;
}

interface CompiledRoute<C> extends Route<C> {
  regex: RegExp;
  names: string[];
}

function compile<C>(route: Route<C>): CompiledRoute<C> {
  const names: string[] = [];
  const source = route.pattern
    .split('/')
    .map((segment) => {
      const m = /^\{(\w+)\}$/.exec(segment);
      if (!m) return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(m[1]!);
      return '([^/]+)';
    })
    .join('/');
  // HighLevel serves "/contacts/" and "/contacts" alike; a trailing slash is optional.
  const trimmed = source.endsWith('/') ? source.slice(0, -1) : source;
  return { ...route, regex: new RegExp(`^${trimmed}/?$`), names };
}

/** An ordered route table: literal routes are tried before parameterised ones of the same shape. */
export class Router<C> {
  private readonly routes: CompiledRoute<C>[] = [];

  add(route: Route<C>): void {
    this.routes.push(compile(route));
    // "/contacts/search" must win over "/contacts/{contactId}": fewer parameters first.
    this.routes.sort((a, b) => a.names.length - b.names.length);
  }

  match(method: string, path: string): { route: Route<C>; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, i) => {
        params[name] = decodeURIComponent(m[i + 1]!);
      });
      return { route, params };
    }
    return undefined;
  }
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** JSON and form bodies are parsed; unparsable JSON is reported as such so the caller can answer 400. */
export function parseBody(raw: string, contentType: string | undefined): { body: unknown; error?: string } {
  if (raw.length === 0) return { body: undefined };
  if (contentType?.includes('application/x-www-form-urlencoded')) {
    return { body: Object.fromEntries(new URLSearchParams(raw)) };
  }
  try {
    return { body: JSON.parse(raw) as unknown };
  } catch {
    return { body: undefined, error: 'Unexpected token in JSON body' };
  }
}

export function flatHeaders(req: IncomingMessage): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function json(status: number, body: unknown): SandboxResponse {
  return { status, body };
}
