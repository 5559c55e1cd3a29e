// The sync's decisions as pure functions: how many contacts get their tasks and notes re-read
// this run, and whether a deletion sweep may go ahead.

/**
 * How many up-to-date contacts to re-read children for in one run so that every contact is
 * re-read at least once in `rollingDays` daily runs: ceil(total / rollingDays).
 */
export function rollingShareSize(totalLive: number, rollingDays: number): number {
  if (totalLive <= 0) return 0;
  return Math.ceil(totalLive / Math.max(1, rollingDays));
}

/**
 * Children fetched before this instant are overdue whatever the share says: a run skipped for a
 * few days must not leave contacts unread for longer than `rollingDays`.
 */
export function rollingCutoff(now: Date, rollingDays: number): string {
  return new Date(now.getTime() - rollingDays * 86_400_000).toISOString();
}

export type DeleteDecision =
  | { allowed: true }
  | { allowed: false; share: number };

/** A sweep that would remove more than `maxShare` of the live contacts needs an explicit override. */
export function decideDeletion(opts: { live: number; missing: number; maxShare: number; allowMassDelete: boolean }): DeleteDecision {
  if (opts.missing === 0 || opts.allowMassDelete) return { allowed: true };
  const share = opts.missing / Math.max(1, opts.live);
  return share > opts.maxShare ? { allowed: false, share } : { allowed: true };
}
