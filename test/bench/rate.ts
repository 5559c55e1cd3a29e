// Benchmark (not a test): how close the client gets to the rate HighLevel allows without being
// refused. Starts a sandbox with the sliding-window limit on (time-scaled so it runs in seconds),
// sends N requests through one client and prints one JSON line:
//   {"measure":"rate", "requests", "elapsedMs", "achievedShare", "rateLimited", "maxInWindow", ...}
// achievedShare = achieved requests per ms / allowed (max / window); the goal is above 0.95
// with zero 429s. Usage: node --import tsx test/bench/rate.ts [N] [timeScale]
import { createGhlClient, staticTokens } from '../../src/ghl/index.ts';
import { startSandbox } from '../../src/sandbox/index.ts';

const requests = Number(process.argv[2] ?? 1000);
const timeScale = Number(process.argv[3] ?? 10);
const MAX = 100;
const WINDOW_MS = 10_000;
const windowMs = WINDOW_MS / timeScale;

const sandbox = await startSandbox({ locations: 1, contacts: 20, rateLimit: { max: MAX, windowMs: WINDOW_MS }, rateWindow: 'sliding', timeScale });
const location = sandbox.locations[0]!;
const client = createGhlClient({
  baseUrl: sandbox.url,
  tokens: staticTokens({ [location.id]: location.token }),
  rateLimit: { max: MAX, intervalMs: windowMs, daily: 200_000, dailyShare: 0.8 },
  http: { timeoutMs: 10_000, retries: 5 },
});

try {
  const started = performance.now();
  await Promise.all(Array.from({ length: requests }, () => client.fetchContactPage(location.id, { limit: 1 })));
  const elapsedMs = performance.now() - started;
  const allowedPerMs = MAX / windowMs;
  const server = sandbox.stats();
  const ours = client.stats().total;
  process.stdout.write(JSON.stringify({
    measure: 'rate',
    requests,
    timeScale,
    allowed: `${MAX}/${windowMs}ms`,
    elapsedMs: Math.round(elapsedMs),
    achievedShare: Number((requests / elapsedMs / allowedPerMs).toFixed(4)),
    rateLimited: server.rateLimited,
    maxInWindow: server.maxInWindow,
    retries: ours.retries,
    waitedMs: ours.waitedMs,
  }) + '\n');
} finally {
  await client.close();
  await sandbox.stop();
}
