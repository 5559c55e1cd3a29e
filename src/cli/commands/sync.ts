// `ghl-etl sync`: mirror the configured locations into the database (src/sync/).
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { quietByDefault } from '../../log.ts';
import type { Lister, RunSummary } from '../../sync/location.ts';
import { runPipeline, type PipelineContext, type PipelineOptions, type PipelineResult } from '../../pipeline/run.ts';
import type { SyncAllResult } from '../../sync/run.ts';
import { oneOf } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { LockedError } from '../errors.ts';
import { exitCodeForOutcome } from '../exit-codes.ts';
import { onInterrupt } from '../interrupt.ts';
import { createProgress } from '../progress.ts';

export function chooseLocations(config: LoadedConfig, only: string | undefined): LoadedConfig['locations'] {
  if (config.locations.length === 0) {
    throw new ConfigError(
      'no locations configured: set GHL_LOCATION_ID and GHL_TOKEN, or add "locations" (each with "id" and "token") to the config file ' +
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
  // An interrupt is said once for the whole sync (reportProblems), not under each location.
  return parts.join(', ') + (r.error && r.status !== 'interrupted' ? `\n  ${r.error}` : '') + r.notices.map((n) => `\n  note: ${n}`).join('');
}

/**
 * Runs the pipeline with the progress line and Ctrl-C handling of the terminal. On the first
 * Ctrl-C the line is cleared and one message printed; the jobs' own warnings about the stop are
 * held back (an explicit --log-level / LOG_LEVEL still shows them), and the caller prints the
 * outcome once.
 */
export async function runSync(ctx: PipelineContext, opts: Omit<PipelineOptions, 'progress' | 'signal'>): Promise<PipelineResult> {
  const progress = createProgress();
  const interrupt = onInterrupt(() => {
    quietByDefault('error');
    progress.note('Stopping at the next checkpoint (Ctrl-C again to stop at once)...');
  });
  try {
    const { onLocationDone } = opts;
    return await runPipeline(ctx, {
      ...opts, progress, signal: interrupt.signal,
      // Printed above the progress line so the bar is not torn.
      ...(onLocationDone ? { onLocationDone: (run: RunSummary) => progress.above(() => onLocationDone(run)) } : {}),
    });
  } finally {
    progress.done();
    interrupt.dispose();
  }
}

/** The lines printed on stderr after a sync: each failed location's error, an interrupt once. */
export function reportProblems(result: SyncAllResult): void {
  for (const run of result.runs) {
    if (run.error && run.status !== 'interrupted') process.stderr.write(`ghl-etl sync: ${run.locationId}: ${run.error}\n`);
  }
  if (result.outcome === 'interrupted') {
    process.stderr.write('ghl-etl sync: stopped on a checkpoint; the next `ghl-etl sync` resumes where this one stopped\n');
  }
}

interface SyncFlags {
  location?: string;
  full?: boolean;
  lister?: Lister;
  allowMassDelete?: boolean;
}

export function register(program: Command): void {
  leaf<SyncFlags>(program.command('sync')
    .summary('Mirror contacts, tags, custom fields, tasks and notes into SQLite (incremental, resumable)')
    .option('--location <id>', 'sync only this configured location (default: all)')
    .option('--full', 're-read every contact\'s tasks and notes (default: new and changed ones plus a rolling share)')
    .option('--lister <how>', 'list: GET /contacts/ (default, config "sync.lister"); search: POST /contacts/search', oneOf(['list', 'search'] as const))
    .option('--allow-mass-delete', 'let a run soft-delete more than "sync.maxDeleteShare" of a location\'s contacts'),
  async (opts) => {
    const config = configOf(opts);
    const locations = chooseLocations(config, opts.location);
    return withApp(config, async (app) => {
      const { sync: result, bridge, bridgeError } = await runSync(app, {
        locations, full: opts.full ?? false, lister: opts.lister ?? config.sync.lister, exports: false,
        allowMassDelete: opts.allowMassDelete ?? false,
        // Each location's summary as soon as it finishes (the others may still be running).
        ...(opts.json ? {} : { onLocationDone: (run: RunSummary) => void process.stdout.write(describeRun(run) + '\n') }),
      });
      if (result.lockedBy) {
        const h = result.lockedBy;
        throw new LockedError(`another sync is running on this database (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt}): wait for it to finish`);
      }
      if (bridgeError) throw bridgeError;
      const exitCode = exitCodeForOutcome(result.outcome);
      if (opts.json) {
        printJson({ database: config.db, exitCode, runs: result.runs, alreadyDone: result.alreadyDone ?? [], ...(bridge ? { bridge } : {}) });
      } else {
        for (const id of result.alreadyDone ?? []) process.stdout.write(`${id}: already synced by the interrupted run this one resumes\n`);
        if (bridge?.ran) process.stdout.write(`LeadCars: ${bridge.commentsQueued} comments queued, ${bridge.poll.polled} leads polled (${bridge.poll.changed} changed), outbox ${bridge.outbox.sent} sent, ${bridge.outbox.retried} to retry, ${bridge.outbox.dead} dead, ${bridge.outbox.unknown} unknown\n`);
      }
      reportProblems(result);
      return exitCode;
    });
  });
}
