// Bookkeeping rows that carry personal data do not outlive `retention.days`: each sync run (the
// nightly schedule runs the same pipeline) deletes the old finished ones and keeps the rest.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

describe('retention after each run', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 2, seed: 9, rateLimit: 'none' });

  it('deletes finished inbox leads, webhook events and done/dead outbox calls older than retention.days, keeping unfinished and recent ones', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-retention-'));
    const dbPath = join(dir, 'ghl.sqlite');
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ retention: { days: 30 } }));
    const env = { ...CLEAN, GHL_ETL_CONFIG: join(dir, 'config.json'), GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath };
    expect((await runCli(['sync'], { cwd: dir, env })).code).toBe(0);

    const old = new Date(Date.now() - 40 * 86_400_000).toISOString();
    const recent = new Date(Date.now() - 10 * 86_400_000).toISOString();
    const sqlite = new Database(dbPath);
    const inbox = sqlite.prepare(`INSERT INTO inbox (dedupe_key, received_at, payload, status) VALUES (?, ?, '{}', ?)`);
    inbox.run('old-delivered', old, 'delivered');
    inbox.run('old-pending', old, 'pending');
    inbox.run('recent-delivered', recent, 'delivered');
    const event = sqlite.prepare(`INSERT INTO webhook_events (webhook_id, type, received_at, payload) VALUES (?, 'ContactUpdate', ?, '{}')`);
    event.run('old', old);
    event.run('recent', recent);
    const outbox = sqlite.prepare(`INSERT INTO outbox (kind, dedupe_key, payload, status, next_attempt_at, created_at, updated_at) VALUES ('leadcars.comment', ?, '{}', ?, ?, ?, ?)`);
    outbox.run('old-done', 'done', old, old, old);
    outbox.run('old-unknown', 'unknown', old, old, old);
    outbox.run('recent-dead', 'dead', recent, recent, recent);
    sqlite.close();

    const again = await runCli(['sync'], { cwd: dir, env });
    expect(again.code, again.stderr).toBe(0);
    const after = new Database(dbPath, { readonly: true });
    try {
      const keys = (sql: string) => after.prepare(sql).pluck().all();
      expect(keys(`SELECT dedupe_key FROM inbox ORDER BY dedupe_key`)).toEqual(['old-pending', 'recent-delivered']);
      expect(keys(`SELECT webhook_id FROM webhook_events`)).toEqual(['recent']);
      expect(keys(`SELECT dedupe_key FROM outbox ORDER BY dedupe_key`)).toEqual(['old-unknown', 'recent-dead']);
    } finally {
      after.close();
    }
  });
});
