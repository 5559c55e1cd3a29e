// Bringing a PostgreSQL database to this code's schema: the migrations drizzle-kit generated
// into migrations/pg/ (drizzle.pg.config.ts), applied in one transaction, then contacts_wide
// rebuilt. Several processes may start at once on an empty database (workers on several
// machines): they queue on an advisory lock, and each finds what the first one applied.
// The bookkeeping table is drizzle's own (`__drizzle_migrations`: id, hash, created_at), kept in
// the mirror's schema, so drizzle-kit's tools read it as they would.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { DatabaseVersionError } from '../open.ts';
import { quoteIdent } from './connect.ts';
import { contactsWideBehind, rebuildContactsWideView } from './views.ts';

// Resolved from this file, not the cwd: the CLI may run from anywhere.
export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../migrations/pg', import.meta.url));
const MIGRATIONS_TABLE = '__drizzle_migrations';

export interface PgMigration {
  tag: string;
  /** The journal's `when`: drizzle applies every migration newer than the last one applied. */
  when: number;
  hash: string;
  statements: string[];
}

/** The migrations of migrations/pg, in journal order (drizzle's reading of the folder). */
export function readPgMigrations(folder = PG_MIGRATIONS_FOLDER): PgMigration[] {
  const journal = JSON.parse(readFileSync(`${folder}/meta/_journal.json`, 'utf8')) as { entries: Array<{ tag: string; when: number }> };
  return journal.entries.map(({ tag, when }) => {
    const text = readFileSync(`${folder}/${tag}.sql`, 'utf8');
    return {
      tag,
      when,
      hash: createHash('sha256').update(text).digest('hex'),
      // drizzle-kit writes foreign keys as REFERENCES "public"."t": the tables live in whatever
      // schema the connection's search_path names (the config's `dbSchema`), so the qualifier goes.
      statements: text.split('--> statement-breakpoint').map((s) => s.replaceAll('REFERENCES "public".', 'REFERENCES ')).filter((s) => s.trim() !== ''),
    };
  });
}

export interface PgMigrateResult {
  /** The schema the tables are in. */
  schema: string;
  /** Migrations applied now (0 when another process had applied them, or nothing was pending). */
  applied: number;
  /** Migrations applied in all: the schema version. */
  schemaVersion: number;
}

/** The advisory lock every ghl-etl process takes to migrate `schema` of a database. */
function lockKey(schema: string): string {
  return `ghl-etl migrate ${schema}`;
}

/**
 * Migrates the database `pool` reaches, into `schema` when given (created if missing), else into
 * the connection's current schema (the URL's default search_path: `public`). The pool's
 * connections must use the same search_path (openPostgresPool sets it). Throws
 * DatabaseVersionError when the database was migrated by a newer ghl-etl.
 */
export async function migratePostgres(pool: pg.Pool, opts: { schema?: string; migrations?: PgMigration[] } = {}): Promise<PgMigrateResult> {
  const migrations = opts.migrations ?? readPgMigrations();
  const client = await pool.connect();
  try {
    const target = opts.schema ?? (await client.query<{ schema: string | null }>('SELECT current_schema() AS schema')).rows[0]?.schema;
    if (!target) {
      throw new DatabaseVersionError('the PostgreSQL search_path names no existing schema: create one, or name it in the config\'s "dbSchema"');
    }
    await client.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey(target)]);
    try {
      return await migrateLocked(client, target, migrations, opts.schema !== undefined);
    } finally {
      await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey(target)]);
    }
  } finally {
    client.release();
  }
}

async function migrateLocked(client: pg.PoolClient, schema: string, migrations: PgMigration[], createSchema: boolean): Promise<PgMigrateResult> {
  const s = quoteIdent(schema);
  // Only when missing: CREATE SCHEMA IF NOT EXISTS needs CREATE on the database even when the
  // schema is there, and a role that may only create tables in its schema is enough for us.
  const exists = (await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])).rowCount! > 0;
  if (!exists && createSchema) {
    await client.query(`CREATE SCHEMA ${s}`);
    // The connection named it in its search_path before it existed; say it again now it does.
    await client.query(`SET search_path TO ${s}`);
  }
  await client.query(`CREATE TABLE IF NOT EXISTS ${s}.${MIGRATIONS_TABLE} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
  const done = (await client.query<{ count: number; last: string | null }>(
    `SELECT count(*)::integer AS count, max(created_at)::text AS last FROM ${s}.${MIGRATIONS_TABLE}`,
  )).rows[0]!;
  const last = done.last === null ? undefined : Number(done.last);
  const codeLast = migrations.at(-1)?.when ?? 0;
  if (done.count > migrations.length || (last !== undefined && last > codeLast)) {
    throw new DatabaseVersionError(
      `PostgreSQL schema ${schema} has schema version ${done.count}, newer than this ghl-etl understands ` +
        `(${migrations.length}); upgrade ghl-etl or use a different database or schema (GHL_ETL_DB, "dbSchema")`,
    );
  }
  const pending = migrations.filter((m) => last === undefined || m.when > last);
  const wideMissing = (await client.query(`SELECT 1 FROM pg_views WHERE schemaname = $1 AND viewname = 'contacts_wide'`, [schema])).rowCount === 0;
  if (pending.length > 0) {
    await client.query('BEGIN');
    try {
      // contacts_wide reads the tables a migration may alter; it is rebuilt after.
      await client.query('DROP VIEW IF EXISTS contacts_wide');
      for (const migration of pending) {
        for (const statement of migration.statements) await client.query(statement);
        await client.query(`INSERT INTO ${s}.${MIGRATIONS_TABLE} (hash, created_at) VALUES ($1, $2)`, [migration.hash, migration.when]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }
  if (pending.length > 0 || wideMissing || (await contactsWideBehind(client))) await rebuildContactsWideView(client);
  return { schema, applied: pending.length, schemaVersion: done.count + pending.length };
}
