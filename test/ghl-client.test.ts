// The HighLevel client against the real sandbox over HTTP: pacing under the sliding-window
// limit, retries through faults, writes that are never blindly repeated, typed errors, the
// daily budget, and requests that match spec + overlay.
import { describe, expect, it } from 'vitest';
import {
  createGhlClient, DailyBudgetExhaustedError, DuplicateContactError, GhlError,
  staticTokens, type GhlClientOptions, type SentRequest, type TokenProvider,
} from '../src/ghl/index.ts';
import { followCursor } from '../src/ghl/paging.ts';
import { backoffDelay, parseRetryAfter } from '../src/http/retry.ts';
import { createSpecValidator } from '../src/highlevel-api/validator.ts';
import type { Sandbox } from '../src/sandbox/index.ts';
import { listInstalledLocations, mintLocationToken, OAuthApiError, refreshTokens } from '../src/auth/oauth-api.ts';
import { loginDirect, startOAuthSandbox } from './auth-helpers.ts';
import { startProxy } from './helpers/proxy.ts';
import { sandboxState, withSandbox } from './helpers/sandbox.ts';
import { exitCodeFor } from '../src/cli/errors.ts';

const FAST_BACKOFF = { baseMs: 5, capMs: 40 };

function clientFor(sandbox: Sandbox, overrides: Partial<GhlClientOptions> = {}) {
  const tokens: Record<string, string> = {};
  for (const l of sandbox.locations) tokens[l.id] = l.token;
  return createGhlClient({
    baseUrl: sandbox.url,
    tokens: staticTokens(tokens),
    // The test sandboxes run without a burst limit unless a test sets one: pace quickly.
    rateLimit: { max: 100, intervalMs: 1_000, daily: 200_000, dailyShare: 0.8 },
    http: { timeoutMs: 5_000, retries: 5 },
    backoff: FAST_BACKOFF,
    ...overrides,
  });
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('rate limiting', () => {
  it('sends 1,000 requests under a 100-per-500 ms sliding window without a single 429', async () => {
    await withSandbox({ contacts: 5, rateLimit: { max: 100, windowMs: 10_000 }, rateWindow: 'sliding', timeScale: 20 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { rateLimit: { max: 100, intervalMs: 500, daily: 200_000, dailyShare: 0.8 } });
      const started = Date.now();
      await Promise.all(Array.from({ length: 1000 }, () => client.fetchContactPage(location.id, { limit: 1 })));
      const elapsedMs = Date.now() - started;
      const server = sandbox.stats();
      expect(server.requests).toBe(1000);
      expect(server.rateLimited).toBe(0);
      expect(server.maxInWindow).toBeLessThanOrEqual(100);
      const stats = client.stats();
      expect(stats.total).toMatchObject({ requests: 1000, retries: 0, rateLimited: 0 });
      // Most requests queued behind the limiter: the wait is counted for progress output.
      expect(stats.byLocation[location.id]!.waitedMs).toBeGreaterThan(0);
      // ... as wall time, not summed over the requests queued together (that sum would be minutes).
      expect(stats.byLocation[location.id]!.waitedMs).toBeLessThanOrEqual(elapsedMs);
      await client.close();
    });
  });

  it('honours Retry-After when its own limit is looser than the server\'s, and counts the 429s', async () => {
    await withSandbox({ contacts: 5, rateLimit: { max: 20, windowMs: 10_000 }, timeScale: 20 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      // Configured for 4x the server's rate, and the answers' headers are only read after the fact.
      const client = clientFor(sandbox, { rateLimit: { max: 80, intervalMs: 500, daily: 200_000, dailyShare: 0.8 }, http: { timeoutMs: 5_000, retries: 20 } });
      const pages = await Promise.all(Array.from({ length: 60 }, () => client.fetchContactPage(location.id, { limit: 1 })));
      expect(pages).toHaveLength(60);
      const stats = client.stats().total;
      expect(stats.rateLimited).toBe(sandbox.stats().rateLimited);
      expect(stats.retries).toBe(stats.rateLimited);
      expect(stats.requests).toBe(60 + stats.retries);
      // The server's stricter X-RateLimit-Max / Interval were adopted.
      expect(client.pacing(location.id)).toMatchObject({ max: 20, intervalMs: 500 });
      await client.close();
    });
  });

  it('by default follows the window the server reports, looser than HighLevel\'s 100 per 10 s', async () => {
    // The time-scaled sandbox reports 100 per 500 ms; the client starts at 100 per 10 s.
    await withSandbox({ contacts: 5, rateLimit: { max: 100, windowMs: 10_000 }, rateWindow: 'sliding', timeScale: 20 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { rateLimit: { daily: 200_000, dailyShare: 0.8 } });
      expect(client.pacing(location.id)).toMatchObject({ max: 100, intervalMs: 10_000 });
      await Promise.all(Array.from({ length: 300 }, () => client.fetchContactPage(location.id, { limit: 1 })));
      expect(client.pacing(location.id)).toMatchObject({ max: 100, intervalMs: 500 });
      const server = sandbox.stats();
      expect(server.requests).toBe(300);
      expect(server.rateLimited).toBe(0);
      expect(server.maxInWindow).toBeLessThanOrEqual(100);
      await client.close();
    });
  });

  it('keeps a user-set rateLimit as a ceiling when the server reports a looser window', async () => {
    await withSandbox({ contacts: 5, rateLimit: { max: 100, windowMs: 10_000 }, rateWindow: 'sliding', timeScale: 20 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      // Room left for the account's other apps: 20 of the 100 per 500 ms.
      const client = clientFor(sandbox, { rateLimit: { max: 20, intervalMs: 500, daily: 200_000, dailyShare: 0.8 } });
      await Promise.all(Array.from({ length: 60 }, () => client.fetchContactPage(location.id, { limit: 1 })));
      expect(client.pacing(location.id)).toMatchObject({ max: 20, intervalMs: 500 });
      const server = sandbox.stats();
      expect(server.rateLimited).toBe(0);
      expect(server.maxInWindow).toBeLessThanOrEqual(20);
      await client.close();
    });
  });

  it('never has more requests in flight than maxConcurrent, sent at once or queued', async () => {
    await withSandbox({ contacts: 5, faults: 0.3, faultKinds: ['slow'], slowMs: 50 }, async (sandbox) => {
      let inFlight = 0;
      let most = 0;
      const proxy = await startProxy(sandbox.url, {
        drop: () => {
          most = Math.max(most, ++inFlight);
          return undefined;
        },
        rewrite: (_req, _status, body) => {
          inFlight--;
          return body;
        },
      });
      const location = sandbox.locations[0]!;
      const client = createGhlClient({
        baseUrl: proxy.url, tokens: staticTokens({ [location.id]: location.token }),
        rateLimit: { max: 100_000, intervalMs: 1_000, daily: 1_000_000, dailyShare: 1 }, http: { timeoutMs: 5_000, retries: 2 },
        maxConcurrent: 3,
      });
      await Promise.all(Array.from({ length: 40 }, () => client.fetchContactPage(location.id, { limit: 1 })));
      expect(proxy.requests).toHaveLength(40);
      expect(most).toBeLessThanOrEqual(3);
      expect(most).toBeGreaterThan(1);
      await client.close();
      await proxy.stop();
    });
  });

  it('reuses keep-alive connections instead of opening one per request', async () => {
    await withSandbox({ contacts: 5 }, async (sandbox) => {
      const proxy = await startProxy(sandbox.url);
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { baseUrl: proxy.url });
      for (let i = 0; i < 30; i++) await client.fetchContactPage(location.id, { limit: 1 });
      expect(proxy.requests).toHaveLength(30);
      expect(proxy.connections()).toBe(1);
      await client.close();
      await proxy.stop();
    });
  });
});

