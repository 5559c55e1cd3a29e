// `npm run demo` / `ghl-etl demo`: the whole story without an account. Starts the sandbox in this
// process (2 locations x 500 contacts, HighLevel's 100 requests / 10 s limit time-scaled 50x so it
// finishes in seconds), syncs into a fresh data/demo.sqlite, applies a day of changes, syncs
// incrementally, and prints where the file is, the run summaries and queries to try.
import { rmSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configSchema } from '../../config/schema.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { DatabaseOpenError, isGhlEtlDatabase } from '../../db/open.ts';
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

/**
 * Deletes the demo's previous database (and its -wal/-shm), but only a ghl-etl database: a
 * mistyped `--db` must not delete someone's file.
 */
function clearOldDemo(dbPath: string): void {
  const stat = statSync(dbPath, { throwIfNoEntry: false });
  if (!stat) return;
  if (stat.isDirectory()) throw new DatabaseOpenError(dbPath, 'is a directory', 'give --db a file name');
  if (!isGhlEtlDatabase(dbPath)) {
    throw new UsageError(`--db ${dbPath} exists and is not a ghl-etl database, so the demo will not replace it: give --db another file name`);
  }
  for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
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

interface DemoFlags {
  locations: number;
  contacts: number;
  changes: number;
  db: string;
}

export function register(program: Command): void {
  leaf<DemoFlags>(program.command('demo')
    .summary('Sandbox with seeded data -> sync -> a day of changes -> incremental sync, into data/demo.sqlite')
    .option('--locations <n>', 'sub-accounts in the sandbox', wholeNumber, 2)
    .option('--contacts <n>', 'contacts per location', wholeNumber, 500)
    .option('--changes <n>', 'changes applied between the two syncs', wholeNumber, 40)
    .option('--db <file>', 'the database to create (an older demo database there is replaced; any other file is refused)', 'data/demo.sqlite'),
  async (opts) => {
    // The demo tells its story on stdout; the per-run JSON logs would drown it (LOG_LEVEL wins).
    quietByDefault();
    const dbPath = resolve(opts.db);
    clearOldDemo(dbPath);
    const out = (line = '') => (opts.json ? process.stderr : process.stdout).write(line + '\n');

    const sandbox = await startSandbox({
      locations: opts.locations, contacts: opts.contacts, seed: 7, rateLimit: { max: 100, windowMs: 10_000 }, timeScale: TIME_SCALE,
    });
    try {
      const config = demoConfig(sandbox, dbPath);
      return await withApp(config, async ({ db, client }) => {
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

        // Hook: once `ghl-etl export` exists, the demo calls its job (src/export/) here to write a segment CSV.
        out('\n(Segment CSV exports: `ghl-etl export` is not part of this build yet.)');

        out(`\nThe mirror: ${dbPath}\nTry:`);
        for (const [what, query] of EXAMPLE_QUERIES) out(`  # ${what}\n  sqlite3 ${dbPath} "${query}"`);
        if (opts.json) printJson({ database: dbPath, runs });
        return EXIT.ok;
      }, { backoff: { baseMs: 20, capMs: 500 } });
    } finally {
      await sandbox.stop();
    }
  });
}
