// Bench `memory`: peak RSS of a full `ghl-etl sync` process at each size in BENCH_MEMORY_SIZES
// (default "20000,200000"; the sandbox in its own process, no rate limit), and the largest
// over the smallest: flat means the sync streams pages instead of holding the location.
// Without BENCH_MEMORY_SIZES, a size whose run would take longer than BENCH_MEMORY_BUDGET_S
// (300) by the previous size's time (see GROWTH) is skipped (and says so), to keep the bench
// within its 15 minutes; setting BENCH_MEMORY_SIZES runs every size given.
import { join } from 'node:path';
import { emit, round, runCli, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, UNLIMITED, writeConfig } from './lib.ts';

const explicit = process.env.BENCH_MEMORY_SIZES !== undefined && process.env.BENCH_MEMORY_SIZES !== '';
const sizes = (process.env.BENCH_MEMORY_SIZES || '20000,200000').split(',').filter(Boolean).map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new RangeError(`BENCH_MEMORY_SIZES takes whole numbers like "20000,200000", got "${process.env.BENCH_MEMORY_SIZES}"`);
const BUDGET_S = sizeFromEnv('BENCH_MEMORY_BUDGET_S', 300);

// A run's wall time (the sync, and the sandbox serving it) grows faster than the location
// (22:56 UTC 2026-12-02, idle machine: 20,000 contacts 15.5 s, 200,000 contacts 343 s, 2.2 times
// the linear guess), so the next size is predicted as time x (size ratio)^GROWTH, a little above
// what was seen (10^1.4 = 25).
const GROWTH = 1.4;
const peaks: Array<{ contacts: number; peakRssMb: number }> = [];
let last: { contacts: number; seconds: number } | undefined;
for (const contacts of sizes) {
  const predictedS = last ? last.seconds * (contacts / last.contacts) ** GROWTH : 0;
  if (!explicit && predictedS > BUDGET_S) {
    emit({ measure: `memory.${contacts}`, skipped: `would take about ${Math.round(predictedS)} s (over BENCH_MEMORY_BUDGET_S=${BUDGET_S}); BENCH_MEMORY_SIZES=${sizes.join(',')} runs it` });
    continue;
  }
  const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', String(contacts), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '9']);
  try {
    const dir = tempDir();
    const config = writeConfig(dir, { locations: sandbox.locations, rateLimit: UNLIMITED, sync: { concurrency: 16 } });
    const run = await runCli(['sync', '--json'], syncEnv(sandbox, join(dir, 'memory.sqlite'), config));
    last = { contacts, seconds: run.wallMs / 1000 };
    peaks.push({ contacts, peakRssMb: run.peakRssMb });
    emit({ measure: `memory.${contacts}`, peakRssMb: run.peakRssMb, wallS: round(run.wallMs / 1000, 1), exitCode: run.code });
    if (run.code !== 0) process.exitCode = 1;
  } finally {
    await sandbox.stop();
  }
}
if (peaks.length > 1) {
  const small = peaks[0]!;
  const big = peaks.at(-1)!;
  const ratio = big.peakRssMb / small.peakRssMb;
  emit({ measure: 'memory.flat', ratio: round(ratio), goal: '<= 1.5', met: ratio <= 1.5, sizes: peaks.map((p) => `${p.contacts}: ${p.peakRssMb} MB`).join(', ') });
}
