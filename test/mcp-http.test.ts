// `ghl-etl mcp --http`: the real binary serving Streamable HTTP on 127.0.0.1, driven by the MCP
// SDK's own StreamableHTTP client. Without the bearer secret configured it does not start (exit 2);
// a request with no or the wrong bearer gets 401 and runs no tool (HighLevel sees nothing, the
// mirror does not change); with it, the tools answer as on stdio; SIGTERM stops it with exit 0.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, runCli } from './helpers/cli.ts';
import { useSandbox } from './helpers/sandbox.ts';

const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_ETL_SECRET: undefined, GHL_COMPANY_ID: undefined, GHL_ETL_MCP_TOKEN: undefined };
const TOKEN = 'test-mcp-bearer-secret-0123456789abcdef';

describe('ghl-etl mcp --http', () => {
  const sandbox = useSandbox({ contacts: 12, seed: 31, rateLimit: 'none' });
  const location = () => sandbox().locations[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-http-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const env = (extra: Record<string, string | undefined> = {}) => ({
    ...CLEAN, GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location().id, GHL_TOKEN: location().token, GHL_ETL_DB: dbPath, ...extra,
  });
  const requests = () => sandbox().stats().requests;
  let child: ChildProcessWithoutNullStreams;
  let exited: Promise<number | null>;
  let url: string;
  let stderr = '';
  let sqlite: Database.Database;
  const clients: Client[] = [];

  async function connect(headers: Record<string, string>): Promise<Client> {
    const client = new Client({ name: 'ghl-etl-http-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
    clients.push(client);
    return client;
  }
  const rpc = (headers: Record<string, string>, body: unknown) => fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify(body),
  });

  beforeAll(async () => {
    const synced = await runCli(['sync'], { cwd: dir, env: env() });
    expect(synced.code, synced.stderr).toBe(0);
    sqlite = new Database(dbPath, { readonly: true });
    child = spawn(process.execPath, [BIN, 'mcp', '--http', '--port', '0', '--json'], {
      cwd: dir, env: { ...process.env, ...env({ GHL_ETL_MCP_TOKEN: TOKEN }) }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stderr.on('data', (d) => (stderr += d));
    exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
        if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { url: string }).url);
      });
      child.on('close', () => reject(new Error(`mcp --http ended before listening: ${stderr}`)));
    });
  }, 120_000);
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => {});
    if (child && child.exitCode === null) child.kill('SIGKILL');
    sqlite?.close();
  });

  it('does not start without a bearer secret, or with one shorter than 32 characters (exit 2, naming the setting)', async () => {
    const missing = await runCli(['mcp', '--http', '--port', '0'], { cwd: dir, env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/GHL_ETL_MCP_TOKEN/);
    expect(missing.stderr).toMatch(/mcp\.httpToken/);
    expect(missing.stdout).toBe('');

    const short = await runCli(['mcp', '--http', '--port', '0'], { cwd: dir, env: env({ GHL_ETL_MCP_TOKEN: 'too-short' }) });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/GHL_ETL_MCP_TOKEN.*at least 32 characters/);
    expect(short.stderr).not.toContain('too-short');

    const portWithoutHttp = await runCli(['mcp', '--port', '9'], { cwd: dir, env: env({ GHL_ETL_MCP_TOKEN: TOKEN }) });
    expect(portWithoutHttp.code).toBe(2);
    expect(portWithoutHttp.stderr).toMatch(/--port applies to --http/);
  });

  it('listens on 127.0.0.1 only, and starting made no HighLevel call', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/mcp$/);
  });

  it('a request without the bearer, or with the wrong one, gets 401 and runs no tool: HighLevel sees nothing, the mirror is unchanged', async () => {
    const contacts = () => (sqlite.prepare(`SELECT COUNT(*) AS n FROM contacts`).get() as { n: number }).n;
    const before = { requests: requests(), contacts: contacts() };
    const call = { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'create_contact', arguments: { email: 'intruder@example.com' } } };
    const init = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '0' } } };
    const attempts: Array<Record<string, string>> = [{}, { authorization: `Bearer ${TOKEN}x` }, { authorization: `Bearer ${TOKEN.slice(0, -1)}` }, { authorization: TOKEN }, { authorization: `Basic ${TOKEN}` }];
    for (const headers of attempts) {
      for (const body of [init, call]) {
        const res = await rpc(headers, body);
        expect(res.status, JSON.stringify(headers)).toBe(401);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await res.text()).not.toContain(TOKEN.slice(0, 8));
      }
    }
    // The SDK client with a wrong secret cannot even initialize.
    await expect(connect({ authorization: 'Bearer not-the-secret-but-long-enough-0123456789' })).rejects.toThrow(/Authorization: Bearer/);
    expect(requests()).toBe(before.requests);
    expect(contacts()).toBe(before.contacts);
    expect(stderr).not.toContain(TOKEN);
  });

  it('with the bearer, the SDK client lists the tools and reads from the mirror with no HighLevel call; a write lands in HighLevel once', async () => {
    const before = requests();
    const client = await connect({ authorization: `Bearer ${TOKEN}` });
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['search_contacts', 'get_contact', 'run_segment', 'sql_query', 'create_task']));

    const { tag } = sqlite.prepare(
      `SELECT t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT 1`,
    ).get() as { tag: string };
    const expected = (sqlite.prepare(
      `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?) ORDER BY c.id`,
    ).all(tag) as Array<{ id: string }>).map((r) => r.id);
    const found = (await client.callTool({ name: 'search_contacts', arguments: { tag, limit: 500 } })) as CallToolResult;
    expect(found.isError).toBeFalsy();
    expect((found.structuredContent as { contacts: Array<{ id: string }> }).contacts.map((c) => c.id)).toEqual(expected);
    expect(requests(), 'a read over HTTP called HighLevel').toBe(before);

    const contactId = expected[0]!;
    const created = (await client.callTool({ name: 'create_note', arguments: { contactId, body: 'Left a voicemail over http' } })) as CallToolResult;
    expect(created.isError, JSON.stringify(created.content)).toBeFalsy();
    const noteId = (created.structuredContent as { note: { id: string } }).note.id;
    expect(sandbox().store.state(location().id).notes.filter((n) => n.body === 'Left a voicemail over http').map((n) => n.id)).toEqual([noteId]);
    expect(sqlite.prepare(`SELECT body FROM notes WHERE id = ?`).get(noteId)).toEqual({ body: 'Left a voicemail over http' });
  });

  it('a Host header other than its own is refused (a web page cannot reach it through a DNS name)', async () => {
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(403);
  });

  it('SIGTERM stops it with exit 0 (open sessions closed)', async () => {
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toMatch(/MCP server on Streamable HTTP/);
  });
});
