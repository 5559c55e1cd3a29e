// Segment CSV exports on a real SQLite mirror seeded with hostile values: the rows each rule
// selects, what the CSV parses back to, the formula guard, the atomic write, export_runs.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getExportRun, listExportRuns } from '../src/db/exports.ts';
import {
  availableColumns, exportSegment, ExportUsageError, guardCell, type SegmentRule,
} from '../src/export/index.ts';
import { seedExportFixture, type Fixture } from './helpers/export-fixture.ts';
import { sqliteOf } from '../src/db/connection.ts';

let fx: Fixture;
beforeEach(() => {
  fx = seedExportFixture();
});
afterEach(() => fx.cleanup());

const readCsv = (path: string): string[][] => parse(readFileSync(path), { bom: true, relax_column_count: false });
const sqlIds = (sql: string, ...params: unknown[]): string[] =>
  (sqliteOf(fx.db).prepare(sql).all(...params) as { id: string }[]).map((r) => r.id);

async function exportedIds(rule: SegmentRule): Promise<string[]> {
  const out = join(fx.dir, 'rule.csv');
  await exportSegment(fx.db, { rule, out, columns: ['id'] });
  return readCsv(out).slice(1).map((r) => r[0]!);
}

// Each rule next to the plain SQL an analyst would write for it (tags compared lower-cased, as
// HighLevel stores them), and the ids we know the fixture holds, so neither side can drift.
const LIVE = `SELECT id FROM contacts WHERE deleted_at IS NULL`;
const hasTag = (tag: string) => `id IN (SELECT contact_id FROM contact_tags WHERE lower(tag) = '${tag}')`;
const RULES: Array<{ name: string; rule: SegmentRule; sql: string; ids: string[] }> = [
  { name: 'any of vip, madrid', rule: { tags: ['vip', 'madrid'] }, sql: `${LIVE} AND (${hasTag('vip')} OR ${hasTag('madrid')})`, ids: ['c01', 'c02', 'c03', 'c04'] },
  { name: 'all of vip, madrid', rule: { tags: ['vip', 'madrid'], match: 'all' }, sql: `${LIVE} AND ${hasTag('vip')} AND ${hasTag('madrid')}`, ids: ['c01'] },
  { name: 'madrid excluding spam', rule: { tags: ['madrid'], excludeTags: ['spam'] }, sql: `${LIVE} AND ${hasTag('madrid')} AND NOT ${hasTag('spam')}`, ids: ['c01'] },
  { name: 'everyone excluding vip', rule: { excludeTags: ['VIP'] }, sql: `${LIVE} AND NOT ${hasTag('vip')}`, ids: ['c03', 'c05', 'c06'] },
  { name: 'tag typed in capitals', rule: { tags: ['VIP'] }, sql: `${LIVE} AND ${hasTag('vip')}`, ids: ['c01', 'c02', 'c04'] },
  { name: 'has email', rule: { hasEmail: true }, sql: `${LIVE} AND email IS NOT NULL AND email <> ''`, ids: ['c01', 'c03', 'c04', 'c05'] },
  { name: 'has no phone', rule: { hasPhone: false }, sql: `${LIVE} AND (phone IS NULL OR phone = '')`, ids: ['c03', 'c05'] },
  { name: 'business', rule: { businessId: 'biz1', tags: ['vip'] }, sql: `${LIVE} AND business_id = 'biz1' AND ${hasTag('vip')}`, ids: ['c02'] },
  { name: 'location', rule: { locationId: 'locB' }, sql: `${LIVE} AND location_id = 'locB'`, ids: ['c06'] },
  {
    name: 'added in January (the whole last day)',
    rule: { dateAdded: { from: '2026-01-01', to: '2026-01-31' } },
    sql: `${LIVE} AND date_added >= '2026-01-01' AND date_added < '2026-02-01'`,
    ids: ['c01', 'c02', 'c05', 'c06'],
  },
  {
    name: 'added from an instant with an offset',
    // 2026-02-15T10:00+01:00 is 09:00Z: included from 09:00Z, not from 09:00:01Z.
    rule: { dateAdded: { from: '2026-02-15T09:00:00Z' } },
    sql: `${LIVE} AND id = 'c04'`,
    ids: ['c04'],
  },
  {
    name: 'updated after mid-March (Z and .000Z forms alike)',
    rule: { dateUpdated: { from: '2026-03-15T12:00:00.000Z' } },
    sql: `${LIVE} AND date_updated >= '2026-03-15T12'`,
    ids: ['c01'],
  },
];

