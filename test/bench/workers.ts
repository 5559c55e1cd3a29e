// Bench `workers` (issue 18): BENCH_WORKERS_LOCATIONS (100) x BENCH_WORKERS_CONTACTS (200) at
// HighLevel's per-location limit (100 / 10 s, sliding), time-scaled by BENCH_WORKERS_TIME_SCALE
// (0.125: slowed down, so 125 requests/s allowed in all), into PostgreSQL: one `ghl-etl sync`
// process (all locations at once), then BENCH_WORKERS (4) `ghl-etl worker` processes taking the
// same locations from the queue. Each: aggregate requests/s over locations x the allowed rate, the
// 429s, and the CPU of the ghl-etl processes and of the sandbox; goal >= 0.9 and 0 x 429 with the
// workers. Why slowed down: on a 2-core machine the sandbox (HighLevel's servers, which are not
// ours to pay for) and PostgreSQL share the cores with the syncs; at scale 1 (1,000 requests/s)
// one process is already CPU-bound near 0.6, and the figure would measure the machine, not the
// workers. The sandbox runs in its own process; the PostgreSQL is a throwaway cluster here.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { adminQuery, createTestDatabase, dropTestDatabases, startTestPostgres } from '../helpers/postgres-cluster.ts';
import { BIN, cpuMsOf, emit, round, runCli, scaleFromEnv, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, writeConfig } from './lib.ts';

const LOCATIONS = sizeFromEnv('BENCH_WORKERS_LOCATIONS', 100);
const CONTACTS = sizeFromEnv('BENCH_WORKERS_CONTACTS', 200);
const SCALE = scaleFromEnv('BENCH_WORKERS_TIME_SCALE', 0.125);
const WORKERS = sizeFromEnv('BENCH_WORKERS', 4);
const TIMEOUT_S = sizeFromEnv('BENCH_WORKERS_TIMEOUT_S', 900);
const MAX = 100;
const WINDOW_MS = 10_000 / SCALE;

const cluster = await startTestPostgres();
const SANDBOX_FLAGS = ['--locations', String(LOCATIONS), '--contacts', String(CONTACTS), '--rate-limit', `${MAX}/10s`,
  '--rate-window', 'sliding', '--time-scale', String(SCALE), '--daily-limit', '1000000000', '--seed', '18'];
