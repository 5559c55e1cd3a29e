// Writes made while a sync runs (issue 16 item 2): a sync never undoes them. The sync is run by
// the binary through a proxy that holds HighLevel's answer to one of its reads, and while it is
// held, other ghl-etl processes write through to HighLevel and the mirror: the sync then saves a
// list read before those writes, as happens when a write lands during a long sync.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli, type CliResult } from './helpers/cli.ts';
import { startProxy, type ProxiedRequest } from './helpers/proxy.ts';
import { useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

/** A gate the proxy holds matching answers at; `held` resolves once `count` of them are held. */
function gate(matches: Array<(req: ProxiedRequest) => boolean>) {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => { open = resolve; });
  const waiting = matches.map(() => { let hit!: () => void; const p = new Promise<void>((r) => { hit = r; }); return { p, hit, used: false }; });
  return {
    hold(req: ProxiedRequest): Promise<void> | undefined {
      const i = matches.findIndex((m, k) => !waiting[k]!.used && m(req));
      if (i < 0) return undefined;
      waiting[i]!.used = true;
      waiting[i]!.hit();
      return opened;
    },
    held: () => Promise.all(waiting.map((w) => w.p)),
    open: () => open(),
  };
}

describe('writes during a running sync', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 12, seed: 23, rateLimit: 'none' });
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-during-sync-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = (baseUrl = sandbox().url) => ({
    ...CLEAN, GHL_BASE_URL: baseUrl, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath,
  });
  const ok = async (args: string[]): Promise<CliResult> => {
    const result = await runCli(args, { cwd: dir, env: env() });
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  /** `ghl-etl sync ARGS` through a proxy holding what `g` matches; resolves when it ends. */
  const syncThrough = (proxyUrl: string, args: string[]) => new Promise<CliResult>((resolve) => {
    const child = spawn(process.execPath, [BIN, 'sync', ...args], { cwd: dir, env: { ...process.env, ...env(proxyUrl) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  let sqlite: Database.Database;
  const row = (sql: string, ...params: unknown[]) => sqlite.prepare(sql).get(...params) as Record<string, unknown> | undefined;
  let contacts: string[] = [];

  beforeAll(async () => {
    await ok(['sync']);
    sqlite = new Database(dbPath, { readonly: true });
    contacts = (sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id`).all() as Array<{ id: string }>).map((r) => r.id);
  }, 60_000);
  afterAll(() => sqlite?.close());

  it('keeps a task and a note created after the sync read that contact\'s lists', async () => {
    const contactId = contacts[0]!;
    // The location's tasks are read (task search) before any contact's notes: one gate each, in turn.
    const tasksGate = gate([(r) => r.method === 'POST' && r.path.includes('/tasks/search')]);
    const notesGate = gate([(r) => r.method === 'GET' && r.path.startsWith(`/contacts/${contactId}/notes`)]);
    const proxy = await startProxy(sandbox().url, { hold: (r) => tasksGate.hold(r) ?? notesGate.hold(r) });
    try {
      const sync = syncThrough(proxy.url, ['--full']);
      await tasksGate.held();
      const task = JSON.parse((await ok(['tasks', 'create', contactId, '--title', 'Llamar', '--due', '2030-01-01T09:00:00Z', '--json'])).stdout) as { id: string };
      tasksGate.open();
      await notesGate.held();
      const note = JSON.parse((await ok(['notes', 'create', contactId, '--body', 'written during the sync', '--json'])).stdout) as { id: string };
      notesGate.open();
      const result = await sync;
      expect(result.code, result.stderr).toBe(0);
      expect(row(`SELECT deleted_at FROM tasks WHERE id = ?`, task.id)).toEqual({ deleted_at: null });
      expect(row(`SELECT body, deleted_at FROM notes WHERE id = ?`, note.id)).toEqual({ body: 'written during the sync', deleted_at: null });
    } finally {
      await proxy.stop();
    }
  }, 60_000);

  it('keeps a tag added, a contact created and a contact deleted after the sync read the listing page', async () => {
    const [tagged, deleted] = [contacts[1]!, contacts[2]!];
    const g = gate([(r) => r.method === 'GET' && r.path.startsWith('/contacts/?')]);
    const proxy = await startProxy(sandbox().url, { hold: g.hold });
    try {
      const sync = syncThrough(proxy.url, []);
      await g.held();
      await ok(['contacts', 'tag', tagged, 'added-during-sync']);
      const created = JSON.parse((await ok(['contacts', 'create', '--email', 'during@example.com', '--json'])).stdout) as { id: string };
      await ok(['contacts', 'delete', deleted]);
      g.open();
      const result = await sync;
      expect(result.code, result.stderr).toBe(0);
      expect(row(`SELECT 1 AS yes FROM contact_tags WHERE contact_id = ? AND tag = 'added-during-sync'`, tagged)).toEqual({ yes: 1 });
      expect(row(`SELECT deleted_at FROM contacts WHERE id = ?`, created.id)).toEqual({ deleted_at: null });
      expect(row(`SELECT deleted_at IS NOT NULL AS gone FROM contacts WHERE id = ?`, deleted)).toEqual({ gone: 1 });
    } finally {
      await proxy.stop();
    }
  }, 60_000);
});
