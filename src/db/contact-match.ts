// Finding the mirrored contact a lead belongs to: same email, else same phone, in one location;
// the oldest first when a location allows duplicates.
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export function mirroredContactBy(db: Db, locationId: string, by: { email?: string; phone?: string }): string | undefined {
  const [column, value] = by.email !== undefined ? ['lower(email)', by.email.toLowerCase()] : ['phone', by.phone];
  if (value === undefined) return undefined;
  const row = prepared(db, `SELECT id FROM contacts WHERE location_id = ? AND deleted_at IS NULL AND ${column} = ?
    ORDER BY date_added, id LIMIT 1`).get(locationId, value) as { id: string } | undefined;
  return row?.id;
}

/** The location of a live mirrored contact, or undefined when the mirror does not have it. */
export function liveContactLocation(db: Db, contactId: string): string | undefined {
  const row = prepared(db, `SELECT location_id AS locationId FROM contacts WHERE id = ? AND deleted_at IS NULL`).get(contactId) as { locationId: string } | undefined;
  return row?.locationId;
}