describe('faults', () => {
  it('reads every contact (list and search) through 5% failures: 5xx, dropped connections, timeouts', async () => {
    await withSandbox({ contacts: 120, faults: 0.05, faultSeed: 7, slowMs: 400 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { http: { timeoutMs: 200, retries: 8 } });
      const listed: string[] = [];
      for await (const page of client.iterateContacts(location.id, { pageSize: 5 })) listed.push(...page.contacts.map((c) => c.id));
      const searched: string[] = [];
      for await (const page of client.iterateSearchContacts({ locationId: location.id }, { pageSize: 5 })) searched.push(...page.contacts.map((c) => c.id));
      for (const id of listed.slice(0, 15)) {
        await client.listContactTasks(location.id, id);
        await client.listContactNotes(location.id, id);
      }

      const truth = (await sandboxState(sandbox, location.id)).contacts.map((c) => c.id).sort();
      expect(listed).toHaveLength(truth.length);
      expect([...listed].sort()).toEqual(truth);
      expect([...searched].sort()).toEqual(truth);
      const faults = sandbox.stats().faults;
      expect(Object.values(faults).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
      expect(client.stats().total.retries).toBeGreaterThan(0);
      await client.close();
    });
  });

  it('does not repeat a create whose connection dropped after the write: kind outcome-unknown, one new contact', async () => {
    await withSandbox({ contacts: 3, faults: 1, faultKinds: ['drop'] }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox);
      const before = (await sandboxState(sandbox, location.id)).contacts.length;
      const err = await caught(client.createContact({ locationId: location.id, firstName: 'Once', email: 'once@example.com' }));
      expect(err).toBeInstanceOf(GhlError);
      expect((err as GhlError).kind).toBe('outcome-unknown');
      expect((err as GhlError).operation).toMatchObject({ name: 'createContact', method: 'POST', path: '/contacts/', locationId: location.id });
      expect(client.stats().total).toMatchObject({ requests: 1, retries: 0 });
      const after = (await sandboxState(sandbox, location.id)).contacts;
      expect(after).toHaveLength(before + 1);
      expect(after.filter((c) => c.email === 'once@example.com')).toHaveLength(1);
      await client.close();
    });
  });

  it('does not repeat a create answered 5xx, but retries reads until it gives up with kind network', async () => {
    await withSandbox({ contacts: 3, faults: 1, faultKinds: ['http503'] }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { http: { timeoutMs: 5_000, retries: 2 } });
      const err = await caught(client.createTask(location.id, 'anything', { title: 'x', dueDate: '2030-01-01T00:00:00Z', completed: false }));
      expect(err).toMatchObject({ kind: 'outcome-unknown', status: 503 });
      expect(err).toBeInstanceOf(GhlError);
      expect(client.stats().total.requests).toBe(1);
      await client.close();
    });
    await withSandbox({ contacts: 3, faults: 1, faultKinds: ['drop'] }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { http: { timeoutMs: 5_000, retries: 2 } });
      const err = await caught(client.fetchContactPage(location.id, { limit: 5 }));
      expect(err).toBeInstanceOf(GhlError);
      expect(err).toMatchObject({ kind: 'network', retries: 2 });
      expect(client.stats().total.requests).toBe(3);
      await client.close();
    });
  });
});

