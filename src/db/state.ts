// `sync_state`: the per-location checkpoint, small key/value pairs the sync job names.
import { isoNow, systemClock, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

/** The checkpoint value for (location, key), or undefined. Structured values are JSON text. */
export function getSyncState(db: Db, locationId: string, key: string): string | undefined {
  const row = prepared(db, `SELECT value FROM sync_state WHERE location_id = ? AND key = ?`)
    .get(locationId, key) as { value: string | null } | undefined;
  return row?.value ?? undefined;
}

/** Writes (or, with `null`, clears) a checkpoint value. */
export function setSyncState(db: Db, locationId: string, key: string, value: string | null, clock: Clock = systemClock): void {
  if (value === null) {
    prepared(db, `DELETE FROM sync_state WHERE location_id = ? AND key = ?`).run(locationId, key);
    return;
  }
  prepared(
    db,
    `INSERT INTO sync_state (location_id, key, value, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (location_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
  ).run(locationId, key, value, isoNow(clock));
}
