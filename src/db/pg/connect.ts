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

const TIMESTAMPTZ_OID = 1184;
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') as (value: string) => Date;

/**
 * What the mirror's readers get back, as from SQLite: a `timestamptz` as ISO-8601 UTC text with
 * milliseconds (`2026-01-02T03:04:05.678Z`, what the columns hold on SQLite, so CSVs and --json
 * print the same), a bigint (count(*), sum()) as a number (our counts stay far below 2^53), and
 * a numeric as a number (contacts_wide's number columns, as SQLite's NUMERIC reads them).
 * Booleans stay booleans, jsonb parsed JSON: the readers map those where SQLite differs.
 */
export const MIRROR_TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ_OID) return (value: string) => parseTimestamptz(value).toISOString();
    if (oid === INT8_OID) return (value: string) => Number(value);
    // contacts_wide's number columns: as SQLite's NUMERIC reads them (12.50 is 12.5).
    if (oid === NUMERIC_OID) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** A pool whose connections use `target.schema` as search_path and read values as MIRROR_TYPES says. */
export function openPostgresPool(target: PostgresTarget, config: Omit<pg.PoolConfig, 'connectionString' | 'options'> = {}): pg.Pool {
  return new pg.Pool({
    connectionString: target.url,
    ...(target.schema !== undefined ? { options: `-c search_path=${quoteIdent(target.schema)}` } : {}),
    application_name: 'ghl-etl',
    types: MIRROR_TYPES,
    ...config,
  });
}

/**
 * Runs `fn` in a transaction on a connection of its own: committed when it returns, rolled back
 * when it throws. A connection whose ROLLBACK failed is closed rather than handed to the next caller.
 */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch((rollbackErr: unknown) => {
      broken = rollbackErr as Error;
    });
    throw err;
  } finally {
    client.release(broken);
  }
}
