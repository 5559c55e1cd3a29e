// `ghl-etl export --format xlsx` through the real binary, read back by a second reader
// (test/helpers/xlsx-reader.ts: node:zlib and string matching, nothing of exceljs): every cell
// equals the mirror's value, typed as a spreadsheet must see it (phones and formula-looking
// text as text exactly as stored, numbers as numbers, dates as dates, never a formula); by tag,
// each file or sheet holds the rows the CSV export of that tag holds; bad combinations exit 2.
import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import { listExportRuns } from '../src/db/exports.ts';
import {
  contactToRow, customFieldToRow, openDatabase, upsertContacts, upsertCustomFieldDefinitions, type HighLevelContact,
} from '../src/db/index.ts';
import { runConfiguredExports, safeSheetName, sheetNames } from '../src/export/index.ts';
import { writeFileAtomically } from '../src/export/atomic-file.ts';
import { parseIsoDate, xlsxText } from '../src/export/xlsx-cell.ts';
import { writeXlsx, type XlsxSheet } from '../src/export/xlsx-stream.ts';
import { runCli } from './helpers/cli.ts';
import { FIELDS, LOC, seedExportFixture, type Fixture } from './helpers/export-fixture.ts';
import { columnLetters, readXlsx, serialToDate, type XlsxCell, type XlsxSheetRead } from './helpers/xlsx-reader.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined };

// Beyond the shared fixture: a DATE custom field (a day, epoch milliseconds, free text), a
// postal code with a leading zero, a birthday, a big number, and text spreadsheets mangle:
// CR LF, control characters, a literal OOXML escape, leading spaces, a lone '=' and "0012".
const DATE_FIELD = { id: 'cf_visit', name: 'Visit date', fieldKey: 'contact.visit', dataType: 'DATE' };
const ZIP_FIELD = { id: 'cf_code', name: 'Code', fieldKey: 'contact.code', dataType: 'TEXT' };
const EXTRA: HighLevelContact[] = [
  {
    id: 'c08', locationId: LOC, dnd: true, type: 'customer', tags: ['vip'],
    firstName: '  Leading', lastName: 'Line\r\nBreak\u0001_x0041_', phone: '+351904490094', postalCode: '08001',
    dateOfBirth: '1990-05-01T00:00:00.000Z', dateAdded: '2026-01-20T08:30:15.123Z', dateUpdated: '2026-02-20T08:30:15Z',
    customFields: [{ id: 'cf_visit', value: '2026-04-02' }, { id: 'cf_budget', value: 123456789012 }, { id: 'cf_code', value: '0012' }],
  },
  {
    id: 'c09', locationId: LOC, dnd: false, type: 'lead', tags: ['History', 'a:b*c?[d]/e\\f', "'quoted'"],
    firstName: '=', lastName: '-', email: 'c09@example.com', phone: '0034600000009',
    dateAdded: '2026-01-21T00:00:00.000Z', dateUpdated: '2026-01-21T00:00:00.000Z',
    customFields: [{ id: 'cf_visit', value: 1767225600000 }, { id: 'cf_code', value: '=1+1' }],
  },
  {
    id: 'c10', locationId: LOC, dnd: false, type: 'lead', tags: ['a-very-long-tag-name-that-goes-past-excel-limit-1', 'a-very-long-tag-name-that-goes-past-excel-limit-2'],
    firstName: 'Free', lastName: 'Text date', dateAdded: '2026-01-22T00:00:00.000Z', dateUpdated: '2026-01-22T00:00:00.000Z',
    customFields: [{ id: 'cf_visit', value: 'next week' }],
  },
];

let fx: Fixture;
beforeAll(() => {
  fx = seedExportFixture();
  upsertCustomFieldDefinitions(fx.db, LOC, [...FIELDS, DATE_FIELD, ZIP_FIELD].map((f) => customFieldToRow({ ...f, locationId: LOC } as never, LOC)), null);
  upsertContacts(fx.db, EXTRA.map((c) => contactToRow(c, LOC)), 1);
  fx.db.close(); // the binary is the only writer from here on
  writeFileSync(join(fx.dir, 'ghl-etl.config.json'), JSON.stringify({
    segments: [
      { name: 'vip-book', tags: ['vip'], format: 'xlsx', out: 'out/vip-book.xlsx', columns: ['id', 'phone', 'Budget'] },
      { name: 'madrid', tags: ['madrid'] },
    ],
    exports: ['vip-book', { segment: 'madrid', format: 'xlsx' }, { byTag: 'out/tags', format: 'xlsx' }],
  }));
});
afterAll(() => fx.cleanup());

