// A PostgreSQL mirror's tables copied into a SQLite file, values as SQLite holds them (booleans
// 0/1, jsonb as JSON text, times as ISO text), so the checks written for SQLite mirrors
// (compareWithTruth) read a PostgreSQL one as they are.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { MIRROR_TYPES } from '../../src/db/pg/connect.ts';

const TABLES = ['locations', 'contacts', 'contact_tags', 'contact_custom_fields', 'custom_fields', 'tasks', 'notes', 'sync_runs', 'users'];

function asSqlite(v: unknown): unknown {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return v;
}

export async function snapshotPostgres(url: string): Promise<string> {
  const path = join(mkdtempSync(join(tmpdir(), 'ghl-etl-pgsnap-')), 'snapshot.sqlite');
  const sqlite = new Database(path);
  const client = new pg.Client({ connectionString: url, types: MIRROR_TYPES });
  await client.connect();
  try {
    for (const table of TABLES) {
      const result = await client.query(`SELECT * FROM ${table}`);
      const columns = result.fields.map((f) => f.name);
      sqlite.exec(`CREATE TABLE ${table} (${columns.join(', ')})`);
      const insert = sqlite.prepare(`INSERT INTO ${table} VALUES (${columns.map(() => '?').join(', ')})`);
      sqlite.transaction(() => {
        for (const row of result.rows as Array<Record<string, unknown>>) insert.run(columns.map((c) => asSqlite(row[c])));
      })();
    }
  } finally {
    await client.end();
    sqlite.close();
  }
  return path;
}
