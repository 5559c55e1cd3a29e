// The LeadCars sandbox over HTTP: what the manual (LeadCars_API_V2_5.pdf) requires is required
// here too, comments land in the lead's actions.data as the manual shows, state is the ground
// truth, and faults behave like the HighLevel sandbox's (a dropped write is still committed).
import { describe, expect, it } from 'vitest';
import { startSandbox } from '../src/sandbox/index.ts';
import { leadsOf, raw, useLeadcars, validLead, withLeadcars } from './helpers/leadcars.ts';

const PINNED = { create: ['id'], error: ['errors'], list: ['bare'] } as const;

describe('LeadCars sandbox: what the manual requires', () => {
  const sb = useLeadcars({ seed: 7, shapes: PINNED });

  it('refuses a call without cliente-token (401) or with a wrong one (403), storing nothing', async () => {
    const lead = validLead(sb());
    expect((await raw(sb(), 'POST', '/leads', lead, { 'Content-Type': 'application/json' })).status).toBe(401);
    expect((await raw(sb(), 'POST', '/leads', lead, { 'cliente-token': 'x'.repeat(20), 'Content-Type': 'application/json' })).status).toBe(403);
    expect(await leadsOf(sb())).toEqual([]);
  });

  it.each(['nombre', 'apellidos', 'email', 'concesionario', 'tipo_lead'])('refuses a lead without %s (p.3), storing nothing', async (field) => {
    const lead: Record<string, unknown> = { ...validLead(sb()) };
    delete lead[field];
    const answer = await raw(sb(), 'POST', '/leads', lead);
    expect(answer.status).toBe(400);
    expect((answer.body as { errors: string[] }).errors.join(' ')).toContain(`${field} es requerido`);
    expect(await leadsOf(sb())).toEqual([]);
  });

  it('refuses what the manual rules out: bad email, non-E.164 phones, unknown ids, custom keys with spaces, bad temperature, unknown fields', async () => {
    const s = sb();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ email: 'no-at-sign' }, 'email'],
      [{ telefono: '915715135' }, 'telefono'],
      [{ movil: '+34 600 11 22 33' }, 'movil'],
      [{ concesionario: 99_999 }, 'concesionario 99999 no existe'],
      [{ tipo_lead: 'web' }, 'tipo_lead debe ser numérico'],
      [{ sede: s.catalog.branches.find((b) => b.dealerId !== s.catalog.dealers[0]!.id)!.id }, 'no pertenece'],
      [{ campana: 'NOPE' }, 'campaña NOPE'],
      [{ custom: { 'modelo coche': 'Ibiza' } }, 'modelo coche'],
      [{ temperature: 'warm' }, 'temperature'],
      [{ url_origen: 'landing' }, 'url_origen'],
      [{ marca: 'Seat' }, 'marca no existe'],
      [{ estado: { id: 5, motivos: ['No contesta'] } }, 'estado.texto es requerido'],
      [{ estado: { id: 5, motivos: ['Otro'], texto: 'x' } }, 'opción no válida'],
    ];
    for (const [change, expected] of cases) {
      const answer = await raw(s, 'POST', '/leads', { ...validLead(s), ...change });
      expect(answer.status, JSON.stringify(change)).toBe(400);
      expect((answer.body as { errors: string[] }).errors.join(' '), JSON.stringify(change)).toContain(expected);
    }
    expect(await leadsOf(s)).toEqual([]);
  });

  it('accepts ids as the manual example quotes them, and a full lead shows in GET /leadinfos/{id} as on p.5-7', async () => {
    const s = sb();
    const dealer = s.catalog.dealers[0]!;
    const branch = s.catalog.branches.find((b) => b.dealerId === dealer.id)!;
    const campaign = s.catalog.campaigns.find((c) => c.dealerId === dealer.id)!;
    const created = await raw(s, 'POST', '/leads', {
      ...validLead(s), concesionario: String(dealer.id), sede: branch.id, campana: campaign.code, telefono: '+34915715135',
      movil: '+34600111222', cp: '28051', provincia: 'Madrid', comentario: null, url_origen: 'https://example.es/oferta',
      custom: { marca: 'SEAT', modelo: 'Ibiza' }, estado: { id: 5, motivos: ['No contesta'], texto: 'Tres intentos' }, temperature: 'warn',
    });
    expect(created.status).toBe(201);
    const id = (created.body as { id: number }).id;
    const info = await raw(s, 'GET', `/leadinfos/${id}`);
    expect(info.status).toBe(200);
    const lead = info.body as Record<string, any>;
    expect(Object.keys(lead)).toEqual(['id', 'planning', 'temperature', 'vehicle_text', 'lights', 'date_entry', 'date_last_action', 'dealer', 'campaign', 'status', 'type', 'user', 'lead', 'contact', 'actions']);
    expect(lead).toMatchObject({
      id, temperature: 'warn', dealer: { dealer: dealer.name, shop: branch.name }, campaign: { code: campaign.code, name: campaign.name },
      status: { name: 'Imposible contactar' }, type: { name: s.catalog.types[0]!.name },
      lead: { email: 'lucia.martin@example.es', name: 'Lucía', last_name: 'Martín Sanz', phone: '+34915715135', cellphone: '+34600111222', postal_code: '28051', region: 'Madrid' },
      contact: { data: { email: 'lucia.martin@example.es', gdpr: { gdpr1: false } } },
    });
    expect(lead.date_entry).toEqual({ date: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.000000$/), timezone_type: 3, timezone: 'Europe/Madrid' });
    expect(lead.actions.data).toEqual([{ type: 'entrada_lead', date: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0[12]:00$/), info: s.catalog.types[0]!.name }]);
    expect((await leadsOf(s)).find((l) => l.id === id)).toEqual(lead);
  });

  it('records a comment as a `comentario` action, refuses an empty one, and answers 404 for an unknown lead', async () => {
    const s = sb();
    const { id } = (await raw(s, 'POST', '/leads', validLead(s, { email: 'otro@example.es' }))).body as { id: number };
    expect((await raw(s, 'POST', `/leads/${id}/comments`, { comentario: '' })).status).toBe(400);
    expect((await raw(s, 'POST', `/leads/${id}/comments`, {})).status).toBe(400);
    expect((await raw(s, 'POST', `/leads/${id + 100_000}/comments`, { comentario: 'x' })).status).toBe(404);
    expect((await raw(s, 'POST', `/leads/${id}/comments`, { comentario: 'Tarea completada: Llamar (vence 2026-12-01)' })).status).toBe(201);
    const lead = (await leadsOf(s)).find((l) => l.id === id)!;
    expect(lead.actions.data.map((a: { type: string; info: string }) => [a.type, a.info])).toEqual([
      ['entrada_lead', s.catalog.types[0]!.name], ['comentario', 'Tarea completada: Llamar (vence 2026-12-01)'],
    ]);
  });

  it('PUT /leads/{id}/submit requires estado and the state\'s required fields (p.7-8, p.5)', async () => {
    const s = sb();
    const { id } = (await raw(s, 'POST', '/leads', validLead(s, { email: 'edit@example.es' }))).body as { id: number };
    const noState = await raw(s, 'PUT', `/leads/${id}/submit`, { temperature: 'hot' });
    expect((noState.body as { errors: string[] }).errors).toContain('El campo estado es requerido');
    expect((await raw(s, 'PUT', `/leads/${id}/submit`, { estado: { id: 5, texto: 'x' } })).status).toBe(400);
    expect((await raw(s, 'PUT', `/leads/${id}/submit`, { estado: { id: 7 }, temperature: 'hot', cp: 28001 })).status).toBe(200);
    const lead = (await leadsOf(s)).find((l) => l.id === id)!;
    expect([lead.status.name, lead.temperature, lead.lead.postal_code]).toEqual(['Venta', 'hot', '28001']);
  });

  it('PUT /gdprs/{id} requires all four consents as booleans (p.11)', async () => {
    const s = sb();
    const { id } = (await raw(s, 'POST', '/leads', validLead(s, { email: 'gdpr@example.es' }))).body as { id: number };
    const contactId = (await leadsOf(s)).find((l) => l.id === id)!.contact.data.id as number;
    expect((await raw(s, 'PUT', `/gdprs/${contactId}`, { gdpr1: true, gdpr2: false, gdpr3: false })).status).toBe(400);
    expect((await raw(s, 'PUT', `/gdprs/${contactId}`, { gdpr1: 'true', gdpr2: false, gdpr3: false, gdpr4: false })).status).toBe(400);
    expect((await raw(s, 'PUT', `/gdprs/${contactId}`, { gdpr1: true, gdpr2: false, gdpr3: true, gdpr4: false })).status).toBe(200);
    const contact = await raw(s, 'GET', `/contacts/${contactId}`);
    expect(contact.body).toMatchObject({ id: contactId, email: 'gdpr@example.es', gdpr: { gdpr1: true, gdpr2: false, gdpr3: true } });
  });
});