const cli = (args: string[]) => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: fx.dbPath } });
const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');
const csvRows = (path: string) => parse(readFileSync(path), { bom: true }) as string[][];

/** What the mirror holds, by plain SQL: contacts_wide plus the activity columns, by id. */
function mirrorContacts(): { columns: string[]; rows: Array<Record<string, unknown>> } {
  const db = openDatabase(fx.dbPath, { readonly: true });
  try {
    const rows = db.sqlite.prepare(`
      SELECT w.*,
        (SELECT count(*) FROM tasks t WHERE t.contact_id = w.id AND t.deleted_at IS NULL AND t.completed = 0) AS open_tasks,
        (SELECT t.title FROM tasks t WHERE t.contact_id = w.id AND t.deleted_at IS NULL AND t.completed = 0
          ORDER BY t.due_date IS NULL, t.due_date, t.id LIMIT 1) AS next_task,
        (SELECT t.due_date FROM tasks t WHERE t.contact_id = w.id AND t.deleted_at IS NULL AND t.completed = 0
          ORDER BY t.due_date IS NULL, t.due_date, t.id LIMIT 1) AS next_task_due,
        (SELECT max(n.date_added) FROM notes n WHERE n.contact_id = w.id AND n.deleted_at IS NULL) AS last_note_at
      FROM contacts_wide w ORDER BY w.id`).all() as Array<Record<string, unknown>>;
    return { columns: Object.keys(rows[0]!), rows };
  } finally {
    db.close();
  }
}

const DATE_COLUMNS = new Set(['date_of_birth', 'date_added', 'date_updated', 'synced_at', 'next_task_due', 'last_note_at', 'Visit date', 'due_date']);

/** Asserts a cell holds `expected` as the type an analyst needs (see the file's header). */
function expectCell(cell: XlsxCell | undefined, expected: unknown, column: string, where: string): void {
  if (expected === null || expected === '') {
    expect(cell, where).toBeUndefined();
    return;
  }
  expect(cell, where).toBeDefined();
  expect(cell!.formula, where).toBeUndefined();
  if (typeof expected === 'number') {
    expect(cell!.type, where).toBe('n');
    expect(cell!.value, where).toBe(expected);
  } else if (DATE_COLUMNS.has(column) && typeof expected === 'string' && /^\d{4}-\d{2}-\d{2}(T.*)?$/.test(expected)) {
    expect(cell!.type, where).toBe('n');
    expect(cell!.numFmt, where).toMatch(/^yyyy-mm-dd( hh:mm:ss)?$/);
    const bare = /^\d{4}-\d{2}-\d{2}$/.test(expected);
    expect(serialToDate(cell!.value as number).getTime(), where).toBe(Date.parse(bare ? `${expected}T00:00:00Z` : expected));
    expect(cell!.numFmt.includes('hh'), where).toBe(!bare);
  } else {
    expect(['inlineStr', 's'], where).toContain(cell!.type);
    expect(cell!.value, where).toBe(expected);
  }
}

function expectHeader(sheet: XlsxSheetRead, columns: string[]): void {
  const header = sheet.rows[0]!;
  expect(columns.map((_, i) => header.get(columnLetters(i + 1))?.value)).toEqual(columns);
  for (const cell of header.values()) {
    expect(cell.type).toBe('inlineStr');
    expect(cell.bold).toBe(true);
  }
  expect(sheet.frozenRows).toBe(1);
  expect(sheet.autoFilter).toBe(`A1:${columnLetters(columns.length)}${sheet.rows.length}`);
  expect(sheet.widths).toHaveLength(columns.length);
  for (const w of sheet.widths) expect(w).toBeGreaterThanOrEqual(10);
}

