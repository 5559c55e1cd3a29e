// The LeadCars sandbox: LeadCars' HTTP surface (routes.ts) on 127.0.0.1, with the HighLevel
// sandbox's fault model (../faults.ts: a seeded share of requests answers 500/502/503, drops the
// connection or answers slowly; a write whose connection drops is committed first) and an
// optional fixed latency. `/__sandbox/` control endpoints give tests the ground truth.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { log } from '../../log.ts';
import { FAULT_KINDS, createFaultInjector, faultStatus, type FaultKind } from '../faults.ts';
import { Router, flatHeaders, parseBody, readBody, sendJson, type SandboxResponse } from '../http.ts';
import { listenLoopback, type Listening } from '../listen.ts';
import { createRng, deriveSeed } from '../random.ts';
import { createCatalog, type Catalog } from './catalog.ts';
import { leadcarsRoutes, refused, type LeadcarsContext } from './routes.ts';
import { createShaper, type ShapeOptions } from './shapes.ts';
import { LeadcarsStore } from './store.ts';

export const LEADCARS_CONTROL_PREFIX = '/__sandbox/';

export interface LeadcarsSandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  seed?: number;
  /** The `cliente-token` to accept; 20 characters drawn from the seed by default. */
  token?: string;
  /** Share of API requests that fail, 0..1 (the HighLevel sandbox's --faults). */
  faults?: number;
  faultSeed?: number;
  faultKinds?: FaultKind[];
  /** How long a "slow" fault holds its answer; default 2 s divided by timeScale. */
  slowMs?: number;
  /** Added before every API answer (network and server time of a distant API). */
  latencyMs?: number;
  timeScale?: number;
  /** Which undocumented answer shapes to use; all of them by default (see shapes.ts). */
  shapes?: ShapeOptions;
  /**
   * Answer 429 (Retry-After: 1) past this many requests per window. Off by default: LeadCars
   * documents no limit; tests use it to prove the client honours a 429 (CONTRACT.md "Access").
   */
  rateLimit?: number;
  /** The window over which `maxInWindow` counts arrivals and `rateLimit` applies (default 1000 ms). */
  statsWindowMs?: number;
  clock?: () => number;
}

export interface LeadcarsStats {
  requests: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  faults: Record<string, number>;
  /** The most API requests admitted within any `statsWindowMs` (429s excluded). */
  maxInWindow: number;
}

export interface LeadcarsSandbox {
  url: string;
  token: string;
  catalog: Catalog;
  /** What GET /__sandbox/state answers: every lead as GET /leadinfos/{id} shows it. */
  state(): { leads: Array<Record<string, unknown>> };
  stats(): LeadcarsStats;
  close(): Promise<void>;
}

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>';

