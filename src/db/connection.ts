// The connection's types, apart from open.ts so the statement helpers and views can name them
// without importing the file that opens (and migrates) the database.
import type Database from 'better-sqlite3';
import type { BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import type * as schema from './schema.ts';

export type Sqlite = Database.Database;
export type Orm = BetterSQLite3Database<typeof schema>;

export interface Db {
  /** The file opened (as given). */
  readonly path: string;
  readonly readonly: boolean;
  /** The raw connection, for prepared statements. */
  readonly sqlite: Sqlite;
  /** Drizzle over the same connection, typed by `schema.ts`. */
  readonly orm: Orm;
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
