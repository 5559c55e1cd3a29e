// contacts_wide: one row per live contact, typed columns + tags + one column per custom field.
// Its columns follow the custom field definitions, so it is regenerated from them (after
// definitions change, and after migrations) instead of living in a static migration.
import { columnsOf } from './columns.ts';
import { sqliteOf, type Db, type Sqlite } from './connection.ts';
import { contacts } from './schema.ts';
import { prepared } from './statements.ts';

/** The contacts columns contacts_wide shows (all but raw and the sync's bookkeeping), in table order. */
const CONTACT_COLUMNS = columnsOf(contacts, ['raw', 'runId', 'deletedAt', 'childrenSyncedAt', 'childrenDateUpdated']).names;

/** The typed columns of contacts_wide, in order (custom field columns follow `tags`). */
export const CONTACTS_WIDE_BASE_COLUMNS: readonly string[] = [
  ...CONTACT_COLUMNS.flatMap((c) => (c === 'assigned_to' ? [c, 'assigned_to_name'] : [c])),
  'tags',
];

/** A live definition as the planner needs it. */
export interface FieldDefinition {
  id: string;
  name: string;
  fieldKey: string | null;
  /** HighLevel's dataType (NUMERICAL, MONETORY, DATE, TEXT, ...); decides the column's type. */
  dataType?: string | null;
}

/** How a custom column's values read in the view. */
export type WideColumnKind = 'number' | 'date' | 'text';

/** One custom column: its name, the field ids (one per location) that feed it, and its type. */
export interface WideColumn {
  column: string;
  fieldIds: string[];
  kind: WideColumnKind;
}

/** HighLevel spells the monetary type MONETORY. */
const NUMERIC_TYPES = new Set(['NUMERICAL', 'MONETORY', 'MONETARY']);

function kindOf(dataType: string | null | undefined): WideColumnKind {
  if (dataType && NUMERIC_TYPES.has(dataType)) return 'number';
  return dataType === 'DATE' ? 'date' : 'text';
}

/**
 * Names the custom columns. Definitions sharing name and key (the same field copied into several
 * locations) share one column. A name used by two different keys, or by a typed column, gets its
 * key appended: "Budget (contact.budget)". Names compare case-insensitively, as SQLite's do.
 */
// A column name is SQL text: a NUL would end the statement (SQLite reads SQL as a C string) and
// other control characters make names nobody can type. Runs of them become one space.
// eslint-disable-next-line no-control-regex
const CONTROL_RUNS = /[\u0000-\u001f\u007f-\u009f]+/g;
const plainName = (name: string) => name.replace(CONTROL_RUNS, ' ').replace(/\s+/g, ' ').trim();

