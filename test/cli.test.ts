import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/cli.ts';

describe('the ghl-etl binary', () => {
  it('prints its version and help', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('config check');
  });

  it('answers an unknown command with exit 2 and a hint', async () => {
    const result = await runCli(['frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('unknown command "frobnicate"');
    expect(result.stderr).toContain('--help');
  });

  it('answers a bad flag with exit 2 and the usage line', async () => {
    const result = await runCli(['config', 'check', '--bogus']);
    expect(result.code).toBe(2);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('Usage: ghl-etl config check');
  });

  it('config check prints the effective configuration as JSON without secrets', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-cli-'));
    writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ sync: { concurrency: 8 } }));
    const result = await runCli(['config', 'check', '--json'], {
      cwd: dir,
      env: { GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-0000-very-secret', GHL_ETL_CONFIG: undefined },
    });
    expect(result.code).toBe(0);
    const config = JSON.parse(result.stdout);
    expect(config.sync.concurrency).toBe(8);
    expect(config.locations[0].id).toBe('loc-1');
    expect(result.stdout + result.stderr).not.toContain('pit-0000-very-secret');
  });

  it('a bad config file exits 2 with one line naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-cli-'));
    writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ http: { timeoutMs: 'soon' } }));
    const result = await runCli(['config', 'check'], { cwd: dir, env: { GHL_ETL_CONFIG: undefined } });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/"http\.timeoutMs"/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});
