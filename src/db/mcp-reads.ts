// The reads the MCP face (src/mcp/) answers from: contacts by text and tags, tasks, notes by
// full text, tags with counts, custom field definitions, the mirror's freshness and a guarded
// read-only SQL runner. Lists page by id (keyset): a cursor is the last id of the previous page,
// so a page costs the same at any depth and rows added meanwhile are not skipped.
import Database from 'better-sqlite3';
import { sqliteOf, type Db } from './connection.ts';
import { segmentWhere, type SegmentRule } from './export-rows.ts';
import { segmentPreview, type SegmentPreview } from './segment-reads.ts';

export interface Page<T> {
  rows: T[];
  /** The id to continue after, when there may be more. */
  after?: string;
}

/** Runs a keyset query asking for one row more than `limit`, to know whether a next page exists. */
function page<T extends { id: string }>(rows: T[], limit: number): Page<T> {
  if (rows.length <= limit) return { rows };
  const kept = rows.slice(0, limit);
  return { rows: kept, after: kept[kept.length - 1]!.id };
}

export const likeEscape = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export interface ContactSearch {
  query?: string;
  tags?: string[];
  match?: 'any' | 'all';
  excludeTags?: string[];
  locationId?: string;
  /** A (checked) segment rule the contacts must also match: a named segment's selection. */
  rule?: SegmentRule;
  limit: number;
  after?: string;
}

export interface ContactSummary {
  id: string;
  locationId: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  companyName: string | null;
  tags: string[];
  dateUpdated: string | null;
}

/** Live contacts matching the search, by id. Tags compare in any case, as the export's segments do. */
export function searchContacts(db: Db, q: ContactSearch): Page<ContactSummary> {
  const where: string[] = ['c.deleted_at IS NULL'];
  const params: unknown[] = [];
  if (q.locationId !== undefined) {
    where.push('c.location_id = ?');
    params.push(q.locationId);
  }
  if (q.query !== undefined && q.query.trim() !== '') {
    const like = likeEscape(q.query.trim());
    where.push(`(COALESCE(c.first_name, '') || ' ' || COALESCE(c.last_name, '') LIKE ? ESCAPE '\\' OR c.name LIKE ? ESCAPE '\\'
      OR c.email LIKE ? ESCAPE '\\' OR c.phone LIKE ? ESCAPE '\\' OR c.company_name LIKE ? ESCAPE '\\')`);
    params.push(like, like, like, like, like);
  }
  // Tags compare as the export compares them (any case, in any script): the same WHERE builder.
  const clean = (list: string[] | undefined) => [...new Set((list ?? []).map((t) => t.trim()).filter(Boolean))];
  const tagRule: SegmentRule = { tags: clean(q.tags), excludeTags: clean(q.excludeTags), ...(q.match !== undefined ? { match: q.match } : {}) };
  for (const rule of [tagRule, ...(q.rule !== undefined ? [q.rule] : [])]) {
    const segment = segmentWhere(rule, 'c');
    where.push(`(${segment.sql})`);
    params.push(...segment.params);
  }
  if (q.after !== undefined) {
    where.push('c.id > ?');
    params.push(q.after);
  }
  const rows = sqliteOf(db).prepare(
    `SELECT c.id, c.location_id AS locationId, c.first_name AS firstName, c.last_name AS lastName, c.email, c.phone,
       c.company_name AS companyName, c.date_updated AS dateUpdated,
       (SELECT json_group_array(tag) FROM (SELECT tag FROM contact_tags WHERE contact_id = c.id ORDER BY tag)) AS tags
     FROM contacts c WHERE ${where.join(' AND ')} ORDER BY c.id LIMIT ?`,
  ).all(...params, q.limit + 1) as Array<Omit<ContactSummary, 'tags'> & { tags: string }>;
  return page(rows.map((r) => ({ ...r, tags: JSON.parse(r.tags) as string[] })), q.limit);
}

export interface TaskQuery {
  contactId?: string;
  status?: 'open' | 'completed' | 'overdue';
  dueBefore?: string;
  assignedTo?: string;
  /** "Now" for overdue, as ISO text. */
  now: string;
  limit: number;
  after?: string;
}

export interface TaskSummary {
  id: string;
  contactId: string;
  locationId: string;
  title: string | null;
  body: string | null;
  dueDate: string | null;
  completed: boolean;
  assignedTo: string | null;
}

