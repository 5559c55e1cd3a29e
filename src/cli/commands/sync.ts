// `ghl-etl sync`: one run of the pipeline (src/pipeline/: the sync of the configured locations,
// then the LeadCars bridge's after-sync work), printed.
import type { Command } from 'commander';
import type { Lister, RunSummary } from '../../sync/location.ts';
import { oneOf } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { LockedError } from '../errors.ts';
import { exitCodeForOutcome } from '../exit-codes.ts';
import { chooseLocations } from '../locations.ts';
import { describeRun, reportProblems, runSync } from '../sync-run.ts';
import { writeOut } from '../../terminal-text.ts';

interface SyncFlags {
  location?: string;
  full?: boolean;
  lister?: Lister;
  allowMassDelete?: boolean;
}

export function register(program: Command): void {
  leaf<SyncFlags>(program.command('sync')
    .summary('Mirror contacts, tags, custom fields, tasks and notes into SQLite or PostgreSQL (incremental, resumable)')
    .option('--location <id>', 'sync only this configured location (default: all)')
    .option('--full', 're-read every contact\'s tasks and notes (default: new and changed ones plus a rolling share)')
    .option('--lister <how>', 'list: GET /contacts/ (default, config "sync.lister"); search: POST /contacts/search', oneOf(['list', 'search'] as const))
    .option('--allow-mass-delete', 'let a run soft-delete more than "sync.maxDeleteShare" of a location\'s contacts'),
  async (opts) => {
    const config = configOf(opts);
    const locations = chooseLocations(config, opts.location);
    return withApp(config, async (app) => {
      const db = await app.mirror();
      const { sync: result, bridge, bridgeError } = await runSync({
        db, client: app.client, config: app.config, logger: app.logger,
        get leadcars() { return app.leadcars; },
      }, {
        locations, full: opts.full ?? false, lister: opts.lister ?? config.sync.lister, exports: false,
        allowMassDelete: opts.allowMassDelete ?? false,
        // Each location's summary as soon as it finishes (the others may still be running).
        ...(opts.json ? {} : { onLocationDone: (run: RunSummary) => void writeOut(describeRun(run) + '\n') }),
      });
      if (result.lockedBy) {
        const h = result.lockedBy;
        if (result.lockedOut) {
          throw new LockedError(`${result.lockedOut.join(', ')}: being synced by another process, e.g. a worker (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt}); ` +
            `${result.runs.length > 0 ? 'the other locations were synced; ' : ''}run again once it finishes`);
        }
        throw new LockedError(`another sync is running on this database (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt}): wait for it to finish`);
      }
      if (bridgeError) throw bridgeError;
      const exitCode = exitCodeForOutcome(result.outcome);
      if (opts.json) {
        printJson({ database: db.shown, exitCode, runs: result.runs, alreadyDone: result.alreadyDone ?? [], ...(bridge ? { bridge } : {}) });
      } else {
        for (const id of result.alreadyDone ?? []) writeOut(`${id}: already synced by the interrupted run this one resumes\n`);
        if (bridge?.ran) writeOut(`LeadCars: ${bridge.commentsQueued} comments queued, ${bridge.poll.polled} leads polled (${bridge.poll.changed} changed), outbox ${bridge.outbox.sent} sent, ${bridge.outbox.retried} to retry, ${bridge.outbox.dead} dead, ${bridge.outbox.unknown} unknown\n`);
      }
      reportProblems(result);
      return exitCode;
    }, { postgres: true });
  });
}
