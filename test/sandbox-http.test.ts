// The sandbox over real HTTP on 127.0.0.1: HighLevel's paging, limits, auth answers, faults and
// shapes, plus the control endpoints and the `ghl-etl sandbox` command.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';
import type { SandboxContact } from '../src/sandbox/index.ts';
import { authHeaders, sandboxState, useSandbox, validatingFetch, withSandbox } from './helpers/sandbox.ts';

interface ContactsPage {
  contacts: SandboxContact[];
  count: number;
  meta: { total: number; nextPageUrl: string | null; startAfter: number | null; startAfterId: string | null; currentPage: number; nextPage: number | null; prevPage: number | null };
}

describe('GET /contacts/ paging', () => {
  const sandbox = useSandbox({ locations: 2, contacts: 1000, seed: 3 });

  it('returns each of 1,000 contacts exactly once when following meta.startAfter/startAfterId', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    for (;;) {
      const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=100${cursor}`, { headers: authHeaders(loc.token) });
      expect(res.status).toBe(200);
      const page = (await res.json()) as ContactsPage;
      pages += 1;
      expect(page.meta.currentPage).toBe(pages);
      seen.push(...page.contacts.map((c) => c.id));
      if (!page.meta.startAfterId) {
        expect(page.meta.nextPageUrl).toBeNull();
        expect(page.meta.nextPage).toBeNull();
        break;
      }
      cursor = `&startAfter=${page.meta.startAfter}&startAfterId=${page.meta.startAfterId}`;
      expect(pages).toBeLessThan(20);
    }
    const truth = await sandboxState(sb, loc.id);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(truth.contacts.map((c) => c.id).sort());
    expect(seen).toHaveLength(1000);
  });

  it('defaults to 20 per page and refuses a limit above 100 with 422', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const first = (await (await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: authHeaders(loc.token) })).json()) as ContactsPage;
    expect(first.contacts).toHaveLength(20);
    expect(first.meta.total).toBe(1000);
    expect(first.meta.nextPageUrl).toContain(`startAfterId=${first.meta.startAfterId}`);
    const tooMany = await fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=101`, { headers: authHeaders(loc.token) });
    expect(tooMany.status).toBe(422);
    expect(await tooMany.json()).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity', message: [expect.any(String)] });
  });
});

describe('authentication and access', () => {
  const sandbox = useSandbox({ locations: 2, contacts: 5 });

  it('refuses a request without the Version header with 422', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: { Authorization: `Bearer ${loc.token}` } });
    expect(res.status).toBe(422);
    const body = (await res.json()) as { message: string[] };
    expect(body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
    expect(body.message.join(' ')).toMatch(/Version/);
    const wrong = await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: authHeaders(loc.token, { Version: '2020-01-01' }) });
    expect(wrong.status).toBe(422);
  });

  it('answers 401 "Invalid JWT" without a token or with an unknown one', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    for (const headers of [{ Version: '2021-07-28' }, { Version: '2021-07-28', Authorization: 'Bearer pit-not-a-token' }] as Array<Record<string, string>>) {
      const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ statusCode: 401, message: 'Invalid JWT', error: 'Unauthorized' });
    }
  });

  it("refuses another location's token with 403, by locationId and by contact", async () => {
    const sb = sandbox();
    const [a, b] = [sb.locations[0]!, sb.locations[1]!];
    const byQuery = await fetch(`${sb.url}/contacts/?locationId=${b.id}`, { headers: authHeaders(a.token) });
    expect(byQuery.status).toBe(403);
    expect(await byQuery.json()).toEqual({ statusCode: 403, message: 'The token does not have access to this location.' });

    const contactOfB = (await sandboxState(sb, b.id)).contacts[0]!;
    for (const [method, path] of [['GET', `/contacts/${contactOfB.id}`], ['GET', `/contacts/${contactOfB.id}/notes`], ['DELETE', `/contacts/${contactOfB.id}`]] as const) {
      const res = await fetch(`${sb.url}${path}`, { method, headers: authHeaders(a.token) });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    const create = await fetch(`${sb.url}/contacts/`, {
      method: 'POST',
      headers: authHeaders(a.token, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ locationId: b.id, firstName: 'Eve' }),
    });
    expect(create.status).toBe(403);
    expect((await sandboxState(sb, b.id)).contacts.some((c) => c.firstName === 'Eve')).toBe(false);
  });

  it('accepts tokens from a plugged-in resolver, checking scopes and expiry', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    sb.addTokenResolver((token) => {
      if (token === 'read-only') return { locationId: loc.id, scopes: ['contacts.readonly'] };
      if (token === 'stale') return { locationId: loc.id, scopes: ['contacts.readonly'], expired: true };
      return undefined;
    });
    const contact = (await sandboxState(sb, loc.id)).contacts[0]!;
    expect((await fetch(`${sb.url}/contacts/${contact.id}`, { headers: authHeaders('read-only') })).status).toBe(200);
    const write = await fetch(`${sb.url}/contacts/${contact.id}/notes`, {
      method: 'POST', headers: authHeaders('read-only', { 'Content-Type': 'application/json' }), body: JSON.stringify({ body: 'no' }),
    });
    expect(write.status).toBe(401);
    expect(await write.json()).toMatchObject({ statusCode: 401, message: 'The token is not authorized for this scope.' });
    expect((await fetch(`${sb.url}/contacts/${contact.id}`, { headers: authHeaders('stale') })).status).toBe(401);
  });

  it('answers an unknown route like NestJS: 404 "Cannot GET /x"', async () => {
    const sb = sandbox();
    const res = await fetch(`${sb.url}/x`, { headers: authHeaders(sb.locations[0]!.token) });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ statusCode: 404, message: 'Cannot GET /x' });
  });
});

