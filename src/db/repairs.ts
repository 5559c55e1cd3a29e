// Contacts a write left out of the mirror after HighLevel accepted it (`mirror_repairs`): the
// contact could not be read, or the mirror refused the row. The next sync of the location reads
// each one again, with its tasks and notes, and clears it. When the mirror itself cannot be
// written (busy past its timeout), the request waits in a file beside it (`<db>.repairs`, one
// JSON line each) until the next sync moves it into the table.
import { appendFileSync, readFileSync, renameSync, rmSync } from 'node:fs';
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

function sidecarOf(db: Db): string | undefined {
  return db.path === ':memory:' || db.path === '' ? undefined : `${db.path}.repairs`;
}

/** For when the mirror cannot be written at all: appended beside it, taken in by the next sync. */
export function markForRepairBeside(db: Db, repair: MirrorRepair, clock: Clock = systemClock): boolean {
  const file = sidecarOf(db);
  if (!file) return false;
  appendFileSync(file, JSON.stringify({ ...repair, createdAt: isoNow(clock) }) + '\n', { mode: 0o600 });
  return true;
}

/** Moves the requests waiting beside the mirror into the table (renamed first: writers may append meanwhile). */
function takeSidecar(db: Db, clock: Clock): void {
  const file = sidecarOf(db);
  if (!file) return;
  const taken = `${file}.${process.pid}`;
  try {
    renameSync(file, taken);
  } catch {
    return; // none waiting
  }
  const lines = readFileSync(taken, 'utf8').split('\n').filter((l) => l.trim() !== '');
  db.transaction(() => {
    for (const line of lines) {
      try {
        const r = JSON.parse(line) as Partial<MirrorRepair>;
        if (typeof r.locationId === 'string' && typeof r.contactId === 'string') {
          markForRepair(db, { locationId: r.locationId, contactId: r.contactId, reason: String(r.reason ?? '') }, clock);
        }
      } catch {
        // a line cut short by a crash: nothing to read
      }
    }
  });
  rmSync(taken, { force: true });
}

/** The location's contacts to read again (those waiting beside the mirror taken in first). */
export function pendingRepairs(db: Db, locationId: string, clock: Clock = systemClock): MirrorRepair[] {
  takeSidecar(db, clock);
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
