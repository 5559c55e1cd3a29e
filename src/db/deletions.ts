// Soft deletes of contacts (and their live tasks and notes with them): after a complete listing
// pass, or by id (a webhook's ContactDelete, a 404 on fetch).
import { isoNow, systemClock, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { atomically, prepared } from './statements.ts';

/**
 * The location's live contacts whose run_id is not @runId: those a listing pass did not see. A
 * contact written since the pass started (@since: an operation's write-through, a webhook) was
 * not there when the pass listed its page, so it is not missing from HighLevel: it stays.
 */
const UNSEEN = `location_id = @locationId AND deleted_at IS NULL AND (run_id IS NULL OR run_id <> @runId)
  AND (@since IS NULL OR synced_at < @since)`;

/** Soft-deletes the live contacts `which` selects (a subquery of ids) and their live tasks and notes. */
function softDelete(db: Db, which: string, params: Record<string, unknown>): number {
  return atomically(db, () => {
    prepared(db, `UPDATE tasks SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN (${which})`).run(params);
    prepared(db, `UPDATE notes SET deleted_at = @now WHERE deleted_at IS NULL AND contact_id IN (${which})`).run(params);
    return prepared(db, `UPDATE contacts SET deleted_at = @now WHERE deleted_at IS NULL AND id IN (${which})`).run(params).changes;
  });
}

/**
 * After a complete listing pass of `runId`, started at `passStartedAt`: soft-deletes the
 * location's live contacts that the pass did not see (their `run_id` is another run) and nothing
 * wrote since it started. Only call it when the listing really completed: a partial pass would
 * delete the unseen rest. Returns the number of contacts deleted.
 */
export function markContactsDeleted(db: Db, locationId: string, seenInRunId: number, clock: Clock = systemClock, passStartedAt?: string): number {
  return softDelete(db, `SELECT id FROM contacts WHERE ${UNSEEN}`, { locationId, runId: seenInRunId, since: passStartedAt ?? null, now: isoNow(clock) });
}

/** Live contacts a complete pass of `seenInRunId` did not see: what `markContactsDeleted` would remove. */
export function countUnseenContacts(db: Db, locationId: string, seenInRunId: number, passStartedAt?: string): number {
  const row = prepared(db, `SELECT count(*) AS n FROM contacts WHERE ${UNSEEN}`).get({ locationId, runId: seenInRunId, since: passStartedAt ?? null }) as { n: number };
  return row.n;
}

/** Soft-deletes the given contacts and their live tasks and notes. Returns how many were live. */
export function markContactDeletedById(db: Db, contactIds: string[], clock: Clock = systemClock): number {
  return softDelete(db, `SELECT value FROM json_each(@ids)`, { ids: JSON.stringify(contactIds), now: isoNow(clock) });
}
