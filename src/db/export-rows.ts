// The export's row sources: which contacts a segment rule selects (a parameterised WHERE built
// from the rule's shape; every value the user typed travels as a bound parameter), the columns
// an export can write, the rows themselves as arrays in column order, and the live tags.
//
// contacts: every column of contacts_wide in its order (id, location_id, first_name, last_name,
//   name, email, phone, company_name, business_id, source, type, assigned_to, dnd, address1,
//   city, state, postal_code, country, timezone, date_of_birth, date_added, date_updated,
//   synced_at, tags (joined " | "), then one column per custom field named as in contacts_wide,
//   sorted by name), then open_tasks (live, not completed), next_task and next_task_due (the
//   open task due soonest; undated ones last), last_note_at (newest live note's date).
// tasks: the live tasks of the segment's contacts. notes: the live notes of the segment's contacts.
import { FOLD_TAG_SQL, foldTag, needsUnicodeFold } from './tags.ts';
import { sqliteOf, type Db } from './connection.ts';
import type { ExportKind } from './exports.ts';
import { prepared } from './statements.ts';

export interface DateBounds {
  /** Inclusive. A date (`2026-03-01`) or a date-time with offset. */
  from?: string | undefined;
  /** Inclusive; a bare date includes that whole UTC day. */
  to?: string | undefined;
}

export interface SegmentRule {
  /** Contacts with these tags; none = no tag condition. */
  tags?: string[] | undefined;
  /** any (default): at least one of `tags`; all: every one of them. */
  match?: 'any' | 'all' | undefined;
  /** Contacts with any of these are left out. */
  excludeTags?: string[] | undefined;
  /** true: must have an email; false: must not; undefined: either. */
  hasEmail?: boolean | undefined;
  hasPhone?: boolean | undefined;
  businessId?: string | undefined;
  locationId?: string | undefined;
  dateAdded?: DateBounds | undefined;
  dateUpdated?: DateBounds | undefined;
  /**
   * Tags compare case-insensitively, in any script (HighLevel stores them lower-cased, users type
   * `VIP` or `FINANCIACIÓN`). The by-tag export sets this to match each stored tag exactly, so
   * tags differing only in case land in different files.
   */
  exactTags?: boolean | undefined;
}

export interface WhereClause {
  sql: string;
  params: unknown[];
}

const BARE_DATE = /^\d{4}-\d{2}-\d{2}$/;

