// `ghl-etl mcp` on a PostgreSQL mirror answers as on a SQLite mirror of the same data: the real
// binary, driven over stdio by the MCP SDK's own client, once per engine, both mirrors synced
// from one sandbox (with accented names, notes and a duplicate email added). Every read tool is
// called with the same arguments on both and must give the same structuredContent (syncedAt and
// the status's times aside); the searches (search_contacts, search_notes, `contacts list
// --query`) find the same records for text with accents, case, punctuation and prefixes;
// sql_query on PostgreSQL refuses what would write (with SQLite's words) and changes nothing; a
// write lands in HighLevel and in the PostgreSQL mirror at once; --http serves PostgreSQL too.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openMirror } from '../src/db/open-mirror.ts';
import { NOTE_DOCUMENT_SQL } from '../src/db/pg/fulltext.ts';
import { runReadOnlyQuery } from '../src/db/pg/read-only-query.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { createTestDatabase, usePostgres } from './helpers/postgres.ts';
import { useSandbox } from './helpers/sandbox.ts';
import { mcpEnvOf } from './helpers/mcp-env.ts';

const TOKEN = 'mcp-pg-test-token-0123456789abcdef0123456789';

/** The answer without what differs between two syncs of the same data (when they ran). */
function comparable(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(comparable);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'syncedAt' && k !== 'generatedAt').map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}