describe('export --format xlsx', () => {
  it('writes every contact cell equal to the mirror, typed: text, numbers, dates, never a formula', async () => {
    const out = join(fx.dir, 'all.xlsx');
    const result = await cli(['export', '--format', 'xlsx', '--out', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { files: Array<{ path: string; rows: number; sha256: string; format: string }> };
    const { columns, rows } = mirrorContacts();
    const sheets = readXlsx(out);
    expect(sheets.map((s) => s.name)).toEqual(['contacts']);
    const sheet = sheets[0]!;
    expectHeader(sheet, columns);
    expect(sheet.rows).toHaveLength(rows.length + 1);
    rows.forEach((row, r) => {
      columns.forEach((column, c) => {
        expectCell(sheet.rows[r + 1]!.get(columnLetters(c + 1)), row[column], column, `${row.id}.${column}`);
      });
    });
    // The cells the issue names, spelled out.
    const byId = new Map(rows.map((row, r) => [row.id as string, sheet.rows[r + 1]!]));
    const cell = (id: string, column: string) => byId.get(id)!.get(columnLetters(columns.indexOf(column) + 1));
    expect(cell('c08', 'phone')).toMatchObject({ type: 'inlineStr', value: '+351904490094' });
    expect(cell('c09', 'phone')).toMatchObject({ type: 'inlineStr', value: '0034600000009' });
    expect(cell('c08', 'postal_code')).toMatchObject({ type: 'inlineStr', value: '08001' });
    expect(cell('c08', 'Code')).toMatchObject({ type: 'inlineStr', value: '0012' });
    expect(cell('c01', 'company_name')).toMatchObject({ type: 'inlineStr', value: '=HYPERLINK("http://evil.example","x")' });
    expect(cell('c09', 'Code')).toMatchObject({ type: 'inlineStr', value: '=1+1' });
    expect(cell('c08', 'last_name')!.value).toBe('Line\r\nBreak\u0001_x0041_');
    expect(cell('c08', 'first_name')!.value).toBe('  Leading');
    expect(cell('c01', 'Budget')).toMatchObject({ type: 'n', value: 1200 });
    expect(cell('c02', 'Budget')).toMatchObject({ type: 'n', value: -12.5 });
    expect(cell('c08', 'Budget')).toMatchObject({ type: 'n', value: 123456789012 });
    expect(cell('c08', 'Visit date')).toMatchObject({ type: 'n', numFmt: 'yyyy-mm-dd' });
    expect(cell('c09', 'Visit date')).toMatchObject({ type: 'n', numFmt: 'yyyy-mm-dd hh:mm:ss' });
    expect(cell('c10', 'Visit date')).toMatchObject({ type: 'inlineStr', value: 'next week' });
    // Recorded like a CSV: the file's sha256, its rows.
    expect(doc.files[0]).toMatchObject({ path: out, rows: rows.length, sha256: sha256(out), format: 'xlsx' });
    const db = openDatabase(fx.dbPath, { readonly: true });
    try {
      const run = listExportRuns(db).find((r) => r.path === out)!;
      expect(run).toMatchObject({ status: 'ok', rows: rows.length, sha256: sha256(out) });
    } finally {
      db.close();
    }
    expect(readdirSync(fx.dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes tasks with their due dates as dates and completed as a number', async () => {
    const out = join(fx.dir, 'tasks.xlsx');
    const result = await cli(['export', '--tag', 'vip', '--tasks', '--format', 'xlsx', '--out', out]);
    expect(result.code, result.stderr).toBe(0);
    const csv = join(fx.dir, 'tasks.csv');
    expect((await cli(['export', '--tag', 'vip', '--tasks', '--raw', '--out', csv])).code).toBe(0);
    const [header, ...rows] = csvRows(csv);
    const sheet = readXlsx(out)[0]!;
    expect(sheet.name).toBe('tasks');
    expectHeader(sheet, header!);
    expect(sheet.rows).toHaveLength(rows.length + 1);
    rows.forEach((row, r) => header!.forEach((column, c) => {
      const value = column === 'completed' ? Number(row[c]) : row[c];
      expectCell(sheet.rows[r + 1]!.get(columnLetters(c + 1)), value, column, `${row[0]}.${column}`);
    }));
  });

  it('--by-tag writes one workbook per tag holding the rows of that tag’s CSV', async () => {
    const xlsxDir = join(fx.dir, 'by-tag-xlsx');
    const csvDir = join(fx.dir, 'by-tag-csv');
    const [x, c] = await Promise.all([
      cli(['export', '--by-tag', '--format', 'xlsx', '--out-dir', xlsxDir]),
      cli(['export', '--by-tag', '--raw', '--out-dir', csvDir]),
    ]);
    expect(x.code, x.stderr).toBe(0);
    expect(c.code, c.stderr).toBe(0);
    const csvFiles = readdirSync(csvDir).sort();
    expect(readdirSync(xlsxDir).sort()).toEqual(csvFiles.map((f) => f.replace(/\.csv$/, '.xlsx')));
    for (const file of csvFiles) {
      const [header, ...rows] = csvRows(join(csvDir, file));
      const sheet = readXlsx(join(xlsxDir, file.replace(/\.csv$/, '.xlsx')))[0]!;
      const text = sheet.rows.map((row) => header!.map((_, i) => {
        const v = row.get(columnLetters(i + 1))?.value;
        return v === undefined ? '' : String(v);
      }));
      // Same rows, same order; dates are compared as cells above, here only ids and text columns.
      expect(text.map((r) => r[0]), file).toEqual([header![0], ...rows.map((r) => r[0])]);
      const email = header!.indexOf('email');
      expect(text.slice(1).map((r) => r[email]), file).toEqual(rows.map((r) => r[email]));
    }
  });

  it('--by-tag --workbook writes one workbook, a distinct Excel-safe sheet per tag', async () => {
    const out = join(fx.dir, 'tags.xlsx');
    const result = await cli(['export', '--by-tag', '--workbook', out, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const doc = JSON.parse(result.stdout) as { files: Array<{ rows: number; sha256: string; sheets: Array<{ tag: string; name: string; rows: number }> }> };
    const sheets = readXlsx(out);
    const listed = doc.files[0]!.sheets;
    expect(sheets.map((s) => s.name)).toEqual(listed.map((s) => s.name));
    const names = sheets.map((s) => s.name.toLowerCase());
    expect(new Set(names).size).toBe(names.length);
    for (const s of sheets) {
      expect(s.name.length).toBeLessThanOrEqual(31);
      expect(s.name).not.toMatch(/[:\\/?*[\]]|^'|'$/);
      expect(s.name.toLowerCase()).not.toBe('history');
    }
    expect(doc.files[0]!.sha256).toBe(sha256(out));
    expect(doc.files[0]!.rows).toBe(listed.reduce((n, s) => n + s.rows, 0));
    // Each sheet: the ids of that tag's CSV.
    const csvDir = join(fx.dir, 'by-tag-csv-2');
    expect((await cli(['export', '--by-tag', '--columns', 'id', '--out-dir', csvDir, '--json'])).code).toBe(0);
    const csv = JSON.parse((await cli(['export', '--by-tag', '--columns', 'id', '--out-dir', csvDir, '--json'])).stdout) as { files: Array<{ tag: string; path: string }> };
    for (const [i, s] of listed.entries()) {
      const file = csv.files.find((f) => f.tag === s.tag)!;
      expect(sheets[i]!.rows.slice(1).map((r) => r.get('A')!.value), s.tag).toEqual(csvRows(file.path).slice(1).map((r) => r[0]));
      expect(sheets[i]!.rows.length - 1).toBe(s.rows);
    }
  });

  it.concurrent.each([
    ['xlsx to standard output', ['--format', 'xlsx', '--out', '-'], /standard output/],
    ['--workbook without --by-tag', ['--tag', 'vip', '--workbook', 'x.xlsx'], /--by-tag/],
    ['--workbook with --format csv', ['--by-tag', '--workbook', 'x.xlsx', '--format', 'csv'], /--format csv/],
    ['--workbook with --out-dir', ['--by-tag', '--workbook', 'x.xlsx', '--out-dir', 'd'], /--out-dir/],
    ['--excel with xlsx', ['--format', 'xlsx', '--excel', '--out', 'x.xlsx'], /--excel/],
    ['--raw with xlsx', ['--format', 'xlsx', '--raw', '--out', 'x.xlsx'], /--raw/],
    ['an xlsx into a .csv name', ['--format', 'xlsx', '--out', 'wrong.csv'], /wrong\.csv.*\.xlsx/],
    ['a CSV into a .xlsx name', ['--out', 'wrong.xlsx'], /--format xlsx/],
    ['an unknown format', ['--format', 'ods'], /csv or xlsx/],
  ])('refuses %s with one line and exit 2', async (_name, flags, message) => {
    const result = await cli(['export', ...flags]);
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(message);
    expect(existsSync(join(fx.dir, 'x.xlsx')) || existsSync(join(fx.dir, 'wrong.csv')) || existsSync(join(fx.dir, 'wrong.xlsx'))).toBe(false);
  });
});

describe('xlsx from the config file', () => {
  it('honours a segment’s format and exports[].format, per segment and by tag', async () => {
    const db = openDatabase(fx.dbPath);
    try {
      const config = loadConfig({ configPath: join(fx.dir, 'ghl-etl.config.json'), env: {} });
      const cwd = process.cwd();
      process.chdir(fx.dir);
      try {
        const result = await runConfiguredExports(db, config);
        expect(result.failed.map((f) => f.error.message)).toEqual([]);
      } finally {
        process.chdir(cwd);
      }
    } finally {
      db.close();
    }
    const vip = readXlsx(join(fx.dir, 'out/vip-book.xlsx'))[0]!;
    expectHeader(vip, ['id', 'phone', 'Budget']);
    expect(vip.rows.slice(1).map((r) => r.get('A')!.value)).toEqual(['c01', 'c02', 'c04', 'c08']);
    expect(existsSync(join(fx.dir, 'data/exports/madrid.xlsx'))).toBe(true);
    expect(readdirSync(join(fx.dir, 'out/tags')).every((f) => f.endsWith('.xlsx'))).toBe(true);
  });

  it('refuses, at load, a segment whose out names the other format or writes xlsx to stdout', () => {
    const path = join(fx.dir, 'bad.config.json');
    const load = (segment: object) => {
      writeFileSync(path, JSON.stringify({ segments: [{ name: 's', ...segment }] }));
      return () => loadConfig({ configPath: path, env: {} });
    };
    expect(load({ out: 'a.xlsx' })).toThrow(/segments\.0\.out.*"format": "xlsx"/);
    expect(load({ out: '-', format: 'xlsx' })).toThrow(/standard output/);
    expect(load({ format: 'xls' })).toThrow(/format/);
  });
});

describe('xlsx writer failures', () => {
  function* rows(failAt: number) {
    for (let i = 0; i < 3000; i++) {
      if (i === failAt) throw new Error('database disk image is malformed');
      yield [`id${i}`, 'x'.repeat(200)];
    }
  }
  const sheet = (failAt: number): XlsxSheet => ({ name: 's', header: ['id', 'x'], kinds: ['value', 'value'], open: () => rows(failAt) });

  it('rejects with the row source’s error and leaves no file, not even a temporary one', async () => {
    const dir = join(fx.dir, 'failing');
    await expect(writeFileAtomically(join(dir, 'a.xlsx'), (sink) => writeXlsx([sheet(2000)], sink))).rejects.toThrow(/malformed/);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('rejects with the disk’s error (a full disk) instead of hanging', async () => {
    let writes = 0;
    const full = new Writable({ write: (_c, _e, cb) => cb(++writes > 2 ? new Error('ENOSPC: no space left on device') : null) });
    await expect(writeXlsx([sheet(-1)], full)).rejects.toThrow(/ENOSPC/);
  });
});

describe('xlsx naming and cells (pure)', () => {
  it('makes sheet names Excel accepts, distinct ignoring case, within 31 characters', () => {
    const tags = ['vip', 'VIP', 'a:b', 'a/b', 'History', '', "'x'", 'x'.repeat(40), 'x'.repeat(40) + 'y', '😀'.repeat(20)];
    const names = [...sheetNames(tags).values()];
    expect(names).toHaveLength(tags.length);
    expect(new Set(names.map((n) => n.toLowerCase())).size).toBe(names.length);
    for (const n of names) {
      expect(n.length).toBeGreaterThan(0);
      expect(n.length).toBeLessThanOrEqual(31);
      expect(n).not.toMatch(/[:\\/?*[\]]|^'|'$/);
      expect(n).toBe(n.trim());
      expect(n).not.toMatch(/[\uD800-\uDBFF]$/); // no half of an emoji
    }
    expect(sheetNames(tags).get('VIP')).toBe('VIP (2)');
    expect(safeSheetName('History')).not.toBe('History');
  });

  it('parses ISO dates Excel can show and leaves the rest as text', () => {
    expect(parseIsoDate('2026-03-01')).toEqual({ date: new Date('2026-03-01T00:00:00Z'), time: false });
    expect(parseIsoDate('2026-03-01T10:00:00+01:00')?.date.toISOString()).toBe('2026-03-01T09:00:00.000Z');
    expect(parseIsoDate('2026-03-01T10:00:00')?.date.toISOString()).toBe('2026-03-01T10:00:00.000Z');
    for (const text of ['2026-02-30', '1899-12-31', 'next week', '2026-13-01T00:00:00Z', '']) expect(parseIsoDate(text), text).toBeNull();
    expect(xlsxText('a\r\nb\u0001_x0041_')).toBe('a_x000D_\nb_x0001__x005F_x0041_');
    expect(xlsxText('x'.repeat(40_000))).toHaveLength(32_767);
  });
});
