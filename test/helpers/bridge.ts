// The bridge against both sandboxes over HTTP: a temp SQLite mirror, HighLevel and LeadCars
// clients that retry quickly, the bridge context, and the sync the `sync` command runs (with the
// bridge's before and after).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterSync, prepareSync, startBridgeLoop, type BridgeContext, type BridgeLoop } from '../../src/bridge/index.ts';
import { bridgeHooks, startServer } from '../../src/serve/index.ts';
import { INTAKE_SECRET } from './serve.ts';
import { configSchema, type Config } from '../../src/config/schema.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import type { GhlClient } from '../../src/ghl/index.ts';
import type { LeadcarsClient } from '../../src/leadcars/index.ts';
import { startSandbox, type LeadcarsSandbox, type Sandbox, type SandboxOptions } from '../../src/sandbox/index.ts';
import { log } from '../../src/log.ts';
import { syncAll } from '../../src/sync/run.ts';
import { leadsOf, testClient } from './leadcars.ts';
import { unlimitedClient } from './sandbox.ts';
import { quietLogger } from './logger.ts';

export interface BridgeFixture {
  sandbox: Sandbox;
  lc: LeadcarsSandbox;
  db: Db;
  dbPath: string;
  ghl: GhlClient;
  leadcars: LeadcarsClient;
  config: Config;
  ctx: BridgeContext;
  locationId: string;
  /** `ghl-etl sync` of the bridge's location: prepare, sync, then the bridge's after-sync work. */
  sync(): Promise<Awaited<ReturnType<typeof afterSync>>>;
  /** Comments on a LeadCars lead (its `comentario` actions), in order. */
  comments(leadId: string): Promise<string[]>;
  close(): Promise<void>;
}

export async function bridgeFixture(opts: SandboxOptions & { locationIndex?: number; bridge?: Record<string, unknown>; leadcarsConfig?: Record<string, unknown> } = {}): Promise<BridgeFixture> {
  const { locationIndex = 0, bridge = {}, leadcarsConfig = {}, ...sandboxOptions } = opts;
  const sandbox = await startSandbox({ locations: 1, contacts: 3, seed: 7, rateLimit: 'none', leadcars: true, slowMs: 50, ...sandboxOptions });
  const lc = sandbox.leadcars!;
  const dbPath = join(mkdtempSync(join(tmpdir(), 'ghl-etl-bridge-')), 'mirror.sqlite');
  const db = openDatabase(dbPath);
  const location = sandbox.locations[locationIndex]!;
  const config = configSchema.parse({
    locations: [{ id: location.id, token: location.token }],
    leadcars: { baseUrl: lc.url, token: lc.token, rateLimit: 1_000, ...leadcarsConfig },
    bridge: { retryBaseMs: 1, ...bridge },
    sync: { concurrency: 8, maxDeleteShare: 1 },
  });
  const ghl = unlimitedClient(sandbox);
  const leadcars = testClient(lc);
  const ctx: BridgeContext = { db, ghl, leadcars: () => leadcars, config, logger: log() };
  return {
    sandbox, lc, db, dbPath, ghl, leadcars, config, ctx, locationId: location.id,
    async sync() {
      await prepareSync(db);
      const result = await syncAll({ logger: quietLogger, db, client: ghl, locations: [{ id: location.id }], full: false, lister: 'list', config });
      if (result.outcome !== 'ok') throw new Error(`sync ${result.outcome}: ${result.runs.map((r) => r.error).join('; ')}`);
      return afterSync(ctx);
    },
    async comments(leadId) {
      const lead = (await leadsOf(lc)).find((l) => String(l.id) === leadId);
      const actions = (lead?.actions?.data ?? []) as Array<{ type: string; info: string }>;
      return actions.filter((a) => a.type === 'comentario').map((a) => a.info);
    },
    async close() {
      await ghl.close();
      db.close();
      await sandbox.stop();
    },
  };
}

/** A lead the LeadCars sandbox accepts, as the intake takes it; `n` makes it another person. */
export function intakeLead(lc: Pick<LeadcarsSandbox, 'catalog'>, n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    nombre: `Nombre${n}`, apellidos: `Apellido${n}`, email: `persona${n}@example.es`,
    telefono: `+3491555${String(n).padStart(4, '0')}`, concesionario: lc.catalog.dealers[0]!.id, tipo_lead: lc.catalog.types[0]!.id,
    campana: lc.catalog.campaigns[0]!.code, ...extra,
  };
}

/** Polls `check` until it returns a value (not undefined) or `attempts` run out; for work done by another loop. */
export async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, attempts = 400): Promise<T> {
  for (let i = 0; i < attempts; i++) {
    const value = await check();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('eventually: the condition never held');
}

/** `serve` in-process on the fixture's database: the intake and webhook server with the bridge loop behind it. */
export async function serveBridge(f: BridgeFixture, port = 0): Promise<{ url: string; loop: BridgeLoop; stop(): Promise<void> }> {
  const abort = new AbortController();
  const loop = startBridgeLoop(f.ctx, abort.signal);
  const server = await startServer({
    db: f.db, host: '127.0.0.1', port, logger: quietLogger,
    config: { intakeSecret: INTAKE_SECRET, ...(f.sandbox.webhookPublicKey ? { webhookPublicKey: f.sandbox.webhookPublicKey } : {}) },
    ...bridgeHooks(loop),
  });
  return {
    url: server.url,
    loop,
    async stop() {
      await server.close();
      abort.abort();
      await loop.done;
    },
  };
}
