// HighLevel's answers are checked at the client's edge against the contract (spec + overlay,
// extra properties allowed): an answer missing or mistyping a field the mirror needs fails with
// UnexpectedAnswerError naming the route and the field, and the sync writes nothing of it.
// The sandbox answers over real HTTP; a small proxy in front of it breaks one answer, as a
// HighLevel regression would.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createGhlClient, staticTokens, UnexpectedAnswerError } from '../src/ghl/index.ts';
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

function clientAt(url: string, sandbox: Sandbox) {
  const location = sandbox.locations[0]!;
  return createGhlClient({
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

  it('a mistyped field is named with the type it should have, never with its value', async () => {
    await withSandbox({ contacts: 10 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.contacts![2]!.tags = 'secret-tag';
      b.meta = 'nope';
    }), async (proxy) => {
      const client = clientAt(proxy.url, sandbox);
      const err = (await client.fetchContactPage(sandbox.locations[0]!.id, { limit: 10 }).catch((e: unknown) => e)) as UnexpectedAnswerError;
      expect(err).toBeInstanceOf(UnexpectedAnswerError);
      expect(err.route).toBe('GET /contacts/');
      expect(err.problems).toContain('contacts[2].tags must be array, got a string');
      expect(err.problems.some((p) => p.startsWith('meta must be object'))).toBe(true);
      expect(err.message).not.toContain('secret-tag');
      await client.close();
    }));
  });

  it('extra fields HighLevel adds are accepted', async () => {
    await withSandbox({ contacts: 10 }, (sandbox) => withProxy(sandbox, breakContactList((b) => {
      b.somethingNew = { nested: true };
      b.contacts![0]!.brandNewField = 42;
    }), async (proxy) => {
      const client = clientAt(proxy.url, sandbox);
      const page = await client.fetchContactPage(sandbox.locations[0]!.id, { limit: 10 });
      expect(page.contacts).toHaveLength(10);
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
});