describe('rate limits', () => {
  const RATE_HEADERS = ['x-ratelimit-max', 'x-ratelimit-remaining', 'x-ratelimit-interval-milliseconds', 'x-ratelimit-limit-daily', 'x-ratelimit-daily-remaining'];

  it('answers the 101st request in a window with 429, the X-RateLimit headers and Retry-After', async () => {
    let now = Date.UTC(2026, 10, 2, 12);
    await withSandbox({ contacts: 3, rateLimit: { max: 100, windowMs: 10_000 }, timeScale: 10, clock: () => now }, async (sb) => {
      const loc = sb.locations[0]!;
      const call = () => fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(loc.token) });
      for (let i = 1; i <= 100; i++) {
        const res = await call();
        expect(res.status).toBe(200);
        expect(res.headers.get('x-ratelimit-remaining')).toBe(String(100 - i));
        await res.arrayBuffer();
      }
      const refused = await call();
      expect(refused.status).toBe(429);
      expect(await refused.json()).toEqual({ statusCode: 429, message: 'Too Many Requests' });
      for (const h of RATE_HEADERS) expect(refused.headers.get(h), h).not.toBeNull();
      expect(refused.headers.get('x-ratelimit-max')).toBe('100');
      expect(refused.headers.get('x-ratelimit-remaining')).toBe('0');
      // timeScale 10 shrinks HighLevel's 10 s window to 1 s.
      expect(refused.headers.get('x-ratelimit-interval-milliseconds')).toBe('1000');
      expect(Number(refused.headers.get('retry-after'))).toBe(1);
      expect(refused.headers.get('x-ratelimit-daily-remaining')).toBe(String(200_000 - 100));

      now += 1000; // the window slides past the first 100
      const again = await call();
      expect(again.status).toBe(200);
      const stats = sb.stats();
      expect(stats.rateLimited).toBe(1);
      expect(stats.maxInWindow).toBe(100);
    });
  });

  it('sends the headers on errors after auth too, and enforces the daily limit', async () => {
    await withSandbox({ contacts: 3, rateLimit: { max: 100, windowMs: 10_000 }, dailyLimit: 3 }, async (sb) => {
      const loc = sb.locations[0]!;
      const noVersion = await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: { Authorization: `Bearer ${loc.token}` } });
      expect(noVersion.status).toBe(422);
      for (const h of RATE_HEADERS) expect(noVersion.headers.get(h), h).not.toBeNull();
      const statuses: number[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: authHeaders(loc.token) });
        statuses.push(res.status);
        await res.arrayBuffer();
      }
      expect(statuses).toEqual([200, 200, 429]);
    });
  });

  it('counts a fixed window from its start when asked', async () => {
    let now = 1_000_000;
    await withSandbox({ contacts: 3, rateLimit: { max: 2, windowMs: 1000 }, rateWindow: 'fixed', clock: () => now }, async (sb) => {
      const loc = sb.locations[0]!;
      const status = async () => {
        const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(loc.token) });
        await res.arrayBuffer();
        return res.status;
      };
      expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
      now += 1000;
      expect([await status(), await status(), await status()]).toEqual([200, 200, 429]);
    });
  });
});

