// Prepared statements, compiled once per open database instead of on every call: the sync calls
// the same few statements once per page, and preparing a 26-column upsert each time is work
// SQLite would otherwise repeat for nothing. Keyed by the Db object, so a closed and garbage
// Db takes its statements with it.
import type Database from 'better-sqlite3';
import type { Db } from './open.ts';

type Statement = Database.Statement;

const cache = new WeakMap<Db, Map<string, Statement>>();

/** `db.sqlite.prepare(sql)`, compiled on first use and reused for later calls with the same text. */
export function prepared(db: Db, sql: string): Statement {
  let statements = cache.get(db);
  if (!statements) {
    statements = new Map();
    cache.set(db, statements);
  }
  let statement = statements.get(sql);
  if (!statement) {
    statement = db.sqlite.prepare(sql);
    statements.set(sql, statement);
  }
  return statement;
}
