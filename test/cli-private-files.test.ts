// Personal data on disk: what the tool creates is readable by its owner only, unless configured.
import { mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('files the tool creates', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 3, seed: 3, rateLimit: 'none' });

  it('the database, its -wal/-shm, exports and created folders are not readable by other users', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-private-'));
    const db = join(dir, 'nested', 'ghl.sqlite');
    const env = { ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: db };
    const sync = await runCli(['sync'], { cwd: dir, env });
    expect(sync.code, sync.stderr).toBe(0);
    const exported = await runCli(['export', '--out', join(dir, 'out', 'all.csv')], { cwd: dir, env });
    expect(exported.code, exported.stderr).toBe(0);
    // The side files exist while a connection holds the database (SQLite gives them the database's mode).
    const reader = new Database(db);
    try {
      reader.prepare('SELECT count(*) FROM contacts').get();
      const created = [db, ...readdirSync(join(dir, 'nested')).map((f) => join(dir, 'nested', f)), join(dir, 'out', 'all.csv')];
      expect(created.map((f) => f.slice(db.length))).toEqual(expect.arrayContaining(['-wal', '-shm']));
      for (const file of created) expect(modeOf(file) & 0o077, `${file} is ${modeOf(file).toString(8)}`).toBe(0);
    } finally {
      reader.close();
    }
    expect(modeOf(join(dir, 'nested')) & 0o077).toBe(0);
    expect(modeOf(join(dir, 'out')) & 0o077).toBe(0);
  });

  it('with "privateFiles": false the umask decides', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-shared-'));
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ privateFiles: false }));
    const db = join(dir, 'ghl.sqlite');
    const env = { ...CLEAN, GHL_ETL_CONFIG: join(dir, 'config.json'), GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: db };
    const sync = await runCli(['sync'], { cwd: dir, env });
    expect(sync.code, sync.stderr).toBe(0);
    const umask = process.umask();
    expect(modeOf(db)).toBe(0o644 & ~umask);
  });
});
