// The sync's progress as a user sees it through the binary (issue 16 item 18): a piped run logs
// a progress line per phase and every few seconds; a stop says the right thing for the signal
// and a second one says that it stopped at once; a resumed run counts the whole pass.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { startProxy, type ProxiedRequest } from './helpers/proxy.ts';
import { useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined };

/** Progress log lines of a piped run's stderr. */
function progressLines(stderr: string): Array<{ phase: string; done: number; total?: number }> {
  return stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; phase: string; done: number; total?: number })
    .filter((l) => l.msg === 'progress');
}

describe('sync progress through the binary', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 250, seed: 37, rateLimit: 'none' });
  const env = (dir: string, baseUrl = sandbox().url) => ({
    ...CLEAN, GHL_BASE_URL: baseUrl, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
    GHL_ETL_DB: join(dir, 'mirror.sqlite'),
  });
  /** Runs `sync` through a proxy that holds the answer `holds` matches, and sends `signals` once it is held. */
  const stoppedSync = async (dir: string, holds: (r: ProxiedRequest) => boolean, signals: NodeJS.Signals[]): Promise<CliResult> => {
    let held!: () => void;
    const heldNow = new Promise<void>((r) => { held = r; });
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    let used = false;
    const proxy = await startProxy(sandbox().url, { hold: (r) => { if (used || !holds(r)) return undefined; used = true; held(); return released; } });
    try {
      const child = spawn(process.execPath, [BIN, 'sync'], { cwd: dir, env: { ...process.env, ...env(dir, proxy.url) }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      const ended = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
      await heldNow;
      for (const [i, sig] of signals.entries()) {
        child.kill(sig);
        if (i < signals.length - 1) while (!stderr.includes('Stopping')) await new Promise((r) => setTimeout(r, 20));
      }
      if (signals.length < 2) setTimeout(release, 200);
      return await ended;
    } finally {
      release();
      await proxy.stop();
    }
  };

  it('logs a progress line for each phase when piped', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-progress-'));
    const result = await runCli(['sync'], { cwd: dir, env: env(dir) });
    expect(result.code, result.stderr).toBe(0);
    const phases = progressLines(result.stderr).map((l) => l.phase.split(' ').at(-1));
    expect(phases).toContain('contacts');
    expect(phases).toContain('tasks+notes');
  }, 60_000);

  it('a SIGTERM does not ask for Ctrl-C; a second signal says it stopped at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-progress-'));
    const once = await stoppedSync(dir, (r) => r.path.includes('/notes'), ['SIGTERM']);
    expect(once.code).toBe(130);
    expect(once.stderr).toContain('Stopping at the next checkpoint (SIGTERM)');
    expect(once.stderr).not.toContain('Ctrl-C again');
    const twice = await stoppedSync(dir, (r) => r.path.includes('/notes'), ['SIGINT', 'SIGINT']);
    expect(twice.code).toBe(130);
    expect(twice.stderr).toContain('Ctrl-C again to stop at once');
    expect(twice.stderr).toMatch(/stopped at once by a second Ctrl-C/);
  }, 60_000);

  it('a resumed run counts the contacts the interrupted run already listed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-progress-'));
    // Held: the second page of 100, so the stop lands after one saved page.
    const stopped = await stoppedSync(dir, (r) => r.method === 'GET' && r.path.startsWith('/contacts/?') && r.path.includes('startAfterId'), ['SIGINT']);
    expect(stopped.code, stopped.stderr).toBe(130);
    const resumed = await runCli(['sync'], { cwd: dir, env: env(dir) });
    expect(resumed.code, resumed.stderr).toBe(0);
    const listing = progressLines(resumed.stderr).filter((l) => l.phase.endsWith('contacts'));
    expect(listing.at(-1)).toMatchObject({ done: 250, total: 250 });
  }, 60_000);
});

describe('sync progress on a terminal', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 250, seed: 41, rateLimit: 'none' });

  // util-linux `script` gives the binary a real terminal; a Ctrl-C typed into it reaches the sync as SIGINT.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('after Ctrl-C the line is not drawn again below "Stopping..."', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-progress-tty-'));
    let held!: () => void;
    const heldNow = new Promise<void>((r) => { held = r; });
    let release!: () => void;
    const released = new Promise<void>((r) => { release = r; });
    let used = false;
    const proxy = await startProxy(sandbox().url, { hold: (r) => { if (used || !r.path.includes('/notes')) return undefined; used = true; held(); return released; } });
    try {
      const env = {
        ...process.env, ...CLEAN, GHL_BASE_URL: proxy.url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
        GHL_ETL_DB: join(dir, 'mirror.sqlite'), TERM: 'xterm',
      };
      const child = spawn('script', ['-qfec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} sync`, '/dev/null'], { cwd: dir, env, stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      const ended = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      await heldNow;
      while (!out.includes('contacts')) await new Promise((r) => setTimeout(r, 20));
      child.stdin.write('\x03');
      while (!out.includes('Stopping')) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      release();
      await ended;
      const after = out.slice(out.indexOf('Stopping'));
      expect(after).toContain('stopped on a checkpoint');
      expect(after).not.toMatch(/\d+\/250|contacts \d+ {2}children/);
    } finally {
      release();
      await proxy.stop();
    }
  }, 60_000);
});
