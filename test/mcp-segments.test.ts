// run_segment and search_contacts' `segment`, through the real binary and the SDK's stdio client:
// a named segment of the config file or an ad-hoc one counts and lists exactly the contacts the
// mirror holds for it, writes byte for byte the file `ghl-etl export` writes for it, and none of
// it calls HighLevel.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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


type Summary = { id: string; tags: string[]; email: string | null };

describe('ghl-etl mcp: segments', () => {
  const sandbox = useSandbox({ contacts: 40, seed: 47, rateLimit: 'none' });
  const location = () => sandbox().locations[0]!;
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-mcp-seg-'));
  const dbPath = join(dir, 'mirror.sqlite');
  const configPath = join(dir, 'ghl-etl.config.json');
  const env = () => mcpEnvOf({ GHL_BASE_URL: sandbox().url, GHL_LOCATION_ID: location().id, GHL_TOKEN: location().token, GHL_ETL_DB: dbPath });
  const requests = () => sandbox().stats().requests;
  let sqlite: Database.Database;
  let client: Client;
  let top: string;
  let second: string;

  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as CallToolResult;
  const data = async <T,>(name: string, args: Record<string, unknown>): Promise<T> => {
    const result = await call(name, args);
    expect(result.isError, `${name}: ${JSON.stringify(result.content)}`).toBeFalsy();
    return result.structuredContent as T;
  };
  const errorText = (result: CallToolResult) => (result.content as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
  const ids = (sql: string, ...params: unknown[]) => (sqlite.prepare(sql).all(...params) as Array<{ id: string }>).map((r) => r.id);

  /** The mirror's live contacts with `tag` (any case), without `excluded`, with an email: the named segment by hand. */
  const hotLeads = () => ids(
    `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL AND c.email IS NOT NULL AND c.email <> ''
       AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND lower(t.tag) = lower(?))
       AND NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND lower(t.tag) = lower(?)) ORDER BY c.id`, top, second);

  beforeAll(async () => {
    const synced = await runCli(['sync'], { cwd: dir, env: env() });
    expect(synced.code, synced.stderr).toBe(0);
    sqlite = new Database(dbPath, { readonly: true });
    const tags = (sqlite.prepare(
      `SELECT t.tag FROM contact_tags t JOIN contacts c ON c.id = t.contact_id WHERE c.deleted_at IS NULL GROUP BY t.tag ORDER BY COUNT(*) DESC, t.tag LIMIT 2`,
    ).all() as Array<{ tag: string }>).map((r) => r.tag);
    [top, second] = [tags[0]!, tags[1]!];
    writeFileSync(configPath, JSON.stringify({
      segments: [{ name: 'Hot leads', tags: [top.toUpperCase()], excludeTags: [second], hasEmail: true, out: 'exports/hot.csv' }],
    }));
    const transport = new StdioClientTransport({ command: process.execPath, args: [BIN, 'mcp'], cwd: dir, env: env(), stderr: 'pipe' });
    client = new Client({ name: 'ghl-etl-test', version: '1.0.0' });
    await client.connect(transport);
  }, 120_000);
  afterAll(async () => {
    await client?.close();
    sqlite?.close();
  });

  it('run_segment is listed with its inputs; it writes no HighLevel data but may replace a file', async () => {
    const { tools } = await client.listTools();
    const tool = tools.find((t) => t.name === 'run_segment')!;
    expect(Object.keys(tool.inputSchema.properties ?? {})).toEqual(expect.arrayContaining(['name', 'tags', 'match', 'excludeTags', 'limit', 'csvPath']));
    expect(tool.annotations).toMatchObject({ readOnlyHint: false, openWorldHint: false });
    const search = tools.find((t) => t.name === 'search_contacts')!;
    expect(Object.keys(search.inputSchema.properties ?? {})).toContain('segment');
  });

  it('a named segment: the count and first rows are the mirror\'s, and csvPath writes the same bytes as `export --segment`', async () => {
    const expected = hotLeads();
    expect(expected.length).toBeGreaterThan(2);
    const before = requests();

    const preview = await data<{ segment: string; count: number; contacts: Summary[]; file?: unknown; syncedAt: string }>('run_segment', { name: 'hot leads', limit: 2 });
    expect(preview.segment).toBe('Hot leads');
    expect(preview.count).toBe(expected.length);
    expect(preview.contacts.map((c) => c.id)).toEqual(expected.slice(0, 2));
    expect(preview.file).toBeUndefined();
    expect(preview.syncedAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const written = await data<{ file: { path: string; rows: number; bytes: number } }>('run_segment', { name: 'Hot leads', csvPath: 'mcp/hot.csv' });
    expect(written.file.path).toBe(join(dir, 'mcp', 'hot.csv'));
    expect(written.file.rows).toBe(expected.length);
    expect(requests(), 'run_segment called HighLevel').toBe(before);

    const exported = await runCli(['export', '--segment', 'Hot leads', '--out', 'cli-hot.csv'], { cwd: dir, env: env() });
    expect(exported.code, exported.stderr).toBe(0);
    const mine = readFileSync(join(dir, 'mcp', 'hot.csv'));
    expect(mine.length).toBe(written.file.bytes);
    expect(mine.equals(readFileSync(join(dir, 'cli-hot.csv')))).toBe(true);
  });

  it('an ad-hoc segment (all of two tags, or one tag without another) counts and writes as `export --tag ... --exclude-tag` does', async () => {
    const both = ids(
      `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?)
         AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?) ORDER BY c.id`, top, second);
    const all = await data<{ count: number; contacts: Summary[] }>('run_segment', { tags: [top, second], match: 'all', limit: 500 });
    expect(all.count).toBe(both.length);
    expect(all.contacts.map((c) => c.id)).toEqual(both);

    const withoutSecond = ids(
      `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL
         AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?)
         AND NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND t.tag = ?) ORDER BY c.id`, top, second);
    const adHoc = await data<{ count: number; file: { rows: number } }>('run_segment', { tags: [top], excludeTags: [second], csvPath: join(dir, 'adhoc.csv') });
    expect(adHoc.count).toBe(withoutSecond.length);
    expect(adHoc.file.rows).toBe(withoutSecond.length);
    const exported = await runCli(['export', '--tag', top, '--exclude-tag', second, '--out', 'cli-adhoc.csv'], { cwd: dir, env: env() });
    expect(exported.code, exported.stderr).toBe(0);
    expect(readFileSync(join(dir, 'adhoc.csv')).equals(readFileSync(join(dir, 'cli-adhoc.csv')))).toBe(true);
  });

  it('search_contacts with a named segment returns exactly its contacts (following nextCursor), and narrows further with text', async () => {
    const expected = hotLeads();
    const before = requests();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await data<{ contacts: Summary[]; nextCursor?: string }>('search_contacts', { segment: 'Hot leads', limit: 2, ...(cursor ? { cursor } : {}) });
      seen.push(...page.contacts.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);

    const first = sqlite.prepare(`SELECT email FROM contacts WHERE id = ?`).get(expected[0]) as { email: string };
    const narrowed = await data<{ contacts: Summary[] }>('search_contacts', { segment: 'Hot leads', query: first.email });
    expect(narrowed.contacts.map((c) => c.id)).toEqual([expected[0]]);
    // The excluded tag wins over a search for it.
    expect((await data<{ contacts: Summary[] }>('search_contacts', { segment: 'Hot leads', tag: second })).contacts).toEqual([]);
    expect(requests(), 'a segment search called HighLevel').toBe(before);
  });

  it('bad input is a tool error naming the field: an unknown segment, a name with ad-hoc tags, stdout as the file, a folder as the file', async () => {
    const unknown = await call('search_contacts', { segment: 'cold leads' });
    expect(unknown.isError).toBe(true);
    expect(errorText(unknown)).toMatch(/^segment: no segment named "cold leads".*Hot leads/);

    const unknownRun = await call('run_segment', { name: 'cold leads' });
    expect(errorText(unknownRun)).toMatch(/^name: no segment named "cold leads"/);

    const both = await call('run_segment', { name: 'Hot leads', tags: [top] });
    expect(both.isError).toBe(true);
    expect(errorText(both)).toMatch(/^name: /);

    const stdout = await call('run_segment', { tags: [top], csvPath: '-' });
    expect(stdout.isError).toBe(true);
    expect(errorText(stdout)).toMatch(/^csvPath: /);

    const folder = await call('run_segment', { tags: [top], csvPath: dir });
    expect(folder.isError).toBe(true);
    expect(errorText(folder)).toMatch(/^csvPath: .*is a folder/);
  });

  it('search_contacts and run_segment match a tag in any case, accents included, as the export does', async () => {
    const id = (sqlite.prepare(`SELECT id FROM contacts WHERE deleted_at IS NULL ORDER BY id DESC LIMIT 1`).get() as { id: string }).id;
    await data('add_tags', { id, tags: ['Financiación'] });
    // SQLite's lower() leaves Ó alone, so the mirror's own spellings (all with a lower-case ó) are asked here.
    const expected = ids(
      `SELECT c.id FROM contacts c WHERE c.deleted_at IS NULL AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND lower(t.tag) = 'financiación') ORDER BY c.id`);
    expect(expected).toContain(id);
    const before = requests();
    expect((await data<{ contacts: Summary[] }>('search_contacts', { tag: 'FINANCIACIÓN', limit: 500 })).contacts.map((c) => c.id)).toEqual(expected);
    expect((await data<{ count: number }>('run_segment', { tags: ['FinanciaciÓn'] })).count).toBe(expected.length);
    expect(requests()).toBe(before);
  });
});
