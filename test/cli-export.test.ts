// `ghl-etl export`, `contacts show` (from the mirror) and `purge` through the real binary, on a
// mirror seeded with hostile values (test/helpers/export-fixture.ts): the flags select exactly
// the rows plain SQL selects, the CSV parses back to what the mirror holds (formula guard applied,
// phones intact), bad usage is one line and exit 2.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';
import { OLD, seedExportFixture, seedPurgeTraces, type Fixture } from './helpers/export-fixture.ts';
import { sqliteOf } from '../src/db/connection.ts';
import { insertInboxLead } from '../src/db/inbox.ts';
import { recordWebhookEvent } from '../src/db/webhook-events.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined };

let fx: Fixture;
beforeAll(() => {
  fx = seedExportFixture();
  fx.db.close(); // the binary is the only writer from here on
  // A config file with named segments, in the working directory the binary runs in.
  writeFileSync(join(fx.dir, 'ghl-etl.config.json'), JSON.stringify({
    segments: [
      { name: 'vip-phones', tags: ['vip'], hasPhone: true, columns: ['id', 'phone', 'tags'], out: 'out/vip-phones.csv' },
      { name: 'madrid', tags: ['madrid'], excludeTags: ['spam'] },
    ],
  }));
});
afterAll(() => fx.cleanup());

const cli = (args: string[]) => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: fx.dbPath } });
type Row = Record<string, string>;
const rowsOf = (csv: string | Buffer): Row[] => parse(csv, { bom: true, columns: true }) as Row[];

/** What an analyst's SQL says the rule selects (tags compared lower-cased, live contacts only). */
function sqlIds(where: string): string[] {
  const db = openDatabase(fx.dbPath, { readonly: true });
  try {
    const hasTag = (tag: string) => `id IN (SELECT contact_id FROM contact_tags WHERE lower(tag) = '${tag}')`;
    const sql = `SELECT id FROM contacts WHERE deleted_at IS NULL AND (${where.replace(/tag\((\w+)\)/g, (_, t: string) => hasTag(t))}) ORDER BY id`;
    return (sqliteOf(db).prepare(sql).all() as { id: string }[]).map((r) => r.id);
  } finally {
    db.close();
  }
}

