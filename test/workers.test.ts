// Workers on the PostgreSQL job queue (issue 18), through the binary against the sandbox over
// HTTP and a real PostgreSQL, scaled down from the issue's Done-when: 4 worker processes, 10
// locations enqueued twice, one worker SIGKILLed mid-run: every location equals the truth, the
// killed worker's locations are retaken, no location has two live workers' runs overlapping (from
// sync_runs), the others exit 0 on SIGTERM; a worker SIGTERMed mid-run gives its job back and
// the next worker resumes it; `schedule --queue` in two processes on a seconds cron queues each
// tick once; worker, enqueue and schedule --queue refuse SQLite with exit 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { snapshotPostgres } from './helpers/pg-snapshot.ts';
import { adminQuery, createTestDatabase, usePostgres } from './helpers/postgres.ts';
import { compareWithTruth, fetchTruth } from './helpers/truth.ts';

const cluster = usePostgres();
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sandboxOf(locations: number, contacts: number, seed: number): Promise<Sandbox> {
  const sandbox = await startSandbox({ locations, contacts, seed, rateLimit: 'none' });
  cleanups.push(() => sandbox.stop());
  return sandbox;
}

/** A config file naming every sandbox location, a per-location pace that makes a sync last seconds, and quick queue timings. */
function configFor(sandbox: Sandbox, extra: Record<string, unknown> = {}): string {
  const file = join(mkdtempSync(join(tmpdir(), 'ghl-etl-workers-')), 'config.json');
  writeFileSync(file, JSON.stringify({
    locations: sandbox.locations.map((l) => ({ id: l.id, token: l.token })),
    rateLimit: { max: 20, intervalMs: 1000 },
    worker: { concurrency: 1, heartbeatSeconds: 10, retryDelaySeconds: 1, pollSeconds: 0.5 },
    ...extra,
  }));
  return file;
}

function envOf(sandbox: Sandbox, db: string, config: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, GHL_BASE_URL: sandbox.url, GHL_ETL_DB: db, GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn' };
  delete env.GHL_LOCATION_ID;
  delete env.GHL_TOKEN;
  return env;
}

interface Running {
  child: ChildProcess;
  exited: Promise<CliResult>;
  /** Its stderr so far, for a failure's message. */
  stderr(): string;
  stdout(): string;
}