const TASK_COLUMNS = `t.id, t.contact_id AS contactId, t.location_id AS locationId, t.title, t.body, t.due_date AS dueDate,
  t.completed, t.assigned_to AS assignedTo`;

/** Live tasks (of live contacts) matching the query, by id. */
export function listTaskPage(db: Db, q: TaskQuery): Page<TaskSummary> {
  const where: string[] = ['t.deleted_at IS NULL', 'c.deleted_at IS NULL'];
  const params: unknown[] = [];
  const add = (clause: string, ...values: unknown[]) => {
    where.push(clause);
    params.push(...values);
  };
  if (q.contactId !== undefined) add('t.contact_id = ?', q.contactId);
  if (q.status === 'open') add('t.completed = 0');
  if (q.status === 'completed') add('t.completed = 1');
  if (q.status === 'overdue') add('t.completed = 0 AND t.due_date IS NOT NULL AND julianday(t.due_date) < julianday(?)', q.now);
  if (q.dueBefore !== undefined) add('t.due_date IS NOT NULL AND julianday(t.due_date) < julianday(?)', q.dueBefore);
  if (q.assignedTo !== undefined) add('t.assigned_to = ?', q.assignedTo);
  if (q.after !== undefined) add('t.id > ?', q.after);
  const rows = sqliteOf(db).prepare(
    `SELECT ${TASK_COLUMNS} FROM tasks t JOIN contacts c ON c.id = t.contact_id
     WHERE ${where.join(' AND ')} ORDER BY t.id LIMIT ?`,
  ).all(...params, q.limit + 1) as Array<Omit<TaskSummary, 'completed'> & { completed: number }>;
  return page(rows.map((r) => ({ ...r, completed: r.completed === 1 })), q.limit);
}

export interface NoteSummary {
  id: string;
  contactId: string;
  locationId: string;
  body: string | null;
  userId: string | null;
  dateAdded: string | null;
}

/**
 * The words of a full-text query: split at white space, a word without any letter or digit left
 * out (it holds no token on either engine). Each word must appear; a word with punctuation inside
 * (an email) is a phrase of its parts. The PostgreSQL reader (pg/mcp-reads.ts) takes the same words.
 */
export function fullTextWords(text: string): string[] {
  return text.split(/\s+/).filter((w) => /[\p{L}\p{N}]/u.test(w));
}

/** Each word of the user's text as an FTS5 string, so no text is read as query syntax. */
function ftsQuery(text: string): string {
  return fullTextWords(text).map((w) => `"${w.replace(/"/g, '""')}"`).join(' ');
}

/** Live notes whose body holds every word of `query` (full text, notes_fts), by id. */
export function searchNotePage(db: Db, q: { query: string; contactId?: string; limit: number; after?: string }): Page<NoteSummary> {
  const match = ftsQuery(q.query);
  if (match === '') return { rows: [] };
  const where = ['notes_fts MATCH ?', 'n.deleted_at IS NULL'];
  const params: unknown[] = [match];
  if (q.contactId !== undefined) {
    where.push('n.contact_id = ?');
    params.push(q.contactId);
  }
  if (q.after !== undefined) {
    where.push('n.id > ?');
    params.push(q.after);
  }
  const rows = sqliteOf(db).prepare(
    `SELECT n.id, n.contact_id AS contactId, n.location_id AS locationId, n.body, n.user_id AS userId, n.date_added AS dateAdded
     FROM notes_fts f JOIN notes n ON n.rowid = f.rowid WHERE ${where.join(' AND ')} ORDER BY n.id LIMIT ?`,
  ).all(...params, q.limit + 1) as NoteSummary[];
  return page(rows, q.limit);
}

/** Each tag on live contacts with how many carry it, most used first. */
export function tagCounts(db: Db, locationId?: string): Array<{ tag: string; count: number }> {
  return sqliteOf(db).prepare(
    `SELECT t.tag, COUNT(*) AS count FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
     WHERE c.deleted_at IS NULL ${locationId !== undefined ? 'AND c.location_id = ?' : ''}
     GROUP BY t.tag ORDER BY count DESC, t.tag`,
  ).all(...(locationId !== undefined ? [locationId] : [])) as Array<{ tag: string; count: number }>;
}

