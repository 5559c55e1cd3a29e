// The schedule job (src/schedule/) without the binary: ticks on time under fake timers, an
// overlapping tick skipped, a manual sync's lock respected (through the real pipeline), a stop
// that waits for the tick in flight.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { configSchema } from '../src/config/schema.ts';
import { acquireLock, openDatabase } from '../src/db/index.ts';
import { createLogger } from '../src/log.ts';
import { runPipeline } from '../src/pipeline/run.ts';
import { checkSchedule, ScheduleUsageError, startSchedule, type TickReport, type TickRunResult } from '../src/schedule/index.ts';
import { unlimitedClient, useSandbox } from './helpers/sandbox.ts';
import { sqliteOf } from '../src/db/connection.ts';

/** A logger whose lines the test reads, and the reports handed to onTick. */
function recorder() {
  const lines: Array<{ level: number; msg: string } & Record<string, unknown>> = [];
  const logger = createLogger('debug', { write: (chunk: string) => void lines.push(JSON.parse(chunk)) });
  const ticks: TickReport[] = [];
  return { lines, logger, ticks, onTick: (r: TickReport) => void ticks.push(r) };
}

/** A run whose sync ended `outcome` and wrote no files. */
const ran = (outcome: 'ok' | 'interrupted' = 'ok'): TickRunResult =>
  ({ sync: { outcome }, ...(outcome === 'ok' ? { exports: { exported: [], failed: [] } } : {}) });
const okRun = async () => ran();

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the schedule fires on time (fake timers)', () => {
  it('runs at 02:00 UTC by default, and says when it runs next', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T01:59:00.000Z') });
    const { logger, ticks, onTick } = recorder();
    const calls: string[] = [];
    const stop = new AbortController();
    const handle = startSchedule({
      cron: '0 2 * * *', timezone: 'UTC', logger, signal: stop.signal, onTick,
      run: async () => {
        calls.push(`sync ${new Date().toISOString()}`);
        return ran();
      },
    });
    expect(handle.nextRun()?.toISOString()).toBe('2026-03-01T02:00:00.000Z');

    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(calls).toEqual(['sync 2026-03-01T02:00:00.000Z']);
    expect(ticks).toHaveLength(1);
    expect(ticks[0]).toMatchObject({ at: '2026-03-01T02:00:00.000Z', trigger: 'scheduled', outcome: 'ok', sync: 'ok', nextRun: '2026-03-02T02:00:00.000Z' });

    // A day later, once more.
    await vi.advanceTimersByTimeAsync(24 * 3_600_000);
    expect(calls).toEqual(['sync 2026-03-01T02:00:00.000Z', 'sync 2026-03-02T02:00:00.000Z']);
    stop.abort();
    await handle.done;
    expect(handle.nextRun()).toBeNull();
  });

  it('follows the timezone: 02:00 in Madrid is 01:00 UTC in winter, 00:00 UTC in summer', () => {
    vi.useFakeTimers({ now: new Date('2026-01-15T12:00:00.000Z') });
    const stop = new AbortController();
    const handle = startSchedule({ cron: '0 2 * * *', timezone: 'Europe/Madrid', logger: recorder().logger, signal: stop.signal, run: okRun });
    expect(handle.nextRun()?.toISOString()).toBe('2026-01-16T01:00:00.000Z');
    stop.abort();
    vi.setSystemTime(new Date('2026-07-15T12:00:00.000Z'));
    const stopSummer = new AbortController();
    const summer = startSchedule({ cron: '0 2 * * *', timezone: 'Europe/Madrid', logger: recorder().logger, signal: stopSummer.signal, run: okRun });
    expect(summer.nextRun()?.toISOString()).toBe('2026-07-16T00:00:00.000Z');
    stopSummer.abort();
  });

  it('a 6-field expression counts seconds', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T00:00:00.000Z') });
    const { ticks, onTick, logger } = recorder();
    const stop = new AbortController();
    startSchedule({ cron: '*/20 * * * * *', timezone: 'UTC', logger, signal: stop.signal, onTick, run: okRun });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(ticks.map((t) => t.at)).toEqual(['2026-03-01T00:00:20.000Z', '2026-03-01T00:00:40.000Z', '2026-03-01T00:01:00.000Z']);
    stop.abort();
  });

  it('a tick that fires while the previous run is going is skipped and logged', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T00:00:30.000Z') });
    const { lines, ticks, onTick, logger } = recorder();
    const stop = new AbortController();
    const slow = deferred();
    let syncs = 0;
    const handle = startSchedule({
      cron: '* * * * *', timezone: 'UTC', logger, signal: stop.signal, onTick,
      run: async () => {
        syncs++;
        if (syncs === 1) await slow.promise; // the first run outlasts the next tick
        return ran();
      },
    });
    await vi.advanceTimersByTimeAsync(30_000); // 00:01:00: the first run starts
    await vi.advanceTimersByTimeAsync(60_000); // 00:02:00: still going
    expect(syncs).toBe(1);
    expect(ticks).toEqual([expect.objectContaining({ at: '2026-03-01T00:02:00.000Z', outcome: 'skipped', skipped: 'busy' })]);
    expect(lines.some((l) => l.msg === 'scheduled run skipped (the previous run is still going)' && l.level === 40)).toBe(true);

    slow.resolve();
    await vi.advanceTimersByTimeAsync(0);
    expect(ticks.at(-1)).toMatchObject({ at: '2026-03-01T00:01:00.000Z', outcome: 'ok' });
    await vi.advanceTimersByTimeAsync(60_000); // 00:03:00 runs normally again
    expect(syncs).toBe(2);
    stop.abort();
    await handle.done;
  });

  it('a stop during a run waits for the run to reach its checkpoint', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T00:00:59.000Z') });
    const { ticks, onTick, logger } = recorder();
    const stop = new AbortController();
    let sawAbort = false;
    const handle = startSchedule({
      cron: '* * * * *', timezone: 'UTC', logger, signal: stop.signal, onTick,
      run: async (signal) => {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        sawAbort = true;
        return ran('interrupted');
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    let done = false;
    void handle.done.then(() => (done = true));
    stop.abort();
    await handle.done;
    expect(done && sawAbort).toBe(true);
    expect(ticks).toEqual([expect.objectContaining({ outcome: 'interrupted', sync: 'interrupted', nextRun: null })]);
  });

  it('a stop during a run that then ends ok is an ok run: its exports are written (issue 16)', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T00:00:59.000Z') });
    const { ticks, onTick, logger } = recorder();
    const stop = new AbortController();
    let exported = false;
    const handle = startSchedule({
      cron: '* * * * *', timezone: 'UTC', logger, signal: stop.signal, onTick,
      run: async (signal) => {
        // The sync was past its last checkpoint: it finishes, whatever the signal.
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
        exported = true;
        return { sync: { outcome: 'ok' }, exports: { exported: [], failed: [] } };
      },
    });
    await vi.advanceTimersByTimeAsync(1_000);
    stop.abort();
    await handle.done;
    expect(exported).toBe(true);
    expect(ticks).toEqual([expect.objectContaining({ outcome: 'ok', sync: 'ok' })]);
  });

  it('a failed export makes the tick failed, and the schedule keeps going', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-01T00:00:59.000Z') });
    const { ticks, onTick, logger, lines } = recorder();
    const stop = new AbortController();
    startSchedule({
      cron: '* * * * *', timezone: 'UTC', logger, signal: stop.signal, onTick,
      run: async () => ({ sync: { outcome: 'ok' }, exports: { exported: [], failed: [{ what: 'hot-leads', error: new Error('unknown column "nope"') }] } }),
    });
    await vi.advanceTimersByTimeAsync(61_000);
    expect(ticks.map((t) => t.outcome)).toEqual(['failed', 'failed']);
    expect(ticks[0]!.exports).toEqual({ files: 0, removed: 0, failed: [{ what: 'hot-leads', error: 'unknown column "nope"' }] });
    expect(lines.filter((l) => l.msg === 'scheduled run failed')).toHaveLength(2);
    stop.abort();
  });
});

