// Operations against the sandbox over HTTP into a temp SQLite file: a synced mirror, a context,
// and a snapshot of what the mirror holds (to prove a following sync changes nothing).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { createGhlClient, staticTokens, type GhlClient, type SentRequest } from '../../src/ghl/index.ts';
import type { OpsContext } from '../../src/ops/index.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import { syncLocation, type RunSummary } from '../../src/sync/location.ts';
import { sqliteOf } from '../../src/db/connection.ts';
import { quietLogger } from './logger.ts';

const SYNC_CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.5 } };

export interface ClientOverrides {
  token?: string;
  baseUrl?: string;
  onRequest?: (r: SentRequest) => void;
  retries?: number;
}

export interface OpsFixture {
  sandbox: Sandbox;
  db: Db;
  client: GhlClient;
  /** Every request the main client sent (no Authorization header), in order. */
  sent: SentRequest[];
  ctx(locationIndex?: number, client?: GhlClient): OpsContext;
  sync(locationIndex?: number): Promise<RunSummary>;
  /** A client with this token for every location, or pointed at another base URL. */
  otherClient(o: ClientOverrides): GhlClient;
  close(): Promise<void>;
}

export async function opsFixture(opts: SandboxOptions = {}): Promise<OpsFixture> {
  const sandbox = await startSandbox({ locations: 1, contacts: 6, seed: 31, rateLimit: 'none', ...opts });
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'ghl-etl-ops-')), 'mirror.sqlite'));
  const others: GhlClient[] = [];
  const sent: SentRequest[] = [];
  const makeClient = ({ token, baseUrl, onRequest, retries }: ClientOverrides) =>
    createGhlClient({
      baseUrl: baseUrl ?? sandbox.url,
      tokens: staticTokens(Object.fromEntries(sandbox.locations.map((l) => [l.id, token ?? l.token]))),
      rateLimit: { max: 100_000, intervalMs: 1_000, daily: 10_000_000, dailyShare: 1 },
      http: { timeoutMs: 10_000, retries: retries ?? 5 },
      backoff: { baseMs: 1, capMs: 5 },
      ...(onRequest ? { onRequest } : {}),
    });
  const client = makeClient({ onRequest: (r) => sent.push(r) });
  const locationId = (i: number) => sandbox.locations[i]!.id;
  return {
    sandbox, db, client, sent,
    ctx: (i = 0, c = client) => ({ db, client: c, locationId: locationId(i), config: { phoneCountry: 'ES' } }),
    sync: (i = 0) => syncLocation({ logger: quietLogger, db, client, locationId: locationId(i), full: true, lister: 'list', config: SYNC_CONFIG }),
    otherClient: (o) => {
      const c = makeClient({ retries: 2, ...o });
      others.push(c);
      return c;
    },
    close: async () => {
      for (const c of [client, ...others]) await c.close();
      db.close();
      await sandbox.stop();
    },
  };
}

/** Everything the mirror holds about records (not when it last looked): equal before and after a sync that changes nothing. */
export function mirrorSnapshot(db: Db): Record<string, unknown[]> {
  const q = (sql: string) => sqliteOf(db).prepare(sql).all();
  return {
    contacts: q(`SELECT id, location_id, first_name, last_name, name, email, phone, company_name, business_id, source, type,
      assigned_to, dnd, address1, city, state, postal_code, country, timezone, date_of_birth, date_added, date_updated, raw, deleted_at IS NULL AS live
      FROM contacts ORDER BY id`),
    tags: q(`SELECT contact_id, tag FROM contact_tags ORDER BY contact_id, tag`),
    values: q(`SELECT contact_id, field_id, value, value_type FROM contact_custom_fields ORDER BY contact_id, field_id`),
    tasks: q(`SELECT id, contact_id, location_id, title, body, due_date, completed, assigned_to, raw, deleted_at IS NULL AS live FROM tasks ORDER BY id`),
    notes: q(`SELECT id, contact_id, location_id, body, user_id, date_added, raw, deleted_at IS NULL AS live FROM notes ORDER BY id`),
  };
}

export async function requestCount(sandbox: Sandbox): Promise<number> {
  return sandbox.stats().requests;
}
