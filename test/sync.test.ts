// The sync against the sandbox over real HTTP, into real SQLite files: exact, cheap in calls.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/open.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { syncLocation, type Lister, type RunSummary } from '../src/sync/location.ts';
import { syncAll } from '../src/sync/run.ts';
import { acquireLock } from '../src/db/locks.ts';
import { setLogLevel } from '../src/log.ts';
import { runCli } from './helpers/cli.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth, type Truth } from './helpers/truth.ts';
import { sqliteOf } from '../src/db/connection.ts';
import { quietLogger } from './helpers/logger.ts';

setLogLevel('warn');

const SYNC_CONFIG = { sync: { concurrency: 16, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };

function tempDbPath(): string {
  return join(mkdtempSync(join(tmpdir(), 'ghl-etl-sync-')), 'mirror.sqlite');
}


async function byRoute(sandbox: Sandbox): Promise<Record<string, number>> {
  return (await sandboxStats(sandbox)).byRoute;
}
async function resetStats(sandbox: Sandbox) {
  await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
}
async function mutate(sandbox: Sandbox, changes: number, seed: number) {
  const res = await fetch(new URL('/__sandbox/mutate', sandbox.url), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ changes, seed }),
  });
  return (await res.json()) as { applied: number; byKind: Record<string, number> };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(opts: { contacts: number; locations?: number; seed?: number }) {
  const sandbox = await startSandbox({ locations: opts.locations ?? 1, contacts: opts.contacts, seed: opts.seed ?? 11, rateLimit: 'none' });
  const path = tempDbPath();
  const db = openDatabase(path);
  const client = unlimitedClient(sandbox);
  cleanups.push(() => sandbox.stop(), () => client.close(), () => db.close());
  const locationId = sandbox.locations[0]!.id;
  const sync = (o: { full?: boolean; lister?: Lister; allowMassDelete?: boolean; locationId?: string } = {}): Promise<RunSummary> =>
    syncLocation({ logger: quietLogger, db, client, locationId: o.locationId ?? locationId, full: o.full ?? false, lister: o.lister ?? 'list', config: SYNC_CONFIG, allowMassDelete: o.allowMassDelete ?? false });
  return { sandbox, path, db, client, locationId, sync };
}