export interface CustomFieldSummary {
  id: string;
  locationId: string;
  name: string;
  fieldKey: string | null;
  dataType: string | null;
}

export function customFieldList(db: Db, locationId?: string): CustomFieldSummary[] {
  return sqliteOf(db).prepare(
    `SELECT id, location_id AS locationId, name, field_key AS fieldKey, data_type AS dataType FROM custom_fields
     WHERE deleted_at IS NULL ${locationId !== undefined ? 'AND location_id = ?' : ''} ORDER BY name, id`,
  ).all(...(locationId !== undefined ? [locationId] : [])) as CustomFieldSummary[];
}

/** When the last successful sync (of `locationId`, or of any location) finished; null before the first. */
export function lastSyncedAt(db: Db, locationId?: string): string | null {
  const row = sqliteOf(db).prepare(
    `SELECT MAX(finished_at) AS at FROM sync_runs WHERE status = 'ok' ${locationId !== undefined ? 'AND location_id = ?' : ''}`,
  ).get(...(locationId !== undefined ? [locationId] : [])) as { at: string | null };
  return row.at;
}

/** The location the mirror holds the contact in, or undefined. */
export function mirroredContactLocation(db: Db, contactId: string): string | undefined {
  return (sqliteOf(db).prepare(`SELECT location_id AS id FROM contacts WHERE id = ?`).get(contactId) as { id: string } | undefined)?.id;
}

/** A statement the read-only runner would not run; the message says what it accepts. */
export class ReadOnlyQueryRefused extends Error {
  override name = 'ReadOnlyQueryRefused';
}

export interface QueryResult {
  columns: string[];
  rows: Array<Record<string, unknown>>;
  /** More rows than the cap matched; only the first `limit` are returned. */
  truncated: boolean;
}

export interface ReadOnlyRunner {
  run(sql: string, limit: number): QueryResult;
  close(): void;
}

/** Values JSON can carry: blobs as base64 text, 64-bit integers as numbers when safe. */
function jsonValue(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('base64');
  if (typeof value === 'bigint') return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  return value;
}

/**
 * A second connection to the mirror's file, opened read-only and with `query_only` on, that runs
 * one statement at a time after checking SQLite itself calls it a read that returns rows. Two
 * guards, so neither a write, a DDL, an ATTACH nor a PRAGMA that sets something gets through.
 */
export function openReadOnlyRunner(path: string): ReadOnlyRunner {
  const conn = new Database(path, { readonly: true, fileMustExist: true });
  conn.pragma('query_only = ON');
  return {
    run(sql, limit) {
      // SQLite has no dynamic SQL, so a table is named in the text: the encrypted tokens stay out of reach.
      if (/oauth_tokens/i.test(sql)) throw new ReadOnlyQueryRefused('sql: oauth_tokens (the encrypted credentials) is not readable here');
      let stmt: Database.Statement;
      try {
        stmt = conn.prepare(sql);
      } catch (err) {
        const message = (err as Error).message;
        if (/more than one statement/i.test(message)) throw new ReadOnlyQueryRefused('sql: give one statement (no ";"-separated list)');
        throw new ReadOnlyQueryRefused(`sql: ${message}`);
      }
      if (!stmt.reader || !stmt.readonly) {
        throw new ReadOnlyQueryRefused('sql: only read-only statements that return rows (SELECT, WITH ... SELECT) are allowed; this one would change the database or returns nothing');
      }
      const rows: Array<Record<string, unknown>> = [];
      let truncated = false;
      for (const row of stmt.iterate() as Iterable<Record<string, unknown>>) {
        if (rows.length === limit) {
          truncated = true;
          break;
        }
        rows.push(Object.fromEntries(Object.entries(row).map(([k, v]) => [k, jsonValue(v)])));
      }
      return { columns: stmt.columns().map((c) => c.name), rows, truncated };
    },
    close() {
      conn.close();
    },
  };
}

export interface DuplicateGroup {
  /** The shared email (lower case) or phone. */
  value: string;
  contactIds: string[];
}

