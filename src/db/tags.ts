// Tags as people type them: `FINANCIACIÓN` finds `financiación`. SQLite's NOCASE folds ASCII
// letters only, so a tag with other letters is compared through fold_tag(), a function every
// connection registers (openDatabase).
import type { Db, Sqlite } from './connection.ts';
import { prepared } from './statements.ts';

/** The SQL function that folds a tag for comparison. */
export const FOLD_TAG_SQL = 'fold_tag';

/** A tag folded for comparison: Unicode lower case, composed accents (NFC). */
export function foldTag(tag: string): string {
  return tag.normalize('NFC').toLowerCase();
}

/** Registers fold_tag() on a connection. */
export function registerTagFunctions(sqlite: Sqlite): void {
  sqlite.function(FOLD_TAG_SQL, { deterministic: true }, (value: unknown) => (typeof value === 'string' ? foldTag(value) : value));
}

/** Whether comparing `tags` needs fold_tag(): ASCII tags compare as fast under NOCASE, with the same result. */
export function needsUnicodeFold(tags: readonly string[]): boolean {
  // eslint-disable-next-line no-control-regex
  return tags.some((t) => /[^\u0000-\u007f]/.test(t));
}

/** The tags of `tags` that no contact of the mirror (live or not) carries, in any case. */
export function tagsNotInMirror(db: Db, tags: readonly string[]): string[] {
  // Tags typed as stored are found through the tag index; only the others need a folding scan.
  const exact = new Set((prepared(db, `SELECT DISTINCT tag FROM contact_tags WHERE tag IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify([...new Set(tags)])) as Array<{ tag: string }>).map((r) => r.tag));
  const rest = [...new Set(tags)].filter((t) => !exact.has(t));
  if (rest.length === 0) return [];
  const known = new Set((prepared(db, `SELECT DISTINCT ${FOLD_TAG_SQL}(tag) AS tag FROM contact_tags WHERE ${FOLD_TAG_SQL}(tag) IN (SELECT value FROM json_each(?))`)
    .all(JSON.stringify(rest.map(foldTag))) as Array<{ tag: string }>).map((r) => r.tag));
  return rest.filter((t) => !known.has(foldTag(t)));
}

/** Whether the mirror has this location (synced, or configured and written to). */
export function locationInMirror(db: Db, locationId: string): boolean {
  return prepared(db, `SELECT 1 FROM locations WHERE id = ? UNION ALL SELECT 1 FROM contacts WHERE location_id = ? LIMIT 1`).get(locationId, locationId) !== undefined;
}
