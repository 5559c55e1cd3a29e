// The MCP face's reads on PostgreSQL (McpReads of src/db/mcp-reads.ts, whose comments say what
// each does): the same rows, in the same order, with the same values as the SQLite reader, so an
// assistant gets the same structuredContent from either engine. What differs, and why:
// - ids, tags and names sort and page in byte order (COLLATE "C"), as SQLite's BINARY;
// - the contact text search folds only A-Z (asciiLowerSql), as SQLite's LIKE does, whatever the
//   database's locale; notes' full text goes through the GIN-indexed tsvector (fulltext.ts),
//   which folds case and Latin accents as FTS5 does;
// - times come back as ISO text with milliseconds and counts as numbers (connect.ts); booleans
//   are booleans already;
// - sql_query runs in a read-only transaction (read-only-query.ts).
import type pg from 'pg';
import type { SegmentRule } from '../export-rows.ts';
import {
  fullTextWords, likeEscape,
  type ContactSearch, type ContactSummary, type CustomFieldSummary, type DuplicateGroup, type McpReads, type NoteSearch, type NoteSummary, type Page,
  type SchemaObject, type TaskQuery, type TaskSummary,
} from '../mcp-reads.ts';
import { segmentWhere, type Where } from './export-rows.ts';
import { asciiLower, asciiLowerSql, fullTextWordsQuerySql, NOTE_DOCUMENT_SQL } from './fulltext.ts';
import { runReadOnlyQuery } from './read-only-query.ts';
import { CONTACT_SUMMARY_COLUMNS, segmentPreviewPg } from './segment-reads.ts';

/** `$n` for a new parameter. */
function bind(out: Where, value: unknown): string {
  out.params.push(value);
  return `$${out.params.length}`;
}

function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { rows };
  const kept = rows.slice(0, limit);
  return { rows: kept, after: kept[kept.length - 1]!.id };
}

async function searchContacts(pool: pg.Pool, q: ContactSearch): Promise<Page<ContactSummary>> {
  const out: Where = { sql: 'c.deleted_at IS NULL', params: [] };
  if (q.locationId !== undefined) out.sql += ` AND c.location_id = ${bind(out, q.locationId)}`;
  if (q.query !== undefined && q.query.trim() !== '') {
    const like = bind(out, asciiLower(likeEscape(q.query.trim())));
    const matches = (column: string) => `${asciiLowerSql(column)} LIKE ${like} ESCAPE '\\'`;
    out.sql += ` AND (${matches(`coalesce(c.first_name, '') || ' ' || coalesce(c.last_name, '')`)} OR ${matches('c.name')}
      OR ${matches('c.email')} OR ${matches('c.phone')} OR ${matches('c.company_name')})`;
  }
  const clean = (list: string[] | undefined) => [...new Set((list ?? []).map((t) => t.trim()).filter(Boolean))];
  const tagRule: SegmentRule = { tags: clean(q.tags), excludeTags: clean(q.excludeTags), ...(q.match !== undefined ? { match: q.match } : {}) };
  for (const rule of [tagRule, ...(q.rule !== undefined ? [q.rule] : [])]) segmentWhere(rule, 'c', out);
  if (q.after !== undefined) out.sql += ` AND c.id COLLATE "C" > ${bind(out, q.after)}`;
  const rows = (await pool.query<ContactSummary>(
    `SELECT ${CONTACT_SUMMARY_COLUMNS} FROM contacts c WHERE ${out.sql} ORDER BY c.id COLLATE "C" LIMIT ${bind(out, q.limit + 1)}`,
    out.params,
  )).rows;
  return page(rows, q.limit);
}

const TASK_COLUMNS = `t.id, t.contact_id AS "contactId", t.location_id AS "locationId", t.title, t.body, t.due_date AS "dueDate",
  t.completed, t.assigned_to AS "assignedTo"`;

async function listTaskPage(pool: pg.Pool, q: TaskQuery): Promise<Page<TaskSummary>> {
  const out: Where = { sql: 't.deleted_at IS NULL AND c.deleted_at IS NULL', params: [] };
  if (q.contactId !== undefined) out.sql += ` AND t.contact_id = ${bind(out, q.contactId)}`;
  if (q.status === 'open') out.sql += ' AND NOT t.completed';
  if (q.status === 'completed') out.sql += ' AND t.completed';
  if (q.status === 'overdue') out.sql += ` AND NOT t.completed AND t.due_date IS NOT NULL AND t.due_date < ${bind(out, q.now)}::timestamptz`;
  if (q.dueBefore !== undefined) out.sql += ` AND t.due_date IS NOT NULL AND t.due_date < ${bind(out, q.dueBefore)}::timestamptz`;
  if (q.assignedTo !== undefined) out.sql += ` AND t.assigned_to = ${bind(out, q.assignedTo)}`;
  if (q.after !== undefined) out.sql += ` AND t.id COLLATE "C" > ${bind(out, q.after)}`;
  const rows = (await pool.query<TaskSummary>(
    `SELECT ${TASK_COLUMNS} FROM tasks t JOIN contacts c ON c.id = t.contact_id
     WHERE ${out.sql} ORDER BY t.id COLLATE "C" LIMIT ${bind(out, q.limit + 1)}`,
    out.params,
  )).rows;
  return page(rows.map((r) => ({ ...r, completed: r.completed === true })), q.limit);
}

