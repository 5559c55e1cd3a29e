// Exit codes of CONVENTIONS.md: cron jobs and scripts branch on these numbers.
import type { SyncOutcome } from '../sync/run.ts';

export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  dailyBudget: 3,
  locked: 4,
  interrupted: 130,
} as const;

/** A sync's outcome as the exit code scripts branch on. */
export function exitCodeForOutcome(outcome: SyncOutcome): number {
  switch (outcome) {
    case 'ok': return EXIT.ok;
    case 'failed': return EXIT.failed;
    case 'budget': return EXIT.dailyBudget;
    case 'interrupted': return EXIT.interrupted;
    case 'locked': return EXIT.locked;
  }
}
