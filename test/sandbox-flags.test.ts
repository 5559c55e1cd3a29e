// `ghl-etl sandbox` flags a newcomer reached for (issue 16 item 21): the LeadCars sandbox's own
// port, and `--rate-limit none` really unpaced (its answers report no limit to follow, so a
// sync is not held to HighLevel's 10 requests/s). Through the binary, over HTTP.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.ts';
import { authHeaders } from './helpers/sandbox.ts';
import { freePort } from './helpers/serve.ts';

describe('ghl-etl sandbox --rate-limit none --leadcars-port P', () => {
  const child = { kill: (_: NodeJS.Signals) => false as boolean, exited: Promise.resolve(null as number | null) };
  let line: { url: string; locations: Array<{ id: string; token: string }>; leadcars: { url: string } };
  let leadcarsPort = 0;

  beforeAll(async () => {
    leadcarsPort = await freePort();
    const proc = spawn(process.execPath, [BIN, 'sandbox', '--rate-limit', 'none', '--leadcars-port', String(leadcarsPort), '--json', '--locations', '1', '--contacts', '250'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.kill = (signal) => proc.kill(signal);
    child.exited = new Promise((resolve) => proc.on('close', (code) => resolve(code)));
    line = await new Promise((resolve, reject) => {
      let out = '';
      proc.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve(JSON.parse(out.slice(0, out.indexOf('\n'))));
      });
      proc.on('close', (code) => reject(new Error(`sandbox exited ${code}`)));
    });
  }, 60_000);
  afterAll(async () => {
    child.kill('SIGTERM');
    expect(await child.exited).toBe(0);
  });

  it('runs the LeadCars sandbox on the port asked for (--leadcars-port implies --leadcars)', async () => {
    expect(line.leadcars.url).toBe(`http://127.0.0.1:${leadcarsPort}`);
    const state = await fetch(`http://127.0.0.1:${leadcarsPort}/__sandbox/state`);
    expect(state.status).toBe(200);
  });

  it('answers with no burst limit to follow, so a sync is not paced at HighLevel\'s 100 per 10 s', async () => {
    const loc = line.locations[0]!;
    const answer = await fetch(`${line.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(loc.token) });
    expect(answer.status).toBe(200);
    expect(Number(answer.headers.get('x-ratelimit-max'))).toBeGreaterThanOrEqual(1_000_000);

    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-sandbox-flags-'));
    const sync = await runCli(['sync'], {
      cwd: dir,
      env: { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_DB: join(dir, 'm.sqlite'), GHL_BASE_URL: line.url, GHL_LOCATION_ID: loc.id, GHL_TOKEN: loc.token },
    });
    expect(sync.code, sync.stderr).toBe(0);
    const stats = (await (await fetch(`${line.url}/__sandbox/stats`)).json()) as { requests: number; maxInWindow: number };
    expect(stats.requests).toBeGreaterThan(250);
    // Paced at 100 per 10 s, no 10 s would ever hold more than 100 of them.
    expect(stats.maxInWindow).toBeGreaterThan(100);
  }, 60_000);
});

describe('ghl-etl sandbox --leadcars-port', () => {
  it('refuses a port that is not one (exit 2)', async () => {
    const result = await runCli(['sandbox', '--leadcars-port', '99999']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--leadcars-port.*a port number from 0 to 65535/);
  });
});
