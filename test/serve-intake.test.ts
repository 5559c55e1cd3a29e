// The lead intake over HTTP: what a sender sees (status and id) and what the inbox holds.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { listInbox } from '../src/db/index.ts';
import { MAX_BODY_BYTES, startServer } from '../src/serve/index.ts';
import { INTAKE_SECRET, postLead, sampleLead, startServeFixture, type ServeFixture } from './helpers/serve.ts';
import { sqliteOf } from '../src/db/connection.ts';

let fx: ServeFixture;
beforeEach(async () => { fx = await startServeFixture(); });
afterEach(async () => { await fx.stop(); });

describe('POST /leads', () => {
  it('commits a valid lead to the inbox and answers 202 with its id', async () => {
    const answer = await postLead(fx.server.url, sampleLead(1));
    expect(answer.status).toBe(202);
    expect(typeof answer.json.id).toBe('number');
    const rows = listInbox(fx.db);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ id: answer.json.id, status: 'pending', attempts: 0, leadId: null, contactId: null });
    expect(JSON.parse(rows[0]!.payload)).toMatchObject({ nombre: 'Nombre1', email: 'lead1@example.com', concesionario: 12, custom: { marca: 'Seat' } });
  });

  it('answers a repeated lead with the same id and stores it once (same body, or same id_lead)', async () => {
    const first = await postLead(fx.server.url, sampleLead(2));
    const again = await postLead(fx.server.url, sampleLead(2));
    // Same lead, keys in another order and an upper-case email: still the same lead.
    const { email: _e, ...rest } = sampleLead(2);
    const reordered = await postLead(fx.server.url, { email: 'LEAD2@example.com', ...Object.fromEntries(Object.entries(rest).reverse()) });
    expect([first.status, again.status, reordered.status]).toEqual([202, 202, 202]);
    expect(again.json.id).toBe(first.json.id);
    expect(reordered.json.id).toBe(first.json.id);

    const withId = await postLead(fx.server.url, sampleLead(3, { id_lead: 777 }));
    const sameIdEdited = await postLead(fx.server.url, sampleLead(3, { id_lead: '777', comentario: 'resent with a comment' }));
    expect(sameIdEdited.json.id).toBe(withId.json.id);

    const rows = listInbox(fx.db);
    expect(rows).toHaveLength(2);
    expect(rows.find((r) => r.id === withId.json.id)?.leadId).toBe('777');
  });

  it('refuses a malformed lead with 400 and the reasons, storing nothing', async () => {
    const missing = await postLead(fx.server.url, { nombre: 'Ana', email: 'not-an-email', concesionario: 'x' });
    expect(missing.status).toBe(400);
    const reasons: string[] = missing.json.reasons;
    expect(reasons.some((r) => r.startsWith('apellidos'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('email'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('concesionario'))).toBe(true);
    expect(reasons.some((r) => r.startsWith('tipo_lead'))).toBe(true);

    const unknownField = await postLead(fx.server.url, sampleLead(4, { marca: 'Seat' }));
    expect(unknownField.status).toBe(400);
    expect(unknownField.json.reasons.join(' ')).toMatch(/marca/);

    const notJson = await postLead(fx.server.url, undefined, { raw: '{"nombre": ' });
    expect(notJson.status).toBe(400);
    expect(listInbox(fx.db)).toHaveLength(0);
  });

  it('refuses LeadCars ids beyond the safe-integer range instead of storing them rounded (1e+23)', async () => {
    const huge = await postLead(fx.server.url, sampleLead(7, { id_lead: '99999999999999999999999' }));
    expect(huge.status).toBe(400);
    expect(huge.json.reasons.join(' ')).toMatch(/^id_lead: must be .*a positive whole number, not "99999999999999999999999"/);
    const dealer = await postLead(fx.server.url, sampleLead(8, { concesionario: 99999999999999999999999 }));
    expect(dealer.status).toBe(400);
    expect(dealer.json.reasons.join(' ')).toMatch(/concesionario/);
    expect(listInbox(fx.db)).toHaveLength(0);
    const largest = await postLead(fx.server.url, sampleLead(9, { id_lead: String(Number.MAX_SAFE_INTEGER) }));
    expect(largest.status).toBe(202);
    expect(listInbox(fx.db)[0]!.leadId).toBe('9007199254740991');
  });

  it('refuses an unsigned or wrongly signed lead with 401, storing nothing', async () => {
    expect((await postLead(fx.server.url, sampleLead(5), { secret: null })).status).toBe(401);
    expect((await postLead(fx.server.url, sampleLead(5), { secret: 'another secret' })).status).toBe(401);
    // Signed, then altered on the way: the signature no longer matches the bytes.
    const body = JSON.stringify(sampleLead(5));
    const response = await fetch(`${fx.server.url}/leads`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-intake-signature': (await import('../src/serve/index.ts')).signIntakeBody(body, INTAKE_SECRET) },
      body: body.replace('Nombre5', 'Nombre6'),
    });
    expect(response.status).toBe(401);
    expect(listInbox(fx.db)).toHaveLength(0);
  });

  it('refuses a body over 1 MiB with 413, storing nothing', async () => {
    const big = sampleLead(6, { comentario: 'x'.repeat(MAX_BODY_BYTES) });
    const answer = await postLead(fx.server.url, big);
    expect(answer.status).toBe(413);
    expect(listInbox(fx.db)).toHaveLength(0);
    // The server still takes leads afterwards.
    expect((await postLead(fx.server.url, sampleLead(6))).status).toBe(202);
  });

  it('finishes a request in flight when closed, and then refuses connections', async () => {
    const pending = Array.from({ length: 20 }, (_, i) => postLead(fx.server.url, sampleLead(100 + i)));
    await new Promise((resolve) => setImmediate(resolve));
    const closed = fx.server.close();
    const answers = await Promise.allSettled(pending);
    await closed;
    const acknowledged = answers.filter((a) => a.status === 'fulfilled' && a.value.status === 202).length;
    expect(listInbox(fx.db)).toHaveLength(acknowledged);
    await expect(postLead(fx.server.url, sampleLead(200))).rejects.toThrow();
  });
});

describe('starting', () => {
  it('refuses to start without an intake secret, naming INTAKE_SECRET', async () => {
    await expect(startServer({ db: fx.db, config: {}, port: 0 })).rejects.toThrow(/INTAKE_SECRET/);
  });
});

describe('GET /healthz', () => {
  const statusWithin = async (want: number) => {
    // The answer comes from a probe at most HEALTH_CACHE_MS old.
    let status = 0;
    for (let i = 0; i < 100 && status !== want; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      status = (await fetch(`${fx.server.url}/healthz`)).status;
    }
    return status;
  };

  it('answers 200 while the database takes writes and 503 while another process holds the write lock, writing nothing', async () => {
    expect((await fetch(`${fx.server.url}/healthz`)).status).toBe(200);
    const other = new Database(fx.dbPath);
    other.exec('BEGIN IMMEDIATE');
    try {
      expect(await statusWithin(503)).toBe(503);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await statusWithin(200)).toBe(200);
    expect(sqliteOf(fx.db).prepare('SELECT count(*) AS n FROM webhook_events').get()).toEqual({ n: 0 });
  });
});
