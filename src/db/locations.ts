// `locations`: one row per mirrored sub-account, filled in from GET /locations/{id} when the
// sync could read it (name, timezone, the answer as `raw`), bare when only configured.
import { isoNow, systemClock, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export interface LocationInput {
  id: string;
  name?: string | null;
  companyId?: string | null;
  timezone?: string | null;
  /** The location JSON as received; defaults to `{"id": ...}` when only configured. */
  raw?: string;
}

/** Known fields overwrite, unknown (null/absent) ones keep what the row had. */
export function upsertLocation(db: Db, location: LocationInput, runId: number | null = null, clock: Clock = systemClock): void {
  prepared(
    db,
    `INSERT INTO locations (id, name, company_id, timezone, raw, synced_at, run_id)
     VALUES (@id, @name, @companyId, @timezone, @raw, @syncedAt, @runId)
     ON CONFLICT (id) DO UPDATE SET
       name = coalesce(excluded.name, locations.name),
       company_id = coalesce(excluded.company_id, locations.company_id),
       timezone = coalesce(excluded.timezone, locations.timezone),
       raw = CASE WHEN @hasRaw THEN excluded.raw ELSE locations.raw END,
       synced_at = excluded.synced_at,
       run_id = coalesce(excluded.run_id, locations.run_id)`,
  ).run({
    id: location.id,
    name: location.name ?? null,
    companyId: location.companyId ?? null,
    timezone: location.timezone ?? null,
    raw: location.raw ?? JSON.stringify({ id: location.id }),
    hasRaw: location.raw === undefined ? 0 : 1,
    syncedAt: isoNow(clock),
    runId,
  });
}

/**
 * Records a location first met through its rows (contacts.location_id is a foreign key);
 * `upsertLocation` fills it in later.
 */
export function ensureLocation(db: Db, locationId: string, clock: Clock = systemClock): void {
  prepared(db, `INSERT OR IGNORE INTO locations (id, raw, synced_at) VALUES (?, json_object('id', ?), ?)`)
    .run(locationId, locationId, isoNow(clock));
}

export function locationName(db: Db, locationId: string): string | undefined {
  const row = prepared(db, `SELECT name FROM locations WHERE id = ?`).get(locationId) as { name: string | null } | undefined;
  return row?.name ?? undefined;
}
