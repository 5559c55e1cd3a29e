// Issue 16's sharp edges, through the binary: what a newcomer hits with bad paths, bad config,
// closed pipes and odd flags. Each case names the edge it guards.
import { sqliteOf } from '../src/db/connection.ts';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { acquireLock } from '../src/db/locks.ts';
import { isGhlEtlDatabase, openDatabase } from '../src/db/open.ts';
import { startRun } from '../src/db/runs.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { seedExportFixture } from './helpers/export-fixture.ts';
import { sandboxStats, withSandbox } from './helpers/sandbox.ts';

// Each case runs the binary several times; on a loaded machine a start takes seconds.
vi.setConfig({ testTimeout: 180_000 });

const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-edges-'));
/** A clean environment: no config file, no locations, no log level from the caller. */
const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_ETL_DB: undefined };
const ONE_LOCATION = { ...CLEAN, GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-1', GHL_BASE_URL: 'http://127.0.0.1:9' };

const tablesOf = (file: string): string[] => {
  const sqlite = new Database(file, { readonly: true });
  try {
    return (sqlite.prepare(`SELECT name FROM sqlite_master ORDER BY name`).all() as Array<{ name: string }>).map((r) => r.name);
  } finally {
    sqlite.close();
  }
};

describe.concurrent('8: a database that is not a mirror is left alone', () => {
  it('another application\'s SQLite file: every command refuses it (exit 2) and adds nothing to it', async () => {
    const dir = tmp();
    const file = join(dir, 'other.sqlite');
    const other = new Database(file);
    other.exec(`CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL); INSERT INTO invoices (total) VALUES (12.5)`);
    other.close();
    const before = readFileSync(file);
    const commands = [['status'], ['runs'], ['sync'], ['auth', 'logout'], ['contacts', 'list']];
    const results = await Promise.all(commands.map((args) => runCli(args, { cwd: dir, env: { ...ONE_LOCATION, GHL_ETL_DB: file } })));
    for (const [i, result] of results.entries()) {
      expect(result.code, `${commands[i]!.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`database ${file} is not a ghl-etl database`);
      expect(result.stderr).toContain('invoices');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
    expect(tablesOf(file)).toEqual(['invoices']);
    expect(readFileSync(file).equals(before)).toBe(true);
  });

  it('a mistyped path: the commands that only read create neither the folders nor a database', async () => {
    const dir = tmp();
    const typo = join(dir, 'dta', 'ghl.sqlite');
    const commands = [['status'], ['runs'], ['outbox', 'list'], ['contacts', 'list'], ['contacts', 'show', 'c1'], ['tasks', 'list', 'c1'], ['notes', 'list', 'c1']];
    const results = await Promise.all(commands.map((args) => runCli(args, { cwd: dir, env: { ...ONE_LOCATION, GHL_ETL_DB: typo } })));
    for (const [i, result] of results.entries()) {
      expect(result.code, `${commands[i]!.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toContain(`database ${typo} does not exist`);
      expect(result.stderr).toContain('ghl-etl sync');
    }
    expect(existsSync(join(dir, 'dta'))).toBe(false);
  });

  it('a mirror opened by a read-only command is not migrated or rewritten; an empty file becomes a mirror', async () => {
    const dir = tmp();
    const file = join(dir, 'mirror.sqlite');
    openDatabase(file).close();
    const mtime = statSync(file).mtimeMs;
    const runs = await runCli(['runs'], { cwd: dir, env: { ...ONE_LOCATION, GHL_ETL_DB: file } });
    expect(runs.code, runs.stderr).toBe(0);
    expect(statSync(file).mtimeMs).toBe(mtime);

    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    const logout = await runCli(['auth', 'logout'], { cwd: dir, env: { ...ONE_LOCATION, GHL_ETL_DB: empty } });
    expect(logout.code, logout.stderr).toBe(0);
    expect(isGhlEtlDatabase(empty)).toBe(true);
  });
});

describe.concurrent('17: a run whose process is gone shows as abandoned', () => {
  type Runs = { runs: Array<{ id: number; status: string }> };
  type Status = { locations: Array<{ lastRun: { id: number; status: string }; problems: string[] }> };

  it('`runs` and `status` say abandoned when the sync lock is held by a dead process, or by nobody', async () => {
    const dir = tmp();
    const file = join(dir, 'mirror.sqlite');
    const db = openDatabase(file);
    const orphan = startRun(db, { locationId: 'loc-1', mode: 'full' }); // its process was killed: no lock left
    expect(acquireLock(db, 'sync', 'killed', 60_000, { pid: 2 ** 22 + 12345 }).acquired).toBe(true); // a pid that is not running
    const killed = startRun(db, { locationId: 'loc-2', mode: 'full' });
    db.close();
    const env = { ...CLEAN, GHL_ETL_DB: file };
    const runs = await runCli(['runs', '--json'], { cwd: dir, env });
    expect(runs.code, runs.stderr).toBe(0);
    const listed = (JSON.parse(runs.stdout) as Runs).runs;
    expect(listed.find((r) => r.id === orphan)?.status).toBe('abandoned');
    expect(listed.find((r) => r.id === killed)?.status).toBe('abandoned');
    const text = await runCli(['runs'], { cwd: dir, env });
    expect(text.stdout).toMatch(new RegExp(`#${killed}\\s+abandoned`));

    const status = await runCli(['status', '--json'], { cwd: dir, env: { ...env, GHL_ETL_CONFIG: writeConfig(dir, { locations: [{ id: 'loc-1', token: 't' }, { id: 'loc-2', token: 't' }] }) } });
    const report = JSON.parse(status.stdout) as Status;
    expect(report.locations.map((l) => l.lastRun.status)).toEqual(['abandoned', 'abandoned']);
    expect(report.locations[0]!.problems.join(' ')).toMatch(/abandoned.*next sync resumes it/);
  });

  it('a run whose process still holds the lock stays running', async () => {
    const dir = tmp();
    const file = join(dir, 'mirror.sqlite');
    const db = openDatabase(file);
    expect(acquireLock(db, 'sync', 'this-test', 60_000).acquired).toBe(true); // this process: alive
    const live = startRun(db, { locationId: 'loc-1', mode: 'full' });
    db.close();
    const runs = await runCli(['runs', '--json'], { cwd: dir, env: { ...CLEAN, GHL_ETL_DB: file } });
    expect((JSON.parse(runs.stdout) as Runs).runs.find((r) => r.id === live)?.status).toBe('running');
  });
});

function writeConfig(dir: string, config: object): string {
  const file = join(dir, 'ghl-etl.config.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

describe.concurrent('11, 12: the configuration is checked at load, as the commands that use it would', () => {
  const check = async (config: object, args = ['config', 'check']) => {
    const dir = tmp();
    return runCli(args, { cwd: dir, env: { ...CLEAN, GHL_ETL_CONFIG: writeConfig(dir, config) } });
  };

  it('a location listed twice: exit 2 naming it, and `sync` refuses to start', async () => {
    const twice = { locations: [{ id: 'loc-a', token: 't1' }, { id: 'loc-b', token: 't2' }, { id: 'loc-a', token: 't3' }] };
    for (const args of [['config', 'check'], ['sync']]) {
      const result = await check(twice, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain('"locations.2.id" lists location "loc-a" twice (entries 1 and 3): keep one entry per location');
      expect(result.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('schedule.cron, schedule.timezone and the bridge templates\' placeholders', async () => {
    const cron = await check({ schedule: { cron: 'bad' } });
    expect(cron.code).toBe(2);
    expect(cron.stderr).toMatch(/"schedule\.cron" is not valid \(.*\): give 5 fields/);
    const zone = await check({ schedule: { timezone: 'Europe/Madird' } });
    expect(zone.code).toBe(2);
    expect(zone.stderr).toContain('"schedule.timezone" "Europe/Madird" is not a time zone: give an IANA name such as UTC or Europe/Madrid');
    const template = await check({ bridge: { templates: { taskCreated: 'Tarea: {titulo} ({due})' } } });
    expect(template.code).toBe(2);
    expect(template.stderr).toContain('"bridge.templates.taskCreated" has unknown placeholder {titulo}; this template knows {title} {due} {body}');
    const fine = await check({ schedule: { cron: '30 1 * * 1-5', timezone: 'Europe/Madrid' }, bridge: { templates: { noteCreated: 'Nota: {text}' } } });
    expect(fine.code, fine.stderr).toBe(0);
  });
});

describe.concurrent('13: export tags compare in any case, in any script; what the mirror lacks is said', () => {
  it('`--tag ÑANDÚ` finds the contacts tagged ñandú; an unknown tag or location warns on stderr', async () => {
    const fx = seedExportFixture();
    fx.db.close();
    try {
      const cli = (args: string[]) => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: fx.dbPath } });
      const upper = await cli(['export', '--tag', 'ÑANDÚ', '--columns', 'id', '--out', '-']);
      expect(upper.code, upper.stderr).toBe(0);
      expect(upper.stdout.trim().split(/\r?\n/)).toEqual(['id', 'c05']);
      expect(upper.stderr).not.toContain('warning');
      // The same, decomposed (as some keyboards and files write accents), and excluded.
      const decomposed = await cli(['export', '--tag', 'ÑANDÚ'.normalize('NFD'), '--columns', 'id', '--out', '-']);
      expect(decomposed.stdout.trim().split(/\r?\n/)).toEqual(['id', 'c05']);
      const excluded = await cli(['export', '--has-email', '--exclude-tag', 'Ñandú', '--columns', 'id', '--out', '-']);
      expect(excluded.stdout).not.toContain('c05');

      const unknown = await cli(['export', '--tag', 'financiación', '--location', 'nowhere', '--out', '-']);
      expect(unknown.code, unknown.stderr).toBe(0);
      expect(unknown.stderr).toContain('warning: no contact in the mirror has the tag "financiación" (tags match in any case)');
      expect(unknown.stderr).toContain('warning: location "nowhere" is neither configured nor in the mirror');
    } finally {
      fx.cleanup();
    }
  });
});

describe.concurrent('14: raw errors become one line naming the fix', () => {
  const oneLine = (stderr: string) => expect(stderr.trim().split('\n'), stderr).toHaveLength(1);

  it('export --out FOLDER and --out-dir FILE: exit 2, nothing written, no run recorded', async () => {
    const fx = seedExportFixture();
    fx.db.close();
    try {
      const cli = (args: string[]) => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: fx.dbPath } });
      const folder = join(fx.dir, 'csvs');
      mkdirSync(folder);
      const out = await cli(['export', '--tag', 'vip', '--out', folder]);
      expect(out.code).toBe(2);
      expect(out.stderr).toContain(`ghl-etl export: ${folder} is a folder: name a CSV file in it (e.g. --out ${join(folder, 'contacts.csv')}), or write one file per tag into it with --by-tag --out-dir ${folder}`);
      oneLine(out.stderr);
      expect(readdirSync(fx.dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      const file = join(fx.dir, 'plain.txt');
      writeFileSync(file, 'mine\n');
      const outDir = await cli(['export', '--by-tag', '--out-dir', file]);
      expect(outDir.code).toBe(2);
      expect(outDir.stderr).toContain(`--out-dir ${file} is a file, not a folder: name a folder`);
      oneLine(outDir.stderr);
      expect(readFileSync(file, 'utf8')).toBe('mine\n');
      const runs = await cli(['runs', '--json']);
      expect((JSON.parse(runs.stdout) as { runs: unknown[] }).runs).toEqual([]);
    } finally {
      fx.cleanup();
    }
  });

  it('serve --port 99999: exit 2 naming the range', async () => {
    const dir = tmp();
    const result = await runCli(['serve', '--port', '99999'], { cwd: dir, env: { ...ONE_LOCATION, INTAKE_SECRET: 'a-secret', GHL_ETL_DB: join(dir, 'm.sqlite') } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^ghl-etl serve: --port takes a port number from 0 to 65535 \(0: any free port\), got "99999"/);
    oneLine(result.stderr);
  });

  it('GHL_ETL_CONFIG naming a folder: exit 2 naming the file to give', async () => {
    const dir = tmp();
    const result = await runCli(['status'], { cwd: dir, env: { ...CLEAN, GHL_ETL_CONFIG: dir } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`ghl-etl status: config file ${dir} is a folder: name the JSON file in --config / GHL_ETL_CONFIG, e.g. ${join(dir, 'ghl-etl.config.json')}\n`);
  });

  it('a damaged database: one line saying so and what to do, no stack', async () => {
    const dir = tmp();
    const file = join(dir, 'mirror.sqlite');
    openDatabase(file).close();
    const bytes = readFileSync(file);
    const pageSize = bytes.readUInt16BE(16);
    bytes.fill(0xa5, pageSize); // every page but the first (the schema) is garbage
    writeFileSync(file, bytes);
    for (const args of [['runs'], ['status'], ['auth', 'logout']]) {
      const result = await runCli(args, { cwd: dir, env: { ...ONE_LOCATION, GHL_ETL_DB: file } });
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr).toContain(`database ${file} is damaged (database disk image is malformed): restore it from a backup`);
      expect(result.stderr).toContain('run `ghl-etl sync` to build a new mirror');
      oneLine(result.stderr);
    }
  });
});

describe.concurrent('9: a closed stdout ends the command quietly', () => {
  /** Runs the binary with its stdout closed before it writes (as `| head -1` does once satisfied). */
  const closedStdout = (args: string[], env: Record<string, string | undefined>, cwd: string) => new Promise<{ code: number | null; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stderr }));
  });

  it.each([[['catalog']], [['config', 'check']], [['contacts', 'list']]])('%j | head: exit 0, no EPIPE, no stack', async (args) => {
    const fx = seedExportFixture();
    fx.db.close();
    try {
      const result = await closedStdout(args, { ...CLEAN, GHL_ETL_DB: fx.dbPath, GHL_LOCATION_ID: 'locA', GHL_TOKEN: 't' }, fx.dir);
      expect(result.stderr).not.toMatch(/EPIPE|\n\s+at /);
      expect(result.code).toBe(0);
    } finally {
      fx.cleanup();
    }
  });
});

describe.concurrent('15: reading the mirror needs no --location when several are configured', () => {
  it('contacts list covers every configured location; tasks list and notes list find the contact; --live still asks which', async () => {
    const fx = seedExportFixture();
    fx.db.close();
    try {
      const config = writeConfig(fx.dir, { locations: [{ id: 'locA', token: 'ta' }, { id: 'locB', token: 'tb' }] });
      const cli = (args: string[]) => runCli(args, { cwd: fx.dir, env: { ...CLEAN, GHL_ETL_DB: fx.dbPath, GHL_ETL_CONFIG: config } });
      const all = await cli(['contacts', 'list', '--json']);
      expect(all.code, all.stderr).toBe(0);
      const ids = (JSON.parse(all.stdout) as Array<{ id: string; locationId: string }>).map((c) => c.id);
      expect(ids).toContain('c01'); // locA
      expect(ids).toContain('c06'); // locB
      const onlyB = await cli(['contacts', 'list', '--location', 'locB', '--json']);
      expect((JSON.parse(onlyB.stdout) as Array<{ id: string }>).map((c) => c.id)).toEqual(['c06']);
      const limited = await cli(['contacts', 'list', '--limit', '2', '--json']);
      expect(JSON.parse(limited.stdout)).toHaveLength(2);
      const notes = await cli(['notes', 'list', 'c01']);
      expect(notes.code, notes.stderr).toBe(0);
      expect(notes.stdout).toContain('n1');
      const tasks = await cli(['tasks', 'list', 'c01', '--json']);
      expect(tasks.code, tasks.stderr).toBe(0);
      const live = await cli(['contacts', 'list', '--live']);
      expect(live.code).toBe(2);
      expect(live.stderr).toMatch(/several locations are configured \(locA, locB\): choose one with --location ID/);
    } finally {
      fx.cleanup();
    }
  });
});

describe('16: after a budget stop, status shows HighLevel\'s own count and limit', () => {
  it('a location whose HighLevel limit is 120 a day stops at 96 (the 0.8 share): status says 96 of 120, not N of 200000', async () => {
    await withSandbox({ contacts: 200, seed: 16, dailyLimit: 120 }, async (sandbox) => {
      const dir = tmp();
      const location = sandbox.locations[0]!;
      const env = { ...CLEAN, GHL_ETL_DB: join(dir, 'mirror.sqlite'), GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token };
      const sync = await runCli(['sync'], { cwd: dir, env });
      expect(sync.code, sync.stderr).toBe(3);
      const sent = (await sandboxStats(sandbox)).requests;
      const status = await runCli(['status', '--json'], { cwd: dir, env });
      type Loc = { dailyLimit: number; apiCallsLast24h: number; budgetUsedShare: number; highLevelDaily: { limit: number; used: number } | null };
      const l = (JSON.parse(status.stdout) as { locations: Loc[] }).locations[0]!;
      expect(l.dailyLimit).toBe(120);
      // HighLevel's count as last reported, less the requests still in flight then (counted down as sent).
      expect(l.highLevelDaily?.limit).toBe(120);
      expect(l.highLevelDaily!.used).toBeGreaterThanOrEqual(sent - 10);
      expect(l.highLevelDaily!.used).toBeLessThanOrEqual(sent + 10);
      expect(l.budgetUsedShare).toBeCloseTo(l.highLevelDaily!.used / 120, 3);
      const text = await runCli(['status'], { cwd: dir, env });
      expect(text.stdout).toMatch(new RegExp(`API budget {3}${l.highLevelDaily!.used} of 120 calls used today \\(\\d+\\.\\d%\\), as HighLevel reported at \\S+; this tool made \\d+ in the last 24 h`));
    });
  }, 180_000);
});

describe.concurrent('24: small output bugs', () => {
  const clean = (cwd: string) => (args: string[], env: Record<string, string | undefined> = {}) => runCli(args, { cwd, env: { ...CLEAN, ...env } });

  it('contacts show names the assignee (from the mirrored users), not only its id', async () => {
    const fx = seedExportFixture();
    sqliteOf(fx.db).prepare(`INSERT INTO users (id, location_id, name, email, raw, synced_at) VALUES ('u1', 'locA', 'Marta Gil', 'marta@example.com', '{}', '2026-01-01T00:00:00.000Z')`).run();
    sqliteOf(fx.db).prepare(`UPDATE contacts SET assigned_to = 'u1' WHERE id = 'c02'`).run();
    fx.db.close();
    try {
      const shown = await clean(fx.dir)(['contacts', 'show', 'c02'], { GHL_ETL_DB: fx.dbPath });
      expect(shown.code, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(/assigned to\s+Marta Gil \(u1\)/);
    } finally {
      fx.cleanup();
    }
  });

  it('tasks create without --due or --title names the flag; runs --limit 0 is refused', async () => {
    const cli = clean(tmp());
    const noDue = await cli(['tasks', 'create', 'c1', '--title', 'Call'], ONE_LOCATION);
    expect(noDue.code).toBe(2);
    expect(noDue.stderr).toBe('ghl-etl tasks create: --due is required: when the task is due, ISO-8601 such as 2026-12-01T09:00:00Z (or "dueDate" in the --from document)\n');
    const noTitle = await cli(['tasks', 'create', 'c1', '--due', '2026-12-01T09:00:00Z'], ONE_LOCATION);
    expect(noTitle.stderr).toContain('--title is required');
    const zero = await cli(['runs', '--limit', '0']);
    expect(zero.code).toBe(2);
    expect(zero.stderr).toMatch(/--limit takes a whole number of at least 1, got "0"/);
  });

  it('`contact list` suggests contacts; the common flags work before the command', async () => {
    const dir = tmp();
    const cli = clean(dir);
    const typo = await cli(['contact', 'list']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown command "contact" (Did you mean contacts?)');
    const config = writeConfig(dir, { db: join(dir, 'mirror.sqlite'), status: { maxAgeHours: 5 } });
    const before = await cli(['--config', config, 'config', 'check', '--json']);
    expect(before.code, before.stderr).toBe(0);
    expect((JSON.parse(before.stdout) as { status: { maxAgeHours: number } }).status.maxAgeHours).toBe(5);
    const missing = await cli(['--config', join(dir, 'nope.json'), 'status']);
    expect(missing.stderr).toMatch(/^ghl-etl status: config file .*nope\.json does not exist/);
    const json = await cli(['--json', '--config', join(dir, 'nope.json'), 'runs']);
    expect(JSON.parse(json.stdout)).toMatchObject({ error: { exitCode: 2 } });
  });

  it('help shows no raw JSON defaults', async () => {
    const cli = clean(tmp());
    for (const args of [['export', '--help'], ['sandbox', '--help'], ['contacts', 'list', '--help']]) {
      const help = await cli(args);
      expect(help.stdout).not.toMatch(/default: (\[\]|")/);
    }
  });

  it('auth login --help and the README agree on what asks for contacts.write', async () => {
    const help = await clean(tmp())(['auth', 'login', '--help']);
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(help.stdout).toContain('("leadcars.token", "intakeSecret"): contacts.write');
    expect(readme).toContain('`auth login` asks for `contacts.write` only when a feature that writes to HighLevel is configured\n(`leadcars.token` or `intakeSecret`)');
  });

  it('the README\'s configuration table is one table', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('## Commands'));
    // Rows of both halves of the table that was split, with only rows between them.
    expect(section).toMatch(/\| `status.maxAgeHours` .*\|\n(\|.*\|\n)*\| `sync.locationConcurrency`/);
    expect(section).not.toMatch(/\|\n\n\|/);
  });
});

describe('24: sync log lines name each key once', () => {
  it('the "sync ok" line carries locationId, mode and lister once', async () => {
    await withSandbox({ contacts: 5, seed: 24 }, async (sandbox) => {
      const dir = tmp();
      const location = sandbox.locations[0]!;
      const env = { ...CLEAN, GHL_ETL_DB: join(dir, 'mirror.sqlite'), GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token };
      const sync = await runCli(['sync', '--log-level', 'info'], { cwd: dir, env });
      expect(sync.code, sync.stderr).toBe(0);
      const line = sync.stderr.split('\n').find((l) => l.includes('"msg":"sync ok"'));
      expect(line, sync.stderr).toBeDefined();
      for (const key of ['locationId', 'mode', 'lister']) expect(line!.split(`"${key}":`).length - 1, key).toBe(1);
    });
  }, 180_000);
});

describe('20: the README says how to stop a long-running command started through npx', () => {
  it('names the caveat and the way to start it that signals reach', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain('**Signals and `npx`.**');
    expect(readme).toMatch(/not through `npx`/);
    expect(readme).toContain('`npx --no ghl-etl ...`');
  });
});

describe('19: schedule on a terminal, and the next run time', () => {
  it('logs lines a person reads (not JSON) on a terminal, and gives the next run to the second', async () => {
    const dir = tmp();
    const env = { ...ONE_LOCATION, GHL_ETL_DB: join(dir, 'mirror.sqlite') };
    // `script` gives the command a terminal; `timeout` stops it with SIGTERM once it has started.
    const command = `timeout -s TERM 25 ${process.execPath} ${BIN} schedule --cron '30 0 2 * * *'`;
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(result.out).toMatch(/next run \d{4}-\d{2}-\d{2} 02:00:30 UTC/);
    expect(result.out).toMatch(/\d{2}:\d{2}:\d{2} INFO  schedule: stopped {2}signal=SIGTERM/);
    expect(result.out).not.toContain('{"level"');
  });
});
