// The database handle the rest of the code holds (`Db`), and the raw connection behind it, which
// only src/db reaches (`sqliteOf`, `ormOf`; tests may too): every statement lives in src/db
// behind named functions, so a second engine implements those functions, not SQLite's API.
// Apart from open.ts so the statement helpers and views can name them without importing the
// file that opens (and migrates) the database.
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './schema.ts';

export type Sqlite = Database.Database;
export type Orm = BetterSQLite3Database<typeof schema>;

export interface Db {
  /** The file opened (as given). */
  readonly path: string;
  readonly readonly: boolean;
  /**
   * Runs `fn` in one transaction (synchronous, like better-sqlite3). The writers join an open
   * transaction instead of nesting a savepoint (`atomically` in statements.ts), so a caller
   * groups a page and its checkpoint at no extra cost.
   */
  transaction<T>(fn: () => T): T;
  /**
   * Runs `fn` in one transaction that holds the database's write lock from its start (SQLite:
   * BEGIN IMMEDIATE), for a read-compare-write that two processes may run at once: the second
   * waits and then reads what the first wrote.
   */
  writeTransaction<T>(fn: () => T): T;
  /** The schema version (number of migrations applied). */
  readonly schemaVersion: number;
  close(): void;
}

/** The handle as open.ts makes it: the raw connection and drizzle over it ride along, untyped for the rest. */
export interface SqliteDb extends Db {
  readonly sqlite: Sqlite;
  /** Drizzle over the same connection, typed by `schema.ts`. */
  readonly orm: Orm;
}

/** The raw connection behind `db` (src/db only). */
export function sqliteOf(db: Db): Sqlite {
  return (db as SqliteDb).sqlite;
}

/** Drizzle over the connection behind `db` (src/db only). */
export function ormOf(db: Db): Orm {
  return (db as SqliteDb).orm;
}
