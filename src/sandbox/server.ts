// The sandbox: HighLevel's HTTP surface over the in-memory store, on 127.0.0.1.
//
// A missing or wrong `Version` header is refused like any other invalid input: 422 with
// `message: string[]` (NOTES.md "Basics": every operation declares Version as a required header;
// "Errors": 422 is HighLevel's answer to invalid input, `{statusCode, message: string[], error}`).
//
// A HighLevel-surface request goes through the steps HighLevel's NestJS stack applies, in
// its order: route (404) -> bearer token (401) -> rate limit (429) -> scopes (401) ->
// spec validation (422) -> location access (403) -> the route. Faults are drawn first, per
// request, and shape how (or whether) the answer leaves. Control endpoints (/__sandbox/) skip
// all of that.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../log.ts';
import { CONTROL_PREFIX, controlRoutes, type FaultLevers, type SandboxStats } from './control.ts';
import { FAULT_KINDS, createFaultInjector, faultStatus, type FaultKind } from './faults.ts';
import {
  Router, flatHeaders, parseBody, readBody, sendJson,
  type Route, type SandboxRequest, type SandboxResponse,
} from './http.ts';
import { listenLoopback, type Listening } from './listen.ts';
import { quirkyAnswer } from './quirks.ts';
import { createRateLimiter, type RateWindow } from './rate-limit.ts';
import { bulkRoutes } from './routes/bulk.ts';
import { contactLinkRoutes } from './routes/contact-links.ts';
import { contactRoutes } from './routes/contacts.ts';
import { errorResponse, type RouteContext, type TokenInfo } from './routes/context.ts';
import { customFieldRoutes } from './routes/custom-fields.ts';
import { locationRoutes } from './routes/locations.ts';
import { scopedTokenRoute } from './scoped-tokens.ts';
import { noteRoutes } from './routes/notes.ts';
import { taskRoutes } from './routes/tasks.ts';
import { SandboxError, type SandboxStore, type SeedOptions } from './types.ts';
import { createRequestChecker, type RequestChecker } from './validation.ts';
import { webhookExtension, type WebhookDelivery } from './webhooks.ts';
import type { MatchedOperation } from '../highlevel-api/validator.ts';
import type { LeadcarsSandbox, LeadcarsSandboxOptions } from './leadcars/server.ts';

export type { TokenInfo, RouteContext } from './routes/context.ts';
export type { SandboxStats } from './control.ts';

export type TokenResolver = (token: string) => TokenInfo | undefined;

/** Scopes a Private Integration Token of the sandbox carries: everything this project calls. */
export const PIT_SCOPES = [
  'contacts.readonly', 'contacts.write', 'locations/customFields.readonly', 'locations/tasks.readonly',
  'locations/tasks.write', 'locations.readonly', 'users.readonly',
];

export interface SandboxOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only: the control endpoints have no auth. */
  host?: string;
  seed?: number;
  locations?: number;
  /** Contacts per location. */
  contacts?: number;
  rateLimit?: { max: number; windowMs: number } | 'none';
  rateWindow?: RateWindow;
  dailyLimit?: number;
  /** Share of HighLevel-surface requests that fail, 0..1. */
  faults?: number;
  /** Seed of the fault sequence; defaults to `seed`. */
  faultSeed?: number;
  /** Restricts faults to these kinds (default: all of 500/502/503, drop, slow). */
  faultKinds?: FaultKind[];
  /** How long a "slow" fault holds its answer; default 2 s divided by timeScale. */
  slowMs?: number;
  /** Divides rate windows, the daily window and token lifetimes, so tests run quickly. */
  timeScale?: number;
  tokenTtlSeconds?: number;
  clock?: () => number;
  /** Builds the store; defaults to src/sandbox/store.ts's createSandboxStore. */
  createStore?: (opts: SeedOptions) => SandboxStore;
  /** Checks requests against the spec; defaults to the spec validator (src/highlevel-api/validator.ts). */
  requestChecker?: RequestChecker;
  /** Extra routes (e.g. OAuth) and token resolvers, mounted before the server listens. */
  extensions?: SandboxExtension[];
  /**
   * Also start the LeadCars sandbox (its own port); it shares this sandbox's seed, faults, slow
   * answers and time scale unless the object overrides them. Exposed as `leadcars`.
   */
  leadcars?: boolean | LeadcarsSandboxOptions;
  /** Deliver signed HighLevel webhooks for every change to this URL (src/sandbox/webhooks.ts). */
  webhookUrl?: string;
  /** Answer with live HighLevel's departures from its files (src/sandbox/quirks.ts). */
  quirks?: boolean;
}

