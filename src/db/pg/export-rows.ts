// The export's row sources on PostgreSQL: the same rules, columns, order and cell values as
// src/db/export-rows.ts on SQLite (whose comments say what each is), so a CSV written from either
// mirror of the same data is the same bytes (synced_at aside). What differs, and why:
// - text sorts in byte order (COLLATE "C"), as SQLite's BINARY does, whatever the database's locale;
// - booleans print as SQLite stores them, 0/1 (`::int`); times as ISO text with milliseconds
//   (connect.ts); numeric custom values as JavaScript numbers (connect.ts), as SQLite's NUMERIC;
// - ASCII tags compare case-insensitively through lower() (SQLite: NOCASE), others through
//   lower(normalize(tag, NFC)) (SQLite: fold_tag());
// - NULLs sort as SQLite sorts them (lowest: last in a DESC order);
// - rows are read through a cursor in pages, so memory stays flat as on SQLite.
import type pg from 'pg';
import type { DateBounds, ExportColumn, SegmentRule } from '../export-rows.ts';
import type { ExportKind } from '../exports.ts';
import { foldTag, needsUnicodeFold } from '../tags.ts';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

export interface Where {
  sql: string;
  params: unknown[];
}

/** `$n` for a new parameter. */
function bind(out: Where, value: unknown): string {
  out.params.push(value);
  return `$${out.params.length}`;
}

function dateConditions(column: string, bounds: DateBounds | undefined, out: Where): void {
  if (bounds?.from !== undefined) out.sql += ` AND ${column} >= ${bind(out, bounds.from)}::timestamptz`;
  if (bounds?.to !== undefined) {
    if (BARE_DATE.test(bounds.to)) out.sql += ` AND ${column} < ${bind(out, dayAfter(bounds.to))}::timestamptz`;
    else out.sql += ` AND ${column} <= ${bind(out, bounds.to)}::timestamptz`;
  }
}

function presence(column: string, wanted: boolean | undefined, out: Where): void {
  if (wanted === undefined) return;
  out.sql += wanted ? ` AND (${column} IS NOT NULL AND ${column} <> '')` : ` AND (${column} IS NULL OR ${column} = '')`;
}

/** segmentWhere of export-rows.ts, in PostgreSQL's words (also the MCP reads' tag rules, pg/mcp-reads.ts). */
export function segmentWhere(rule: SegmentRule, alias: string, out: Where): void {
  const r = rule;
  const col = (name: string) => `${alias}.${name}`;
  const unicode = !r.exactTags && needsUnicodeFold([...(r.tags ?? []), ...(r.excludeTags ?? [])]);
  const stored = r.exactTags ? 't.tag' : unicode ? 'lower(normalize(t.tag, NFC))' : 'lower(t.tag)';
  const typed = (tag: string) => (r.exactTags ? tag : unicode ? foldTag(tag) : tag.toLowerCase());
  const hasTagIn = (tags: string[]) =>
    `EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = ${col('id')} AND ${stored} = ANY(${bind(out, tags.map(typed))}::text[]))`;
  const tags = [...new Set(r.tags ?? [])];
  if (tags.length > 0) {
    if ((r.match ?? 'any') === 'any') out.sql += ` AND ${hasTagIn(tags)}`;
    else for (const tag of tags) out.sql += ` AND ${hasTagIn([tag])}`;
  }
  const excluded = [...new Set(r.excludeTags ?? [])];
  if (excluded.length > 0) out.sql += ` AND NOT ${hasTagIn(excluded)}`;
  presence(col('email'), r.hasEmail, out);
  presence(col('phone'), r.hasPhone, out);
  if (r.businessId !== undefined) out.sql += ` AND ${col('business_id')} = ${bind(out, r.businessId)}`;
  if (r.locationId !== undefined) out.sql += ` AND ${col('location_id')} = ${bind(out, r.locationId)}`;
  dateConditions(col('date_added'), r.dateAdded, out);
  dateConditions(col('date_updated'), r.dateUpdated, out);
}

const OPEN_TASKS = `FROM tasks t WHERE t.contact_id = w.id AND t.deleted_at IS NULL AND NOT t.completed`;
const NEXT_TASK = `${OPEN_TASKS} ORDER BY t.due_date IS NULL, t.due_date, t.id COLLATE "C" LIMIT 1`;
const ACTIVITY_COLUMNS: ExportColumn[] = [
  { name: 'open_tasks', sql: `(SELECT count(*) ${OPEN_TASKS})` },
  { name: 'next_task', sql: `(SELECT t.title ${NEXT_TASK})` },
  { name: 'next_task_due', sql: `(SELECT t.due_date ${NEXT_TASK})` },
  { name: 'last_note_at', sql: `(SELECT max(n.date_added) FROM notes n WHERE n.contact_id = w.id AND n.deleted_at IS NULL)` },
];

const TASK_COLUMNS: ExportColumn[] = [
  ['id', 't.id'], ['contact_id', 't.contact_id'], ['contact_name', 'c.name'], ['contact_email', 'c.email'],
  ['contact_phone', 'c.phone'], ['location_id', 't.location_id'], ['title', 't.title'], ['body', 't.body'],
  ['due_date', 't.due_date'], ['completed', 't.completed::int'], ['assigned_to', 't.assigned_to'],
].map(([name, sql]) => ({ name: name!, sql: sql! }));

