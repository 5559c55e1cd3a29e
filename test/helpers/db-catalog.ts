// The two engines' catalogs in one shape, so a test can say the PostgreSQL mirror has every
// table, column, view and index the SQLite one has (CONVENTIONS.md: the same names on both).
import type Database from 'better-sqlite3';
import type pg from 'pg';

/** 'fulltext': SQLite's FTS5 tables, PostgreSQL's *_fts views. */
export type RelationKind = 'table' | 'view' | 'fulltext';

export interface Relation {
  kind: RelationKind;
  /** Column names in the order the engine lists them. */
  columns: string[];
  /** Columns declared NOT NULL (tables only). */
  notNull: string[];
}

export interface Catalog {
  relations: Map<string, Relation>;
  /** Named indexes (not primary keys nor the engines' automatic ones), as "table.index". */
  indexes: Set<string>;
}

/** Bookkeeping that is not part of the mirror's schema. */
const MIGRATIONS_TABLE = '__drizzle_migrations';

export function sqliteCatalog(sqlite: Database.Database): Catalog {
  const objects = sqlite.prepare(
    `SELECT name, type, sql FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name <> ?`,
  ).all(MIGRATIONS_TABLE) as Array<{ name: string; type: string; sql: string }>;
  const virtual = new Set(objects.filter((o) => /^CREATE VIRTUAL TABLE/i.test(o.sql)).map((o) => o.name));
  // FTS5 keeps its index in shadow tables named <table>_data, _idx, _docsize, _config, _content.
  const shadow = (name: string) => [...virtual].some((v) => new RegExp(`^${v}_(data|idx|docsize|config|content)$`).test(name));
  const relations = new Map<string, Relation>();
  for (const o of objects) {
    if (shadow(o.name)) continue;
    const info = sqlite.prepare(`SELECT name, "notnull" AS "notNull" FROM pragma_table_info(?)`).all(o.name) as Array<{ name: string; notNull: number }>;
    const kind: RelationKind = virtual.has(o.name) ? 'fulltext' : o.type === 'view' ? 'view' : 'table';
    relations.set(o.name, {
      kind,
      columns: info.map((c) => c.name),
      notNull: kind === 'table' ? info.filter((c) => c.notNull).map((c) => c.name).sort() : [],
    });
  }
  const indexes = sqlite.prepare(`SELECT tbl_name AS tableName, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL`)
    .all() as Array<{ tableName: string; name: string }>;
  return { relations, indexes: new Set(indexes.map((i) => `${i.tableName}.${i.name}`)) };
}

export async function postgresCatalog(client: pg.ClientBase, schema: string): Promise<Catalog> {
  const objects = (await client.query<{ name: string; type: string }>(
    `SELECT table_name AS name, table_type AS type FROM information_schema.tables WHERE table_schema = $1 AND table_name <> $2`,
    [schema, MIGRATIONS_TABLE],
  )).rows;
  const columns = (await client.query<{ tableName: string; name: string; nullable: string }>(
    `SELECT table_name AS "tableName", column_name AS name, is_nullable AS nullable FROM information_schema.columns
     WHERE table_schema = $1 ORDER BY table_name, ordinal_position`,
    [schema],
  )).rows;
  const relations = new Map<string, Relation>();
  for (const o of objects) {
    const kind: RelationKind = o.type === 'BASE TABLE' ? 'table' : o.name.endsWith('_fts') ? 'fulltext' : 'view';
    const own = columns.filter((c) => c.tableName === o.name);
    relations.set(o.name, {
      kind,
      columns: own.map((c) => c.name),
      notNull: kind === 'table' ? own.filter((c) => c.nullable === 'NO').map((c) => c.name).sort() : [],
    });
  }
  const indexes = (await client.query<{ tableName: string; name: string }>(
    // Primary keys aside: SQLite's are automatic indexes, not named ones.
    `SELECT t.relname AS "tableName", i.relname AS name FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
     JOIN pg_class t ON t.oid = x.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
     WHERE n.nspname = $1 AND NOT x.indisprimary AND t.relname <> $2`,
    [schema, MIGRATIONS_TABLE],
  )).rows;
  return { relations, indexes: new Set(indexes.map((i) => `${i.tableName}.${i.name}`)) };
}
