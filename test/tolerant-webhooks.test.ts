// Webhooks never make the mirror untrue: with the app installed on more locations than this
// mirror syncs, the other locations' events are acknowledged and counted, never applied; and an
// event with null or unknown fields is applied as far as it goes once its signature holds.
// Signed by the test and delivered over HTTP to `serve`'s receiver.
import { sqliteOf } from '../src/db/connection.ts';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWebhookEvents } from '../src/db/index.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/index.ts';
import { statusReport } from '../src/status/report.ts';
import { runCli } from './helpers/cli.ts';
import { API_VERSION_HEADER } from './helpers/sandbox.ts';
import { freePort, startServeFixture, type ServeFixture } from './helpers/serve.ts';

const SYNCED = 'locSynced000000000001';
const OTHER = 'locOther0000000000002';

describe('webhooks of a mirror that syncs one of the app\'s locations', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  let fx: ServeFixture;
  beforeAll(async () => {
    fx = await startServeFixture({
      webhookPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
      config: {
        intakeSecret: 'test-intake-secret-0123456789abcdef',
        webhookPublicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        locations: [{ id: SYNCED }],
      } as never,
    });
  });
  afterAll(async () => { await fx?.stop(); });

  const deliver = async (event: Record<string, unknown>) => {
    const body = JSON.stringify({ timestamp: new Date().toISOString(), webhookId: randomUUID(), ...event });
    const res = await fetch(`${fx.server.url}/webhooks/ghl`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ghl-signature': sign(null, Buffer.from(body), privateKey).toString('base64') },
      body,
    });
    return res.status;
  };
  const count = (sql: string, ...params: unknown[]) => (sqliteOf(fx.db).prepare(sql).get(...params) as { n: number }).n;

  it('acknowledges another location\'s events, counts them, and applies none', async () => {
    expect(await deliver({ type: 'ContactCreate', locationId: OTHER, id: 'cOther1', firstName: 'Otra', tags: ['vip'] })).toBe(200);
    expect(await deliver({ type: 'TaskCreate', locationId: OTHER, id: 'tOther1', contactId: 'cOther1', title: 'Llamar', dueDate: '2030-01-01T00:00:00.000Z' })).toBe(200);
    expect(await deliver({ type: 'ContactUpdate', locationId: OTHER, id: 'cOther1', firstName: 'Otra' })).toBe(200);
    expect(count('SELECT count(*) AS n FROM contacts WHERE id = ?', 'cOther1')).toBe(0);
    expect(count('SELECT count(*) AS n FROM tasks WHERE id = ?', 'tOther1')).toBe(0);
    expect(count(`SELECT count(*) AS n FROM contacts_wide WHERE location_id = ?`, OTHER)).toBe(0);
    expect(listWebhookEvents(fx.db).filter((e) => e.locationId === OTHER)).toHaveLength(3);

    const report = statusReport(fx.db, { locations: [{ id: SYNCED }], status: { maxAgeHours: 26 }, rateLimit: { daily: 200_000 } } as never);
    expect(report.unsyncedWebhookEvents).toEqual([{ locationId: OTHER, events: 3 }]);
  });

  it('applies an event of its own location with null and unknown fields as far as it goes', async () => {
    expect(await deliver({
      type: 'ContactCreate', locationId: SYNCED, id: 'cMine1', firstName: 'Ana', lastName: null, email: null, phone: null,
      tags: null, customFields: null, dnd: null, dateAdded: '2026-11-01T10:00:00.000Z', followers: 'u1', brandNew: { nested: [1, null] },
    })).toBe(200);
    expect(sqliteOf(fx.db).prepare('SELECT first_name AS f, last_name AS l, email AS e, dnd AS d, date_updated AS u FROM contacts WHERE id = ?').get('cMine1'))
      .toEqual({ f: 'Ana', l: null, e: null, d: 0, u: '2026-11-01T10:00:00.000Z' });
    expect(count('SELECT count(*) AS n FROM contact_tags WHERE contact_id = ?', 'cMine1')).toBe(0);
    const raw = JSON.parse((sqliteOf(fx.db).prepare('SELECT raw FROM contacts WHERE id = ?').get('cMine1') as { raw: string }).raw) as Record<string, unknown>;
    expect(raw.brandNew).toEqual({ nested: [1, null] });
    // What it departed on is counted like the answers' drift, by field and JSON type.
    const drift = statusReport(fx.db, { locations: [{ id: SYNCED }], status: { maxAgeHours: 26 }, rateLimit: { daily: 200_000 } } as never).locations[0]!.drift;
    expect(drift).toEqual(expect.arrayContaining([
      expect.objectContaining({ operation: 'webhook ContactCreate', field: 'tags', problem: 'null where array', count: 1 }),
      expect.objectContaining({ operation: 'webhook ContactCreate', field: 'email', problem: 'null where string', count: 1 }),
      expect.objectContaining({ operation: 'webhook ContactCreate', field: 'followers', problem: 'unknown field (string)', count: 1 }),
      expect.objectContaining({ operation: 'webhook ContactCreate', field: 'brandNew', problem: 'unknown field (object)', count: 1 }),
    ]));

    // A task event without its body, for the contact now mirrored.
    expect(await deliver({ type: 'TaskCreate', locationId: SYNCED, id: 'tMine1', contactId: 'cMine1', title: 'Llamar', body: null, dueDate: '2030-01-01T00:00:00.000Z', extra: true })).toBe(200);
    expect(sqliteOf(fx.db).prepare('SELECT title, body, completed FROM tasks WHERE id = ?').get('tMine1')).toEqual({ title: 'Llamar', body: null, completed: 0 });
    expect(listWebhookEvents(fx.db).filter((e) => e.locationId === SYNCED).every((e) => e.appliedAt !== null)).toBe(true);
    const taskDrift = statusReport(fx.db, { locations: [{ id: SYNCED }], status: { maxAgeHours: 26 }, rateLimit: { daily: 200_000 } } as never).locations[0]!.drift;
    expect(taskDrift).toEqual(expect.arrayContaining([
      expect.objectContaining({ operation: 'webhook TaskCreate', field: 'extra', problem: 'unknown field (boolean)', count: 1 }),
    ]));
  });
});

