// The long-running schedule: on each cron tick, one run of the pipeline (src/pipeline/: the sync
// under the same database lock as `ghl-etl sync`, the bridge's after-sync work, the configured
// exports). It knows nothing of the command line: the caller hands it the run, a logger and an
// AbortSignal (the CLI turns SIGTERM / Ctrl-C into one), so it can be driven with fake timers.
import cron, { type ScheduledTask } from 'node-cron';
import type { LockHolder } from '../db/locks.ts';
import type { AfterSyncSummary } from '../bridge/index.ts';
import type { ConfiguredExportsResult } from '../export/index.ts';
import type { Logger } from '../log.ts';
import type { SyncOutcome } from '../sync/run.ts';
import { checkSchedule, type ScheduleSpec } from './spec.ts';

export type ScheduleLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/** What a tick's run reports: `runPipeline`'s result, or the part of it the schedule reads. */
export interface TickRunResult {
  sync: { outcome: SyncOutcome; lockedBy?: LockHolder | undefined };
  /** The bridge's after-sync work (`ran` false when the database has nothing of the bridge). */
  bridge?: AfterSyncSummary | undefined;
  bridgeError?: Error | undefined;
  /** Absent when the run did not get to them (locked out, stopped). */
  exports?: ConfiguredExportsResult | undefined;
}

export interface ScheduleOptions extends ScheduleSpec {
  /** One run of every location (`runPipeline`; `at` the tick's slot); it must stop on a checkpoint when `signal` aborts. */
  run: (signal: AbortSignal, at: Date) => Promise<TickRunResult>;
  logger: ScheduleLogger;
  /** Aborting it stops the schedule: the tick in flight stops on its next checkpoint. */
  signal: AbortSignal;
  /** Run one tick straight away, then follow the schedule. */
  runNow?: boolean | undefined;
  /** Called with each tick's report (after it is logged). */
  onTick?: ((report: TickReport) => void) | undefined;
}

export type TickOutcome = 'ok' | 'failed' | 'budget' | 'interrupted' | 'skipped';

export interface TickReport {
  /** The slot the schedule fired for (the start time for --run-now), ISO. */
  at: string;
  trigger: 'scheduled' | 'start';
  outcome: TickOutcome;
  /** Why a tick was skipped: this schedule's previous tick is still going, or another process's sync holds the lock. */
  skipped?: 'busy' | 'locked';
  /** The sync's own outcome, when it ran. */
  sync?: SyncOutcome;
  /** What the LeadCars bridge did after the sync, when it had something to do. */
  bridge?: Omit<AfterSyncSummary, 'ran'>;
  /**
   * Files written, files of vanished tags removed (by-tag exports: src/export/by-tag.ts), and
   * exports that failed, when the exports ran.
   */
  exports?: { files: number; removed: number; failed: Array<{ what: string; error: string }> };
  error?: string;
  durationMs: number;
  /** When the schedule fires next, ISO (null once stopped). */
  nextRun: string | null;
}