describe('export by tag rule, end to end', () => {
  it.concurrent.each([
    ['any of two tags (typed in capitals)', ['--tag', 'VIP', '--tag', 'madrid'], 'tag(vip) OR tag(madrid)', ['c01', 'c02', 'c03', 'c04']],
    ['all of two tags', ['--tag', 'vip', '--tag', 'madrid', '--match', 'all'], 'tag(vip) AND tag(madrid)', ['c01']],
    ['a tag minus an excluded one', ['--tag', 'madrid', '--exclude-tag', 'spam'], 'tag(madrid) AND NOT tag(spam)', ['c01']],
    ['a tag, with a phone, of a business', ['--tag', 'vip', '--has-phone', '--business', 'biz1'], "tag(vip) AND phone <> '' AND business_id = 'biz1'", ['c02']],
    ['everyone with an email in one location', ['--has-email', '--location', 'locA'], "email <> '' AND location_id = 'locA'", ['c01', 'c03', 'c04', 'c05']],
  ])('%s', async (_name, flags, where, ids) => {
    const out = join(fx.dir, `rule-${ids.join('-')}.csv`);
    const result = await cli(['export', ...flags, '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const rows = rowsOf(readFileSync(out));
    expect(rows.map((r) => r.id)).toEqual(sqlIds(where));
    expect(rows.map((r) => r.id)).toEqual(ids);
    // One line per file: the path, the rows, a short sha256 of the file.
    expect(result.stdout).toMatch(new RegExp(`^${out}\\t${ids.length} rows?\\tsha256 [0-9a-f]{12}\\n$`));
  });

  it('the CSV holds the hostile values as stored: quotes, commas, newlines, unicode; formulas guarded, phones and numbers intact', async () => {
    const out = join(fx.dir, 'hostile.csv');
    const result = await cli(['export', '--tag', 'vip', '--tag', 'madrid', '--tag', 'ñandú', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const byId = new Map(rowsOf(readFileSync(out)).map((r) => [r.id, r]));
    const c01 = byId.get('c01')!;
    expect(c01.name).toBe('Ana, "la jefa" Núñez\nSegunda línea');
    expect(c01.phone).toBe('+34 600 123 456');
    expect(c01.company_name).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(c01.tags).toBe('madrid | vip');
    expect(c01.Colors).toBe('red | blue, green');
    expect(c01[`'=Evil, "Header"`]).toBe(`'@SUM(A1)`); // the custom field's hostile name is a guarded header
    expect(c01.open_tasks).toBe('2');
    expect(c01.next_task).toBe('Call, "urgently"\nthen email');
    expect(byId.get('c02')!.first_name).toBe(`'@SUM(1+1)`);
    expect(byId.get('c02')!.Budget).toBe('-12.5');
    expect(byId.get('c03')!.city).toBe('-12.5');
    expect(byId.get('c03')!.last_name).toBe(`'-2+3`);
    expect(byId.get('c04')!.phone).toBe('+1 (555) 010-2000');
    expect(byId.get('c05')!.name).toBe('Zoë 😀 日本語');
    // The header order is the documented one: id, the contact fields, tags, custom fields, activity.
    const header = Object.keys(c01);
    expect(header.slice(0, 3)).toEqual(['id', 'location_id', 'first_name']);
    expect(header.slice(-4)).toEqual(['open_tasks', 'next_task', 'next_task_due', 'last_note_at']);
    expect(header.indexOf('tags')).toBeLessThan(header.indexOf('Budget'));
  });

  it('--out - writes the CSV on stdout (the summary on stderr); --columns picks and orders; --excel adds a BOM; --raw leaves cells alone', async () => {
    const result = await cli(['export', '--tag', 'vip', '--columns', 'phone,id', '--columns', '=Evil, "Header"', '--out', '-', '--excel', '--raw']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.startsWith('\uFEFFphone,id,"=Evil, ""Header"""\r\n')).toBe(true);
    expect(parse(result.stdout, { bom: true })).toEqual([
      ['phone', 'id', '=Evil, "Header"'],
      ['+34 600 123 456', 'c01', '@SUM(A1)'],
      ['+34600000002', 'c02', ''],
      ['+1 (555) 010-2000', 'c04', ''],
    ]);
    expect(result.stderr).toMatch(/^-\t3 rows\tsha256 [0-9a-f]{12}\n$/);
  });

  it('--tasks writes the tasks of the selected contacts, open first', async () => {
    const result = await cli(['export', '--tag', 'vip', '--tasks', '--columns', 'id,contact_id,title,completed', '--out', '-']);
    expect(result.code, result.stderr).toBe(0);
    expect(rowsOf(result.stdout).map((r) => [r.id, r.completed])).toEqual([['t1', '0'], ['t3', '0'], ['t2', '1'], ['t4', '0']]);
  });

  it('--by-tag --out-dir DIR: the folder is created, one file per tag, names safe and distinct; --json lists them', async () => {
    const dir = join(fx.dir, 'new', 'by-tag');
    const result = await cli(['export', '--by-tag', '--out-dir', dir, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { files: Array<{ tag: string; path: string; rows: number; sha256: string }>; failed: unknown[] };
    expect(doc.failed).toEqual([]);
    const tags = ['../etc/passwd', 'VIP', 'a/b', 'con', 'madrid', 'spam', 'v i p', 'v.i.p', 'vip', 'ñandú'];
    expect(doc.files.map((f) => f.tag).sort()).toEqual([...tags].sort());
    expect(readdirSync(dir).sort()).toEqual(doc.files.map((f) => f.path.slice(dir.length + 1)).sort());
    expect(new Set(readdirSync(dir).map((n) => n.toLowerCase())).size).toBe(tags.length);
    for (const f of doc.files) {
      expect(f.path.startsWith(dir + '/')).toBe(true);
      expect(rowsOf(readFileSync(f.path)).length).toBe(f.rows);
    }
    const vip = doc.files.find((f) => f.tag === 'vip')!;
    expect(vip.path).toBe(join(dir, 'vip.csv'));
    expect(rowsOf(readFileSync(vip.path)).map((r) => r.id)).toEqual(['c01', 'c02']); // exactly "vip", not "VIP"
  });

  it('--segment NAME and --all-segments write the config file\'s segments', async () => {
    const one = await cli(['export', '--segment', 'VIP-phones']);
    expect(one.code, one.stderr).toBe(0);
    expect(readFileSync(join(fx.dir, 'out/vip-phones.csv'), 'utf8').split('\r\n')[0]).toBe('id,phone,tags');
    const all = await cli(['export', '--all-segments', '--json']);
    expect(all.code, all.stderr).toBe(0);
    const doc = JSON.parse(all.stdout) as { files: Array<{ segment: string; path: string; rows: number }> };
    expect(doc.files.map((f) => [f.segment, f.rows])).toEqual([['vip-phones', 3], ['madrid', 1]]);
    expect(doc.files[1]!.path).toBe(join(fx.dir, 'data/exports/madrid.csv'));
  });
});

describe.concurrent('export: bad usage is one line and exit 2, and writes nothing', () => {
  it.each([
    [['export', '--tag', 'vip', '--columns', 'id,nope', '--out', 'never.csv'], /unknown column "nope"; valid columns: id, location_id/],
    [['export', '--segment', 'nobody'], /no segment named "nobody" in the config file; known segments: vip-phones, madrid/],
    [['export', '--segment', 'madrid', '--tag', 'vip'], /--tag cannot be combined with --segment/],
    [['export', '--tag', 'vip', '--tasks', '--notes'], /--tasks and --notes cannot be combined/],
    [['export', '--by-tag', '--out', 'x.csv'], /use --out-dir DIR instead of --out/],
    [['export', '--tag', 'vip', '--match', 'most'], /--match takes any or all, got "most"/],
    [['export', '--tag', ' ', '--out', 'never.csv'], /a tag must not be empty/],
    [['export', '--tag', 'vip', '--out', '-', '--json'], /--out - writes the CSV on stdout/],
  ])('%j', async (args, message) => {
    const result = await cli(args);
    expect(result.code).toBe(2);
    // One line on stderr; with --json, one JSON document on stdout instead.
    const said = args.includes('--json') ? (JSON.parse(result.stdout) as { error: { message: string } }).error.message : result.stderr;
    expect(said).toMatch(message);
    expect(said.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(fx.dir, 'never.csv'))).toBe(false);
  });
});

describe('contacts show, from the mirror', () => {
  it('profile, tags, custom fields by name, tasks open first, notes newest first, recent activity', async () => {
    const result = await cli(['contacts', 'show', 'c01']);
    expect(result.code, result.stderr).toBe(0);
    const text = result.stdout;
    expect(text).toContain('Ana, "la jefa" Núñez ↵ Segunda línea  [c01]'); // a newline in a name cannot break the layout
    expect(text).toMatch(/phone\s+\+34 600 123 456/);
    expect(text).toContain('Tags (2): madrid, vip');
    expect(text).toMatch(/Budget\s+1200\n\s+Colors\s+red \| blue, green/);
    expect(text.indexOf('[ ] due 2026-04-01 10:00')).toBeLessThan(text.indexOf('[ ] due 2026-05-01 10:00'));
    expect(text.indexOf('[ ] due 2026-05-01 10:00')).toBeLessThan(text.indexOf('[x] due 2026-03-01 10:00'));
    expect(text.indexOf('Newest note, with "quotes"')).toBeLessThan(text.indexOf('First note'));
    expect(text).toMatch(/Recent activity:\n {2}2026-05-01 10:00 {2}task due {2}open: =cmd\(\)/);

    const json = await cli(['contacts', 'show', 'c01', '--json']);
    const view = JSON.parse(json.stdout) as { source: string; customFields: Record<string, unknown>; tasks: Array<{ id: string }>; notes: Array<{ id: string }> };
    expect(view.source).toBe('mirror');
    expect(view.customFields).toEqual({ 'Budget': 1200, 'Colors': ['red', 'blue, green'], '=Evil, "Header"': '@SUM(A1)' });
    expect(view.tasks.map((t) => t.id)).toEqual(['t1', 't3', 't2']);
    expect(view.notes.map((n) => n.id)).toEqual(['n2', 'n1']);
  });

  it('an id the mirror does not hold: exit 1 with the fix', async () => {
    const result = await cli(['contacts', 'show', 'nobody']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/contact nobody is not in the mirror .*run `ghl-etl sync`, or add --live/);
  });
});

describe('purge --deleted-before DATE', () => {
  it('needs --yes off a terminal; then erases the personal data of contacts deleted before DATE, keeping ids and dates', async () => {
    const own = seedExportFixture();
    own.db.close();
    const run = (args: string[]) => runCli(args, { cwd: own.dir, env: { ...CLEAN, GHL_ETL_DB: own.dbPath } });
    try {
      const refused = await run(['purge', '--deleted-before', '2026-04-01']);
      expect(refused.code).toBe(2);
      expect(refused.stderr).toMatch(/add --yes to run it without a terminal/);
      const badDate = await run(['purge', '--deleted-before', 'last week', '--yes']);
      expect(badDate.code).toBe(2);
      expect(badDate.stderr).toMatch(/"last week" is not a date: give one like 2026-01-31/);

      // c07 was deleted on 2026-03-01: not before March 1st, but before April 1st.
      const early = await run(['purge', '--deleted-before', '2026-03-01', '--yes', '--json']);
      expect(JSON.parse(early.stdout)).toEqual({ deletedBefore: '2026-03-01', contacts: 0, tasks: 0, notes: 0, retention: { inbox: 0, webhookEvents: 0, outbox: 0 } });
      const done = await run(['purge', '--deleted-before', '2026-04-01', '--yes']);
      expect(done.code, done.stderr).toBe(0);
      expect(done.stdout).toBe('Erased the personal data of 1 contact soft-deleted before 2026-04-01 (1 task, 1 note); their ids and dates are kept.\n');

      const db = openDatabase(own.dbPath, { readonly: true });
      try {
        const gone = sqliteOf(db).prepare(`SELECT id, location_id, name, email, phone, date_added, deleted_at, raw FROM contacts WHERE id = 'c07'`).get();
        expect(gone).toEqual({
          id: 'c07', location_id: 'locA', name: null, email: null, phone: null,
          date_added: '2026-01-10T09:00:00.000Z', deleted_at: '2026-03-01T00:00:00.000Z', raw: '{"id":"c07","purged":true}',
        });
        expect(sqliteOf(db).prepare(`SELECT count(*) AS n FROM contact_tags WHERE contact_id = 'c07'`).get()).toEqual({ n: 0 });
        expect(sqliteOf(db).prepare(`SELECT id, body FROM notes WHERE contact_id = 'c07'`).all()).toEqual([{ id: 'n7', body: null }]);
        expect(sqliteOf(db).prepare(`SELECT count(*) AS n FROM notes_fts WHERE notes_fts MATCH 'secret'`).get()).toEqual({ n: 0 });
        // Live contacts are untouched.
        expect(sqliteOf(db).prepare(`SELECT email FROM contacts WHERE id = 'c01'`).get()).toEqual({ email: 'ana@example.com' });
      } finally {
        db.close();
      }
    } finally {
      own.cleanup();
    }
  });

  it('erases the person from the inbox, outbox, idempotency keys and webhook payloads, and from the file and its WAL', async () => {
    const own = seedExportFixture();
    const { db } = own;
    // Retention (90 days by default): old finished rows of a live contact go, unfinished and recent ones stay.
    seedPurgeTraces(db);
    insertInboxLead(db, { dedupeKey: 'sha256:old-pending', payload: '{"email":"pending@example.com"}', leadId: null }, OLD);
    recordWebhookEvent(db, { webhookId: 'wh-new', type: 'ContactUpdate', locationId: 'locA', payload: '{"id":"c01"}' });
    db.close();
    try {
      const result = await runCli(['purge', '--deleted-before', '2026-04-01', '--yes'], { cwd: own.dir, env: { ...CLEAN, GHL_ETL_DB: own.dbPath } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Removed rows older than 90 days \(retention\.days\): 1 inbox lead, 1 webhook event, 0 outbox calls\./);
      for (const file of [own.dbPath, `${own.dbPath}-wal`]) {
        const bytes = existsSync(file) ? readFileSync(file) : Buffer.alloc(0);
        for (const trace of ['gone@example.com', '+34600000007', 'Gone Person', 'call back']) {
          expect(bytes.indexOf(trace), `${trace} in ${file}`).toBe(-1);
        }
      }
      const after = openDatabase(own.dbPath, { readonly: true });
      try {
        const rows = (sql: string) => sqliteOf(after).prepare(sql).all();
        expect(rows(`SELECT dedupe_key FROM inbox ORDER BY id`)).toEqual([{ dedupe_key: 'sha256:old-pending' }]);
        expect(rows(`SELECT webhook_id, payload FROM webhook_events ORDER BY webhook_id`)).toEqual([
          { webhook_id: 'wh-gone', payload: '{"webhookId":"wh-gone","purged":true}' },
          { webhook_id: 'wh-new', payload: '{"id":"c01"}' },
        ]);
        expect(rows(`SELECT count(*) AS n FROM outbox`)).toEqual([{ n: 0 }]);
        expect(rows(`SELECT count(*) AS n FROM op_idempotency`)).toEqual([{ n: 0 }]);
      } finally {
        after.close();
      }
    } finally {
      own.cleanup();
    }
  });
});
