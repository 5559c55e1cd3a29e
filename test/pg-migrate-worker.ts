// A separate ghl-etl process for test/pg-schema.test.ts: connects to the PostgreSQL database in
// argv (and schema, if given), says "ready", waits for a line on stdin, then migrates; so the
// test starts several migrations at the same moment. Prints the result as one JSON line.
import { openPostgresPool } from '../src/db/pg/connect.ts';
import { migratePostgres } from '../src/db/pg/migrate.ts';

const [url, schema] = process.argv.slice(2) as [string, string | undefined];
const target = { url, ...(schema ? { schema } : {}) };
const pool = openPostgresPool(target, { max: 2 });
(await pool.connect()).release();
process.stdout.write('ready\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
process.stdin.destroy();
try {
  const result = await migratePostgres(pool, schema ? { schema } : {});
  process.stdout.write(JSON.stringify(result) + '\n');
} finally {
  await pool.end();
}
