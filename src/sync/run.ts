// A sync over several locations of one database: the run lock (one sync per database at a time),
// up to sync.locationConcurrency locations at once (each has its own rate limit in the client and
// its own checkpoint in sync_state; SQLite writes stay serial, as every transaction is
// synchronous), and one outcome for the lot.
import { randomUUID } from 'node:crypto';
import pLimit from 'p-limit';
import { DEFAULT_LOCATION_CONCURRENCY } from '../config/schema.ts';
import type { SyncSettings } from './context.ts';
import type { LockHolder } from '../db/locks.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { locationLockName, SYNC_LOCK } from '../db/runs.ts';
import type { Logger } from '../log.ts';
import { syncLocation, type Lister, type RunSummary, type SyncClient, type TasksVia } from './location.ts';
import type { SyncProgress } from './progress.ts';
import { markRoundDone, planRound } from './round.ts';

const LOCK_TTL_MS = 60_000;

export interface SyncAllOptions {
  /** The mirror (a SQLite `Db` is taken as its Mirror). */
  db: Db | Mirror;
  client: SyncClient;
  locations: Array<{ id: string; name?: string | undefined }>;
  full: boolean;
  lister: Lister;
  config: SyncSettings;
  /** Where the runs log: the face's logger, handed down. */
  logger: Logger;
  allowMassDelete?: boolean;
  progress?: SyncProgress;
  signal?: AbortSignal;
  tasksVia?: TasksVia;
  pageSize?: number;
  /** Called as each location finishes (in finishing order), e.g. to print its summary at once. */
  onLocationDone?: (summary: RunSummary) => void;
  /**
   * The run lock (default the database's `sync` lock: one `sync` or `schedule` at a time); a
   * worker passes its location's lock (locationLockName) and runs beside other workers.
   */
  lockName?: string;
}

export interface SyncAllResult {
  runs: RunSummary[];
  outcome: SyncOutcome;
  /** Set when another run holds the lock (nothing was synced), or a location's lock (a worker runs it; the others were synced). */
  lockedBy?: LockHolder;
  /** Locations not synced because another process (a worker) was syncing them. */
  lockedOut?: string[];
  /** Locations not synced because the interrupted sync this one resumed had completed them. */
  alreadyDone?: string[];
}

/** How a sync over several locations ended; the CLI turns it into an exit code. */
export type SyncOutcome = 'ok' | 'failed' | 'budget' | 'interrupted' | 'locked';

/** Interrupted beats budget beats failed: the most actionable outcome wins. */
export function outcomeOf(runs: RunSummary[]): SyncOutcome {
  if (runs.some((r) => r.status === 'interrupted')) return 'interrupted';
  if (runs.some((r) => r.status === 'budget')) return 'budget';
  if (runs.some((r) => r.status === 'failed')) return 'failed';
  return 'ok';
}

export async function syncAll(opts: SyncAllOptions): Promise<SyncAllResult> {
  const { logger } = opts;
  const owner = randomUUID();
  const db = mirrorOf(opts.db);
  const runLock = opts.lockName ?? SYNC_LOCK;
  const lock = await db.acquireLock(runLock, owner, LOCK_TTL_MS);
  if (!lock.acquired) return { runs: [], outcome: 'locked', lockedBy: lock.holder };
  // Each location is synced under its own lock too, so a `sync` and a worker never run one location at once.
  const held = new Set<string>([runLock]);
  const lockedOut: Array<{ id: string; holder: LockHolder }> = [];
  // Keep the locks while we work; a process killed without releasing them is detected by pid
  // (SQLite) or by its connection ending (PostgreSQL).
  const keepAlive = setInterval(() => {
    for (const name of held) db.refreshLock(name, owner, LOCK_TTL_MS).catch((err: unknown) => logger.warn({ err, lock: name }, 'could not refresh the sync lock'));
  }, LOCK_TTL_MS / 3);
  keepAlive.unref();
  const runs: RunSummary[] = [];
  let alreadyDone: string[] = [];
  let toSync = 0;
  try {
    // Under the lock: the round is this process's to plan.
    const round = await planRound(db, opts.locations.map((l) => l.id), opts.full);
    alreadyDone = round.alreadyDone;
    toSync = round.toSync.length;
    if (round.resumed) {
      logger.info({ alreadyDone: round.alreadyDone, toSync: round.toSync }, 'resuming an interrupted sync: skipping the locations it completed');
    }
    const limit = pLimit(opts.config.sync.locationConcurrency ?? DEFAULT_LOCATION_CONCURRENCY);
    const finished = new Map<string, RunSummary>();
    let interrupted = false;
    const syncOne = async (location: { id: string; name?: string | undefined }): Promise<void> => {
      const summary = await syncLocation({
        db, client: opts.client, locationId: location.id, full: round.full, lister: opts.lister,
        config: opts.config, logger,
        onComplete: (tx) => markRoundDone(tx, location.id, round.roundId, round.full),
        ...(location.name ? { locationName: location.name } : {}),
        ...(opts.allowMassDelete !== undefined ? { allowMassDelete: opts.allowMassDelete } : {}),
        ...(opts.progress ? { progress: opts.progress } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
        ...(opts.tasksVia ? { tasksVia: opts.tasksVia } : {}),
        ...(opts.pageSize ? { pageSize: opts.pageSize } : {}),
      });
      finished.set(location.id, summary);
      if (summary.status === 'interrupted') interrupted = true;
      opts.onLocationDone?.(summary);
    };
    await Promise.all(opts.locations.filter((l) => round.toSync.includes(l.id)).map((location) => limit(async () => {
      // An interrupt (or a location interrupted) starts no further location.
      if (opts.signal?.aborted || interrupted) return;
      const own = locationLockName(location.id);
      if (!held.has(own)) {
        const taken = await db.acquireLock(own, owner, LOCK_TTL_MS);
        if (!taken.acquired) {
          lockedOut.push({ id: location.id, holder: taken.holder });
          return;
        }
        held.add(own);
      }
      try {
        await syncOne(location);
      } finally {
        if (own !== runLock) {
          held.delete(own);
          await db.releaseLock(own, owner);
        }
      }
    })));
    // In the order configured, whatever order they finished in.
    for (const location of opts.locations) {
      const summary = finished.get(location.id);
      if (summary) runs.push(summary);
    }
  } finally {
    clearInterval(keepAlive);
    await db.releaseLock(runLock, owner);
  }
  // A stop that left locations unstarted is an interrupt even when every started one finished.
  const outcome = opts.signal?.aborted && runs.length + lockedOut.length < toSync ? 'interrupted' : runs.length === 0 && lockedOut.length > 0 ? 'locked' : outcomeOf(runs);
  return {
    runs, outcome, ...(alreadyDone.length > 0 ? { alreadyDone } : {}),
    ...(lockedOut.length > 0 ? { lockedBy: lockedOut[0]!.holder, lockedOut: lockedOut.map((l) => l.id) } : {}),
  };
}
