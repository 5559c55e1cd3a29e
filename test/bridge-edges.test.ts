// Sharp edges of the bridge and the deletes (issue 16 item 23), through the binary against both
// sandboxes: `leads link` to a lead LeadCars does not have, a quiet `serve` piling up abort
// listeners, and a delete of what is already gone.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { intakeLead } from './helpers/bridge.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { raw } from './helpers/leadcars.ts';
import { INTAKE_SECRET } from './helpers/serve.ts';

describe('bridge and delete edges', () => {
  let sandbox: Sandbox;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-bridge-edges-'));
  const dbPath = join(dir, 'ghl.sqlite');
  const env = () => {
    const location = sandbox.locations[0]!;
    return {
      GHL_BASE_URL: sandbox.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, LOG_LEVEL: undefined,
      LEADCARS_BASE_URL: sandbox.leadcars!.url, LEADCARS_TOKEN: sandbox.leadcars!.token, INTAKE_SECRET, GHL_ETL_CONFIG: join(dir, 'config.json'),
    };
  };
  const cli = (args: string[]) => runCli(args, { env: env() });
  let contactId = '';
  beforeAll(async () => {
    sandbox = await startSandbox({ locations: 1, contacts: 2, rateLimit: 'none', leadcars: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ leadcars: { rateLimit: 100 }, bridge: { idleMs: 5 } }));
    const sync = await cli(['sync']);
    expect(sync.code, sync.stderr).toBe(0);
    contactId = sandbox.store.state().contacts[0]!.id;
  }, 60_000);
  afterAll(async () => { await sandbox?.stop(); });

  it('`leads link` refuses a lead LeadCars does not have (exit 2) and links one it has', async () => {
    const missing = await cli(['leads', 'link', contactId, '999999']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/LeadCars has no lead 999999: check the id/);
    const sqlite = new Database(dbPath, { readonly: true });
    expect(sqlite.prepare(`SELECT count(*) AS n FROM lead_links`).get()).toEqual({ n: 0 });
    sqlite.close();

    const created = await raw(sandbox.leadcars!, 'POST', '/leads', intakeLead(sandbox.leadcars!, 41));
    const leadId = String((created.body as { data?: { id?: number }; id?: number }).data?.id ?? (created.body as { id?: number }).id);
    expect(leadId).toMatch(/^\d+$/);
    const linked = await cli(['leads', 'link', contactId, leadId]);
    expect(linked.code, linked.stderr).toBe(0);
    expect(linked.stdout).toMatch(new RegExp(`Linked LeadCars lead ${leadId} to contact ${contactId}`));
  });

  it('a quiet `serve` does not pile up listeners (no MaxListenersExceededWarning) and stops with 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    // With bridge.idleMs at 5 ms, a second holds some hundred idle rounds (11 were enough to warn).
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).not.toMatch(/MaxListenersExceededWarning/);
  });

  it('deleting a note that is already gone succeeds (exit 0) and says so; --json has alreadyGone', async () => {
    const note = JSON.parse((await cli(['notes', 'create', contactId, '--body', 'to delete twice', '--json'])).stdout) as { id: string };
    const first = await cli(['notes', 'delete', contactId, note.id]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toBe(`deleted note ${note.id}\n`);
    const again = await cli(['notes', 'delete', contactId, note.id, '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ id: note.id, deleted: true, alreadyGone: true });
    const text = await cli(['notes', 'delete', contactId, note.id]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^note \S+ is gone \(HighLevel no longer has it/);
  });
});
