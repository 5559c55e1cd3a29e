// The daily budget against answers that arrive out of order: an older answer reports more
// requests remaining than a newer one did, and must not hand back budget already spent (a run
// stopped by its daily share would otherwise send one request past it).
import { describe, expect, it } from 'vitest';
import { LocationLimiter } from '../src/ghl/limiter.ts';

const settings = { max: 1000, intervalMs: 1000, daily: 100, dailyShare: 0.5 };
const list = { name: 'listContacts', method: 'GET', path: '/contacts/', locationId: 'loc' };

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => { resolve = r; });
  return { promise, resolve };
}

describe('the daily budget', () => {
  it('keeps the lowest remaining count when an older answer arrives last', async () => {
    const limiter = new LocationLimiter('loc', settings);
    const [a, b] = [deferred(), deferred()];
    const sentA = limiter.schedule(list, async () => {
      await a.promise;
      limiter.observe({ dailyRemaining: 99 }); // counted by the server before B arrived
    });
    const sentB = limiter.schedule(list, async () => {
      await b.promise;
      limiter.observe({ dailyRemaining: 98 });
    });
    b.resolve();
    await sentB;
    a.resolve();
    await sentA;
    // B's 98 less A still in flight; A's older 99 must not raise it again.
    expect(limiter.pacing().dailyRemaining).toBe(97);
    limiter.stop();
  });

  it('takes the daily reset, a rise no reordering explains', async () => {
    const limiter = new LocationLimiter('loc', settings);
    for (let i = 0; i < 40; i++) await limiter.schedule(list, async () => { limiter.observe({ dailyRemaining: 99 - i }); });
    expect(limiter.pacing().dailyRemaining).toBe(60);
    await limiter.schedule(list, async () => { limiter.observe({ dailyRemaining: 99 }); });
    expect(limiter.pacing().dailyRemaining).toBe(99);
    limiter.stop();
  });
});
