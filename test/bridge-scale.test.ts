// Many leads posted concurrently to `serve` (some sent twice, some the same person again with
// another comment, some malformed, some unsigned), faults on in both sandboxes, on a location
// that allows duplicate contacts (so a blind retry would show): every distinct person ends as
// exactly one HighLevel contact, linked to one LeadCars lead unless its create's outcome is
// unknown (then it waits in the outbox), and no person has two LeadCars leads.
// BRIDGE_SCALE_LEADS=1000 runs the size; `npm test` uses 200.
import pLimit from 'p-limit';
import { afterAll, expect, it } from 'vitest';
import { listInbox } from '../src/db/inbox.ts';
import { listLeadLinks } from '../src/db/lead-links.ts';
import { listOutbox } from '../src/db/outbox.ts';
import { bridgeFixture, eventually, intakeLead, serveBridge } from './helpers/bridge.ts';
import { leadsOf } from './helpers/leadcars.ts';
import { postLead } from './helpers/serve.ts';

const N = Number(process.env.BRIDGE_SCALE_LEADS ?? 200);
const cleanup: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn();
});

it(`${N} leads posted concurrently to serve end as one contact per person, each linked once (faults on)`, async () => {
  // Index 3: the sandbox seeds every fourth location to allow duplicate contacts.
  const f = await bridgeFixture({ locations: 4, locationIndex: 3, contacts: 2, faults: 0.05, bridge: { idleMs: 20, maxAttempts: 20 } });
  cleanup.push(() => f.close());
  const serve = await serveBridge(f);
  cleanup.push(() => serve.stop());

  const people = Math.floor(N * 0.6);
  const requests: Array<{ body?: unknown; raw?: string; signed: boolean; person?: number }> = [];
  for (let p = 0; p < people; p++) requests.push({ body: intakeLead(f.lc, p), signed: true, person: p });
  for (let i = 0; requests.length < N; i++) {
    const p = i % people;
    switch (i % 4) {
      case 0: requests.push({ body: intakeLead(f.lc, p), signed: true, person: p }); break; // a sender retrying
      case 1: requests.push({ body: intakeLead(f.lc, p, { comentario: `Segundo contacto ${i}` }), signed: true, person: p }); break;
      case 2: requests.push(i % 8 === 2 ? { raw: '{"nombre": "roto"', signed: true } : { body: { nombre: 'Sin', apellidos: 'Email' }, signed: true }); break;
      default: requests.push({ body: intakeLead(f.lc, 10_000 + i), signed: false }); break; // unsigned: never a contact
    }
  }
  // Shuffled deterministically so duplicates race their originals.
  const order = requests.map((r, i) => ({ r, k: (i * 7919) % requests.length })).sort((a, b) => a.k - b.k).map((x) => x.r);
  const limit = pLimit(32);
  const answers = await Promise.all(order.map((r) => limit(() => postLead(serve.url, r.body, { ...(r.raw ? { raw: r.raw } : {}), ...(r.signed ? {} : { secret: null }) }))));
  order.forEach((r, i) => {
    const status = answers[i]!.status;
    if (!r.signed) expect(status).toBe(401);
    else if (r.person === undefined) expect(status).toBe(400);
    else expect(status).toBe(202);
  });

  // Wait until nothing is left to do: no lead pending delivery, no call pending.
  await eventually(() => (listInbox(f.db, { status: 'pending' }).length === 0 && listOutbox(f.db, { status: 'pending' }).length === 0 ? true : undefined), 4_000);

  const inbox = listInbox(f.db);
  expect(inbox.filter((r) => r.status === 'failed')).toEqual([]);
  const state = await (await fetch(`${f.sandbox.url}/__sandbox/state?locationId=${f.locationId}`)).json() as { contacts: Array<{ id: string; email: string | null }> };
  const unknownContacts = new Set(listOutbox(f.db, { status: 'unknown' }).map((r) => (JSON.parse(r.payload) as { contactId: string }).contactId));
  const links = listLeadLinks(f.db);
  console.log(`bridge scale: ${people} people, ${links.length} linked, ${unknownContacts.size} waiting on an unknown create`);
  const lcLeads = await leadsOf(f.lc);
  for (let p = 0; p < people; p++) {
    const email = `persona${p}@example.es`;
    const contacts = state.contacts.filter((c) => c.email === email);
    expect(contacts, email).toHaveLength(1);
    const linked = links.filter((l) => l.contactId === contacts[0]!.id);
    expect(linked.length, email).toBe(unknownContacts.has(contacts[0]!.id) ? 0 : 1);
    expect(lcLeads.filter((l) => l.lead?.email === email).length, email).toBeLessThanOrEqual(1);
  }
  // The unsigned senders' people (persona1xxxx) never became contacts.
  expect(state.contacts.filter((c) => /^persona1\d{4}@/.test(c.email ?? ''))).toEqual([]);
  expect(new Set(links.map((l) => l.leadId)).size).toBe(links.length);
  // Every lead acknowledged is in the inbox once, delivered or waiting on its contact's unknown create.
  for (const row of inbox) expect(row.status === 'delivered' || unknownContacts.has(row.contactId ?? '')).toBe(true);
}, 300_000);
