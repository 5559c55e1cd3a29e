// The sandbox's webhook delivery: every change made through its API (and its mutate control)
// arrives as the event HighLevel documents, signed, in order; failures are retried with the
// same event. Checked over real HTTP against `serve` and against a receiver that fails on purpose.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWebhookEventChecker } from '../src/highlevel-api/webhook-events.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import type { ReceivedEvent } from '../src/serve/index.ts';
import { API_VERSION_HEADER } from './helpers/sandbox.ts';
import { freePort, startServeFixture, type ServeFixture } from './helpers/serve.ts';

const check = createWebhookEventChecker();

describe('sandbox webhooks received by serve', () => {
  let sandbox: Sandbox;
  let fx: ServeFixture;
  const received: ReceivedEvent[] = [];
  beforeAll(async () => {
    const port = await freePort();
    sandbox = await startSandbox({ locations: 1, contacts: 30, rateLimit: 'none', webhookUrl: `http://127.0.0.1:${port}/webhooks/ghl` });
    fx = await startServeFixture({ port, webhookPublicKey: sandbox.webhookPublicKey, onEvent: (e) => received.push(e) });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await fx?.stop();
  });

  async function api(method: string, path: string, body?: unknown): Promise<any> {
    const response = await fetch(`${sandbox.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${sandbox.locations[0]!.token}`, ...API_VERSION_HEADER, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.status).toBeLessThan(300);
    return response.json();
  }

  it('sends one event per HighLevel-visible change, shaped as documented, and none for what HighLevel does not report', async () => {
    const locationId = sandbox.locations[0]!.id;
    const { contact } = await api('POST', '/contacts/', { locationId, firstName: 'Pablo', email: 'pablo@example.com', phone: '+34915550101' });
    await api('PUT', `/contacts/${contact.id}`, { dnd: true });
    const { task } = await api('POST', `/contacts/${contact.id}/tasks`, { title: 'Visita', dueDate: '2030-03-01T09:00:00.000Z', completed: false });
    await api('PUT', `/contacts/${contact.id}/tasks/${task.id}`, { title: 'Visita al concesionario' }); // no TaskUpdate in HighLevel
    await api('PUT', `/contacts/${contact.id}/tasks/${task.id}/completed`, { completed: true });
    await api('PUT', `/contacts/${contact.id}/tasks/${task.id}/completed`, { completed: false }); // no event for reopening
    await sandbox.webhooks!.idle();

    expect(received.map((e) => e.type)).toEqual(['ContactCreate', 'ContactDndUpdate', 'TaskCreate', 'TaskComplete']);
    for (const { event } of received) expect(check(event)).toEqual([]);
    expect(check({ ...received[0]!.event, completed: true })).not.toEqual([]); // the check does refuse undocumented fields
    const [created, dnd, , completed] = received.map((e) => e.event);
    expect(created).toMatchObject({ locationId, id: contact.id, firstName: 'Pablo', email: 'pablo@example.com', phone: '+34915550101' });
    expect(dnd).toMatchObject({ dnd: true, dndSettings: { SMS: { status: 'active' } } });
    expect(completed).toMatchObject({ id: task.id, contactId: contact.id, title: 'Visita al concesionario' });
    expect(new Set(received.map((e) => e.webhookId)).size).toBe(received.length);
  });

  it('reports the changes of a mutate run too, each conforming to the docs', async () => {
    received.length = 0;
    const response = await fetch(`${sandbox.url}/__sandbox/mutate`, {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ changes: 40, seed: 7 }),
    });
    expect(response.status).toBe(200);
    await sandbox.webhooks!.idle();
    expect(received.length).toBeGreaterThan(0);
    const problems = received.flatMap(({ event }) => check(event));
    expect(problems).toEqual([]);
    expect(sandbox.webhooks!.stats()).toMatchObject({ failed: 0, pending: 0 });
  });
});