export interface ScheduleHandle {
  /** The next time the schedule fires, or null once stopped. */
  nextRun(): Date | null;
  /** Settles once the signal has aborted and the tick in flight (if any) has finished. */
  done: Promise<void>;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function filesOf(result: ConfiguredExportsResult): number {
  return result.exported.reduce((n, e) => n + ('files' in e ? e.files.length : 1), 0);
}

function removedOf(result: ConfiguredExportsResult): number {
  return result.exported.reduce((n, e) => n + ('removed' in e ? e.removed.length : 0), 0);
}

/** Starts the schedule; a bad expression or timezone throws ScheduleUsageError before anything runs. */
export function startSchedule(opts: ScheduleOptions): ScheduleHandle {
  const spec = checkSchedule(opts);
  const { logger, signal } = opts;
  let current: Promise<void> | undefined;
  let stopped = false;

  const task: ScheduledTask = cron.createTask(spec.cron, (ctx) => tick('scheduled', ctx.date), {
    timezone: spec.timezone,
    name: 'ghl-etl schedule',
    // node-cron's own messages (a missed slot after the machine slept) go through our logger.
    logger: {
      info: (m) => logger.debug(String(m)),
      warn: (m) => logger.warn(String(m)),
      error: (m, err) => logger.error({ err: err ?? m }, 'schedule: node-cron error'),
      debug: (m) => logger.debug(String(m)),
    },
  });
  task.on('execution:missed', (ctx) => {
    logger.warn({ slot: ctx.date.toISOString() }, 'schedule: a run was missed (the machine was asleep or blocked); the next one catches up');
  });

  const nextRun = () => (stopped ? null : task.getNextRun());

  function report(r: Omit<TickReport, 'nextRun'>): void {
    const full: TickReport = { ...r, nextRun: nextRun()?.toISOString() ?? null };
    const line = `scheduled run ${full.outcome}${full.skipped ? ` (${full.skipped === 'busy' ? 'the previous run is still going' : 'another sync holds the lock'})` : ''}`;
    if (full.outcome === 'ok') logger.info(full, line);
    else if (full.outcome === 'failed') logger.error(full, line);
    else logger.warn(full, line);
    opts.onTick?.(full);
  }

  async function work(at: Date, trigger: TickReport['trigger']): Promise<void> {
    const started = Date.now();
    const base = { at: at.toISOString(), trigger };
    let run: TickRunResult;
    try {
      run = await opts.run(signal, at);
    } catch (err) {
      report({ ...base, outcome: 'failed', error: errorText(err), durationMs: Date.now() - started });
      return;
    }
    const { sync } = run;
    if (sync.outcome === 'locked') {
      const h = sync.lockedBy;
      report({
        ...base, outcome: 'skipped', skipped: 'locked', sync: sync.outcome, durationMs: Date.now() - started,
        ...(h ? { error: `another sync is running on this database (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt})` } : {}),
      });
      return;
    }
    // Stopped on a checkpoint: the next run resumes; exports of a half-synced mirror wait for it.
    // A stop asked for while the sync was finishing anyway (it ended ok) is not an interruption:
    // the exports are quick and the sales team gets its files.
    if (sync.outcome === 'interrupted') {
      report({ ...base, outcome: 'interrupted', sync: sync.outcome, durationMs: Date.now() - started });
      return;
    }
    const exports: TickReport['exports'] = run.exports
      ? { files: filesOf(run.exports), removed: removedOf(run.exports), failed: run.exports.failed.map((f) => ({ what: f.what, error: f.error.message })) }
      : undefined;
    const failed = (exports?.failed.length ?? 0) > 0 || run.bridgeError !== undefined;
    const outcome: TickOutcome = failed ? 'failed' : sync.outcome;
    report({
      ...base, outcome, sync: sync.outcome, durationMs: Date.now() - started,
      ...(run.bridge?.ran ? { bridge: { commentsQueued: run.bridge.commentsQueued, poll: run.bridge.poll, outbox: run.bridge.outbox } } : {}),
      ...(exports ? { exports } : {}),
      ...(run.bridgeError ? { error: `LeadCars bridge: ${errorText(run.bridgeError)}` } : {}),
    });
  }

  function tick(trigger: TickReport['trigger'], at: Date = new Date()): void {
    if (stopped) return;
    if (current) {
      report({ at: at.toISOString(), trigger, outcome: 'skipped', skipped: 'busy', durationMs: 0 });
      return;
    }
    current = work(at, trigger).finally(() => {
      current = undefined;
    });
  }

  const done = new Promise<void>((resolve) => {
    const stop = async () => {
      stopped = true;
      await task.destroy();
      await current;
      resolve();
    };
    if (signal.aborted) void stop();
    else signal.addEventListener('abort', () => void stop(), { once: true });
  });

  if (!signal.aborted) {
    void task.start();
    if (opts.runNow) tick('start');
  }
  return { nextRun, done };
}
