// A real PostgreSQL for the test files: the cluster helpers (postgres-cluster.ts) and one
// cluster per test file (usePostgres).
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { dropTestDatabases, startTestPostgres, type TestPostgres } from './postgres-cluster.ts';

export * from './postgres-cluster.ts';

/**
 * One PostgreSQL for a test file: started in beforeAll, its test databases dropped and the
 * cluster stopped in afterAll. Call the returned getter inside tests.
 */
export function usePostgres(): () => TestPostgres {
  let cluster: TestPostgres | undefined;
  beforeAll(async () => {
    cluster = await startTestPostgres();
  }, 120_000);
  afterAll(async () => {
    await dropTestDatabases();
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('usePostgres: the cluster starts in beforeAll; call the getter inside a test');
    return cluster;
  };
}

/** The rows of one statement on a fresh connection to `url` (to look into a test database). */
export async function pgRows<R>(url: string, text: string, values: unknown[] = []): Promise<R[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(text, values)).rows as R[];
  } finally {
    await client.end();
  }
}
