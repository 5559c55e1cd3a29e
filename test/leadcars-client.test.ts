// The LeadCars client against the LeadCars sandbox over HTTP: the round trip, every answer shape
// the contract lists, retries only where safe, creates and comments never repeated blindly,
// findComment for at-most-once comments, and the pace it keeps.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load.ts';
import {
  LeadcarsError, LeadcarsOutcomeUnknownError, LeadcarsRefusedError, leadcarsClientFromConfig,
} from '../src/leadcars/index.ts';
import { CREATE_SHAPES, ERROR_SHAPES, LIST_SHAPES } from '../src/sandbox/index.ts';
import { caught } from './helpers/caught.ts';
import { leadsOf, raw, testClient, useLeadcars, validLead, withLeadcars } from './helpers/leadcars.ts';

async function sandboxStats(sb: { url: string; token: string }) {
  return (await raw(sb, 'GET', '/__sandbox/stats')).body as { requests: number; byRoute: Record<string, number>; byStatus: Record<string, number>; maxInWindow: number };
}

describe('LeadCars client: round trip', () => {
  const sb = useLeadcars({ seed: 11 });

  it('creates a lead, reads it back, comments on it and finds the comment', async () => {
    const client = testClient(sb());
    const { id } = await client.createLead(validLead(sb(), { movil: '+34600111222', custom: { marca: 'SEAT', modelo: 'Ibiza' }, temperature: 'hot' }));
    const before = await client.getLead(id);
    expect(before).toMatchObject({
      id, temperature: 'hot', statusName: 'Sin Estado', typeName: sb().catalog.types[0]!.name,
      person: { email: 'lucia.martin@example.es', name: 'Lucía', lastName: 'Martín Sanz', cellphone: '+34600111222' },
    });
    expect(before.dateLastAction).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d/);
    expect(before.actions.map((a) => a.type)).toEqual(['entrada_lead']);

    await client.addComment(id, 'Nota: prefiere llamada por la tarde');
    const after = await client.getLead(id);
    expect(after.actions.map((a) => [a.type, a.info])).toEqual([['entrada_lead', sb().catalog.types[0]!.name], ['comentario', 'Nota: prefiere llamada por la tarde']]);
    expect(await client.findComment(id, '  Nota: prefiere llamada por la tarde ')).toMatchObject({ type: 'comentario', info: 'Nota: prefiere llamada por la tarde' });
    expect(await client.findComment(id, 'otra nota')).toBeUndefined();

    await client.editLead(id, { estado: { id: 5, motivos: ['No contesta'], texto: 'Tres intentos' } });
    expect((await client.getLead(id)).statusName).toBe('Imposible contactar');
    const contact = await client.getContact(before.contactId!);
    expect(contact).toMatchObject({ id: before.contactId, email: 'lucia.martin@example.es' });
    await client.setGdpr(before.contactId!, { gdpr1: true, gdpr2: false, gdpr3: false, gdpr4: true });
    expect((await client.getContact(before.contactId!)).gdpr).toMatchObject({ gdpr1: true, gdpr2: false });
  });

  it('refuses a lead the manual refuses with LeadcarsRefusedError carrying LeadCars\' words, not retried', async () => {
    const client = testClient(sb());
    const before = (await sandboxStats(sb())).byRoute['POST /leads'] ?? 0;
    const err = await caught(client.createLead({ ...validLead(sb()), apellidos: '' }));
    expect(err).toBeInstanceOf(LeadcarsRefusedError);
    expect((err as LeadcarsRefusedError).status).toBe(400);
    expect((err as LeadcarsRefusedError).messages.join(' ')).toContain('apellidos es requerido');
    expect((await sandboxStats(sb())).byRoute['POST /leads']).toBe(before + 1);
  });

  it('a wrong token is an auth error naming the fix, without the token; an unknown lead is not found', async () => {
    const wrong = 'W'.repeat(20);
    const err = await caught(testClient({ url: sb().url, token: wrong }).getLead(1));
    expect(err).toBeInstanceOf(LeadcarsError);
    expect(err).toMatchObject({ kind: 'auth' });
    expect((err as Error).message).toContain('LEADCARS_TOKEN');
    expect((err as Error).message).not.toContain(wrong);
    expect(await caught(testClient(sb()).getLead(1))).toMatchObject({ kind: 'not-found' });
  });
});

