// Bench `locations`: many locations at once at HighLevel's real per-location limit (100 requests
// per 10 s, sliding, no time scale): BENCH_LOCATIONS (100) x BENCH_LOCATIONS_CONTACTS (200), one
// `ghl-etl sync` with `sync.locationConcurrency` = the number of locations. Aggregate requests/s
// over locations x the allowed rate (goal >= 0.9) and the 429s (goal 0).
// A build whose config does not know `sync.locationConcurrency` syncs one location after another;
// the run is then stopped (SIGTERM) after BENCH_LOCATIONS_TIMEOUT_S (120) and the rate measured
// over the time it ran.
import { join } from 'node:path';
import { emit, round, runCli, sizeFromEnv, startSandboxProcess, supportsLocationConcurrency, syncEnv, tempDir, writeConfig } from './lib.ts';

const LOCATIONS = sizeFromEnv('BENCH_LOCATIONS', 100);
const CONTACTS = sizeFromEnv('BENCH_LOCATIONS_CONTACTS', 200);
const TIMEOUT_S = sizeFromEnv('BENCH_LOCATIONS_TIMEOUT_S', 120);
const MAX = 100;
const WINDOW_MS = 10_000;

const sandbox = await startSandboxProcess(['--locations', String(LOCATIONS), '--contacts', String(CONTACTS), '--rate-limit', `${MAX}/10s`, '--rate-window', 'sliding', '--seed', '11']);
try {
  const dir = tempDir();
  const concurrent = supportsLocationConcurrency();
  const config = writeConfig(dir, {
    locations: sandbox.locations,
    rateLimit: { max: MAX, intervalMs: WINDOW_MS },
    sync: concurrent ? { locationConcurrency: LOCATIONS } : {},
  });
  const sandboxCpuBefore = sandbox.cpuMs();
  const run = await runCli(['sync', '--json'], syncEnv(sandbox, join(dir, 'locations.sqlite'), config), { timeoutMs: TIMEOUT_S * 1000 });
  const sandboxCpuMs = sandbox.cpuMs() - sandboxCpuBefore;
  const stats = await sandbox.stats();
  const allowedPerSec = (LOCATIONS * MAX) / (WINDOW_MS / 1000);
  // Stopped by us: the requests were made before the signal, so the rate is over that time.
  const elapsedMs = run.timedOut ? TIMEOUT_S * 1000 : run.wallMs;
  const achievedPerSec = stats.requests / (elapsedMs / 1000);
  const ratio = achievedPerSec / allowedPerSec;
  emit({
    measure: 'locations', ratio: round(ratio), goal: '>= 0.9, 0 x 429', met: ratio >= 0.9 && stats.rateLimited === 0,
    rateLimited: stats.rateLimited,
    locationConcurrency: concurrent ? LOCATIONS : 'not supported by this build (sequential)',
    ...(run.timedOut ? { stoppedAfterS: TIMEOUT_S } : {}),
    achievedPerSec: round(achievedPerSec, 1), allowedPerSec, locations: LOCATIONS, contactsPerLocation: CONTACTS,
    requests: stats.requests, wallS: round(run.wallMs / 1000, 1), exitCode: run.code,
    // CPU of each process over the wall time: near 1 (or the machine's share of a core) means that
    // process, not the rate limit, set the pace.
    ourCpuS: round(run.cpuMs / 1000, 1), sandboxCpuS: round(sandboxCpuMs / 1000, 1),
  });
  if (run.code !== 0 && !run.timedOut) process.exitCode = 1;
} finally {
  await sandbox.stop();
}
