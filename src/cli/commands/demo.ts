// `npm run demo` / `ghl-etl demo`: the whole story without an account. Starts the sandbox in this
// process (2 locations x 500 contacts, HighLevel's 100 requests / 10 s limit time-scaled 50x so it
// finishes in seconds), syncs into a fresh data/demo.sqlite, applies a day of changes, syncs
// incrementally, writes one segment CSV per tag into data/demo-exports/ (beside the database),
// and prints where the files are, the run summaries, the head of one CSV and queries to try.
// It replaces only what it made: a database it marked, CSVs in a folder it marked.
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { configSchema } from '../../config/schema.ts';
import { maskDatabaseUrl, urlScheme } from '../../config/database.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { isDemoDatabase, markDemoDatabase } from '../../db/demo-mark.ts';
import { DatabaseOpenError, type Db } from '../../db/open.ts';
import { exportByTag, type ByTagResult } from '../../export/index.ts';
import { quietByDefault } from '../../log.ts';
import { startSandbox, type Sandbox } from '../../sandbox/index.ts';
import type { RunSummary } from '../../sync/location.ts';
import { UsageError, wholeNumber } from '../args.ts';
import { leaf, printJson, withApp } from '../command.ts';
import { EXIT, exitCodeForOutcome } from '../exit-codes.ts';
import { describeRun, reportProblems, runSync } from './sync.ts';

const TIME_SCALE = 50;

export const EXAMPLE_QUERIES = [
  ['contacts per tag', `SELECT tag, count(*) AS contacts FROM contact_tags JOIN contacts c ON c.id = contact_id WHERE c.deleted_at IS NULL GROUP BY tag ORDER BY contacts DESC LIMIT 10;`],
  ['open tasks due first', `SELECT due_date, title, contact_id FROM open_tasks ORDER BY due_date LIMIT 10;`],
  ['one row per contact, custom fields as columns', `SELECT * FROM contacts_wide LIMIT 5;`],
  ['the sync runs', `SELECT id, location_id, mode, status, contacts_seen, contacts_new, contacts_updated, contacts_deleted, tasks, notes, api_calls FROM sync_runs;`],
] as const;

/** The folder of the demo's CSVs, beside its database: data/demo-exports/ by default. */
const DEMO_EXPORTS = 'demo-exports';
/** The file that marks a folder as the demo's: its CSVs are the demo's to replace. */
const DEMO_FOLDER_MARK = '.ghl-etl-demo';

/**
 * Checks that the demo may (re)create the database at `dbPath` and the CSV folder `dir`, before
 * anything is touched: the database must be missing, empty or one the demo created; the folder
 * missing, empty or marked as the demo's. A mirror or a user's file is never replaced.
 */
function checkDemoTargets(dbPath: string, dir: string): void {
  const stat = statSync(dbPath, { throwIfNoEntry: false });
  if (stat?.isDirectory()) throw new DatabaseOpenError(dbPath, 'is a directory', 'give --db a file name');
  if (stat && stat.size > 0 && !isDemoDatabase(dbPath)) {
    throw new UsageError(
      `--db ${dbPath} exists and was not created by the demo (it may be a mirror), so the demo will not replace it: ` +
        'give --db another file name (if it is a demo database from an older ghl-etl, delete it first)',
    );
  }
  const folder = statSync(dir, { throwIfNoEntry: false });
  if (folder && !folder.isDirectory()) throw new UsageError(`${dir} is a file, and the demo writes its CSVs into that folder: move the file or give --db another folder`);
  if (folder && !isDemoFolder(dir) && readdirSync(dir).length > 0) {
    throw new UsageError(`${dir} holds files the demo did not write, so it will not write its CSVs there: move them, or give --db a file in another folder`);
  }
}

function isDemoFolder(dir: string): boolean {
  return statSync(join(dir, DEMO_FOLDER_MARK), { throwIfNoEntry: false })?.isFile() === true;
}

/** Deletes the demo's previous database (and its -wal/-shm) and CSVs; checkDemoTargets has allowed it. */
function clearOldDemo(dbPath: string, dir: string): void {
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, DEMO_FOLDER_MARK), 'The CSVs of `ghl-etl demo`: it replaces them on every run. Keep your own files elsewhere.\n');
  for (const name of readdirSync(dir)) if (name.endsWith('.csv')) rmSync(join(dir, name), { force: true });
}

/** The demo's configuration: the in-process sandbox's locations and tokens, its sped-up clock. */
function demoConfig(sandbox: Sandbox, dbPath: string): LoadedConfig {
  const config = configSchema.parse({
    baseUrl: sandbox.url,
    db: dbPath,
    locations: sandbox.locations.map((l) => ({ id: l.id, token: l.token })),
    // HighLevel's 100 per 10 s, on the sandbox's scaled clock.
    rateLimit: { max: 100, intervalMs: 10_000 / TIME_SCALE, daily: 200_000, dailyShare: 0.8 },
    http: { timeoutMs: 10_000, retries: 5 },
    sync: { concurrency: 8, lister: 'list', rollingDays: 7, maxDeleteShare: 0.2 },
  });
  return { ...config, authUrl: `${sandbox.url}/v2/oauth/chooselocation` };
}

