// HighLevel's answers are read tolerantly at the client's edge (src/ghl/answers.ts): what the
// mirror depends on (records and their ids, a cursor that advances, dates that parse) fails with
// UnexpectedAnswerError naming the route and the field, and the sync writes nothing of it; every
// other departure from the contract (spec + overlay) is accepted and reported as drift.
// The sandbox answers over real HTTP; a small proxy in front of it breaks one answer, as a
// HighLevel regression would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createGhlClient, staticTokens, UnexpectedAnswerError, type DriftReport } from '../src/ghl/index.ts';
import type { Sandbox } from '../src/sandbox/index.ts';
import { runCli } from './helpers/cli.ts';
import { startProxy, type ProxiedRequest, type Proxy } from './helpers/proxy.ts';
import { withSandbox } from './helpers/sandbox.ts';

type Body = { contacts?: Array<Record<string, unknown>> } & Record<string, unknown>;

/** Breaks the contact listing's answer with `change`; everything else passes through. */
function breakContactList(change: (body: Body) => void) {
  return (req: ProxiedRequest, status: number, body: unknown) => {
    if (req.method === 'GET' && req.path.startsWith('/contacts/?') && status === 200) change(body as Body);
    return body;
  };
}

async function withProxy<T>(sandbox: Sandbox, rewrite: ReturnType<typeof breakContactList>, fn: (proxy: Proxy) => Promise<T>): Promise<T> {
  const proxy = await startProxy(sandbox.url, { rewrite });
  try {
    return await fn(proxy);
  } finally {
    await proxy.stop();
  }
}

function clientAt(url: string, sandbox: Sandbox, onDrift?: (r: DriftReport) => void) {
  const location = sandbox.locations[0]!;
  return createGhlClient({
    ...(onDrift ? { onDrift } : {}),
    baseUrl: url,
    tokens: staticTokens({ [location.id]: location.token }),
    rateLimit: { max: 10_000, intervalMs: 1_000, daily: 1_000_000, dailyShare: 1 },
    http: { timeoutMs: 5_000, retries: 2 },
  });
}

