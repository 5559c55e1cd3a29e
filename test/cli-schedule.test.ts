// `ghl-etl schedule` as a service manager runs it: a bad expression or timezone exits 2 at start;
// SIGTERM in the middle of a scheduled sync stops on a checkpoint with exit 0, and the next
// `ghl-etl sync` resumes from it; each tick carries the LeadCars bridge as `sync` does.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/open.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { intakeLead } from './helpers/bridge.ts';
import { BIN, runCli, signalMidRun } from './helpers/cli.ts';
import { leadsOf } from './helpers/leadcars.ts';
import { sandboxState, sandboxStats, unlimitedClient } from './helpers/sandbox.ts';
import { sqliteOf } from '../src/db/connection.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined };
const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-schedule-'));

describe.concurrent('a bad schedule is refused at start (exit 2, one line)', () => {
  it('a cron expression with a bad field, from the flag', async () => {
    const result = await runCli(['schedule', '--cron', '0 25 * * *'], { cwd: tmp(), env: { ...CLEAN, GHL_LOCATION_ID: 'loc', GHL_TOKEN: 'pit' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe('ghl-etl schedule: cron expression "0 25 * * *" is not valid (25 is an invalid expression for hour): give 5 fields "minute hour day month weekday" (e.g. "0 2 * * *") or 6 with seconds first\n');
  });

  it('an unknown timezone, from the config file', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ schedule: { cron: '30 3 * * *', timezone: 'Europe/Atlantis' } }));
    const result = await runCli(['schedule'], { cwd: dir, env: { ...CLEAN, GHL_LOCATION_ID: 'loc', GHL_TOKEN: 'pit' } });
    expect(result.code).toBe(2);
    // Found when the configuration is loaded, as `config check` finds it.
    expect(result.stderr).toMatch(/^ghl-etl schedule: config file .*: "schedule.timezone" "Europe\/Atlantis" is not a time zone: give an IANA name such as UTC or Europe\/Madrid: fix that key .*\n$/);
  });
});

let sandbox: Sandbox | undefined;
afterAll(async () => sandbox?.stop());

describe('SIGTERM during a scheduled sync', () => {
  it('stops on a checkpoint with exit 0; the next sync resumes from it', async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 400, seed: 41, rateLimit: 'none' });
    const location = sandbox.locations[0]!;
    const dir = tmp();
    const dbPath = join(dir, 'mirror.sqlite');
    // 20 requests a second: the ~415 calls of the first sync take about 20 s, so the signal lands mid-run.
    writeFileSync(join(dir, 'slow.json'), JSON.stringify({ rateLimit: { max: 20, intervalMs: 1000 }, exports: [{ byTag: join(dir, 'csv') }] }));
    const env = { ...process.env, ...CLEAN, GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath };
    const { code, stdout, stderr } = await signalMidRun(['schedule', '--run-now', '--cron', '0 2 * * *', '--config', join(dir, 'slow.json')], {
      cwd: dir, env, sandboxUrl: sandbox.url, requests: 30, signal: 'SIGTERM',
    });
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^ghl-etl schedule: "0 2 \* \* \*" in UTC; next run \d{4}-\d{2}-\d{2} 02:00:00 UTC \(\d{4}-\d{2}-\d{2}T02:00:00\.000Z\); running once now\./);
    const ticks = stderr.split('\n').filter((l) => l.includes('"scheduled run')).map((l) => JSON.parse(l) as { msg: string; outcome: string; exports?: unknown });
    expect(ticks).toEqual([expect.objectContaining({ msg: 'scheduled run interrupted', outcome: 'interrupted' })]);
    expect(ticks[0]!.exports).toBeUndefined();

    const db = openDatabase(dbPath, { readonly: true });
    const run = sqliteOf(db).prepare(`SELECT status, contacts_seen AS seen FROM sync_runs`).all() as Array<{ status: string; seen: number }>;
    const checkpoint = sqliteOf(db).prepare(`SELECT value FROM sync_state WHERE location_id = ? AND key = 'pass'`).get(location.id) as { value: string } | undefined;
    db.close();
    expect(run).toHaveLength(1);
    expect(run[0]!.status).toBe('interrupted');
    expect(run[0]!.seen).toBeGreaterThan(0);
    expect(checkpoint?.value).toBeTruthy();

    await fetch(new URL('/__sandbox/stats/reset', sandbox.url), { method: 'POST' });
    writeFileSync(join(dir, 'fast.json'), JSON.stringify({ rateLimit: { max: 10_000, intervalMs: 1000 } }));
    const resumed = await runCli(['sync', '--json', '--config', join(dir, 'fast.json')], { cwd: dir, env: { ...CLEAN, GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath }, timeoutMs: 120_000 });
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = (JSON.parse(resumed.stdout) as { runs: Array<{ resumed: boolean }> }).runs[0]!;
    expect(summary.resumed).toBe(true);
    // It picked up where the stop left it: the tasks and notes read before the stop are not read
    // again (a fresh sync of 400 contacts needs over 800 requests), and every contact ends complete.
    expect((await sandboxStats(sandbox)).requests).toBeLessThan(2 * 400);
    const after = openDatabase(dbPath, { readonly: true });
    expect(sqliteOf(after).prepare(`SELECT count(*) AS n, count(children_synced_at) AS done FROM contacts WHERE deleted_at IS NULL`).get()).toEqual({ n: 400, done: 400 });
    after.close();
  }, 120_000);
});

