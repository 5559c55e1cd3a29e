// Picking among the columns an export can write (their list and order: src/db/export-rows.ts).
import { availableColumns, type ExportColumn } from '../db/export-rows.ts';
import { ExportUsageError } from './errors.ts';

export { availableColumns, type ExportColumn };

/**
 * The requested columns in the requested order (names compare case-insensitively, as SQLite's
 * do); all of them when `requested` is empty or undefined.
 */
export function pickColumns(available: ExportColumn[], requested: string[] | undefined): ExportColumn[] {
  if (!requested || requested.length === 0) return available;
  const byName = new Map(available.map((c) => [c.name.toLowerCase(), c]));
  const picked: ExportColumn[] = [];
  const seen = new Set<string>();
  for (const raw of requested) {
    const key = raw.trim().toLowerCase();
    const column = byName.get(key);
    if (!column) {
      throw new ExportUsageError(
        `unknown column "${raw}"; valid columns: ${available.map((c) => c.name).join(', ')}`,
      );
    }
    if (seen.has(key)) throw new ExportUsageError(`column "${raw}" is listed twice: list each column once`);
    seen.add(key);
    picked.push(column);
  }
  return picked;
}
