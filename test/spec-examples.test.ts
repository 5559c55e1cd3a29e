// The answers HighLevel's own files give as examples are answers a command must take: a server
// answering every call with the vendored spec's example (built from the `example` of each field
// of the documented 2xx schema, as the files show it) is synced through the binary, and every
// example a write would receive goes through the client and maps to rows.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contactToRow, noteToRow, taskToRow } from '../src/db/rows.ts';
import { createGhlClient, staticTokens, type DriftReport, type GhlClient } from '../src/ghl/index.ts';
import { readVendoredSpec } from '../src/highlevel-api/load.ts';
import type { ApiApp, OpenAPIDoc, SchemaObject } from '../src/highlevel-api/openapi.ts';
import { createSpecValidator } from '../src/highlevel-api/validator.ts';
import { runCli } from './helpers/cli.ts';

const COMMON = JSON.parse(readFileSync(new URL('../src/highlevel-api/vendor/common/common-schemas.json', import.meta.url), 'utf8')) as OpenAPIDoc;

function resolve(ref: string, doc: OpenAPIDoc): { schema: SchemaObject; doc: OpenAPIDoc } {
  const [file, pointer] = ref.split('#');
  const target = file ? COMMON : doc;
  let node: unknown = target;
  for (const part of (pointer ?? '').split('/').slice(1)) node = (node as Record<string, unknown>)[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return { schema: node as SchemaObject, doc: target };
}

/** The example a file shows for `schema`: each field's `example`, objects and lists built from their parts. */
function exampleOf(schema: SchemaObject | undefined, doc: OpenAPIDoc, depth = 0): unknown {
  if (!schema || depth > 8) return undefined;
  if (typeof schema.$ref === 'string') {
    const r = resolve(schema.$ref, doc);
    return exampleOf(r.schema, r.doc, depth + 1);
  }
  if ('example' in schema) return schema.example;
  if (Array.isArray(schema.allOf)) return Object.assign({}, ...(schema.allOf as SchemaObject[]).map((s) => exampleOf(s, doc, depth + 1) ?? {}));
  const alternatives = (schema.anyOf ?? schema.oneOf) as SchemaObject[] | undefined;
  if (alternatives) return exampleOf(alternatives[0], doc, depth + 1);
  if (schema.type === 'array' || schema.items) {
    const item = exampleOf(schema.items as SchemaObject, doc, depth + 1);
    // An item the file gives nothing for (e.g. `items: {type: array}`) makes an empty list, not a list of nothing.
    return item === undefined || (Array.isArray(item) && item.length === 0) ? [] : [item];
  }
  if (schema.type === 'object' || schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, SchemaObject>)) {
      const value = exampleOf(prop, doc, depth + 1);
      if (value !== undefined) out[name] = value;
    }
    return out;
  }
  return undefined;
}

const validator = createSpecValidator();
const vendored = new Map<string, OpenAPIDoc>();
const docOf = (app: string) => {
  if (!vendored.has(app)) vendored.set(app, readVendoredSpec(app as ApiApp));
  return vendored.get(app)!;
};

/** The documented 2xx answer of the route, as its file's examples show it; undefined when none is documented. */
function exampleAnswer(method: string, path: string): { status: number; body: unknown } | undefined {
  const op = validator.match(method, path);
  if (!op) return undefined;
  const doc = docOf(op.app);
  const operation = doc.paths[op.pathTemplate]?.[op.method.toLowerCase() as 'get'];
  for (const [status, response] of Object.entries(operation?.responses ?? {})) {
    if (!status.startsWith('2')) continue;
    const schema = response.content?.['application/json']?.schema;
    return { status: Number(status), body: schema ? exampleOf(schema, doc) ?? {} : {} };
  }
  return undefined;
}

interface ExampleServer {
  url: string;
  served: string[];
  stop(): Promise<void>;
}