/** How optional parts (OAuth, webhooks) plug in without editing this file. */
export interface SandboxExtensionApi {
  readonly store: SandboxStore;
  readonly options: ResolvedOptions;
  addRoutes(routes: Array<Route<RouteContext>>, mode?: RouteMode): void;
  addTokenResolver(resolve: TokenResolver): void;
  /** Merged into the Sandbox handle (e.g. `{ oauth: { clientId, clientSecret } }`). */
  expose(fields: Record<string, unknown>): void;
  /** Called when the sandbox stops (e.g. to stop webhook delivery). */
  onStop(fn: () => void): void;
}
export type SandboxExtension = (api: SandboxExtensionApi) => void;

/**
 * 'api': a HighLevel-surface route (bearer auth, rate limit, faults, spec validation).
 * 'open': a HighLevel route that authenticates itself (OAuth token endpoints): faults only.
 * 'control': a /__sandbox/ route: nothing applied, not counted.
 */
export type RouteMode = 'api' | 'open' | 'control';

export interface Sandbox {
  url: string;
  locations: Array<{ id: string; token: string }>;
  companyId: string;
  store: SandboxStore;
  /** Set by the OAuth extension. */
  oauth?: { clientId: string; clientSecret: string };
  /** Set when started with `leadcars`. */
  leadcars?: LeadcarsSandbox;
  /** Set with `webhookUrl`: base64 SPKI DER of the key the webhooks are signed with. */
  webhookPublicKey?: string;
  /** Started with `quirks`: answers depart from HighLevel's files as live ones do. */
  quirks?: boolean;
  /** Set with `webhookUrl`: the delivery (await `idle()` before checking a receiver). */
  webhooks?: WebhookDelivery;
  stats(): SandboxStats;
  addRoutes(routes: Array<Route<RouteContext>>, mode?: RouteMode): void;
  addTokenResolver(resolve: TokenResolver): void;
  stop(): Promise<void>;
  [extra: string]: unknown;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  seed: number;
  locations: number;
  contacts: number;
  rateLimit: { max: number; windowMs: number } | 'none';
  rateWindow: RateWindow;
  dailyLimit: number;
  faults: number;
  faultSeed: number;
  faultKinds: FaultKind[];
  slowMs: number;
  timeScale: number;
  tokenTtlSeconds: number;
  clock: () => number;
  quirks: boolean;
}

const DAY_MS = 86_400_000;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost)$/;

export function resolveOptions(o: SandboxOptions = {}): ResolvedOptions {
  const timeScale = o.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
  const host = o.host ?? '127.0.0.1';
  if (!LOOPBACK.test(host)) throw new RangeError(`the sandbox binds loopback only (its control endpoints have no auth), got host ${host}`);
  const seed = o.seed ?? 1;
  const rateLimit = o.rateLimit ?? { max: 100, windowMs: 10_000 };
  return {
    port: o.port ?? 0,
    host,
    seed,
    locations: o.locations ?? 2,
    contacts: o.contacts ?? 100,
    rateLimit: rateLimit === 'none' ? 'none' : { max: rateLimit.max, windowMs: rateLimit.windowMs / timeScale },
    rateWindow: o.rateWindow ?? 'sliding',
    dailyLimit: o.dailyLimit ?? 200_000,
    faults: o.faults ?? 0,
    faultSeed: o.faultSeed ?? seed,
    faultKinds: o.faultKinds ?? [...FAULT_KINDS],
    slowMs: o.slowMs ?? 2_000 / timeScale,
    timeScale,
    tokenTtlSeconds: o.tokenTtlSeconds ?? 86_399,
    clock: o.clock ?? Date.now,
    quirks: o.quirks ?? false,
  };
}

function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  return m?.[1];
}

/**
 * A body in a media type the operation does not declare is no body at all, as HighLevel's
 * Express parsers leave it: JSON sent as text/plain, or JSON sent to the form-encoded OAuth token
 * endpoint (apps/oauth.json declares only application/x-www-form-urlencoded), is then refused by
 * validation for its missing fields instead of being read.
 */
