// The edges a new user hit in the sync (issue 7: 5, 6, 10, 12, 13), against the sandbox over
// real HTTP into real SQLite files.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { createGhlClient, staticTokens } from '../src/ghl/index.ts';
import { setLogLevel } from '../src/log.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { syncLocation, type RunSummary } from '../src/sync/location.ts';
import type { ProgressFields } from '../src/sync/progress.ts';
import { syncAll } from '../src/sync/run.ts';
import { runCli } from './helpers/cli.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';
import { sqliteOf } from '../src/db/connection.ts';
import { quietLogger } from './helpers/logger.ts';

setLogLevel('silent');

const SYNC_CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function world(opts: { contacts: number; locations?: number; tokens?: (sandbox: Sandbox) => Promise<Record<string, string>> }) {
  const sandbox = await startSandbox({ locations: opts.locations ?? 1, contacts: opts.contacts, seed: 21, rateLimit: 'none' });
  const path = join(mkdtempSync(join(tmpdir(), 'ghl-etl-edges-')), 'mirror.sqlite');
  const db = openDatabase(path);
  const client = opts.tokens
    ? createGhlClient({
      baseUrl: sandbox.url, tokens: staticTokens(await opts.tokens(sandbox)),
      rateLimit: { max: 100_000, intervalMs: 1_000, daily: 10_000_000, dailyShare: 1 }, http: { timeoutMs: 10_000, retries: 2 },
      backoff: { baseMs: 5, capMs: 50 },
    })
    : unlimitedClient(sandbox);
  cleanups.push(() => sandbox.stop(), () => client.close(), () => db.close());
  return { sandbox, path, db, client, locationId: sandbox.locations[0]!.id };
}

