// Bench `mcp`: search_contacts answered by `ghl-etl mcp` over stdio (the SDK's own client, as an
// assistant calls it), against the same searches sent live to the sandbox's POST /contacts/search
// in the same run. One JSON line per measure on stdout, no assertions.
//   mcp.search_large: p50 and p95 of search_contacts over BENCH_MCP_CONTACTS (default 100,000)
//       contacts; `ratio` is our p95 over the live search's p95 (below 1: the mirror answers faster);
//   mcp.search_small: p95 over BENCH_MCP_SMALL (default 3,000) contacts (goal <= 100 ms).
// The searches rotate through the mirror's tags, tag pairs (all / one excluded) and bits of names
// and emails, 50 rows a page like an assistant's first page. The mirror holds the sandbox's own
// contacts, written straight into SQLite from its state (a sync would spend 100,000 notes calls);
// the sandbox runs with no rate limit, so its figures are the search alone plus HTTP on 127.0.0.1.
// BENCH_MCP_CALLS (default 200) searches per size and side.
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { upsertContacts } from '../../src/db/contacts.ts';
import { upsertCustomFieldDefinitions } from '../../src/db/custom-fields.ts';
import { upsertLocation } from '../../src/db/locations.ts';
import { openDatabase } from '../../src/db/open.ts';
import { contactToRow, customFieldToRow } from '../../src/db/rows.ts';
import type { HighLevelContact, HighLevelCustomField } from '../../src/db/rows.ts';
import { BIN, emit, round, sizeFromEnv, startSandboxProcess, tempDir, type SandboxProcess } from './lib.ts';

const LARGE = sizeFromEnv('BENCH_MCP_CONTACTS', 100_000);
const SMALL = sizeFromEnv('BENCH_MCP_SMALL', 3_000);
const CALLS = sizeFromEnv('BENCH_MCP_CALLS', 200);
const PAGE = 50;

type Search = { tags?: string[]; match?: 'all'; excludeTags?: string[]; query?: string };

