// `users`: the location's users as last listed, so assigned_to ids read as names in
// contacts_wide and open_tasks. Users no longer listed are soft-deleted, not forgotten: old
// contacts and tasks may still point at them.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnsOf, insertSql, upsertSuffix, valuesOf } from './columns.ts';
import type { Db } from './open.ts';
import type { UserRow } from './rows.ts';
import { users } from './schema.ts';
import { atomically, prepared } from './statements.ts';

const COLUMNS = columnsOf(users);
const UPSERT = insertSql(users, COLUMNS, upsertSuffix(['location_id', 'id'], COLUMNS));

/** Makes the location's current users exactly `rows`. Returns how many were written. */
export function replaceUsers(db: Db, locationId: string, rows: UserRow[], runId: number | null, clock: Clock = systemClock): number {
  return atomically(db, () => {
    const now = isoNow(clock);
    const upsert = prepared(db, UPSERT);
    for (const u of rows) upsert.run(valuesOf({ ...u, locationId, syncedAt: now, runId, deletedAt: null }, COLUMNS));
    prepared(
      db,
      `UPDATE users SET deleted_at = ? WHERE location_id = ? AND deleted_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))`,
    ).run(now, locationId, JSON.stringify(rows.map((u) => u.id)));
    return rows.length;
  });
}

/** A user's name as last listed (deleted users too: old contacts still point at them), or undefined. */
export function userName(db: Db, locationId: string, userId: string): string | undefined {
  const row = prepared(db, `SELECT name FROM users WHERE location_id = ? AND id = ?`).get(locationId, userId) as { name: string | null } | undefined;
  return row?.name ?? undefined;
}