const NOTE_COLUMNS: ExportColumn[] = [
  ['id', 'n.id'], ['contact_id', 'n.contact_id'], ['contact_name', 'c.name'], ['contact_email', 'c.email'],
  ['location_id', 'n.location_id'], ['body', 'n.body'], ['user_id', 'n.user_id'], ['date_added', 'n.date_added'],
].map(([name, sql]) => ({ name: name!, sql: sql! }));

/** availableColumns of export-rows.ts: contacts_wide's columns as the view stands now, then the activity columns. */
export async function availableColumnsPg(q: pg.Pool | pg.ClientBase, kind: ExportKind): Promise<ExportColumn[]> {
  if (kind === 'tasks') return TASK_COLUMNS;
  if (kind === 'notes') return NOTE_COLUMNS;
  const rows = (await q.query<{ name: string; type: string }>(
    `SELECT column_name AS name, data_type AS type FROM information_schema.columns
     WHERE table_schema = current_schema() AND table_name = 'contacts_wide' ORDER BY ordinal_position`,
  )).rows;
  if (rows.length === 0) throw new Error('the contacts_wide view is missing: run `ghl-etl sync` once to rebuild it');
  const wide = rows.map(({ name, type }) => ({ name, sql: type === 'boolean' ? `w.${quoteIdent(name)}::int` : `w.${quoteIdent(name)}` }));
  const taken = new Set(wide.map((c) => c.name.toLowerCase()));
  const activity = ACTIVITY_COLUMNS.map((c) => {
    let name = c.name;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${c.name}_${n}`;
    taken.add(name.toLowerCase());
    return { ...c, name };
  });
  return [...wide, ...activity];
}

/** exportQuery of export-rows.ts. */
export function exportQueryPg(kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): Where {
  const select = columns.map((c) => c.sql).join(', ');
  const out: Where = { sql: '', params: [] };
  if (kind === 'contacts') {
    const where: Where = { sql: 'TRUE', params: out.params };
    segmentWhere(rule, 'w', where);
    return { sql: `SELECT ${select} FROM contacts_wide w WHERE ${where.sql} ORDER BY w.id COLLATE "C"`, params: out.params };
  }
  const where: Where = { sql: 'TRUE', params: out.params };
  segmentWhere(rule, 'c', where);
  if (kind === 'tasks') {
    return {
      sql: `SELECT ${select} FROM tasks t JOIN contacts c ON c.id = t.contact_id
        WHERE t.deleted_at IS NULL AND c.deleted_at IS NULL AND ${where.sql}
        ORDER BY t.contact_id COLLATE "C", t.completed, t.due_date IS NULL, t.due_date, t.id COLLATE "C"`,
      params: out.params,
    };
  }
  return {
    sql: `SELECT ${select} FROM notes n JOIN contacts c ON c.id = n.contact_id
      WHERE n.deleted_at IS NULL AND c.deleted_at IS NULL AND ${where.sql}
      ORDER BY n.contact_id COLLATE "C", n.date_added DESC NULLS LAST, n.id COLLATE "C"`,
    params: out.params,
  };
}

const PAGE_ROWS = 2_000;

/**
 * The rows of `query`, one array per row, read through a cursor PAGE_ROWS at a time on a client
 * of its own (released when the iteration ends, or is returned early).
 */
export async function* cursorRows(pool: pg.Pool, query: Where): AsyncGenerator<unknown[]> {
  const client = await pool.connect();
  let failed: Error | undefined;
  let open = false;
  try {
    await client.query('BEGIN READ ONLY');
    open = true;
    await client.query({ text: `DECLARE export_rows NO SCROLL CURSOR FOR ${query.sql}`, values: query.params });
    for (;;) {
      const page = await client.query({ text: `FETCH ${PAGE_ROWS} FROM export_rows`, rowMode: 'array' });
      for (const row of page.rows as unknown[][]) yield row;
      if (page.rows.length < PAGE_ROWS) break;
    }
    await client.query('COMMIT');
    open = false;
  } catch (err) {
    failed = err as Error;
    throw err;
  } finally {
    // Returned early (the sink failed, or the caller stopped): end the read.
    if (open && !failed) await client.query('ROLLBACK').catch(() => {});
    client.release(failed);
  }
}

/** liveTags of export-rows.ts, in byte order. */
export async function liveTagsPg(q: pg.Pool | pg.ClientBase, locationId?: string): Promise<string[]> {
  return (await q.query<{ tag: string }>(
    `SELECT DISTINCT t.tag COLLATE "C" AS tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
     WHERE c.deleted_at IS NULL AND ($1::text IS NULL OR c.location_id = $1) ORDER BY 1`,
    [locationId ?? null],
  )).rows.map((r) => r.tag);
}

/** tagsNotInMirror of tags.ts. */
export async function tagsNotInMirrorPg(q: pg.Pool | pg.ClientBase, tags: readonly string[]): Promise<string[]> {
  const unique = [...new Set(tags)];
  if (unique.length === 0) return [];
  const known = new Set((await q.query<{ tag: string }>(
    `SELECT DISTINCT lower(normalize(tag, NFC)) AS tag FROM contact_tags WHERE lower(normalize(tag, NFC)) = ANY($1::text[])`,
    [unique.map(foldTag)],
  )).rows.map((r) => r.tag));
  return unique.filter((t) => !known.has(foldTag(t)));
}
