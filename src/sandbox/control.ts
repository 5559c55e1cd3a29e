// The `/__sandbox/` control endpoints of CONVENTIONS.md: ground truth and levers for tests.
// They are never part of the HighLevel surface: no auth (the sandbox binds loopback only), no
// rate limit, no faults, and they are not counted in the stats.
import type { Route } from './http.ts';
import type { SandboxStore } from './types.ts';
import { errorResponse } from './routes/context.ts';

export const CONTROL_PREFIX = '/__sandbox/';

export interface SandboxStats {
  /** HighLevel-surface requests received (control endpoints excluded). */
  requests: number;
  /** By route template, e.g. "GET /contacts/{contactId}"; unknown paths under "unmatched". */
  byRoute: Record<string, number>;
  /** By status sent; dropped connections are not answers and appear only under `faults`. */
  byStatus: Record<string, number>;
  rateLimited: number;
  /** The highest number of requests admitted within one rate window, over all locations. */
  maxInWindow: number;
  /** Injected faults by kind (http500, http502, http503, drop, slow, burst429). */
  faults: Record<string, number>;
  /** HighLevel webhooks (`--webhook-url`): events sent, delivered, and queued or in flight; zeros without a URL. */
  webhooks: { sent: number; delivered: number; pending: number; failed: number; retried: number };
}

/** Faults asked for through `POST /__sandbox/faults`, on top of the random ones of --faults. */
export interface FaultLevers {
  /** The next this many authenticated API requests answer 429 whatever the limiter says. */
  burst429: number;
  /** The Retry-After those 429s carry. */
  retryAfterSeconds: number;
  /** Authenticated API requests served normally before the burst starts. */
  afterRequests: number;
}

export interface ControlDeps {
  store: SandboxStore;
  stats(): SandboxStats;
  resetStats(): void;
  levers: FaultLevers;
}

export function controlRoutes<C>(deps: ControlDeps): Array<Route<C>> {
  return [
    {
      method: 'GET',
      pattern: '/__sandbox/state',
      handler: (req) => {
        const locationId = req.query.locationId;
        if (locationId !== undefined && !deps.store.location(locationId)) return errorResponse(400, `unknown locationId ${locationId}`);
        return { status: 200, body: deps.store.state(locationId) };
      },
    },
    {
      method: 'POST',
      pattern: '/__sandbox/mutate',
      handler: (req) => {
        const body = (req.body ?? {}) as { changes?: unknown; seed?: unknown; locationId?: unknown };
        if (!Number.isInteger(body.changes) || (body.changes as number) < 0 || !Number.isInteger(body.seed)) {
          return errorResponse(400, 'send {"changes": N, "seed": S, "locationId"?: "..."} with whole numbers');
        }
        if (body.locationId !== undefined && (typeof body.locationId !== 'string' || !deps.store.location(body.locationId))) {
          return errorResponse(400, `unknown locationId ${String(body.locationId)}`);
        }
        const result = deps.store.mutate({
          changes: body.changes as number,
          seed: body.seed as number,
          ...(typeof body.locationId === 'string' ? { locationId: body.locationId } : {}),
        });
        return { status: 200, body: result };
      },
    },
    {
      method: 'POST',
      pattern: '/__sandbox/faults',
      handler: (req) => {
        const body = (req.body ?? {}) as { burst429?: unknown; retryAfterSeconds?: unknown; afterRequests?: unknown };
        const whole = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;
        if (!whole(body.burst429) || (body.afterRequests !== undefined && !whole(body.afterRequests)) ||
          (body.retryAfterSeconds !== undefined && !(typeof body.retryAfterSeconds === 'number' && body.retryAfterSeconds > 0))) {
          return errorResponse(400, 'send {"burst429": N, "afterRequests"?: K, "retryAfterSeconds"?: S} with N and K whole numbers and S > 0');
        }
        deps.levers.burst429 = body.burst429 as number;
        deps.levers.afterRequests = (body.afterRequests as number | undefined) ?? 0;
        if (body.retryAfterSeconds !== undefined) deps.levers.retryAfterSeconds = body.retryAfterSeconds as number;
        return { status: 200, body: { ...deps.levers } };
      },
    },
    { method: 'GET', pattern: '/__sandbox/stats', handler: () => ({ status: 200, body: deps.stats() }) },
    {
      method: 'POST',
      pattern: '/__sandbox/stats/reset',
      handler: () => {
        deps.resetStats();
        return { status: 200, body: deps.stats() };
      },
    },
  ];
}