async function searchNotePage(pool: pg.Pool, q: NoteSearch): Promise<Page<NoteSummary>> {
  const words = fullTextWords(q.query);
  if (words.length === 0) return { rows: [] };
  const out: Where = { sql: '', params: [...words] };
  // The indexed expression (notes_fts_document_idx) over the unqualified body, so the GIN index serves it.
  out.sql = `${NOTE_DOCUMENT_SQL} @@ ${fullTextWordsQuerySql(1, words.length)} AND deleted_at IS NULL`;
  if (q.contactId !== undefined) out.sql += ` AND contact_id = ${bind(out, q.contactId)}`;
  if (q.after !== undefined) out.sql += ` AND id COLLATE "C" > ${bind(out, q.after)}`;
  const rows = (await pool.query<NoteSummary>(
    `SELECT id, contact_id AS "contactId", location_id AS "locationId", body, user_id AS "userId", date_added AS "dateAdded"
     FROM notes WHERE ${out.sql} ORDER BY id COLLATE "C" LIMIT ${bind(out, q.limit + 1)}`,
    out.params,
  )).rows;
  return page(rows, q.limit);
}

async function duplicateGroups(pool: pg.Pool, by: 'email' | 'phone', limit: number): Promise<{ groups: DuplicateGroup[]; truncated: boolean }> {
  const key = by === 'email' ? asciiLowerSql('trim(email)') : 'trim(phone)';
  const rows = (await pool.query<DuplicateGroup>(
    `SELECT k AS value, array_agg(id ORDER BY id COLLATE "C") AS "contactIds" FROM (SELECT id, ${key} AS k FROM contacts WHERE deleted_at IS NULL) x
     WHERE k IS NOT NULL AND k <> '' GROUP BY k HAVING count(*) > 1 ORDER BY count(*) DESC, k COLLATE "C" LIMIT $1`,
    [limit + 1],
  )).rows;
  return { groups: rows.slice(0, limit), truncated: rows.length > limit };
}

const HIDDEN = ['oauth_tokens', 'locks', 'op_idempotency'];

/** The tables and views of the mirror's schema, with their columns (drizzle's bookkeeping, locks and credentials left out). */
async function mirrorSchema(pool: pg.Pool, schema: string): Promise<SchemaObject[]> {
  const rows = (await pool.query<{ name: string; type: 'table' | 'view'; column: string; columnType: string }>(
    `SELECT t.table_name AS name, CASE t.table_type WHEN 'VIEW' THEN 'view' ELSE 'table' END AS type,
       c.column_name AS column, c.data_type AS "columnType"
     FROM information_schema.tables t JOIN information_schema.columns c ON c.table_schema = t.table_schema AND c.table_name = t.table_name
     WHERE t.table_schema = $1 AND t.table_name NOT LIKE '\\_\\_%' AND NOT (t.table_name = ANY($2::text[]))
     ORDER BY 2, t.table_name COLLATE "C", c.ordinal_position`,
    [schema, HIDDEN],
  )).rows;
  const objects = new Map<string, SchemaObject>();
  for (const r of rows) {
    const o = objects.get(r.name) ?? { name: r.name, type: r.type, columns: [] };
    o.columns.push({ name: r.column, type: r.columnType });
    objects.set(r.name, o);
  }
  return [...objects.values()];
}

/** The MCP reads over the PostgreSQL mirror's pool; `schema` is where its tables are. */
export function postgresMcpReads(pool: pg.Pool, schema: string): McpReads {
  const one = async <R extends pg.QueryResultRow>(text: string, values: unknown[]) => (await pool.query<R>(text, values)).rows[0];
  return {
    searchContacts: (q) => searchContacts(pool, q),
    listTaskPage: (q) => listTaskPage(pool, q),
    searchNotePage: (q) => searchNotePage(pool, q),
    tagCounts: async (locationId) => (await pool.query<{ tag: string; count: number }>(
      `SELECT t.tag, count(*) AS count FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
       WHERE c.deleted_at IS NULL AND ($1::text IS NULL OR c.location_id = $1)
       GROUP BY t.tag ORDER BY count DESC, t.tag COLLATE "C"`, [locationId ?? null])).rows,
    customFieldList: async (locationId) => (await pool.query<CustomFieldSummary>(
      `SELECT id, location_id AS "locationId", name, field_key AS "fieldKey", data_type AS "dataType" FROM custom_fields
       WHERE deleted_at IS NULL AND ($1::text IS NULL OR location_id = $1) ORDER BY name COLLATE "C", id COLLATE "C"`, [locationId ?? null])).rows,
    lastSyncedAt: async (locationId) => (await one<{ at: string | null }>(
      `SELECT max(finished_at) AS at FROM sync_runs WHERE status = 'ok' AND ($1::text IS NULL OR location_id = $1)`, [locationId ?? null]))!.at,
    mirroredContactLocation: async (contactId) => (await one<{ id: string }>(`SELECT location_id AS id FROM contacts WHERE id = $1`, [contactId]))?.id,
    duplicateGroups: (by, limit) => duplicateGroups(pool, by, limit),
    mirrorSchema: () => mirrorSchema(pool, schema),
    segmentPreview: (rule, limit) => segmentPreviewPg(pool, rule, limit),
    sqlQuery: (sql, limit) => runReadOnlyQuery(pool, sql, limit),
    close: async () => {},
  };
}