describe('typed errors', () => {
  it('a duplicate create gives DuplicateContactError with the existing contact id', async () => {
    await withSandbox({ contacts: 5 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const existing = (await sandboxState(sandbox, location.id)).contacts.find((c) => c.email)!;
      const client = clientFor(sandbox);
      const err = await caught(client.createContact({ locationId: location.id, firstName: 'Again', email: existing.email! }));
      expect(err).toBeInstanceOf(DuplicateContactError);
      expect((err as DuplicateContactError).contactId).toBe(existing.id);
      expect((err as DuplicateContactError).status).toBe(400);
      expect((err as DuplicateContactError).message).toMatch(/does not allow duplicated contacts/);
      await client.close();
    });
  });

  it('a bad token gives kind auth with HighLevel\'s message and never the token', async () => {
    await withSandbox({ contacts: 2 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const badToken = 'pit-this-is-not-a-valid-token-0123456789';
      const client = clientFor(sandbox, { tokens: staticTokens({ [location.id]: badToken }) });
      const err = await caught(client.getContact(location.id, 'whatever'));
      expect(err).toBeInstanceOf(GhlError);
      expect(err).toMatchObject({ kind: 'auth', status: 401 });
      expect((err as GhlError).message).toMatch(/Invalid JWT/);
      expect((err as GhlError).message).not.toContain(badToken);
      expect(JSON.stringify(err)).not.toContain(badToken);
      await client.close();
    });
  });

  it('on a 401 asks the token provider once for a fresh token and retries with it', async () => {
    await withSandbox({ contacts: 2 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const asked: string[] = [];
      const tokens: TokenProvider = {
        getToken: async () => 'pit-expired',
        onUnauthorized: async (_locationId, token) => {
          asked.push(token);
          return location.token;
        },
      };
      const client = clientFor(sandbox, { tokens });
      const page = await client.fetchContactPage(location.id, { limit: 2 });
      expect(page.contacts).toHaveLength(2);
      expect(asked).toEqual(['pit-expired']);
      await client.close();
    });
  });
});

