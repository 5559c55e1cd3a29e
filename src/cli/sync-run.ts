// A run of the pipeline on a terminal, as `sync` and `demo` print it: the progress line, Ctrl-C,
// one line per location, the problems on stderr.
import { quietByDefault } from '../log.ts';
import { runPipeline, type PipelineContext, type PipelineOptions, type PipelineResult } from '../pipeline/run.ts';
import type { RunSummary } from '../sync/location.ts';
import type { SyncAllResult } from '../sync/run.ts';
import { onInterrupt } from './interrupt.ts';
import { createProgress } from './progress.ts';
import { writeErr } from '../terminal-text.ts';

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
  return parts.join(', ') + (r.error && r.status !== 'interrupted' ? `\n  ${r.error}` : '') + describeNotesPlan(r)
    + r.notices.map((n) => `\n  note: ${n}`).join('');
}

/** An incremental run's notes: leaning on webhooks, or the usual share and why not (issue 21). */
function describeNotesPlan(r: RunSummary): string {
  const plan = r.notesPlan;
  if (!plan || r.mode === 'full') return '';
  return plan.flowing
    ? `\n  notes: webhooks flowing, one contact in ${plan.every} re-read as a safety net, ${plan.namedContacts} named by events`
    : `\n  notes: one contact in ${plan.every} re-read (webhooks not relied on: ${plan.reason ?? 'unknown'})`;
}

/**
 * Runs the pipeline with the progress line and Ctrl-C handling of the terminal. On the first
 * Ctrl-C the line is cleared and one message printed; the jobs' own warnings about the stop are
 * held back (an explicit --log-level / LOG_LEVEL still shows them), and the caller prints the
 * outcome once.
 */
export async function runSync(ctx: PipelineContext, opts: Omit<PipelineOptions, 'progress' | 'signal'>): Promise<PipelineResult> {
  const progress = createProgress();
  const interrupt = onInterrupt((sig) => {
    quietByDefault('error');
    // Only a terminal's user can press Ctrl-C again; a SIGTERM came from a service manager or kill.
    progress.halt(sig === 'SIGINT' ? 'Stopping at the next checkpoint (Ctrl-C again to stop at once)...' : `Stopping at the next checkpoint (${sig})...`);
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
    if (run.error && run.status !== 'interrupted') writeErr(`ghl-etl sync: ${run.locationId}: ${run.error}\n`);
  }
  if (result.outcome === 'interrupted') {
    writeErr('ghl-etl sync: stopped on a checkpoint; the next `ghl-etl sync` resumes where this one stopped\n');
  }
}
