// A location's request window and daily count shared through PostgreSQL (issue 18): two clients,
// each with its own connection pool as two processes would have, calling one location of the
// sandbox over HTTP. Each alone paces at the location's limit; together, without the shared
// window, they send twice that and draw 429s; with it, none, and the day's allowance holds for
// both together.
import { afterEach, describe, expect, it } from 'vitest';
import type { Mirror } from '../src/db/mirror.ts';
import { openMirror } from '../src/db/open-mirror.ts';
import { createGhlClient, staticTokens } from '../src/ghl/index.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';

const cluster = usePostgres();
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

// A long window: the window spares a tenth of it for an answer's latency, which a loaded machine stretches.
const WINDOW = { max: 10, windowMs: 6000 };

async function sandbox(dailyLimit = 200_000): Promise<Sandbox> {
  const s = await startSandbox({ locations: 1, contacts: 5, seed: 190, rateLimit: WINDOW, dailyLimit });
  cleanups.push(() => s.stop());
  return s;
}

async function mirror(url: string): Promise<Mirror> {
  const m = await openMirror(url);
  cleanups.push(() => m.close());
  return m;
}

/** A client as a process builds it, sharing the window through `shared` when given. */
function client(s: Sandbox, shared: Mirror | undefined, daily = { daily: 200_000, dailyShare: 0.8 }) {
  const location = s.locations[0]!;
  const c = createGhlClient({
    baseUrl: s.url,
    tokens: staticTokens({ [location.id]: location.token }),
    rateLimit: { max: WINDOW.max, intervalMs: WINDOW.windowMs, ...daily },
    http: { timeoutMs: 10_000, retries: 5 },
    backoff: { baseMs: 5, capMs: 50 },
    ...(shared ? { sharedWindow: { reserve: (id, turns, w) => shared.reserveRequests!(id, turns, w) } } : {}),
  });
  cleanups.push(() => c.close());
  return c;
}

async function stats(s: Sandbox): Promise<{ requests: number; rateLimited: number; maxInWindow: number }> {
  return (await (await fetch(new URL('/__sandbox/stats', s.url))).json()) as { requests: number; rateLimited: number; maxInWindow: number };
}

const calls = (c: ReturnType<typeof client>, locationId: string, n: number) =>
  Promise.allSettled(Array.from({ length: n }, () => c.getLocation(locationId)));

describe('the request window shared through PostgreSQL', () => {
  it('two processes calling one location stay under its window together (and draw 429s without it)', async () => {
    const url = await createTestDatabase(cluster());
    const [a, b] = [await mirror(url), await mirror(url)];

    const alone = await sandbox();
    const id = alone.locations[0]!.id;
    const [ua, ub] = [client(alone, undefined), client(alone, undefined)];
    await ua.getLocation(id);
    const unshared = await Promise.all([calls(ua, id, 9), calls(ub, id, 10)]);
    expect(unshared.flat().every((r) => r.status === 'fulfilled')).toBe(true);
    expect((await stats(alone)).rateLimited).toBeGreaterThan(0);

    const together = await sandbox();
    const [ca, cb] = [client(together, a), client(together, b)];
    // The window counts a request from its reservation, with a tenth of the window to spare for
    // the answer's latency: the sandbox's first answer (its validator warming up) takes longer.
    await ca.getLocation(together.locations[0]!.id);
    const started = Date.now();
    const shared = await Promise.all([calls(ca, together.locations[0]!.id, 9), calls(cb, together.locations[0]!.id, 10)]);
    expect(shared.flat().every((r) => r.status === 'fulfilled')).toBe(true);
    const s = await stats(together);
    expect(s.rateLimited).toBe(0);
    expect(s.maxInWindow).toBeLessThanOrEqual(WINDOW.max);
    // 19 requests at 10 per 6 s: one more window (about 7 s), not two.
    expect(Date.now() - started).toBeLessThan(12_000);
    const [day] = await adminQuery<{ requests: number }>(url, `SELECT requests FROM rate_daily WHERE location_id = $1`, [together.locations[0]!.id]);
    expect(day!.requests).toBeGreaterThanOrEqual(20);
  }, 60_000);

  it('a holder\'s own requests count as its log says; the other holders\' reservations count a tenth longer', async () => {
    const url = await createTestDatabase(cluster());
    const m = await mirror(url);
    const window = { max: 10, intervalMs: 60_000, dailyAllowance: 1000 };
    const ask = (holder: string, want: number, mine: number) => m.reserveRequests!('loc', { want, returned: 0, holder, mine }, window);
    // A fills the window.
    expect((await ask('a', 10, 0)).granted).toBe(10);
    // For B those ten stand until they leave the window, and a little after.
    const b = await ask('b', 5, 0);
    expect(b.granted).toBe(0);
    expect(b.retryInMs).toBeGreaterThan(0);
    expect(b.retryInMs).toBeLessThanOrEqual(window.intervalMs / 20);
    // For A its own log decides: six of its ten answered more than a window ago, so six may go.
    expect((await ask('a', 8, 4)).granted).toBe(6);
    // B still sees A's reservations, now sixteen.
    expect((await ask('b', 1, 0)).granted).toBe(0);
    const [row] = await adminQuery<{ n: number }>(url, `SELECT sum(requests)::int AS n FROM rate_window WHERE location_id = 'loc' AND holder = 'a'`);
    expect(row!.n).toBe(16);
  });

  it('the day\'s allowance (rateLimit.daily x dailyShare) holds for both processes together', async () => {
    const url = await createTestDatabase(cluster());
    const [a, b] = [await mirror(url), await mirror(url)];
    // HighLevel's own daily count (the sandbox reports it) is 20 too; each process alone would
    // spend its share of whatever it last heard, so together they would overshoot.
    const s = await sandbox(20);
    const id = s.locations[0]!.id;
    const daily = { daily: 20, dailyShare: 0.5 };
    const results = (await Promise.all([calls(client(s, a, daily), id, 10), calls(client(s, b, daily), id, 10)])).flat();
    const sent = results.filter((r) => r.status === 'fulfilled').length;
    expect(sent).toBeLessThanOrEqual(10);
    expect(sent).toBeGreaterThan(0);
    expect(results.filter((r) => r.status === 'rejected').every((r) => /daily API budget spent/.test(String((r as PromiseRejectedResult).reason)))).toBe(true);
    expect((await stats(s)).requests).toBeLessThanOrEqual(10);
  }, 60_000);
});
