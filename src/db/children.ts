// `tasks` and `notes`: a batch of contacts' complete lists as just fetched. One transaction per
// batch (the caller's), no savepoint per contact, positional binding, and the soft-deletion of
// what was not returned done once per batch instead of once per contact and table.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnsOf, insertSql, upsertSuffix, valuesOf, valuesWith } from './columns.ts';
import type { Db } from './open.ts';
import type { NoteRow, TaskRow } from './rows.ts';
import { notes, tasks } from './schema.ts';
import { atomically, prepared } from './statements.ts';

export const TASK_COLUMNS = columnsOf(tasks);
const NOTE_COLUMNS = columnsOf(notes);
// An upsert, not a plain INSERT: a revived contact's tasks and notes are still there, soft-deleted.
const UPSERT_TASK = insertSql(tasks, TASK_COLUMNS, upsertSuffix(['id'], TASK_COLUMNS));
const UPSERT_NOTE = insertSql(notes, NOTE_COLUMNS, upsertSuffix(['id'], NOTE_COLUMNS));
// A batch read at a known time leaves alone a row written (or deleted) since: an operation's
// write-through or a webhook is newer than the list (its two parameters: the read time, twice).
const NOT_WRITTEN_SINCE = (table: string) => `WHERE ${table}.synced_at < ? AND (${table}.deleted_at IS NULL OR ${table}.deleted_at < ?)`;
export const UPSERT_LISTED_TASK = `${UPSERT_TASK} ${NOT_WRITTEN_SINCE('tasks')}`;
const UPSERT_LISTED_NOTE = `${UPSERT_NOTE} ${NOT_WRITTEN_SINCE('notes')}`;
// One row outside a listing pass keeps the run_id of the pass that last saw it (NULL when none has).
const UPSERT_ONE_TASK = insertSql(tasks, TASK_COLUMNS, upsertSuffix(['id'], columnsOf(tasks, ['runId'])));
const UPSERT_ONE_NOTE = insertSql(notes, NOTE_COLUMNS, upsertSuffix(['id'], columnsOf(notes, ['runId'])));

export interface ContactChildren {
  contactId: string;
  /** Undefined: the contact's tasks are left as they are (read by the location-wide task search). */
  tasks?: TaskRow[] | undefined;
  notes: NoteRow[];
  /** The contact's dateUpdated the fetch answered for (default: what the mirror holds). */
  contactDateUpdated?: string | null | undefined;
}

export interface ChildrenResult {
  tasksUpserted: number;
  tasksDeleted: number;
  notesUpserted: number;
  notesDeleted: number;
}

/**
 * Makes each contact's live tasks and notes exactly the lists given: upserts them (reviving
 * soft-deleted ones), soft-deletes live ones not listed, and records `children_synced_at` = now
 * and `children_date_updated` = the contact's date_updated (or `contactDateUpdated`). With
 * `readAt` (when the lists were requested), a row written or deleted since is left as it is: a
 * task or note created during the sync is not in the list yet, and must not be deleted for it.
 * Joins the caller's transaction when one is open.
 */
