// A location's request window and daily count shared by every process on this database
// (src/ghl/shared-window.ts says why): one call of ghl_etl_reserve_requests (migration 0007)
// reserves turns atomically, under a per-location advisory lock.
import type pg from 'pg';

export interface RequestReservation {
  granted: number;
  retryInMs: number;
  exhausted: boolean;
}

export async function reserveRequests(
  q: pg.Pool, locationId: string, want: number, window: { max: number; intervalMs: number; dailyAllowance: number }, returned = 0,
): Promise<RequestReservation> {
  const { rows } = await q.query<{ granted: number; retry_in_ms: number; exhausted: boolean }>(
    'SELECT granted, retry_in_ms, exhausted FROM ghl_etl_reserve_requests($1, $2, $3, $4, $5, $6)',
    [locationId, want, window.max, Math.round(window.intervalMs), window.dailyAllowance, returned],
  );
  const r = rows[0]!;
  return { granted: r.granted, retryInMs: r.retry_in_ms, exhausted: r.exhausted };
}
