// The commands ported to PostgreSQL by issue 17's last step, through the binary, each answering
// on PostgreSQL as on SQLite: `contacts show`, `purge` (and on PostgreSQL no trace of the person
// left in any table), `export --format xlsx` and `--workbook`, drift recorded by a sync, bulk
// contact operations, and `schedule`. One fixture (export-fixture.ts) written to SQLite and
// copied into PostgreSQL; one quirky sandbox synced into both.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirror } from '../src/db/open-mirror.ts';
import { probeWriteLockPg } from '../src/db/pg/drift-health.ts';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { seedExportFixture, seedPurgeTraces, type Fixture } from './helpers/export-fixture.ts';
import { copySqliteToPostgres } from './helpers/pg-copy.ts';
import { createTestDatabase, usePostgres, pgRows } from './helpers/postgres.ts';
import { sandboxState, useSandbox } from './helpers/sandbox.ts';
import { readXlsx, type XlsxSheetRead } from './helpers/xlsx-reader.ts';

const cluster = usePostgres();
const CLEAN = {
  GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined,
  GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined,
};
type Engine = 'sqlite' | 'postgres';
const ENGINES: Engine[] = ['sqlite', 'postgres'];

/** What the person purged (c07) left in the fixture, besides the mirror: the words that must be gone. */
const TRACES = ['gone@example.com', '+34600000007', 'gone person', 'call back', 'secret'];

/** The fixture plus the person's traces outside the mirror (as cli-export.test.ts's purge test). */
function fixtureWithTraces(): Fixture {
  const fx = seedExportFixture();
  const { db } = fx;
  seedPurgeTraces(db);
  db.close();
  return fx;
}

/** The rows of each sheet as plain arrays (cells by column), to compare workbooks of two engines. */
const cellsOf = (sheets: XlsxSheetRead[]) => sheets.map((s) => ({ name: s.name, rows: s.rows.map((r) => [...r.entries()]) }));