describe('faults', () => {
  type Outcome = 'ok' | '500' | '502' | '503' | 'drop' | 'slow';

  it('fails about the requested share of requests, with every kind of failure', async () => {
    await withSandbox({ contacts: 5, faults: 0.2, faultSeed: 11, slowMs: 4000 }, async (sb) => {
      const loc = sb.locations[0]!;
      const one = async (): Promise<Outcome> => {
        try {
          // A client timeout well below slowMs, and well above what a normal answer takes even on
          // a loaded 2-core machine: a held answer is a timed-out request, and only that.
          const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(loc.token), signal: AbortSignal.timeout(2000) });
          await res.arrayBuffer();
          return res.status === 200 ? 'ok' : (String(res.status) as Outcome);
        } catch (err) {
          return (err as Error).name === 'TimeoutError' ? 'slow' : 'drop';
        }
      };
      const outcomes: Outcome[] = [];
      for (let batch = 0; batch < 3; batch++) outcomes.push(...(await Promise.all(Array.from({ length: 100 }, one))));
      const failures = outcomes.filter((o) => o !== 'ok');
      expect(failures.length / outcomes.length).toBeGreaterThan(0.13);
      expect(failures.length / outcomes.length).toBeLessThan(0.27);
      for (const kind of ['500', '502', '503', 'drop', 'slow'] as const) expect(failures, kind).toContain(kind);
      const injected = sb.stats().faults;
      expect(failures.filter((f) => f === 'drop').length).toBe(injected.drop);
      expect(failures.filter((f) => f === 'slow').length).toBe(injected.slow);
    });
  });

  it('drops the connection of a write only after the write is committed', async () => {
    await withSandbox({ contacts: 3, faults: 1, faultKinds: ['drop'] }, async (sb) => {
      const loc = sb.locations[0]!;
      const contact = (await sandboxState(sb, loc.id)).contacts[0]!;
      await expect(fetch(`${sb.url}/contacts/${contact.id}/notes`, {
        method: 'POST',
        headers: authHeaders(loc.token, { 'Content-Type': 'application/json' }),
        body: JSON.stringify({ body: 'written, but the answer is lost' }),
      })).rejects.toThrow();
      const notes = (await sandboxState(sb, loc.id)).notes.filter((n) => n.contactId === contact.id);
      expect(notes.map((n) => n.body)).toContain('written, but the answer is lost');
    });
  });

  it('answers N API requests 429 after K served ones on POST /__sandbox/faults {"burst429": N, "afterRequests": K}, apart from the limiter', async () => {
    await withSandbox({ contacts: 2 }, async (sb) => {
      const loc = sb.locations[0]!;
      const bad = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"burst429": -1}' });
      expect(bad.status).toBe(400);
      const set = await fetch(`${sb.url}/__sandbox/faults`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ burst429: 3, afterRequests: 1, retryAfterSeconds: 2 }) });
      expect(await set.json()).toEqual({ burst429: 3, afterRequests: 1, retryAfterSeconds: 2 });
      const answers: Array<[number, string | null]> = [];
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${sb.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(loc.token) });
        await res.arrayBuffer();
        answers.push([res.status, res.headers.get('retry-after')]);
      }
      expect(answers).toEqual([[200, null], [429, '2'], [429, '2'], [429, '2'], [200, null]]);
      const stats = sb.stats();
      expect(stats.faults.burst429).toBe(3);
      expect(stats.rateLimited).toBe(0);
    });
  });

  it('never faults or rate-limits the control endpoints', async () => {
    await withSandbox({ contacts: 2, faults: 1, rateLimit: { max: 1, windowMs: 60_000 } }, async (sb) => {
      for (let i = 0; i < 5; i++) expect((await fetch(`${sb.url}/__sandbox/stats`)).status).toBe(200);
    });
  });
});