export function planContactsWideColumns(defs: FieldDefinition[]): WideColumn[] {
  const groups = new Map<string, { name: string; key: string | null; fieldIds: string[]; kinds: Set<WideColumnKind> }>();
  for (const d of [...defs].sort((a, b) => a.id.localeCompare(b.id))) {
    const name = plainName(d.name) || plainName(d.id) || 'field';
    const groupKey = `${name.toLowerCase()}\u0000${d.fieldKey ?? `id:${d.id}`}`;
    const group = groups.get(groupKey) ?? { name, key: d.fieldKey, fieldIds: [], kinds: new Set<WideColumnKind>() };
    group.fieldIds.push(d.id);
    group.kinds.add(kindOf(d.dataType));
    groups.set(groupKey, group);
  }
  const ordered = [...groups.values()].sort(
    (a, b) => a.name.localeCompare(b.name) || (a.key ?? '').localeCompare(b.key ?? ''),
  );
  const nameUses = new Map<string, number>();
  for (const g of ordered) nameUses.set(g.name.toLowerCase(), (nameUses.get(g.name.toLowerCase()) ?? 0) + 1);
  const taken = new Set<string>(CONTACTS_WIDE_BASE_COLUMNS);
  const columns: WideColumn[] = [];
  for (const g of ordered) {
    const lower = g.name.toLowerCase();
    const collides = (nameUses.get(lower) ?? 0) > 1 || taken.has(lower);
    const qualifier = plainName(g.key ?? g.fieldIds[0]!);
    let column = collides ? `${g.name} (${qualifier})` : g.name;
    // Last resort (same name and key differing only in case, say): number it.
    for (let n = 2; taken.has(column.toLowerCase()); n++) column = `${g.name} (${qualifier}) ${n}`;
    taken.add(column.toLowerCase());
    // A column fed by fields of different types (the same name and key in several locations) stays text.
    const kind: WideColumnKind = g.kinds.size === 1 ? [...g.kinds][0]! : 'text';
    columns.push({ column, fieldIds: g.fieldIds, kind });
  }
  return columns;
}

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function quoteText(value: string): string {
  // A NUL cannot sit in SQL text: such a value is written as the hex of its UTF-8 bytes.
  if (value.includes('\u0000')) return `CAST(X'${Buffer.from(value, 'utf8').toString('hex')}' AS TEXT)`;
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * How a stored value (text, see contact_custom_fields.value_type) reads in each kind of column.
 * Numbers get a numeric type so max() and ORDER BY compare numbers, not text; text that is not a
 * number reads NULL rather than 0. Dates read as ISO text: a number is epoch milliseconds.
 */
const VALUE_AS: Record<WideColumnKind, string> = {
  number:
    `CASE WHEN v.value_type = 'number' OR (v.value_type = 'string' AND trim(v.value) <> '' ` +
    `AND trim(v.value) NOT GLOB '*[^0-9.eE+-]*') THEN CAST(trim(v.value) AS NUMERIC) END`,
  date:
    `CASE WHEN v.value_type = 'number' THEN strftime('%Y-%m-%dT%H:%M:%fZ', CAST(v.value AS REAL) / 1000, 'unixepoch') ` +
    `ELSE v.value END`,
  text:
    `CASE WHEN v.value_type = 'list' THEN (SELECT group_concat(j.value, ' | ') FROM json_each(v.value) j) ELSE v.value END`,
};

/** What differs between the engines in contacts_wide: how a stored value reads, and the tags cell. */
export interface WideViewDialect {
  valueAs: Record<WideColumnKind, string>;
  /** The `tags` column expression, `AS tags` included. */
  tags: string;
}

/** The CREATE VIEW statement for the given columns in a dialect (pure; both engines build it here). */
export function wideViewSql(columns: WideColumn[], dialect: WideViewDialect): string {
  const base = CONTACTS_WIDE_BASE_COLUMNS.filter((c) => c !== 'tags').map((c) =>
    c === 'assigned_to_name'
      ? `  (SELECT u.name FROM users u WHERE u.location_id = c.location_id AND u.id = c.assigned_to) AS assigned_to_name`
      : `  c.${c}`);
  const custom = columns.map(({ column, fieldIds, kind }) => {
    const ids = fieldIds.map(quoteText).join(', ');
    return (
      `  (SELECT ${dialect.valueAs[kind]} ` +
      `FROM contact_custom_fields v WHERE v.contact_id = c.id AND v.field_id IN (${ids}) LIMIT 1) AS ${quoteIdent(column)}`
    );
  });
  return [
    'CREATE VIEW contacts_wide AS SELECT',
    [...base, dialect.tags, ...custom].join(',\n'),
    'FROM contacts c WHERE c.deleted_at IS NULL',
  ].join('\n');
}

const SQLITE_WIDE: WideViewDialect = {
  valueAs: VALUE_AS,
  // Lists are stored as JSON array text; in the view they read like a CSV cell: "a | b".
  // Sorted in a subquery: group_concat(... ORDER BY ...) needs SQLite 3.44, and analysts open
  // this file with older shells (Debian 12 ships 3.40), which then refuse the whole schema.
  tags: `  (SELECT group_concat(tag, ' | ') FROM (SELECT t.tag FROM contact_tags t WHERE t.contact_id = c.id ORDER BY t.tag)) AS tags`,
};

/** SQLite's CREATE VIEW statement for the given columns (pure, for tests and `catalog`). */
export function contactsWideViewSql(columns: WideColumn[]): string {
  return wideViewSql(columns, SQLITE_WIDE);
}

/** contacts_wide's custom columns as the live definitions plan them (the view is rebuilt from the same plan). */
export function contactsWideCustomColumns(db: Sqlite | Db): WideColumn[] {
  const sqlite = 'prepare' in db ? db : sqliteOf(db);
  const defs = prepared(sqlite, `SELECT id, name, field_key AS fieldKey, data_type AS dataType FROM custom_fields WHERE deleted_at IS NULL`)
    .all() as FieldDefinition[];
  return planContactsWideColumns(defs);
}

/** Drops and recreates contacts_wide from the live custom field definitions. */
export function rebuildContactsWideView(db: Sqlite | Db): WideColumn[] {
  const sqlite = 'prepare' in db ? db : sqliteOf(db);
  const columns = contactsWideCustomColumns(sqlite);
  const rebuild = sqlite.transaction(() => {
    sqlite.exec('DROP VIEW IF EXISTS contacts_wide');
    sqlite.exec(contactsWideViewSql(columns));
  });
  rebuild();
  return columns;
}

/**
 * Rebuilds notes_fts and tasks_fts from their tables. Needed only after a VACUUM, which may
 * renumber the rowids the full-text indexes point at (notes and tasks have text primary keys).
 */
export function rebuildFullTextIndexes(db: Sqlite | Db): void {
  const sqlite = 'prepare' in db ? db : sqliteOf(db);
  sqlite.transaction(() => {
    sqlite.exec(`INSERT INTO notes_fts(notes_fts) VALUES ('rebuild')`);
    sqlite.exec(`INSERT INTO tasks_fts(tasks_fts) VALUES ('rebuild')`);
  })();
}
