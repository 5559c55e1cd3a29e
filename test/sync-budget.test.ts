// The daily API budget end to end: `ghl-etl sync` stops cleanly with exit 3 before it spends more
// than its share of the day, and the next day's runs resume until the mirror equals the truth.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { sandboxStats } from './helpers/sandbox.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

const DAY_MS = 86_400_000;
let sandbox: Sandbox | undefined;
afterAll(async () => sandbox?.stop());

describe('the daily API budget', () => {
  it('stops each run with exit 3 within its share, and the runs resume to the truth', async () => {
    let now = Date.parse('2026-11-20T08:00:00.000Z');
    sandbox = await startSandbox({ locations: 1, contacts: 120, seed: 21, rateLimit: 'none', dailyLimit: 100, clock: () => now });
    const location = sandbox.locations[0]!;
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-budget-'));
    const dbPath = join(dir, 'mirror.sqlite');
    writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({
      rateLimit: { max: 1000, intervalMs: 1000, daily: 100, dailyShare: 0.5 },
      http: { retries: 0 },
    }));
    const env = { GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: undefined };

    const codes: number[] = [];
    for (let day = 0; day < 10; day += 1) {
      await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
      const result = await runCli(['sync', '--json'], { cwd: dir, env });
      codes.push(result.code ?? -1);
      const stats = await sandboxStats(sandbox);
      // Half of the day's 100 requests at most: the rest is left for the account's other apps.
      expect(stats.requests).toBeLessThanOrEqual(50);
      if (result.code === 0) break;
      expect(result.code, result.stderr).toBe(3);
      const summary = JSON.parse(result.stdout) as { runs: Array<{ status: string }> };
      expect(summary.runs[0]!.status).toBe('budget');
      now += DAY_MS; // the next night: a new daily budget
    }
    expect(codes.length).toBeGreaterThan(2); // the job needed several days' budgets
    expect(codes.at(-1)).toBe(0);

    const statuses = new Database(dbPath, { readonly: true })
      .prepare('SELECT status FROM sync_runs ORDER BY id').all() as Array<{ status: string }>;
    expect(statuses.map((r) => r.status)).toEqual([...codes.slice(0, -1).map(() => 'budget'), 'ok']);
    const truth = await fetchTruth(sandbox.url, location.id);
    expect(compareWithTruth(dbPath, truth)).toEqual([]);
  }, 120_000);
});
