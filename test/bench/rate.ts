// Bench `rate`: how close one client gets to the rate a location allows without being refused.
// The sandbox (its own process) enforces HighLevel's sliding 100-per-10 s window on a clock sped
// up BENCH_RATE_TIME_SCALE (10) times; requests go through one client in this process.
//   rate.configured: the client configured with the sandbox's (scaled) window: BENCH_RATE_REQUESTS
//                    (1,000) requests; achieved over allowed (goal >= 0.95), 429s (goal 0);
//   rate.default:    the default configuration (100/10 s) against the same sandbox: the client
//                    should follow the window the server reports, looser as well as stricter.
//                    BENCH_RATE_DEFAULT_REQUESTS (300): a client that keeps to its configured
//                    100/10 s needs about 30 s for them.
import { configSchema } from '../../src/config/schema.ts';
import { createGhlClient, staticTokens } from '../../src/ghl/index.ts';
import { setLogLevel } from '../../src/log.ts';
import { emit, round, sizeFromEnv, startSandboxProcess } from './lib.ts';

setLogLevel('warn');
const TIME_SCALE = sizeFromEnv('BENCH_RATE_TIME_SCALE', 10);
const MAX = 100;
const WINDOW_MS = 10_000 / TIME_SCALE;

async function measure(name: string, requests: number, rateLimit: { max?: number | undefined; intervalMs?: number | undefined; daily: number; dailyShare: number }) {
  const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', '20', '--rate-limit', `${MAX}/10s`, '--rate-window', 'sliding', '--time-scale', String(TIME_SCALE)]);
  const location = sandbox.locations[0]!;
  const client = createGhlClient({ baseUrl: sandbox.url, tokens: staticTokens({ [location.id]: location.token }), rateLimit, http: { timeoutMs: 10_000, retries: 5 } });
  try {
    const started = performance.now();
    await Promise.all(Array.from({ length: requests }, () => client.fetchContactPage(location.id, { limit: 1 })));
    const elapsedMs = performance.now() - started;
    const server = await sandbox.stats();
    const ratio = requests / elapsedMs / (MAX / WINDOW_MS);
    emit({
      measure: `rate.${name}`, ratio: round(ratio), goal: '>= 0.95, 0 x 429', met: ratio >= 0.95 && server.rateLimited === 0,
      rateLimited: server.rateLimited, requests, allowed: `${MAX}/${WINDOW_MS}ms`, clientConfigured: `${rateLimit.max}/${rateLimit.intervalMs}ms`,
      elapsedMs: Math.round(elapsedMs), maxInWindow: server.maxInWindow, retries: client.stats().total.retries,
    });
  } finally {
    await client.close();
    await sandbox.stop();
  }
}

const defaults = configSchema.parse({}).rateLimit;
await measure('configured', sizeFromEnv('BENCH_RATE_REQUESTS', 1000), { ...defaults, intervalMs: WINDOW_MS });
await measure('default', sizeFromEnv('BENCH_RATE_DEFAULT_REQUESTS', 300), defaults);