describe('sync', () => {
  it('a full sync of 2,000 contacts equals the ground truth field by field', async () => {
    const { sandbox, path, sync, locationId } = await setup({ contacts: 2000 });
    const run = await sync({ full: true });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('ok');
    expect(run.contactsNew).toBe(2000);
    const truth = await fetchTruth(sandbox.url, locationId);
    expect(compareWithTruth(path, truth)).toEqual([]);
  });

  it('an incremental sync after a day of changes equals the truth; --full then equals all of it', async () => {
    const { sandbox, path, sync, locationId } = await setup({ contacts: 500, seed: 12 });
    await sync({ full: true });
    const before = await fetchTruth(sandbox.url, locationId);
    const applied = await mutate(sandbox, 60, 5);
    expect(applied.applied).toBeGreaterThan(0);
    const after = await fetchTruth(sandbox.url, locationId);

    const run = await sync();
    expect(run.status).toBe('ok');
    expect(run.contactsDeleted).toBe(before.contacts.filter((c) => !after.contacts.some((a) => a.id === c.id)).length);
    const changed = changedContacts(before, after);
    expect(changed.size).toBeGreaterThan(0);
    expect(compareWithTruth(path, after, { childrenOf: changed })).toEqual([]);

    const full = await sync({ full: true });
    expect(full.status).toBe('ok');
    expect(compareWithTruth(path, after)).toEqual([]);
  });

  it('with nothing changed, an incremental sync makes only the listing and task search calls plus the rolling share of notes', async () => {
    const contacts = 700;
    const { sandbox, path, sync, locationId } = await setup({ contacts, seed: 13 });
    await sync({ full: true });
    await resetStats(sandbox);
    const run = await sync();
    expect(run.status).toBe('ok');
    const calls = await byRoute(sandbox);
    const share = Math.ceil(contacts / 7);
    const listPages = Math.floor(contacts / 100) + 1; // a full last page needs one more (empty) page to end
    expect(calls['GET /contacts/']).toBeLessThanOrEqual(listPages);
    expect(calls['GET /contacts/{contactId}/notes']).toBe(share);
    expect(calls['GET /contacts/{contactId}/tasks'] ?? 0).toBe(0);
    // Every task of the location, every run (issue 21: task edits send no event and move no
    // dateUpdated), in pages of 100 overlapping by one; no longer per batch of contacts.
    const tasks = sandbox.store.state(locationId).tasks.length;
    expect(calls['POST /locations/{locationId}/tasks/search']).toBe(Math.floor(Math.max(0, tasks - 1) / 99) + 1);
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    expect(total).toBe(run.apiCalls);
    // Rolling on: the next run picks the next-oldest share, not the same contacts again.
    await resetStats(sandbox);
    await sync();
    expect((await byRoute(sandbox))['GET /contacts/{contactId}/notes']).toBe(share);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });

  it('--lister search gives the same result as list', async () => {
    const { sandbox, path, sync, locationId } = await setup({ contacts: 600, seed: 14 });
    const run = await sync({ lister: 'search', full: true });
    expect(run.status).toBe('ok');
    expect(run.pages).toBeLessThanOrEqual(3);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });

  it('the mass-delete guard stops with its message and deletes nothing', async () => {
    const { sandbox, path, db, sync, locationId } = await setup({ contacts: 200, seed: 15 });
    await sync({ full: true });
    const doomed = sandbox.store.state(locationId).contacts.slice(0, 60);
    for (const c of doomed) sandbox.store.deleteContact(c.id);
    const refused = await sync();
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatch(/60 of 200 .*--allow-mass-delete/);
    const live = () => (sqliteOf(db).prepare(`SELECT count(*) AS n FROM contacts WHERE deleted_at IS NULL`).get() as { n: number }).n;
    expect(live()).toBe(200);
    const allowed = await sync({ allowMassDelete: true });
    expect(allowed.status).toBe('ok');
    expect(allowed.contactsDeleted).toBe(60);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
  });

  it('interrupted mid-listing: stops on a checkpoint, deletes nothing, and the next run resumes to the truth', async () => {
    const { sandbox, path, db, client, sync, locationId } = await setup({ contacts: 500, seed: 20 });
    await sync({ full: true });
    for (const c of sandbox.store.state(locationId).contacts.slice(0, 5)) sandbox.store.deleteContact(c.id);
    const controller = new AbortController();
    const stopAfterFirstPage = { update: () => controller.abort(), done: () => {} };
    const cut = await syncLocation({ logger: quietLogger, db, client, locationId, full: false, lister: 'list', config: SYNC_CONFIG, signal: controller.signal, progress: stopAfterFirstPage });
    expect(cut.status).toBe('interrupted');
    expect(cut.pages).toBe(1);
    expect(cut.contactsDeleted).toBe(0);
    expect((sqliteOf(db).prepare(`SELECT count(*) AS n FROM contacts WHERE deleted_at IS NOT NULL`).get() as { n: number }).n).toBe(0);
    const resumed = await sync();
    expect(resumed.resumed).toBe(true);
    expect(resumed.pages).toBeLessThan(6);
    expect(resumed.contactsDeleted).toBe(5);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
    const runs = sqliteOf(db).prepare(`SELECT status FROM sync_runs ORDER BY id`).all() as Array<{ status: string }>;
    expect(runs.map((r) => r.status)).toEqual(['ok', 'interrupted', 'ok']);
  });

  it('several locations share one database; each equals its truth', async () => {
    const { sandbox, path, db, client } = await setup({ contacts: 150, locations: 2, seed: 16 });
    const result = await syncAll({ logger: quietLogger, db, client, locations: sandbox.locations, full: false, lister: 'list', config: SYNC_CONFIG });
    expect(result.outcome).toBe('ok');
    expect(result.runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url))).toEqual([]);
  });
});

