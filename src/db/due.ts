// Which contacts' tasks and notes the children phase reads next. Each read walks an index in
// the order wanted (contacts_children_due_idx, contacts_children_changed_idx), so reading the
// next 1,000 costs about 1,000 rows, not a scan and sort of every live contact: the phase used
// to be quadratic in the location's size.
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export interface ContactNeedingChildren {
  id: string;
  dateUpdated: string | null;
  /** Why it is due: never fetched, changed since the fetch, or the fetch is older than the cutoff. */
  reason: 'never' | 'changed' | 'stale';
}

const CHANGED = `children_synced_at IS NOT NULL AND children_date_updated IS NOT date_updated`;

// One query per reason, each in its own order; together they are the due set, never first,
// then changed, then stale (oldest fetch first, ties by id).
const NEVER = `SELECT id, date_updated AS dateUpdated, 'never' AS reason FROM contacts
  WHERE location_id = @locationId AND deleted_at IS NULL AND children_synced_at IS NULL
  ORDER BY id LIMIT @limit`;
const CHANGED_SQL = `SELECT id, date_updated AS dateUpdated, 'changed' AS reason FROM contacts INDEXED BY contacts_children_changed_idx
  WHERE location_id = @locationId AND ${CHANGED} AND deleted_at IS NULL
  ORDER BY children_synced_at, id LIMIT @limit`;
const STALE = `SELECT id, date_updated AS dateUpdated, 'stale' AS reason FROM contacts INDEXED BY contacts_children_due_idx
  WHERE location_id = @locationId AND deleted_at IS NULL AND children_synced_at < @cutoff
    AND children_date_updated IS date_updated
  ORDER BY children_synced_at, id LIMIT @limit`;

/**
 * Live contacts of the location whose tasks and notes should be (re)fetched: never fetched,
 * dateUpdated moved since the last fetch, or last fetched before `rollingCutoff` (ISO). Never
 * fetched and changed ones come first, then the stalest.
 */
export function contactsNeedingChildren(
  db: Db, locationId: string, options: { rollingCutoff?: string | null; limit?: number } = {},
): ContactNeedingChildren[] {
  let left = options.limit ?? -1;
  const out: ContactNeedingChildren[] = [];
  const queries = options.rollingCutoff ? [NEVER, CHANGED_SQL, STALE] : [NEVER, CHANGED_SQL];
  for (const sql of queries) {
    if (left === 0) break;
    const rows = prepared(db, sql).all({ locationId, limit: left, ...(sql === STALE ? { cutoff: options.rollingCutoff } : {}) }) as ContactNeedingChildren[];
    out.push(...rows);
    if (left > 0) left -= rows.length;
  }
  return out;
}

/** How many contacts `contactsNeedingChildren` would return without a limit. */
export function countContactsNeedingChildren(db: Db, locationId: string, rollingCutoff: string | null): number {
  const row = prepared(
    db,
    `SELECT count(*) AS n FROM contacts WHERE location_id = @locationId AND deleted_at IS NULL AND (
       children_synced_at IS NULL OR children_date_updated IS NOT date_updated
       OR (@cutoff IS NOT NULL AND children_synced_at < @cutoff))`,
  ).get({ locationId, cutoff: rollingCutoff }) as { n: number };
  return row.n;
}
