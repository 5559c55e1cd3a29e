// HighLevel's own count of a location's daily API budget, as its last answer to a sync reported
// it (X-RateLimit-Limit-Daily, X-RateLimit-Daily-Remaining): what `status` shows, since it counts
// every app's calls and is what stops a run, where our own count knows only ours.
import type { Clock } from './clock.ts';
import type { Db } from './open.ts';
import { getSyncState, setSyncState } from './state.ts';

export interface ReportedDailyBudget {
  limit: number;
  remaining: number;
  /** When HighLevel reported it (ISO). */
  at: string;
}

const KEY = 'highlevel_daily';

export function saveReportedDailyBudget(db: Db, locationId: string, budget: ReportedDailyBudget, clock?: Clock): void {
  setSyncState(db, locationId, KEY, JSON.stringify(budget), clock);
}

/** The last daily budget HighLevel reported for the location, or undefined (never, or unreadable). */
export function reportedDailyBudget(db: Db, locationId: string): ReportedDailyBudget | undefined {
  return parseReportedDailyBudget(getSyncState(db, locationId, KEY));
}

/** The sync_state key the budget is kept under. */
export const REPORTED_DAILY_KEY = KEY;

/** The stored value read back; undefined when absent or unreadable. */
export function parseReportedDailyBudget(text: string | undefined): ReportedDailyBudget | undefined {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as Partial<ReportedDailyBudget>;
    if (typeof value.limit === 'number' && typeof value.remaining === 'number' && typeof value.at === 'string') {
      return { limit: value.limit, remaining: value.remaining, at: value.at };
    }
  } catch {
    // written by us; unreadable only if edited by hand: shown as never reported
  }
  return undefined;
}