/** A Private Integration Token of the location made without `without` (POST /__sandbox/tokens). */
async function tokenWithout(sandbox: Sandbox, locationId: string, without: string[]): Promise<string> {
  const res = await fetch(new URL('/__sandbox/tokens', sandbox.url), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ locationId, without }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

describe('sync edges', () => {
  it('keeps the location\'s name, timezone and answer, labels progress with the name, and gives a per-location ETA', async () => {
    const { sandbox, db, client, locationId } = await world({ contacts: 250 });
    const updates: ProgressFields[] = [];
    const run = await syncLocation({
      logger: quietLogger,
      db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG, pageSize: 50,
      progress: { update: (f) => updates.push(f), done() {} },
    });
    expect(run.status).toBe('ok');
    const name = sandbox.store.location(locationId)!.name;
    expect(run.locationName).toBe(name);
    const row = sqliteOf(db).prepare(`SELECT name, timezone, raw FROM locations WHERE id = ?`).get(locationId) as { name: string; timezone: string; raw: string };
    expect(row).toMatchObject({ name, timezone: 'Europe/Madrid' });
    expect(JSON.parse(row.raw)).toMatchObject({ id: locationId, name });
    expect(updates.length).toBeGreaterThan(2);
    expect(updates.every((u) => u.label.startsWith(`${name} `))).toBe(true);
    expect(updates.some((u) => u.label.endsWith('contacts') && u.etaMs !== undefined && u.done < (u.total ?? 0))).toBe(true);
  });

  it('mirrors the location\'s users: contacts_wide and open_tasks show the assignee\'s name', async () => {
    const { sandbox, db, client, locationId } = await world({ contacts: 120 });
    const run = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG });
    expect(run.status).toBe('ok');
    const users = sandbox.store.locationUsers(locationId);
    expect(run.users).toBe(users.length);
    const byId = new Map(users.map((u) => [u.id, u.name]));
    const assigned = sqliteOf(db).prepare(`SELECT assigned_to, assigned_to_name FROM contacts_wide WHERE assigned_to IS NOT NULL`).all() as Array<{ assigned_to: string; assigned_to_name: string }>;
    expect(assigned.length).toBeGreaterThan(0);
    for (const a of assigned) expect(a.assigned_to_name).toBe(byId.get(a.assigned_to));
    const tasks = sqliteOf(db).prepare(`SELECT assigned_to, assigned_to_name FROM open_tasks WHERE assigned_to IS NOT NULL`).all() as Array<{ assigned_to: string; assigned_to_name: string }>;
    expect(tasks.length).toBeGreaterThan(0);
    for (const t of tasks) expect(t.assigned_to_name).toBe(byId.get(t.assigned_to));
  });

  it('a token without users.readonly: users are skipped with one note, the rest syncs', async () => {
    const { db, client, locationId, path, sandbox } = await world({
      contacts: 80,
      tokens: async (s) => ({ [s.locations[0]!.id]: await tokenWithout(s, s.locations[0]!.id, ['users.readonly']) }),
    });
    const run = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG });
    expect(run.status).toBe('ok');
    expect(run.users).toBeUndefined();
    expect(run.notices).toEqual([expect.stringContaining('users.readonly')]);
    expect(sqliteOf(db).prepare(`SELECT count(*) FROM users`).pluck().get()).toBe(0);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });

  it('a token without locations/tasks.readonly: tasks are read per contact, said once, and the mirror equals the truth', async () => {
    const { db, client, locationId, path, sandbox } = await world({
      contacts: 150,
      tokens: async (s) => ({ [s.locations[0]!.id]: await tokenWithout(s, s.locations[0]!.id, ['locations/tasks.readonly']) }),
    });
    const run = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG, childrenBatch: 50 });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('ok');
    expect(run.tasksVia).toBe('contact');
    expect(run.notices).toEqual([expect.stringContaining('locations/tasks.readonly')]);
    const routes = (await sandboxStats(sandbox)).byRoute;
    expect(routes['POST /locations/{locationId}/tasks/search']).toBe(1); // refused once, never again
    expect(routes['GET /contacts/{contactId}/tasks']).toBe(150);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });

  it('records a location\'s first sync as full and the next as incremental', async () => {
    const { db, client, locationId } = await world({ contacts: 30 });
    const first = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG });
    const second = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG });
    expect([first.mode, second.mode]).toEqual(['full', 'incremental']);
    expect(sqliteOf(db).prepare(`SELECT mode FROM sync_runs WHERE location_id = ? ORDER BY id`).pluck().all(locationId)).toEqual(['full', 'incremental']);
  });

  it('a refused mass delete keeps the new contacts the listing read, and says so', async () => {
    const { sandbox, db, client, locationId } = await world({ contacts: 100 });
    expect((await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG })).status).toBe('ok');
    const victims = sandbox.store.state(locationId).contacts.slice(0, 40).map((c) => c.id);
    for (const id of victims) sandbox.store.deleteContact(id);
    for (let i = 0; i < 3; i++) sandbox.store.createContact(locationId, { firstName: `Nuevo${i}`, email: `nuevo${i}@example.com` });
    const run = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG });
    expect(run.status).toBe('failed');
    expect(run.error).toContain('nothing was deleted (the 3 new contacts the listing read are kept)');
    expect(sqliteOf(db).prepare(`SELECT count(*) FROM contacts WHERE first_name LIKE 'Nuevo%' AND deleted_at IS NULL`).pluck().get()).toBe(3);
    expect(sqliteOf(db).prepare(`SELECT count(*) FROM contacts WHERE deleted_at IS NOT NULL`).pluck().get()).toBe(0);
  });

  it('syncs locations concurrently, each with its own checkpoint, and reports each as it finishes', async () => {
    const { sandbox, db, client, path } = await world({ contacts: 200, locations: 3 });
    const labels: string[] = [];
    const done: RunSummary[] = [];
    const result = await syncAll({
      logger: quietLogger,
      db, client, locations: sandbox.locations, full: false, lister: 'list',
      config: { sync: { ...SYNC_CONFIG.sync, locationConcurrency: 3 } }, pageSize: 20,
      progress: { update: (f) => labels.push(f.label.replace(/ (contacts|tasks\+notes)$/, '')), done() {} },
      onLocationDone: (summary) => done.push(summary),
    });
    expect(result.outcome).toBe('ok');
    // Every location reported once, as it finished; the result keeps the configured order.
    expect(new Set(done.map((r) => r.locationId))).toEqual(new Set(sandbox.locations.map((l) => l.id)));
    expect(result.runs.map((r) => r.locationId)).toEqual(sandbox.locations.map((l) => l.id));
    // Concurrent: another location's progress arrives before the first location is done.
    const firstLabel = labels[0]!;
    const lastOfFirst = labels.lastIndexOf(firstLabel);
    expect(labels.slice(0, lastOfFirst).some((l) => l !== firstLabel)).toBe(true);
    for (const l of sandbox.locations) expect(compareWithTruth(path, await fetchTruth(sandbox.url, l.id))).toEqual([]);
  });

  it('`ghl-etl sync` prints each location\'s summary, named, and the config takes sync.locationConcurrency', async () => {
    const sandbox = await startSandbox({ locations: 2, contacts: 40, seed: 23, rateLimit: 'none' });
    cleanups.push(() => sandbox.stop());
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-edges-cli-'));
    const config = join(dir, 'ghl-etl.config.json');
    writeFileSync(config, JSON.stringify({
      baseUrl: sandbox.url, db: join(dir, 'mirror.sqlite'),
      locations: sandbox.locations.map((l) => ({ id: l.id, token: l.token })),
      sync: { locationConcurrency: 2 },
    }));
    const res = await runCli(['sync', '--config', config], { env: { GHL_LOCATION_ID: '', GHL_TOKEN: '', GHL_ETL_DB: undefined, GHL_BASE_URL: undefined } });
    expect(res.code).toBe(0);
    const lines = res.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of sandbox.locations) {
      expect(lines.filter((line) => line.startsWith(`${l.id} (${sandbox.store.location(l.id)!.name}): ok, 40 contacts listed`))).toHaveLength(1);
    }
  });
});
