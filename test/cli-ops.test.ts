// The contacts, tasks, notes and catalog commands: the real binary against the sandbox over HTTP,
// into a temp SQLite file. Each test reads back what a user would check: the line or JSON
// printed, the exit code, the mirror in SQLite, and the sandbox's request counters.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogRows } from '../src/cli/commands/catalog.ts';
import { LEADCARS_CATALOG } from '../src/bridge/index.ts';
import { CATALOG, SYNC_READS, TRIGGERS } from '../src/ops/index.ts';
import { applyEventToMirror } from '../src/serve/mirror-events.ts';
import { openDatabase } from '../src/db/open.ts';
import { runCli, type CliResult } from './helpers/cli.ts';
import { startProxy } from './helpers/proxy.ts';
import { useSandbox } from './helpers/sandbox.ts';

const tmp = () => mkdtempSync(join(tmpdir(), 'ghl-etl-cli-ops-'));
const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, LEADCARS_BASE_URL: undefined, LEADCARS_TOKEN: undefined, INTAKE_SECRET: undefined };

describe('contacts, tasks and notes commands', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 3, seed: 17, rateLimit: 'none' });
  const dir = tmp();
  const dbPath = join(dir, 'mirror.sqlite');
  let sqlite: Database.Database;
  const env = () => ({
    ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath,
  });
  const cli = (args: string[], input?: string): Promise<CliResult> => runCli(args, { cwd: dir, env: env(), ...(input !== undefined ? { input } : {}) });
  const ok = async (args: string[], input?: string): Promise<CliResult> => {
    const result = await cli(args, input);
    expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
    return result;
  };
  const requests = () => sandbox().stats().requests;
  const row = (sql: string, ...params: unknown[]) => sqlite.prepare(sql).get(...params) as Record<string, unknown> | undefined;
  const tagsOf = (id: string) => (sqlite.prepare('SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag').all(id) as Array<{ tag: string }>).map((r) => r.tag);
  let contactId = '';

  beforeAll(async () => {
    // A synced mirror, so custom fields resolve by name as they would for a user.
    await ok(['sync']);
    sqlite = new Database(dbPath, { readonly: true });
  }, 60_000);
  afterAll(() => sqlite?.close());

  it('contacts create --json prints HighLevel\'s record and writes it through, tags and custom field included', async () => {
    const created = await ok(['contacts', 'create', '--email', 'Ana@Example.com', '--first-name', 'Ana', '--phone', '612 345 678',
      '--tag', 'vip', '--tag', ' lead ', '--field', 'Kilómetros=1200', '--source', 'cli', '--json', '--idempotency-key', 'k-ana']);
    const contact = JSON.parse(created.stdout) as { id: string; email: string; phone: string; tags: string[]; customFields: Array<{ value: unknown }> };
    expect(contact).toMatchObject({ email: 'ana@example.com', phone: '+34612345678', tags: ['vip', 'lead'] });
    contactId = contact.id;
    expect(row('SELECT email, phone, source, deleted_at FROM contacts WHERE id = ?', contactId)).toEqual({ email: 'ana@example.com', phone: '+34612345678', source: 'cli', deleted_at: null });
    expect(tagsOf(contactId)).toEqual(['lead', 'vip']);
    expect(row(`SELECT v.value FROM contact_custom_fields v JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id = ? AND f.name = 'Kilómetros'`, contactId)?.value).toMatch(/^1200/);

    // The same command with the same key: the first result, nothing sent.
    const before = requests();
    const again = await ok(['contacts', 'create', '--email', 'Ana@Example.com', '--first-name', 'Ana', '--phone', '612 345 678',
      '--tag', 'vip', '--tag', ' lead ', '--field', 'Kilómetros=1200', '--source', 'cli', '--idempotency-key', 'k-ana']);
    expect(again.stdout.trim()).toBe(`created contact ${contactId} (ana@example.com)`);
    expect(again.stderr).toMatch(/already done by an earlier run with this --idempotency-key/);
    expect(requests()).toBe(before);
  });

  it('contacts update adds tags (never replaces the others); tag and untag print one line each', async () => {
    const updated = await ok(['contacts', 'update', contactId, '--last-name', 'Díaz', '--tag', 'hot']);
    expect(updated.stdout.trim()).toBe(`updated contact ${contactId} (ana@example.com)`);
    expect(row('SELECT last_name FROM contacts WHERE id = ?', contactId)?.last_name).toBe('Díaz');
    expect(tagsOf(contactId)).toEqual(['hot', 'lead', 'vip']);

    const tagged = await ok(['contacts', 'tag', contactId, 'a', 'b']);
    expect(tagged.stdout).toMatch(new RegExp(`^tagged contact ${contactId} \\(ana@example.com\\): a, b \\(tags now: .*\\)\\n$`));
    const untagged = await ok(['contacts', 'untag', contactId, 'a', 'hot']);
    expect(untagged.stdout).toMatch(/^untagged contact .*: a, hot/);
    expect(tagsOf(contactId)).toEqual(['b', 'lead', 'vip']);
  });

  it('contacts upsert reads HighLevel\'s body from stdin (--from -), flags over it, and warns on stderr when a phone is dropped', async () => {
    // Another contact already has this phone: HighLevel keeps Ana's own and does not say so; we do.
    const other = sandbox().store.state(sandbox().locations[0]!.id).contacts.find((c) => c.id !== contactId && c.phone)!;
    const body = JSON.stringify({ email: 'ana@example.com', firstName: 'Ignored', phone: other.phone, tags: ['from-file'] });
    const upserted = await ok(['contacts', 'upsert', '--from', '-', '--first-name', 'Ana María'], body);
    expect(upserted.stdout.trim()).toBe(`updated contact ${contactId} (ana@example.com)`);
    expect(row('SELECT first_name FROM contacts WHERE id = ?', contactId)?.first_name).toBe('Ana María');
    expect(tagsOf(contactId)).toContain('from-file');
    expect(row('SELECT phone FROM contacts WHERE id = ?', contactId)?.phone).toBe('+34612345678');
    expect(upserted.stderr).toMatch(new RegExp(`^warning: HighLevel kept phone \\+34612345678 on contact ${contactId} instead of \\${other.phone}`, 'm'));
  });

  it('contacts list: from the mirror by tag (a line per contact, or a JSON array), and --live paged from HighLevel', async () => {
    const listed = await ok(['contacts', 'list', '--tag', 'VIP', '--tag', 'lead']);
    expect(listed.stdout.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^${contactId}\\tAna María Díaz\\tana@example.com\\t`))]);
    expect(listed.stderr).toBe('1 contact\n');
    const live = await ok(['contacts', 'list', '--live', '--limit', '2', '--json']);
    const contacts = JSON.parse(live.stdout) as Array<{ id: string }>;
    expect(contacts).toHaveLength(2);
    expect(sandbox().stats().byRoute['POST /contacts/search']).toBeGreaterThan(0);
  });

  let taskId = '';
  it('tasks: create --json and update from a file, each written through', async () => {
    const created = await ok(['tasks', 'create', contactId, '--title', 'Call back', '--due', '2026-12-01T09:00:00Z', '--body', 'about the Model 3', '--json']);
    const task = JSON.parse(created.stdout) as { id: string; title: string; completed: boolean };
    expect(task).toMatchObject({ title: 'Call back', completed: false, contactId });
    expect(row('SELECT title, completed, deleted_at FROM tasks WHERE id = ?', task.id)).toEqual({ title: 'Call back', completed: 0, deleted_at: null });

    const file = join(dir, 'task.json');
    writeFileSync(file, JSON.stringify({ title: 'From the file', body: 'kept', dueDate: '2026-12-02T10:00:00Z' }));
    const updated = await ok(['tasks', 'update', contactId, task.id, '--from', file, '--title', 'Call Ana back']);
    expect(updated.stdout.trim()).toBe(`updated task ${task.id} on contact ${contactId}: Call Ana back (due 2026-12-02T10:00:00.000Z)`);
    expect(row('SELECT title, body FROM tasks WHERE id = ?', task.id)).toEqual({ title: 'Call Ana back', body: 'kept' });
    taskId = task.id;
  });

  it('tasks: complete and --undo, list, delete; each written through', async () => {
    const task = { id: taskId };

    expect((await ok(['tasks', 'complete', contactId, task.id])).stdout).toMatch(/^completed task /);
    expect(row('SELECT completed FROM tasks WHERE id = ?', task.id)?.completed).toBe(1);
    expect((await ok(['tasks', 'complete', contactId, task.id, '--undo'])).stdout).toMatch(/^reopened task /);
    expect(row('SELECT completed FROM tasks WHERE id = ?', task.id)?.completed).toBe(0);

    const listed = await ok(['tasks', 'list', contactId, '--live']);
    expect(listed.stdout).toBe(`${task.id}\topen\t2026-12-02T10:00:00.000Z\tCall Ana back\n`);

    const deleted = await ok(['tasks', 'delete', contactId, task.id, '--json']);
    expect(JSON.parse(deleted.stdout)).toEqual({ id: task.id, deleted: true, alreadyGone: false });
    expect(row('SELECT deleted_at FROM tasks WHERE id = ?', task.id)?.deleted_at).toEqual(expect.any(String));
  });

  it('notes: create, update, list; each written through', async () => {
    const created = await ok(['notes', 'create', contactId, '--body', 'Wants a test drive\non Saturday', '--json']);
    const note = JSON.parse(created.stdout) as { id: string; body: string };
    expect(note.body).toBe('Wants a test drive\non Saturday');
    expect(row('SELECT body FROM notes WHERE id = ?', note.id)?.body).toBe(note.body);

    const updated = await ok(['notes', 'update', contactId, note.id, '--body', 'Test drive moved to Sunday']);
    expect(updated.stdout.trim()).toBe(`updated note ${note.id} on contact ${contactId}: Test drive moved to Sunday`);
    expect(row('SELECT body FROM notes WHERE id = ?', note.id)?.body).toBe('Test drive moved to Sunday');

    const listed = await ok(['notes', 'list', contactId]);
    expect(listed.stdout).toMatch(new RegExp(`^${note.id}\\t\\S+\\tTest drive moved to Sunday\\n$`));

    expect(row('SELECT deleted_at FROM notes WHERE id = ?', note.id)?.deleted_at).toBeNull();
  });

  it('a delete whose answer was lost, and whose retry finds the record gone, has succeeded: exit 0', async () => {
    const note = JSON.parse((await ok(['notes', 'create', contactId, '--body', 'to delete', '--json'])).stdout) as { id: string };
    // The first DELETE reaches HighLevel (the note is gone) but its answer never comes back.
    let dropped = false;
    const proxy = await startProxy(sandbox().url, { drop: (r) => (r.method === 'DELETE' && !dropped ? ((dropped = true), 'after') : undefined) });
    try {
      const result = await runCli(['notes', 'delete', contactId, note.id], { cwd: dir, env: { ...env(), GHL_BASE_URL: proxy.url } });
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toBe(`note ${note.id} is gone (HighLevel no longer has it: deleted before, or by a first attempt whose answer was lost)\n`);
      expect(proxy.requests.filter((r) => r.method === 'DELETE')).toHaveLength(2);
    } finally {
      await proxy.stop();
    }
    expect(row('SELECT deleted_at FROM notes WHERE id = ?', note.id)?.deleted_at).toEqual(expect.any(String));
  });

  it('--dry-run prints the requests (JSON with --json) and sends nothing', async () => {
    const before = requests();
    const human = await ok(['contacts', 'update', contactId, '--first-name', 'Dry', '--tag', 'x', '--dry-run']);
    expect(human.stdout).toBe(`PUT /contacts/${contactId} {"firstName":"Dry"}\nPOST /contacts/${contactId}/tags {"tags":["x"]}\n`);
    expect(human.stderr).toMatch(/dry run: nothing was sent/);
    const json = await ok(['tasks', 'create', contactId, '--title', 'T', '--due', '2026-12-01T09:00:00Z', '--dry-run', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({
      dryRun: true,
      requests: [{ method: 'POST', path: `/contacts/${contactId}/tasks`, body: { title: 'T', dueDate: '2026-12-01T09:00:00.000Z', completed: false } }],
    });
    expect(requests()).toBe(before);
    expect(row('SELECT first_name FROM contacts WHERE id = ?', contactId)?.first_name).toBe('Ana María');
  });

  it('bad input is exit 2 with one line naming the field, and no request', async () => {
    const before = requests();
    const email = await cli(['contacts', 'create', '--email', 'not-an-email']);
    expect(email.code).toBe(2);
    expect(email.stderr).toMatch(/^ghl-etl contacts create: email: "not-an-email" is not an email address.*\n$/);
    const due = await cli(['tasks', 'create', contactId, '--title', 'T', '--due', 'tomorrow', '--json']);
    expect(due.code).toBe(2);
    expect((JSON.parse(due.stdout) as { error: { message: string; exitCode: number } }).error).toEqual({ message: expect.stringMatching(/^dueDate: /), exitCode: 2 });
    const from = await cli(['notes', 'create', contactId, '--from', '-'], '{not json');
    expect(from.code).toBe(2);
    expect(from.stderr).toMatch(/^ghl-etl notes create: --from stdin: not JSON/);
    expect(requests()).toBe(before);
  });

  it('HighLevel\'s refusal is exit 1 with its words; a contact delete is written through', async () => {
    const missing = await cli(['contacts', 'update', 'NoSuchContact0000000', '--first-name', 'X']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('ghl-etl contacts update: not found in HighLevel (HTTP 400: Contact not found)\n');
    const refused = await runCli(['tasks', 'list', contactId, '--live', '--json'], { cwd: dir, env: { ...env(), GHL_TOKEN: 'pit-revoked-0000' } });
    expect(refused.code).toBe(1);
    expect((JSON.parse(refused.stdout) as { error: { message: string } }).error.message).toMatch(/HighLevel refused the token \(HTTP 401/);
    expect(refused.stdout + refused.stderr).not.toContain('pit-revoked-0000');

    expect((await ok(['contacts', 'delete', contactId])).stdout).toBe(`deleted contact ${contactId}\n`);
    expect(row('SELECT deleted_at FROM contacts WHERE id = ?', contactId)?.deleted_at).toEqual(expect.any(String));
  });

  it('with several locations configured, --location is required: the error lists them, nothing is sent', async () => {
    const config = join(dir, 'two.config.json');
    writeFileSync(config, JSON.stringify({ locations: [{ id: 'LocA', token: 'pit-a' }, { id: 'LocB', token: 'pit-b' }] }));
    const before = requests();
    const result = await runCli(['contacts', 'create', '--email', 'x@example.com', '--config', config], {
      cwd: dir, env: { ...env(), GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined },
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/several locations are configured \(LocA, LocB\): choose one with --location ID/);
    expect(requests()).toBe(before);
  });
});

describe('ghl-etl catalog', () => {
  it('lists every action, sync read and webhook trigger, as a table and as JSON', async () => {
    const dir = tmp();
    const [table, json] = await Promise.all([
      runCli(['catalog'], { cwd: dir, env: CLEAN }),
      runCli(['catalog', '--json'], { cwd: dir, env: CLEAN }),
    ]);
    expect(table.code).toBe(0);
    expect(json.code).toBe(0);
    const rows = JSON.parse(json.stdout) as Array<{ name: string; kind: string; method: string; path: string; scope: string; command: string }>;
    expect(rows.map((r) => r.name)).toEqual([...CATALOG, ...SYNC_READS, ...TRIGGERS, ...LEADCARS_CATALOG].map((e) => e.name));
    expect(rows).toContainEqual(expect.objectContaining({ name: 'createContact', method: 'POST', path: '/contacts/', scope: 'contacts.write', command: expect.stringMatching(/^ghl-etl contacts create /) }));
    expect(rows).toContainEqual(expect.objectContaining({ name: 'TaskComplete', kind: 'trigger', method: 'WEBHOOK' }));
    // The LeadCars side too (issue 16): what the bridge calls there, and the intake it answers.
    expect(rows).toContainEqual(expect.objectContaining({ service: 'LeadCars', name: 'addComment', method: 'POST', path: '/leads/{id}/comments', scope: 'leadcars.token' }));
    expect(rows).toContainEqual(expect.objectContaining({ service: 'LeadCars', name: 'intakeLead', kind: 'trigger', scope: 'intakeSecret (HMAC)' }));
    const lines = table.stdout.trim().split('\n');
    expect(lines).toHaveLength(rows.length + 1);
    for (const r of rows) expect(table.stdout).toContain(`${r.method} ${r.path}`);
  });

  it('every webhook trigger it lists is one `serve` applies to the mirror', async () => {
    const db = openDatabase(join(tmp(), 'm.sqlite'));
    try {
      // In an order where each event finds what it needs (the contact before its tasks and notes).
      const triggers = catalogRows().filter((r) => r.kind === 'trigger' && r.service === 'HighLevel').sort((a, b) => Number(a.name === 'ContactDelete') - Number(b.name === 'ContactDelete'));
      for (const t of triggers) {
        const id = t.name.startsWith('Contact') ? 'c1' : t.name.startsWith('Task') ? 't1' : 'n1';
        const event = { type: t.name, webhookId: `w-${t.name}`, timestamp: new Date().toISOString(), id, locationId: 'L1', contactId: 'c1', title: 'T', body: 'B', dueDate: '2026-12-01T09:00:00.000Z' };
        expect(await applyEventToMirror(db, event), t.name).toBe(true);
      }
      expect(await applyEventToMirror(db, { type: 'OpportunityCreate', webhookId: 'w', timestamp: '', id: 'x1' })).toBe(false);
    } finally {
      db.close();
    }
  });
});
