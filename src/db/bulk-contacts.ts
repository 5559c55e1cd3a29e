// What the bulk operations (src/ops/bulk.ts) need from the mirror: the contacts a segment rule
// selects, and the write-through of a bulk change HighLevel accepted (tags added or removed,
// the business set or cleared). A changed contact is stored through writeContact, from its
// mirrored JSON with the change applied, so the row, its tags and `raw` agree, exactly as the
// sync would store HighLevel's answer; the next sync brings the new dateUpdated.
import { systemClock, type Clock } from './clock.ts';
import type { Db } from './connection.ts';
import { segmentWhere, type SegmentRule } from './export-rows.ts';
import type { HighLevelContact } from './rows.ts';
import { prepared } from './statements.ts';
import { writeContact } from './write-through.ts';

/** The ids of the live mirrored contacts the (checked) rule selects, in id order. */
export function segmentContactIds(db: Db, rule: SegmentRule): string[] {
  const where = segmentWhere(rule, 'c');
  const rows = prepared(db, `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL AND ${where.sql} ORDER BY c.id`).all(...where.params) as Array<{ id: string }>;
  return rows.map((r) => r.id);
}

function mirrored(db: Db, contactId: string): { contact: HighLevelContact; locationId: string } | undefined {
  const row = prepared(db, `SELECT raw, location_id AS locationId FROM contacts WHERE id = ? AND deleted_at IS NULL`).get(contactId) as
    { raw: string; locationId: string } | undefined;
  return row ? { contact: JSON.parse(row.raw) as HighLevelContact, locationId: row.locationId } : undefined;
}

export interface TagChange {
  contactId: string;
  /** The contact's tags after the change, as HighLevel reported them. */
  tags: string[];
}

/** Stores each contact's new tag list (one transaction); contacts the mirror does not hold are skipped. Returns how many it wrote. */
export function writeContactTags(db: Db, changes: TagChange[], clock: Clock = systemClock): number {
  let written = 0;
  db.transaction(() => {
    for (const change of changes) {
      const found = mirrored(db, change.contactId);
      if (!found) continue;
      writeContact(db, { ...found.contact, tags: change.tags }, found.locationId, clock);
      written += 1;
    }
  });
  return written;
}

/** The mirrored tags of a contact (as HighLevel stored them), or undefined when the mirror does not hold it. */
export function mirroredTags(db: Db, contactId: string): string[] | undefined {
  const found = mirrored(db, contactId);
  return found ? (found.contact.tags ?? []).filter((t): t is string => typeof t === 'string') : undefined;
}

/** Sets (or clears, null) the business of these contacts in the mirror; returns how many it wrote. */
export function writeContactsBusiness(db: Db, contactIds: string[], businessId: string | null, clock: Clock = systemClock): number {
  let written = 0;
  db.transaction(() => {
    for (const id of contactIds) {
      const found = mirrored(db, id);
      if (!found) continue;
      writeContact(db, { ...found.contact, businessId }, found.locationId, clock);
      written += 1;
    }
  });
  return written;
}
