// The PostgreSQL mirror's schema against a real PostgreSQL (test/helpers/postgres.ts): migrating
// an empty database gives every table, column, view and index the SQLite mirror has; several
// processes migrating at once all succeed; the configured schema is respected; the views answer
// as SQLite's do on the same rows; full-text search finds what SQLite's FTS5 finds.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { sqliteOf } from '../src/db/connection.ts';
import { openDatabase, type Db } from '../src/db/open.ts';
import { openPostgresPool, type PostgresTarget } from '../src/db/pg/connect.ts';
import { fullTextQuerySql, NOTE_DOCUMENT_SQL, TASK_DOCUMENT_SQL } from '../src/db/pg/fulltext.ts';
import { migratePostgres, PG_MIGRATIONS_FOLDER, readPgMigrations } from '../src/db/pg/migrate.ts';
import { openPostgres } from '../src/db/pg/open.ts';
import { DatabaseOpenError } from '../src/db/open.ts';
import { rebuildContactsWideView as rebuildPgContactsWide } from '../src/db/pg/views.ts';
import { rebuildContactsWideView } from '../src/db/views.ts';
import { postgresCatalog, sqliteCatalog, type Catalog } from './helpers/db-catalog.ts';
import { adminQuery, createTestDatabase, freePort, usePostgres, withDatabase } from './helpers/postgres.ts';

const cluster = usePostgres();
const pools: pg.Pool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.end()));
});

function pool(target: PostgresTarget): pg.Pool {
  const p = openPostgresPool(target, { max: 4 });
  pools.push(p);
  return p;
}

/** A migrated, empty PostgreSQL mirror (in `schema` when given). */
async function migratedPostgres(schema?: string): Promise<{ pool: pg.Pool; schema: string }> {
  const url = await createTestDatabase(cluster());
  const p = pool({ url, ...(schema ? { schema } : {}) });
  const result = await migratePostgres(p, schema ? { schema } : {});
  return { pool: p, schema: result.schema };
}

function sqliteMirror(): Db {
  return openDatabase(join(mkdtempSync(join(tmpdir(), 'ghl-etl-pgcmp-')), 'mirror.sqlite'));
}

async function catalogOf(p: pg.Pool, schema: string): Promise<Catalog> {
  const client = await p.connect();
  try {
    return await postgresCatalog(client, schema);
  } finally {
    client.release();
  }
}

