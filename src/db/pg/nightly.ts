// The nightly sync's statements on PostgreSQL (their SQLite namesakes and comments: ../nightly.ts).
import { isoNow, systemClock, type Clock } from '../clock.ts';
import type { LocationTasksSaved, NamedByEvents } from '../nightly.ts';
import type { TaskRow } from '../rows.ts';

/** What these statements need of PgStatements (its public read and write). */
interface Sql {
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
  count(text: string, values?: unknown[]): Promise<number>;
}

/** Call inside a transaction (the mirror's `atomic`). */
export async function saveLocationTasksPg(
  s: Sql, upsertListedTasks: (records: Array<Record<string, unknown>>, readAt: string) => Promise<number>,
  locationId: string, rows: TaskRow[], runId: number, clock: Clock = systemClock, options: { readAt: string },
): Promise<LocationTasksSaved> {
  if (rows.length === 0) return { upserted: 0, skipped: 0 };
  const live = new Set((await s.query<{ id: string }>(
    `SELECT id FROM contacts WHERE location_id = $1 AND deleted_at IS NULL AND id = ANY($2::text[])`,
    [locationId, [...new Set(rows.map((r) => r.contactId))]],
  )).map((r) => r.id));
  const now = isoNow(clock);
  // The last copy of an id wins, as on SQLite (one statement cannot upsert a row twice).
  const records = [...new Map(rows.filter((r) => live.has(r.contactId))
    .map((r) => [r.id, { ...r, locationId, syncedAt: now, runId, deletedAt: null }])).values()];
  const upserted = rows.filter((r) => live.has(r.contactId)).length;
  if (records.length > 0) await upsertListedTasks(records, options.readAt);
  return { upserted, skipped: rows.length - upserted };
}

export function sweepLocationTasksPg(s: Sql, locationId: string, runId: number, readAt: string, clock: Clock = systemClock): Promise<number> {
  return s.count(
    `UPDATE tasks SET deleted_at = $1 WHERE location_id = $2 AND deleted_at IS NULL AND run_id IS DISTINCT FROM $3 AND synced_at < $4`,
    [isoNow(clock), locationId, runId, readAt],
  );
}

export function webhookEventsSincePg(s: Sql, locationId: string, since: string, types: readonly string[]): Promise<Array<{ type: string; payload: string }>> {
  return s.query(
    `SELECT type, payload FROM webhook_events WHERE location_id = $1 AND received_at >= $2 AND type = ANY($3::text[]) ORDER BY received_at`,
    [locationId, since, [...types]],
  );
}

export function markNamedContactsDuePg(s: Sql, locationId: string, named: NamedByEvents): Promise<number> {
  return s.count(
    `UPDATE contacts SET children_synced_at = NULL
     WHERE location_id = $1 AND deleted_at IS NULL AND children_synced_at IS NOT NULL AND (
       id = ANY($2::text[])
       OR id IN (SELECT contact_id FROM notes WHERE id = ANY($3::text[]))
       OR id IN (SELECT contact_id FROM tasks WHERE id = ANY($4::text[])))`,
    [locationId, named.contactIds, named.noteIds, named.taskIds],
  );
}