describe('sync command', () => {
  it('a second sync while one runs exits 4', async () => {
    const { sandbox, path, db, locationId } = await setup({ contacts: 10, seed: 17 });
    // Held by a live process on this host (this one), as a running sync would hold it.
    expect(acquireLock(db, 'sync', 'another-run', 60_000).acquired).toBe(true);
    const res = await runCli(['sync'], { env: cliEnv(sandbox, path, locationId) });
    expect(res.code).toBe(4);
    expect(res.stderr).toMatch(/another sync is running/);
  });

  it('no location configured exits 2 naming GHL_LOCATION_ID and GHL_TOKEN', async () => {
    const res = await runCli(['sync'], { env: { GHL_LOCATION_ID: '', GHL_TOKEN: '', GHL_ETL_CONFIG: undefined, GHL_ETL_DB: tempDbPath() }, cwd: tmpdir() });
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/GHL_LOCATION_ID and GHL_TOKEN/);
  });

  it('a refused token fails with a message naming the fix, never the token', async () => {
    const { sandbox, path, locationId } = await setup({ contacts: 10, seed: 18 });
    const res = await runCli(['sync', '--json'], { env: { ...cliEnv(sandbox, path, locationId), GHL_TOKEN: 'pit-invalid-test-token-not-a-secret' } });
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/GHL_TOKEN .*ghl-etl auth login/);
    expect(res.stderr + res.stdout).not.toContain('pit-invalid-test-token-not-a-secret');
    expect(JSON.parse(res.stdout).runs[0].status).toBe('failed');
  });

  it('killed with SIGKILL at random moments (faults on), the next runs resume and end equal to the truth', async () => {
    const sandbox = await startSandbox({ locations: 1, contacts: 800, seed: 19, rateLimit: 'none', faults: 0.05, timeScale: 20 });
    cleanups.push(() => sandbox.stop());
    const locationId = sandbox.locations[0]!.id;
    const path = tempDbPath();
    const env = cliEnv(sandbox, path, locationId);
    let seed = 42;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    // The binary takes about a second to start (tsx), so the kills land 1-4 s in: during the
    // listing, between and inside children batches.
    for (let i = 0; i < 6; i++) {
      const res = await runCli(['sync'], { env, timeoutMs: 1000 + Math.floor(random() * 3000) });
      if (res.code === 0) continue;
      expect(res.signal).toBe('SIGKILL');
      const db = openDatabase(path);
      try {
        if (process.env.SYNC_KILL_DEBUG) console.error('killed', JSON.stringify(sqliteOf(db).prepare(`SELECT (SELECT count(*) FROM contacts) AS contacts, (SELECT count(*) FROM contacts WHERE children_synced_at IS NOT NULL) AS withChildren, (SELECT value FROM sync_state WHERE key = 'pass') AS pass`).get()));
        // A listing pass cut short never deletes anything (nothing was deleted in HighLevel).
        expect((sqliteOf(db).prepare(`SELECT count(*) AS n FROM contacts WHERE deleted_at IS NOT NULL`).get() as { n: number }).n).toBe(0);
      } finally {
        db.close();
      }
    }
    let final = await runCli(['sync', '--json'], { env, timeoutMs: 120_000 });
    for (let i = 0; i < 3 && final.code !== 0; i++) final = await runCli(['sync', '--json'], { env, timeoutMs: 120_000 });
    expect(final.stderr).toBe('');
    expect(final.code).toBe(0);
    expect(compareWithTruth(path, await fetchTruth(sandbox.url, locationId))).toEqual([]);
    const db: Db = openDatabase(path);
    try {
      for (const table of ['contacts', 'tasks', 'notes']) {
        const row = sqliteOf(db).prepare(`SELECT count(*) AS n, count(DISTINCT id) AS d FROM ${table}`).get() as { n: number; d: number };
        expect(row.n).toBe(row.d);
      }
      const truth = await fetchTruth(sandbox.url, locationId);
      expect((sqliteOf(db).prepare(`SELECT count(*) AS n FROM contacts`).get() as { n: number }).n).toBe(truth.contacts.length);
      expect((sqliteOf(db).prepare(`SELECT count(*) AS n FROM tasks`).get() as { n: number }).n).toBe(truth.tasks.length);
      expect((sqliteOf(db).prepare(`SELECT count(*) AS n FROM notes`).get() as { n: number }).n).toBe(truth.notes.length);
    } finally {
      db.close();
    }
  });
});

/** Environment for the binary against a sandbox: no config file, fast pacing (the sandbox has no limit). */
function cliEnv(sandbox: Sandbox, dbPath: string, locationId: string): Record<string, string | undefined> {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-cfg-'));
  const config = join(dir, 'ghl-etl.config.json');
  writeFileSync(config, JSON.stringify({ rateLimit: { max: 10_000, intervalMs: 1_000 }, http: { timeoutMs: 5_000, retries: 8 }, sync: { concurrency: 8 } }));
  return {
    GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: locationId, GHL_TOKEN: sandbox.locations.find((l) => l.id === locationId)!.token,
    GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn',
  };
}

/** Contacts new or whose dateUpdated moved between two truths. */
function changedContacts(before: Truth, after: Truth): Set<string> {
  const old = new Map(before.contacts.map((c) => [c.id, c.dateUpdated]));
  return new Set(after.contacts.filter((c) => old.get(c.id) !== c.dateUpdated).map((c) => c.id));
}
