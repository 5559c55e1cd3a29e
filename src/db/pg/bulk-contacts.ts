// bulk-contacts.ts on PostgreSQL: the contacts a segment rule selects (the export's own
// selection, exportQueryPg), and a bulk change HighLevel accepted written through each
// contact's mirrored JSON with the change applied (writeContact, as the sync stores an answer).
import type pg from 'pg';
import { systemClock, type Clock } from '../clock.ts';
import type { TagChange } from '../bulk-contacts.ts';
import type { SegmentRule } from '../export-rows.ts';
import type { HighLevelContact } from '../rows.ts';
import { exportQueryPg } from './export-rows.ts';

type Queryable = pg.Pool | pg.ClientBase;

/** What the writes run on: a transaction's statements. */
export interface BulkTx {
  query<R>(text: string, values?: unknown[]): Promise<R[]>;
  writeContact(contact: HighLevelContact, locationId: string, clock?: Clock): Promise<void>;
}

/** The ids of the live mirrored contacts the (checked) rule selects, in id order (byte order, as SQLite). */
export async function segmentContactIdsPg(q: Queryable, rule: SegmentRule): Promise<string[]> {
  // The export's own query over contacts_wide (the live contacts), reading only the id.
  const query = exportQueryPg('contacts', [{ name: 'id', sql: 'w.id' }], rule);
  const { rows } = await q.query<{ id: string }>(query.sql, query.params);
  return rows.map((r) => r.id);
}

async function mirrored(q: Pick<BulkTx, 'query'>, contactId: string): Promise<{ contact: HighLevelContact; locationId: string } | undefined> {
  const [row] = await q.query<{ raw: HighLevelContact; locationId: string }>(
    `SELECT raw, location_id AS "locationId" FROM contacts WHERE id = $1 AND deleted_at IS NULL`, [contactId]);
  return row ? { contact: row.raw, locationId: row.locationId } : undefined;
}

export async function mirroredTagsPg(q: Pick<BulkTx, 'query'>, contactId: string): Promise<string[] | undefined> {
  const found = await mirrored(q, contactId);
  return found ? (found.contact.tags ?? []).filter((t): t is string => typeof t === 'string') : undefined;
}

/** Stores each contact's new tag list; contacts the mirror does not hold are skipped. Returns how many it wrote. */
export async function writeContactTagsPg(tx: BulkTx, changes: TagChange[], clock: Clock = systemClock): Promise<number> {
  let written = 0;
  for (const change of changes) {
    const found = await mirrored(tx, change.contactId);
    if (!found) continue;
    await tx.writeContact({ ...found.contact, tags: change.tags }, found.locationId, clock);
    written += 1;
  }
  return written;
}

/** Sets (or clears, null) the business of these contacts; returns how many it wrote. */
export async function writeContactsBusinessPg(tx: BulkTx, contactIds: string[], businessId: string | null, clock: Clock = systemClock): Promise<number> {
  let written = 0;
  for (const id of contactIds) {
    const found = await mirrored(tx, id);
    if (!found) continue;
    await tx.writeContact({ ...found.contact, businessId }, found.locationId, clock);
    written += 1;
  }
  return written;
}
