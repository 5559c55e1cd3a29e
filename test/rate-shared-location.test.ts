// A write made while another process syncs the same location (issue 16 item 10): the sync keeps
// the location's rate window full, so the write's requests meet 429s. The write waits as
// HighLevel says (Retry-After, the reported window) instead of giving up after a few quick
// retries, and says on stderr that another process is using the location's limit.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, type CliResult } from './helpers/cli.ts';
import { authHeaders, sandboxState, sandboxStats, useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined };

const NOTICE = /another process is using (this|the) location's rate limit/i;

/** The binary as a child whose stderr can be watched while it runs. */
function runBin(args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exited = false;
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) => child.on('close', (code, signal) => {
    exited = true;
    resolve({ code, signal, stdout, stderr });
  }));
  return { done, stderr: () => stderr, exited: () => exited };
}

describe('a write while another process syncs the same location', () => {
  // 20 requests per 10 s, sped up 20 times: 20 per 500 ms, which the sync fills for a few seconds.
  const sandbox = useSandbox({ locations: 1, contacts: 300, seed: 31, rateLimit: { max: 20, windowMs: 10_000 }, rateWindow: 'sliding', timeScale: 20 });
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-shared-rate-'));
  const env = () => ({
    ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token,
    GHL_ETL_DB: join(dir, 'mirror.sqlite'),
  });

  // One retry for network failures and 5xx: a 429 is not one of them, it waits as HighLevel asks.
  writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ http: { retries: 1 } }));

  it('waits for the window the sync leaves, succeeds, and says why it waits', async () => {
    const sync = new Promise<CliResult>((resolve) => {
      const child = spawn(process.execPath, [BIN, 'sync'], { cwd: dir, env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
    // The sync is in its children phase, filling the window.
    while ((await sandboxStats(sandbox())).requests < 30) await new Promise((r) => setTimeout(r, 20));
    const contactId = sandbox().store.state(sandbox().locations[0]!.id).contacts[0]!.id;
    // The sync alone leaves gaps in the window that a write can slip through. Eight more clients
    // keep it full until the write says it is waiting (or 30 s pass): each fires again as soon as
    // it is answered, so a slot that frees is taken within a request's time and the write's
    // requests meet 429s. Then they step aside so the write can go through.
    const location = sandbox().locations[0]!;
    const tagging = runBin(['contacts', 'tag', contactId, 'during-sync'], { cwd: dir, env: { ...process.env, ...env() } });
    const burnUntil = Date.now() + 30_000;
    const burning = () => Date.now() < burnUntil && !tagging.stderr().match(NOTICE) && !tagging.exited();
    await Promise.all(Array.from({ length: 8 }, async () => {
      while (burning()) {
        await fetch(`${sandbox().url}/locations/${location.id}`, { headers: authHeaders(location.token) }).then((r) => r.arrayBuffer()).catch(() => undefined);
      }
    }));
    const tagged = await tagging.done;
    const synced = await sync;
    expect(tagged.code, tagged.stderr).toBe(0);
    expect(tagged.stderr).toMatch(NOTICE);
    expect(synced.code, synced.stderr).toBe(0);
    const truth = await sandboxState(sandbox(), sandbox().locations[0]!.id);
    expect(truth.contacts.find((c) => c.id === contactId)?.tags).toContain('during-sync');
  }, 90_000);
});