export function saveChildren(
  db: Db, batch: ContactChildren[], runId: number, clock: Clock = systemClock, options: { readAt?: string } = {},
): ChildrenResult {
  const { readAt } = options;
  const result: ChildrenResult = { tasksUpserted: 0, tasksDeleted: 0, notesUpserted: 0, notesDeleted: 0 };
  if (batch.length === 0) return result;
  return atomically(db, () => {
    const now = isoNow(clock);
    const contactIds = JSON.stringify(batch.map((c) => c.contactId));
    const locations = new Map(
      (prepared(db, `SELECT id, location_id AS locationId FROM contacts WHERE id IN (SELECT value FROM json_each(?))`)
        .all(contactIds) as Array<{ id: string; locationId: string }>).map((r) => [r.id, r.locationId]),
    );
    const upsertTask = prepared(db, readAt === undefined ? UPSERT_TASK : UPSERT_LISTED_TASK);
    const upsertNote = prepared(db, readAt === undefined ? UPSERT_NOTE : UPSERT_LISTED_NOTE);
    // Positional values with the two read-time parameters at the end, no object spread per row.
    const extra = readAt === undefined ? 0 : 2;
    const withReadAt = (values: unknown[]): unknown[] => {
      if (extra) values[values.length - 2] = values[values.length - 1] = readAt;
      return values;
    };
    const taskIds: string[] = [];
    const noteIds: string[] = [];
    // [id, contactDateUpdated given, its value]: children_synced_at for the whole batch in one UPDATE.
    const fetched: Array<[string, 0 | 1, string | null]> = [];
    for (const c of batch) {
      const locationId = locations.get(c.contactId);
      if (locationId === undefined) throw new Error(`saveChildren: contact ${c.contactId} is not in the mirror; upsert it first`);
      // Children always follow their contact and its location, whatever the fetched objects say.
      const bookkeeping = { contactId: c.contactId, locationId, syncedAt: now, runId, deletedAt: null };
      if (c.tasks) {
        for (const t of c.tasks) {
          upsertTask.run(withReadAt(valuesWith(t, TASK_COLUMNS, bookkeeping, extra)));
          taskIds.push(t.id);
        }
        result.tasksUpserted += c.tasks.length;
      }
      for (const n of c.notes) {
        upsertNote.run(withReadAt(valuesWith(n, NOTE_COLUMNS, bookkeeping, extra)));
        noteIds.push(n.id);
      }
      result.notesUpserted += c.notes.length;
      fetched.push([c.contactId, c.contactDateUpdated !== undefined ? 1 : 0, c.contactDateUpdated ?? null]);
    }
    prepared(
      db,
      `UPDATE contacts SET children_synced_at = ?, children_date_updated =
         CASE WHEN json_extract(f.value, '$[1]') THEN json_extract(f.value, '$[2]') ELSE contacts.date_updated END
       FROM json_each(?) AS f WHERE contacts.id = json_extract(f.value, '$[0]')`,
    ).run(now, JSON.stringify(fetched));
    const deleteMissing = (table: 'tasks' | 'notes', of: string, keep: string[]): number =>
      prepared(
        db,
        `UPDATE ${table} SET deleted_at = ? WHERE deleted_at IS NULL
           AND contact_id IN (SELECT value FROM json_each(?)) AND id NOT IN (SELECT value FROM json_each(?))
           AND (? IS NULL OR synced_at < ?)`,
      ).run(now, of, JSON.stringify(keep), readAt ?? null, readAt ?? null).changes;
    const withTasks = batch.filter((c) => c.tasks !== undefined);
    result.tasksDeleted = withTasks.length === 0 ? 0
      : deleteMissing('tasks', withTasks.length === batch.length ? contactIds : JSON.stringify(withTasks.map((c) => c.contactId)), taskIds);
    result.notesDeleted = deleteMissing('notes', contactIds, noteIds);
    return result;
  });
}

/** `saveChildren` for one contact. */
export function replaceContactChildren(
  db: Db, contactId: string, taskRows: TaskRow[], noteRows: NoteRow[], runId: number,
  options: { contactDateUpdated?: string | null; clock?: Clock } = {},
): ChildrenResult {
  return saveChildren(db, [{ contactId, tasks: taskRows, notes: noteRows, contactDateUpdated: options.contactDateUpdated }], runId, options.clock);
}

// ---- one task or note at a time: an operation's answer (write-through.ts) or a webhook (serve) ----
// A single record, not a contact's complete list, so these never soft-delete its siblings.

/** Writes one task (reviving it when soft-deleted); its contact must be in the mirror. */
export function upsertTaskRow(db: Db, task: TaskRow, clock: Clock = systemClock): void {
  prepared(db, UPSERT_ONE_TASK).run(valuesOf({ ...task, syncedAt: isoNow(clock), runId: null, deletedAt: null }, TASK_COLUMNS));
}

/** Writes one note (reviving it when soft-deleted); its contact must be in the mirror. */
export function upsertNoteRow(db: Db, note: NoteRow, clock: Clock = systemClock): void {
  prepared(db, UPSERT_ONE_NOTE).run(valuesOf({ ...note, syncedAt: isoNow(clock), runId: null, deletedAt: null }, NOTE_COLUMNS));
}

/** Soft-deletes one task or note; returns whether it was live. */
export function markChildDeleted(db: Db, table: 'tasks' | 'notes', id: string, clock: Clock = systemClock): boolean {
  return prepared(db, `UPDATE ${table} SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`).run(isoNow(clock), id).changes === 1;
}