describe('webhooks from a sandbox playing live HighLevel\'s departures (--quirks) to serve', () => {
  let sandbox: Sandbox;
  let fx: ServeFixture;
  beforeAll(async () => {
    const port = await freePort();
    sandbox = await startSandbox({ locations: 1, contacts: 5, rateLimit: 'none', quirks: true, webhookUrl: `http://127.0.0.1:${port}/webhooks/ghl` });
    fx = await startServeFixture({
      port, webhookPublicKey: sandbox.webhookPublicKey,
      config: { intakeSecret: 'test-intake-secret-0123456789abcdef', webhookPublicKey: sandbox.webhookPublicKey, locations: [{ id: sandbox.locations[0]!.id }] } as never,
    });
  });
  afterAll(async () => {
    await sandbox?.stop();
    await fx?.stop();
  });

  it('applies events with nulls, a lone tag, a number for a string and unknown fields, and status --json counts each', async () => {
    const location = sandbox.locations[0]!;
    const api = async (path: string, body: unknown) => {
      const response = await fetch(`${sandbox.url}${path}`, {
        method: 'POST', headers: { Authorization: `Bearer ${location.token}`, ...API_VERSION_HEADER, 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
      expect(response.status).toBeLessThan(300);
      return (await response.json()) as Record<string, { id: string }>;
    };
    const env = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: 'warn', GHL_ETL_DB: fx.dbPath, GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token, GHL_BASE_URL: sandbox.url };
    // Synced first (a healthy location), then changed in HighLevel while serve listens.
    const sync = await runCli(['sync'], { env });
    expect(sync.code, sync.stderr).toBe(0);
    const { contact } = await api('/contacts/', { locationId: location.id, firstName: 'Lucía', tags: ['vip'], postalCode: '28013' });
    const { task } = await api(`/contacts/${contact!.id}/tasks`, { title: 'Llamar', body: 'Sobre el SUV', dueDate: '2030-01-02T10:00:00.000Z', completed: false });
    await sandbox.webhooks!.idle();
    expect(sandbox.webhooks!.stats()).toMatchObject({ failed: 0, pending: 0 });

    const row = (sql: string, id: string) => sqliteOf(fx.db).prepare(sql).get(id);
    expect(row('SELECT first_name AS f, email AS e, postal_code AS p FROM contacts WHERE id = ?', contact!.id)).toEqual({ f: 'Lucía', e: null, p: '28013' });
    expect(sqliteOf(fx.db).prepare('SELECT tag FROM contact_tags WHERE contact_id = ?').all(contact!.id)).toEqual([{ tag: 'vip' }]);
    expect(row('SELECT title, body FROM tasks WHERE id = ?', task!.id)).toEqual({ title: 'Llamar', body: 'Sobre el SUV' });
    expect(listWebhookEvents(fx.db).every((e) => e.appliedAt !== null)).toBe(true);

    const status = await runCli(['status', '--json'], { env });
    expect(status.code, status.stderr).toBe(0);
    const drift = (JSON.parse(status.stdout) as { locations: Array<{ drift: Array<Record<string, unknown>> }> }).locations[0]!.drift;
    const problem = (operation: string, field: string) => drift.filter((d) => d.operation === operation && d.field === field).map((d) => [d.problem, d.count]);
    expect(problem('webhook ContactCreate', 'email')).toEqual([['null where string', 1]]);
    expect(problem('webhook ContactCreate', 'tags')).toEqual([['string where array', 1]]);
    expect(problem('webhook ContactCreate', 'postalCode')).toEqual([['integer where string', 1]]);
    expect(problem('webhook ContactCreate', 'version')).toEqual([['unknown field (integer)', 1]]);
    expect(problem('webhook TaskCreate', 'version')).toEqual([['unknown field (integer)', 1]]);
    expect(JSON.stringify(drift)).not.toContain('Lucía');
  }, 60_000);
});
