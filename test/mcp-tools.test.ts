// The MCP server's contract with assistants (CONVENTIONS.md "MCP tools"), through the real binary
// and the SDK's stdio client: every tool named there with its inputs and the right annotations,
// both resources, and the writes mcp.test.ts leaves out (upsert, delete, update task and note,
// sync_location's dry run), each landing in HighLevel and the mirror at once, a dry run calling nothing.
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


/** CONVENTIONS.md: each tool and the inputs it names. */
const READS: Record<string, string[]> = {
  search_contacts: ['query', 'tags', 'match', 'excludeTags', 'locationId', 'segment', 'limit', 'cursor', 'tag'],
  get_contact: ['id'],
  list_tasks: ['contactId', 'status', 'dueBefore', 'assignedTo', 'limit', 'cursor'],
  search_notes: ['query', 'contactId', 'limit', 'cursor'],
  list_tags: ['locationId'],
  list_custom_fields: ['locationId'],
  find_duplicates: ['by'],
  sql_query: ['sql', 'limit'],
  mirror_status: [],
};
const WRITES: Record<string, string[]> = {
  create_contact: ['email', 'phone', 'firstName', 'lastName', 'tags'],
  update_contact: ['id'],
  upsert_contact: ['email', 'phone'],
  delete_contact: ['id'],
  add_tags: ['id', 'tags'],
  remove_tags: ['id', 'tags'],
  create_task: ['contactId', 'title', 'dueDate', 'body', 'assignedTo'],
  update_task: ['contactId', 'taskId'],
  complete_task: ['contactId', 'taskId', 'completed'],
  delete_task: ['contactId', 'taskId'],
  create_note: ['contactId', 'body'],
  update_note: ['contactId', 'noteId', 'body'],
  delete_note: ['contactId', 'noteId'],
  sync_location: ['locationId', 'full'],
  add_to_workflow: ['contactId', 'workflowId', 'eventStartTime'],
  remove_from_workflow: ['contactId', 'workflowId'],
  bulk_tag: ['action', 'tags', 'ids', 'segment', 'whereTags', 'match', 'excludeTags', 'locationId'],
};
const DESTRUCTIVE = ['delete_contact', 'remove_tags', 'delete_task', 'delete_note', 'remove_from_workflow'];

