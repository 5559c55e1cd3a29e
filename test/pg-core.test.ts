// `ghl-etl sync` through the binary into either engine (the core tests run on both): full and
// incremental runs equal the sandbox's truth; on PostgreSQL the run lock holds across processes
// (exit 4) and a dead holder's lock frees at once, a SIGKILLed sync resumes from its checkpoint,
// and several syncs starting at once on an empty database migrate it once and agree.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { openMirror } from '../src/db/open-mirror.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { runCli, signalMidRun } from './helpers/cli.ts';
import { snapshotPostgres } from './helpers/pg-snapshot.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

const cluster = usePostgres();
const PASSWORD = 'pw-Never-Shown-42';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

type Engine = 'sqlite' | 'postgres';

interface Target {
  /** GHL_ETL_DB. */
  db: string;
  /** A SQLite file holding the mirror's rows (a PostgreSQL mirror copied out), for compareWithTruth. */
  snapshot(): Promise<string>;
}

/** A new empty database on `engine`; a PostgreSQL URL carries a password (the test cluster trusts any). */
async function newTarget(engine: Engine): Promise<Target> {
  if (engine === 'sqlite') {
    const path = join(mkdtempSync(join(tmpdir(), 'ghl-etl-pgsync-')), 'mirror.sqlite');
    return { db: path, snapshot: async () => path };
  }
  const url = new URL(await createTestDatabase(cluster()));
  if (!url.password) url.password = PASSWORD;
  return { db: url.toString(), snapshot: () => snapshotPostgres(url.toString()) };
}

async function sandboxOf(contacts: number, seed: number): Promise<Sandbox> {
  const sandbox = await startSandbox({ locations: 1, contacts, seed, rateLimit: 'none' });
  cleanups.push(() => sandbox.stop());
  return sandbox;
}

/** A config file with the client's rate limit (requests per second per location). */
function configWithRate(max: number): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ghl-etl-pgsync-cfg-')), 'config.json');
  writeFileSync(file, JSON.stringify({ rateLimit: { max, intervalMs: 1000 } }));
  return file;
}

function envFor(sandbox: Sandbox, db: string, config = configWithRate(10_000)): Record<string, string | undefined> {
  const location = sandbox.locations[0]!;
  return { GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: db, GHL_ETL_CONFIG: config };
}

async function mutate(sandbox: Sandbox, changes: number, seed: number): Promise<void> {
  const res = await fetch(new URL('/__sandbox/mutate', sandbox.url), {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ changes, seed }),
  });
  expect(res.ok).toBe(true);
}

interface SyncJson { database: string; exitCode: number; runs: Array<{ status: string; mode: string; resumed: boolean; contactsSeen: number; contactsUpdated: number; contactsNew: number }> }