describe('answers checked against the contract', () => {
  it('a contact without an id: UnexpectedAnswerError naming the route and the field', async () => {
    await withSandbox({ contacts: 10 }, (sandbox) => withProxy(sandbox, breakContactList((b) => delete b.contacts![3]!.id), async (proxy) => {
      const client = clientAt(proxy.url, sandbox);
      const err = await client.fetchContactPage(sandbox.locations[0]!.id, { limit: 10 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UnexpectedAnswerError);
      expect((err as Error).message).toMatch(/^GET \/contacts\/: contacts\[3\]\.id is required/);
      expect((err as UnexpectedAnswerError).problems).toEqual(['contacts[3].id is required']);
      await client.close();
    }));
  });

  it('a mistyped field the mirror does not depend on is tolerated and reported as drift, never with its value', async () => {
    await withSandbox({ contacts: 10 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.contacts![2]!.tags = 'secret-tag';
      b.contacts![4]!.followers = 42;
      b.meta = 'nope';
    }), async (proxy) => {
      const reports: DriftReport[] = [];
      const client = clientAt(proxy.url, sandbox, (r) => reports.push(r));
      const page = await client.fetchContactPage(sandbox.locations[0]!.id, { limit: 10 });
      expect(page.contacts).toHaveLength(10);
      expect(page.contacts[2]!.tags).toBe('secret-tag'); // as received: the row mapping types it
      expect(reports).toHaveLength(1);
      expect(reports[0]!.operation).toBe('GET /contacts/');
      expect(reports[0]!.seen).toEqual(expect.arrayContaining([
        { field: 'contacts[].tags', problem: 'string where array', count: 1 },
        { field: 'contacts[].followers', problem: 'integer where array', count: 1 },
        { field: 'meta', problem: 'string where object', count: 1 },
      ]));
      expect(JSON.stringify(reports)).not.toContain('secret-tag');
      await client.close();
    }));
  });

  it('extra fields HighLevel adds are accepted, kept as received and reported as drift by their JSON type', async () => {
    await withSandbox({ contacts: 10 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.somethingNew = { nested: true };
      b.contacts![0]!.brandNewField = 42;
      b.contacts![1]!.brandNewField = 'secret-value';
      b.contacts![1]!.customFields = [{ id: 'cf1', value: 'x', source: 'form' }];
    }), async (proxy) => {
      const reports: DriftReport[] = [];
      const client = clientAt(proxy.url, sandbox, (r) => reports.push(r));
      const page = await client.fetchContactPage(sandbox.locations[0]!.id, { limit: 10 });
      expect(page.contacts).toHaveLength(10);
      expect(page.contacts[0]).toMatchObject({ brandNewField: 42 });
      expect(reports).toHaveLength(1);
      expect(reports[0]!.seen).toEqual(expect.arrayContaining([
        { field: 'somethingNew', problem: 'unknown field (object)', count: 1 },
        { field: 'contacts[].brandNewField', problem: 'unknown field (integer)', count: 1 },
        { field: 'contacts[].brandNewField', problem: 'unknown field (string)', count: 1 },
        { field: 'contacts[].customFields[].source', problem: 'unknown field (string)', count: 1 },
      ]));
      expect(JSON.stringify(reports)).not.toContain('secret-value');
      await client.close();
    }));
  });

  it('ghl-etl sync against such an answer exits 1 naming route and field, with no contact written', async () => {
    await withSandbox({ contacts: 30 }, (sandbox) => withProxy(sandbox, breakContactList((b) => delete b.contacts![3]!.id), async (proxy) => {
      const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-answers-'));
      const dbPath = join(dir, 'mirror.sqlite');
      const config = join(dir, 'ghl-etl.config.json');
      writeFileSync(config, JSON.stringify({ rateLimit: { max: 10_000, intervalMs: 1_000 }, http: { timeoutMs: 5_000, retries: 1 } }));
      const location = sandbox.locations[0]!;
      const res = await runCli(['sync'], {
        env: { GHL_BASE_URL: proxy.url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn' },
      });
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain('GET /contacts/: contacts[3].id is required');
      expect(res.stderr).not.toContain(location.token);
      const db = new Database(dbPath, { readonly: true });
      try {
        expect(db.prepare('SELECT count(*) AS n FROM contacts').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    }));
  });

  async function syncThrough(sandbox: Sandbox, url: string) {
    const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-answers-'));
    const dbPath = join(dir, 'mirror.sqlite');
    const config = join(dir, 'ghl-etl.config.json');
    writeFileSync(config, JSON.stringify({ rateLimit: { max: 10_000, intervalMs: 1_000 }, http: { timeoutMs: 5_000, retries: 1 } }));
    const location = sandbox.locations[0]!;
    const res = await runCli(['sync'], {
      env: { GHL_BASE_URL: url, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_ETL_DB: dbPath, GHL_ETL_CONFIG: config, LOG_LEVEL: 'warn' },
    });
    const db = new Database(dbPath, { readonly: true });
    try {
      return { ...res, contacts: (db.prepare('SELECT count(*) AS n FROM contacts').get() as { n: number }).n };
    } finally {
      db.close();
    }
  }

  it('a date that is present but does not parse fails the sync with a clear message, nothing written', async () => {
    await withSandbox({ contacts: 30 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.contacts![2]!.dateUpdated = 'yesterday-ish';
    }), async (proxy) => {
      const res = await syncThrough(sandbox, proxy.url);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toContain('GET /contacts/: contacts[2].dateUpdated is not a date (got an unreadable string)');
      expect(res.stderr).not.toContain('yesterday-ish');
      expect(res.contacts).toBe(0);
    }));
  });

  it('a page whose cursor does not advance fails the sync instead of repeating pages', async () => {
    // Full pages (100 of 100 contacts) whose meta always names the same cursor.
    await withSandbox({ contacts: 100 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.meta = { total: 100, startAfter: 1, startAfterId: 'same', nextPageUrl: null, currentPage: 1, nextPage: 2, prevPage: null };
    }), async (proxy) => {
      const res = await syncThrough(sandbox, proxy.url);
      expect(res.code, res.stderr).toBe(1);
      expect(res.stderr).toMatch(/paging cursor .* did not advance; stopping instead of repeating pages/);
    }));
  });
});