describe('the schedule carries the LeadCars bridge (no serve running)', () => {
  it('a task completed and a note added in HighLevel reach the linked lead as one comment each, and stay one over further ticks', async () => {
    const sb = await startSandbox({ locations: 1, contacts: 2, seed: 43, rateLimit: 'none', leadcars: true });
    const ghl = unlimitedClient(sb);
    const dir = tmp();
    const location = sb.locations[0]!;
    const env = {
      ...CLEAN, GHL_BASE_URL: sb.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: join(dir, 'mirror.sqlite'),
      LEADCARS_BASE_URL: sb.leadcars!.url, LEADCARS_TOKEN: sb.leadcars!.token, GHL_ETL_CONFIG: join(dir, 'config.json'),
    };
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 } }));
    let schedule: ReturnType<typeof spawn> | undefined;
    try {
      writeFileSync(join(dir, 'lead.json'), JSON.stringify([intakeLead(sb.leadcars!, 1)]));
      const imported = await runCli(['leads', 'import', join(dir, 'lead.json'), '--json'], { cwd: dir, env });
      expect(imported.code, imported.stderr).toBe(0);
      const [lead] = await leadsOf(sb.leadcars!);
      const contact = (await sandboxState(sb, location.id)).contacts.find((c) => c.email === 'persona1@example.es')!;
      const task = await ghl.createTask(location.id, contact.id, { title: 'Llamar al cliente', dueDate: '2026-12-01T10:00:00.000Z', completed: false });
      await ghl.completeTask(location.id, contact.id, task.id);
      await ghl.createNote(location.id, contact.id, { body: 'Prefiere diésel' });

      // Every 2 s; each tick logs one "scheduled run ..." line on stderr.
      schedule = spawn(process.execPath, [BIN, 'schedule', '--cron', '*/2 * * * * *'], { cwd: dir, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
      const ticks: Array<{ outcome: string; bridge?: { commentsQueued: number } }> = [];
      let stderr = '';
      schedule.stderr!.on('data', (d: Buffer) => {
        const done = stderr.lastIndexOf('\n') + 1;
        stderr += d;
        const lines = stderr.slice(done, stderr.lastIndexOf('\n') + 1).split('\n');
        for (const line of lines) if (line.includes('"scheduled run')) ticks.push(JSON.parse(line));
      });
      const exited = new Promise<number | null>((resolve) => schedule!.on('close', resolve));
      const comments = async () => {
        const found = (await leadsOf(sb.leadcars!)).find((l) => l.id === lead!.id);
        return ((found?.actions?.data ?? []) as Array<{ type: string; info: string }>).filter((a) => a.type === 'comentario').map((a) => a.info);
      };
      const expected = ['Tarea completada: Llamar al cliente (vence 2026-12-01 10:00 UTC)', 'Nota: Prefiere diésel'];
      for (let i = 0; i < 600 && (await comments()).length < expected.length; i++) await new Promise((r) => setTimeout(r, 50));
      expect((await comments()).sort(), stderr).toEqual([...expected].sort());

      // Three more ticks that ran: nothing new is said.
      const seen = ticks.filter((t) => t.outcome === 'ok').length;
      for (let i = 0; i < 600 && ticks.filter((t) => t.outcome === 'ok').length < seen + 3; i++) await new Promise((r) => setTimeout(r, 50));
      expect(ticks.filter((t) => t.outcome === 'ok').length, stderr).toBeGreaterThanOrEqual(seen + 3);
      expect((await comments()).sort()).toEqual([...expected].sort());
      expect(ticks.filter((t) => t.outcome === 'failed'), stderr).toEqual([]);

      schedule.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      schedule?.kill('SIGKILL');
      await ghl.close();
      await sb.stop();
    }
  }, 120_000);
});
