// The LeadCars bridge over HTTP against both sandboxes: leads become linked contacts, task and
// note changes become exactly one comment each, a create with an unknown outcome is never
// repeated and waits for `leads link`.
import { afterEach, describe, expect, it } from 'vitest';
import { deliverInbox, drainOutbox, importLeads, linkLead } from '../src/bridge/index.ts';
import { getInboxLead, insertInboxLead } from '../src/db/inbox.ts';
import { linksOfContact, listLeadLinks } from '../src/db/lead-links.ts';
import { listOutbox } from '../src/db/outbox.ts';
import { startLeadcarsSandbox } from '../src/sandbox/index.ts';
import { bridgeFixture, intakeLead, type BridgeFixture } from './helpers/bridge.ts';
import { leadsOf, testClient } from './helpers/leadcars.ts';

let fixture: BridgeFixture | undefined;
afterEach(async () => {
  await fixture?.close();
  fixture = undefined;
});

/** One lead imported and delivered: its contact id and LeadCars lead id. */
async function importedContact(f: BridgeFixture, n = 1) {
  const imported = await importLeads(f.db, [intakeLead(f.lc, n, { comentario: 'Quiere probar el coche' })]);
  await deliverInbox(f.ctx);
  await drainOutbox(f.ctx);
  const row = getInboxLead(f.db, imported.inboxIds[0]!)!;
  return { contactId: row.contactId!, leadId: row.leadId!, row };
}

describe('bridge: leads in', () => {
  it('leads import creates a HighLevel contact per person, creates each lead in LeadCars and links them', async () => {
    const f = (fixture = await bridgeFixture({ faults: 0.1 }));
    const records = [intakeLead(f.lc, 1), intakeLead(f.lc, 2, { comentario: 'Llamar por la tarde' }), intakeLead(f.lc, 1), { nombre: 'Sin email' }];
    const summary = await importLeads(f.db, records);
    expect(summary).toMatchObject({ read: 4, accepted: 2, duplicates: 1 });
    expect(summary.invalid.map((i) => i.record)).toEqual([4]);
    await deliverInbox(f.ctx);
    await drainOutbox(f.ctx);

    const state = await (await fetch(`${f.sandbox.url}/__sandbox/state?locationId=${f.locationId}`)).json() as { contacts: any[]; notes: any[] };
    for (const n of [1, 2]) {
      const contacts = state.contacts.filter((c) => c.email === `persona${n}@example.es`);
      expect(contacts).toHaveLength(1);
      expect(contacts[0].firstName).toBe(`Nombre${n}`);
      expect(contacts[0].phone).toBe(`+3491555000${n}`);
      expect(contacts[0].tags).toContain('campana:liquidacion_vn_nov');
      const links = linksOfContact(f.db, contacts[0].id);
      expect(links).toHaveLength(1);
      const lead = (await leadsOf(f.lc)).find((l) => String(l.id) === links[0]!.leadId)!;
      expect(lead.lead.email).toBe(`persona${n}@example.es`);
    }
    expect(await leadsOf(f.lc)).toHaveLength(2);
    // The comment became a note on the contact, and is not echoed back to LeadCars.
    expect(state.notes.map((n) => n.body)).toContain('Llamar por la tarde');
    await f.sync();
    for (const link of listLeadLinks(f.db)) expect(await f.comments(link.leadId)).toEqual([]);
  });

  it('a lead that carries id_lead is linked to it, and no lead is created', async () => {
    const f = (fixture = await bridgeFixture());
    const existing = await f.leadcars.createLead({ nombre: 'Ana', apellidos: 'Ruiz', email: 'ana@example.es', concesionario: f.lc.catalog.dealers[0]!.id, tipo_lead: f.lc.catalog.types[0]!.id });
    await importLeads(f.db, [intakeLead(f.lc, 5, { id_lead: existing.id })]);
    const delivered = await deliverInbox(f.ctx);
    expect(delivered.delivered).toBe(1);
    expect(listLeadLinks(f.db).map((l) => l.leadId)).toEqual([String(existing.id)]);
    expect(await leadsOf(f.lc)).toHaveLength(1);
  });

  it('a LeadCars create with an unknown outcome is not repeated; it waits in the outbox until `leads link`', async () => {
    const f = (fixture = await bridgeFixture());
    // A LeadCars whose every answer is lost after the write is committed.
    const lossy = await startLeadcarsSandbox({ faults: 1, faultKinds: ['drop'], token: f.lc.token });
    try {
      const client = testClient(lossy);
      const ctx = { ...f.ctx, leadcars: () => client };
      const imported = await importLeads(f.db, [intakeLead(lossy, 9)]);
      await deliverInbox(ctx);
      await drainOutbox(ctx);
      await drainOutbox(ctx);
      expect(lossy.state().leads).toHaveLength(1);
      const waiting = listOutbox(f.db, { status: 'unknown' });
      expect(waiting).toHaveLength(1);
      expect(waiting[0]!.kind).toBe('leadcars.createLead');
      expect(waiting[0]!.lastError).toMatch(/leads link/);
      const row = getInboxLead(f.db, imported.inboxIds[0]!)!;
      expect(row.status).toBe('waiting');

      const leadId = String(lossy.state().leads[0]!.id);
      const linked = await linkLead(f.db, row.contactId!, leadId);
      expect(linked).toMatchObject({ created: true, resolvedOutboxId: waiting[0]!.id, deliveredLeads: 1 });
      expect(listOutbox(f.db, { status: 'unknown' })).toHaveLength(0);
      expect(getInboxLead(f.db, row.id)).toMatchObject({ status: 'delivered', leadId });
      await drainOutbox(ctx);
      expect(lossy.state().leads).toHaveLength(1);
    } finally {
      await lossy.close();
    }
  });
});