async function startExampleServer(): Promise<ExampleServer> {
  const served: string[] = [];
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const answer = exampleAnswer(req.method ?? 'GET', path);
      served.push(`${req.method} ${path} ${answer?.status ?? 404}`);
      const body = JSON.stringify(answer?.body ?? { statusCode: 404, message: 'no example' });
      res.writeHead(answer?.status ?? 404, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    served,
    stop: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

describe('the vendored spec files\' example answers', () => {
  let server: ExampleServer;
  let client: GhlClient;
  const drift: DriftReport[] = [];
  // The location the files' examples belong to.
  const listing = exampleAnswer('GET', '/contacts/')!.body as { contacts: Array<{ id: string; locationId: string }> };
  const locationId = listing.contacts[0]!.locationId;

  beforeAll(async () => {
    server = await startExampleServer();
    client = createGhlClient({
      baseUrl: server.url, tokens: staticTokens({ [locationId]: 'example-token' }),
      rateLimit: { max: 10_000, intervalMs: 1_000, daily: 1_000_000, dailyShare: 1 }, http: { timeoutMs: 5_000, retries: 0 },
      onDrift: (r) => drift.push(r),
    });
  });
  afterAll(async () => {
    await client?.close();
    await server?.stop();
  });

  it('ghl-etl sync served only the files\' examples exits 0 and mirrors the location, its users, custom fields, contact, tasks and notes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-examples-'));
    const dbPath = join(dir, 'mirror.sqlite');
    const config = join(dir, 'ghl-etl.config.json');
    writeFileSync(config, JSON.stringify({ http: { timeoutMs: 5_000, retries: 0 } }));
    const res = await runCli(['sync'], {
      cwd: dir,
      env: { GHL_BASE_URL: server.url, GHL_LOCATION_ID: locationId, GHL_TOKEN: 'example-token', GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn', GHL_ETL_SECRET: undefined },
    });
    expect(res.code, `${res.stderr}\n${server.served.join('\n')}`).toBe(0);
    const db = new Database(dbPath, { readonly: true });
    try {
      const count = (table: string) => (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      expect(db.prepare('SELECT id, first_name AS firstName, email, date_added AS dateAdded FROM contacts').all()).toEqual([
        expect.objectContaining({ id: listing.contacts[0]!.id }),
      ]);
      expect(count('custom_fields')).toBeGreaterThan(0);
      expect(count('users')).toBeGreaterThan(0);
      expect(count('tasks') + count('notes')).toBeGreaterThan(0);
      expect(count('answer_drift')).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 60_000);

  it('every example a read or write would receive goes through the client and maps to rows', async () => {
    const contactId = listing.contacts[0]!.id;
    const rows = [
      ...(await client.fetchContactPage(locationId, { limit: 20 })).contacts.map((c) => contactToRow(c, locationId)),
      contactToRow(await client.getContact(locationId, contactId), locationId),
      contactToRow(await client.createContact({ locationId, firstName: 'Ana' }), locationId),
      contactToRow(await client.updateContact(locationId, contactId, { firstName: 'Ana' }), locationId),
      contactToRow((await client.upsertContact({ locationId, email: 'ana@example.com' })).contact, locationId),
    ];
    for (const row of rows) expect(row.id).toMatch(/\S/);
    const tasks = [
      ...(await client.listContactTasks(locationId, contactId)),
      await client.createTask(locationId, contactId, { title: 'T', dueDate: '2026-12-01T09:00:00Z', completed: false }),
      await client.updateTask(locationId, contactId, 'task1', { title: 'T' }),
      await client.completeTask(locationId, contactId, 'task1'),
      ...(await client.searchLocationTasks(locationId, { skip: 0, limit: 10 })).tasks,
    ];
    for (const task of tasks) expect(taskToRow(task, contactId, locationId).id).toMatch(/\S/);
    const notes = [
      ...(await client.listContactNotes(locationId, contactId)),
      await client.createNote(locationId, contactId, { body: 'n' }),
      await client.updateNote(locationId, contactId, 'note1', { body: 'n' }),
    ];
    for (const note of notes) expect(noteToRow(note, contactId, locationId).id).toMatch(/\S/);
    expect((await client.listCustomFields(locationId)).length).toBeGreaterThan(0);
    expect((await client.listLocationUsers(locationId)).length).toBeGreaterThan(0);
    expect(await client.getLocation(locationId)).toBeDefined();
    expect(Array.isArray(await client.addContactTags(locationId, contactId, ['a']))).toBe(true);
    // What the examples depart on was tolerated and reported, by field.
    expect(drift.some((r) => r.operation === 'GET /contacts/' && r.seen.some((s) => s.field === 'meta' && s.problem === 'missing'))).toBe(true);
  });
});