/** The first `lines` lines of a CSV, each cut to `width` characters: a taste, not the file. */
function headOf(path: string, lines: number, width: number): string[] {
  // Only the start of the file is read: a segment CSV can be large.
  const text = readFileSync(path, 'utf8').slice(0, 64 * 1024).replace(/^\uFEFF/, '');
  return text.split('\r\n').slice(0, lines).map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}

/** One CSV per tag into the demo's folder `dir`, and a look at one. */
async function writeSegmentCsvs(db: Db, dir: string, out: (line?: string) => void): Promise<ByTagResult> {
  const result = await exportByTag(db, dir);
  const byRows = [...result.files].sort((a, b) => b.rows - a.rows);
  const shownDir = relative(process.cwd(), dir) || dir;
  out(`\nSegment CSVs, one per tag: ${result.files.length} files in ${dir} (as \`ghl-etl export --by-tag --out-dir ${shownDir}\` writes them)`);
  for (const f of byRows.slice(0, 5)) out(`  ${basename(f.path).padEnd(28)} ${String(f.rows).padStart(5)} contacts tagged "${f.tag}"`);
  if (byRows.length > 5) out(`  ... and ${byRows.length - 5} more`);
  const shown = result.files.find((f) => f.tag === 'vip') ?? byRows[0];
  if (shown) {
    out(`\nThe head of ${relative(process.cwd(), shown.path) || shown.path} (id first, then the contact fields, tags, custom fields, open tasks, last note):`);
    for (const line of headOf(shown.path, 4, 150)) out(`  ${line}`);
  }
  return result;
}

interface DemoFlags {
  locations: number;
  contacts: number;
  changes: number;
  db: string;
}

export function register(program: Command): void {
  leaf<DemoFlags>(program.command('demo')
    .summary('Sandbox with seeded data -> sync -> a day of changes -> incremental sync into data/demo.sqlite -> CSVs per tag in data/demo-exports/')
    .option('--locations <n>', 'sub-accounts in the sandbox', wholeNumber, 2)
    .option('--contacts <n>', 'contacts per location', wholeNumber, 500)
    .option('--changes <n>', 'changes applied between the two syncs', wholeNumber, 40)
    .option('--db <file>', 'the database to create (one the demo created there is replaced; any other file is refused); the CSVs go to demo-exports/ beside it', 'data/demo.sqlite'),
  async (opts) => {
    // The demo tells its story on stdout; the per-run JSON logs would drown it (LOG_LEVEL wins).
    quietByDefault();
    // The demo writes a fresh SQLite file; a URL would become a folder named after its scheme.
    if (urlScheme(opts.db) !== undefined) throw new UsageError(`--db takes a file name (the demo writes a fresh SQLite file), got ${maskDatabaseUrl(opts.db)}`);
    const dbPath = resolve(opts.db);
    const exportsDir = join(dirname(dbPath), DEMO_EXPORTS);
    checkDemoTargets(dbPath, exportsDir);
    clearOldDemo(dbPath, exportsDir);
    const out = (line = '') => (opts.json ? process.stderr : process.stdout).write(line + '\n');

    const sandbox = await startSandbox({
      locations: opts.locations, contacts: opts.contacts, seed: 7, rateLimit: { max: 100, windowMs: 10_000 }, timeScale: TIME_SCALE,
    });
    try {
      const config = demoConfig(sandbox, dbPath);
      return await withApp(config, async ({ db, client }) => {
        markDemoDatabase(db);
        const runs: RunSummary[] = [];
        out(`Sandbox at ${sandbox.url}: ${sandbox.locations.length} locations; syncing into ${dbPath}`);
        const sync = async (label: string) => {
          const result = await runSync({ db, client, locations: sandbox.locations, full: false, lister: 'list', config });
          out(`\n${label}`);
          for (const run of result.runs) out(`  ${describeRun(run)}`);
          reportProblems(result);
          runs.push(...result.runs);
          return exitCodeForOutcome(result.outcome);
        };
        let code = await sync('First sync (everything is new):');
        if (code !== EXIT.ok) return code;

        const applied = sandbox.store.mutate({ changes: opts.changes, seed: 8 });
        out(`\nA day of changes in HighLevel: ${JSON.stringify(applied.byKind)}`);
        code = await sync('Incremental sync (only what changed, plus a rolling share of tasks and notes):');
        if (code !== EXIT.ok) return code;

        const csvs = await writeSegmentCsvs(db, exportsDir, out);

        out(`\nThe mirror: ${dbPath}\nTry:`);
        for (const [what, query] of EXAMPLE_QUERIES) out(`  # ${what}\n  sqlite3 ${dbPath} "${query}"`);
        if (opts.json) printJson({ database: dbPath, runs, exports: csvs.files.map((f) => ({ tag: f.tag, path: f.path, rows: f.rows, sha256: f.sha256 })) });
        return EXIT.ok;
      }, { backoff: { baseMs: 20, capMs: 500 } });
    } finally {
      await sandbox.stop();
    }
  });
}
