// The MCP tools of issue 20 through the real binary (`ghl-etl mcp` over stdio, the SDK's client)
// against the sandbox: add_to_workflow and remove_from_workflow change what HighLevel holds,
// bulk_tag tags exactly the chosen contacts in HighLevel and in the mirror, and its dryRun sends
// nothing. The server stays within 40 tools.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.ts';
import { sandboxState, useSandbox } from './helpers/sandbox.ts';
import { mcpEnvOf } from './helpers/mcp-env.ts';


describe('ghl-etl mcp: add_to_workflow, remove_from_workflow, bulk_tag', () => {
  const sandbox = useSandbox({ locations: 1, contacts: 12, seed: 24, rateLimit: 'none' });
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-actions-'));
  writeFileSync(join(dir, 'ghl-etl.config.json'), JSON.stringify({ segments: [{ name: 'vip', tags: ['vip-mcp'] }] }));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = () => mcpEnvOf({ GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: sandbox().locations[0]!.id, GHL_TOKEN: sandbox().locations[0]!.token, GHL_ETL_DB: dbPath });
  let client: Client;
  let sqlite: Database.Database;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = async <T = Record<string, unknown>>(name: string, args: Record<string, unknown>): Promise<T> => {
    const result = await call(name, args);
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  };
  const mirrorWith = (tag: string) => (sqlite.prepare(`SELECT contact_id AS id FROM contact_tags WHERE tag = ? ORDER BY contact_id`).all(tag) as Array<{ id: string }>).map((r) => r.id);
  const truthWith = async (tag: string) => (await sandboxState(sandbox())).contacts.filter((c) => c.tags.includes(tag)).map((c) => c.id).sort();

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

  it('lists the three tools, each with dryRun, within 40 tools', async () => {
    const { tools } = await client.listTools();
    expect(tools.length).toBeLessThanOrEqual(40);
    for (const name of ['add_to_workflow', 'remove_from_workflow', 'bulk_tag']) {
      const tool = tools.find((t) => t.name === name);
      expect(tool, name).toBeDefined();
      expect(tool!.annotations?.readOnlyHint, name).toBe(false);
      expect(Object.keys(tool!.inputSchema.properties ?? {}), name).toContain('dryRun');
    }
  });

  it('add_to_workflow enrols the contact in HighLevel; remove_from_workflow takes it out; bad input sends nothing', async () => {
    const id = (await sandboxState(sandbox())).contacts[0]!.id;
    const planned = await data<{ dryRun: boolean; requests: Array<{ method: string; path: string }> }>('add_to_workflow', { contactId: id, workflowId: 'wfMcp01', dryRun: true });
    expect(planned.requests).toEqual([{ method: 'POST', path: `/contacts/${id}/workflow/wfMcp01`, body: {} }]);
    expect((await sandboxState(sandbox())).workflows).toEqual([]);
    expect(await data('add_to_workflow', { contactId: id, workflowId: 'wfMcp01' })).toMatchObject({ contactId: id, workflowId: 'wfMcp01' });
    expect((await sandboxState(sandbox())).workflows.map((w) => [w.contactId, w.workflowId])).toEqual([[id, 'wfMcp01']]);
    await data('remove_from_workflow', { contactId: id, workflowId: 'wfMcp01' });
    expect((await sandboxState(sandbox())).workflows).toEqual([]);
    const before = sandbox().stats().requests;
    const bad = await call('add_to_workflow', { contactId: id, workflowId: 'wf 1' });
    expect(bad.isError).toBe(true);
    expect(sandbox().stats().requests).toBe(before);
  });

  it('bulk_tag by ids tags exactly those contacts in HighLevel and the mirror; a segment and a tag rule work too; dryRun sends nothing', async () => {
    const ids = (await sandboxState(sandbox())).contacts.slice(2, 8).map((c) => c.id).sort();
    const before = sandbox().stats().requests;
    const plan = await data<{ contacts: number; chunks: unknown[] }>('bulk_tag', { action: 'add', tags: ['vip-mcp'], ids, dryRun: true });
    expect(plan).toMatchObject({ dryRun: true, contacts: ids.length, chunks: [{ index: 1, contacts: ids.length }] });
    expect(sandbox().stats().requests).toBe(before);

    expect(await data('bulk_tag', { action: 'add', tags: ['vip-mcp'], ids })).toMatchObject({ contacts: ids.length, failed: [] });
    expect(await truthWith('vip-mcp')).toEqual(ids);
    expect(mirrorWith('vip-mcp')).toEqual(ids);

    await data('bulk_tag', { action: 'add', tags: ['llamar'], segment: 'vip', excludeTags: [] });
    expect(await truthWith('llamar')).toEqual(ids);
    await data('bulk_tag', { action: 'remove', tags: ['llamar', 'vip-mcp'], whereTags: ['vip-mcp'] });
    expect(await truthWith('llamar')).toEqual([]);
    expect(mirrorWith('vip-mcp')).toEqual([]);
    expect((await call('bulk_tag', { action: 'add', tags: ['x'] })).isError).toBe(true);
  });
});
