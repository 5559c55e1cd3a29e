// The bridge's queues at a glance, for `status`: how many leads (inbox) and LeadCars calls
// (outbox) are in each state, and how long the oldest still waiting has waited.
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export interface BridgeQueueCounts {
  inbox: { pending: number; waiting: number; failed: number; oldestWaitingAt: string | null };
  outbox: { pending: number; dead: number; unknown: number; oldestWaitingAt: string | null };
}

export function bridgeQueueCounts(db: Db): BridgeQueueCounts {
  const inbox = prepared(db, `SELECT
      count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status = 'waiting') AS waiting,
      count(*) FILTER (WHERE status = 'failed') AS failed,
      min(received_at) FILTER (WHERE status IN ('pending', 'waiting')) AS oldestWaitingAt
    FROM inbox`).get() as BridgeQueueCounts['inbox'];
  const outbox = prepared(db, `SELECT
      count(*) FILTER (WHERE status = 'pending') AS pending,
      count(*) FILTER (WHERE status = 'dead') AS dead,
      count(*) FILTER (WHERE status = 'unknown') AS unknown,
      min(created_at) FILTER (WHERE status = 'pending') AS oldestWaitingAt
    FROM outbox`).get() as BridgeQueueCounts['outbox'];
  return { inbox, outbox };
}
