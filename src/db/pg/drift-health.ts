// drift.ts and health.ts on PostgreSQL: the tolerated departures of HighLevel's answers counted
// in `answer_drift` (one multi-row upsert), and what `GET /healthz` asks the database.
import type pg from 'pg';
import { isoNow, systemClock, type Clock } from '../clock.ts';
import type { DriftSeen } from '../drift.ts';
import type { WriteLockProbe } from '../health.ts';

/** recordDrift of drift.ts: adds what one answer showed to the counts. */
export async function recordDriftPg(q: pg.Pool | pg.ClientBase, locationId: string, seen: DriftSeen[], clock: Clock = systemClock): Promise<void> {
  if (seen.length === 0) return;
  // One row per key: the same key twice in one statement would make ON CONFLICT touch a row twice.
  const merged = new Map<string, DriftSeen>();
  for (const s of seen) {
    const key = JSON.stringify([s.operation, s.field, s.problem]);
    const known = merged.get(key);
    merged.set(key, known ? { ...known, count: known.count + s.count } : { ...s });
  }
  const rows = [...merged.values()];
  await q.query(
    `INSERT INTO answer_drift (location_id, operation, field, problem, count, first_seen, last_seen)
     SELECT $1, o, f, p, c, $6, $6 FROM unnest($2::text[], $3::text[], $4::text[], $5::int[]) AS x(o, f, p, c)
     ON CONFLICT (location_id, operation, field, problem)
     DO UPDATE SET count = answer_drift.count + excluded.count, last_seen = excluded.last_seen`,
    [locationId, rows.map((r) => r.operation), rows.map((r) => r.field), rows.map((r) => r.problem), rows.map((r) => r.count), isoNow(clock)],
  );
}

/**
 * probeWriteLock of health.ts: PostgreSQL has no database-wide write lock to be busy, so the
 * question is whether a write could start now: 'ok' when the server answers and takes writes;
 * throws when it cannot be reached or is read-only (a standby, default_transaction_read_only).
 */
export async function probeWriteLockPg(q: pg.Pool | pg.ClientBase): Promise<WriteLockProbe> {
  const { rows } = await q.query<{ readonly: string; recovery: boolean }>(
    `SELECT current_setting('transaction_read_only') AS readonly, pg_is_in_recovery() AS recovery`,
  );
  if (rows[0]!.readonly === 'on' || rows[0]!.recovery) throw new Error('the PostgreSQL database is read-only (a standby, or default_transaction_read_only is on)');
  return 'ok';
}