function asDeclared(op: MatchedOperation | undefined, request: SandboxRequest, bodyError: string | undefined): { request: SandboxRequest; bodyError: string | undefined } {
  if (!op || op.requestMediaTypes.length === 0 || request.rawBody.length === 0) return { request, bodyError };
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (op.requestMediaTypes.includes(mediaType)) return { request, bodyError };
  return { request: { ...request, body: undefined, rawBody: '' }, bodyError: undefined };
}

function emptyStats(): Omit<SandboxStats, 'maxInWindow' | 'webhooks'> {
  return { requests: 0, byRoute: {}, byStatus: {}, rateLimited: 0, faults: {} };
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/** 422 carries a list of messages (SandboxError joined them with "; "); other errors one string. */
function messageOf(err: SandboxError): string | string[] {
  return err.status === 422 ? err.message.split('; ') : err.message;
}

/** What a faulted 5xx looks like: HighLevel's app answers JSON, its edge proxy answers HTML. */
function faultResponse(kind: FaultKind): SandboxResponse & { html?: string } {
  const status = faultStatus(kind)!;
  if (status === 502) return { status, html: '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>' };
  if (status === 503) return errorResponse(503, 'Service Unavailable');
  return errorResponse(500, 'Internal server error');
}

export async function startSandbox(input: SandboxOptions = {}): Promise<Sandbox> {
  const options = resolveOptions(input);
  const createStore = input.createStore ?? (await import('./store.ts')).createSandboxStore;
  const store = createStore({
    seed: options.seed, locations: options.locations, contactsPerLocation: options.contacts, now: options.clock,
    ...(options.quirks ? { quirks: true } : {}),
  });
  const checker = input.requestChecker ?? createRequestChecker();

  const limiter = createRateLimiter({
    burst: options.rateLimit,
    window: options.rateWindow,
    dailyLimit: options.dailyLimit,
    dayMs: DAY_MS / options.timeScale,
    clock: options.clock,
  });
  const faults = createFaultInjector({ rate: options.faults, seed: options.faultSeed, kinds: options.faultKinds });
  let counters = emptyStats();
  const exposed: Record<string, unknown> = {}; // what extensions merge into the handle (e.g. `webhooks`)
  const levers: FaultLevers = { burst429: 0, retryAfterSeconds: 1, afterRequests: 0 };
  const stats = (): SandboxStats => ({
    ...structuredClone(counters),
    maxInWindow: limiter.maxInWindow(),
    webhooks: (exposed.webhooks as WebhookDelivery | undefined)?.stats() ?? { sent: 0, delivered: 0, pending: 0, failed: 0, retried: 0 },
  });

  // The store's locations are fixed when it is seeded: resolve their tokens from one map built
  // here, not by copying and scanning every location on each request.
  const pitTokens = new Map<string, TokenInfo>(store.locations().map((l) => [l.token, { locationId: l.id, companyId: l.companyId, scopes: PIT_SCOPES }]));
  const pitResolver: TokenResolver = (token) => pitTokens.get(token);
  const resolvers: TokenResolver[] = [pitResolver];
  const resolveToken = (token: string) => {
    for (const resolve of resolvers) {
      const found = resolve(token);
      if (found) return found;
    }
    return undefined;
  };

  const routers: Record<RouteMode, Router<RouteContext>> = { api: new Router(), open: new Router(), control: new Router() };
  const addRoutes = (routes: Array<Route<RouteContext>>, mode: RouteMode = 'api') => {
    for (const route of routes) routers[route.pattern.startsWith(CONTROL_PREFIX) ? 'control' : mode].add(route);
  };
  addRoutes([...contactRoutes(), ...taskRoutes(), ...noteRoutes(), ...customFieldRoutes(), ...locationRoutes()]);
  addRoutes([...contactLinkRoutes(), ...bulkRoutes()]);
  addRoutes([scopedTokenRoute(store, pitTokens, PIT_SCOPES)], 'control');
  addRoutes(controlRoutes({ store, stats, resetStats: () => { counters = emptyStats(); limiter.resetStats(); (exposed.webhooks as WebhookDelivery | undefined)?.resetStats(); }, levers }), 'control');

  // Set once listening; slow answers sleep on its timers so that stop() cancels them.
  let listening: Listening | undefined;
  const sleep = (ms: number) => listening!.sleep(ms);

  let baseUrl = '';

  async function parseRequest(req: IncomingMessage, path: string, query: Record<string, string>, pattern: string, params: Record<string, string>) {
    const headers = flatHeaders(req);
    const rawBody = await readBody(req);
    const parsed = parseBody(rawBody, headers['content-type']);
    const request: SandboxRequest = { method: req.method ?? 'GET', path, pattern, params, query, headers, body: parsed.body, rawBody };
    return { request, bodyError: parsed.error };
  }

  async function runRoute(route: Route<RouteContext>, request: SandboxRequest, ctx: RouteContext): Promise<SandboxResponse> {
    try {
      return await route.handler(request, ctx);
    } catch (err) {
      if (err instanceof SandboxError) return errorResponse(err.status, messageOf(err), err.extra);
      log().error({ err, route: route.pattern }, 'sandbox route failed');
      return errorResponse(500, 'Internal server error');
    }
  }

  /** The HighLevel pipeline for one admitted-or-refused API request; returns the answer and its rate headers. */
  async function apiPipeline(route: Route<RouteContext>, received: SandboxRequest, receivedBodyError: string | undefined): Promise<{ response: SandboxResponse; rateHeaders: Record<string, string> }> {
    const op = checker.match(received.method, received.path);
    const { request, bodyError } = asDeclared(op, received, receivedBodyError);
    const token = bearerOf(request.headers.authorization);
    const info = token ? resolveToken(token) : undefined;
    if (!info || info.expired) return { response: errorResponse(401, 'Invalid JWT'), rateHeaders: {} };

    if (levers.burst429 > 0 && levers.afterRequests > 0) {
      levers.afterRequests -= 1;
    } else if (levers.burst429 > 0) {
      // A burst asked for through /__sandbox/faults: refused before the limiter, so it neither
      // counts as admitted nor as the client's overrun (`rateLimited`).
      levers.burst429 -= 1;
      bump(counters.faults, 'burst429');
      return {
        response: { status: 429, body: { statusCode: 429, message: 'Too Many Requests' }, headers: { 'Retry-After': String(levers.retryAfterSeconds) } },
        rateHeaders: {},
      };
    }
    const decision = limiter.admit(info.locationId ?? info.companyId ?? 'unknown');
    const rateHeaders = decision.headers;
    if (!decision.admitted) {
      counters.rateLimited += 1;
      return {
        response: { status: 429, body: { statusCode: 429, message: 'Too Many Requests' }, headers: { 'Retry-After': String(decision.retryAfterSeconds ?? 1) } },
        rateHeaders,
      };
    }

    if (op) {
      const missing = op.scopes.filter((s) => !info.scopes.includes(s));
      if (op.scopes.length > 0 && missing.length === op.scopes.length) {
        return { response: errorResponse(401, 'The token is not authorized for this scope.'), rateHeaders };
      }
    }
    if (bodyError) return { response: errorResponse(400, bodyError), rateHeaders };
    if (op) {
      const problems = checker.validateRequest(op, { headers: request.headers, query: request.query, body: request.body });
      if (problems.length > 0) return { response: errorResponse(422, problems), rateHeaders };
    }
    const ctx: RouteContext = { store, token: info, baseUrl };
    const response = await runRoute(route, request, ctx);
    if (options.quirks && op && response.status >= 200 && response.status < 300) {
      return { response: { ...response, body: quirkyAnswer(op, response.body) }, rateHeaders };
    }
    return { response, rateHeaders };
  }

  /**
   * A HighLevel route that authenticates itself (the OAuth endpoints): still validated against
   * the spec (Version header, required and unknown fields, declared media type). A call with a
   * security requirement and no bearer at all is left to the route, whose guard answers 401
   * before any validation, as NestJS runs guards before pipes.
   */
  async function openPipeline(route: Route<RouteContext>, received: SandboxRequest, receivedBodyError: string | undefined): Promise<SandboxResponse> {
    const op = checker.match(received.method, received.path);
    const { request, bodyError } = asDeclared(op, received, receivedBodyError);
    if (bodyError) return errorResponse(400, bodyError);
    if (op && !(op.scopes.length > 0 && !bearerOf(request.headers.authorization))) {
      const problems = checker.validateRequest(op, { headers: request.headers, query: request.query, body: request.body });
      if (problems.length > 0) return errorResponse(422, problems);
    }
    return runRoute(route, request, { store, token: undefined, baseUrl });
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://sandbox.invalid');
    const path = url.pathname;
    const query = Object.fromEntries(url.searchParams);

    const control = routers.control.match(method, path);
    if (control) {
      const { request, bodyError } = await parseRequest(req, path, query, control.route.pattern, control.params);
      const response = bodyError ? errorResponse(400, bodyError) : await runRoute(control.route, request, { store, token: undefined, baseUrl });
      sendJson(res, response.status, response.body, response.headers);
      return;
    }

    counters.requests += 1;
    const apiMatch = routers.api.match(method, path);
    const openMatch = apiMatch ? undefined : routers.open.match(method, path);
    const matched = apiMatch ?? openMatch;
    bump(counters.byRoute, matched ? `${method} ${matched.route.pattern}` : 'unmatched');

    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      bump(counters.byStatus, String(status));
      sendJson(res, status, body, headers);
    };

    const sendFault = (kind: FaultKind) => {
      const f = faultResponse(kind);
      bump(counters.byStatus, String(f.status));
      if (f.html !== undefined) {
        res.writeHead(f.status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(f.html) });
        res.end(f.html);
      } else {
        sendJson(res, f.status, f.body);
      }
    };

    if (!matched) {
      await readBody(req);
      reply(404, { statusCode: 404, message: `Cannot ${method} ${path}`, error: 'Not Found' });
      return;
    }

    const fault = faults.next();
    if (fault) bump(counters.faults, fault);
    const status = fault ? faultStatus(fault) : undefined;
    // A 502 comes from HighLevel's edge proxy, which can give up after the app committed a write:
    // for writes the route runs first, so a 502 leaves the outcome unknown, as a drop does.
    const afterCommit = fault === 'http502' && method !== 'GET';
    if (fault && status !== undefined && !afterCommit) {
      await readBody(req);
      sendFault(fault);
      return;
    }

    const { request, bodyError } = await parseRequest(req, path, query, matched.route.pattern, matched.params);
    if (fault === 'slow') await sleep(options.slowMs);

    let response: SandboxResponse;
    let rateHeaders: Record<string, string> = {};
    if (apiMatch) {
      ({ response, rateHeaders } = await apiPipeline(apiMatch.route, request, bodyError));
    } else {
      response = await openPipeline(matched.route, request, bodyError);
    }

    if (fault === 'drop') {
      // The route has run (a write is committed); the client never learns the outcome.
      res.socket?.destroy();
      return;
    }
    if (afterCommit) {
      sendFault(fault);
      return;
    }
    if (res.destroyed || res.socket?.destroyed) return; // the client gave up (e.g. timed out on a slow answer)
    reply(response.status, response.body, { ...rateHeaders, ...response.headers });
  }

  const stopHooks: Array<() => void> = [];
  const api: SandboxExtensionApi = {
    store,
    options,
    addRoutes,
    addTokenResolver: (resolve) => { resolvers.push(resolve); },
    expose: (fields) => { Object.assign(exposed, fields); },
    onStop: (fn) => { stopHooks.push(fn); },
  };
  const webhooks = input.webhookUrl ? [webhookExtension({ url: input.webhookUrl, ...(input.quirks ? { quirks: true } : {}) })] : [];
  for (const extension of [...(input.extensions ?? []), ...webhooks]) extension(api);

  listening = await listenLoopback(handle, options.port, options.host);
  baseUrl = listening.url;

  const leadcars = input.leadcars
    ? await (await import('./leadcars/server.ts')).startLeadcarsSandbox({
      seed: options.seed, faults: options.faults, faultSeed: options.faultSeed, faultKinds: options.faultKinds,
      slowMs: options.slowMs, timeScale: options.timeScale, ...(input.leadcars === true ? {} : input.leadcars),
    })
    : undefined;

  let stopped: Promise<void> | undefined;
  const sandbox: Sandbox = {
    ...exposed,
    ...(leadcars ? { leadcars } : {}),
    ...(options.quirks ? { quirks: true } : {}),
    url: baseUrl,
    locations: store.locations().map((l) => ({ id: l.id, token: l.token })),
    companyId: store.companyId,
    store,
    stats,
    addRoutes,
    addTokenResolver: api.addTokenResolver,
    stop() {
      if (!stopped) {
        for (const hook of stopHooks) hook();
        stopped = listening!.close().then(() => leadcars?.close());
      }
      return stopped;
    },
  };
  return sandbox;
}