describe('answers match spec + overlay', () => {
  const sandbox = useSandbox({ locations: 2, contacts: 30, seed: 5 });

  it('validates every answer of a mixed session of valid calls', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const other = sb.locations[1]!;
    const vfetch = validatingFetch(sb.url);
    const statuses: Record<string, number> = {};
    const call = async (name: string, method: string, path: string, body?: unknown, token = loc.token): Promise<any> => {
      const res = await vfetch(`${sb.url}${path}`, {
        method,
        headers: authHeaders(token, body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      statuses[name] = res.status;
      return res.json();
    };

    const page = await call('list', 'GET', `/contacts/?locationId=${loc.id}&limit=5`);
    await call('search', 'POST', '/contacts/search', { locationId: loc.id, pageLimit: 5, filters: [{ field: 'tags', operator: 'exists' }] });
    const first = page.contacts[0] as SandboxContact;
    await call('get', 'GET', `/contacts/${first.id}`);
    const created = await call('create', 'POST', '/contacts/', { locationId: loc.id, firstName: 'Ana', lastName: 'Ruiz', email: 'ana.ruiz@example.com', tags: ['vip'] });
    const id = created.contact.id as string;
    await call('update', 'PUT', `/contacts/${id}`, { lastName: 'Ruiz Gil', phone: '+34600111222' });
    await call('upsert', 'POST', '/contacts/upsert', { locationId: loc.id, email: 'ana.ruiz@example.com', city: 'Sevilla' });
    await call('addTags', 'POST', `/contacts/${id}/tags`, { tags: ['hot lead'] });
    await call('removeTags', 'DELETE', `/contacts/${id}/tags`, { tags: ['vip'] });
    if (first.businessId) await call('business', 'GET', `/contacts/business/${first.businessId}?locationId=${loc.id}`);
    const task = await call('createTask', 'POST', `/contacts/${id}/tasks`, { title: 'Call back', dueDate: '2026-12-01T10:00:00.000Z', completed: false });
    const taskId = task.task.id as string;
    await call('listTasks', 'GET', `/contacts/${id}/tasks`);
    await call('getTask', 'GET', `/contacts/${id}/tasks/${taskId}`);
    await call('updateTask', 'PUT', `/contacts/${id}/tasks/${taskId}`, { title: 'Call back today' });
    await call('completeTask', 'PUT', `/contacts/${id}/tasks/${taskId}/completed`, { completed: true });
    await call('searchTasks', 'POST', `/locations/${loc.id}/tasks/search`, { limit: 10, skip: 0 });
    await call('deleteTask', 'DELETE', `/contacts/${id}/tasks/${taskId}`);
    const note = await call('createNote', 'POST', `/contacts/${id}/notes`, { body: 'Prefers mornings' });
    const noteId = note.note.id as string;
    await call('listNotes', 'GET', `/contacts/${id}/notes`);
    await call('getNote', 'GET', `/contacts/${id}/notes/${noteId}`);
    await call('updateNote', 'PUT', `/contacts/${id}/notes/${noteId}`, { body: 'Prefers mornings, not Mondays' });
    await call('deleteNote', 'DELETE', `/contacts/${id}/notes/${noteId}`);
    await call('customFields', 'GET', `/locations/${loc.id}/customFields`);
    await call('delete', 'DELETE', `/contacts/${id}`);
    // Refusals are HighLevel answers too, and must have HighLevel's shapes.
    await call('forbidden', 'GET', `/contacts/?locationId=${other.id}`);
    await call('unknownProperty', 'PUT', `/contacts/${first.id}`, { locationId: loc.id });
    await call('badToken', 'GET', `/contacts/${first.id}`, undefined, 'pit-nope');

    expect(statuses).toMatchObject({
      list: 200, search: 200, get: 200, create: 201, update: 200, upsert: 200, addTags: 201, removeTags: 200,
      createTask: 201, listTasks: 200, getTask: 200, updateTask: 200, completeTask: 200, searchTasks: 200, deleteTask: 200,
      createNote: 201, listNotes: 200, getNote: 200, updateNote: 200, deleteNote: 200, customFields: 200, delete: 200,
      forbidden: 403, unknownProperty: 422, badToken: 401,
    });
    expect(vfetch.findings).toEqual([]);
    expect(vfetch.checked).toBeGreaterThanOrEqual(25);
  });
});

describe('control endpoints', () => {
  it('gives byte-identical state for the same seed', async () => {
    const stateText = (seed: number) =>
      withSandbox({ locations: 2, contacts: 40, seed }, async (sb) => (await fetch(`${sb.url}/__sandbox/state`)).text());
    const [a, b, c] = [await stateText(9), await stateText(9), await stateText(10)];
    expect(a.length).toBeGreaterThan(1000);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('POST /__sandbox/mutate changes contacts, tasks and notes, and state shows it', async () => {
    await withSandbox({ locations: 1, contacts: 60, seed: 4 }, async (sb) => {
      const before = await sandboxState(sb);
      const res = await fetch(`${sb.url}/__sandbox/mutate`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ changes: 60, seed: 2 }) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as { applied: number }).applied).toBeGreaterThan(0);
      const after = await sandboxState(sb);
      const changed = <T extends { id: string }>(x: T[], y: T[]) => {
        const old = new Map(x.map((o) => [o.id, JSON.stringify(o)]));
        return y.filter((o) => old.get(o.id) !== JSON.stringify(o)).length + x.filter((o) => !y.some((n) => n.id === o.id)).length;
      };
      expect(changed(before.contacts, after.contacts)).toBeGreaterThan(0);
      expect(changed(before.tasks, after.tasks)).toBeGreaterThan(0);
      expect(changed(before.notes, after.notes)).toBeGreaterThan(0);
    });
  });

  it('counts requests by route and status, and resets', async () => {
    await withSandbox({ contacts: 3 }, async (sb) => {
      const loc = sb.locations[0]!;
      await (await fetch(`${sb.url}/contacts/?locationId=${loc.id}`, { headers: authHeaders(loc.token) })).arrayBuffer();
      await (await fetch(`${sb.url}/contacts/?locationId=${loc.id}`)).arrayBuffer();
      const stats = (await (await fetch(`${sb.url}/__sandbox/stats`)).json()) as Record<string, unknown>;
      expect(stats).toMatchObject({ requests: 2, byRoute: { 'GET /contacts/': 2 }, byStatus: { 200: 1, 401: 1 }, rateLimited: 0, maxInWindow: 1 });
      const reset = await fetch(`${sb.url}/__sandbox/stats/reset`, { method: 'POST' });
      expect(await reset.json()).toMatchObject({ requests: 0, byRoute: {}, byStatus: {}, rateLimited: 0, maxInWindow: 0 });
    });
  });
});

describe('ghl-etl sandbox', () => {
  it('prints one JSON line, serves HighLevel calls, and exits 0 on SIGTERM', async () => {
    const child = spawn(process.execPath, ['src/cli/bin.mjs', 'sandbox', '--json', '--port', '0', '--locations', '1', '--contacts', '5', '--seed', '2'], {
      cwd: new URL('..', import.meta.url),
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    try {
      const lines = createInterface({ input: child.stdout! });
      const [line] = (await once(lines, 'line')) as [string];
      const info = JSON.parse(line) as { url: string; locations: Array<{ id: string; token: string }>; oauth: { clientId: string; clientSecret: string }; companyId: string };
      expect(Object.keys(info)).toEqual(['url', 'locations', 'oauth', 'companyId']);
      expect(info.oauth.clientId).toBeTruthy();
      expect(info.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(info.locations).toHaveLength(1);
      expect(typeof info.companyId).toBe('string');
      const loc = info.locations[0]!;
      const res = await fetch(`${info.url}/contacts/?locationId=${loc.id}`, { headers: authHeaders(loc.token) });
      expect(res.status).toBe(200);
      expect(((await res.json()) as ContactsPage).contacts).toHaveLength(5);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses a malformed --rate-limit with exit 2', async () => {
    const child = spawn(process.execPath, ['src/cli/bin.mjs', 'sandbox', '--rate-limit', 'lots'], { cwd: new URL('..', import.meta.url), stdio: ['ignore', 'pipe', 'pipe'] });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
  });
});