describe('daily budget', () => {
  it('stops before sending once 80% of a 50-request day is spent', async () => {
    await withSandbox({ contacts: 2, dailyLimit: 50 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const client = clientFor(sandbox, { rateLimit: { max: 100, intervalMs: 1_000, daily: 200_000, dailyShare: 0.8 } });
      let sent = 0;
      let err: unknown;
      for (let i = 0; i < 60 && err === undefined; i++) {
        try {
          await client.fetchContactPage(location.id, { limit: 1 });
          sent++;
        } catch (e) {
          err = e;
        }
      }
      expect(err).toBeInstanceOf(DailyBudgetExhaustedError);
      expect(exitCodeFor(err)).toBe(3); // the CLI maps the class to exit 3
      expect((err as DailyBudgetExhaustedError).dailyLimit).toBe(50);
      expect(sent).toBe(40);
      // Nothing more reached the server: the refusal happens before sending.
      expect(sandbox.stats().requests).toBe(sent);
      await expect(client.getContact(location.id, 'x')).rejects.toBeInstanceOf(DailyBudgetExhaustedError);
      expect(sandbox.stats().requests).toBe(sent);
      await client.close();
    });
  });
});

describe('requests match spec + overlay', () => {
  it('every typed function sends a request the sandbox accepts and the validator passes', async () => {
    await withSandbox({ contacts: 6 }, async (sandbox) => {
      const location = sandbox.locations[0]!;
      const sent: SentRequest[] = [];
      const client = clientFor(sandbox, { onRequest: (r) => sent.push(r) });
      const state = await sandboxState(sandbox, location.id);
      const someone = state.contacts[0]!;

      await client.fetchContactPage(location.id, { limit: 3 });
      await client.fetchContactPage(location.id, { limit: 3, startAfter: Date.parse(someone.dateAdded), startAfterId: someone.id, query: 'a' });
      await client.searchContactPage({ locationId: location.id, pageLimit: 3, filters: [{ field: 'tags', operator: 'exists' }], sort: [{ field: 'dateAdded', direction: 'asc' }] });
      await client.getContact(location.id, someone.id);
      const created = await client.createContact({ locationId: location.id, firstName: 'Spec', lastName: 'Check', email: 'spec@example.com', tags: ['vip'] });
      expect(created.id).toBeTruthy();
      await client.updateContact(location.id, created.id, { lastName: 'Checked' });
      const upserted = await client.upsertContact({ locationId: location.id, email: 'spec@example.com', city: 'Madrid' });
      expect(upserted).toMatchObject({ created: false, contact: { id: created.id } });
      expect(await client.addContactTags(location.id, created.id, ['new-tag'])).toContain('new-tag');
      expect(await client.removeContactTags(location.id, created.id, ['new-tag'])).not.toContain('new-tag');
      await client.fetchBusinessContacts(location.id, someone.businessId ?? 'none', { skip: 0, limit: 10 });

      const task = await client.createTask(location.id, created.id, { title: 'Call', dueDate: '2030-01-01T09:00:00Z', completed: false });
      expect(await client.listContactTasks(location.id, created.id)).toHaveLength(1);
      await client.getTask(location.id, created.id, task.id);
      await client.updateTask(location.id, created.id, task.id, { title: 'Call back' });
      expect((await client.completeTask(location.id, created.id, task.id)).completed).toBe(true);
      const search = await client.searchLocationTasks(location.id, { contactId: [created.id], completed: true, skip: 0, limit: 10 });
      expect(search.tasks.map((t) => t.id)).toEqual([task.id]);
      await client.deleteTask(location.id, created.id, task.id);

      const note = await client.createNote(location.id, created.id, { body: 'First call went well' });
      expect(await client.listContactNotes(location.id, created.id)).toHaveLength(1);
      await client.getNote(location.id, created.id, note.id);
      expect((await client.updateNote(location.id, created.id, note.id, { body: 'Edited' })).body).toBe('Edited');
      await client.deleteNote(location.id, created.id, note.id);

      expect((await client.listCustomFields(location.id)).length).toBe(state.customFields.length);
      await client.deleteContact(location.id, created.id);
      expect((await sandboxState(sandbox, location.id)).contacts.some((c) => c.id === created.id)).toBe(false);

      // The sandbox refuses invalid requests with 422; none came back. Check the record too.
      expect(sandbox.stats().byStatus['422']).toBeUndefined();
      const validator = createSpecValidator();
      const problems: string[] = [];
      for (const req of sent) {
        const op = validator.match(req.method, req.path);
        if (!op) {
          problems.push(`${req.method} ${req.path}: no operation`);
          continue;
        }
        const found = validator.validateRequest(op, { headers: { ...req.headers, authorization: 'Bearer recorded' }, query: req.query, body: req.body });
        if (found.length) problems.push(`${req.method} ${req.path}: ${found.join('; ')}`);
      }
      expect(problems).toEqual([]);
      expect(sent.length).toBeGreaterThanOrEqual(24);
      expect(sent.every((r) => r.headers.Version === '2021-07-28' && r.headers.Accept === 'application/json')).toBe(true);
      await client.close();
    });
  });
});

