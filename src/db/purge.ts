// GDPR retention: erase the personal data of contacts soft-deleted before a date. What stays is
// what bookkeeping needs -- ids, location, dates -- so counts and run history still add up; what
// goes is everything that describes the person: names, contact details, address, tags, custom
// values, task and note text (and their full-text index entries), and the JSON as received.
import { dateBound } from '../config/segments.ts';
import { sqliteOf } from './connection.ts';
import { compactAfterErase, eraseContactTraces } from './erase.ts';
import { applyRetention, type RetentionResult } from './retention.ts';
import type { Db } from './open.ts';

export interface PurgeResult {
  /** Contacts whose personal data was erased by this call (already purged ones not counted). */
  contacts: number;
  tasks: number;
  notes: number;
  /** Old bookkeeping rows deleted, when `retentionDays` was given. */
  retention?: RetentionResult;
}

// Marks a purged row: its raw JSON is replaced by {"id": ..., "purged": true}.
const PURGED_RAW = `json_object('id', id, 'purged', json('true'))`;
const NOT_YET_PURGED = `json_extract(raw, '$.purged') IS NOT 1`;

/** How many soft-deleted contacts `purgeDeleted(db, before)` would erase now (already purged ones not counted). */
export function countPurgeable(db: Db, before: string): number {
  const row = sqliteOf(db).prepare(
    `SELECT count(*) AS n FROM contacts WHERE deleted_at IS NOT NULL AND julianday(deleted_at) < julianday(?) AND ${NOT_YET_PURGED}`,
  ).get(before) as { n: number };
  return row.n;
}

/**
 * Erases the personal data of every contact whose `deleted_at` is before `before` (an ISO date
 * or date-time), and of its tasks and notes, in one transaction; live contacts are never
 * touched; the person's leads, outbox calls, idempotency keys and webhook payloads go too
 * (erase.ts). Afterwards the full-text indexes are optimized, the file vacuumed and the WAL
 * emptied, so the erased text does not linger in free pages, index segments or the journal.
 */
export function purgeDeleted(db: Db, before: string, options: { retentionDays?: number; now?: Date } = {}): PurgeResult {
  if (!dateBound.safeParse(before).success) {
    throw new Error(`purge: "${before}" is not a date; give one like 2026-01-31 or 2026-01-31T00:00:00Z`);
  }
  const s = sqliteOf(db);
  const doomed = `SELECT id FROM contacts WHERE deleted_at IS NOT NULL AND julianday(deleted_at) < julianday(@before)`;
  const previousSecureDelete = s.pragma('secure_delete', { simple: true });
  // Freed pages are overwritten with zeros instead of keeping the old bytes on disk.
  s.pragma('secure_delete = ON');
  try {
    let traces = 0;
    const result = db.transaction((): PurgeResult => {
      const p = { before };
      // First, while the contacts still hold their email and phone to search for.
      traces = eraseContactTraces(s, doomed, p);
      s.prepare(`DELETE FROM contact_tags WHERE contact_id IN (${doomed})`).run(p);
      s.prepare(`DELETE FROM contact_custom_fields WHERE contact_id IN (${doomed})`).run(p);
      // Title and body updates fire the FTS triggers, which drop the rows' index entries.
      const tasks = s.prepare(
        `UPDATE tasks SET title = NULL, body = NULL, assigned_to = NULL, raw = ${PURGED_RAW}
         WHERE contact_id IN (${doomed}) AND ${NOT_YET_PURGED}`,
      ).run(p).changes;
      const notes = s.prepare(
        `UPDATE notes SET body = NULL, user_id = NULL, raw = ${PURGED_RAW}
         WHERE contact_id IN (${doomed}) AND ${NOT_YET_PURGED}`,
      ).run(p).changes;
      const contacts = s.prepare(
        `UPDATE contacts SET first_name = NULL, last_name = NULL, name = NULL, email = NULL, phone = NULL,
           company_name = NULL, source = NULL, type = NULL, assigned_to = NULL, dnd = 0, address1 = NULL,
           city = NULL, state = NULL, postal_code = NULL, country = NULL, timezone = NULL,
           date_of_birth = NULL, raw = ${PURGED_RAW}
         WHERE id IN (${doomed}) AND ${NOT_YET_PURGED}`,
      ).run(p).changes;
      if (tasks + notes > 0) {
        // FTS5 deletes only add tombstones; merging the segments drops the erased terms for good.
        s.exec(`INSERT INTO notes_fts(notes_fts) VALUES ('optimize')`);
        s.exec(`INSERT INTO tasks_fts(tasks_fts) VALUES ('optimize')`);
      }
      return { contacts, tasks, notes };
    });
    if (options.retentionDays !== undefined) result.retention = applyRetention(db, options.retentionDays, options.now);
    const retained = result.retention ? result.retention.inbox + result.retention.webhookEvents + result.retention.outbox : 0;
    if (!db.readonly && result.contacts + result.tasks + result.notes + traces + retained > 0) compactAfterErase(s);
    return result;
  } finally {
    s.pragma(`secure_delete = ${Number(previousSecureDelete)}`);
  }
}
