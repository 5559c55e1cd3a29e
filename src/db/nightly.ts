// The nightly sync's statements (issue 21): a location's tasks as the location-wide task search
// lists them, and the contacts webhook events named since the last sync. SQLite here; the same
// statements for PostgreSQL are in pg/nightly.ts.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { TASK_COLUMNS, UPSERT_LISTED_TASK } from './children.ts';
import { valuesWith } from './columns.ts';
import type { Db } from './open.ts';
import type { TaskRow } from './rows.ts';
import { atomically, prepared } from './statements.ts';

export interface LocationTasksSaved {
  upserted: number;
  /** Tasks of contacts not (or no longer) live in the mirror: the next sync takes them with their contact. */
  skipped: number;
}

/**
 * One page of the location's task search: each task of a live contact of the location is
 * upserted with `run_id` = `runId` (what sweepLocationTasks keeps), unless the row was written
 * or deleted since `readAt` (a webhook or an operation is newer than the page).
 */
export function saveLocationTasks(
  db: Db, locationId: string, rows: TaskRow[], runId: number, clock: Clock = systemClock, options: { readAt: string },
): LocationTasksSaved {
  if (rows.length === 0) return { upserted: 0, skipped: 0 };
  return atomically(db, () => {
    const live = new Set((prepared(
      db,
      `SELECT id FROM contacts WHERE location_id = ? AND deleted_at IS NULL AND id IN (SELECT value FROM json_each(?))`,
    ).all(locationId, JSON.stringify([...new Set(rows.map((r) => r.contactId))])) as Array<{ id: string }>).map((r) => r.id));
    const upsert = prepared(db, UPSERT_LISTED_TASK);
    const now = isoNow(clock);
    let upserted = 0;
    for (const row of rows) {
      if (!live.has(row.contactId)) continue;
      const values = valuesWith(row, TASK_COLUMNS, { locationId, syncedAt: now, runId, deletedAt: null }, 2);
      values[values.length - 2] = values[values.length - 1] = options.readAt;
      upsert.run(values);
      upserted++;
    }
    return { upserted, skipped: rows.length - upserted };
  });
}

/**
 * After a complete task search: soft-deletes the location's live tasks it did not list (their
 * run_id is not `runId`), except those written since `readAt`. Returns how many.
 */
export function sweepLocationTasks(db: Db, locationId: string, runId: number, readAt: string, clock: Clock = systemClock): number {
  return prepared(
    db,
    `UPDATE tasks SET deleted_at = ? WHERE location_id = ? AND deleted_at IS NULL AND run_id IS NOT ? AND synced_at < ?`,
  ).run(isoNow(clock), locationId, runId, readAt).changes;
}

/** What webhook events name: contacts, or the notes and tasks whose contact the mirror knows. */
export interface NamedByEvents {
  contactIds: string[];
  noteIds: string[];
  taskIds: string[];
}

/** The payloads of the location's events of these types received at or after `since` (ISO). */
export function webhookEventsSince(db: Db, locationId: string, since: string, types: readonly string[]): Array<{ type: string; payload: string }> {
  return prepared(
    db,
    `SELECT type, payload FROM webhook_events
     WHERE location_id = ? AND received_at >= ? AND type IN (SELECT value FROM json_each(?)) ORDER BY received_at`,
  ).all(locationId, since, JSON.stringify(types)) as Array<{ type: string; payload: string }>;
}

/**
 * Makes the named live contacts of the location due for a children read (as if never read), so
 * this sync re-reads their notes. Returns how many contacts that is.
 */
export function markNamedContactsDue(db: Db, locationId: string, named: NamedByEvents): number {
  return prepared(
    db,
    `UPDATE contacts SET children_synced_at = NULL
     WHERE location_id = ? AND deleted_at IS NULL AND children_synced_at IS NOT NULL AND (
       id IN (SELECT value FROM json_each(?))
       OR id IN (SELECT contact_id FROM notes WHERE id IN (SELECT value FROM json_each(?)))
       OR id IN (SELECT contact_id FROM tasks WHERE id IN (SELECT value FROM json_each(?))))`,
  ).run(locationId, JSON.stringify(named.contactIds), JSON.stringify(named.noteIds), JSON.stringify(named.taskIds)).changes;
}
