// HighLevel webhooks end to end: the sandbox (webhookUrl pointed at `serve`) signs and delivers
// an event for every change made through its HTTP API, and the mirror follows. Forged, unsigned,
// stale and repeated events change nothing.
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWebhookEvents } from '../src/db/index.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { API_VERSION_HEADER } from './helpers/sandbox.ts';
import { freePort, INTAKE_SECRET, startServeFixture, type ServeFixture } from './helpers/serve.ts';
import { sqliteOf } from '../src/db/connection.ts';

let sandbox: Sandbox;
let fx: ServeFixture;

beforeAll(async () => {
  const port = await freePort();
  sandbox = await startSandbox({ locations: 1, contacts: 5, rateLimit: 'none', webhookUrl: `http://127.0.0.1:${port}/webhooks/ghl` });
  fx = await startServeFixture({ port, webhookPublicKey: sandbox.webhookPublicKey });
});
afterAll(async () => {
  await sandbox?.stop();
  await fx?.stop();
});

async function api(method: string, path: string, body?: unknown): Promise<any> {
  const location = sandbox.locations[0]!;
  const response = await fetch(`${sandbox.url}${path}`, {
    method,
    headers: { Authorization: `Bearer ${location.token}`, ...API_VERSION_HEADER, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  expect(response.status, JSON.stringify(json)).toBeLessThan(300);
  return json;
}

const row = (sql: string, ...params: unknown[]): any => sqliteOf(fx.db).prepare(sql).get(...params);
describe('webhooks from the sandbox', () => {
  it('verifies and applies contact, tag, task and note events to the mirror', async () => {
    const locationId = sandbox.locations[0]!.id;
    const { contact } = await api('POST', '/contacts/', { locationId, firstName: 'Lucía', lastName: 'Gómez', email: 'lucia@example.com' });
    await sandbox.webhooks!.idle();
    expect(row('SELECT first_name, last_name, email, location_id, deleted_at FROM contacts WHERE id = ?', contact.id))
      .toEqual({ first_name: 'Lucía', last_name: 'Gómez', email: 'lucia@example.com', location_id: locationId, deleted_at: null });

    await api('POST', `/contacts/${contact.id}/tags`, { tags: ['VIP', 'Madrid'] });
    await api('PUT', `/contacts/${contact.id}`, { city: 'Madrid' });
    const { task } = await api('POST', `/contacts/${contact.id}/tasks`, { title: 'Llamar', dueDate: '2030-01-02T10:00:00.000Z', completed: false });
    const { note } = await api('POST', `/contacts/${contact.id}/notes`, { body: 'Interesado en un SUV' });
    await sandbox.webhooks!.idle();
    expect(sqliteOf(fx.db).prepare('SELECT tag FROM contact_tags WHERE contact_id = ? ORDER BY tag').all(contact.id)).toEqual([{ tag: 'madrid' }, { tag: 'vip' }]);
    expect(row('SELECT city FROM contacts WHERE id = ?', contact.id)).toEqual({ city: 'Madrid' });
    expect(row('SELECT title, completed, contact_id, deleted_at FROM tasks WHERE id = ?', task.id))
      .toEqual({ title: 'Llamar', completed: 0, contact_id: contact.id, deleted_at: null });
    expect(row('SELECT body, deleted_at FROM notes WHERE id = ?', note.id)).toEqual({ body: 'Interesado en un SUV', deleted_at: null });

    await api('PUT', `/contacts/${contact.id}/tasks/${task.id}/completed`, { completed: true });
    await api('PUT', `/contacts/${contact.id}/notes/${note.id}`, { body: 'Quiere probar el SUV' });
    await sandbox.webhooks!.idle();
    expect(row('SELECT completed FROM tasks WHERE id = ?', task.id)).toEqual({ completed: 1 });
    expect(row('SELECT body FROM notes WHERE id = ?', note.id)).toEqual({ body: 'Quiere probar el SUV' });

    await api('DELETE', `/contacts/${contact.id}/notes/${note.id}`);
    await api('DELETE', `/contacts/${contact.id}/tasks/${task.id}`);
    await sandbox.webhooks!.idle();
    expect(row('SELECT deleted_at IS NOT NULL AS gone FROM notes WHERE id = ?', note.id)).toEqual({ gone: 1 });
    expect(row('SELECT deleted_at IS NOT NULL AS gone FROM tasks WHERE id = ?', task.id)).toEqual({ gone: 1 });

    await api('DELETE', `/contacts/${contact.id}`);
    await sandbox.webhooks!.idle();
    expect(row('SELECT deleted_at IS NOT NULL AS gone FROM contacts WHERE id = ?', contact.id)).toEqual({ gone: 1 });

    const types = listWebhookEvents(fx.db).map((e) => e.type);
    expect(types).toEqual([
      'ContactCreate', 'ContactTagUpdate', 'ContactUpdate', 'TaskCreate', 'NoteCreate', 'TaskComplete', 'NoteUpdate',
      'NoteDelete', 'TaskDelete', 'ContactDelete',
    ]);
    expect(listWebhookEvents(fx.db).every((e) => e.appliedAt !== null)).toBe(true);
    expect(sandbox.webhooks!.stats()).toMatchObject({ failed: 0, pending: 0 });
  });
});

describe('refused webhooks change nothing', () => {
  // Events signed by the test, so it can forge, age and repeat them.
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let own: ServeFixture;
  beforeAll(async () => {
    own = await startServeFixture({
      webhookPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      legacyRsaKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
  });
  afterAll(async () => { await own?.stop(); });

  const event = (over: Record<string, unknown> = {}) => JSON.stringify({
    type: 'ContactCreate', locationId: 'loc1', id: `c-${randomUUID()}`, firstName: 'Ana', email: 'ana@example.com',
    timestamp: new Date().toISOString(), webhookId: randomUUID(), ...over,
  });
  const deliver = (body: string, headers: Record<string, string>) =>
    fetch(`${own.server.url}/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const ed = (body: string) => ({ 'x-ghl-signature': sign(null, Buffer.from(body), privateKey).toString('base64') });
  const contacts = () => sqliteOf(own.db).prepare('SELECT count(*) AS n FROM contacts').get();
  const snapshot = () => ({ contacts: contacts(), events: listWebhookEvents(own.db).length });

  it('refuses a missing, forged or tampered signature with 401', async () => {
    const before = snapshot();
    const body = event();
    expect((await deliver(body, {})).status).toBe(401);
    const stranger = generateKeyPairSync('ed25519').privateKey;
    expect((await deliver(body, { 'x-ghl-signature': sign(null, Buffer.from(body), stranger).toString('base64') })).status).toBe(401);
    expect((await deliver(body.replace('Ana', 'Eva'), ed(body))).status).toBe(401);
    expect((await deliver(body, { 'x-ghl-signature': 'not base64 at all!' })).status).toBe(401);
    expect(snapshot()).toEqual(before);
  });

  it('refuses an event replayed after the 5-minute window, or from the future', async () => {
    const before = snapshot();
    const old = event({ timestamp: new Date(Date.now() - 6 * 60_000).toISOString() });
    expect((await deliver(old, ed(old))).status).toBe(401);
    const future = event({ timestamp: new Date(Date.now() + 6 * 60_000).toISOString() });
    expect((await deliver(future, ed(future))).status).toBe(401);
    const none = event({ timestamp: undefined });
    expect((await deliver(none, ed(none))).status).toBe(401);
    expect(snapshot()).toEqual(before);
  });

  it('applies a repeated webhookId once', async () => {
    const body = event({ id: 'c-repeat', firstName: 'Rosa' });
    expect((await deliver(body, ed(body))).status).toBe(200);
    const again = await deliver(body, ed(body));
    expect(again.status).toBe(200);
    expect(await again.json()).toMatchObject({ duplicate: true });
    // A later change replayed under the same webhookId is not applied either.
    const webhookId = JSON.parse(body).webhookId as string;
    const altered = event({ id: 'c-repeat', firstName: 'Otra', webhookId });
    expect((await deliver(altered, ed(altered))).status).toBe(200);
    expect(sqliteOf(own.db).prepare('SELECT first_name FROM contacts WHERE id = ?').get('c-repeat')).toEqual({ first_name: 'Rosa' });
    expect(listWebhookEvents(own.db).filter((e) => e.webhookId === webhookId)).toHaveLength(1);
  });

  it('refuses the legacy RSA x-wh-signature while a webhook key of its own is configured, even when legacy is enabled', async () => {
    const strict = await startServeFixture({
      config: { intakeSecret: INTAKE_SECRET, webhookPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'), webhookLegacySignature: true },
      legacyRsaKey: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
    try {
      const body = event({ id: 'c-legacy-own-key' });
      const signature = sign('sha256', Buffer.from(body), rsa.privateKey).toString('base64');
      const answer = await fetch(`${strict.server.url}/webhooks/ghl`, { method: 'POST', headers: { 'x-wh-signature': signature }, body });
      expect(answer.status).toBe(401);
      expect(listWebhookEvents(strict.db)).toHaveLength(0);
    } finally {
      await strict.stop();
    }
  });
});

describe('the legacy RSA x-wh-signature', () => {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const legacyRsaKey = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const body = JSON.stringify({ type: 'ContactCreate', locationId: 'loc1', id: 'c-legacy', firstName: 'Ana', timestamp: new Date().toISOString(), webhookId: randomUUID() });
  const signature = sign('sha256', Buffer.from(body), rsa.privateKey).toString('base64');
  const deliver = (url: string) => fetch(`${url}/webhooks/ghl`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-wh-signature': signature }, body });

  it('is refused unless the config enables it', async () => {
    const fx = await startServeFixture({ config: { intakeSecret: INTAKE_SECRET }, legacyRsaKey });
    try {
      expect((await deliver(fx.server.url)).status).toBe(401);
      expect(listWebhookEvents(fx.db)).toHaveLength(0);
    } finally {
      await fx.stop();
    }
  });

  it('is accepted with webhookLegacySignature and no webhook key of its own', async () => {
    const fx = await startServeFixture({ config: { intakeSecret: INTAKE_SECRET, webhookLegacySignature: true }, legacyRsaKey });
    try {
      expect((await deliver(fx.server.url)).status).toBe(200);
      expect(sqliteOf(fx.db).prepare('SELECT count(*) AS n FROM contacts WHERE id = ?').get('c-legacy')).toEqual({ n: 1 });
    } finally {
      await fx.stop();
    }
  });
});

describe('the webhook key', () => {
  it('refuses a configured key that is not an Ed25519 public key, naming the setting', async () => {
    await expect(startServeFixture({ webhookPublicKey: 'bm90IGEga2V5' })).rejects.toThrow(/GHL_WEBHOOK_PUBLIC_KEY/);
  });
});