describe('LeadCars client: every answer shape the contract lists', () => {
  it.each([...CREATE_SHAPES])('reads the new lead id from `%s`', async (shape) => {
    await withLeadcars({ seed: 5, shapes: { create: [shape] } }, async (sb) => {
      const { id } = await testClient(sb).createLead(validLead(sb));
      expect((await leadsOf(sb)).map((l) => l.id)).toEqual([id]);
    });
  });

  it.each([...LIST_SHAPES])('reads %s lists: dealers, branches, campaigns, types; and the states map', async (shape) => {
    await withLeadcars({ seed: 5, shapes: { list: [shape] } }, async (sb) => {
      const client = testClient(sb);
      const dealer = sb.catalog.dealers[0]!;
      expect(await client.listDealers()).toEqual(sb.catalog.dealers.map((d) => ({ id: d.id, name: d.name })));
      expect(await client.listBranches(dealer.id)).toEqual(sb.catalog.branches.filter((b) => b.dealerId === dealer.id).map((b) => ({ id: b.id, name: b.name })));
      expect(await client.listCampaigns(dealer.id)).toEqual(sb.catalog.campaigns.filter((c) => c.dealerId === dealer.id).map((c) => ({ code: c.code, name: c.name })));
      expect(await client.listLeadTypes()).toEqual(sb.catalog.types.map((t) => ({ id: t.id, name: t.name, value: t.id })));
      const states = await client.listStates();
      expect(states.find((s) => s.id === 5)).toEqual({
        name: 'Imposible contactar', id: 5, group: 'negativos', fields: [
          { name: 'motivos', type: 'checkbox', title: 'Motivos', required: true, options: ['No contesta', 'Datos de contacto erróneo', 'Sin datos de contacto'] },
          { name: 'concesionario', type: 'text', title: 'Concesionario', required: false, options: [] },
          { name: 'texto', type: 'textarea', title: 'Comentario de texto', required: true, options: [] },
        ],
      });
    });
  });

  it.each([...ERROR_SHAPES])('reads the error message from `%s`', async (shape) => {
    await withLeadcars({ seed: 5, shapes: { error: [shape] } }, async (sb) => {
      const err = await caught(testClient(sb).createLead({ ...validLead(sb), email: 'not-an-email' }));
      expect(err).toBeInstanceOf(LeadcarsRefusedError);
      expect((err as LeadcarsRefusedError).messages.join(' ')).toContain('email no tiene un formato válido');
    });
  });
});

