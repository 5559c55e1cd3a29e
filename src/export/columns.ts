// The columns an export can write, in their documented order, and picking among them.
//
// contacts: every column of contacts_wide in its order (id, location_id, first_name, last_name,
//   name, email, phone, company_name, business_id, source, type, assigned_to, dnd, address1,
//   city, state, postal_code, country, timezone, date_of_birth, date_added, date_updated,
//   synced_at, tags (joined " | "), then one column per custom field named as in contacts_wide,
//   sorted by name), then open_tasks (live, not completed), next_task and next_task_due (the
//   open task due soonest; undated ones last), last_note_at (newest live note's date).
// tasks: the live tasks of the segment's contacts. notes: the live notes of the segment's contacts.
import type { Db } from '../db/open.ts';
import type { ExportKind } from '../db/exports.ts';
import { ExportUsageError } from './errors.ts';

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
  const rows = db.sqlite.prepare(`SELECT name FROM pragma_table_info('contacts_wide') ORDER BY cid`).all() as { name: string }[];
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

/**
 * The requested columns in the requested order (names compare case-insensitively, as SQLite's
 * do); all of them when `requested` is empty or undefined.
 */
export function pickColumns(available: ExportColumn[], requested: string[] | undefined): ExportColumn[] {
  if (!requested || requested.length === 0) return available;
  const byName = new Map(available.map((c) => [c.name.toLowerCase(), c]));
  const picked: ExportColumn[] = [];
  const seen = new Set<string>();
  for (const raw of requested) {
    const key = raw.trim().toLowerCase();
    const column = byName.get(key);
    if (!column) {
      throw new ExportUsageError(
        `unknown column "${raw}"; valid columns: ${available.map((c) => c.name).join(', ')}`,
      );
    }
    if (seen.has(key)) throw new ExportUsageError(`column "${raw}" is listed twice: list each column once`);
    seen.add(key);
    picked.push(column);
  }
  return picked;
}
