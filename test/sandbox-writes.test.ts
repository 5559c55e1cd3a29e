// The sandbox's write side over real HTTP, where HighLevel's behaviour has traps (NOTES.md
// "Writing"): the duplicate lookup, duplicates refused unless the location allows them, tags in an
// update body replacing all tags, a 422 create that saved the contact anyway, and faults that
// strike after a write is committed.
import { describe, expect, it } from 'vitest';
import { authHeaders, sandboxState, useSandbox, validatingFetch, withSandbox } from './helpers/sandbox.ts';

const json = (token: string) => authHeaders(token, { 'Content-Type': 'application/json' });

describe('sandbox write side', () => {
  const sandbox = useSandbox({ locations: 4, contacts: 8, seed: 5 });

  it('seeds every fourth location to allow duplicate contacts', () => {
    expect(sandbox().store.locations().map((l) => l.allowDuplicateContact)).toEqual([false, false, false, true]);
  });

  it('GET /contacts/search/duplicate finds the contact by email or number, or answers {contact: null}', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const known = (await sandboxState(sb, loc.id)).contacts.find((c) => c.email && c.phone)!;
    const vf = validatingFetch(sb.url);
    const byEmail = await vf(`${sb.url}/contacts/search/duplicate?locationId=${loc.id}&email=${encodeURIComponent(known.email!.toUpperCase())}`, { headers: authHeaders(loc.token) });
    expect(byEmail.status).toBe(200);
    expect(((await byEmail.json()) as { contact: { id: string } }).contact.id).toBe(known.id);
    const byNumber = await vf(`${sb.url}/contacts/search/duplicate?locationId=${loc.id}&number=${encodeURIComponent(known.phone!)}`, { headers: authHeaders(loc.token) });
    expect(((await byNumber.json()) as { contact: { id: string } }).contact.id).toBe(known.id);
    const none = await vf(`${sb.url}/contacts/search/duplicate?locationId=${loc.id}&email=nobody%40example.com`, { headers: authHeaders(loc.token) });
    expect(await none.json()).toEqual({ contact: null });
    const noLocation = await vf(`${sb.url}/contacts/search/duplicate?email=nobody%40example.com`, { headers: authHeaders(loc.token) });
    expect(noLocation.status).toBe(422);
    const otherLocation = await vf(`${sb.url}/contacts/search/duplicate?locationId=${sb.locations[1]!.id}&email=x%40example.com`, { headers: authHeaders(loc.token) });
    expect(otherLocation.status).toBe(403);
    expect(vf.findings).toEqual([]);
  });

  it('refuses a duplicate create with the existing id unless the location allows duplicates', async () => {
    const sb = sandbox();
    for (const [i, allowed] of [[0, false], [3, true]] as const) {
      const loc = sb.locations[i]!;
      const known = (await sandboxState(sb, loc.id)).contacts.find((c) => c.email)!;
      const res = await fetch(`${sb.url}/contacts/`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, email: known.email }) });
      if (allowed) {
        expect(res.status).toBe(201);
      } else {
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ message: 'This location does not allow duplicated contacts.', meta: { contactId: known.id } });
      }
    }
  });

  it('tags in an update body replace all the contact\'s tags; the tags route adds', async () => {
    const sb = sandbox();
    const loc = sb.locations[1]!;
    const created = (await (await fetch(`${sb.url}/contacts/`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, email: 'tags@example.com', tags: ['a', 'b'] }) })).json()) as { contact: { id: string } };
    const id = created.contact.id;
    await fetch(`${sb.url}/contacts/${id}/tags`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ tags: ['c'] }) });
    expect(sb.store.getContact(id)!.tags).toEqual(['a', 'b', 'c']);
    await fetch(`${sb.url}/contacts/${id}`, { method: 'PUT', headers: json(loc.token), body: JSON.stringify({ tags: ['z'] }) });
    expect(sb.store.getContact(id)!.tags).toEqual(['z']);
  });

  it('a create whose custom values are refused answers 422 and has saved the contact anyway', async () => {
    const sb = sandbox();
    const loc = sb.locations[2]!;
    const res = await fetch(`${sb.url}/contacts/`, {
      method: 'POST', headers: json(loc.token),
      body: JSON.stringify({ locationId: loc.id, email: 'half.saved@example.com', customFields: [{ id: 'NoSuchField000000001', field_value: 'x' }] }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ statusCode: 422, message: [expect.stringContaining('NoSuchField000000001')] });
    const saved = (await sandboxState(sb, loc.id)).contacts.filter((c) => c.email === 'half.saved@example.com');
    expect(saved).toHaveLength(1);
    expect(saved[0]!.customFields).toEqual([]);
  });

  it('upsert matching email and phone on two contacts keeps the phone and drops the extra emails', () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const a = sb.store.createContact(loc.id, { email: 'ua@example.com', phone: '+34600000011' });
    sb.store.createContact(loc.id, { email: 'ub@example.com', phone: '+34600000012' });
    const r = sb.store.upsertContact(loc.id, { email: 'ua@example.com', phone: '+34600000012', additionalEmails: ['extra@example.com'] });
    expect(r.contact).toMatchObject({ id: a.id, phone: '+34600000011', additionalEmails: [] });
  });
});

describe('sandbox write faults', () => {
  it('a 502 on a write comes after the commit; on a read before', async () => {
    await withSandbox({ contacts: 3, faults: 1, faultKinds: ['http502'] }, async (sb) => {
      const loc = sb.locations[0]!;
      const contact = (await sandboxState(sb, loc.id)).contacts[0]!;
      const res = await fetch(`${sb.url}/contacts/${contact.id}/tasks`, {
        method: 'POST', headers: json(loc.token), body: JSON.stringify({ title: 'after 502', dueDate: '2026-12-01T00:00:00Z', completed: false }),
      });
      expect(res.status).toBe(502);
      expect((await sandboxState(sb, loc.id)).tasks.map((t) => t.title)).toContain('after 502');
      expect((await fetch(`${sb.url}/contacts/${contact.id}`, { headers: authHeaders(loc.token) })).status).toBe(502);
    });
  });
});
