// One location's sync, Nango style: fetch a page, save the batch, checkpoint; repeat. It reads as
// its phases, each in its own file:
//
//   0. the location, its users and its custom field definitions, asked at once
//      (location-details.ts): name, timezone, who assigned_to is, contacts_wide's columns;
//   1. the contacts earlier writes left out of the mirror (repairs.ts);
//   2. the listing pass (listing.ts), each page saved with the checkpoint;
//   3. after a COMPLETE pass only, the deletion sweep (listing.ts), guarded by sync.maxDeleteShare;
//   4. every task of the location through the location-wide task search (tasks.ts);
//   5. notes (children.ts) of new and changed contacts, of those webhook events named, plus a
//      rolling share whose size depends on whether serve received the webhooks (webhooks.ts);
//   6. the checkpoint is cleared and the run recorded in sync_runs.
//
// Nothing here holds the whole location in memory: the state lives in SQLite between pages.
// Every call is a read, so a request repeated after a crash or a fault is harmless.
import { systemClock } from '../db/clock.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { isGhlError } from '../ghl/errors.ts';
import { clearPass, readPass, writePass, type PassState } from './checkpoint.ts';
import { childrenPhase } from './children.ts';
import { createRun, type LocationRun, type SyncClient, type SyncLocationOptions } from './context.ts';
import { SyncInterruptedError } from './errors.ts';
import { deletionSweep, listingPass } from './listing.ts';
import { readLocationDetails } from './location-details.ts';
import { repairMirror } from './repairs.ts';
import { locationTasksPhase } from './tasks.ts';
import { planNotes } from './webhooks.ts';
import { WEBHOOK_WINDOW_KEY } from '../db/webhook-health.ts';
import { emptySummary, type RunStatus, type RunSummary } from './summary.ts';

export type { SyncClient, SyncLocationOptions } from './context.ts';
export type { Lister, NotesPlan, RunStatus, RunSummary, TasksVia, WebhookVerdict } from './summary.ts';

export async function syncLocation(opts: SyncLocationOptions): Promise<RunSummary> {
  const { client, locationId, lister } = opts;
  const db = mirrorOf(opts.db);
  const now = opts.now ?? systemClock;
  const started = Date.now();
  await db.upsertLocation({ id: locationId, ...(opts.locationName ? { name: opts.locationName } : {}) }, null, now);
  // The lock proves runs still marked 'running' are not running now.
  await db.abandonStaleRuns(locationId, now);
  // A location's first sync reads every contact in full, whatever was asked: record it so.
  const mode = opts.full || !(await db.hasCompletedRun(locationId)) ? 'full' : 'incremental';
  const runId = await db.startRun({ locationId, mode }, now);
  const logger = opts.logger.child({ locationId, mode, lister });
  const statsAtStart = locationStats(client, locationId);
  const summary = emptySummary(runId, locationId, mode, lister, opts.tasksVia ?? 'search');
  if (opts.locationName) summary.locationName = opts.locationName;
  const refreshCallCounts = () => {
    const s = locationStats(client, locationId);
    summary.apiCalls = s.requests - statsAtStart.requests;
    summary.retries = s.retries - statsAtStart.retries;
    summary.rateLimited = s.rateLimited - statsAtStart.rateLimited;
    summary.waitedMs = s.waitedMs - statsAtStart.waitedMs;
  };
  const pass: PassState = { passRunId: runId, startedAt: now().toISOString(), lister, phase: 'listing', full: opts.full };
  const run = createRun(opts, { db, client, locationId, runId, now, logger, summary, pass }, refreshCallCounts);

  logger.info({ runId }, 'sync started');
  try {
    run.checkAbort();
    await readLocationDetails(run);
    await repairMirror(run);
    await resumeOrStartPass(run);
    if (run.pass.phase === 'listing') {
      await listingPass(run);
      await deletionSweep(run);
    }
    await locationTasksPhase(run);
    await planNotes(run);
    await childrenPhase(run);
    await db.transaction(async (tx) => {
      await clearPass(tx, locationId);
      // The next sync acts on the webhook events received from this pass's start on.
      await tx.setSyncState(locationId, WEBHOOK_WINDOW_KEY, run.pass.startedAt, now);
      await opts.onComplete?.(tx);
    });
  } catch (err) {
    summary.status = statusOf(err);
    summary.error = explainFailure(err, locationId);
  } finally {
    refreshCallCounts();
    await recordReportedDailyBudget(run);
    summary.durationMs = Date.now() - started;
    // finishRun keeps the sync_runs counters of the summary and ignores its other fields.
    await db.finishRun(runId, { ...summary, error: summary.error ?? null }, now);
    const level = summary.status === 'ok' ? 'info' : summary.status === 'failed' ? 'error' : 'warn';
    // locationId, mode and lister are the logger's own fields already: once per line.
    const { locationId: _location, mode: _mode, lister: _lister, ...fields } = summary;
    logger[level](fields, `sync ${summary.status}`);
  }
  return summary;
}

/**
 * Resume an unfinished pass, or start one. A pass cut short under another lister cannot continue
 * (the cursors differ): start over.
 */
async function resumeOrStartPass(run: LocationRun): Promise<void> {
  const { db, locationId, now, opts } = run;
  let pass = await readPass(db, locationId);
  if (pass && pass.phase === 'listing' && pass.lister !== opts.lister) pass = undefined;
  if (pass) {
    run.summary.resumed = true;
    if (opts.full && !pass.full) pass = { ...pass, full: true, childrenSince: now().toISOString() };
    run.logger.info({ passRunId: pass.passRunId, phase: pass.phase }, 'resuming from checkpoint');
    run.pass = pass;
  }
  await writePass(db, locationId, run.pass, now);
}

function statusOf(err: unknown): RunStatus {
  if (err instanceof SyncInterruptedError) return 'interrupted';
  if (isGhlError(err, 'budget')) return 'budget';
  return 'failed';
}

/** One line that names the fix where there is one. */
function explainFailure(err: unknown, locationId: string): string {
  const message = err instanceof Error ? err.message : String(err);
  if (isGhlError(err, 'auth')) {
    return `${message}: HighLevel refused the token of location ${locationId}; check GHL_TOKEN / locations[].token ` +
      '(a Private Integration Token with the contacts, custom fields and tasks read scopes) or run `ghl-etl auth login`';
  }
  return message;
}

/** HighLevel's count of the day's budget as its last answer reported it, for `status`. */
async function recordReportedDailyBudget(run: LocationRun): Promise<void> {
  const pacing = run.client.pacing?.(run.locationId);
  if (pacing?.dailyReportedAt === undefined) return;
  await run.db.saveReportedDailyBudget(run.locationId, {
    limit: pacing.dailyLimit, remaining: Math.max(0, pacing.dailyRemaining), at: new Date(pacing.dailyReportedAt).toISOString(),
  }, run.now);
}

function locationStats(client: SyncClient, locationId: string) {
  return client.stats().byLocation[locationId] ?? { requests: 0, retries: 0, rateLimited: 0, waitedMs: 0 };
}
