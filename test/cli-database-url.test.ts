// The `db` setting through the binary: a PostgreSQL URL is recognised (its password masked
// wherever it is shown); a command not yet ported to PostgreSQL refuses it with exit 2 and one
// line naming the command, and an unreachable server is exit 2 naming the fix; it never becomes
// a folder `postgresql:` beside a SQLite file. Any other URL is a configuration error.
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { databaseTarget, maskDatabaseUrl } from '../src/config/database.ts';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';

const PASSWORD = 'pw-Secret-1234';
const PG_URL = `postgresql://ghl:${PASSWORD}@db.example.internal:5432/mirror`;

function workdir(): string {
  return mkdtempSync(join(tmpdir(), 'ghl-etl-dburl-'));
}

/** Env of a configured location, the database from `db`, and no stray config file. */
function env(db: string): Record<string, string | undefined> {
  return { GHL_ETL_DB: db, GHL_LOCATION_ID: 'loc1', GHL_TOKEN: 'pit-token', GHL_BASE_URL: 'http://127.0.0.1:9', GHL_ETL_CONFIG: undefined };
}

describe('the db setting names a PostgreSQL URL', () => {
  it('config check shows the URL with its password masked, as text and as JSON', async () => {
    const cwd = workdir();
    const text = await runCli(['config', 'check'], { cwd, env: env(PG_URL) });
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('postgresql://ghl:****@db.example.internal:5432/mirror');
    expect(text.stdout + text.stderr).not.toContain(PASSWORD);

    const json = await runCli(['config', 'check', '--json'], { cwd, env: env(`postgres://ghl:${PASSWORD}@db/mirror?sslmode=require&password=${PASSWORD}`) });
    expect(json.code).toBe(0);
    expect((JSON.parse(json.stdout) as { db: string }).db).toBe('postgres://ghl:****@db/mirror?sslmode=require&password=****');
    expect(json.stdout + json.stderr).not.toContain(PASSWORD);
  });

  it('the config file\'s dbSchema is validated and shown', async () => {
    const cwd = workdir();
    writeFileSync(join(cwd, 'ghl-etl.config.json'), JSON.stringify({ db: PG_URL, dbSchema: 'ghl_mirror' }));
    const ok = await runCli(['config', 'check', '--json'], { cwd, env: { ...env(PG_URL), GHL_ETL_DB: undefined } });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ db: 'postgresql://ghl:****@db.example.internal:5432/mirror', dbSchema: 'ghl_mirror' });

    writeFileSync(join(cwd, 'ghl-etl.config.json'), JSON.stringify({ db: PG_URL, dbSchema: 'drop table; --' }));
    const bad = await runCli(['config', 'check'], { cwd, env: { ...env(PG_URL), GHL_ETL_DB: undefined } });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/"dbSchema" must be a plain identifier/);
    expect(bad.stderr).not.toContain(PASSWORD);
  });

  it('a command not ported to PostgreSQL, or a server not reachable, exits 2 with one line, creates nothing and shows no password', async () => {
    const ported = [['sync'], ['status', '--json'], ['contacts', 'create', '--email', 'a@example.com'], ['runs'], ['export', '--by-tag'],
      ['outbox', 'list'], ['contacts', 'show', 'c1'], ['purge', '--deleted-before', '2026-01-01', '--yes']];
    const unported: Array<[string[], string]> = [];
    for (const [args, name] of [...ported.map((a): [string[], string | undefined] => [a, undefined]), ...unported]) {
      const cwd = workdir();
      const result = await runCli(args, { cwd, env: env(PG_URL) });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      const output = result.stdout + result.stderr;
      expect(output).not.toContain(PASSWORD);
      expect(output).toContain('postgresql://ghl:****@db.example.internal:5432/mirror');
      if (name === undefined) expect(output).toMatch(/cannot be reached \(ENOTFOUND\): start the server or fix GHL_ETL_DB/);
      else expect(output).toContain(`\`ghl-etl ${name}\` does not support PostgreSQL yet`);
      if (!args.includes('--json')) expect(result.stderr.trim().split('\n')).toHaveLength(1);
      // Today's bug: a folder named `postgresql:` with a SQLite file inside.
      expect(readdirSync(cwd)).toEqual([]);
      expect(existsSync(join(cwd, 'postgresql:'))).toBe(false);
    }
  }, 180_000);

  it('refuses any other URL with exit 2, naming the variable, the scheme and the fix, password masked', async () => {
    const cwd = workdir();
    for (const db of [`mysql://root:${PASSWORD}@localhost/mirror`, `file:///tmp/x.sqlite`, `https://example.com/db`]) {
      const result = await runCli(['sync'], { cwd, env: env(db) });
      expect(result.code, db).toBe(2);
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
      expect(result.stderr).toMatch(/GHL_ETL_DB \("db"\) is a [a-z]+:\/\/ URL .*postgres:\/\/ \/ postgresql:\/\/ URL: fix GHL_ETL_DB/);
      expect(result.stderr).not.toContain(PASSWORD);
    }
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('demo --db takes a file name, not a URL', async () => {
    const cwd = workdir();
    const result = await runCli(['demo', '--db', PG_URL], { cwd, env: env('data/ghl.sqlite') });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--db takes a file name .*postgresql:\/\/ghl:\*\*\*\*@/);
    expect(result.stderr).not.toContain(PASSWORD);
    expect(readdirSync(cwd)).toEqual([]);
  });

  it('a SQLite file path still works as before', async () => {
    const cwd = workdir();
    // A mirror made by a writer (read-only commands never create one: issue 16 item 8).
    openDatabase(join(cwd, 'mirror.sqlite')).close();
    const result = await runCli(['runs', '--json'], { cwd, env: env(join(cwd, 'mirror.sqlite')) });
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toBeTruthy();
    expect(existsSync(join(cwd, 'mirror.sqlite'))).toBe(true);
  });
});

describe('masking a database URL', () => {
  it('hides the password in every spelling, and leaves file paths alone', () => {
    expect(maskDatabaseUrl('postgres://u:p%40ss@h:5432/db')).toBe('postgres://u:****@h:5432/db');
    expect(maskDatabaseUrl('postgresql://u@h/db')).toBe('postgresql://u@h/db');
    expect(maskDatabaseUrl('postgresql://h/db?password=x&sslmode=require')).toBe('postgresql://h/db?password=****&sslmode=require');
    // Not a parseable URL (a raw "@" and a bad port): still masked up to the host.
    expect(maskDatabaseUrl('postgresql://u:p@ss:x@h:port/db')).toBe('postgresql://u:****@h:port/db');
    expect(maskDatabaseUrl('data/ghl.sqlite')).toBe('data/ghl.sqlite');
    expect(maskDatabaseUrl('C:\\mirror\\ghl.sqlite')).toBe('C:\\mirror\\ghl.sqlite');
  });

  it('tells the engines apart', () => {
    expect(databaseTarget('POSTGRESQL://u@h/db').engine).toBe('postgres');
    expect(databaseTarget('postgres://u@h/db').engine).toBe('postgres');
    expect(databaseTarget('data/postgres.sqlite').engine).toBe('sqlite');
  });
});
