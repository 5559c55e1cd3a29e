// Opening the mirror the `db` setting names: a SQLite file (open.ts) or a PostgreSQL URL
// (pg/open.ts), behind the one Mirror interface (mirror.ts).
import { databaseTarget, maskDatabaseUrl } from '../config/database.ts';
import type { Mirror } from './mirror.ts';
import { openDatabase } from './open.ts';
import { postgresMirror } from './pg/mirror.ts';
import { openPostgres } from './pg/open.ts';
import { sqliteMirror } from './sqlite-mirror.ts';

export interface OpenMirrorOptions {
  /** SQLite: open read-only, never creating or migrating (PostgreSQL is migrated either way). */
  readonly?: boolean;
  /** PostgreSQL: the schema the tables live in (config `dbSchema`). */
  schema?: string | undefined;
  /** An idle pooled PostgreSQL connection failed. */
  onIdleError?: (err: Error) => void;
  /** PostgreSQL: connections the pool may open (default pg's 10). */
  maxConnections?: number;
}

export async function openMirror(db: string, opts: OpenMirrorOptions = {}): Promise<Mirror> {
  const target = databaseTarget(db);
  if (target.engine === 'sqlite') return sqliteMirror(openDatabase(target.path, { readonly: opts.readonly ?? false }));
  const opened = await openPostgres(
    { url: target.url, ...(opts.schema !== undefined ? { schema: opts.schema } : {}) },
    { ...(opts.onIdleError ? { onIdleError: opts.onIdleError } : {}), ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}) },
  );
  return postgresMirror(opened, maskDatabaseUrl(target.url));
}
