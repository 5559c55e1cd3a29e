// The one way the db layer talks SQL: statements prepared once per connection and reused, and
// writes grouped into the caller's transaction instead of nesting savepoints inside it.
//
// Why: the sync calls the same few statements once per page or per contact; preparing a
// 26-column upsert each time is work SQLite would otherwise repeat for nothing. And a
// `db.transaction` opened inside another one becomes a SAVEPOINT, which cost a third of the
// ingest time when each page and each contact's children opened one.
import type Database from 'better-sqlite3';
import { sqliteOf, type Db, type Sqlite } from './connection.ts';

type Statement = Database.Statement;

// Keyed by the connection, so a closed and garbage-collected one takes its statements with it.
const cache = new WeakMap<Sqlite, Map<string, Statement>>();

function connectionOf(db: Db | Sqlite): Sqlite {
  return 'prepare' in db ? db : sqliteOf(db);
}

/** `prepare(sql)`, compiled on first use and reused for later calls with the same text. */
export function prepared(db: Db | Sqlite, sql: string): Statement {
  const sqlite = connectionOf(db);
  let statements = cache.get(sqlite);
  if (!statements) {
    statements = new Map();
    cache.set(sqlite, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = sqlite.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}

/**
 * Runs `fn` atomically: inside the caller's transaction when one is open (no savepoint), else in
 * its own. Writers use this so a page is all-or-nothing whether or not the caller groups it.
 */
export function atomically<T>(db: Db | Sqlite, fn: () => T): T {
  const sqlite = connectionOf(db);
  if (sqlite.inTransaction) return fn();
  // IMMEDIATE, as Db.transaction: wait for the write lock at BEGIN rather than fail on upgrade.
  return sqlite.readonly ? sqlite.transaction(fn)() : sqlite.transaction(fn).immediate();
}
