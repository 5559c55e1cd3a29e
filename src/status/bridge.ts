// The LeadCars bridge in `status`: the inbox (leads in) and outbox (calls owed to LeadCars) by
// state, the oldest still waiting, and whether anything needs a person. A dead outbox row, a
// failed lead or a lead create of unknown outcome never resolves by itself, so the report (and
// the command's exit code) is unhealthy until it is retried, linked or dropped.
import { bridgeQueueCounts, type BridgeQueueCounts } from '../db/bridge-health.ts';
import type { Db } from '../db/open.ts';

const HOUR_MS = 3_600_000;

export interface BridgeStatus {
  inbox: BridgeQueueCounts['inbox'] & { oldestWaitingHours: number | null };
  outbox: BridgeQueueCounts['outbox'] & { oldestWaitingHours: number | null };
  healthy: boolean;
  /** What needs a person, each naming the command that shows or fixes it. */
  problems: string[];
}

const ageHours = (at: string | null, now: Date) => (at === null ? null : +((now.getTime() - Date.parse(at)) / HOUR_MS).toFixed(2));

export function bridgeStatus(db: Db, now: Date): BridgeStatus {
  return bridgeStatusOf(bridgeQueueCounts(db), now);
}

export function bridgeStatusOf(counts: BridgeQueueCounts, now: Date): BridgeStatus {
  const problems: string[] = [];
  const { inbox, outbox } = counts;
  if (outbox.dead > 0) {
    problems.push(`${outbox.dead} LeadCars call(s) dead (refused or out of attempts): see \`ghl-etl outbox list --status dead\`, fix the cause, then \`ghl-etl outbox retry ID\``);
  }
  if (outbox.unknown > 0) {
    problems.push(`${outbox.unknown} LeadCars lead create(s) of unknown outcome: find each lead in LeadCars and run \`ghl-etl leads link CONTACT_ID LEAD_ID\` (\`ghl-etl outbox list --status unknown\`)`);
  }
  if (inbox.failed > 0) {
    problems.push(`${inbox.failed} lead(s) failed delivery: see them with \`SELECT id, last_error FROM inbox WHERE status = 'failed'\` (sqlite3 or psql on the database)`);
  }
  return {
    inbox: { ...inbox, oldestWaitingHours: ageHours(inbox.oldestWaitingAt, now) },
    outbox: { ...outbox, oldestWaitingHours: ageHours(outbox.oldestWaitingAt, now) },
    healthy: problems.length === 0,
    problems,
  };
}

/** True when the bridge has never been used here (nothing to report). */
export function bridgeUnused(b: BridgeStatus): boolean {
  return b.inbox.pending + b.inbox.waiting + b.inbox.failed + b.outbox.pending + b.outbox.dead + b.outbox.unknown === 0;
}
