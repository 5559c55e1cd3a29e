// A location's request window and daily count shared by every process on this database
// (src/ghl/shared-window.ts says why): one call of ghl_etl_reserve_requests (migration 0010)
// reserves turns atomically, under a per-location advisory lock.
import type pg from 'pg';
import type { RequestTurns } from '../mirror.ts';

export interface RequestReservation {
  granted: number;
  retryInMs: number;
  exhausted: boolean;
}

export async function reserveRequests(
  q: pg.Pool, locationId: string, turns: RequestTurns, window: { max: number; intervalMs: number; dailyAllowance: number },
): Promise<RequestReservation> {
  const { rows } = await q.query<{ granted: number; retry_in_ms: number; exhausted: boolean }>(
    'SELECT granted, retry_in_ms, exhausted FROM ghl_etl_reserve_requests($1, $2, $3, $4, $5, $6, $7, $8)',
    [locationId, turns.holder, turns.mine, turns.want, window.max, Math.round(window.intervalMs), window.dailyAllowance, turns.returned],
  );
  const r = rows[0]!;
  return { granted: r.granted, retryInMs: r.retry_in_ms, exhausted: r.exhausted };
}