export async function startLeadcarsSandbox(opts: LeadcarsSandboxOptions = {}): Promise<LeadcarsSandbox> {
  const seed = opts.seed ?? 1;
  const timeScale = opts.timeScale ?? 1;
  if (!(timeScale > 0)) throw new RangeError(`timeScale must be positive, got ${timeScale}`);
  const slowMs = opts.slowMs ?? 2_000 / timeScale;
  const latencyMs = opts.latencyMs ?? 0;
  const windowMs = opts.statsWindowMs ?? 1_000;
  const clock = opts.clock ?? Date.now;
  const token = opts.token ?? createRng(deriveSeed(seed, 'leadcars-token')).id(20);
  const catalog = createCatalog(seed);
  const store = new LeadcarsStore(catalog, deriveSeed(seed, 'leadcars-ids'), clock);
  const ctx: LeadcarsContext = { store, shaper: createShaper(deriveSeed(seed, 'leadcars-shapes'), opts.shapes) };
  const faults = createFaultInjector({ rate: opts.faults ?? 0, seed: opts.faultSeed ?? seed, kinds: opts.faultKinds ?? FAULT_KINDS });

  const router = new Router<LeadcarsContext>();
  for (const route of leadcarsRoutes()) router.add(route);

  let counters = { requests: 0, byRoute: {} as Record<string, number>, byStatus: {} as Record<string, number>, faults: {} as Record<string, number> };
  let arrivals: number[] = [];
  let maxInWindow = 0;
  const countArrival = (at: number) => {
    arrivals.push(at);
    while (arrivals.length > 0 && arrivals[0]! <= at - windowMs) arrivals.shift();
  };

  // Set once listening; latency and slow answers sleep on its timers so that close() cancels them.
  let listening: Listening | undefined;
  const sleep = (ms: number) => listening!.sleep(ms);

  function control(method: string, path: string, res: ServerResponse): boolean {
    const route = `${method} ${path}`;
    if (route === `GET ${LEADCARS_CONTROL_PREFIX}state`) sendJson(res, 200, { leads: store.allLeadInfos() });
    else if (route === `GET ${LEADCARS_CONTROL_PREFIX}stats`) sendJson(res, 200, stats());
    else if (route === `POST ${LEADCARS_CONTROL_PREFIX}stats/reset`) {
      counters = { requests: 0, byRoute: {}, byStatus: {}, faults: {} };
      arrivals = [];
      maxInWindow = 0;
      sendJson(res, 200, { ok: true });
    } else return false;
    return true;
  }

  /** Auth, body and route, in the order a PHP front controller would apply them. */
  async function answer(req: IncomingMessage, rawBody: string, method: string, path: string): Promise<SandboxResponse> {
    const headers = flatHeaders(req);
    const parsed = parseBody(rawBody, headers['content-type']);
    const given = headers['cliente-token'];
    // Observed: a bad token answers 401 or 403 (CONTRACT.md); the sandbox: missing 401, wrong 403.
    if (!given) return refused(ctx, 401, ['Falta la cabecera cliente-token']);
    if (given !== token) return refused(ctx, 403, ['cliente-token no válido']);
    const matched = router.match(method, path);
    if (!matched) return refused(ctx, 404, [`Ruta ${method} ${path} no encontrada`]);
    if (parsed.error) return refused(ctx, 400, ['JSON no válido']);
    try {
      return await matched.route.handler({
        method, path, pattern: matched.route.pattern, params: matched.params, query: {}, headers, body: parsed.body, rawBody: '',
      }, ctx);
    } catch (err) {
      log().error({ err, route: matched.route.pattern }, 'leadcars sandbox route failed');
      return refused(ctx, 500, ['Error interno']);
    }
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://sandbox.invalid').pathname.replace(/\/+$/, '') || '/';
    if (path.startsWith(LEADCARS_CONTROL_PREFIX) && control(method, path, res)) return;

    counters.requests += 1;
    countArrival(clock());
    if (opts.rateLimit !== undefined && arrivals.length > opts.rateLimit) {
      arrivals.pop(); // refused, so it does not count against the window
      await readBody(req);
      bump(counters.byStatus, '429');
      sendJson(res, 429, ctx.shaper.error(['Too Many Requests']), { 'Retry-After': '1' });
      return;
    }
    maxInWindow = Math.max(maxInWindow, arrivals.length);
    const matched = router.match(method, path);
    bump(counters.byRoute, matched ? `${method} ${matched.route.pattern}` : 'unmatched');
    const fault = faults.next();
    if (fault) bump(counters.faults, fault);
    await sleep(latencyMs);

    const status = fault ? faultStatus(fault) : undefined;
    if (status !== undefined) {
      // The failure happens in front of the application: nothing is stored.
      await readBody(req);
      bump(counters.byStatus, String(status));
      if (status === 502) {
        res.writeHead(502, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(HTML_502) });
        res.end(HTML_502);
      } else {
        sendJson(res, status, ctx.shaper.error([status === 503 ? 'Service Unavailable' : 'Internal Server Error']));
      }
      return;
    }
    // Read before a slow answer's wait: a client that gives up meanwhile has still sent it all.
    const rawBody = await readBody(req);
    if (fault === 'slow') await sleep(slowMs);
    const response = await answer(req, rawBody, method, path);
    if (fault === 'drop') {
      // The route has run (a write is committed); the client never learns the outcome.
      res.socket?.destroy();
      return;
    }
    if (res.destroyed || res.socket?.destroyed) return;
    bump(counters.byStatus, String(response.status));
    if (typeof response.body === 'string') {
      res.writeHead(response.status, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(response.body) });
      res.end(response.body);
    } else {
      sendJson(res, response.status, response.body, response.headers);
    }
  }

  function stats(): LeadcarsStats {
    return { ...structuredClone(counters), maxInWindow };
  }

  listening = await listenLoopback(handle, opts.port ?? 0, '127.0.0.1');

  return {
    url: listening.url,
    token,
    catalog,
    state: () => ({ leads: store.allLeadInfos() }),
    stats,
    close: listening.close,
  };
}