describe('a bad expression or timezone is refused before anything runs', () => {
  it.each([
    ['0 2 * *', /expected 5 or 6 fields but got 4/],
    ['0 0 2 * * * *', /expected 5 or 6 fields but got 7/],
    ['0 25 * * *', /25 is an invalid expression for hour/],
    ['every night', /not valid/],
  ])('cron %j', (expression, why) => {
    expect(() => checkSchedule({ cron: expression, timezone: 'UTC' })).toThrow(ScheduleUsageError);
    expect(() => checkSchedule({ cron: expression, timezone: 'UTC' })).toThrow(why);
  });

  it('an unknown timezone', () => {
    expect(() => checkSchedule({ cron: '0 2 * * *', timezone: 'Mars/Olympus' })).toThrow(/timezone "Mars\/Olympus" is not a time zone/);
    expect(checkSchedule({ cron: ' 0  2 * * * ', timezone: 'Europe/Madrid' })).toEqual({ cron: '0 2 * * *', timezone: 'Europe/Madrid' });
  });
});

describe('the schedule shares the sync lock with manual runs', () => {
  const sandbox = useSandbox({ contacts: 5 });

  it('a tick while another process holds the lock is skipped and logged, and exports nothing', async () => {
    const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'ghl-etl-schedule-')), 'mirror.sqlite'));
    const client = unlimitedClient(sandbox());
    try {
      // A manual `ghl-etl sync` in another (live) process holds the lock.
      expect(acquireLock(db, 'sync', 'manual-sync', 60_000, { pid: process.pid }).acquired).toBe(true);
      const config = configSchema.parse({ locations: sandbox().locations.map((l) => ({ id: l.id, token: l.token })), exports: [{ byTag: join(tmpdir(), 'never') }] });
      const { lines, onTick, logger } = recorder();
      const stop = new AbortController();
      const first = new Promise<TickReport>((resolve) => {
        startSchedule({
          cron: '0 2 * * *', timezone: 'UTC', logger, signal: stop.signal, runNow: true,
          onTick: (r) => {
            onTick(r);
            resolve(r);
          },
          run: (signal) => runPipeline(
            { db, client, config, logger, get leadcars(): never { throw new Error('no LeadCars in this test') } },
            { locations: config.locations, full: false, lister: 'list', exports: true, signal },
          ),
        });
      });
      const tick = await first;
      stop.abort();
      expect(tick).toMatchObject({ trigger: 'start', outcome: 'skipped', skipped: 'locked', sync: 'locked' });
      expect(tick.error).toMatch(new RegExp(`another sync is running on this database \\(pid ${process.pid} `));
      expect(tick.exports).toBeUndefined();
      expect(lines.some((l) => l.msg === 'scheduled run skipped (another sync holds the lock)')).toBe(true);
      expect(sqliteOf(db).prepare('SELECT count(*) AS n FROM sync_runs').get()).toEqual({ n: 0 });
      expect(sqliteOf(db).prepare('SELECT count(*) AS n FROM export_runs').get()).toEqual({ n: 0 });
    } finally {
      await client.close();
      db.close();
    }
  });
});
