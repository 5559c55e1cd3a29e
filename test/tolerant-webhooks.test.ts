// Webhooks never make the mirror untrue: with the app installed on more locations than this
// mirror syncs, the other locations' events are acknowledged and counted, never applied; and an
// event with null or unknown fields is applied as far as it goes once its signature holds.
// Signed by the test and delivered over HTTP to `serve`'s receiver.
import { sqliteOf } from '../src/db/connection.ts';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWebhookEvents } from '../src/db/index.ts';
import { statusReport } from '../src/status/report.ts';
import { startServeFixture, type ServeFixture } from './helpers/serve.ts';

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
    ]));

    // A task event without its body, for the contact now mirrored.
    expect(await deliver({ type: 'TaskCreate', locationId: SYNCED, id: 'tMine1', contactId: 'cMine1', title: 'Llamar', body: null, dueDate: '2030-01-01T00:00:00.000Z', extra: true })).toBe(200);
    expect(sqliteOf(fx.db).prepare('SELECT title, body, completed FROM tasks WHERE id = ?').get('tMine1')).toEqual({ title: 'Llamar', body: null, completed: 0 });
    expect(listWebhookEvents(fx.db).filter((e) => e.locationId === SYNCED).every((e) => e.appliedAt !== null)).toBe(true);
  });
});
