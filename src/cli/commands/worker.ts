// `ghl-etl worker [--concurrency N]`: takes location syncs from the PostgreSQL job queue until
// stopped (src/queue/worker.ts). SIGTERM: the jobs in hand stop on a checkpoint and go back to the
// queue, exit 0 (a service's clean stop); Ctrl-C the same, exit 130. Needs a PostgreSQL `db`.
import type { Command } from 'commander';
import { runWorker } from '../../queue/worker.ts';
import { positiveNumber } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { onInterrupt } from '../interrupt.ts';
import { chooseLocations } from '../locations.ts';
import { writeOut } from '../../terminal-text.ts';

interface WorkerFlags {
  concurrency?: number;
}

export function register(program: Command): void {
  leaf<WorkerFlags>(program.command('worker')
    .summary('Take location syncs from the PostgreSQL job queue until stopped (many workers, many machines; README "Scaling out")')
    .option('--concurrency <n>', 'locations synced at once by this process (config "worker.concurrency", default 2)', positiveNumber),
  async (opts) => {
    const config = configOf(opts);
    const locations = chooseLocations(config, undefined);
    const concurrency = opts.concurrency ?? config.worker.concurrency;
    // Each location running holds one connection at a time (its statements and transactions go
    // one after another); the locks share one more. Twice that was asked before, and four workers
    // of 25 then passed PostgreSQL's max_connections ("too many clients"): a pool's extra callers wait.
    return withApp(config, async (app) => {
      const { logger } = app;
      let stoppedBy: NodeJS.Signals | undefined;
      const interrupt = onInterrupt((sig) => {
        stoppedBy = sig;
        logger.info({ signal: sig }, 'worker: stopping (jobs in hand stop at their next checkpoint and go back to the queue)');
      });
      try {
        // The queue is set up before any job is taken: a SQLite `db` is exit 2 here.
        const queue = await app.queue({ supervise: true });
        const mirror = await app.mirror();
        // Once, before the first job: its locations' windows should not wait on compiling.
        app.client.prepareSyncChecks();
        if (!opts.json) writeOut(`ghl-etl worker: taking location syncs (${concurrency} at once) from the queue in ${mirror.shown}; stop with SIGTERM or Ctrl-C.\n`);
        const summary = await runWorker({
          queue, concurrency, locations, lister: config.sync.lister, signal: interrupt.signal, logger,
          pipeline: { db: mirror, client: app.client, config: app.config, logger, get leadcars() { return app.leadcars; } },
        });
        if (opts.json) printJson({ stoppedBy: stoppedBy ?? null, ...summary });
        else writeOut(`ghl-etl worker: stopped; ${summary.jobs} jobs (${summary.ok} ok, ${summary.budget} budget, ${summary.givenBack} given back, ${summary.failed} failed)\n`);
      } finally {
        interrupt.dispose();
      }
      return stoppedBy === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
    }, { postgres: true, maxConnections: Math.max(10, concurrency + 2) });
  });
}