describe('LeadCars sandbox: seeds, faults and the HighLevel sandbox option', () => {
  it('gives the same ids and token for the same seed', async () => {
    const run = () => withLeadcars({ seed: 42, shapes: PINNED }, async (s) => {
      const a = (await raw(s, 'POST', '/leads', validLead(s))).body as { id: number };
      return { token: s.token, id: a.id };
    });
    const [first, second] = [await run(), await run()];
    expect(second).toEqual(first);
    expect(first.token).toHaveLength(20);
  });

  it('commits a create whose connection it then drops', async () => {
    await withLeadcars({ seed: 3, faults: 1, faultKinds: ['drop'], shapes: PINNED }, async (s) => {
      await expect(raw(s, 'POST', '/leads', validLead(s))).rejects.toThrow();
      const leads = await leadsOf(s);
      expect(leads).toHaveLength(1);
      expect(leads[0]!.lead.email).toBe('lucia.martin@example.es');
    });
  });

  it('answers injected 5xx without storing anything, and counts them', async () => {
    await withLeadcars({ seed: 3, faults: 1, faultKinds: ['http500', 'http502', 'http503'], shapes: PINNED }, async (s) => {
      const statuses = [];
      for (let i = 0; i < 6; i++) statuses.push((await raw(s, 'POST', '/leads', validLead(s))).status);
      expect(statuses.every((st) => st === 500 || st === 502 || st === 503)).toBe(true);
      expect(await leadsOf(s)).toEqual([]);
      const stats = (await raw(s, 'GET', '/__sandbox/stats')).body as { requests: number; faults: Record<string, number> };
      expect(stats.requests).toBe(6);
      expect(Object.values(stats.faults).reduce((a, b) => a + b, 0)).toBe(6);
    });
  });

  it('starts beside the HighLevel sandbox, sharing its seed and faults, and stops with it', async () => {
    const hl = await startSandbox({ locations: 1, contacts: 1, rateLimit: 'none', seed: 42, leadcars: { shapes: PINNED } });
    const lc = hl.leadcars!;
    expect(lc.url).not.toBe(hl.url);
    const again = await withLeadcars({ seed: 42 }, async (s) => s.token);
    expect(lc.token).toBe(again);
    expect((await raw(lc, 'POST', '/leads', validLead(lc))).status).toBe(201);
    await hl.stop();
    await expect(fetch(`${lc.url}/__sandbox/state`)).rejects.toThrow();
  });
});
