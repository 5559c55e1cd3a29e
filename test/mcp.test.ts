// `ghl-etl mcp`: the real binary driven by the MCP SDK's own client over stdio, against a mirror
// synced from the sandbox. Each test checks what an assistant (and its user) would see: the tools
// listed, answers equal to the mirror and to `contacts show --json`, no HighLevel call for a read,
// a write refused by sql_query, a task created once in HighLevel and at once in the mirror, and
// the server ending when its client closes stdin.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';
import { mcpEnvOf } from './helpers/mcp-env.ts';


describe('ghl-etl mcp (stdio)', () => {
  // Four locations so the one configured (the fourth) allows duplicate contacts, as some accounts do.
  const sandbox = useSandbox({ locations: 4, contacts: 14, seed: 23, rateLimit: 'none' });
  const location = () => sandbox().locations[3]!;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = () => mcpEnvOf({
    GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location().id, GHL_TOKEN: location().token, GHL_ETL_DB: dbPath,
  });
  const requests = () => sandbox().stats().requests;
  let sqlite: Database.Database;
  let client: Client;
  let stderr = '';
  let requestsBeforeStart = 0;
  let requestsAfterStart = 0;

  const call = async (name: string, args: Record<string, unknown> = {}) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown> = {}): Promise<T> => {
    const result = await call(name, args);
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  };
  const errorText = (result: CallToolResult) => (result.content as Array<{ type: string; text?: string }>).map((c) => c.text ?? '').join('\n');

  beforeAll(async () => {
    const synced = await runCli(['sync'], { cwd: dir, env: env() });
    expect(synced.code, synced.stderr).toBe(0);
    sqlite = new Database(dbPath, { readonly: true });
    requestsBeforeStart = requests();
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: dir, env: env(), stderr: 'pipe' });
    transport.stderr?.on('data', (d) => (stderr += d));
    client = new Client({ name: 'ghl-etl-test', version: '1.0.0' });
    await client.connect(transport);
    requestsAfterStart = requests();
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    sqlite?.close();
  });

  it('lists at most 40 tools, reads marked read-only and writes not', async () => {
    expect(requestsAfterStart, 'starting the server calls HighLevel').toBe(requestsBeforeStart);
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    expect(names.length).toBeLessThanOrEqual(40);
    for (const read of ['search_contacts', 'get_contact', 'list_tasks', 'search_notes', 'list_tags', 'list_custom_fields', 'sql_query', 'mirror_status']) {
      expect(names).toContain(read);
      expect(tools.find((t) => t.name === read)!.annotations?.readOnlyHint, read).toBe(true);
    }
    for (const write of ['create_contact', 'update_contact', 'add_tags', 'remove_tags', 'create_task', 'complete_task', 'create_note']) {
      expect(names).toContain(write);
      const tool = tools.find((t) => t.name === write)!;
      expect(tool.annotations?.readOnlyHint, write).toBe(false);
      expect(Object.keys(tool.inputSchema.properties ?? {}), write).toContain('dryRun');
    }
  });

  it('search_contacts by tag returns exactly the mirror\'s contacts with that tag, following nextCursor; reads make no HighLevel call', async () => {
    const { tag } = sqlite.prepare(
      `SELECT t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT 1`,
    ).get() as { tag: string };
    const expected = (sqlite.prepare(
      `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?) ORDER BY c.id`,
    ).all(tag) as Array<{ id: string }>).map((r) => r.id);
    expect(expected.length).toBeGreaterThan(2);

    const before = requests();
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await data<{ contacts: Array<{ id: string; tags: string[] }>; nextCursor?: string; syncedAt: string | null }>(
        'search_contacts', { tags: [tag], limit: 2, ...(cursor ? { cursor } : {}) });
      expect(page.contacts.length).toBeLessThanOrEqual(2);
      for (const c of page.contacts) expect(c.tags).toContain(tag);
      expect(page.syncedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      seen.push(...page.contacts.map((c) => c.id));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && pages < 50);
    expect(seen).toEqual(expected);

    // The `tag` shorthand, upper case, is the same search; excluding the tag leaves the others.
    const shorthand = await data<{ contacts: Array<{ id: string }> }>('search_contacts', { tag: tag.toUpperCase(), limit: 500 });
    expect(shorthand.contacts.map((c) => c.id)).toEqual(expected);
    const others = await data<{ contacts: Array<{ id: string }> }>('search_contacts', { excludeTags: [tag], limit: 500 });
    const live = (sqlite.prepare(`SELECT COUNT(*) AS n FROM contacts WHERE deleted_at IS NULL`).get() as { n: number }).n;
    expect(others.contacts.length).toBe(live - expected.length);

    // Every other read, too, answers from the mirror alone.
    const id = expected[0]!;
    await data('get_contact', { id });
    await data('list_tasks', { status: 'open' });
    await data('list_tags', {});
    await data('list_custom_fields', {});
    await data('mirror_status', {});
    await data('sql_query', { sql: 'SELECT COUNT(*) AS n FROM contacts' });
    const word = (sqlite.prepare(`SELECT body FROM notes WHERE deleted_at IS NULL AND body IS NOT NULL LIMIT 1`).get() as { body: string } | undefined)
      ?.body.split(/\W+/).find((w) => w.length > 3);
    if (word) expect((await data<{ notes: unknown[] }>('search_notes', { query: word })).notes.length).toBeGreaterThan(0);
    expect(requests(), 'a read called HighLevel').toBe(before);
  });

  it('get_contact is the document of `contacts show ID --json` plus syncedAt; an unknown id is a tool error saying so', async () => {
    const { id } = sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id LIMIT 1`).get() as { id: string };
    const shown = await runCli(['contacts', 'show', id, '--json'], { cwd: dir, env: env() });
    expect(shown.code, shown.stderr).toBe(0);
    const expected = JSON.parse(shown.stdout) as { profile: { syncedAt: string } };
    const got = await data('get_contact', { id });
    expect(got).toEqual({ ...expected, syncedAt: expected.profile.syncedAt });

    const missing = await call('get_contact', { id: 'no-such-contact' });
    expect(missing.isError).toBe(true);
    expect(errorText(missing)).toMatch(/contact no-such-contact is not in the mirror/);

    const segment = await call('search_contacts', { segment: 'hot-leads' });
    expect(segment.isError).toBe(true);
    expect(errorText(segment)).toMatch(/^segment: /);

    const bad = await call('search_contacts', { limit: 0 });
    expect(bad.isError).toBe(true);
    expect(errorText(bad)).toMatch(/limit/);
  });

  it('sql_query answers a SELECT with a row cap and refuses a DELETE (or a DELETE hidden after a SELECT); nothing changes', async () => {
    const count = () => (sqlite.prepare(`SELECT COUNT(*) AS n FROM contacts`).get() as { n: number }).n;
    const before = count();
    const capped = await data<{ columns: string[]; rows: Array<{ id: string }>; truncated: boolean }>('sql_query', { sql: 'SELECT id FROM contacts ORDER BY id', limit: 3 });
    expect(capped.columns).toEqual(['id']);
    expect(capped.rows).toHaveLength(3);
    expect(capped.truncated).toBe(true);

    for (const sql of ['DELETE FROM contacts', 'SELECT 1; DELETE FROM contacts', 'UPDATE contacts SET email = NULL', 'DROP TABLE contacts', "ATTACH DATABASE '/tmp/x.sqlite' AS x"]) {
      const refused = await call('sql_query', { sql });
      expect(refused.isError, sql).toBe(true);
      expect(errorText(refused), sql).toMatch(/^sql: /);
    }
    expect(count()).toBe(before);
  });

  it('sql_query cannot read the encrypted tokens; find_duplicates groups contacts sharing an email; the schema and contact resources read the mirror', async () => {
    const tokens = await call('sql_query', { sql: 'SELECT * FROM "OAUTH_TOKENS"' });
    expect(tokens.isError).toBe(true);
    expect(errorText(tokens)).toMatch(/oauth_tokens/);

    // A second contact with an existing email, in another case (the location allows duplicates).
    const existing = sqlite.prepare(`SELECT id, email FROM contacts WHERE deleted_at IS NULL AND email IS NOT NULL ORDER BY id LIMIT 1`).get() as { id: string; email: string };
    const twin = await data<{ contact: { id: string } }>('create_contact', { email: existing.email.toUpperCase(), firstName: 'Twin' });
    const groups = await data<{ groups: Array<{ value: string; contactIds: string[] }> }>('find_duplicates', { by: 'email' });
    expect(groups.groups).toContainEqual({ value: existing.email.toLowerCase(), contactIds: [existing.id, twin.contact.id].sort() });
    const expected = sqlite.prepare(
      `SELECT lower(trim(email)) AS value, COUNT(*) AS n FROM contacts WHERE deleted_at IS NULL AND email IS NOT NULL AND trim(email) <> ''
       GROUP BY lower(trim(email)) HAVING COUNT(*) > 1`,
    ).all() as Array<{ value: string; n: number }>;
    expect(groups.groups.map((g) => [g.value, g.contactIds.length]).sort()).toEqual(expected.map((e) => [e.value, e.n]).sort());

    const schema = await client.readResource({ uri: 'ghl://schema' });
    const objects = JSON.parse((schema.contents[0] as { text: string }).text) as Array<{ name: string; columns: Array<{ name: string }> }>;
    expect(objects.map((o) => o.name)).toEqual(expect.arrayContaining(['contacts', 'contact_tags', 'tasks', 'notes', 'contacts_wide', 'open_tasks']));
    expect(objects.map((o) => o.name)).not.toContain('oauth_tokens');
    expect(objects.find((o) => o.name === 'contacts')!.columns.map((c) => c.name)).toContain('email');

    const { id } = sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id LIMIT 1`).get() as { id: string };
    const resource = await client.readResource({ uri: `ghl://contacts/${id}` });
    expect(JSON.parse((resource.contents[0] as { text: string }).text)).toEqual(await data('get_contact', { id }));
  });

  it('create_task: a dry run sends nothing; the task lands in HighLevel once and in the mirror at once', async () => {
    const { id: contactId } = sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id LIMIT 1`).get() as { id: string };
    const input = { contactId, title: 'Call back about the November campaign', dueDate: '2027-01-15T10:00:00.000Z', body: 'from the assistant' };

    const before = requests();
    const planned = await data<{ dryRun: boolean; requests: Array<{ method: string; path: string }> }>('create_task', { ...input, dryRun: true });
    expect(planned.dryRun).toBe(true);
    expect(planned.requests).toEqual([expect.objectContaining({ method: 'POST', path: `/contacts/${contactId}/tasks` })]);
    expect(requests()).toBe(before);

    const created = await data<{ task: { id: string; title: string } }>('create_task', input);
    expect(created.task.title).toBe(input.title);
    const inHighLevel = sandbox().store.state(location().id).tasks.filter((t) => t.title === input.title);
    expect(inHighLevel).toHaveLength(1);
    expect(inHighLevel[0]!.id).toBe(created.task.id);
    expect(sqlite.prepare(`SELECT contact_id AS contactId, title, completed FROM tasks WHERE id = ?`).get(created.task.id))
      .toEqual({ contactId, title: input.title, completed: 0 });

    // And the assistant reads it back from the mirror, with no call.
    const afterWrite = requests();
    const listed = await data<{ tasks: Array<{ id: string }> }>('list_tasks', { contactId, status: 'open', limit: 500 });
    expect(listed.tasks.map((t) => t.id)).toContain(created.task.id);
    expect(requests()).toBe(afterWrite);

    const badDate = await call('create_task', { ...input, dueDate: 'next tuesday' });
    expect(badDate.isError).toBe(true);
    expect(errorText(badDate)).toMatch(/dueDate/);
    expect(sandbox().store.state(location().id).tasks.filter((t) => t.title === input.title)).toHaveLength(1);
  });

  it('the other writes go through HighLevel and show at once in the mirror\'s reads: tags, a note, a task completed and deleted, a contact updated', async () => {
    const { id } = sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1`).get() as { id: string };
    const inHighLevel = () => sandbox().store.state(location().id).contacts.find((c) => c.id === id)!;

    await data('add_tags', { id, tags: ['mcp-hot'] });
    expect(inHighLevel().tags).toContain('mcp-hot');
    expect((await data<{ contacts: Array<{ id: string }> }>('search_contacts', { tag: 'mcp-hot' })).contacts.map((c) => c.id)).toEqual([id]);
    await data('remove_tags', { id, tags: ['mcp-hot'] });
    expect(inHighLevel().tags).not.toContain('mcp-hot');
    expect((await data<{ contacts: unknown[] }>('search_contacts', { tag: 'mcp-hot' })).contacts).toEqual([]);

    await data('update_contact', { id, lastName: 'Zubizarreta' });
    expect(inHighLevel().lastName).toBe('Zubizarreta');
    expect((await data<{ contacts: Array<{ id: string }> }>('search_contacts', { query: 'zubizarreta' })).contacts.map((c) => c.id)).toEqual([id]);
    // HighLevel's refusal of a field its update does not take comes back naming the field.
    const refused = await call('update_contact', { id, companyName: 'Norte' });
    expect(refused.isError).toBe(true);
    expect(errorText(refused)).toMatch(/companyName/);

    const note = await data<{ note: { id: string } }>('create_note', { contactId: id, body: 'Wants a hybrid zebracorn before spring' });
    expect((await data<{ notes: Array<{ id: string }> }>('search_notes', { query: 'zebracorn' })).notes.map((n) => n.id)).toEqual([note.note.id]);
    await data('delete_note', { contactId: id, noteId: note.note.id });
    expect((await data<{ notes: unknown[] }>('search_notes', { query: 'zebracorn' })).notes).toEqual([]);
    expect(sandbox().store.state(location().id).notes.some((n) => n.id === note.note.id)).toBe(false);

    const task = await data<{ task: { id: string } }>('create_task', { contactId: id, title: 'Send the offer', dueDate: '2020-01-01T09:00:00Z' });
    expect((await data<{ tasks: Array<{ id: string }> }>('list_tasks', { contactId: id, status: 'overdue' })).tasks.map((t) => t.id)).toContain(task.task.id);
    await data('complete_task', { contactId: id, taskId: task.task.id });
    expect(sandbox().store.state(location().id).tasks.find((t) => t.id === task.task.id)?.completed).toBe(true);
    expect((await data<{ tasks: Array<{ id: string }> }>('list_tasks', { contactId: id, status: 'completed' })).tasks.map((t) => t.id)).toContain(task.task.id);
    await data('delete_task', { contactId: id, taskId: task.task.id });
    expect((await data<{ tasks: Array<{ id: string }> }>('list_tasks', { contactId: id })).tasks.map((t) => t.id)).not.toContain(task.task.id);
  });

  it('sync_location brings a contact added in HighLevel meanwhile into the mirror, and returns the run\'s summary', async () => {
    sandbox().store.createContact(location().id, { firstName: 'Quimera', email: 'quimera@example.com' });
    expect((await data<{ contacts: unknown[] }>('search_contacts', { query: 'quimera' })).contacts).toEqual([]);
    const synced = await data<{ outcome: string; runs: Array<{ locationId: string; status: string }>; syncedAt: string }>('sync_location', {});
    expect(synced.outcome).toBe('ok');
    expect(synced.runs).toEqual([expect.objectContaining({ locationId: location().id, status: 'ok' })]);
    const found = await data<{ contacts: Array<{ email: string }>; syncedAt: string }>('search_contacts', { query: 'quimera' });
    expect(found.contacts.map((c) => c.email)).toEqual(['quimera@example.com']);
    expect(found.syncedAt).toBe(synced.syncedAt);
  });

  it('logs go to stderr only', () => {
    expect(stderr).toMatch(/MCP server on stdio/);
  });
});

describe('ghl-etl mcp lifecycle', () => {
  it('answers on stdout with protocol messages only and exits 0 when its client closes stdin', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-life-'));
    const child = spawn(process.execPath, [BIN, 'mcp'], {
      cwd: dir, env: mcpEnvOf({ GHL_ETL_DB: join(dir, 'mirror.sqlite'), GHL_LOCATION_ID: 'loc-1', GHL_TOKEN: 'pit-not-used', GHL_BASE_URL: 'http://127.0.0.1:9' }),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    const answered = new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('\n') && resolve()));
    child.stdin.write(JSON.stringify({
      jsonrpc: '2.0', id: 1, method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } },
    }) + '\n');
    await answered;
    child.stdin.end();
    expect(await exited).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { serverInfo: { name: 'ghl-etl' } } });
  }, 60_000);
});
