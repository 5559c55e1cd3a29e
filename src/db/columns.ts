// Column lists derived from the Drizzle tables (schema.ts), so no statement spells a table's
// columns out again: a column added to the schema reaches every INSERT and SELECT built here.
import { getTableColumns, getTableName, type Table } from 'drizzle-orm';

type Key<T extends Table> = keyof T['$inferSelect'] & string;

export interface ColumnList<K extends string> {
  /** The camelCase keys of the row objects, in table order. */
  keys: K[];
  /** The matching snake_case column names. */
  names: string[];
}

/** The table's columns minus `omit`, in table order. */
export function columnsOf<T extends Table, O extends Key<T> = never>(table: T, omit: readonly O[] = []): ColumnList<Exclude<Key<T>, O>> {
  const entries = Object.entries(getTableColumns(table)).filter(([key]) => !(omit as readonly string[]).includes(key));
  return { keys: entries.map(([key]) => key as Exclude<Key<T>, O>), names: entries.map(([, column]) => column.name) };
}

/** The SQL column name of one key. */
export function columnName<T extends Table>(table: T, key: Key<T>): string {
  return (getTableColumns(table) as Record<string, { name: string }>)[key]!.name;
}

/** `INSERT INTO t (a, b, ...) VALUES (?, ?, ...)` for positional binding in `columns` order. */
export function insertSql(table: Table, columns: ColumnList<string>, suffix = ''): string {
  return `INSERT INTO ${getTableName(table)} (${columns.names.join(', ')}) VALUES (${columns.names.map(() => '?').join(', ')})${suffix ? ` ${suffix}` : ''}`;
}

/** `ON CONFLICT (...) DO UPDATE SET` every listed column but the conflict target to the new value. */
export function upsertSuffix(conflict: string[], columns: ColumnList<string>, extra: string[] = []): string {
  const sets = columns.names.filter((n) => !conflict.includes(n)).map((n) => `${n} = excluded.${n}`);
  return `ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${[...sets, ...extra].join(', ')}`;
}

/** `a AS "aKey", b AS "bKey"`: a select list that returns row objects keyed like the schema. */
export function selectList(columns: ColumnList<string>, alias = ''): string {
  const prefix = alias ? `${alias}.` : '';
  return columns.names.map((n, i) => `${prefix}${n} AS "${columns.keys[i]}"`).join(', ');
}

/** The row's values in `columns` order (undefined as NULL), for positional binding. */
export function valuesOf<K extends string>(row: { [P in K]?: unknown }, columns: ColumnList<K>): unknown[] {
  return columns.keys.map((k) => row[k] ?? null);
}

/**
 * `valuesOf({ ...row, ...over }, columns)` without building the merged object: the row's values
 * in `columns` order, a key of `over` taking its value from there. The sync's hot path (a value
 * array per contact, task and note) spreads nothing.
 */
export function valuesWith<K extends string>(row: { [P in K]?: unknown }, columns: ColumnList<K>, over: { [P in K]?: unknown }, extra = 0): unknown[] {
  const keys = columns.keys;
  const out = new Array<unknown>(keys.length + extra);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    out[i] = (k in over ? over[k] : row[k]) ?? null;
  }
  return out;
}