describe('migrating an empty PostgreSQL database', () => {
  it('creates every table, column, view and index the SQLite mirror has, and nothing it lacks', async () => {
    const sqlite = sqliteMirror();
    const expected = sqliteCatalog(sqliteOf(sqlite));
    sqlite.close();
    const { pool: p, schema } = await migratedPostgres();
    expect(schema).toBe('public');
    const actual = await catalogOf(p, schema);

    expect([...actual.relations.keys()].sort()).toEqual([...expected.relations.keys()].sort());
    for (const [name, want] of expected.relations) {
      const got = actual.relations.get(name)!;
      expect(got.kind, name).toBe(want.kind);
      if (want.kind === 'table') {
        // Tables: the same columns (SQLite appends columns added by later migrations, so order may differ).
        expect([...got.columns].sort(), name).toEqual([...want.columns].sort());
        expect(got.notNull, `${name} NOT NULL columns`).toEqual(want.notNull);
      } else if (want.kind === 'view') {
        // Views: the same columns in the same order (SELECT * and CSVs read them in order).
        expect(got.columns, name).toEqual(want.columns);
      } else {
        // Full-text: SQLite's columns, plus the row's id and the tsvector PostgreSQL searches.
        expect(got.columns, name).toEqual(['id', ...want.columns, 'document']);
      }
    }
    // The same named indexes (unique ones included), plus PostgreSQL's full-text indexes.
    expect([...expected.indexes].filter((i) => !actual.indexes.has(i)), 'indexes PostgreSQL lacks').toEqual([]);
    expect([...actual.indexes].filter((i) => !expected.indexes.has(i)).sort(), 'indexes SQLite lacks')
      .toEqual(['notes.notes_fts_document_idx', 'tasks.tasks_fts_document_idx']);
    expect(actual.relations.get('contacts')).toBeDefined();
    for (const view of ['contacts_wide', 'open_tasks', 'contact_activity']) expect(actual.relations.get(view)?.kind).toBe('view');
  });

  it('uses PostgreSQL\'s types: timestamptz for times, boolean for flags, jsonb for raw JSON', async () => {
    const { pool: p } = await migratedPostgres();
    const types = new Map((await p.query<{ c: string; t: string }>(
      `SELECT table_name || '.' || column_name AS c, data_type AS t FROM information_schema.columns WHERE table_schema = 'public'`,
    )).rows.map((r) => [r.c, r.t]));
    expect(types.get('contacts.date_updated')).toBe('timestamp with time zone');
    expect(types.get('contacts.synced_at')).toBe('timestamp with time zone');
    expect(types.get('tasks.due_date')).toBe('timestamp with time zone');
    expect(types.get('contacts.dnd')).toBe('boolean');
    expect(types.get('tasks.completed')).toBe('boolean');
    expect(types.get('contacts.raw')).toBe('jsonb');
    expect(types.get('notes.raw')).toBe('jsonb');
    expect(types.get('sync_runs.id')).toBe('integer');
  });

  it('a second migration finds nothing to do; a database from a newer ghl-etl is refused', async () => {
    const { pool: p } = await migratedPostgres();
    const migrations = readPgMigrations();
    expect(await migratePostgres(p)).toMatchObject({ applied: 0, schemaVersion: migrations.length });
    const newer = [...migrations, { ...migrations.at(-1)!, tag: 'future', when: migrations.at(-1)!.when + 1, statements: ['SELECT 1'] }];
    await migratePostgres(p, { migrations: newer });
    await expect(migratePostgres(p)).rejects.toThrow(/newer than this ghl-etl understands.*upgrade ghl-etl/);
  });

  it('puts every table in the configured schema, creating it, and leaves public alone', async () => {
    const { pool: p, schema } = await migratedPostgres('ghl_mirror');
    expect(schema).toBe('ghl_mirror');
    const tables = async (s: string) => (await p.query<{ n: string }>(
      `SELECT table_name AS n FROM information_schema.tables WHERE table_schema = $1`, [s],
    )).rows.map((r) => r.n);
    expect(await tables('ghl_mirror')).toEqual(expect.arrayContaining(['contacts', '__drizzle_migrations', 'contacts_wide', 'notes_fts']));
    expect(await tables('public')).toEqual([]);
    // Foreign keys point within the schema (drizzle-kit writes them as "public"."t").
    await p.query(`INSERT INTO locations (id, raw, synced_at) VALUES ('loc1', '{}', now())`);
    await expect(p.query(`INSERT INTO contacts (id, location_id, raw, synced_at) VALUES ('c1', 'nope', '{}', now())`)).rejects.toThrow(/foreign key/);
  });

  it('several processes starting at once on an empty database all migrate it, once', async () => {
    const url = await createTestDatabase(cluster());
    const worker = join(import.meta.dirname, 'pg-migrate-worker.ts');
    const runs = [0, 1, 2].map(() => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, url], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += d));
      const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      return { child, lines, exited, stderr: () => stderr };
    });
    for (const run of runs) expect((await run.lines.next()).value).toBe('ready');
    for (const run of runs) run.child.stdin.end('go\n');
    const results = [];
    for (const run of runs) {
      const line = (await run.lines.next()).value as string | undefined;
      expect(await run.exited, run.stderr()).toBe(0);
      results.push(JSON.parse(line!) as { applied: number; schemaVersion: number });
    }
    const count = readPgMigrations().length;
    expect(results.map((r) => r.schemaVersion)).toEqual([count, count, count]);
    expect(results.map((r) => r.applied).sort()).toEqual([0, 0, count]);
    const p = pool({ url });
    expect((await p.query('SELECT count(*)::integer AS n FROM __drizzle_migrations')).rows[0].n).toBe(count);
  });

  it('the full-text indexes are the expressions src/db/pg/fulltext.ts builds queries for', () => {
    // The latest migration that builds them (0009 rebuilt 0001's with every Latin fold of FTS5).
    const migration = readFileSync(join(PG_MIGRATIONS_FOLDER, '0009_fulltext_latin_folds.sql'), 'utf8');
    expect(migration).toContain(`ON "notes" USING gin (${NOTE_DOCUMENT_SQL})`);
    expect(migration).toContain(`ON "tasks" USING gin (${TASK_DOCUMENT_SQL})`);
  });
});