describe.each<Engine>(['sqlite', 'postgres'])('sync into %s', (engine) => {
  it('a full sync, then an incremental one after changes, equal the truth; --json shows the database without its password', async () => {
    const sandbox = await sandboxOf(200, 31);
    const target = await newTarget(engine);
    const locationId = sandbox.locations[0]!.id;

    const initial = await runCli(['sync', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
    expect(initial.code, initial.stderr).toBe(0);
    const first = JSON.parse(initial.stdout) as SyncJson;
    expect(first.runs[0]).toMatchObject({ status: 'ok', mode: 'full', contactsSeen: 200, contactsNew: 200 });
    expect(initial.stdout + initial.stderr).not.toContain(PASSWORD);
    if (engine === 'postgres') expect(first.database).toMatch(/^postgres(ql)?:\/\/[^@]*:\*\*\*\*@/);
    expect(compareWithTruth(await target.snapshot(), await fetchTruth(sandbox.url, locationId))).toEqual([]);

    const before = await fetchTruth(sandbox.url, locationId);
    await mutate(sandbox, 60, 7);
    const after = await fetchTruth(sandbox.url, locationId);
    // Tasks and notes of contacts whose dateUpdated moved; the rest come with the rolling share or --full.
    const old = new Map(before.contacts.map((c) => [c.id, c.dateUpdated]));
    const changed = new Set(after.contacts.filter((c) => old.get(c.id) !== c.dateUpdated).map((c) => c.id));
    const incremental = await runCli(['sync', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
    expect(incremental.code, incremental.stderr).toBe(0);
    const second = JSON.parse(incremental.stdout) as SyncJson;
    expect(second.runs[0]).toMatchObject({ status: 'ok', mode: 'incremental' });
    expect(second.runs[0]!.contactsUpdated + second.runs[0]!.contactsNew).toBeGreaterThan(0);
    expect(compareWithTruth(await target.snapshot(), after, { childrenOf: changed })).toEqual([]);

    const full = await runCli(['sync', '--full', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
    expect(full.code, full.stderr).toBe(0);
    expect(compareWithTruth(await target.snapshot(), after)).toEqual([]);
  }, 180_000);
});

/** Each file of `dir` as its records, the synced_at column left out (when the two mirrors synced differs). */
function csvFilesWithoutSyncedAt(dir: string): Record<string, string[][]> {
  const out: Record<string, string[][]> = {};
  for (const name of readdirSync(dir).sort()) {
    const records = parse(readFileSync(join(dir, name)), { relax_column_count: false }) as string[][];
    const at = records[0]!.indexOf('synced_at');
    out[name] = records.map((r) => (at < 0 ? r : r.filter((_, i) => i !== at)));
  }
  return out;
}

describe('sync into PostgreSQL', () => {
  it('contacts create, tasks create, notes create and contacts delete land in the PostgreSQL tables at once', async () => {
    const sandbox = await sandboxOf(10, 36);
    const target = await newTarget('postgres');
    const env = envFor(sandbox, target.db);
    const synced = await runCli(['sync'], { env, timeoutMs: 120_000 });
    expect(synced.code, synced.stderr).toBe(0);

    const created = await runCli(['contacts', 'create', '--email', 'Ana@Example.com', '--first-name', 'Ana', '--tag', 'vip', '--json', '--idempotency-key', 'k-pg'], { env });
    expect(created.code, created.stderr).toBe(0);
    const contactId = (JSON.parse(created.stdout) as { id: string }).id;
    expect(await adminQuery(target.db, `SELECT email, first_name, dnd, deleted_at FROM contacts WHERE id = $1`, [contactId]))
      .toEqual([{ email: 'ana@example.com', first_name: 'Ana', dnd: false, deleted_at: null }]);
    expect(await adminQuery(target.db, `SELECT tag FROM contact_tags WHERE contact_id = $1`, [contactId])).toEqual([{ tag: 'vip' }]);
    expect(await adminQuery(target.db, `SELECT status FROM op_idempotency WHERE key = 'k-pg'`)).toEqual([{ status: 'done' }]);

    const task = await runCli(['tasks', 'create', contactId, '--title', 'Call back', '--due', '2026-12-01T09:00:00Z', '--json'], { env });
    expect(task.code, task.stderr).toBe(0);
    const taskId = (JSON.parse(task.stdout) as { id: string }).id;
    const [taskRow] = await adminQuery(target.db, `SELECT title, completed, to_char(due_date AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI') AS due FROM tasks WHERE id = $1`, [taskId]);
    expect(taskRow).toEqual({ title: 'Call back', completed: false, due: '2026-12-01 09:00' });
    const note = await runCli(['notes', 'create', contactId, '--body', 'Quiere el SUV', '--json'], { env });
    expect(note.code, note.stderr).toBe(0);
    const noteId = (JSON.parse(note.stdout) as { id: string }).id;
    expect(await adminQuery(target.db, `SELECT body FROM notes WHERE id = $1`, [noteId])).toEqual([{ body: 'Quiere el SUV' }]);
    const listed = await runCli(['tasks', 'list', contactId, '--json'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    expect((JSON.parse(listed.stdout) as Array<{ id: string }>).map((t) => t.id)).toEqual([taskId]);

    const deleted = await runCli(['contacts', 'delete', contactId, '--json'], { env });
    expect(deleted.code, deleted.stderr).toBe(0);
    const [gone] = await adminQuery<{ contact: boolean; task: boolean }>(target.db,
      `SELECT (SELECT deleted_at IS NOT NULL FROM contacts WHERE id = $1) AS contact, (SELECT deleted_at IS NOT NULL FROM tasks WHERE id = $2) AS task`, [contactId, taskId]);
    expect(gone).toEqual({ contact: true, task: true });
  }, 120_000);

  it('the views answer, export --by-tag writes the same CSVs as the SQLite mirror of the same data, status and runs say the same', async () => {
    const sandbox = await sandboxOf(120, 35);
    const sqlite = await newTarget('sqlite');
    const postgres = await newTarget('postgres');
    for (const target of [sqlite, postgres]) {
      const synced = await runCli(['sync', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
      expect(synced.code, synced.stderr).toBe(0);
    }
    const files: Array<Record<string, string[][]>> = [];
    const dirs: string[] = [];
    for (const target of [sqlite, postgres]) {
      for (const kind of [[], ['--tasks'], ['--notes']]) {
        const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pgexport-'));
        dirs.push(dir);
        const exported = await runCli(['export', '--by-tag', '--out-dir', dir, ...kind], { env: envFor(sandbox, target.db) });
        expect(exported.code, exported.stderr).toBe(0);
        expect(exported.stdout + exported.stderr).not.toContain(PASSWORD);
        files.push(csvFilesWithoutSyncedAt(dir));
      }
    }
    const [contacts, tasks, notes, pgContacts, pgTasks, pgNotes] = files;
    expect(Object.keys(contacts!).length).toBeGreaterThan(3);
    expect(pgContacts).toEqual(contacts);
    expect(pgTasks).toEqual(tasks);
    expect(pgNotes).toEqual(notes);


    // status and runs read the same from both mirrors (times aside).
    const shown: Array<{ status: { healthy: boolean; locations: Array<{ lastRun: { status: string; mode: string } }>; lastExport: { kind: string; status: string; rows: number } }; runs: Array<{ type: string; status: string }> }> = [];
    for (const target of [sqlite, postgres]) {
      const status = await runCli(['status', '--json'], { env: envFor(sandbox, target.db) });
      expect(status.code, status.stderr).toBe(0);
      const runs = await runCli(['runs', '--json', '--limit', '100'], { env: envFor(sandbox, target.db) });
      expect(runs.code, runs.stderr).toBe(0);
      expect(status.stdout + runs.stdout).not.toContain(PASSWORD);
      shown.push({ status: JSON.parse(status.stdout), runs: (JSON.parse(runs.stdout) as { runs: Array<{ type: string; status: string }> }).runs });
    }
    expect(shown[1]!.status).toMatchObject({ healthy: true, locations: [{ lastRun: { status: 'ok', mode: 'full' } }], lastExport: { kind: 'notes', status: 'ok' } });
    expect(shown[1]!.status.lastExport.rows).toBe(shown[0]!.status.lastExport.rows);
    expect(shown[1]!.runs.map((r) => [r.type, r.status])).toEqual(shown[0]!.runs.map((r) => [r.type, r.status]));

    // The views on PostgreSQL: as many rows as the SQLite mirror's.
    const mirror = await openMirror(postgres.db);
    cleanups.push(() => mirror.close());
    for (const view of ['contacts_wide', 'open_tasks', 'contact_activity']) {
      const [row] = await adminQuery<{ n: number }>(postgres.db, `SELECT count(*)::int AS n FROM ${view}`);
      expect(row!.n, view).toBeGreaterThan(0);
    }

    // A tag gone from every contact: the next export --by-tag removes its file (export_runs read on PostgreSQL).
    const pgDir = dirs[3]!;
    const [gone] = await adminQuery<{ tag: string }>(postgres.db, `SELECT tag FROM contact_tags GROUP BY tag ORDER BY count(*), tag LIMIT 1`);
    await adminQuery(postgres.db, `DELETE FROM contact_tags WHERE tag = $1`, [gone!.tag]);
    const again = await runCli(['export', '--by-tag', '--out-dir', pgDir, '--json'], { env: envFor(sandbox, postgres.db) });
    expect(again.code, again.stderr).toBe(0);
    const { removed } = JSON.parse(again.stdout) as { removed: Array<{ tag: string; path: string }> };
    expect(removed.map((r) => r.tag)).toEqual([gone!.tag]);
    expect(existsSync(removed[0]!.path)).toBe(false);
    expect(Object.keys(csvFilesWithoutSyncedAt(pgDir)).length).toBe(Object.keys(pgContacts!).length - 1);
  }, 180_000);

  it('a second sync exits 4 while another process holds the run lock; a dead holder\'s lock frees at once', async () => {
    const sandbox = await sandboxOf(40, 32);
    const target = await newTarget('postgres');
    const holder = await openMirror(target.db);
    const taken = await holder.acquireLock('sync', 'another-process', 60_000);
    expect(taken.acquired).toBe(true);

    const locked = await runCli(['sync'], { env: envFor(sandbox, target.db) });
    expect(locked.code, locked.stderr).toBe(4);
    expect(locked.stderr).toMatch(/another sync is running on this database \(pid \d+ on .+, since .+\): wait for it to finish/);

    // The holder dies without releasing (its connection ends): its row stays, its lock does not.
    await holder.close();
    const after = await runCli(['sync', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
    expect(after.code, after.stderr).toBe(0);
    expect(compareWithTruth(await target.snapshot(), await fetchTruth(sandbox.url, sandbox.locations[0]!.id))).toEqual([]);
  }, 120_000);

  it('a sync killed with SIGKILL mid-run resumes from its checkpoint and ends equal to the truth', async () => {
    const sandbox = await sandboxOf(300, 33);
    const target = await newTarget('postgres');
    // 10 requests a second: the kill lands in the middle of the run.
    const killed = await signalMidRun(['sync', '--json'], {
      env: { ...process.env, ...envFor(sandbox, target.db, configWithRate(10)) }, sandboxUrl: sandbox.url, requests: 40, signal: 'SIGKILL',
    });
    expect(killed.signal).toBe('SIGKILL');

    const resumed = await runCli(['sync', '--json'], { env: envFor(sandbox, target.db), timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    expect((JSON.parse(resumed.stdout) as SyncJson).runs[0]).toMatchObject({ status: 'ok', resumed: true });
    expect(compareWithTruth(await target.snapshot(), await fetchTruth(sandbox.url, sandbox.locations[0]!.id))).toEqual([]);
  }, 120_000);

  it('three syncs starting at once on an empty database: migrated once, each runs or exits 4, and the mirror equals the truth', async () => {
    const sandbox = await sandboxOf(200, 34);
    const target = await newTarget('postgres');
    const env = envFor(sandbox, target.db, configWithRate(100));
    const results = await Promise.all([0, 1, 2].map(() => runCli(['sync', '--json'], { env, timeoutMs: 120_000 })));
    for (const r of results) expect([0, 4], r.stderr).toContain(r.code);
    expect(results.filter((r) => r.code === 0).length).toBeGreaterThanOrEqual(1);
    expect(compareWithTruth(await target.snapshot(), await fetchTruth(sandbox.url, sandbox.locations[0]!.id))).toEqual([]);
    const mirror = await openMirror(target.db);
    cleanups.push(() => mirror.close());
    expect(mirror.schemaVersion).toBeGreaterThan(0);
  }, 120_000);
});
