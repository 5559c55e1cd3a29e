// `ghl-etl enqueue sync` and the schedule's fan-out: one location-sync job per location. A job of
// a location already waiting takes the request in (folded), so enqueueing twice syncs once.
import type { EnqueueResult, LocationQueue } from '../db/queue.ts';

export async function enqueueSyncs(queue: LocationQueue, locationIds: readonly string[], full: boolean): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = [];
  for (const id of locationIds) results.push(await queue.enqueue(id, full));
  return results;
}