describe('paging and retry policy', () => {
  it('stops with kind unexpected-answer when a cursor does not advance', async () => {
    const operation = { name: 'iterateContacts', method: 'GET', path: '/contacts/', locationId: 'loc' };
    const pages: number[] = [];
    const run = async () => {
      for await (const page of followCursor<number, string>({ operation, fetchPage: async (c) => (c === undefined ? 1 : 2), nextCursor: () => 'same' })) pages.push(page);
    };
    await expect(run()).rejects.toMatchObject({ kind: 'unexpected-answer', message: expect.stringMatching(/did not advance/) });
    expect(pages).toEqual([1, 2]);
  });

  it('reads Retry-After as seconds or an HTTP date, and jitters backoff under a growing cap', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter('0.05')).toBe(50);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
    const opts = { baseMs: 100, capMs: 1_000 };
    expect(backoffDelay(0, opts, () => 0.999)).toBeLessThan(100);
    expect(backoffDelay(3, opts, () => 0.999)).toBeLessThan(800);
    expect(backoffDelay(10, opts, () => 0.999)).toBeLessThan(1_000);
    expect(backoffDelay(10, opts, () => 0)).toBe(0);
  });
});

describe('OAuth through the transport', () => {
  it('sends the Version header and bearer, retries a dropped read, and repeats a refresh only inside the grace window', async () => {
    const sandbox = await startOAuthSandbox();
    try {
      const company = await loginDirect(sandbox, { userType: 'Company' });
      const location = await loginDirect(sandbox, { locationId: sandbox.locations[0]!.id });
      let droppedList = false;
      const proxy = await startProxy(sandbox.url, {
        drop: (req) => {
          if (req.path.startsWith('/oauth/installedLocations') && !droppedList) {
            droppedList = true;
            return 'before';
          }
          return req.path === '/oauth/token' ? 'after' : undefined;
        },
      });
      try {
        const appId = sandbox.oauth.clientId.split('-')[0]!;
        const listed = await listInstalledLocations({ baseUrl: proxy.url, companyToken: company.access_token, companyId: sandbox.companyId, appId });
        expect(listed.map((l) => l.id).sort()).toEqual(sandbox.locations.map((l) => l.id).sort());
        const minted = await mintLocationToken({ baseUrl: proxy.url, companyToken: company.access_token, companyId: sandbox.companyId, locationId: sandbox.locations[1]!.id });
        expect(minted.locationId).toBe(sandbox.locations[1]!.id);

        // Every answer of the refresh is lost after HighLevel processed it: it is repeated with
        // the same token only inside the grace window (shortened here), then it gives up.
        const creds = { baseUrl: proxy.url, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret };
        const before = sandbox.oauthAuthority.counters();
        const err = await refreshTokens(creds, { refreshToken: location.refresh_token!, userType: 'Location', graceMs: 600 }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(OAuthApiError);
        expect((err as OAuthApiError).kind).toBe('unavailable');
        expect((err as Error).message).toMatch(/^refreshing the access token failed: .*tried \d times with the same refresh token/);
        expect((err as Error).message).not.toContain(location.refresh_token!);

        const paths = proxy.requests.map((r) => r.path.split('?')[0]);
        expect(paths.slice(0, 4)).toEqual(['/oauth/installedLocations', '/oauth/installedLocations', '/oauth/locationToken', '/oauth/token']);
        expect(paths.slice(4).every((p) => p === '/oauth/token')).toBe(true);
        expect(paths.length).toBeGreaterThan(4);
        expect(paths.length).toBeLessThanOrEqual(7); // at most 4 refresh attempts
        // One token spent, every repeat answered from the grace window, never invalid_grant.
        const after = sandbox.oauthAuthority.counters();
        expect(after.refreshes - before.refreshes).toBe(1);
        expect(after.graceReplays - before.graceReplays).toBe(paths.length - 4);
        expect(after.invalidGrants).toBe(before.invalidGrants);
        for (const r of proxy.requests) expect(r.headers.version).toBe('2021-07-28');
        expect(proxy.requests.slice(0, 3).map((r) => r.headers.authorization)).toEqual(Array(3).fill(`Bearer ${company.access_token}`));
        expect(proxy.requests[3]!.headers.authorization).toBeUndefined();
      } finally {
        await proxy.stop();
      }
    } finally {
      await sandbox.stop();
    }
  });
});