describe('segment rules', () => {
  for (const { name, rule, sql, ids } of RULES) {
    it(`${name}: exports exactly the rows SQL selects`, async () => {
      const expected = sqlIds(`${sql} ORDER BY id`);
      expect(expected).toEqual(ids);
      expect(await exportedIds(rule)).toEqual(expected);
    });
  }

  it('never exports a soft-deleted contact', async () => {
    expect(await exportedIds({ tags: ['vip'] })).not.toContain('c07');
  });

  it('takes hostile tag text as data, never as SQL', async () => {
    expect(await exportedIds({ tags: ["vip') OR 1=1 --", "' OR ''='"] })).toEqual([]);
    expect(sqlIds(`SELECT id FROM contacts`)).toHaveLength(7);
  });

  it('refuses a bad date with a message naming it', async () => {
    await expect(exportSegment(fx.db, { rule: { dateAdded: { from: '31/01/2026' } }, out: join(fx.dir, 'x.csv') }))
      .rejects.toThrow(/dateAdded\.from.*2026-03-31/);
  });
});

describe('the CSV', () => {
  it('parses back to the database values, formula guard applied, phones intact', async () => {
    const out = join(fx.dir, 'all.csv');
    const result = await exportSegment(fx.db, { rule: {}, out });
    const [header, ...rows] = readCsv(out);
    expect(result.rows).toBe(6);
    expect(rows).toHaveLength(6);

    // Column order: contacts_wide's, then the activity columns.
    expect(header!.slice(0, 3)).toEqual(['id', 'location_id', 'first_name']);
    expect(header!.slice(-8)).toEqual([
      'tags', `'=Evil, "Header"`, 'Budget', 'Colors', 'open_tasks', 'next_task', 'next_task_due', 'last_note_at',
    ]);
    const wide = sqliteOf(fx.db).prepare(`SELECT * FROM contacts_wide ORDER BY id`).raw(true).all() as unknown[][];
    const byId = new Map(rows.map((r) => [r[0], r]));
    for (const dbRow of wide) {
      const csvRow = byId.get(dbRow[0] as string)!;
      dbRow.forEach((value, i) => {
        const text = value === null ? '' : String(value);
        const guarded = /^[=+\-@\t\r]/.test(text) && csvRow[i] !== text;
        // Either the value as stored, or the same value behind the apostrophe of the guard.
        expect(csvRow[i], `${header![i]} of ${dbRow[0]}`).toBe(guarded ? `'${text}` : text);
      });
    }

    const cell = (id: string, column: string) => byId.get(id)![header!.indexOf(column)];
    expect(cell('c01', 'first_name')).toBe('Ana, "la jefa"');
    expect(cell('c01', 'last_name')).toBe('Núñez\nSegunda línea');
    expect(cell('c01', 'company_name')).toBe(`'=HYPERLINK("http://evil.example","x")`);
    expect(cell('c01', 'phone')).toBe('+34 600 123 456');
    expect(cell('c01', 'tags')).toBe('madrid | vip');
    expect(cell('c01', 'Colors')).toBe('red | blue, green');
    expect(cell('c01', `'=Evil, "Header"`)).toBe(`'@SUM(A1)`);
    expect(cell('c01', 'open_tasks')).toBe('2');
    expect(cell('c01', 'next_task')).toBe('Call, "urgently"\nthen email');
    expect(cell('c01', 'next_task_due')).toBe('2026-04-01T10:00:00.000Z');
    expect(cell('c01', 'last_note_at')).toBe('2026-03-05T10:00:00.000Z');
    expect(cell('c02', 'first_name')).toBe(`'@SUM(1+1)`);
    expect(cell('c02', 'phone')).toBe('+34600000002');
    expect(cell('c02', 'Budget')).toBe('-12.5');
    expect(cell('c02', 'next_task')).toBe('Undated');
    expect(cell('c03', 'first_name')).toBe(`'+cmd|calc`);
    expect(cell('c03', 'last_name')).toBe(`'-2+3`);
    expect(cell('c03', 'city')).toBe('-12.5');
    expect(cell('c04', 'first_name')).toBe(`'\tTabbed`);
    expect(cell('c04', 'last_name')).toBe(`'\rCarriage`);
    expect(cell('c04', 'phone')).toBe('+1 (555) 010-2000');
    expect(cell('c05', 'first_name')).toBe('Zoë 😀');
    expect(cell('c05', 'last_name')).toBe('日本語');
    expect(cell('c06', 'open_tasks')).toBe('0');
  });

  it('is RFC 4180: CRLF between records, newlines kept inside quoted cells, UTF-8 without BOM by default', async () => {
    const out = join(fx.dir, 'rfc.csv');
    await exportSegment(fx.db, { rule: { tags: ['vip'], match: 'all' }, out, columns: ['id', 'first_name', 'last_name'] });
    const bytes = readFileSync(out);
    expect(bytes.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    expect(bytes.toString('utf8')).toBe(
      'id,first_name,last_name\r\nc01,"Ana, ""la jefa""","Núñez\nSegunda línea"\r\nc02,\'@SUM(1+1),Plain\r\nc04,\'\tTabbed,"\'\rCarriage"\r\n',
    );
  });

  it('excel adds a UTF-8 byte order mark; raw opts out of the guard', async () => {
    const out = join(fx.dir, 'excel.csv');
    await exportSegment(fx.db, { rule: { tags: ['vip'] }, out, excel: true, raw: true, columns: ['id', 'first_name', 'company_name'] });
    const bytes = readFileSync(out);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows = readCsv(out);
    expect(rows[1]).toEqual(['c01', 'Ana, "la jefa"', '=HYPERLINK("http://evil.example","x")']);
    expect(rows[2]).toEqual(['c02', '@SUM(1+1)', '']);
  });

  it('columns picks and orders; an unknown column is a clear error listing the valid ones, and no run (nothing was attempted)', async () => {
    const out = join(fx.dir, 'cols.csv');
    await exportSegment(fx.db, { rule: { tags: ['vip'] }, out, columns: ['TAGS', 'id', 'Budget', 'next_task_due'] });
    expect(readCsv(out)[0]).toEqual(['tags', 'id', 'Budget', 'next_task_due']);
    const failing = exportSegment(fx.db, { rule: {}, out, columns: ['id', 'emial'] });
    await expect(failing).rejects.toThrow(ExportUsageError);
    await expect(exportSegment(fx.db, { rule: {}, out, columns: ['emial'] }))
      .rejects.toThrow(/unknown column "emial"; valid columns: id, location_id, .*email.*, last_note_at/);
    const last = listExportRuns(fx.db, 1)[0]!;
    expect(last).toMatchObject({ status: 'ok', kind: 'contacts', path: out }); // the good export before them
  });

  it('records the run with segment, kind, row count and the sha256 of the file', async () => {
    const out = join(fx.dir, 'runs.csv');
    const result = await exportSegment(fx.db, { rule: { tags: ['madrid'] }, out, segment: 'madrid-leads' });
    const run = getExportRun(fx.db, result.runId)!;
    expect(run).toMatchObject({ segment: 'madrid-leads', kind: 'contacts', path: out, rows: 2, status: 'ok', error: null });
    expect(run.sha256).toBe(createHash('sha256').update(readFileSync(out)).digest('hex'));
    expect(run.finishedAt).not.toBeNull();
    const adhoc = await exportSegment(fx.db, { rule: { tags: ['vip'], excludeTags: ['spam'] }, out });
    expect(getExportRun(fx.db, adhoc.runId)!.segment).toBe('tags any: vip; not: spam');
  });

  it("out '-' streams to stdout without ending it", async () => {
    const stdout = new PassThrough();
    const chunks: Buffer[] = [];
    stdout.on('data', (c: Buffer) => chunks.push(c));
    const result = await exportSegment(fx.db, { rule: { tags: ['spam'] }, out: '-', stdout, columns: ['id', 'email'] });
    expect(Buffer.concat(chunks).toString('utf8')).toBe('id,email\r\nc03,c03@example.com\r\n');
    expect(stdout.writableEnded).toBe(false);
    expect(getExportRun(fx.db, result.runId)).toMatchObject({ path: '-', rows: 1, status: 'ok' });
    expect(result.sha256).toBe(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
  });
});

describe('tasks and notes of a segment', () => {
  it('writes the live tasks of the live contacts, open first', async () => {
    const out = join(fx.dir, 'tasks.csv');
    const result = await exportSegment(fx.db, { rule: { tags: ['vip'] }, out, kind: 'tasks' });
    const [header, ...rows] = readCsv(out);
    expect(header).toEqual(availableColumns(fx.db, 'tasks').map((c) => c.name));
    const at = (name: string) => header!.indexOf(name);
    expect(rows.map((r) => [r[at('id')], r[at('completed')]])).toEqual([['t1', '0'], ['t3', '0'], ['t2', '1'], ['t4', '0']]);
    expect(rows[1]![at('title')]).toBe(`'=cmd()`);
    expect(rows[0]![at('contact_phone')]).toBe('+34 600 123 456');
    expect(getExportRun(fx.db, result.runId)).toMatchObject({ kind: 'tasks', rows: 4 });
  });

  it('writes the live notes, newest first', async () => {
    const out = join(fx.dir, 'notes.csv');
    await exportSegment(fx.db, { rule: { tags: ['madrid'] }, out, kind: 'notes', columns: ['id', 'contact_id', 'body'] });
    expect(readCsv(out)).toEqual([
      ['id', 'contact_id', 'body'],
      ['n2', 'c01', 'Newest note, with "quotes"'],
      ['n1', 'c01', 'First note'],
    ]);
  });
});

describe('the atomic write', () => {
  const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

  it('leaves only the finished file and creates its folder', async () => {
    const out = join(fx.dir, 'new', 'deeper', 'vip.csv');
    await exportSegment(fx.db, { rule: { tags: ['vip'] }, out });
    expect(readdirSync(join(fx.dir, 'new', 'deeper'))).toEqual(['vip.csv']);
  });

  it('keeps the previous file intact and removes the temporary one when the export fails mid-stream', async () => {
    const out = join(fx.dir, 'keep.csv');
    writeFileSync(out, 'previous,export\r\n');
    // A corrupt list value makes contacts_wide's json_each fail while rows are being read.
    sqliteOf(fx.db).prepare(`INSERT OR REPLACE INTO contact_custom_fields (contact_id, field_id, value, value_type) VALUES ('c05', 'cf_colors', '[not json', 'list')`).run();
    await expect(exportSegment(fx.db, { rule: {}, out })).rejects.toThrow(/JSON/i);
    expect(readFileSync(out, 'utf8')).toBe('previous,export\r\n');
    expect(leftovers(fx.dir)).toEqual([]);
    const run = listExportRuns(fx.db, 1)[0]!;
    expect(run).toMatchObject({ status: 'failed', sha256: null });
    expect(run.error).toMatch(/JSON/i);
    // The connection was released: the next export works.
    sqliteOf(fx.db).prepare(`DELETE FROM contact_custom_fields WHERE value = '[not json'`).run();
    await exportSegment(fx.db, { rule: {}, out });
    expect(readCsv(out)).toHaveLength(7);
  });

  it('refuses an out that is a folder before writing or recording anything (the rename would fail)', async () => {
    const out = join(fx.dir, 'is-a-folder.csv');
    mkdirSync(out);
    const before = listExportRuns(fx.db).length;
    await expect(exportSegment(fx.db, { rule: {}, out })).rejects.toThrow(ExportUsageError);
    await expect(exportSegment(fx.db, { rule: {}, out })).rejects.toThrow(/is-a-folder\.csv is a folder: name a CSV file in it/);
    expect(leftovers(fx.dir)).toEqual([]);
    expect(listExportRuns(fx.db)).toHaveLength(before);
  });
});

describe('guardCell', () => {
  it('guards formula starts but not plain numbers or phone numbers', () => {
    for (const keep of ['-12.5', '+34 600 123 456', '+1 (555) 010-2000', '+34600000002', '42', '', 'plain', '1e5', '-.5']) {
      expect(guardCell(keep)).toBe(keep);
    }
    for (const bad of ['=1+1', '+cmd|calc', '-2+3', '@SUM(A1)', '\tx', '\rx', '+', '-', '=', '+34 600 CALL', '-1e5x']) {
      expect(guardCell(bad)).toBe(`'${bad}`);
    }
  });
});
