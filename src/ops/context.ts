// What every operation receives: the mirror, the HighLevel client, the location it acts on and
// the configuration it reads (the default phone country). Options are per call.
import type { Config } from '../config/schema.ts';
import type { Clock } from '../db/clock.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import type { GhlClient } from '../ghl/client.ts';
import { catalogEntry, fillPath, type HttpMethod, type RouteRef } from './catalog.ts';

export interface OpsContext {
  /** The mirror (a SQLite `Db` is taken as its Mirror). */
  db: Db | Mirror;
  client: GhlClient;
  locationId: string;
  config: Pick<Config, 'phoneCountry'>;
  /** For tests; defaults to the system clock. */
  clock?: Clock;
}

/** The mirror an operation writes through to. */
export function mirrorOfOps(ctx: OpsContext): Mirror {
  return mirrorOf(ctx.db);
}

export interface WriteOptions {
  /** Return the request(s) that would be sent, and send nothing. */
  dryRun?: boolean;
  /** Recorded locally: a rerun with the same key returns the first result without writing again. */
  idempotencyKey?: string;
}

/** A request as it would be sent (no Authorization header: dry runs never show a token). */
export interface PlannedRequest {
  method: HttpMethod;
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

export interface DryRun {
  dryRun: true;
  requests: PlannedRequest[];
}

/** The request of catalog entry `name` (or one of its `also` routes) with these parameters. */
export function plan(route: string | RouteRef, params: Record<string, string>, extra: { body?: unknown; query?: Record<string, string> } = {}): PlannedRequest {
  const ref = typeof route === 'string' ? catalogEntry(route) : route;
  return { method: ref.method, path: fillPath(ref, params), ...(extra.query ? { query: extra.query } : {}), ...(extra.body !== undefined ? { body: extra.body } : {}) };
}

export function dryRun(...requests: PlannedRequest[]): DryRun {
  return { dryRun: true, requests };
}

export function isDryRun(value: unknown): value is DryRun {
  return typeof value === 'object' && value !== null && (value as { dryRun?: unknown }).dryRun === true;
}
