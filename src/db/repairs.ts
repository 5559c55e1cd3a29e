// Contacts a write left out of the mirror after HighLevel accepted it (`mirror_repairs`): the
// contact could not be read, or the mirror refused the row. The next sync of the location reads
// each one again, with its tasks and notes, and clears it.
import { isoNow, systemClock, type Clock } from './clock.ts';
import type { Db } from './connection.ts';
import { prepared } from './statements.ts';

export interface MirrorRepair {
  locationId: string;
  contactId: string;
  reason: string;
}

/** Asks the next sync to read the contact again (kept once per contact, the latest reason wins). */
export function markForRepair(db: Db, repair: MirrorRepair, clock: Clock = systemClock): void {
  prepared(
    db,
    `INSERT INTO mirror_repairs (location_id, contact_id, reason, created_at) VALUES (@locationId, @contactId, @reason, @now)
     ON CONFLICT (location_id, contact_id) DO UPDATE SET reason = excluded.reason`,
  ).run({ ...repair, now: isoNow(clock) });
}

export function pendingRepairs(db: Db, locationId: string): MirrorRepair[] {
  return prepared(
    db,
    `SELECT location_id AS locationId, contact_id AS contactId, reason FROM mirror_repairs WHERE location_id = ? ORDER BY created_at, contact_id`,
  ).all(locationId) as MirrorRepair[];
}

export function clearRepair(db: Db, locationId: string, contactId: string): void {
  prepared(db, `DELETE FROM mirror_repairs WHERE location_id = ? AND contact_id = ?`).run(locationId, contactId);
}

/** Its tasks and notes are read again by the sync's children phase. */
export function markChildrenStale(db: Db, contactId: string): void {
  prepared(db, `UPDATE contacts SET children_synced_at = NULL WHERE id = ?`).run(contactId);
}