const percentile = (xs: number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/** The sandbox's contacts of its one location, written into a fresh mirror. */
async function mirrorOf(sandbox: SandboxProcess): Promise<{ dbPath: string; contacts: HighLevelContact[] }> {
  const locationId = sandbox.locations[0]!.id;
  const state = await sandbox.control<{ contacts: HighLevelContact[]; customFields: HighLevelCustomField[] }>(`state?locationId=${locationId}`);
  const dbPath = join(tempDir(), 'mcp.sqlite');
  const db = openDatabase(dbPath);
  try {
    await upsertLocation(db, { id: locationId, name: 'Bench' });
    await upsertCustomFieldDefinitions(db, locationId, state.customFields.map((f) => customFieldToRow(f, locationId)), null);
    for (let i = 0; i < state.contacts.length; i += 1000) {
      await upsertContacts(db, state.contacts.slice(i, i + 1000).map((c) => contactToRow(c, locationId)), null);
    }
  } finally {
    db.close();
  }
  return { dbPath, contacts: state.contacts };
}

/** Searches an assistant makes, drawn from the data: tags, two tags (all / one left out), name and email bits. */
function searches(contacts: HighLevelContact[]): Search[] {
  const counts = new Map<string, number>();
  for (const c of contacts) for (const t of (c.tags as string[] | undefined) ?? []) counts.set(t, (counts.get(t) ?? 0) + 1);
  const tags = [...counts.keys()].sort();
  const out: Search[] = [];
  for (let i = 0; out.length < CALLS; i++) {
    const c = contacts[(i * 7919) % contacts.length]!;
    const tag = tags[i % tags.length]!;
    const other = tags[(i * 3 + 1) % tags.length]!;
    switch (i % 4) {
      case 0: out.push({ tags: [tag] }); break;
      case 1: out.push({ tags: [tag, other], match: 'all' }); break;
      case 2: out.push({ query: String(c.lastName ?? c.firstName ?? 'a').slice(0, 5) }); break;
      default: out.push({ tags: [tag], excludeTags: [other] }); break;
    }
  }
  return out;
}

/** The same search as HighLevel's POST /contacts/search takes it. */
function liveBody(locationId: string, s: Search): Record<string, unknown> {
  const filters: Array<Record<string, unknown>> = [];
  if (s.tags && s.match === 'all') for (const t of s.tags) filters.push({ field: 'tags', operator: 'eq', value: t });
  else if (s.tags) filters.push({ field: 'tags', operator: 'contains', value: s.tags });
  for (const t of s.excludeTags ?? []) filters.push({ field: 'tags', operator: 'not_contains', value: t });
  return { locationId, pageLimit: PAGE, ...(filters.length ? { filters } : {}), ...(s.query ? { query: s.query } : {}) };
}

async function mcpTimes(dbPath: string, locationId: string, list: Search[]): Promise<number[]> {
  const client = new Client({ name: 'bench', version: '1' });
  await client.connect(new StdioClientTransport({
    command: process.execPath, args: [BIN, 'mcp'], cwd: tempDir(), stderr: 'inherit',
    env: {
      ...Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && e[0] !== 'GHL_ETL_CONFIG')),
      GHL_ETL_DB: dbPath, GHL_LOCATION_ID: locationId, GHL_TOKEN: 'not-used', GHL_BASE_URL: 'http://127.0.0.1:9', LOG_LEVEL: 'warn',
    },
  }));
  try {
    await client.callTool({ name: 'search_contacts', arguments: { limit: 1 } }); // warm: the first call prepares the statement
    const times: number[] = [];
    for (const s of list) {
      const started = performance.now();
      const result = (await client.callTool({ name: 'search_contacts', arguments: { ...s, limit: PAGE } })) as CallToolResult;
      times.push(performance.now() - started);
      if (result.isError) throw new Error(`search_contacts ${JSON.stringify(s)}: ${JSON.stringify(result.content)}`);
    }
    return times;
  } finally {
    await client.close();
  }
}

async function liveTimes(sandbox: SandboxProcess, list: Search[]): Promise<number[]> {
  const { id, token } = sandbox.locations[0]!;
  const times: number[] = [];
  for (const s of list) {
    const started = performance.now();
    const res = await fetch(new URL('/contacts/search', sandbox.url), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, version: '2021-07-28', 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(liveBody(id, s)),
    });
    await res.arrayBuffer();
    times.push(performance.now() - started);
    if (!res.ok) throw new Error(`live search ${JSON.stringify(s)}: ${res.status}`);
  }
  return times;
}

const ms = (n: number) => round(n, 1);

async function measure(size: number, name: string, withLive: boolean): Promise<void> {
  const sandbox = await startSandboxProcess(['--locations', '1', '--contacts', String(size), '--rate-limit', 'none', '--daily-limit', '1000000000', '--seed', '11']);
  try {
    const { dbPath, contacts } = await mirrorOf(sandbox);
    const list = searches(contacts);
    const ours = await mcpTimes(dbPath, sandbox.locations[0]!.id, list);
    const p50 = percentile(ours, 50);
    const p95 = percentile(ours, 95);
    const base = { contacts: contacts.length, calls: list.length, p50Ms: ms(p50), p95Ms: ms(p95), maxMs: ms(Math.max(...ours)) };
    if (!withLive) {
      emit({ measure: name, goal: 'p95 <= 100 ms', met: p95 <= 100, ...base });
      return;
    }
    const live = await liveTimes(sandbox, list);
    const liveP95 = percentile(live, 95);
    emit({ measure: name, ratio: round(p95 / liveP95), ...base, liveP50Ms: ms(percentile(live, 50)), liveP95Ms: ms(liveP95) });
  } finally {
    await sandbox.stop();
  }
}

await measure(SMALL, 'mcp.search_small', false);
await measure(LARGE, 'mcp.search_large', true);