/** Live contacts sharing an email (any case) or a phone, largest groups first. */
export function duplicateGroups(db: Db, by: 'email' | 'phone', limit: number): { groups: DuplicateGroup[]; truncated: boolean } {
  const key = by === 'email' ? 'lower(trim(email))' : 'trim(phone)';
  const rows = sqliteOf(db).prepare(
    `SELECT ${key} AS value, json_group_array(id) AS ids, COUNT(*) AS n FROM (SELECT id, email, phone FROM contacts WHERE deleted_at IS NULL ORDER BY id)
     WHERE ${key} IS NOT NULL AND ${key} <> '' GROUP BY ${key} HAVING COUNT(*) > 1 ORDER BY n DESC, value LIMIT ?`,
  ).all(limit + 1) as Array<{ value: string; ids: string }>;
  return {
    groups: rows.slice(0, limit).map((r) => ({ value: r.value, contactIds: JSON.parse(r.ids) as string[] })),
    truncated: rows.length > limit,
  };
}

export interface SchemaObject {
  name: string;
  type: 'table' | 'view';
  columns: Array<{ name: string; type: string }>;
}

/** The tables and views an analyst queries, with their columns (internal and credential tables left out). */
export function mirrorSchema(db: Db): SchemaObject[] {
  const objects = sqliteOf(db).prepare(
    `SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
       AND name NOT LIKE '\\_\\_%' ESCAPE '\\' AND name NOT LIKE '%\\_fts\\_%' ESCAPE '\\' AND name NOT IN ('oauth_tokens', 'locks', 'op_idempotency')
     ORDER BY type, name`,
  ).all() as Array<{ name: string; type: 'table' | 'view' }>;
  return objects.map((o) => ({
    ...o,
    columns: (sqliteOf(db).prepare(`SELECT name, type FROM pragma_table_info(?)`).all(o.name) as Array<{ name: string; type: string }>),
  }));
}

// ---- the reads as one async interface, per engine (Mirror.mcpReads(); PostgreSQL: pg/mcp-reads.ts)

export interface NoteSearch {
  query: string;
  contactId?: string;
  limit: number;
  after?: string;
}

/** What the MCP face reads, answered alike by both engines (same rows, same order, same values). */
export interface McpReads {
  searchContacts(q: ContactSearch): Promise<Page<ContactSummary>>;
  listTaskPage(q: TaskQuery): Promise<Page<TaskSummary>>;
  searchNotePage(q: NoteSearch): Promise<Page<NoteSummary>>;
  tagCounts(locationId?: string): Promise<Array<{ tag: string; count: number }>>;
  customFieldList(locationId?: string): Promise<CustomFieldSummary[]>;
  lastSyncedAt(locationId?: string): Promise<string | null>;
  mirroredContactLocation(contactId: string): Promise<string | undefined>;
  duplicateGroups(by: 'email' | 'phone', limit: number): Promise<{ groups: DuplicateGroup[]; truncated: boolean }>;
  mirrorSchema(): Promise<SchemaObject[]>;
  segmentPreview(rule: SegmentRule, limit: number): Promise<SegmentPreview>;
  /** One read-only statement, refused (ReadOnlyQueryRefused) unless it only reads; at most `limit` rows. */
  sqlQuery(sql: string, limit: number): Promise<QueryResult>;
  /** Releases what the reads opened (the read-only SQL connection). */
  close(): Promise<void>;
}

/** The reads over a SQLite mirror: the synchronous functions above, and a read-only second connection for SQL. */
export function sqliteMcpReads(db: Db): McpReads {
  let runner: ReadOnlyRunner | undefined;
  return {
    searchContacts: async (q) => searchContacts(db, q),
    listTaskPage: async (q) => listTaskPage(db, q),
    searchNotePage: async (q) => searchNotePage(db, q),
    tagCounts: async (locationId) => tagCounts(db, locationId),
    customFieldList: async (locationId) => customFieldList(db, locationId),
    lastSyncedAt: async (locationId) => lastSyncedAt(db, locationId),
    mirroredContactLocation: async (contactId) => mirroredContactLocation(db, contactId),
    duplicateGroups: async (by, limit) => duplicateGroups(db, by, limit),
    mirrorSchema: async () => mirrorSchema(db),
    segmentPreview: async (rule, limit) => segmentPreview(db, rule, limit),
    async sqlQuery(sql, limit) {
      runner ??= openReadOnlyRunner(db.path);
      return runner.run(sql, limit);
    },
    async close() {
      runner?.close();
      runner = undefined;
    },
  };
}