describe('the fixture on both engines', () => {
  let fx: Fixture;
  let url: string;
  const dbOf = (engine: Engine) => (engine === 'sqlite' ? fx.dbPath : url);
  const cli = (engine: Engine, args: string[]): Promise<CliResult> => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: dbOf(engine) }, timeoutMs: 240_000 });
  const ok = async (engine: Engine, args: string[]): Promise<CliResult> => {
    const result = await cli(engine, args);
    expect(result.code, `${engine}: ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  const both = async (args: string[]) => Promise.all(ENGINES.map((e) => ok(e, args)));

  beforeAll(async () => {
    fx = fixtureWithTraces();
    url = await createTestDatabase(cluster());
    await copySqliteToPostgres(fx.dbPath, url);
  }, 120_000);
  afterAll(() => fx?.cleanup());

  it('contacts show prints the same view, text and --json; an id the mirror does not hold is exit 1', async () => {
    const [sqlite, postgres] = await both(['contacts', 'show', 'c01', '--json']);
    const view = JSON.parse(postgres!.stdout) as { source: string; customFields: unknown; tasks: Array<{ id: string; completed: boolean }>; profile: { dnd: boolean } };
    expect(view.customFields).toEqual({ 'Budget': 1200, 'Colors': ['red', 'blue, green'], '=Evil, "Header"': '@SUM(A1)' });
    expect(view.tasks.map((t) => [t.id, t.completed])).toEqual([['t1', false], ['t3', false], ['t2', true]]);
    expect(typeof view.profile.dnd).toBe('boolean');
    // The fixture wrote one time without milliseconds ("2026-03-15T12:00:00Z", HighLevel sends
    // them): SQLite keeps the text, PostgreSQL the instant, printed with milliseconds.
    expect(postgres!.stdout).toBe(sqlite!.stdout.replaceAll('T12:00:00Z', 'T12:00:00.000Z'));
    const [text1, text2] = await both(['contacts', 'show', 'c01']);
    expect(text2!.stdout).toBe(text1!.stdout);
    const missing = await cli('postgres', ['contacts', 'show', 'nobody']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/contact nobody is not in the mirror \(postgres(ql)?:\/\/.*\): run `ghl-etl sync`, or add --live/);
  }, 300_000);

  it('export --format xlsx and --by-tag --workbook write the same cells from either engine', async () => {
    const out = (engine: Engine, name: string) => join(fx.dir, `${engine}-${name}`);
    await Promise.all(ENGINES.map((e) => ok(e, ['export', '--tag', 'vip', '--format', 'xlsx', '--out', out(e, 'vip.xlsx')])));
    const vip = cellsOf(readXlsx(out('postgres', 'vip.xlsx')));
    expect(vip[0]!.rows.length).toBeGreaterThan(1);
    expect(vip).toEqual(cellsOf(readXlsx(out('sqlite', 'vip.xlsx'))));
    await Promise.all(ENGINES.map((e) => ok(e, ['export', '--by-tag', '--workbook', out(e, 'tags.xlsx'), '--tasks'])));
    const sheets = cellsOf(readXlsx(out('postgres', 'tags.xlsx')));
    expect(sheets.length).toBeGreaterThan(1);
    expect(sheets).toEqual(cellsOf(readXlsx(out('sqlite', 'tags.xlsx'))));
    const runs = await pgRows<{ status: string; path: string }>(url, `SELECT status, path FROM export_runs ORDER BY id`);
    expect(runs).toEqual([{ status: 'ok', path: out('postgres', 'vip.xlsx') }, { status: 'ok', path: out('postgres', 'tags.xlsx') }]);
  }, 300_000);

  it('purge erases the same on both (same --json), and on PostgreSQL leaves the person in no table; ids and dates stay', async () => {
    const refused = await cli('postgres', ['purge', '--deleted-before', '2026-04-01']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/add --yes to run it without a terminal/);
    const [sqlite, postgres] = await both(['purge', '--deleted-before', '2026-04-01', '--yes', '--json']);
    expect(JSON.parse(postgres!.stdout)).toEqual({
      deletedBefore: '2026-04-01', contacts: 1, tasks: 1, notes: 1, retention: { inbox: 1, webhookEvents: 1, outbox: 0 },
    });
    expect(postgres!.stdout).toBe(sqlite!.stdout);

    // Every table of the schema, every row as text: none mentions the person.
    const tables = (await pgRows<{ name: string }>(url,
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`)).map((t) => t.name);
    expect(tables).toEqual(expect.arrayContaining(['contacts', 'tasks', 'notes', 'inbox', 'outbox', 'op_idempotency', 'webhook_events', 'contact_tags']));
    for (const table of tables) {
      const found = await pgRows<{ n: number }>(url,
        `SELECT count(*)::int AS n FROM "${table}" x WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) t WHERE strpos(lower(x::text), t) > 0)`, [TRACES]);
      expect(found[0]!.n, `${table} still mentions the person`).toBe(0);
    }
    const gone = await pgRows(url, `SELECT id, location_id, name, email, date_added, deleted_at, raw FROM contacts WHERE id = 'c07'`);
    expect(gone).toEqual([{
      id: 'c07', location_id: 'locA', name: null, email: null,
      date_added: new Date('2026-01-10T09:00:00.000Z'), deleted_at: new Date('2026-03-01T00:00:00.000Z'), raw: { id: 'c07', purged: true },
    }]);
    expect(await pgRows(url, `SELECT webhook_id, payload FROM webhook_events ORDER BY webhook_id`))
      .toEqual([{ webhook_id: 'wh-gone', payload: '{"webhookId":"wh-gone","purged":true}' }]);
    // The full-text view finds nothing of the note's text.
    expect(await pgRows(url, `SELECT id FROM notes_fts WHERE document @@ plainto_tsquery('simple', 'secret')`)).toEqual([]);
    // Live contacts untouched; a second purge has nothing left to do.
    expect(await pgRows(url, `SELECT email FROM contacts WHERE id = 'c01'`)).toEqual([{ email: 'ana@example.com' }]);
    const again = await ok('postgres', ['purge', '--deleted-before', '2026-04-01', '--yes', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ contacts: 0, tasks: 0, notes: 0 });
  }, 300_000);
});

