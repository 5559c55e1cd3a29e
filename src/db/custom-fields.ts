// `custom_fields`: the location's custom field definitions; `contacts_wide` follows them.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { columnsOf, insertSql, upsertSuffix, valuesOf } from './columns.ts';
import type { Db } from './open.ts';
import type { CustomFieldRow } from './rows.ts';
import { customFields } from './schema.ts';
import { atomically, prepared } from './statements.ts';
import { rebuildContactsWideView } from './views.ts';

const COLUMNS = columnsOf(customFields);
const UPSERT = insertSql(customFields, COLUMNS, upsertSuffix(['id'], COLUMNS));

/**
 * Replaces the location's custom field definitions with `defs` (those missing are soft-deleted,
 * reappearing ones revived). Returns whether the set of live definitions (id, name, key, type)
 * changed; when it did, `contacts_wide` has already been rebuilt.
 */
export function upsertCustomFieldDefinitions(
  db: Db, locationId: string, defs: CustomFieldRow[], runId: number | null, clock: Clock = systemClock,
): boolean {
  const signature = (): string =>
    JSON.stringify(prepared(
      db,
      `SELECT id, name, field_key, data_type FROM custom_fields WHERE location_id = ? AND deleted_at IS NULL ORDER BY id`,
    ).all(locationId));
  return atomically(db, () => {
    const before = signature();
    const now = isoNow(clock);
    const upsert = prepared(db, UPSERT);
    for (const d of defs) upsert.run(valuesOf({ ...d, locationId, syncedAt: now, runId, deletedAt: null }, COLUMNS));
    prepared(
      db,
      `UPDATE custom_fields SET deleted_at = ?
       WHERE location_id = ? AND deleted_at IS NULL AND id NOT IN (SELECT value FROM json_each(?))`,
    ).run(now, locationId, JSON.stringify(defs.map((d) => d.id)));
    const changed = signature() !== before;
    if (changed) rebuildContactsWideView(db);
    return changed;
  });
}
