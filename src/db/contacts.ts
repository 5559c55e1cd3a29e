// `contacts`: one page of a listing at a time. New contacts are plain INSERTs; contacts already
// in the mirror are rewritten only when they changed, otherwise just marked as seen.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnsOf, insertSql, upsertSuffix, valuesWith } from './columns.ts';
import { writeTagsAndValues } from './contact-values.ts';
import { ensureLocation } from './locations.ts';
import type { Db } from './open.ts';
import type { ContactRow } from './rows.ts';
import { contacts } from './schema.ts';
import { atomically, prepared } from './statements.ts';

export type ContactOutcome = 'new' | 'updated' | 'unchanged';

export interface ContactUpsertResult {
  /** Per contact id. A contact that was soft-deleted and reappears counts as new. */
  outcomes: Map<string, ContactOutcome>;
  new: number;
  updated: number;
  unchanged: number;
}

/** What a listing writes: every column but the children bookkeeping (deleted_at is cleared). */
const WRITTEN = columnsOf(contacts, ['childrenSyncedAt', 'childrenDateUpdated']);
const INSERT_CONTACT = insertSql(contacts, WRITTEN);
const REWRITE_CONTACT = insertSql(contacts, WRITTEN, upsertSuffix(['id'], WRITTEN, [
  // A revived contact's children were soft-deleted with it: make it due for a children fetch.
  'children_synced_at = CASE WHEN contacts.deleted_at IS NULL THEN contacts.children_synced_at END',
]));

interface StoredContact { dateUpdated: string | null; raw: string; deletedAt: string | null }

export interface ListedOptions {
  /**
   * The rows are a listing page whose request was sent at this time (ISO). The mirror may have
   * changed since (an operation's write-through, a webhook): a stored contact whose dateUpdated
   * is later than the page's copy, or that was deleted since, is only marked as seen, so a
   * running sync never undoes a write made during it (a tag added, a contact deleted).
   */
  readAt?: string;
}

/** The stored copy is newer than the listed one (written through after the page was read). */
function isNewerThanPage(before: StoredContact | undefined, row: ContactRow, readAt: string | undefined): boolean {
  if (readAt === undefined || before === undefined) return false;
  if (before.deletedAt !== null) return before.deletedAt >= readAt;
  const stored = Date.parse(before.dateUpdated ?? '');
  const listed = Date.parse(row.dateUpdated ?? '');
  return Number.isFinite(stored) && Number.isFinite(listed) && stored > listed;
}

/**
 * Upserts one page of contacts, marking each as seen by `runId` (see `markContactsDeleted`;
 * null for a write outside a sync run, e.g. a webhook),
 * and replaces their tags and custom values. Outcome: new (not live before), updated
 * (date_updated moved), unchanged (same date_updated; the row is still rewritten if the JSON
 * differs, otherwise only its synced_at/run_id are touched). Idempotent. Joins the caller's
 * transaction when one is open.
 */
export function upsertContacts(
  db: Db, rows: ContactRow[], runId: number | null, clock: Clock = systemClock, options: ListedOptions = {},
): ContactUpsertResult {
  return atomically(db, () => {
    const result: ContactUpsertResult = { outcomes: new Map(), new: 0, updated: 0, unchanged: 0 };
    if (rows.length === 0) return result;
    const now = isoNow(clock);
    for (const locationId of new Set(rows.map((r) => r.locationId))) ensureLocation(db, locationId, clock);
    const stored = new Map<string, StoredContact>();
    const selectStored = prepared(
      db,
      `SELECT id, date_updated AS dateUpdated, raw, deleted_at AS deletedAt FROM contacts WHERE id IN (SELECT value FROM json_each(?))`,
    );
    for (const s of selectStored.all(JSON.stringify(rows.map((r) => r.id))) as Array<StoredContact & { id: string }>) {
      stored.set(s.id, s);
    }
    const insert = prepared(db, INSERT_CONTACT);
    const rewrite = prepared(db, REWRITE_CONTACT);
    const touched: string[] = [];
    for (const row of rows) {
      const before = stored.get(row.id);
      if (isNewerThanPage(before, row, options.readAt)) {
        // A deleted one stays deleted (and is not live, so no sweep concerns it).
        if (before!.deletedAt === null) touched.push(row.id);
        if (!result.outcomes.has(row.id)) {
          result.outcomes.set(row.id, 'unchanged');
          result.unchanged += 1;
        }
        continue;
      }
      const outcome: ContactOutcome =
        !before || before.deletedAt !== null ? 'new'
        : before.dateUpdated !== row.dateUpdated ? 'updated'
        : 'unchanged';
      if (outcome === 'unchanged' && before?.raw === row.raw) {
        // Seen again, nothing to rewrite: only record the sighting (keeps re-listing cheap).
        touched.push(row.id);
      } else {
        const values = valuesWith(row, WRITTEN, { syncedAt: now, runId, deletedAt: null });
        (before ? rewrite : insert).run(values);
        writeTagsAndValues(db, row, before !== undefined);
        // What the table now holds, for a later copy of the same id in this page (it wins).
        stored.set(row.id, { dateUpdated: row.dateUpdated, raw: row.raw, deletedAt: null });
      }
      // The same id twice in one page keeps the first outcome.
      if (!result.outcomes.has(row.id)) {
        result.outcomes.set(row.id, outcome);
        result[outcome] += 1;
      }
    }
    if (touched.length > 0) {
      prepared(db, `UPDATE contacts SET synced_at = ?, run_id = ? WHERE id IN (SELECT value FROM json_each(?))`)
        .run(now, runId, JSON.stringify(touched));
    }
    return result;
  });
}

export function countLiveContacts(db: Db, locationId: string): number {
  const row = prepared(db, `SELECT count(*) AS n FROM contacts WHERE location_id = ? AND deleted_at IS NULL`).get(locationId) as { n: number };
  return row.n;
}
