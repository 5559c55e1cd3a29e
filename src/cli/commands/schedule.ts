// `ghl-etl schedule`: runs until stopped; on each cron tick one run of the pipeline: the sync
// (shared lock with manual `ghl-etl sync`), the LeadCars bridge's after-sync work, then the
// configured exports (src/schedule/, src/pipeline/). SIGTERM stops it on a checkpoint
// with exit 0 (a clean stop of a service); Ctrl-C does the same with exit 130.
import type { Command } from 'commander';
import { runPipeline } from '../../pipeline/run.ts';
import { queuedSchedule } from '../../queue/schedule.ts';
import { checkSchedule, startSchedule } from '../../schedule/index.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { onInterrupt } from '../interrupt.ts';
import { chooseLocations } from '../locations.ts';
import { writeOut } from '../../terminal-text.ts';

interface ScheduleFlags {
  cron?: string;
  timezone?: string;
  runNow?: boolean;
  queue?: boolean;
}

/** "2026-03-02 02:00:30 Europe/Madrid (2026-03-02T01:00:30.000Z)": the next run as a person reads it, seconds included (6-field expressions have them). */
function describeNext(next: Date | null, timezone: string): string {
  if (!next) return 'never';
  const local = new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'medium' }).format(next);
  return `${local} ${timezone} (${next.toISOString()})`;
}

export function register(program: Command): void {
  leaf<ScheduleFlags>(program.command('schedule')
    .summary('Run until stopped: on each cron tick, sync, the LeadCars bridge, then the configured exports (default 02:00 UTC)')
    .option('--cron <expr>', 'cron expression, 5 fields or 6 with seconds first (config "schedule.cron", default "0 2 * * *")')
    .option('--timezone <tz>', 'IANA time zone of the expression (config "schedule.timezone", default UTC)')
    .option('--run-now', 'run once at start, then follow the schedule')
    .option('--queue', 'put each tick into the PostgreSQL job queue for `ghl-etl worker` processes instead of syncing here (any number of schedulers queue each tick once)'),
  async (opts) => {
    const config = configOf(opts);
    // Everything that can be wrong is found now, not at 02:00.
    const spec = checkSchedule({ cron: opts.cron ?? config.schedule.cron, timezone: opts.timezone ?? config.schedule.timezone });
    const locations = chooseLocations(config, undefined);
    // The mirror is opened (and migrated) now: a bad path or an unreachable server is exit 2 at start.
    return withApp(config, async (app) => {
      const { logger } = app;
      const db = await app.mirror();
      const pipeline = { db, config: app.config, logger, get client() { return app.client; }, get leadcars() { return app.leadcars; } };
      let stoppedBy: NodeJS.Signals | undefined;
      const interrupt = onInterrupt((sig) => {
        stoppedBy = sig;
        logger.info({ signal: sig }, 'schedule: stopping (a run in progress stops at its next checkpoint)');
      });
      try {
        // --queue: a SQLite `db` is exit 2 here, before the first tick.
        const queue = opts.queue ? await app.queue() : undefined;
        const tick = queue ? await queuedSchedule({ queue, spec, locationIds: locations.map((l) => l.id), logger }) : undefined;
        const handle = startSchedule({
          ...spec, logger, signal: interrupt.signal, runNow: opts.runNow,
          run: (signal, at) => (tick
            ? tick(at).then(() => ({ sync: { outcome: 'ok' as const } }))
            : runPipeline(pipeline, { locations, full: false, lister: config.sync.lister, exports: true, signal })),
        });
        const next = handle.nextRun();
        if (opts.json) {
          printJson({ cron: spec.cron, timezone: spec.timezone, nextRun: next?.toISOString() ?? null, exports: config.exports.length, queue: opts.queue ?? false });
        } else {
          writeOut(`ghl-etl schedule${opts.queue ? ' --queue' : ''}: "${spec.cron}" in ${spec.timezone}; next ${opts.queue ? 'tick queued' : 'run'} ${describeNext(next, spec.timezone)}` +
            `${opts.runNow ? '; running once now' : ''}. Each run is logged on stderr; stop with SIGTERM or Ctrl-C.\n`);
        }
        await handle.done;
        await queue?.stopWorking();
      } finally {
        interrupt.dispose();
      }
      logger.info({ signal: stoppedBy }, 'schedule: stopped');
      return stoppedBy === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
    }, { postgres: true });
  });
}
