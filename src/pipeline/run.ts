// One run of the mirror, the same for every caller (`sync`, `schedule`, `demo`, the coming workers
// and MCP face): the bridge's preparation (linked contacts' tasks and notes made due, since
// HighLevel does not move dateUpdated for them), the sync of the locations under the database's
// run lock, the bridge's after-sync work (comments queued, leads polled, outbox drained), then
// the configured exports. Callers only choose the locations and flags and print the result.
import type { AfterSyncSummary } from '../bridge/index.ts';
import { afterSync } from '../bridge/index.ts';
import type { BridgeConfig } from '../bridge/context.ts';
import type { Config } from '../config/schema.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import type { RetentionResult } from '../db/retention.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { runConfiguredExports, type ConfiguredExportsResult } from '../export/index.ts';
import type { GhlClient } from '../ghl/client.ts';
import type { LeadcarsClient } from '../leadcars/client.ts';
import type { Logger } from '../log.ts';
import type { SyncSettings } from '../sync/context.ts';
import type { SyncProgress } from '../sync/progress.ts';
import { syncAll, type SyncAllResult } from '../sync/run.ts';
import type { Lister, RunSummary, TasksVia } from '../sync/summary.ts';

export type PipelineConfig = SyncSettings & BridgeConfig & Pick<Config, 'segments' | 'exports'> & Partial<Pick<Config, 'retention'>>;

/** What a run needs; the app context has it all (the LeadCars client is only built when the bridge has work). */
export interface PipelineContext {
  /** The mirror (a SQLite `Db` is taken as its Mirror). */
  readonly db: Db | Mirror;
  readonly client: GhlClient;
  readonly leadcars: LeadcarsClient;
  readonly config: PipelineConfig;
  readonly logger: Logger;
}

export interface PipelineOptions {
  locations: Array<{ id: string; name?: string | undefined }>;
  full: boolean;
  lister: Lister;
  /**
   * Run the configured exports (`exports` in the config file) after the sync: the schedule does,
   * `sync` does not; a worker asks once its sync is done (when no other location waits in the queue).
   */
  exports: boolean | (() => Promise<boolean>);
  allowMassDelete?: boolean;
  signal?: AbortSignal;
  progress?: SyncProgress;
  tasksVia?: TasksVia;
  pageSize?: number;
  /** Called as each location finishes, e.g. to print its summary at once. */
  onLocationDone?: (summary: RunSummary) => void;
  /** The run lock (default the database's sync lock); a worker's job passes its location's (src/queue/). */
  lockName?: string;
}

export interface PipelineResult {
  sync: SyncAllResult;
  /** The bridge's after-sync work; absent when the sync was locked out or interrupted. */
  bridge?: AfterSyncSummary;
  /** Why the bridge's after-sync work stopped (the exports still ran). */
  bridgeError?: Error;
  /** The configured exports; absent when not asked for, or the sync was locked out or interrupted. */
  exports?: ConfiguredExportsResult;
  /** Old inbox, webhook and outbox rows removed (`retention.days`); absent when locked out or interrupted. */
  retention?: RetentionResult;
}

export async function runPipeline(ctx: PipelineContext, opts: PipelineOptions): Promise<PipelineResult> {
  const { config } = ctx;
  const db = mirrorOf(ctx.db);
  // The bridge's linked contacts: their tasks and notes are made due (see bridge/run.ts prepareSync).
  await db.markLinkedContactsDue();
  const { exports: withExports, ...syncOptions } = opts;
  const sync = await syncAll({ db, client: ctx.client, config, logger: ctx.logger, ...syncOptions });
  // Locked out: nothing of this run happened. Stopped on a checkpoint: the next run resumes, and
  // exports of a half-synced mirror wait for it.
  if (sync.outcome === 'locked' || sync.outcome === 'interrupted') return { sync };
  const result: PipelineResult = { sync };
  // After a failed or budget-stopped sync the mirror is still consistent (each location either
  // synced or kept its previous state), so the bridge reports what it has and the files are written.
  // A stop asked for while the sync was finishing anyway (it ended ok) skips the bridge's work
  // (the next run does it) but not the exports: they are quick and the sales team gets its files.
  if (!opts.signal?.aborted) try {
    // Nothing of the bridge in this database: what afterSync would report, without its reads.
    result.bridge = !(await db.bridgeInUse()) ? idleBridge() : await afterSync(
      { db, ghl: ctx.client, leadcars: () => ctx.leadcars, config, logger: ctx.logger },
      opts.signal ? { signal: opts.signal } : {},
    );
  } catch (err) {
    result.bridgeError = err instanceof Error ? err : new Error(String(err));
  }
  if (typeof withExports === 'boolean' ? withExports : await withExports()) result.exports = await runConfiguredExports(db, config);
  // Bookkeeping rows that carry personal data do not outlive their retention period.
  try {
    result.retention = await db.applyRetention(config.retention?.days ?? 90);
  } catch (err) {
    ctx.logger.warn({ err: (err as Error).message }, 'retention: old inbox, webhook and outbox rows not removed this run');
  }
  return result;
}

function idleBridge(): AfterSyncSummary {
  return { ran: false, commentsQueued: 0, poll: { polled: 0, changed: 0, failed: 0 }, outbox: { sent: 0, retried: 0, dead: 0, unknown: 0 } };
}