describe('ghl-etl mcp: the tools of CONVENTIONS.md', () => {
  const sandbox = useSandbox({ contacts: 10, seed: 59, rateLimit: 'none' });
  const location = () => sandbox().locations[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-tools-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = () => mcpEnvOf({ GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location().id, GHL_TOKEN: location().token, GHL_ETL_DB: dbPath });
  const requests = () => sandbox().stats().requests;
  const inHighLevel = () => sandbox().store.state(location().id);
  let sqlite: Database.Database;
  let client: Client;

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> => {
    const result = await call(name, args);
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  };
  const aContact = () => (sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id LIMIT 1`).get() as { id: string }).id;

  beforeAll(async () => {
    const synced = await runCli(['sync'], { cwd: dir, env: env() });
    expect(synced.code, synced.stderr).toBe(0);
    sqlite = new Database(dbPath, { readonly: true });
    client = new Client({ name: 'ghl-etl-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: dir, env: env(), stderr: 'pipe' }));
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    sqlite?.close();
  });

  it('lists every tool with the inputs CONVENTIONS.md names; reads read-only with an output schema, writes with dryRun, deletes destructive; room left under 40', async () => {
    const { tools } = await client.listTools();
    const byName = new Map(tools.map((t) => [t.name, t]));
    for (const [name, inputs] of Object.entries({ ...READS, ...WRITES, run_segment: ['name', 'tags', 'match', 'excludeTags', 'limit', 'csvPath'] })) {
      const tool = byName.get(name);
      expect(tool, `${name} is missing`).toBeDefined();
      expect(Object.keys(tool!.inputSchema.properties ?? {}), name).toEqual(expect.arrayContaining(inputs));
      expect(tool!.description, name).toBeTruthy();
    }
    for (const name of Object.keys(READS)) {
      expect(byName.get(name)!.annotations, name).toMatchObject({ readOnlyHint: true, destructiveHint: false, openWorldHint: false });
      // The answer's shape is declared, and every read says how fresh it is.
      expect(Object.keys(byName.get(name)!.outputSchema?.properties ?? {}), name).toContain('syncedAt');
    }
    for (const name of Object.keys(WRITES)) {
      const tool = byName.get(name)!;
      expect(tool.annotations?.readOnlyHint, name).toBe(false);
      expect(tool.annotations?.destructiveHint, name).toBe(DESTRUCTIVE.includes(name));
      expect(Object.keys(tool.inputSchema.properties ?? {}), name).toContain('dryRun');
    }
    // Cursor passes only the first 40 tools.
    expect(tools.length).toBeLessThanOrEqual(40);

    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri)).toContain('ghl://schema');
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain('ghl://contacts/{id}');
  });

  it('list_tags and list_custom_fields answer what the mirror holds; mirror_status reports the location with its drift', async () => {
    const before = requests();
    const tags = await data<{ tags: Array<{ tag: string; count: number }> }>('list_tags', {});
    expect(tags.tags).toEqual(sqlite.prepare(
      `SELECT t.tag, COUNT(*) AS count FROM contact_tags t JOIN contacts c ON c.id = t.contact_id WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY count DESC, t.tag`,
    ).all());
    const fields = await data<{ fields: Array<{ id: string }> }>('list_custom_fields', { locationId: location().id });
    expect(fields.fields.map((f) => f.id).sort()).toEqual(
      (sqlite.prepare(`SELECT id FROM custom_fields WHERE deleted_at IS NULL`).all() as Array<{ id: string }>).map((r) => r.id).sort());
    const status = await data<{ locations: Array<{ id?: string; locationId?: string; drift?: unknown }> }>('mirror_status', {});
    expect(JSON.stringify(status)).toContain(location().id);
    expect(JSON.stringify(status)).toContain('drift');
    expect(requests()).toBe(before);
  });

  it('upsert_contact and delete_contact: a dry run calls nothing; the contact is created, then deleted, in HighLevel and the mirror at once', async () => {
    const before = requests();
    const planned = await data<{ dryRun: boolean }>('upsert_contact', { email: 'nuevo.cliente@example.com', firstName: 'Nuevo', dryRun: true });
    expect(planned.dryRun).toBe(true);
    expect(requests()).toBe(before);

    const upserted = await data<{ contact: { id: string } }>('upsert_contact', { email: 'nuevo.cliente@example.com', firstName: 'Nuevo' });
    const id = upserted.contact.id;
    expect(inHighLevel().contacts.filter((c) => c.email === 'nuevo.cliente@example.com').map((c) => c.id)).toEqual([id]);
    expect((await data<{ contacts: Array<{ id: string }> }>('search_contacts', { query: 'nuevo.cliente' })).contacts.map((c) => c.id)).toEqual([id]);

    // The same email again updates the same contact.
    const again = await data<{ contact: { id: string } }>('upsert_contact', { email: 'nuevo.cliente@example.com', lastName: 'Otero' });
    expect(again.contact.id).toBe(id);
    expect(inHighLevel().contacts.find((c) => c.id === id)?.lastName).toBe('Otero');

    const dryDelete = requests();
    await data('delete_contact', { id, dryRun: true });
    expect(requests()).toBe(dryDelete);
    await data('delete_contact', { id });
    expect(inHighLevel().contacts.some((c) => c.id === id)).toBe(false);
    expect((await data<{ contacts: unknown[] }>('search_contacts', { query: 'nuevo.cliente' })).contacts).toEqual([]);
    expect((await call('get_contact', { id })).isError).toBeFalsy(); // the mirror keeps it, marked deleted
    expect((sqlite.prepare(`SELECT deleted_at FROM contacts WHERE id = ?`).get(id) as { deleted_at: string | null }).deleted_at).not.toBeNull();
  });

  it('update_task and update_note change HighLevel and the mirror at once; an unknown task is a tool error carrying HighLevel\'s refusal', async () => {
    const contactId = aContact();
    const task = await data<{ task: { id: string } }>('create_task', { contactId, title: 'Prueba de conducción', dueDate: '2027-03-01T10:00:00Z' });
    await data('update_task', { contactId, taskId: task.task.id, title: 'Prueba de conducción (confirmada)' });
    expect(inHighLevel().tasks.find((t) => t.id === task.task.id)?.title).toBe('Prueba de conducción (confirmada)');
    expect(sqlite.prepare(`SELECT title FROM tasks WHERE id = ?`).get(task.task.id)).toEqual({ title: 'Prueba de conducción (confirmada)' });

    const note = await data<{ note: { id: string } }>('create_note', { contactId, body: 'Prefers a diesel estate' });
    await data('update_note', { contactId, noteId: note.note.id, body: 'Prefers a hybrid estate' });
    expect(inHighLevel().notes.find((n) => n.id === note.note.id)?.body).toBe('Prefers a hybrid estate');
    expect((await data<{ notes: Array<{ id: string }> }>('search_notes', { query: 'hybrid estate' })).notes.map((n) => n.id)).toEqual([note.note.id]);

    const missing = await call('update_task', { contactId, taskId: 'no-such-task', title: 'x' });
    expect(missing.isError).toBe(true);
    expect((missing.content as Array<{ text?: string }>)[0]?.text).toMatch(/not found|404|no-such-task/i);

    const badInput = await call('update_note', { contactId, noteId: note.note.id });
    expect(badInput.isError).toBe(true);
    expect((badInput.content as Array<{ text?: string }>)[0]?.text).toMatch(/body/);
  });

  it('sync_location with dryRun names the location it would sync and calls nothing', async () => {
    const before = requests();
    const planned = await data<{ dryRun: boolean; locationId: string; full: boolean }>('sync_location', { dryRun: true, full: true });
    expect(planned).toMatchObject({ dryRun: true, locationId: location().id, full: true });
    expect(requests()).toBe(before);
  });
});
