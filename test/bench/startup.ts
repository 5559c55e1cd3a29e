// Bench `startup`: `ghl-etl --version` wall time over `node -e ""` (goal <= 2x); the median of
// BENCH_STARTUP_RUNS (default 7) runs each, alternating.
import { spawnSync } from 'node:child_process';
import { BIN, emit, round, sizeFromEnv } from './lib.ts';

const RUNS = sizeFromEnv('BENCH_STARTUP_RUNS', 7);
function wallMs(args: string[]): number {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited ${r.status}`);
  return performance.now() - started;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const ours: number[] = [];
const bare: number[] = [];
for (let i = 0; i < RUNS; i++) {
  bare.push(wallMs(['-e', '']));
  ours.push(wallMs([BIN, '--version']));
}
const ratio = median(ours) / median(bare);
emit({ measure: 'startup', ratio: round(ratio), goal: '<= 2', met: ratio <= 2, versionMs: Math.round(median(ours)), nodeMs: Math.round(median(bare)), runs: RUNS });