// One sandbox per run (the same seed, so the same locations and data): the workers do not start
// in a window the one process's last requests still fill.
const sandbox = await startSandboxProcess(SANDBOX_FLAGS);
const sandboxForWorkers = await startSandboxProcess(SANDBOX_FLAGS);
if (JSON.stringify(sandboxForWorkers.locations) !== JSON.stringify(sandbox.locations)) throw new Error('bench workers: the two sandboxes differ');
const allowedPerSec = (LOCATIONS * MAX) / (WINDOW_MS / 1000);
try {
  const dir = tempDir();
  const config = writeConfig(dir, {
    locations: sandbox.locations,
    rateLimit: { max: MAX, intervalMs: WINDOW_MS, daily: 1_000_000_000, dailyShare: 1 },
    sync: { locationConcurrency: LOCATIONS },
    worker: { concurrency: Math.ceil(LOCATIONS / WORKERS), pollSeconds: 0.5 },
  });

  // One process.
  const single = await createTestDatabase(cluster);
  await sandbox.control('stats/reset', {});
  const sandboxCpuBefore = sandbox.cpuMs();
  const run = await runCli(['sync', '--json'], syncEnv(sandbox, single, config), { timeoutMs: TIMEOUT_S * 1000 });
  const one = await sandbox.stats();
  const oneSandboxCpuS = (sandbox.cpuMs() - sandboxCpuBefore) / 1000;
  const oneRate = one.requests / (run.wallMs / 1000);
  emit({
    measure: 'workers.one-process', ratio: round(oneRate / allowedPerSec), rateLimited: one.rateLimited,
    achievedPerSec: round(oneRate, 1), allowedPerSec, requests: one.requests, wallS: round(run.wallMs / 1000, 1), exitCode: run.code,
    cpuS: round(run.cpuMs / 1000, 1), sandboxCpuS: round(oneSandboxCpuS, 1),
  });

  // WORKERS workers.
  const db = await createTestDatabase(cluster);
  const env = { ...process.env, LOG_LEVEL: 'warn', ...syncEnv(sandboxForWorkers, db, config) };
  const workers = Array.from({ length: WORKERS }, () => spawn(process.execPath, [BIN, 'worker'], { env, stdio: ['ignore', 'pipe', 'inherit'] }));
  const exited = workers.map((w) => new Promise<number | null>((resolve) => w.once('close', (c) => resolve(c))));
  try {
    // Workers are long-running: the clock starts once each says it takes jobs (queue set up, answer checks compiled).
    await Promise.all(workers.map((w) => new Promise<void>((resolve, reject) => {
      const lines = createInterface({ input: w.stdout! });
      lines.on('line', (line) => { if (line.includes('taking location syncs')) resolve(); });
      w.once('close', (code) => reject(new Error(`a worker exited ${code} before taking jobs`)));
    })));
    await sandboxForWorkers.control('stats/reset', {});
    const cpuBefore = workers.reduce((sum, w) => sum + cpuMsOf(w.pid!), 0);
    const sandboxCpuBefore = sandboxForWorkers.cpuMs();
    const started = performance.now();
    const enqueued = await runCli(['enqueue', 'sync', '--all'], syncEnv(sandboxForWorkers, db, config));
    if (enqueued.code !== 0) throw new Error(`enqueue sync exited ${enqueued.code}`);
    await waitFor(async () => (await adminQuery<{ n: number }>(db,
      `SELECT count(*)::int AS n FROM ghl_etl_queue.job WHERE name = 'location-sync' AND state IN ('created', 'retry', 'active')`))[0]!.n === 0, TIMEOUT_S * 1000);
    const wallMs = performance.now() - started;
    const many = await sandboxForWorkers.stats();
    const cpuS = (workers.reduce((sum, w) => sum + cpuMsOf(w.pid!), 0) - cpuBefore) / 1000;
    const sandboxCpuS = (sandboxForWorkers.cpuMs() - sandboxCpuBefore) / 1000;
    const rate = many.requests / (wallMs / 1000);
    const ratio = rate / allowedPerSec;
    const phases = await phasesOf(db, started);
    emit({
      measure: 'workers', ratio: round(ratio), goal: '>= 0.9, 0 x 429', met: ratio >= 0.9 && many.rateLimited === 0,
      vsOneProcess: round(rate / oneRate, 2), rateLimited: many.rateLimited, workers: WORKERS, achievedPerSec: round(rate, 1), allowedPerSec,
      locations: LOCATIONS, contactsPerLocation: CONTACTS, timeScale: SCALE, requests: many.requests, wallS: round(wallMs / 1000, 1),
      cpuS: round(cpuS, 1), sandboxCpuS: round(sandboxCpuS, 1), ...phases,
    });
  } finally {
    for (const w of workers) w.kill('SIGTERM');
    const codes = await Promise.all(exited);
    if (codes.some((c) => c !== 0)) process.exitCode = 1;
  }
} finally {
  await sandbox.stop();
  await sandboxForWorkers.stop();
  await dropTestDatabases();
  await cluster.stop();
}

/**
 * Where the workers' wall time went, in seconds (means over the jobs): until the enqueue had
 * created the jobs, from a job's creation to a worker taking it, from taking it to its sync's
 * start (the pipeline's set-up), the sync itself, and from the sync's end to the job's completion.
 */
async function phasesOf(db: string, startedPerf: number): Promise<Record<string, number>> {
  const [p] = await adminQuery<Record<string, number>>(db, `
    SELECT extract(epoch FROM min(j.created_on)) AS enqueued, avg(extract(epoch FROM j.started_on - j.created_on)) AS pickup,
           avg(extract(epoch FROM r.started_at - j.started_on)) AS setup,
           avg(extract(epoch FROM r.finished_at - r.started_at)) AS sync,
           avg(extract(epoch FROM j.completed_on - r.finished_at)) AS after
    FROM ghl_etl_queue.job j JOIN sync_runs r ON r.location_id = j.data->>'locationId'
    WHERE j.name = 'location-sync' AND j.state = 'completed'`);
  const startedEpoch = (Date.now() - (performance.now() - startedPerf)) / 1000;
  return {
    enqueueS: round(Number(p!.enqueued) - startedEpoch, 2), pickupS: round(Number(p!.pickup), 2), setupS: round(Number(p!.setup), 2),
    syncS: round(Number(p!.sync), 2), afterS: round(Number(p!.after), 2),
  };
}

async function waitFor(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done().catch(() => false))) {
    if (Date.now() > deadline) throw new Error('bench workers: timed out');
    await new Promise((r) => setTimeout(r, 250));
  }
}