// ---- the same rows on both engines --------------------------------------------------------------

const T = '2026-03-04T05:06:07.089Z';
type Row = Record<string, unknown>;
const FIXTURE: Array<[table: string, rows: Row[]]> = [
  ['locations', [{ id: 'loc1', name: 'Motor Sur', raw: { id: 'loc1' }, synced_at: T }]],
  ['users', [{ id: 'u1', location_id: 'loc1', name: 'Marta Vendedora', email: 'marta@example.com', raw: { id: 'u1' }, synced_at: T }]],
  ['contacts', [
    { id: 'c1', location_id: 'loc1', first_name: 'Ana', last_name: 'García', name: 'Ana García', email: 'ana.garcia@example.com',
      phone: '+34600111222', dnd: true, assigned_to: 'u1', date_of_birth: '1990-05-12', date_added: '2026-01-01T10:00:00.000Z',
      date_updated: '2026-02-01T10:00:00.000Z', raw: { id: 'c1', firstName: 'Ana' }, synced_at: T, run_id: 1 },
    { id: 'c2', location_id: 'loc1', first_name: 'Gone', name: 'Gone', dnd: false, raw: { id: 'c2' }, synced_at: T, deleted_at: T },
    { id: 'c3', location_id: 'loc1', first_name: 'Bob', last_name: 'Stone', name: 'Bob Stone', email: 'bob@example.org', dnd: false,
      date_added: '2026-01-02T10:00:00.000Z', raw: { id: 'c3' }, synced_at: T },
  ]],
  ['contact_tags', [{ contact_id: 'c1', tag: 'vip' }, { contact_id: 'c1', tag: 'audi q5' }, { contact_id: 'c1', tag: 'b-list' }, { contact_id: 'c3', tag: 'vip' }]],
  ['custom_fields', [
    { id: 'f1', location_id: 'loc1', name: 'Budget', field_key: 'contact.budget', data_type: 'MONETORY', raw: {}, synced_at: T },
    { id: 'f2', location_id: 'loc1', name: 'Visit', field_key: 'contact.visit', data_type: 'DATE', raw: {}, synced_at: T },
    { id: 'f3', location_id: 'loc1', name: 'Models', field_key: 'contact.models', data_type: 'MULTIPLE_OPTIONS', raw: {}, synced_at: T },
    { id: 'f4', location_id: 'loc1', name: 'Name', field_key: 'contact.nick', data_type: 'TEXT', raw: {}, synced_at: T },
  ]],
  ['contact_custom_fields', [
    { contact_id: 'c1', field_id: 'f1', value: '25000.5', value_type: 'number' },
    { contact_id: 'c1', field_id: 'f2', value: '1767225600000', value_type: 'number' },
    { contact_id: 'c1', field_id: 'f3', value: '["Q5","A3"]', value_type: 'list' },
    { contact_id: 'c1', field_id: 'f4', value: 'Anita', value_type: 'string' },
    { contact_id: 'c3', field_id: 'f1', value: 'n/a', value_type: 'string' },
    { contact_id: 'c3', field_id: 'f2', value: '2026-04-01', value_type: 'string' },
  ]],
  ['tasks', [
    { id: 't1', contact_id: 'c1', location_id: 'loc1', title: 'Call Ana about the invoice', body: 'Financing for the Q5', due_date: '2026-03-10T09:00:00.000Z', completed: false, assigned_to: 'u1', raw: {}, synced_at: T },
    { id: 't2', contact_id: 'c1', location_id: 'loc1', title: 'Send brochure', completed: true, raw: {}, synced_at: T },
    { id: 't3', contact_id: 'c3', location_id: 'loc1', title: 'Test drive', body: 'Bob wants the A3 on Friday', completed: false, raw: {}, synced_at: T },
    { id: 't4', contact_id: 'c2', location_id: 'loc1', title: 'Orphan', completed: false, raw: {}, synced_at: T },
    { id: 't5', contact_id: 'c3', location_id: 'loc1', title: 'Old', completed: false, raw: {}, synced_at: T, deleted_at: T },
  ]],
  ['notes', [
    { id: 'n1', contact_id: 'c1', location_id: 'loc1', body: 'Llamó José: quiere financiación. Contacto: ana.garcia@example.com', date_added: '2026-02-03T10:00:00.000Z', raw: {}, synced_at: T },
    { id: 'n2', contact_id: 'c3', location_id: 'loc1', body: 'Sent the brochure; follow-up next week (INVOICE #42)', date_added: '2026-02-04T10:00:00.000Z', raw: {}, synced_at: T },
    { id: 'n3', contact_id: 'c1', location_id: 'loc1', body: 'old invoice', date_added: '2026-02-05T10:00:00.000Z', raw: {}, synced_at: T, deleted_at: T },
  ]],
];

