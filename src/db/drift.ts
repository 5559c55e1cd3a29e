// The tolerated departures of HighLevel's answers (`answer_drift`): counted per location,
// operation, field and problem. Only the JSON type seen is stored, never a value (values may be
// personal data).
import { isoNow, systemClock, type Clock } from './clock.ts';
import type { Db } from './connection.ts';
import { atomically, prepared } from './statements.ts';

export interface DriftSeen {
  operation: string;
  field: string;
  problem: string;
  count: number;
}

export interface DriftRow extends DriftSeen {
  locationId: string;
  firstSeen: string;
  lastSeen: string;
}

/** Adds what one answer showed to the counts. */
export function recordDrift(db: Db, locationId: string, seen: DriftSeen[], clock: Clock = systemClock): void {
  if (seen.length === 0) return;
  const now = isoNow(clock);
  const upsert = prepared(
    db,
    `INSERT INTO answer_drift (location_id, operation, field, problem, count, first_seen, last_seen)
     VALUES (@locationId, @operation, @field, @problem, @count, @now, @now)
     ON CONFLICT (location_id, operation, field, problem)
     DO UPDATE SET count = count + excluded.count, last_seen = excluded.last_seen`,
  );
  atomically(db, () => {
    for (const s of seen) upsert.run({ locationId, operation: s.operation, field: s.field, problem: s.problem, count: s.count, now });
  });
}

/** Every location's drift, most recent first within a location. */
export function driftByLocation(db: Db): Map<string, DriftRow[]> {
  const rows = prepared(
    db,
    `SELECT location_id AS locationId, operation, field, problem, count, first_seen AS firstSeen, last_seen AS lastSeen
     FROM answer_drift ORDER BY location_id, last_seen DESC, operation, field, problem`,
  ).all() as DriftRow[];
  const out = new Map<string, DriftRow[]>();
  for (const row of rows) out.set(row.locationId, [...(out.get(row.locationId) ?? []), row]);
  return out;
}

/** Webhook events received for locations outside `synced` (acknowledged, never applied), per location. */
export function foreignWebhookCounts(db: Db, synced: readonly string[]): Array<{ locationId: string; events: number }> {
  return prepared(
    db,
    `SELECT coalesce(location_id, '') AS locationId, count(*) AS events FROM webhook_events
     WHERE applied_at IS NULL AND (location_id IS NULL OR location_id NOT IN (SELECT value FROM json_each(?)))
     GROUP BY location_id ORDER BY location_id`,
  ).all(JSON.stringify(synced)) as Array<{ locationId: string; events: number }>;
}
