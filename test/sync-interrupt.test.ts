// Ctrl-C on a running `ghl-etl sync`: it stops on a checkpoint with exit 130, and the next run
// resumes (and says so) and ends equal to the truth.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { runCli, signalMidRun } from './helpers/cli.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

let sandbox: Sandbox | undefined;
afterAll(async () => sandbox?.stop());

/** Starts the sync, sends SIGINT once the sandbox has answered `after` requests, and waits for the exit. */
function interruptedSync(env: Record<string, string | undefined>, sb: Sandbox, after: number) {
  return signalMidRun(['sync', '--json'], { env: { ...process.env, ...env }, sandboxUrl: sb.url, requests: after, signal: 'SIGINT' });
}

describe('Ctrl-C during a sync', () => {
  it('exits 130 on a checkpoint; the next run resumes to the truth', async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 600, seed: 23, rateLimit: 'none' });
    const location = sandbox.locations[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-interrupt-'));
    const dbPath = join(dir, 'mirror.sqlite');
    const env = {
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token,
      GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: undefined,
    };

    // 600 contacts need ~615 calls at the default 10 per second: a minute, so Ctrl-C lands mid-run.
    const stopped = await interruptedSync(env, sandbox, 30);
    expect(stopped.code, stopped.stderr).toBe(130);
    const summary = JSON.parse(stopped.stdout) as { runs: Array<{ status: string; error?: string }> };
    expect(summary.runs[0]!.status).toBe('interrupted');
    expect(summary.runs[0]!.error).toMatch(/next `ghl-etl sync` resumes/);

    // The resume may go at full speed: the sandbox has no limit.
    const fast = join(dir, 'fast.json');
    writeFileSync(fast, JSON.stringify({ rateLimit: { max: 10_000, intervalMs: 1000 } }));
    const resumed = await runCli(['sync', '--json'], { env: { ...env, GHL_ETL_CONFIG: fast }, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const run = (JSON.parse(resumed.stdout) as { runs: Array<{ resumed: boolean }> }).runs[0]!;
    expect(run.resumed).toBe(true);
    expect(compareWithTruth(dbPath, await fetchTruth(sandbox.url, location.id))).toEqual([]);
  }, 120_000);
});
