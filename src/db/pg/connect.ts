// Connecting to the PostgreSQL mirror: one pool per process, every connection with the
// configured schema as its search_path, so unqualified table names (ours and analysts') resolve
// there; without a schema, the URL's default search_path (`public`).
import pg from 'pg';

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export interface PostgresTarget {
  /** postgres:// or postgresql:// URL, password included. */
  url: string;
  /** The schema the tables live in (config `dbSchema`, a plain identifier); absent: the URL's default search_path. */
  schema?: string;
}

/** A pool whose connections use `target.schema` as search_path. */
export function openPostgresPool(target: PostgresTarget, config: Omit<pg.PoolConfig, 'connectionString' | 'options'> = {}): pg.Pool {
  return new pg.Pool({
    connectionString: target.url,
    ...(target.schema !== undefined ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
    application_name: 'ghl-etl',
    ...config,
  });
}
