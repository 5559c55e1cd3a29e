// The binary against the sandbox over HTTP: token checks, debug request logs, Ctrl-C, and the
// scopes `auth login` asks for.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { READ_SCOPES } from '../src/auth/login.ts';
import { runCli, signalMidRun } from './helpers/cli.ts';
import { sandboxStats, useSandbox, withSandbox } from './helpers/sandbox.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-cli-'));
const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

describe('Private Integration Tokens are checked with HighLevel', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 3 });
  const envWith = (token: string) => ({
    ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: token, GHL_ETL_DB: join(tmp(), 'm.sqlite'),
  });

  it('`auth status` says ok for a token HighLevel accepts', async () => {
    const result = await runCli(['auth', 'status'], { cwd: tmp(), env: envWith(sandbox().locations[0]!.token) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Private Integration Token \(configured\)\s+ok/);
  });

  it('`auth status` reports a refused token with the fix, exit 1', async () => {
    const result = await runCli(['auth', 'status', '--json'], { cwd: tmp(), env: envWith('pit-revoked-0000') });
    expect(result.code).toBe(1);
    const doc = JSON.parse(result.stdout) as { locations: Array<{ status: string; message: string }> };
    expect(doc.locations[0]!.status).toBe('refused');
    expect(doc.locations[0]!.message).toMatch(/GHL_TOKEN or "locations\[\]\.token"/);
    expect(result.stdout + result.stderr).not.toContain('pit-revoked-0000');
  });

  it('`config check` stays offline; `--online` does the same check', async () => {
    await fetch(`${sandbox().url}/__sandbox/stats/reset`, { method: 'POST' });
    const offline = await runCli(['config', 'check'], { cwd: tmp(), env: envWith('pit-revoked-0000') });
    expect(offline.code).toBe(0);
    expect((await sandboxStats(sandbox())).requests).toBe(0);
    const online = await runCli(['config', 'check', '--online'], { cwd: tmp(), env: envWith('pit-revoked-0000') });
    expect(online.code).toBe(1);
    expect(online.stdout).toMatch(/refused/);
    expect((await sandboxStats(sandbox())).requests).toBe(1);
  });

  it('`--log-level DEBUG` logs each request (method, path, status, ms, retries), never the token', async () => {
    const token = sandbox().locations[0]!.token;
    const result = await runCli(['sync', '--log-level', 'DEBUG'], { cwd: tmp(), env: envWith(token) });
    expect(result.code, result.stderr).toBe(0);
    const requests = result.stderr.split('\n').filter((l) => l.includes('"HighLevel request"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(requests.length).toBeGreaterThan(2);
    expect(requests).toContainEqual(expect.objectContaining({ method: 'GET', path: '/contacts/', status: 200, retries: 0, ms: expect.any(Number) }));
    expect(result.stderr).not.toContain(token);
  });
});

describe('Ctrl-C during a sync of several locations', () => {
  it('prints "stopped on a checkpoint" once and exits 130', async () => {
    await withSandbox({ locations: 3, contacts: 300, seed: 5, rateLimit: 'none' }, async (sb) => {
      const env = {
        ...process.env, ...CLEAN, GHL_BASE_URL: sb.url, GHL_ETL_DB: join(tmp(), 'm.sqlite'),
        GHL_ETL_CONFIG: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined,
      };
      const dir = tmp();
      const config = join(dir, 'ghl-etl.config.json');
      (await import('node:fs')).writeFileSync(config, JSON.stringify({ locations: sb.locations.map((l) => ({ id: l.id, token: l.token })), rateLimit: { max: 20, intervalMs: 1000 } }));
      const { code, stderr } = await signalMidRun(['sync'], { cwd: dir, env, sandboxUrl: sb.url, requests: 10, signal: 'SIGINT' });
      expect(code, stderr).toBe(130);
      expect(stderr.match(/stopped on a checkpoint/g)).toHaveLength(1);
    });
  }, 60_000);
});

describe('`auth login` asks for the scopes the configured features need', () => {
  const loginUrl = async (extra: Record<string, string>) => {
    const env = { ...CLEAN, GHL_BASE_URL: 'http://127.0.0.1:9', GHL_CLIENT_ID: 'app', GHL_CLIENT_SECRET: 's', GHL_REDIRECT_URI: 'http://127.0.0.1:1/cb', GHL_ETL_DB: join(tmp(), 'm.sqlite'), ...extra };
    const result = await runCli(['auth', 'login', '--paste'], { cwd: tmp(), env, input: 'not a url\n' });
    expect(result.code).toBe(1);
    const url = new URL(/(http:\/\/\S+chooselocation\S+)/.exec(result.stderr)![1]!);
    return url.searchParams.get('scope')!.split(' ');
  };

  it('read-only scopes for the mirror; contacts.write only with a feature that writes', async () => {
    const readOnly = await loginUrl({});
    expect(readOnly.sort()).toEqual([...READ_SCOPES].sort());
    expect(readOnly).not.toContain('oauth.write');
    expect(await loginUrl({ LEADCARS_TOKEN: 'lc-test-token' })).toContain('contacts.write');
  });

  it('`auth login --help` says which', async () => {
    const help = await runCli(['auth', 'login', '--help'], { env: CLEAN });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(READ_SCOPES.join(' '));
    expect(help.stdout).toMatch(/contacts\.write/);
  });
});
