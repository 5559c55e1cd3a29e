// The command line as a new user meets it: group help, typos, bad values, bad paths, --json
// errors. Each case runs the real binary; none needs HighLevel.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireLock } from '../src/db/locks.ts';
import { openDatabase } from '../src/db/open.ts';
import { runCli } from './helpers/cli.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-cli-'));
/** A clean environment: no config file, no locations, no log level from the caller. */
const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined };

describe.concurrent('groups, help and typos', () => {
  it('`auth --help`, `config --help` and `tasks --help` list their verbs and exit 0', async () => {
    const auth = await runCli(['auth', '--help'], { env: CLEAN });
    expect(auth.code).toBe(0);
    for (const verb of ['login', 'status', 'logout', 'locations']) expect(auth.stdout).toContain(verb);
    const config = await runCli(['config', '--help'], { env: CLEAN });
    expect(config.code).toBe(0);
    expect(config.stdout).toContain('check');
    const tasks = await runCli(['tasks', '--help'], { env: CLEAN });
    expect(tasks.code).toBe(0);
    for (const verb of ['list', 'create', 'update', 'complete', 'delete']) expect(tasks.stdout).toMatch(new RegExp(`^\\s+${verb} `, 'm'));
  });

  it('a mistyped command or verb is one line, exit 2, with a suggestion', async () => {
    const noun = await runCli(['snyc'], { env: CLEAN });
    expect(noun.code).toBe(2);
    expect(noun.stderr.trim().split('\n')).toHaveLength(1);
    expect(noun.stderr).toMatch(/Did you mean sync\?/);
    const verb = await runCli(['auth', 'stauts'], { env: CLEAN });
    expect(verb.code).toBe(2);
    expect(verb.stderr).toMatch(/Did you mean status\?/);
  });

  it('the help lists every command of CONVENTIONS.md, and the description promises what the build does', async () => {
    const help = await runCli(['--help'], { env: CLEAN });
    // Every command CONVENTIONS.md names is in this build, and listed.
    const commands = ['sandbox', 'demo', 'auth login', 'sync', 'export', 'contacts show', 'contacts create', 'tasks create', 'notes create',
      'schedule', 'status', 'runs', 'catalog', 'config check', 'leads import', 'leads link', 'serve', 'outbox list', 'purge'];
    for (const present of commands) expect(help.stdout).toMatch(new RegExp(`^\\s+${present}\\b`, 'm'));
    // The package description promises what the build does: the mirror, the exports and the bridge.
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as { description: string };
    expect(pkg.description).toMatch(/SQLite/);
    expect(pkg.description).toMatch(/CSV/);
    expect(pkg.description).toMatch(/LeadCars/);
  });
});

describe.concurrent('log levels', () => {
  it('accepts --log-level DEBUG in any case', async () => {
    const result = await runCli(['config', 'check', '--log-level', 'DEBUG'], { cwd: tmp(), env: CLEAN });
    expect(result.code, result.stderr).toBe(0);
  });

  it('LOG_LEVEL=nope is exit 2 with the list of levels and no stack trace', async () => {
    const result = await runCli(['config', 'check'], { cwd: tmp(), env: { ...CLEAN, LOG_LEVEL: 'nope' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('trace, debug, info, warn, error, fatal, silent');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a bad --log-level is exit 2 naming the flag and the levels', async () => {
    const result = await runCli(['sync', '--log-level', 'loud'], { cwd: tmp(), env: CLEAN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--log-level takes a level: trace, debug/);
  });
});

describe.concurrent('the demo touches nothing before every flag is valid', () => {
  it('`demo --db FILE --contacts abc` exits 2 and leaves FILE alone', async () => {
    const file = join(tmp(), 'precious.sqlite');
    const db = openDatabase(file);
    db.close();
    const before = readFileSync(file);
    const result = await runCli(['demo', '--db', file, '--contacts', 'abc'], { env: CLEAN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--contacts takes a whole number, got "abc"/);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('refuses to replace a file that is not a ghl-etl database', async () => {
    const file = join(tmp(), 'notes.txt');
    writeFileSync(file, 'my notes\n');
    const result = await runCli(['demo', '--db', file, '--contacts', '1'], { env: CLEAN });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/was not created by the demo/);
    expect(readFileSync(file, 'utf8')).toBe('my notes\n');
  });
});

describe.concurrent('a database path that cannot be a mirror', () => {
  it('a directory: exit 2 naming the path, the problem and the fix', async () => {
    const dir = join(tmp(), 'data');
    mkdirSync(dir);
    const result = await runCli(['auth', 'logout'], { cwd: tmp(), env: { ...CLEAN, GHL_ETL_DB: dir } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`database ${dir} is a directory`);
    expect(result.stderr).toContain('GHL_ETL_DB');
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('a file that is not a database: exit 2, and the file is unchanged', async () => {
    const file = join(tmp(), 'report.csv');
    writeFileSync(file, 'a,b\n1,2\n'.repeat(100));
    const result = await runCli(['sync'], { cwd: tmp(), env: { ...CLEAN, GHL_ETL_DB: file, GHL_LOCATION_ID: 'loc', GHL_TOKEN: 'pit' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`database ${file} is not a SQLite database`);
    expect(readFileSync(file, 'utf8')).toBe('a,b\n1,2\n'.repeat(100));
    expect(existsSync(`${file}-wal`)).toBe(false);
  });
});

describe.concurrent('--json prints one JSON document, errors included', () => {
  it('exit 2: {"error": {"message", "exitCode"}} on stdout', async () => {
    const result = await runCli(['sync', '--json'], { cwd: tmp(), env: CLEAN });
    expect(result.code).toBe(2);
    const doc = JSON.parse(result.stdout) as { error: { message: string; exitCode: number } };
    expect(doc.error.exitCode).toBe(2);
    expect(doc.error.message).toMatch(/no locations configured/);
  });

  it('a usage error too', async () => {
    const result = await runCli(['demo', '--json', '--contacts', 'x'], { env: CLEAN });
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({ error: { exitCode: 2 } });
  });

  it('exit 4: another sync holds the lock', async () => {
    const dbPath = join(tmp(), 'mirror.sqlite');
    const db = openDatabase(dbPath);
    expect(acquireLock(db, 'sync', 'the-test', 60_000).acquired).toBe(true); // held by this live process
    db.close();
    const result = await runCli(['sync', '--json'], { cwd: tmp(), env: { ...CLEAN, GHL_ETL_DB: dbPath, GHL_LOCATION_ID: 'loc', GHL_TOKEN: 'pit', GHL_BASE_URL: 'http://127.0.0.1:9' } });
    expect(result.code).toBe(4);
    const doc = JSON.parse(result.stdout) as { error: { message: string; exitCode: number } };
    expect(doc.error).toMatchObject({ exitCode: 4 });
    expect(doc.error.message).toContain(`pid ${process.pid}`);
  });
});

describe.concurrent('errors about environment variables name the config key', () => {
  it('GHL_ETL_SECRET too short names "secret" and the variable to fix', async () => {
    const result = await runCli(['config', 'check'], { cwd: tmp(), env: { ...CLEAN, GHL_ETL_SECRET: 'short' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('GHL_ETL_SECRET ("secret") must be at least 32 characters: fix GHL_ETL_SECRET');
  });
});