describe('a quirky sandbox synced into both engines', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 40, seed: 17, rateLimit: 'none', quirks: true });
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-pgrest-'));
  let url: string;
  const dbs = (): Record<Engine, string> => ({ sqlite: join(dir, 'mirror.sqlite'), postgres: url });
  const config = join(dir, 'ghl-etl.config.json');
  const env = (engine: Engine) => ({
    ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
    GHL_ETL_DB: dbs()[engine], GHL_ETL_CONFIG: config,
  });
  const ok = async (engine: Engine, args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: dir, env: env(engine), timeoutMs: 240_000 });
    expect(result.code, `${engine}: ${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };

  beforeAll(async () => {
    url = await createTestDatabase(cluster());
    writeFileSync(config, JSON.stringify({ sync: { lister: 'list' }, segments: [{ name: 'everyone' }], exports: [{ byTag: join(dir, 'nightly') }] }));
    await Promise.all(ENGINES.map((engine) => ok(engine, ['sync'])));
  }, 300_000);

  it('the sync records the same answer drift on PostgreSQL as on SQLite (status --json)', async () => {
    type Status = { locations: Array<{ drift: Array<{ operation: string; field: string; problem: string; count: number; lastSeen: string }> }> };
    const drift = async (engine: Engine) => (JSON.parse((await ok(engine, ['status', '--json'])).stdout) as Status).locations[0]!.drift
      .map(({ operation, field, problem, count }) => ({ operation, field, problem, count }))
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
    const onPostgres = await drift('postgres');
    expect(onPostgres.length).toBeGreaterThan(0);
    expect(onPostgres).toEqual(await drift('sqlite'));
  }, 300_000);

  it('contacts bulk: the same plan from either mirror; on PostgreSQL the change lands in HighLevel and in the mirror at once', async () => {
    const plan = async (engine: Engine) => JSON.parse((await ok(engine, ['contacts', 'bulk', 'tags', 'add', '--tag', 'pg-bulk', '--segment', 'everyone', '--dry-run', '--json'])).stdout) as unknown;
    const onPostgres = await plan('postgres');
    expect(onPostgres).toMatchObject({ dryRun: true, contacts: 40 });
    expect(onPostgres).toEqual(await plan('sqlite'));

    const ids = (await sandboxState(sandbox())).contacts.map((c) => c.id).sort().slice(0, 5);
    const done = JSON.parse((await ok('postgres', ['contacts', 'bulk', 'tags', 'add', '--tag', 'PG-Bulk', '--ids', ids.join(','), '--json'])).stdout) as { done: string[]; mirrorPending?: string };
    expect(done.done.sort()).toEqual(ids);
    expect(done.mirrorPending).toBeUndefined();
    expect((await sandboxState(sandbox())).contacts.filter((c) => c.tags.includes('pg-bulk')).map((c) => c.id).sort()).toEqual(ids);
    const mirrored = await pgRows<{ id: string }>(url, `SELECT contact_id AS id FROM contact_tags WHERE tag = 'pg-bulk' ORDER BY contact_id COLLATE "C"`);
    expect(mirrored.map((r) => r.id)).toEqual(ids);
    const raw = await pgRows<{ tags: string[] }>(url, `SELECT raw->'tags' AS tags FROM contacts WHERE id = $1`, [ids[0]]);
    expect(raw[0]!.tags).toContain('pg-bulk');
  }, 300_000);

  it('schedule --run-now on PostgreSQL syncs, writes the configured exports, and stops on SIGTERM with exit 0', async () => {
    const before = (await pgRows<{ n: number }>(url, `SELECT count(*)::int AS n FROM sync_runs WHERE status = 'ok'`))[0]!.n;
    const child = spawn(process.execPath, [BIN, 'schedule', '--run-now', '--cron', '0 0 1 1 *', '--json'], { cwd: dir, env: { ...process.env, ...env('postgres') }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const deadline = Date.now() + 240_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const n = (await pgRows<{ n: number }>(url, `SELECT count(*)::int AS n FROM export_runs WHERE path LIKE $1 AND status = 'ok'`, [`${join(dir, 'nightly')}%`]))[0]!.n;
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    // The run ends with retention after the exports: let it finish before stopping.
    await new Promise((r) => setTimeout(r, 300));
    child.kill('SIGTERM');
    expect(await exited, stderr).toBe(0);
    expect(stderr).not.toMatch(/retention: old inbox, webhook and outbox rows not removed/);
    expect(JSON.parse(stdout.split('\n')[0]!)).toMatchObject({ cron: '0 0 1 1 *', exports: 1 });
    expect((await pgRows<{ n: number }>(url, `SELECT count(*)::int AS n FROM sync_runs WHERE status = 'ok'`))[0]!.n).toBe(before + 1);
    expect(existsSync(join(dir, 'nightly')) && readdirSync(join(dir, 'nightly')).some((f) => f.endsWith('.csv'))).toBe(true);
  }, 300_000);
});

describe('the health probe on PostgreSQL (what serve\'s /healthz asks)', () => {
  it('answers ok while the database takes writes, and throws once it is read-only', async () => {
    const url = await createTestDatabase(cluster());
    const mirror = await openMirror(url);
    try {
      expect(await mirror.probeWriteLock()).toBe('ok');
      const name = new URL(url).pathname.slice(1);
      await pgRows(url, `ALTER DATABASE ${name} SET default_transaction_read_only = on`);
      // New connections read the setting: what a standby or a locked-down database answers.
      const pool = new pg.Pool({ connectionString: url });
      await expect(probeWriteLockPg(pool)).rejects.toThrow(/read-only/);
      await pool.end();
    } finally {
      await mirror.close();
    }
  }, 30_000);
});