function dayAfter(date: string): string {
  const d = new Date(`${date}T00:00:00.000Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString();
}

/**
 * Dates are compared through julianday(), not as text: HighLevel writes `...00Z` and
 * `...00.000Z` for the same instant, which sort differently as strings. A row whose date is
 * missing or unreadable matches no range.
 */
function dateConditions(column: string, bounds: DateBounds | undefined, out: WhereClause): void {
  if (bounds?.from !== undefined) {
    out.sql += ` AND julianday(${column}) >= julianday(?)`;
    out.params.push(bounds.from);
  }
  if (bounds?.to !== undefined) {
    if (BARE_DATE.test(bounds.to)) {
      out.sql += ` AND julianday(${column}) < julianday(?)`;
      out.params.push(dayAfter(bounds.to));
    } else {
      out.sql += ` AND julianday(${column}) <= julianday(?)`;
      out.params.push(bounds.to);
    }
  }
}

function presence(column: string, wanted: boolean | undefined, out: WhereClause): void {
  if (wanted === undefined) return;
  out.sql += wanted ? ` AND (${column} IS NOT NULL AND ${column} <> '')` : ` AND (${column} IS NULL OR ${column} = '')`;
}

/**
 * The WHERE clause (without the keyword) selecting the rule's contacts from a table or view
 * aliased `alias` that has the contacts columns (`contacts` or `contacts_wide`). It does not
 * test `deleted_at`: contacts_wide holds only live contacts, and callers reading `contacts`
 * add that themselves. The rule is already checked (src/export checkRule).
 */
export function segmentWhere(rule: SegmentRule, alias: string): WhereClause {
  const r = rule;
  const col = (name: string) => `${alias}.${name}`;
  // ASCII tags compare under NOCASE (as fast as exact); others through fold_tag() (src/db/tags.ts).
  const unicode = !r.exactTags && needsUnicodeFold([...(r.tags ?? []), ...(r.excludeTags ?? [])]);
  const stored = unicode ? `${FOLD_TAG_SQL}(t.tag)` : 't.tag';
  const cmp = r.exactTags || unicode ? '' : ' COLLATE NOCASE';
  const typed = (tag: string) => (unicode ? foldTag(tag) : tag);
  const out: WhereClause = { sql: '1', params: [] };
  const tags = [...new Set(r.tags ?? [])];
  const hasTagIn = `EXISTS (SELECT 1 FROM contact_tags t, json_each(?) j WHERE t.contact_id = ${col('id')} AND ${stored} = j.value${cmp})`;
  if (tags.length > 0) {
    if ((r.match ?? 'any') === 'any') {
      out.sql += ` AND ${hasTagIn}`;
      out.params.push(JSON.stringify(tags.map(typed)));
    } else {
      for (const tag of tags) {
        out.sql += ` AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = ${col('id')} AND ${stored} = ?${cmp})`;
        out.params.push(typed(tag));
      }
    }
  }
  const excluded = [...new Set(r.excludeTags ?? [])];
  if (excluded.length > 0) {
    out.sql += ` AND NOT ${hasTagIn}`;
    out.params.push(JSON.stringify(excluded.map(typed)));
  }
  presence(col('email'), r.hasEmail, out);
  presence(col('phone'), r.hasPhone, out);
  if (r.businessId !== undefined) {
    out.sql += ` AND ${col('business_id')} = ?`;
    out.params.push(r.businessId);
  }
  if (r.locationId !== undefined) {
    out.sql += ` AND ${col('location_id')} = ?`;
    out.params.push(r.locationId);
  }
  dateConditions(col('date_added'), r.dateAdded, out);
  dateConditions(col('date_updated'), r.dateUpdated, out);
  return out;
}

export interface ExportColumn {
  /** The CSV header. */
  name: string;
  /** The SQL expression producing it (over the aliases of the export's query). */
  sql: string;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

// Correlated on w.id, each an index lookup in tasks_contact_idx / notes_contact_idx.
const OPEN_TASKS = `FROM tasks t WHERE t.contact_id = w.id AND t.deleted_at IS NULL AND t.completed = 0`;
const NEXT_TASK = `${OPEN_TASKS} ORDER BY t.due_date IS NULL, julianday(t.due_date), t.id LIMIT 1`;
const ACTIVITY_COLUMNS: ExportColumn[] = [
  { name: 'open_tasks', sql: `(SELECT count(*) ${OPEN_TASKS})` },
  { name: 'next_task', sql: `(SELECT t.title ${NEXT_TASK})` },
  { name: 'next_task_due', sql: `(SELECT t.due_date ${NEXT_TASK})` },
  { name: 'last_note_at', sql: `(SELECT max(n.date_added) FROM notes n WHERE n.contact_id = w.id AND n.deleted_at IS NULL)` },
];

/** Over `tasks t JOIN contacts c`. */
const TASK_COLUMNS: ExportColumn[] = [
  ['id', 't.id'], ['contact_id', 't.contact_id'], ['contact_name', 'c.name'], ['contact_email', 'c.email'],
  ['contact_phone', 'c.phone'], ['location_id', 't.location_id'], ['title', 't.title'], ['body', 't.body'],
  ['due_date', 't.due_date'], ['completed', 't.completed'], ['assigned_to', 't.assigned_to'],
].map(([name, sql]) => ({ name: name!, sql: sql! }));

/** Over `notes n JOIN contacts c`. */
const NOTE_COLUMNS: ExportColumn[] = [
  ['id', 'n.id'], ['contact_id', 'n.contact_id'], ['contact_name', 'c.name'], ['contact_email', 'c.email'],
  ['location_id', 'n.location_id'], ['body', 'n.body'], ['user_id', 'n.user_id'], ['date_added', 'n.date_added'],
].map(([name, sql]) => ({ name: name!, sql: sql! }));

/** contacts_wide's columns as the view stands now (its custom columns follow the definitions). */
function contactsWideColumns(db: Db): string[] {
  const rows = sqliteOf(db).prepare(`SELECT name FROM pragma_table_info('contacts_wide') ORDER BY cid`).all() as { name: string }[];
  if (rows.length === 0) throw new Error('the contacts_wide view is missing: open the database read-write once to rebuild it');
  return rows.map((r) => r.name);
}

/** Every column an export of `kind` can write, in the default order. */
export function availableColumns(db: Db, kind: ExportKind): ExportColumn[] {
  if (kind === 'tasks') return TASK_COLUMNS;
  if (kind === 'notes') return NOTE_COLUMNS;
  const wide = contactsWideColumns(db).map((name) => ({ name, sql: `w.${quoteIdent(name)}` }));
  // A custom field may be named like an activity column: the custom one keeps its contacts_wide
  // name and the activity column gets a suffix, so headers stay unique.
  const taken = new Set(wide.map((c) => c.name.toLowerCase()));
  const activity = ACTIVITY_COLUMNS.map((c) => {
    let name = c.name;
    for (let n = 2; taken.has(name.toLowerCase()); n++) name = `${c.name}_${n}`;
    taken.add(name.toLowerCase());
    return { ...c, name };
  });
  return [...wide, ...activity];
}

/** The query returning the export's rows, one array per row in `columns` order. */
function exportQuery(kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): { sql: string; params: unknown[] } {
  const select = columns.map((c) => c.sql).join(', ');
  if (kind === 'contacts') {
    const where = segmentWhere(rule, 'w');
    return { sql: `SELECT ${select} FROM contacts_wide w WHERE ${where.sql} ORDER BY w.id`, params: where.params };
  }
  const where = segmentWhere(rule, 'c');
  const live = 'c.deleted_at IS NULL';
  if (kind === 'tasks') {
    return {
      sql: `SELECT ${select} FROM tasks t JOIN contacts c ON c.id = t.contact_id
        WHERE t.deleted_at IS NULL AND ${live} AND ${where.sql}
        ORDER BY t.contact_id, t.completed, t.due_date IS NULL, julianday(t.due_date), t.id`,
      params: where.params,
    };
  }
  return {
    sql: `SELECT ${select} FROM notes n JOIN contacts c ON c.id = n.contact_id
      WHERE n.deleted_at IS NULL AND ${live} AND ${where.sql}
      ORDER BY n.contact_id, julianday(n.date_added) DESC, n.id`,
    params: where.params,
  };
}

/**
 * The export's rows, one array per row in `columns` order, read one at a time (the connection is
 * busy until the iterator is finished or returned).
 */
export function exportRows(db: Db, kind: ExportKind, columns: ExportColumn[], rule: SegmentRule): IterableIterator<unknown[]> {
  const query = exportQuery(kind, columns, rule);
  // raw(): rows as arrays in column order, no object per row.
  return sqliteOf(db).prepare(query.sql).raw(true).iterate(...query.params) as IterableIterator<unknown[]>;
}

/** The live contacts' distinct tags (optionally of one location), sorted. */
export function liveTags(db: Db, locationId?: string): string[] {
  const rows = prepared(
    db,
    `SELECT DISTINCT t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id
     WHERE c.deleted_at IS NULL AND (? IS NULL OR c.location_id = ?) ORDER BY t.tag`,
  ).all(locationId ?? null, locationId ?? null) as { tag: string }[];
  return rows.map((r) => r.tag);
}
