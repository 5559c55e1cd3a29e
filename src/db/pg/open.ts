// Opening the PostgreSQL mirror: a pool on the configured schema, migrated to this code's
// schema version. Failures to reach or use the database become DatabaseOpenError (exit 2 in the
// CLI) naming the URL with its password masked, the problem and the fix.
import type pg from 'pg';
import { maskDatabaseUrl } from '../../config/database.ts';
import { DatabaseOpenError } from '../open.ts';
import { openPostgresPool, type PostgresTarget } from './connect.ts';
import { migratePostgres } from './migrate.ts';

export interface PostgresMirror {
  readonly pool: pg.Pool;
  /** The schema the tables are in (the configured one, else the URL's current schema). */
  readonly schema: string;
  /** The number of migrations applied. */
  readonly schemaVersion: number;
  close(): Promise<void>;
}

export interface OpenPostgresOptions {
  /** Connections the pool may open (default pg's 10). */
  maxConnections?: number;
  /** An idle pooled connection failed (the server restarted, say); without a listener pg would crash the process. */
  onIdleError?: (err: Error) => void;
}

/** PostgreSQL's and the network's refusals, in words that name the fix. */
function openProblem(shown: string, err: unknown): DatabaseOpenError | undefined {
  const code = (err as { code?: string }).code ?? '';
  const problem = (what: string, fix: string) => new DatabaseOpenError(shown, what, fix, { cause: err });
  const fixUrl = 'fix GHL_ETL_DB (or "db" in the config file)';
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return problem(`cannot be reached (${code})`, `start the server or ${fixUrl}: host and port`);
  }
  if (code === '28P01' || code === '28000') return problem(`refused the login (${(err as Error).message})`, `${fixUrl}: user and password`);
  if (code === '3D000') return problem('does not exist', `create it (CREATE DATABASE) or ${fixUrl}`);
  if (code === '42501') {
    return problem(`refused a change to the schema (${(err as Error).message})`,
      'let the role create tables in its schema, or set "dbSchema" to one it owns (README "Using PostgreSQL")');
  }
  return undefined;
}

/** Connects to the PostgreSQL mirror `target` names and migrates it (see migrate.ts). */
export async function openPostgres(target: PostgresTarget, opts: OpenPostgresOptions = {}): Promise<PostgresMirror> {
  const pool = openPostgresPool(target, opts.maxConnections !== undefined ? { max: opts.maxConnections } : {});
  pool.on('error', (err) => opts.onIdleError?.(err));
  try {
    const { schema, schemaVersion } = await migratePostgres(pool, target.schema !== undefined ? { schema: target.schema } : {});
    return { pool, schema, schemaVersion, close: () => pool.end() };
  } catch (err) {
    await pool.end().catch(() => {});
    throw openProblem(maskDatabaseUrl(target.url), err) ?? err;
  }
}