const errorText = (result: CallToolResult) => (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

// Accents in both cases, punctuation inside words, a prefix of a word, an email: what the searches must treat alike.
const NOTES = [
  'Financiación aprobada para el coche nuevo',
  'FINANCIACION pendiente; escribir a ana.lopez@example.com',
  'Sin financiar todavía',
  '¿Qué tal el híbrido? Llamar el lunes',
  'Factura-proforma enviada a O\'Brien',
  'Prueba de conducción del eléctrico: «muy contento»',
  'Cita con Dvořák y Søren',
];
const NOTE_QUERIES = [
  'financiación', 'FINANCIACION', 'financiacion aprobada', 'financ', 'ana.lopez@example.com', 'example', 'lopez', 'qué',
  '¿qué híbrido', 'QUE HIBRIDO', 'factura-proforma', 'proforma factura', 'o\'brien', 'brien', 'conduccion', 'contento', 'eléctrico',
  '«muy', 'coche nuev', '; -', 'zzz-nothing', 'dvorak', 'DVOŘÁK', 'søren', 'soren',
];
const CONTACT_QUERIES = ['josé', 'JOSÉ', 'jose', 'garcía', 'GARCIA', 'núñez', 'coches', 'o\'brien', 'example.com', '%', '_', 'ÁNGEL', 'ángel', 'zz no one'];

interface Server {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  data<T = Record<string, unknown>>(name: string, args?: Record<string, unknown>): Promise<T>;
}

describe('ghl-etl mcp on PostgreSQL answers as on SQLite', () => {
  const cluster = usePostgres();
  // The fourth location accepts duplicate contacts (as some accounts do), for find_duplicates.
  const sandbox = useSandbox({ locations: 4, contacts: 16, seed: 47, rateLimit: 'none' });
  const location = () => sandbox().locations[3]!;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-pg-'));
  const sqlitePath = join(dir, 'mirror.sqlite');
  let pgUrl = '';
  let pool: pg.Pool;
  const env = (db: string, extra: Record<string, string | undefined> = {}) => mcpEnvOf({
    GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location().id, GHL_TOKEN: location().token, GHL_ETL_DB: db, ...extra,
  });
  const servers: Client[] = [];
  let lite: Server;
  let post: Server;
  const requests = () => sandbox().stats().requests;

  async function start(db: string): Promise<Server> {
    const client = new Client({ name: 'ghl-etl-pg-test', version: '1.0.0' });
    let stderr = '';
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: dir, env: env(db), stderr: 'pipe' });
    transport.stderr?.on('data', (d) => (stderr += d));
    await client.connect(transport).catch((err: Error) => {
      throw new Error(`${err.message}: ${stderr}`);
    });
    servers.push(client);
    const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
    return {
      client, call,
      async data<T>(name: string, args: Record<string, unknown> = {}) {
        const result = await call(name, args);
        expect(result.isError, `${name} on ${db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'}: ${errorText(result)}`).toBeFalsy();
        return result.structuredContent as T;
      },
    };
  }

  /** The same call on both engines: the PostgreSQL answer, after checking it equals SQLite's. */
  async function same<T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> {
    const [a, b] = await Promise.all([lite.data(name, args), post.data(name, args)]);
    expect(comparable(b), `${name} ${JSON.stringify(args)}`).toEqual(comparable(a));
    return b as T;
  }

  beforeAll(async () => {
    const store = sandbox().store;
    const loc = location().id;
    const people = [
      { firstName: 'José', lastName: 'García', email: 'jose.garcia@example.com', companyName: 'Coches Núñez S.L.', tags: ['vip', 'financiación'] },
      { firstName: 'JOSÉ', lastName: 'ÁLVAREZ', email: 'Dup@Example.com', tags: ['vip'] },
      { firstName: 'Ángel', lastName: 'Núñez', email: 'dup@example.com', phone: '+34600111222', tags: ['Lead'] },
      { firstName: 'Zoë', lastName: 'O\'Brien', email: 'zoe_obrien@example.com', companyName: '100% Motor', tags: [] },
    ].map((p) => store.createContact(loc, p));
    NOTES.forEach((body, i) => store.createNote(people[i % people.length]!.id, { body }));
    store.createTask(people[0]!.id, { title: 'Llamar a José por la financiación', dueDate: '2026-01-10T09:00:00.000Z', completed: false });
    store.createTask(people[2]!.id, { title: 'Enviar presupuesto', body: 'híbrido enchufable', dueDate: '2026-03-01T10:00:00.000Z', completed: true });

    pgUrl = await createTestDatabase(cluster());
    pool = new pg.Pool({ connectionString: pgUrl, max: 2 });
    const synced = await Promise.all([sqlitePath, pgUrl].map((db) => runCli(['sync'], { cwd: dir, env: env(db), timeoutMs: 60_000 })));
    for (const s of synced) expect(s.code, s.stderr).toBe(0);
    [lite, post] = await Promise.all([start(sqlitePath), start(pgUrl)]);
  }, 120_000);
  afterAll(async () => {
    for (const c of servers) await c.close().catch(() => {});
    await pool?.end();
  });

  it('every read tool gives the same answer from PostgreSQL as from SQLite, with no HighLevel call', async () => {
    const before = requests();
    const all = await same<{ contacts: Array<{ id: string; tags: string[] }> }>('search_contacts', { limit: 500 });
    expect(all.contacts.length).toBeGreaterThan(16);
    const tags = await same<{ tags: Array<{ tag: string; count: number }> }>('list_tags');
    const [first, second] = tags.tags.map((t) => t.tag);
    expect(second).toBeDefined();

    // Pages follow the same cursors.
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await same<{ nextCursor?: string }>('search_contacts', { tags: [first], limit: 2, ...(cursor ? { cursor } : {}) });
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(1);
    await same('search_contacts', { tags: [first, second], match: 'all' });
    await same('search_contacts', { tags: [first!.toUpperCase()], excludeTags: [second] });
    await same('search_contacts', { tags: ['FINANCIACIÓN'] });
    await same('search_contacts', { query: 'a', limit: 3 });

    // The 360° view of contacts with tasks, notes and custom fields.
    const withChildren = (await pool.query<{ id: string }>(
      `SELECT c.id FROM contacts c WHERE deleted_at IS NULL ORDER BY
         (SELECT count(*) FROM notes n WHERE n.contact_id = c.id) + (SELECT count(*) FROM tasks t WHERE t.contact_id = c.id)
         + (SELECT count(*) FROM contact_custom_fields v WHERE v.contact_id = c.id) DESC, id COLLATE "C" LIMIT 3`)).rows;
    for (const { id } of withChildren) {
      const view = await same<{ profile: { id: string }; customFields: object; notes: unknown[] }>('get_contact', { id });
      expect(view.profile.id).toBe(id);
    }
    const missing = await Promise.all([lite, post].map((s) => s.call('get_contact', { id: 'no-such-contact' })));
    expect(missing.map((r) => r.isError)).toEqual([true, true]);
    expect(errorText(missing[1]!)).toBe(errorText(missing[0]!));

    for (const args of [{}, { status: 'open' }, { status: 'completed' }, { status: 'overdue' }, { dueBefore: '2026-02-01T00:00:00+01:00' }, { limit: 2 }]) {
      await same('list_tasks', args);
    }
    await same('list_tasks', { contactId: withChildren[0]!.id });
    await same('list_tags', { locationId: location().id });
    const fields = await same<{ fields: unknown[] }>('list_custom_fields');
    expect(fields.fields.length).toBeGreaterThan(0);
    const dupes = await same<{ groups: Array<{ value: string; contactIds: string[] }> }>('find_duplicates', { by: 'email' });
    expect(dupes.groups.map((g) => g.value)).toContain('dup@example.com');
    await same('find_duplicates', { by: 'phone' });
    await same('find_duplicates', { by: 'email', limit: 1 });
    const segment = await same<{ count: number }>('run_segment', { tags: [first], limit: 3 });
    expect(segment.count).toBeGreaterThan(0);
    await same('run_segment', { excludeTags: [first], match: 'all', limit: 500 });
    const sql = await same<{ rows: unknown[]; truncated: boolean }>('sql_query', {
      sql: `SELECT c.id, c.first_name, c.email, (SELECT count(*) FROM contact_tags t WHERE t.contact_id = c.id) AS tags,
              w.tags AS tag_list FROM contacts c JOIN contacts_wide w ON w.id = c.id ORDER BY c.id LIMIT 10`,
      limit: 4,
    });
    expect(sql).toMatchObject({ truncated: true });
    expect(sql.rows).toHaveLength(4);

    // mirror_status: the same locations, health and problems (the runs' own times and ids aside).
    const status = await Promise.all([lite, post].map(async (s) => {
      const report = await s.data<{ healthy: boolean; locations: Array<Record<string, unknown> & { lastRun: { status: string } | null }> }>('mirror_status');
      return { healthy: report.healthy, locations: report.locations.map((l) => ({ id: l.locationId, healthy: l.healthy, problems: l.problems, run: l.lastRun?.status })) };
    }));
    expect(status[1]).toEqual(status[0]);
    expect(status[1]!.locations).toEqual([{ id: location().id, healthy: true, problems: [], run: 'ok' }]);

    expect(requests(), 'a read called HighLevel').toBe(before);
  });

  it('full-text and contact searches find the same records on both engines: accents and case folded in notes, whole words only', async () => {
    const found: Record<string, string[]> = {};
    for (const query of NOTE_QUERIES) {
      const notes = await same<{ notes: Array<{ body: string }> }>('search_notes', { query, limit: 500 });
      found[query] = notes.notes.map((n) => n.body);
    }
    // Case and Latin accents are folded on both, punctuation splits words, a prefix alone finds nothing.
    expect(found['financiación']!.sort()).toEqual([NOTES[0], NOTES[1]].sort());
    expect(found['FINANCIACION']!.sort()).toEqual([NOTES[0], NOTES[1]].sort());
    expect(found['financiacion aprobada']).toEqual([NOTES[0]]);
    expect(found['financ']).toEqual([]);
    expect(found['coche nuev']).toEqual([]);
    expect(found['ana.lopez@example.com']).toEqual([NOTES[1]]);
    expect(found['QUE HIBRIDO']).toEqual([NOTES[3]]);
    expect(found['¿qué híbrido']).toEqual([NOTES[3]]);
    expect(found['proforma factura']).toEqual([NOTES[4]]);
    expect(found['o\'brien']).toEqual([NOTES[4]]);
    expect(found['«muy']).toEqual([NOTES[5]]);
    expect(found['; -']).toEqual([]);
    expect(found['dvorak']).toEqual([NOTES[6]]);
    expect(found['søren']).toEqual([NOTES[6]]);
    expect(found['soren']).toEqual([]); // ø is a letter of its own for FTS5, so on PostgreSQL too

    const contacts: Record<string, string[]> = {};
    for (const query of CONTACT_QUERIES) {
      const page = await same<{ contacts: Array<{ firstName: string | null; lastName: string | null }> }>('search_contacts', { query, limit: 500 });
      contacts[query] = page.contacts.map((c) => `${c.firstName} ${c.lastName}`);
    }
    // Contact text matches anywhere in a field; only A-Z fold case (as SQLite's LIKE), on both engines.
    expect(contacts['josé']).toContain('José García');
    expect(contacts['josé']).not.toContain('JOSÉ ÁLVAREZ');
    expect(contacts['JOSÉ']).toContain('JOSÉ ÁLVAREZ');
    expect(contacts['jose']).toContain('José García'); // by its email
    expect(contacts['núñez']).toEqual(expect.arrayContaining(['José García', 'Ángel Núñez']));
    expect(contacts['%']).toEqual(['Zoë O\'Brien']);
    expect(contacts['_']).toEqual(['Zoë O\'Brien']);

    // `contacts list --query` reads the mirror through mirroredContacts: the same contacts on both engines.
    const mirrors = await Promise.all([sqlitePath, pgUrl].map((db) => openMirror(db)));
    try {
      for (const query of CONTACT_QUERIES) {
        const listed = await Promise.all(mirrors.map(async (m) => (await m.mirroredContacts({ locationId: location().id, query })).map((c) => c.id)));
        expect(listed[1], query).toEqual(listed[0]);
        if (['josé', 'JOSÉ', 'example.com', 'núñez'].includes(query)) expect(listed[1]!.length, query).toBeGreaterThan(0);
      }
    } finally {
      for (const m of mirrors) await m.close();
    }
  });

  it('PostgreSQL\'s notes_fts makes the same words as FTS5 of every Latin letter with an accent', async () => {
    // FTS5's own reading of each letter (unicode61), against the PostgreSQL view's document of the same text.
    const fts = new Database(':memory:');
    try {
      fts.exec(`CREATE VIRTUAL TABLE f USING fts5(b); CREATE VIRTUAL TABLE v USING fts5vocab(f, 'instance')`);
      const letters: number[] = [];
      for (const [from, to] of [[0xc0, 0x24f], [0x1e00, 0x1eff]] as const) for (let c = from; c <= to; c++) letters.push(c);
      const insert = fts.prepare('INSERT INTO f (rowid, b) VALUES (?, ?)');
      for (const c of letters) insert.run(c, `x${String.fromCodePoint(c)}x y`);
      const want = new Map<number, string[]>();
      for (const r of fts.prepare('SELECT doc, term FROM v ORDER BY doc, offset').all() as Array<{ doc: number; term: string }>) {
        want.set(r.doc, [...(want.get(r.doc) ?? []), r.term]);
      }
      const documents = (await pool.query<{ c: number; words: string[] }>(
        `WITH t(c, body) AS (SELECT c, 'x' || chr(c) || 'x y' FROM unnest($1::int[]) AS c)
         SELECT c, ARRAY(SELECT lexeme FROM unnest(${NOTE_DOCUMENT_SQL}) ORDER BY lexeme COLLATE "C") AS words FROM t`, [letters])).rows;
      const differ = documents.filter((d) => JSON.stringify(d.words) !== JSON.stringify([...new Set(want.get(d.c))].sort()))
        .map((d) => `${String.fromCodePoint(d.c)}: ${d.words.join(' ')} / ${want.get(d.c)!.join(' ')}`);
      expect(differ).toEqual([]);
      // The mirror's view (as migrated) holds that very document.
      const stale = await pool.query(`SELECT 1 FROM notes_fts f JOIN notes n ON n.id = f.id WHERE f.document <> ${NOTE_DOCUMENT_SQL.replaceAll('body', 'n.body')}`);
      expect(stale.rowCount).toBe(0);
    } finally {
      fts.close();
    }
  });

  it('sql_query on PostgreSQL refuses what would write, in SQLite\'s words, and nothing changes', async () => {
    const count = async () => (await pool.query<{ n: string }>(`SELECT (SELECT count(*) FROM contacts) + (SELECT count(*) FROM notes) AS n`)).rows[0]!.n;
    const before = await count();
    const id = (await pool.query<{ id: string }>(`SELECT id FROM contacts ORDER BY id LIMIT 1`)).rows[0]!.id;
    const refusedAlike = [
      `INSERT INTO notes (id, contact_id, location_id, raw, synced_at) VALUES ('x', '${id}', 'l', '{}', '2026-01-01T00:00:00Z')`,
      `UPDATE contacts SET first_name = 'hacked'`,
      `DELETE FROM contacts`,
      `DROP TABLE contacts`,
      `SELECT 1; DELETE FROM contacts`,
      `SELECT * FROM oauth_tokens`,
    ];
    for (const sql of refusedAlike) {
      const [a, b] = await Promise.all([lite.call('sql_query', { sql }), post.call('sql_query', { sql })]);
      expect(b.isError, sql).toBe(true);
      expect(errorText(b), sql).toBe(errorText(a));
    }
    const refusedOnPostgres = [
      `SELECT * FROM contacts FOR UPDATE`,
      `WITH gone AS (DELETE FROM contacts RETURNING id) SELECT * FROM gone`,
      `SELECT nextval(pg_get_serial_sequence('sync_runs', 'id'))`,
      `SELECT pg_advisory_lock(42)`,
      `SELECT set_config('statement_timeout', '1', false)`,
      `SELECT * INTO stolen FROM contacts`,
      `CREATE TEMP TABLE t AS SELECT 1`,
    ];
    for (const sql of refusedOnPostgres) {
      const result = await post.call('sql_query', { sql });
      expect(result.isError, sql).toBe(true);
      expect(errorText(result), sql).toMatch(/^sql: only read-only statements that return rows/);
    }
    expect(await count()).toBe(before);
    expect((await pool.query(`SELECT 1 FROM contacts WHERE first_name = 'hacked'`)).rowCount).toBe(0);
    expect((await pool.query(`SELECT 1 FROM pg_locks WHERE locktype = 'advisory'`)).rowCount).toBe(0);
    // A read still works after the refusals (the connection was left clean).
    const contacts = Number((await pool.query<{ n: string }>(`SELECT count(*) AS n FROM contacts`)).rows[0]!.n);
    expect((await post.data<{ rows: Array<{ n: number }> }>('sql_query', { sql: 'SELECT count(*) AS n FROM contacts' })).rows[0]!.n).toBe(contacts);
  });

  it('sql_query on PostgreSQL stops a statement at its timeout and caps the rows', async () => {
    await expect(runReadOnlyQuery(pool, 'SELECT count(*) FROM generate_series(1, 1000000000)', 10, 300))
      .rejects.toThrow('sql: stopped after 0.3 s (statement_timeout): narrow the query or add a LIMIT');
    const capped = await runReadOnlyQuery(pool, 'SELECT g AS n FROM generate_series(1, 5) g;', 3);
    expect(capped).toEqual({ columns: ['n'], rows: [{ n: 1 }, { n: 2 }, { n: 3 }], truncated: true });
    // The connection went back to the pool clean: no timeout left behind.
    const settings = await Promise.all([1, 2].map(() => pool.query<{ t: string }>(`SELECT current_setting('statement_timeout') AS t`)));
    expect(settings.map((r) => r.rows[0]!.t)).toEqual(['0', '0']);
  });

  it('a write through MCP on PostgreSQL lands in HighLevel once and in the PostgreSQL mirror at once, found by search_notes', async () => {
    const contactId = (await post.data<{ contacts: Array<{ id: string }> }>('search_contacts', { query: 'Ángel' })).contacts[0]!.id;
    const body = 'Reservó el Híbrido Azul zafiro';
    const created = await post.data<{ note: { id: string } }>('create_note', { contactId, body });
    expect(sandbox().store.state(location().id).notes.filter((n) => n.body === body).map((n) => n.id)).toEqual([created.note.id]);
    const hits = await post.data<{ notes: Array<{ id: string }> }>('search_notes', { query: 'HIBRIDO zafiro' });
    expect(hits.notes.map((n) => n.id)).toEqual([created.note.id]);
    expect((await pool.query(`SELECT 1 FROM notes WHERE id = $1 AND deleted_at IS NULL`, [created.note.id])).rowCount).toBe(1);
  });

  it('mcp --http serves the PostgreSQL mirror with the same answers as stdio', async () => {
    const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [BIN, 'mcp', '--http', '--port', '0', '--json'], {
      cwd: dir, env: env(pgUrl, { GHL_ETL_MCP_TOKEN: TOKEN }), stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d) => {
          out += d;
          if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
        });
        child.on('close', () => reject(new Error(`mcp --http ended before listening: ${stderr}`)));
      });
      const client = new Client({ name: 'ghl-etl-pg-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } }));
      const overHttp = (await client.callTool({ name: 'search_contacts', arguments: { tag: 'vip', limit: 500 } })) as CallToolResult;
      expect(overHttp.isError).toBeFalsy();
      expect(comparable(overHttp.structuredContent)).toEqual(comparable(await post.data('search_contacts', { tag: 'vip', limit: 500 })));
      await client.close();
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  }, 90_000);
});
