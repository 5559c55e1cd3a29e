// A SQLite mirror's rows copied into a PostgreSQL mirror (migrated by opening it), values
// converted as PostgreSQL reads them (0/1 into boolean, ISO text into timestamptz, JSON text
// into jsonb), so a fixture written with the SQLite functions (export-fixture.ts) can be read
// by both engines. contacts_wide is rebuilt from the copied custom fields.
import Database from 'better-sqlite3';
import pg from 'pg';
import { openMirror } from '../../src/db/open-mirror.ts';
import { rebuildContactsWideView } from '../../src/db/pg/views.ts';

// Parents first (foreign keys).
const TABLES = [
  'locations', 'users', 'custom_fields', 'contacts', 'contact_tags', 'contact_custom_fields', 'tasks', 'notes',
  'inbox', 'outbox', 'lead_links', 'op_idempotency', 'webhook_events', 'answer_drift',
];

export async function copySqliteToPostgres(sqlitePath: string, url: string): Promise<void> {
  await (await openMirror(url)).close(); // migrates
  const sqlite = new Database(sqlitePath, { readonly: true });
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const table of TABLES) {
      const rows = sqlite.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
      if (rows.length === 0) continue;
      const types = new Map((await client.query<{ column_name: string; data_type: string }>(
        `SELECT column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, [table],
      )).rows.map((r) => [r.column_name, r.data_type]));
      const records = rows.map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, types.get(k) === 'jsonb' && typeof v === 'string' ? JSON.parse(v) : v])));
      const columns = Object.keys(rows[0]!).filter((c) => types.has(c)).join(', ');
      await client.query(`INSERT INTO ${table} (${columns}) SELECT ${columns} FROM json_populate_recordset(NULL::${table}, $1::json)`, [JSON.stringify(records)]);
    }
    await rebuildContactsWideView(client);
  } finally {
    await client.end();
    sqlite.close();
  }
}