describe('sandbox webhook retries', () => {
  let receiver: Server;
  const attempts: Array<{ body: string; signature: string | undefined }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      req.on('end', () => {
        attempts.push({ body, signature: req.headers['x-ghl-signature'] as string | undefined });
        res.writeHead(attempts.length <= 2 ? 503 : 200).end(); // the first two attempts fail
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('retries a failed delivery with the same signed event until it is accepted', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const sandbox = await startSandbox({ locations: 1, contacts: 1, rateLimit: 'none', webhookUrl: `http://127.0.0.1:${port}/hook` });
    try {
      const [contactId] = sandbox.store.state().contacts.map((c) => c.id);
      sandbox.store.addTags(contactId!, ['retry-me']);
      await sandbox.webhooks!.idle();
      expect(attempts).toHaveLength(3);
      expect(new Set(attempts.map((a) => a.body)).size).toBe(1);
      expect(new Set(attempts.map((a) => a.signature)).size).toBe(1);
      expect(JSON.parse(attempts[0]!.body)).toMatchObject({ type: 'ContactTagUpdate', id: contactId, tags: expect.arrayContaining(['retry-me']) });
      expect(sandbox.webhooks!.stats()).toMatchObject({ sent: 1, delivered: 1, retried: 2, failed: 0 });
    } finally {
      await sandbox.stop();
    }
  });
});

describe('sandbox webhooks after a change that produces no event', () => {
  let receiver: Server;
  const types: string[] = [];
  const waiting: Array<{ type: string; resolve: () => void }> = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => { body += chunk.toString('utf8'); });
      req.on('end', () => {
        const type = (JSON.parse(body) as { type: string }).type;
        types.push(type);
        res.writeHead(200).end();
        for (const w of waiting.filter((x) => x.type === type)) w.resolve();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));
  const arrival = (type: string) => new Promise<void>((resolve) => {
    if (types.includes(type)) resolve();
    else waiting.push({ type, resolve });
  });

  it('keeps delivering after a task update HighLevel sends no event for, and /__sandbox/stats counts the webhooks', async () => {
    const port = (receiver.address() as AddressInfo).port;
    const sandbox = await startSandbox({ locations: 1, contacts: 1, rateLimit: 'none', webhookUrl: `http://127.0.0.1:${port}/hook` });
    try {
      const { token } = sandbox.locations[0]!;
      const [contactId] = sandbox.store.state().contacts.map((c) => c.id);
      const call = async (method: string, path: string, body: unknown) => {
        const response = await fetch(`${sandbox.url}${path}`, {
          method, headers: { Authorization: `Bearer ${token}`, ...API_VERSION_HEADER, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
        });
        expect(response.status).toBeLessThan(300);
        return response.json() as Promise<any>;
      };
      const { task } = await call('POST', `/contacts/${contactId}/tasks`, { title: 'Llamar', dueDate: '2030-03-01T09:00:00.000Z', completed: false });
      await arrival('TaskCreate');
      await call('PUT', `/contacts/${contactId}/tasks/${task.id}`, { title: 'Llamar hoy' }); // no event in HighLevel
      await call('POST', `/contacts/${contactId}/notes`, { body: 'after the silent update' });
      await arrival('NoteCreate');
      expect(types).toEqual(['TaskCreate', 'NoteCreate']);
      await sandbox.webhooks!.idle();
      const stats = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as { webhooks: unknown };
      expect(stats.webhooks).toMatchObject({ sent: 2, delivered: 2, pending: 0 });
      const reset = (await (await fetch(`${sandbox.url}/__sandbox/stats/reset`, { method: 'POST' })).json()) as { webhooks: unknown };
      expect(reset.webhooks).toMatchObject({ sent: 0, delivered: 0, pending: 0 });
    } finally {
      await sandbox.stop();
    }
  }, 20_000);

  it('reports zero webhooks when started without a URL', async () => {
    const sandbox = await startSandbox({ locations: 1, contacts: 1, rateLimit: 'none' });
    try {
      const stats = (await (await fetch(`${sandbox.url}/__sandbox/stats`)).json()) as { webhooks: unknown };
      expect(stats.webhooks).toMatchObject({ sent: 0, delivered: 0, pending: 0 });
    } finally {
      await sandbox.stop();
    }
  });
});
