// `ghl-etl sync`: mirror the configured locations into the database (src/sync/).
import { parseFlags, UsageError } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT, exitCodeForOutcome } from '../exit-codes.ts';
import { createProgress } from '../progress.ts';
import { createTokenProvider } from '../../auth/provider.ts';
import { ConfigError } from '../../config/errors.ts';
import { loadConfig, type LoadedConfig } from '../../config/load.ts';
import { openDatabase } from '../../db/open.ts';
import { createGhlClient } from '../../ghl/client.ts';
import { log } from '../../log.ts';
import { onInterrupt } from '../interrupt.ts';
import type { Lister, RunSummary } from '../../sync/location.ts';
import { syncAll } from '../../sync/run.ts';

const usage = 'ghl-etl sync [--location ID] [--full] [--lister list|search] [--allow-mass-delete] [--json] [--config FILE]\n' +
  '  --location ID        sync only this configured location (default: all)\n' +
  '  --full               re-read every contact\'s tasks and notes (default: new and changed ones plus a rolling share)\n' +
  '  --lister list|search GET /contacts/ (default, config sync.lister) or POST /contacts/search\n' +
  '  --allow-mass-delete  let a run soft-delete more than sync.maxDeleteShare of a location\'s contacts\n' +
  '  --json               print the run summaries as one JSON document on stdout';

export function chooseLocations(config: LoadedConfig, only: string | undefined): LoadedConfig['locations'] {
  if (config.locations.length === 0) {
    throw new ConfigError(
      'no locations configured: set GHL_LOCATION_ID and GHL_TOKEN, or add "locations" to the config file ' +
        `(${config.configFile ?? 'ghl-etl.config.json'}; see ghl-etl.config.example.json)`,
    );
  }
  if (only === undefined) return config.locations;
  const found = config.locations.filter((l) => l.id === only);
  if (found.length === 0) {
    throw new ConfigError(`--location ${only} is not configured (configured: ${config.locations.map((l) => l.id).join(', ')}): add it to "locations" or set GHL_LOCATION_ID`);
  }
  return found;
}

/** One human line per location run (plus its error and notices, indented). */
export function describeRun(r: RunSummary): string {
  const secs = (r.durationMs / 1000).toFixed(1);
  const who = r.locationName ? `${r.locationId} (${r.locationName})` : r.locationId;
  const parts = [
    `${who}: ${r.status}${r.resumed ? ' (resumed)' : ''}`,
    `${r.contactsSeen} contacts listed (${r.contactsNew} new, ${r.contactsUpdated} updated, ${r.contactsDeleted} deleted)`,
    `tasks+notes of ${r.childrenFetched} contacts (${r.tasks} tasks, ${r.notes} notes)`,
    `${r.apiCalls} API calls${r.retries ? `, ${r.retries} retries` : ''}${r.rateLimited ? `, ${r.rateLimited} rate-limited` : ''}`,
    `${secs}s`,
  ];
  return parts.join(', ') + (r.error ? `\n  ${r.error}` : '') + r.notices.map((n) => `\n  note: ${n}`).join('');
}

export const syncCommand: Command = {
  name: 'sync',
  summary: 'Mirror contacts, tags, custom fields, tasks and notes into SQLite (incremental, resumable)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      location: { type: 'string' },
      full: { type: 'boolean' },
      lister: { type: 'string' },
      'allow-mass-delete': { type: 'boolean' },
    }, usage);
    const config = loadConfig({ configPath: values.config });
    const lister = (values.lister ?? config.sync.lister) as Lister;
    if (lister !== 'list' && lister !== 'search') throw new UsageError(`--lister takes list or search, got "${String(values.lister)}"`);
    const locations = chooseLocations(config, values.location);

    const db = openDatabase(config.db);
    const client = createGhlClient({
      baseUrl: config.baseUrl,
      tokens: createTokenProvider({ db, config }),
      rateLimit: config.rateLimit,
      http: config.http,
      logger: log(),
    });
    const progress = createProgress();
    const interrupt = onInterrupt((sig) => log().warn({ signal: sig }, 'stopping after the current page (press Ctrl-C again to stop at once)'));
    try {
      const result = await syncAll({
        db, client, locations, full: values.full ?? false, lister, config,
        allowMassDelete: values['allow-mass-delete'] ?? false, progress, signal: interrupt.signal,
        // Each location's summary as soon as it finishes (the others may still be running).
        ...(values.json ? {} : { onLocationDone: (run: RunSummary) => progress.above(() => process.stdout.write(describeRun(run) + '\n')) }),
      });
      progress.done();
      if (result.lockedBy) {
        const h = result.lockedBy;
        process.stderr.write(`ghl-etl sync: another sync is running on this database (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt}): wait for it to finish\n`);
        return EXIT.locked;
      }
      const exitCode = exitCodeForOutcome(result.outcome);
      if (values.json) {
        process.stdout.write(JSON.stringify({ database: config.db, exitCode, runs: result.runs, alreadyDone: result.alreadyDone ?? [] }) + '\n');
      } else {
        for (const id of result.alreadyDone ?? []) process.stdout.write(`${id}: already synced by the interrupted run this one resumes\n`);
      }
      for (const run of result.runs) {
        if (run.error) process.stderr.write(`ghl-etl sync: ${run.locationId}: ${run.error}\n`);
      }
      return exitCode;
    } finally {
      interrupt.dispose();
      await client.close();
      db.close();
    }
  },
};