describe('LeadCars client: faults', () => {
  it('retries reads through 5xx answers and dropped connections', async () => {
    await withLeadcars({ seed: 9, faults: 0.5, faultKinds: ['http500', 'http502', 'http503', 'drop'] }, async (sb) => {
      const client = testClient(sb, { http: { timeoutMs: 5_000, retries: 12 } });
      for (let i = 0; i < 8; i++) expect((await client.listDealers()).length).toBe(sb.catalog.dealers.length);
      const stats = await sandboxStats(sb);
      expect(client.stats().retries).toBeGreaterThan(0);
      expect(stats.requests).toBe(8 + client.stats().retries);
      expect(Object.keys(stats.byStatus).some((s) => s.startsWith('5'))).toBe(true);
    });
  });

  it('never repeats a create whose connection dropped: LeadcarsOutcomeUnknownError carries what was sent', async () => {
    await withLeadcars({ seed: 4, faults: 1, faultKinds: ['drop'] }, async (sb) => {
      const lead = validLead(sb, { comentario: 'desde la web' });
      const err = await caught(testClient(sb).createLead(lead));
      expect(err).toBeInstanceOf(LeadcarsOutcomeUnknownError);
      expect((err as LeadcarsOutcomeUnknownError).sent).toEqual(lead);
      expect((await sandboxStats(sb)).byRoute['POST /leads']).toBe(1);
      expect(await leadsOf(sb)).toHaveLength(1); // it was committed: a blind retry would have made two
    });
  });

  it('never repeats a create that timed out on a slow answer, which LeadCars still commits', async () => {
    await withLeadcars({ seed: 4, faults: 1, faultKinds: ['slow'], slowMs: 300 }, async (sb) => {
      const err = await caught(testClient(sb, { http: { timeoutMs: 50, retries: 5 } }).createLead(validLead(sb)));
      expect(err).toBeInstanceOf(LeadcarsOutcomeUnknownError);
      expect((err as Error).message).toContain('no answer within 50 ms');
      for (let i = 0; i < 100 && (await leadsOf(sb)).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(await leadsOf(sb)).toHaveLength(1);
      expect((await sandboxStats(sb)).byRoute['POST /leads']).toBe(1);
    });
  });

  it('never repeats a create answered 5xx either', async () => {
    await withLeadcars({ seed: 4, faults: 1, faultKinds: ['http503'] }, async (sb) => {
      expect(await caught(testClient(sb).createLead(validLead(sb)))).toBeInstanceOf(LeadcarsOutcomeUnknownError);
      expect((await sandboxStats(sb)).byRoute['POST /leads']).toBe(1);
    });
  });

  it('with faults on, every create is sent exactly once and each lead in LeadCars is one the client created or was told is unknown', async () => {
    await withLeadcars({ seed: 21, faults: 0.3, slowMs: 20 }, async (sb) => {
      const client = testClient(sb);
      const created: number[] = [];
      const unknown: string[] = [];
      for (let i = 0; i < 12; i++) {
        const lead = validLead(sb, { email: `lead${i}@example.es` });
        try {
          created.push((await client.createLead(lead)).id);
        } catch (err) {
          expect(err).toBeInstanceOf(LeadcarsOutcomeUnknownError);
          unknown.push(lead.email);
        }
      }
      expect((await sandboxStats(sb)).byRoute['POST /leads']).toBe(12);
      expect(unknown.length).toBeGreaterThan(0);
      const leads = await leadsOf(sb);
      const emails = leads.map((l) => l.lead.email as string);
      expect(new Set(emails).size).toBe(emails.length);
      for (const id of created) expect(leads.some((l) => l.id === id)).toBe(true);
      for (const l of leads) expect(created.includes(l.id as number) || unknown.includes(l.lead.email as string)).toBe(true);
    });
  });

  it('findComment lets a caller post each comment at most once through dropped connections', async () => {
    await withLeadcars({ seed: 13, faults: 0.4, faultKinds: ['drop', 'http502'], shapes: { create: ['id'] } }, async (sb) => {
      const client = testClient(sb, { http: { timeoutMs: 5_000, retries: 12 } });
      let leadId: number | undefined;
      while (leadId === undefined) {
        try {
          leadId = (await client.createLead(validLead(sb))).id;
        } catch (err) {
          if (!(err instanceof LeadcarsOutcomeUnknownError)) throw err;
          // No lead search exists: a test can read the sandbox's state instead.
          leadId = (await leadsOf(sb))[0]?.id as number | undefined;
        }
      }
      const texts = Array.from({ length: 10 }, (_, i) => `Tarea completada: llamada ${i + 1}`);
      let unknownOutcomes = 0;
      for (const text of texts) {
        for (;;) {
          try {
            await client.addComment(leadId, text);
            break;
          } catch (err) {
            if (!(err instanceof LeadcarsOutcomeUnknownError)) throw err;
            unknownOutcomes++;
            if (await client.findComment(leadId, text)) break;
          }
        }
      }
      expect(unknownOutcomes).toBeGreaterThan(0);
      const comments = (await client.getLead(leadId)).actions.filter((a) => a.type === 'comentario').map((a) => a.info);
      expect(comments).toEqual(texts);
    });
  });

  it('honours a 429 and its Retry-After, then succeeds', async () => {
    await withLeadcars({ seed: 2, rateLimit: 2 }, async (sb) => {
      const client = testClient(sb);
      const results = await Promise.all(Array.from({ length: 4 }, () => client.listLeadTypes()));
      expect(results.every((r) => r.length === sb.catalog.types.length)).toBe(true);
      expect(client.stats().rateLimited).toBeGreaterThan(0);
      expect((await sandboxStats(sb)).byStatus['429']).toBe(client.stats().rateLimited);
    });
  });
});

describe('LeadCars client: pace', () => {
  it('never lets more than leadcars.rateLimit requests reach LeadCars within a second', async () => {
    await withLeadcars({ seed: 3 }, async (sb) => {
      const client = testClient(sb, { rateLimit: 8 });
      await Promise.all(Array.from({ length: 20 }, () => client.listDealers()));
      const stats = await sandboxStats(sb);
      expect(stats.requests).toBe(20);
      expect(stats.maxInWindow).toBeLessThanOrEqual(8);
      expect(client.stats().requests).toBe(20);
    });
  });

  it('takes base URL and token from LEADCARS_BASE_URL / LEADCARS_TOKEN and the pace from leadcars.rateLimit', async () => {
    await withLeadcars({ seed: 3 }, async (sb) => {
      const dir = mkdtempSync(join(tmpdir(), 'leadcars-config-'));
      const path = join(dir, 'ghl-etl.config.json');
      writeFileSync(path, JSON.stringify({ leadcars: { rateLimit: 3 } }));
      const config = loadConfig({ configPath: path, env: { LEADCARS_BASE_URL: sb.url, LEADCARS_TOKEN: sb.token } });
      expect(config.leadcars.rateLimit).toBe(3);
      const client = leadcarsClientFromConfig(config);
      await Promise.all(Array.from({ length: 5 }, () => client.listLeadTypes()));
      expect((await sandboxStats(sb)).maxInWindow).toBeLessThanOrEqual(3);
      expect(loadConfig({ configPath: path, env: {} }).leadcars.baseUrl).toBe('https://api.leadcars.es/api/v2');
      expect(() => leadcarsClientFromConfig(loadConfig({ configPath: path, env: {} }))).toThrowError(/LEADCARS_TOKEN/);
    });
  });
});
