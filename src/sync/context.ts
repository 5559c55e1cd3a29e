// What every phase of one location's sync shares: the options, the run's ids, the summary it
// fills in, and the small helpers (abort check, progress with a per-location ETA, notices).
import type { Config } from '../config/schema.ts';
import type { Clock } from '../db/clock.ts';
import type { Db } from '../db/open.ts';
import type { Mirror, MirrorStatements } from '../db/mirror.ts';
import { isGhlError } from '../ghl/errors.ts';
import type { GhlClient } from '../ghl/index.ts';
import type { Logger } from '../log.ts';
import type { PassState } from './checkpoint.ts';
import { SyncInterruptedError } from './errors.ts';
import type { SyncProgress } from './progress.ts';
import type { Lister, RunSummary, TasksVia } from './summary.ts';

/** The client functions a sync uses (all reads). */
export type SyncClient = Pick<
  GhlClient,
  | 'fetchContactPage' | 'searchContactPage' | 'listCustomFields' | 'listContactTasks' | 'searchLocationTasks'
  | 'listContactNotes' | 'getLocation' | 'listLocationUsers' | 'getContact' | 'stats'
> & Partial<Pick<GhlClient, 'pacing'>>;

/** Settings a caller may leave to their defaults. */
type NightlyDefaults = 'locationConcurrency' | 'rollingShareWithWebhooks' | 'webhookSilenceHours';

/** The configuration a sync reads (the NightlyDefaults may be left to their defaults). */
export interface SyncSettings {
  sync: Omit<Config['sync'], NightlyDefaults> & Partial<Pick<Config['sync'], NightlyDefaults>>;
}

export interface SyncLocationOptions {
  /** The mirror (a SQLite `Db` is taken as its Mirror). */
  db: Db | Mirror;
  client: SyncClient;
  locationId: string;
  /** Re-read every contact's tasks and notes (the listing and deletions are the same either way). */
  full: boolean;
  lister: Lister;
  config: SyncSettings;
  /** Where the run logs: the face's logger, handed down. */
  logger: Logger;
  progress?: SyncProgress;
  signal?: AbortSignal;
  allowMassDelete?: boolean;
  /** Default 'search' (fewer calls: see test/bench/sync.ts). */
  tasksVia?: TasksVia;
  /** Contacts per listing page: 100 for GET /contacts/ (its maximum), up to 500 for search. */
  pageSize?: number;
  /** Contacts per children batch (one task search + one notes call each, one transaction). */
  childrenBatch?: number;
  /** The configured name, shown until HighLevel's is known. */
  locationName?: string;
  now?: Clock;
  /** Runs in the transaction that clears the checkpoint of a completed pass (syncAll's round). */
  onComplete?: (tx: MirrorStatements) => Promise<void>;
}

export interface LocationRun {
  readonly opts: SyncLocationOptions;
  readonly db: Mirror;
  readonly client: SyncClient;
  readonly locationId: string;
  readonly runId: number;
  readonly now: Clock;
  readonly logger: Logger;
  readonly summary: RunSummary;
  /** The checkpoint as last written. */
  pass: PassState;
  /** Shown in progress labels: the location's name once known, else its id. */
  label: string;
  checkAbort(): void;
  /** Reports progress of a phase; the ETA is this phase's own, from when it started. */
  showProgress(phase: string, done: number, total?: number): void;
  /** Logs a warning once and keeps it for the run summary. */
  notice(message: string): void;
}

/** HighLevel's 401 for a token that lacks the operation's scope (NOTES.md "Basics"). */
export function isMissingScope(err: unknown): boolean {
  return isGhlError(err, 'auth') && /not authorized for this scope/i.test(err.message);
}

export function createRun(
  opts: SyncLocationOptions, base: Pick<LocationRun, 'db' | 'client' | 'locationId' | 'runId' | 'now' | 'logger' | 'summary' | 'pass'>,
  refreshCallCounts: () => void,
): LocationRun {
  let phase = { name: '', startedAt: 0, doneAtStart: 0 };
  const run: LocationRun = {
    ...base,
    opts,
    label: opts.locationName ?? base.locationId,
    checkAbort() {
      if (opts.signal?.aborted) throw new SyncInterruptedError();
    },
    showProgress(name, done, total) {
      refreshCallCounts();
      if (phase.name !== name) phase = { name, startedAt: Date.now(), doneAtStart: done };
      const s = run.summary;
      const progressed = done - phase.doneAtStart;
      const etaMs = total !== undefined && progressed > 0 ? ((Date.now() - phase.startedAt) / progressed) * Math.max(0, total - done) : undefined;
      opts.progress?.update({
        label: `${run.label} ${name}`, done, ...(total !== undefined ? { total } : {}), ...(etaMs !== undefined ? { etaMs } : {}),
        counts: { pages: s.pages, contacts: s.contactsSeen, children: s.childrenFetched, calls: s.apiCalls },
        waitedMs: s.waitedMs,
      });
    },
    notice(message) {
      if (run.summary.notices.includes(message)) return;
      run.summary.notices.push(message);
      run.logger.warn(message);
    },
  };
  return run;
}
