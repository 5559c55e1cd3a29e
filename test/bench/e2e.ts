// Bench `e2e`: one full `ghl-etl sync` of BENCH_E2E_CONTACTS (default 20,000) contacts against a
// sandbox with no rate limit, each in its own process. Reports contacts/s, our CPU, the
// sandbox's CPU and the wall time; the goals: wall within 1.3x of our CPU (we never wait on
// ourselves) and our CPU within 2.5x the sandbox's.
import { join } from 'node:path';
import { emit, round, runCli, sizeFromEnv, startSandboxProcess, syncEnv, tempDir, UNLIMITED, writeConfig } from './lib.ts';

const CONTACTS = sizeFromEnv('BENCH_E2E_CONTACTS', 20_000);
const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', String(CONTACTS), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '9']);
try {
  const dir = tempDir();
  const config = writeConfig(dir, { locations: sandbox.locations, rateLimit: UNLIMITED, sync: { concurrency: 16 } });
  const sandboxCpuBefore = sandbox.cpuMs();
  const run = await runCli(['sync', '--json'], syncEnv(sandbox, join(dir, 'e2e.sqlite'), config));
  const sandboxCpuMs = sandbox.cpuMs() - sandboxCpuBefore;
  const requests = (await sandbox.stats()).requests;
  const wallOverCpu = run.wallMs / run.cpuMs;
  const cpuOverSandbox = run.cpuMs / sandboxCpuMs;
  const common = { contacts: CONTACTS, syncConcurrency: 16, exitCode: run.code, requests, wallS: round(run.wallMs / 1000, 2), ourCpuS: round(run.cpuMs / 1000, 2), sandboxCpuS: round(sandboxCpuMs / 1000, 2), contactsPerSec: Math.round(CONTACTS / (run.wallMs / 1000)) };
  emit({ measure: 'e2e.wall_over_cpu', ratio: round(wallOverCpu), goal: '<= 1.3', met: run.code === 0 && wallOverCpu <= 1.3, ...common });
  emit({ measure: 'e2e.cpu_over_sandbox', ratio: round(cpuOverSandbox), goal: '<= 2.5', met: run.code === 0 && cpuOverSandbox <= 2.5, ...common });
  if (run.code !== 0) process.exitCode = 1;
} finally {
  await sandbox.stop();
}