function insertSqlite(db: Db): void {
  db.transaction(() => {
    for (const [table, rows] of FIXTURE) {
      for (const row of rows) {
        const names = Object.keys(row);
        const values = Object.values(row).map((v) => (typeof v === 'boolean' ? Number(v) : typeof v === 'object' && v !== null ? JSON.stringify(v) : v));
        sqliteOf(db).prepare(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`).run(...values);
      }
    }
  });
  rebuildContactsWideView(db);
}

async function insertPostgres(p: pg.Pool): Promise<void> {
  const client = await p.connect();
  try {
    for (const [table, rows] of FIXTURE) {
      for (const row of rows) {
        const names = Object.keys(row);
        const values = Object.values(row).map((v) => (typeof v === 'object' && v !== null ? JSON.stringify(v) : v));
        await client.query(`INSERT INTO ${table} (${names.join(', ')}) VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')})`, values);
      }
    }
    await rebuildPgContactsWide(client);
  } finally {
    client.release();
  }
}

/** A PostgreSQL value as SQLite holds the same datum: times as ISO text, flags 0/1, numerics as numbers. */
function asSqliteHolds(value: unknown, sqliteValue: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'boolean') return Number(value);
  if (typeof value === 'string' && typeof sqliteValue === 'number') return Number(value);
  return value;
}

async function bothEngines(): Promise<{ sqlite: Db; pg: pg.Pool }> {
  const sqlite = sqliteMirror();
  insertSqlite(sqlite);
  const { pool: p } = await migratedPostgres();
  await insertPostgres(p);
  return { sqlite, pg: p };
}

describe('the same rows on both engines', () => {
  it('contacts_wide, open_tasks and contact_activity answer alike', async () => {
    const { sqlite, pg: p } = await bothEngines();
    try {
      for (const [view, order] of [['contacts_wide', 'id'], ['open_tasks', 'id'], ['contact_activity', 'contact_id']] as const) {
        const statement = sqliteOf(sqlite).prepare(`SELECT * FROM ${view} ORDER BY ${order}`);
        const want = statement.all() as Row[];
        const got = await p.query(`SELECT * FROM ${view} ORDER BY ${order}`);
        expect(got.fields.map((f) => f.name), `${view} columns`).toEqual(statement.columns().map((c) => c.name));
        expect(got.rows.map((row, i) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, asSqliteHolds(v, want[i]?.[k])]))), view).toEqual(want);
        expect(want.length, view).toBeGreaterThan(0);
      }
      // What those views say, so the comparison is not of two empty or equally wrong answers (a numeric reads as a number, as on SQLite).
      const wide = (await p.query(`SELECT id, tags, "Budget", "Visit", "Models", "Name (contact.nick)" AS nick, assigned_to_name FROM contacts_wide ORDER BY id`)).rows;
      expect(wide).toEqual([
        { id: 'c1', tags: 'audi q5 | b-list | vip', Budget: 25000.5, Visit: '2026-01-01T00:00:00.000Z', Models: 'Q5 | A3', nick: 'Anita', assigned_to_name: 'Marta Vendedora' },
        { id: 'c3', tags: 'vip', Budget: null, Visit: '2026-04-01', Models: null, nick: null, assigned_to_name: null },
      ]);
      expect((await p.query(`SELECT id FROM open_tasks ORDER BY id`)).rows.map((r) => r.id)).toEqual(['t1', 't3']);
      expect((await p.query(`SELECT contact_id, tasks, open_tasks, notes FROM contact_activity ORDER BY contact_id`)).rows).toEqual([
        { contact_id: 'c1', tasks: 2, open_tasks: 1, notes: 1 },
        { contact_id: 'c3', tasks: 1, open_tasks: 1, notes: 1 },
      ]);
    } finally {
      sqlite.close();
    }
  });

  it('full-text search finds the same notes and tasks, and through them the contact by name or email', async () => {
    const { sqlite, pg: p } = await bothEngines();
    try {
      // FTS5 MATCH of the words, each quoted (so "ana.garcia@example.com" is one phrase, not syntax).
      const match = (q: string) => q.split(/\s+/).map((w) => `"${w.replaceAll('"', '""')}"`).join(' ');
      const searches = {
        notes: {
          sqlite: `SELECT n.id FROM notes_fts f JOIN notes n ON n.rowid = f.rowid WHERE notes_fts MATCH ? ORDER BY n.id`,
          pg: `SELECT id FROM notes_fts WHERE document @@ ${fullTextQuerySql('$1')} ORDER BY id`,
        },
        tasks: {
          sqlite: `SELECT t.id FROM tasks_fts f JOIN tasks t ON t.rowid = f.rowid WHERE tasks_fts MATCH ? ORDER BY t.id`,
          pg: `SELECT id FROM tasks_fts WHERE document @@ ${fullTextQuerySql('$1')} ORDER BY id`,
        },
      };
      const queries = ['invoice', 'INVOICE', 'jose', 'José', 'financiacion', 'García', 'ana.garcia@example.com', 'example',
        'follow', 'brochure week', 'call ana', 'a3 friday', '42', 'nothing', 'drive test'];
      for (const [table, sql] of Object.entries(searches)) {
        for (const q of queries) {
          const want = (sqliteOf(sqlite).prepare(sql.sqlite).all(match(q)) as Array<{ id: string }>).map((r) => r.id);
          const got = (await p.query<{ id: string }>(sql.pg, [q])).rows.map((r) => r.id);
          expect(got, `${table} "${q}"`).toEqual(want);
        }
      }
      // Soft-deleted rows are indexed on both (n3 "old invoice"), as the SQLite migration documents.
      expect((await p.query(searches.notes.pg, ['invoice'])).rows.map((r) => r.id)).toEqual(['n2', 'n3']);
      // A contact found by the name and the email its notes and tasks mention.
      const contactsFor = async (q: string) => (await p.query<{ id: string }>(
        `SELECT DISTINCT c.id FROM contacts c WHERE c.deleted_at IS NULL AND (
           c.id IN (SELECT n.contact_id FROM notes_fts f JOIN notes n ON n.id = f.id WHERE f.document @@ ${fullTextQuerySql('$1')} AND n.deleted_at IS NULL)
           OR c.id IN (SELECT t.contact_id FROM tasks_fts f JOIN tasks t ON t.id = f.id WHERE f.document @@ ${fullTextQuerySql('$1')} AND t.deleted_at IS NULL))
         ORDER BY c.id`, [q])).rows.map((r) => r.id);
      expect(await contactsFor('ana.garcia@example.com')).toEqual(['c1']);
      expect(await contactsFor('Ana')).toEqual(['c1']);
      expect(await contactsFor('bob')).toEqual(['c3']);
    } finally {
      sqlite.close();
    }
  });

  it('reads times back as the ISO text SQLite holds, and counts as numbers', async () => {
    const { sqlite, pg: p } = await bothEngines();
    try {
      const sql = `SELECT id, date_added, date_updated, synced_at, deleted_at FROM contacts ORDER BY id`;
      expect((await p.query(sql)).rows).toEqual(sqliteOf(sqlite).prepare(sql).all());
      expect((await p.query(`SELECT count(*) AS n FROM notes`)).rows).toEqual([{ n: 3 }]);
      // A time written with an offset reads back in UTC.
      expect((await p.query(`SELECT '2026-05-06 07:08:09.5+02'::timestamptz AS t`)).rows[0].t).toBe('2026-05-06T05:08:09.500Z');
    } finally {
      sqlite.close();
    }
  });

  it('a full-text query uses the GIN index', async () => {
    const { pool: p } = await migratedPostgres();
    const client = await p.connect();
    try {
      await client.query('SET enable_seqscan = off');
      const plan = (await client.query(`EXPLAIN SELECT id FROM notes_fts WHERE document @@ ${fullTextQuerySql('$1')}`, ['invoice'])).rows
        .map((r) => r['QUERY PLAN'] as string).join('\n');
      expect(plan).toContain('notes_fts_document_idx');
    } finally {
      client.release();
    }
  });
});