describe('bridge: stored leads are validated again at delivery', () => {
  it('an inbox row that is not a valid lead fails, named, and nothing reaches HighLevel or LeadCars', async () => {
    const f = (fixture = await bridgeFixture());
    const before = (await (await fetch(`${f.sandbox.url}/__sandbox/state?locationId=${f.locationId}`)).json() as { contacts: unknown[] }).contacts.length;
    const bad = insertInboxLead(f.db, { dedupeKey: 'hand-written', payload: JSON.stringify({ nombre: 'Sin email', apellidos: 'X', concesionario: 1, tipo_lead: 1 }), leadId: null });
    const notJson = insertInboxLead(f.db, { dedupeKey: 'cut-short', payload: '{"nombre": "Ana', leadId: null });
    expect(await deliverInbox(f.ctx)).toMatchObject({ delivered: 0, failed: 2 });
    expect(getInboxLead(f.db, bad.id)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^the stored lead is not valid: email: /) });
    expect(getInboxLead(f.db, notJson.id)).toMatchObject({ status: 'failed', lastError: expect.stringMatching(/^the stored lead is not JSON/) });
    const after = (await (await fetch(`${f.sandbox.url}/__sandbox/state?locationId=${f.locationId}`)).json() as { contacts: unknown[] }).contacts.length;
    expect(after).toBe(before);
    expect(await leadsOf(f.lc)).toEqual([]);
  });
});

describe('bridge: changes out (sync path)', () => {
  it('completing a task yields exactly one completion comment; creating it one creation comment', async () => {
    const f = (fixture = await bridgeFixture({ faults: 0.1 }));
    const { contactId, leadId } = await importedContact(f);
    await f.sync();
    expect(await f.comments(leadId)).toEqual([]);

    // Changed in HighLevel directly (not through our operations): only the sync can see it.
    const task = await f.ghl.createTask(f.locationId, contactId, { title: 'Llamar al cliente', dueDate: '2026-12-01T10:00:00.000Z', completed: false });
    await f.sync();
    expect(await f.comments(leadId)).toEqual(['Tarea creada: Llamar al cliente (vence 2026-12-01 10:00 UTC)']);

    await f.ghl.completeTask(f.locationId, contactId, task.id);
    await f.sync();
    await f.sync();
    expect(await f.comments(leadId)).toEqual([
      'Tarea creada: Llamar al cliente (vence 2026-12-01 10:00 UTC)',
      'Tarea completada: Llamar al cliente (vence 2026-12-01 10:00 UTC)',
    ]);
  });

  it('a task first seen already completed gets the completion comment only; a new note one comment; an edit one more', async () => {
    const f = (fixture = await bridgeFixture());
    const { contactId, leadId } = await importedContact(f);
    const task = await f.ghl.createTask(f.locationId, contactId, { title: 'Enviar oferta', dueDate: '2026-12-02T09:30:00.000Z', completed: false });
    await f.ghl.completeTask(f.locationId, contactId, task.id);
    const note = await f.ghl.createNote(f.locationId, contactId, { body: 'Prefiere diésel' });
    await f.sync();
    expect(await f.comments(leadId)).toEqual(['Tarea completada: Enviar oferta (vence 2026-12-02 09:30 UTC)', 'Nota: Prefiere diésel']);
    await f.ghl.updateNote(f.locationId, contactId, note.id, { body: 'Prefiere híbrido' });
    await f.sync();
    await f.sync();
    expect((await f.comments(leadId)).slice(2)).toEqual(['Nota editada: Prefiere híbrido']);
  });
});

describe('bridge: lead status back (polling)', () => {
  it('after a sync, a linked lead\'s status and temperature land on its contact as tags, the old ones removed', async () => {
    const f = (fixture = await bridgeFixture({ faults: 0.1 }));
    const { contactId, leadId } = await importedContact(f);
    const tagsOf = async () => {
      const state = await (await fetch(`${f.sandbox.url}/__sandbox/state?locationId=${f.locationId}`)).json() as { contacts: Array<{ id: string; tags: string[] }> };
      return state.contacts.find((c) => c.id === contactId)!.tags.filter((t) => t.startsWith('leadcars:')).sort();
    };
    await f.sync();
    expect(await tagsOf()).toEqual(['leadcars:sin-estado']);

    await f.leadcars.editLead(Number(leadId), { estado: { id: 2, texto: 'Viene el jueves' }, temperature: 'hot' });
    const after = await f.sync();
    expect(after.poll).toMatchObject({ polled: 1, changed: 1 });
    expect(await tagsOf()).toEqual(['leadcars:cita-concertada', 'leadcars:hot']);
    // Nothing moved: nothing written.
    expect((await f.sync()).poll).toMatchObject({ polled: 1, changed: 0 });
  });
});