/** Starts the binary in the background; killed at the end of the test if still running. */
function start(args: string[], env: NodeJS.ProcessEnv): Running {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>, running: Running[] = []): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // A table not there yet (the processes still migrating) is not there yet.
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${running.map((r, i) => `\n--- process ${i} (pid ${r.child.pid}, exit ${r.child.exitCode}):\n${r.stderr().slice(-3000)}`).join('')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface RunRow { id: number; location_id: string; status: string; worker: string | null; started_at: Date; finished_at: Date | null }

describe('workers on the PostgreSQL job queue', () => {
  it('4 workers, every location enqueued twice, one worker SIGKILLed mid-run: all equal the truth, its locations retaken, no overlapping runs', async () => {
    const sandbox = await sandboxOf(10, 40, 181);
    const db = await createTestDatabase(cluster());
    const env = envOf(sandbox, db, configFor(sandbox));
    const ids = sandbox.locations.map((l) => l.id);

    // Four workers starting at once on an empty database migrate it (ours and pg-boss's) safely.
    const workers = Array.from({ length: 4 }, () => start(['worker'], env));
    const first = await runCli(['enqueue', 'sync', '--all', '--json'], { env, timeoutMs: 60_000 });
    expect(first.code, first.stderr).toBe(0);
    const second = await runCli(['enqueue', 'sync', '--json'], { env, timeoutMs: 60_000 });
    expect(second.code, second.stderr).toBe(0);
    const jobs = [...(JSON.parse(first.stdout) as { jobs: Array<{ locationId: string; jobId: string; folded: boolean }> }).jobs,
      ...(JSON.parse(second.stdout) as { jobs: Array<{ locationId: string; jobId: string; folded: boolean }> }).jobs];
    expect(new Set(jobs.map((j) => j.locationId))).toEqual(new Set(ids));
    expect(jobs.every((j) => /^[0-9a-f-]{36}$/.test(j.jobId))).toBe(true);
    // A location still waiting got its waiting job's id back.
    for (const j of jobs.filter((x) => x.folded)) expect(jobs.filter((x) => x.locationId === j.locationId).map((x) => x.jobId)).toContain(j.jobId);

    // Kill, mid-run, the worker of a location being synced.
    const pids = new Map(workers.map((w) => [w.child.pid!, w]));
    const victimPid = await until('a worker mid-run', 60_000, async () => {
      const running = await adminQuery<{ worker: string }>(db, `SELECT worker FROM sync_runs WHERE status = 'running'`);
      return running.map((r) => Number(r.worker.split(':').at(-1))).find((pid) => pids.has(pid));
    }, workers);
    const [killedRun] = await adminQuery<{ location_id: string }>(db, `SELECT location_id FROM sync_runs WHERE status = 'running' AND worker LIKE $1`, [`%:${victimPid}`]);
    pids.get(victimPid)!.child.kill('SIGKILL');
    expect((await pids.get(victimPid)!.exited).signal).toBe('SIGKILL');

    // The queue drains: the killed worker's job is retaken once its heartbeat lapses.
    await until('the queue to drain', 90_000, async () => {
      const [open] = await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM ghl_etl_queue.job WHERE name = 'location-sync' AND state IN ('created', 'retry', 'active')`);
      return open!.n === 0 ? true : undefined;
    }, workers);
    const status = await runCli(['status', '--json'], { env, timeoutMs: 60_000 });
    const report = JSON.parse(status.stdout) as { locations: Array<{ locationId: string; lastRun: { worker: string | null }; queue: { waiting: number; active: number; failed: number } }> };
    expect(report.locations.map((l) => l.queue)).toEqual(ids.map(() => expect.objectContaining({ waiting: 0, active: 0, failed: 0 })));
    expect(report.locations.every((l) => /:\d+$/.test(l.lastRun.worker ?? ''))).toBe(true);

    // The others stop cleanly on SIGTERM.
    const live = workers.filter((w) => w.child.pid !== victimPid);
    for (const w of live) w.child.kill('SIGTERM');
    for (const w of live) expect((await w.exited).code, (await w.exited).stderr).toBe(0);

    expect(compareWithTruth(await snapshotPostgres(db), await fetchTruth(sandbox.url), { locationIds: ids })).toEqual([]);
    const runs = await adminQuery<RunRow>(db, `SELECT id, location_id, status, worker, started_at, finished_at FROM sync_runs ORDER BY id`);
    expect(runs.every((r) => r.worker !== null)).toBe(true);
    // Every location ended with a good run; the killed worker's location by another worker, after its run.
    for (const id of ids) expect(runs.some((r) => r.location_id === id && r.status === 'ok')).toBe(true);
    const victim = `:${victimPid}`;
    const killedAt = runs.find((r) => r.location_id === killedRun!.location_id && r.worker!.endsWith(victim))!;
    expect(runs.some((r) => r.location_id === killedRun!.location_id && r.status === 'ok' && !r.worker!.endsWith(victim) && r.id > killedAt.id)).toBe(true);
    // No location had two live workers' runs at once.
    for (const id of ids) {
      const liveRuns = runs.filter((r) => r.location_id === id && !r.worker!.endsWith(victim));
      for (let i = 1; i < liveRuns.length; i++) {
        expect(liveRuns[i]!.started_at.getTime()).toBeGreaterThanOrEqual(liveRuns[i - 1]!.finished_at!.getTime());
      }
    }
  }, 180_000);

  it('SIGTERM mid-run: the worker stops on a checkpoint, gives the job back and exits 0; the next worker resumes it', async () => {
    const sandbox = await sandboxOf(1, 60, 184);
    const db = await createTestDatabase(cluster());
    const env = envOf(sandbox, db, configFor(sandbox, { rateLimit: { max: 8, intervalMs: 1000 } }));
    const first = start(['worker', '--json'], env);
    const enqueued = await runCli(['enqueue', 'sync', '--json'], { env, timeoutMs: 60_000 });
    expect(enqueued.code, enqueued.stderr).toBe(0);
    await until('the sync to run', 60_000, async () => {
      const [run] = await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM sync_runs WHERE status = 'running'`);
      return run!.n > 0 ? true : undefined;
    }, [first]);
    await new Promise((r) => setTimeout(r, 1_500));
    first.child.kill('SIGTERM');
    const stopped = await first.exited;
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(JSON.parse(stopped.stdout)).toMatchObject({ stoppedBy: 'SIGTERM', givenBack: 1 });
    expect(await adminQuery(db, `SELECT status FROM sync_runs`)).toEqual([{ status: 'interrupted' }]);
    expect(await adminQuery(db, `SELECT state FROM ghl_etl_queue.job WHERE name = 'location-sync' AND state <> 'completed'`)).toEqual([{ state: 'created' }]);

    const second = start(['worker'], env);
    await until('the job to be done', 90_000, async () => {
      const [open] = await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM ghl_etl_queue.job WHERE name = 'location-sync' AND state <> 'completed'`);
      return open!.n === 0 ? true : undefined;
    }, [second]);
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(await adminQuery(db, `SELECT status FROM sync_runs ORDER BY id`)).toEqual([{ status: 'interrupted' }, { status: 'ok' }]);
    expect(compareWithTruth(await snapshotPostgres(db), await fetchTruth(sandbox.url))).toEqual([]);
  }, 180_000);

  it('schedule --queue in two processes on a seconds cron queues each tick once: one job per location per tick', async () => {
    const sandbox = await sandboxOf(3, 10, 182);
    const db = await createTestDatabase(cluster());
    const env = envOf(sandbox, db, configFor(sandbox, { rateLimit: { max: 1000, intervalMs: 1000 }, worker: { concurrency: 3, heartbeatSeconds: 10, retryDelaySeconds: 1, pollSeconds: 0.5 } }));
    const worker = start(['worker'], env);
    const spawnedAt = Date.now();
    const schedulers = [start(['schedule', '--queue', '--cron', '*/4 * * * * *'], env), start(['schedule', '--queue', '--cron', '*/4 * * * * *'], env)];
    // Both up (the queue set up, the first tick ahead), then 16 s of ticks.
    await until('both schedulers to start', 60_000, async () => (schedulers.every((s) => s.stdout().includes('next tick queued')) ? true : undefined), schedulers);
    const startedAt = Date.now();
    await new Promise((r) => setTimeout(r, 16_000));
    for (const s of schedulers) s.child.kill('SIGTERM');
    for (const s of schedulers) expect((await s.exited).code, (await s.exited).stderr).toBe(0);
    const elapsed = (Date.now() - startedAt) / 1000;
    const sinceSpawn = (Date.now() - spawnedAt) / 1000;
    await until('the queue to drain', 60_000, async () => {
      const [open] = await adminQuery<{ n: number }>(db, `SELECT count(*)::int AS n FROM ghl_etl_queue.job WHERE state IN ('created', 'retry', 'active')`);
      return open!.n === 0 ? true : undefined;
    });
    worker.child.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);

    const ticks = await adminQuery<{ at: string }>(db, `SELECT data->>'at' AS at FROM ghl_etl_queue.job WHERE name = 'location-sync-tick' ORDER BY 1`);
    // Two schedulers, each tick queued once (never twice), every 4 s while they ran.
    expect(new Set(ticks.map((t) => t.at)).size).toBe(ticks.length);
    expect(ticks.length).toBeGreaterThanOrEqual(Math.floor(elapsed / 4) - 1);
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil(sinceSpawn / 4) + 1);
    const perLocation = await adminQuery<{ key: string; n: number }>(db,
      `SELECT singleton_key AS key, count(*)::int AS n FROM ghl_etl_queue.job WHERE name = 'location-sync' GROUP BY 1 ORDER BY 1`);
    expect(perLocation.map((p) => p.key).sort()).toEqual(sandbox.locations.map((l) => l.id).sort());
    // One job per location per tick (a tick whose job found the previous one still waiting folds into it).
    for (const p of perLocation) {
      expect(p.n).toBeLessThanOrEqual(ticks.length);
      expect(p.n).toBeGreaterThanOrEqual(ticks.length - 1);
    }
  }, 120_000);

  it('worker, enqueue and schedule --queue need PostgreSQL: with SQLite they exit 2 saying so', async () => {
    const sandbox = await sandboxOf(1, 5, 183);
    const file = join(mkdtempSync(join(tmpdir(), 'ghl-etl-workers-sqlite-')), 'mirror.sqlite');
    const env = envOf(sandbox, file, configFor(sandbox));
    for (const args of [['worker'], ['enqueue', 'sync', '--all'], ['schedule', '--queue']]) {
      const result = await runCli(args, { env, timeoutMs: 60_000 });
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(/needs a PostgreSQL database .*postgresql:\/\//);
    }
  }, 120_000);
});
