// Ctrl-C or SIGTERM while `ghl-etl sync` is still loading (about a second, before the sync's own
// handler exists): the process is not killed by the signal, it stops before opening anything
// with the interrupt's exit code, and the database is left as it was.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { syncAll } from '../src/sync/run.ts';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { sqliteOf } from '../src/db/connection.ts';
import { quietLogger } from './helpers/logger.ts';

let sandbox: Sandbox;
let dir: string;
let env: Record<string, string | undefined>;
beforeAll(async () => {
  sandbox = await startSandbox({ locations: 1, contacts: 8, seed: 31, rateLimit: 'none' });
  dir = mkdtempSync(join(tmpdir(), 'ghl-etl-early-signal-'));
  const location = sandbox.locations[0]!;
  env = { GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: join(dir, 'mirror.sqlite'), GHL_ETL_CONFIG: undefined };
});
afterAll(async () => {
  await sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
});

function spawnSync(): { child: ReturnType<typeof spawn>; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, 'sync'], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { child, done };
}

const sandboxRequests = async () => ((await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as { requests: number }).requests;

/**
 * Sends `sig` as soon as the process runs, until one lands in the CLI's start-up. Node's own
 * bootstrap (before bin.mjs's first line) cannot catch it, and from the bundle the CLI may be
 * past its start-up (then the sync's own handler stops it on a checkpoint): either way the run
 * is repeated with the signal a little later or earlier. Returns that run and the requests the
 * sandbox saw during it.
 */
async function signalAtStart(sig: NodeJS.Signals): Promise<CliResult & { requests: number }> {
  const delays = [0, 10, 20, 30, 40, 50, 60, 80, 100, 150, 200, 400, 800];
  for (const delayMs of [...delays, ...delays]) {
    const before = await sandboxRequests();
    const { child, done } = spawnSync();
    await new Promise((resolve) => child.once('spawn', resolve));
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    child.kill(sig);
    const result = await done;
    if (result.signal === null && /before it started/.test(result.stderr)) return { ...result, requests: (await sandboxRequests()) - before };
  }
  throw new Error(`no ${sig} landed in the CLI's start-up`);
}

function contactsIn(dbPath: string): number {
  const db = openDatabase(dbPath);
  try {
    return (sqliteOf(db).prepare('SELECT count(*) AS n FROM contacts').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('a signal while `ghl-etl sync` is starting', () => {
  it('Ctrl-C: exits 130 before opening anything; the database still works', async () => {
    const first = await runCli(['sync'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(contactsIn(env.GHL_ETL_DB!)).toBe(8);
    const stopped = await signalAtStart('SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/^ghl-etl sync: stopped by SIGINT before it started; nothing was changed$/m);
    expect(stopped.requests).toBe(0);

    expect(contactsIn(env.GHL_ETL_DB!)).toBe(8);
    const next = await runCli(['sync'], { env });
    expect(next.code, next.stderr).toBe(0);
    expect(next.stdout).toMatch(/: ok, 8 contacts listed/);
  });

  it('Ctrl-C while `auth login` waits for the browser (no handler of its own): exits 130, not killed', async () => {
    const child = spawn(process.execPath, [BIN, 'auth', 'login'], {
      env: {
        ...process.env, GHL_BASE_URL: sandbox.url, GHL_CLIENT_ID: 'app-1', GHL_CLIENT_SECRET: 'secret', GHL_REDIRECT_URI: 'http://127.0.0.1:0/callback',
        GHL_ETL_DB: join(dir, 'login.sqlite'), GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    const waiting = new Promise<void>((resolve) => child.stderr!.on('data', (d) => {
      stderr += d;
      if (stderr.includes('waiting for the redirect')) resolve();
    }));
    const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (code, signal) => resolve([code, signal])));
    await Promise.race([waiting, closed]);
    child.kill('SIGINT');
    const [code, signal] = await closed;
    expect(signal, stderr).toBeNull();
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/^ghl-etl auth login: stopped by SIGINT$/m);
  });

  it('SIGTERM: a sync is not long-running, so it exits 130 too', async () => {
    const stopped = await signalAtStart('SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/stopped by SIGTERM before it started/);
  });
});

describe('a sync stopped before some locations started', () => {
  it('is an interrupt (exit 130), not a success, and the next sync does them', async () => {
    const sb = await startSandbox({ locations: 2, contacts: 3, seed: 32, rateLimit: 'none' });
    const db = openDatabase(join(dir, 'two.sqlite'));
    const client = unlimitedClient(sb);
    try {
      const config = { sync: { concurrency: 2, locationConcurrency: 1, lister: 'list' as const, rollingDays: 7, maxDeleteShare: 0.2 } };
      const base = { db, client, logger: quietLogger, locations: sb.locations, full: false, lister: 'list' as const, config };
      const stopped = await syncAll({ ...base, signal: AbortSignal.abort() });
      expect(stopped.outcome).toBe('interrupted');
      expect(stopped.runs).toEqual([]);
      expect((await sandboxStats(sb)).requests).toBe(0);
      const next = await syncAll(base);
      expect(next.outcome).toBe('ok');
      expect(next.runs.map((r) => r.status)).toEqual(['ok', 'ok']);
    } finally {
      client.close();
      db.close();
      await sb.stop();
    }
  });
});
