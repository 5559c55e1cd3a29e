// The demo's mark: SQLite's header field `application_id` (free in ghl-etl's databases, whose
// `user_version` counts migrations) set on the databases `ghl-etl demo` creates, so that the
// demo replaces only its own databases and never a mirror, however alike their tables are.
import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Db } from './connection.ts';

/** "GHLD" in ASCII. */
const DEMO_APPLICATION_ID = 0x47484c44;

export function markDemoDatabase(db: Db): void {
  db.sqlite.pragma(`application_id = ${DEMO_APPLICATION_ID}`);
}

/** True when `path` is a SQLite file the demo created (it carries the demo's mark). */
export function isDemoDatabase(path: string): boolean {
  if (!statSync(path, { throwIfNoEntry: false })?.isFile()) return false;
  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(path, { readonly: true, fileMustExist: true });
    return sqlite.pragma('application_id', { simple: true }) === DEMO_APPLICATION_ID;
  } catch {
    return false; // not SQLite, or unreadable: not the demo's
  } finally {
    sqlite?.close();
  }
}
