// `npm run demo` / `ghl-etl demo`: the whole story without an account. Starts the sandbox in this
// process (2 locations x 500 contacts, HighLevel's 100 requests / 10 s limit time-scaled 50x so it
// finishes in seconds), syncs into a fresh data/demo.sqlite, applies a day of changes, syncs
// incrementally, and prints where the file is, the run summaries and queries to try.
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { intFlag, parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodeForOutcome } from '../exit-codes.ts';
import { createProgress } from '../progress.ts';
import { openDatabase } from '../../db/open.ts';
import { quietByDefault } from '../../log.ts';
import { createGhlClient, staticTokens } from '../../ghl/index.ts';
import { startSandbox } from '../../sandbox/index.ts';
import { onInterrupt } from '../interrupt.ts';
import type { RunSummary } from '../../sync/location.ts';
import { syncAll } from '../../sync/run.ts';
import { describeRun } from './sync.ts';

const usage = 'ghl-etl demo [--locations N] [--contacts N] [--changes N] [--db FILE] [--json]';
const TIME_SCALE = 50;
const DEFAULT_CONFIG = { sync: { concurrency: 8, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };

export const EXAMPLE_QUERIES = [
  ['contacts per tag', `SELECT tag, count(*) AS contacts FROM contact_tags JOIN contacts c ON c.id = contact_id WHERE c.deleted_at IS NULL GROUP BY tag ORDER BY contacts DESC LIMIT 10;`],
  ['open tasks due first', `SELECT due_date, title, contact_id FROM open_tasks ORDER BY due_date LIMIT 10;`],
  ['one row per contact, custom fields as columns', `SELECT * FROM contacts_wide LIMIT 5;`],
  ['the sync runs', `SELECT id, location_id, mode, status, contacts_seen, contacts_new, contacts_updated, contacts_deleted, tasks, notes, api_calls FROM sync_runs;`],
] as const;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Sandbox with seeded data -> sync -> a day of changes -> incremental sync, into data/demo.sqlite',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, { locations: { type: 'string' }, contacts: { type: 'string' }, changes: { type: 'string' }, db: { type: 'string' } }, usage);
    // The demo tells its story on stdout; the per-run JSON logs would drown it (LOG_LEVEL wins).
    quietByDefault();
    const dbPath = resolve(values.db ?? 'data/demo.sqlite');
    for (const suffix of ['', '-wal', '-shm']) rmSync(dbPath + suffix, { force: true });
    const out = (line = '') => (values.json ? process.stderr : process.stdout).write(line + '\n');

    const sandbox = await startSandbox({
      locations: intFlag(values.locations, 'locations', 2)!,
      contacts: intFlag(values.contacts, 'contacts', 500)!,
      seed: 7,
      rateLimit: { max: 100, windowMs: 10_000 },
      timeScale: TIME_SCALE,
    });
    const db = openDatabase(dbPath);
    const client = createGhlClient({
      baseUrl: sandbox.url,
      tokens: staticTokens(Object.fromEntries(sandbox.locations.map((l) => [l.id, l.token]))),
      // HighLevel's 100 per 10 s, on the sandbox's scaled clock.
      rateLimit: { max: 100, intervalMs: 10_000 / TIME_SCALE, daily: 200_000, dailyShare: 0.8 },
      http: { timeoutMs: 10_000, retries: 5 },
      backoff: { baseMs: 20, capMs: 500 },
    });
    const interrupt = onInterrupt();
    const progress = createProgress();
    const runs: RunSummary[] = [];
    try {
      out(`Sandbox at ${sandbox.url}: ${sandbox.locations.length} locations; syncing into ${dbPath}`);
      const sync = async (label: string) => {
        const result = await syncAll({ db, client, locations: sandbox.locations, full: false, lister: 'list', config: DEFAULT_CONFIG, progress, signal: interrupt.signal });
        progress.done();
        out(`\n${label}`);
        for (const run of result.runs) out(`  ${describeRun(run)}`);
        runs.push(...result.runs);
        return exitCodeForOutcome(result.outcome);
      };
      let code = await sync('First sync (everything is new):');
      if (code !== EXIT.ok) return code;

      const changes = intFlag(values.changes, 'changes', 40)!;
      const applied = sandbox.store.mutate({ changes, seed: 8 });
      out(`\nA day of changes in HighLevel: ${JSON.stringify(applied.byKind)}`);
      code = await sync('Incremental sync (only what changed, plus a rolling share of tasks and notes):');
      if (code !== EXIT.ok) return code;

      // Hook: once `ghl-etl export` exists (src/export/), the demo writes a segment CSV here.
      const { COMMANDS } = await import('./index.ts');
      const exporter = COMMANDS.find((c) => c.name === 'export');
      if (exporter) {
        out('\nExport:');
        process.env.GHL_ETL_DB = dbPath; // the export reads the demo's mirror
        await exporter.run([]).catch((err: Error) => out(`  export failed: ${err.message}`));
      } else {
        out('\n(Segment CSV exports: `ghl-etl export` is not part of this build yet.)');
      }

      out(`\nThe mirror: ${dbPath}\nTry:`);
      for (const [what, query] of EXAMPLE_QUERIES) out(`  # ${what}\n  sqlite3 ${dbPath} "${query}"`);
      if (values.json) process.stdout.write(JSON.stringify({ database: dbPath, runs }) + '\n');
      return EXIT.ok;
    } finally {
      interrupt.dispose();
      await client.close();
      db.close();
      await sandbox.stop();
    }
  },
};