describe('opening the PostgreSQL mirror', () => {
  const PASSWORD = 'pw-Secret-5678';
  /** `url` with a password the trust-auth cluster ignores, to see that no message shows it. */
  const withPassword = (url: string, user = 'postgres') => {
    const u = new URL(url);
    u.username = user;
    u.password = PASSWORD;
    return u.toString();
  };
  const refusal = async (url: string, schema?: string): Promise<DatabaseOpenError> => {
    const err = await openPostgres({ url, ...(schema ? { schema } : {}) }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseOpenError);
    expect((err as Error).message).not.toContain(PASSWORD);
    expect((err as Error).message).toContain(':****@');
    return err as DatabaseOpenError;
  };

  it('migrates and answers; a second open finds it migrated', async () => {
    const url = await createTestDatabase(cluster());
    const first = await openPostgres({ url, schema: 'ghl' });
    expect(first).toMatchObject({ schema: 'ghl', schemaVersion: readPgMigrations().length });
    await first.close();
    const again = await openPostgres({ url, schema: 'ghl' });
    expect((await again.pool.query('SELECT count(*)::integer AS n FROM contacts')).rows[0].n).toBe(0);
    await again.close();
  });

  it('a server that is not there, a database that does not exist, a role that may not create tables: one message naming the fix, no password', async () => {
    const unreachable = await refusal(withPassword(`postgres://127.0.0.1:${await freePort()}/mirror`));
    expect(unreachable.message).toMatch(/cannot be reached \(ECONNREFUSED\): start the server or fix GHL_ETL_DB/);

    const missing = await refusal(withPassword(withDatabase(cluster().url, 'no_such_mirror')));
    expect(missing.message).toMatch(/does not exist: create it/);

    const url = await createTestDatabase(cluster());
    await adminQuery(cluster().url, `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN CREATE ROLE reader LOGIN; END IF; END $$`);
    const denied = await refusal(withPassword(url, 'reader'));
    expect(denied.message).toMatch(/refused a change to the schema \(permission denied for schema public\).*dbSchema/);
    const deniedSchema = await refusal(withPassword(url, 'reader'), 'ghl');
    expect(deniedSchema.message).toMatch(/refused a change to the schema \(permission denied for database/);
  });
});
