// The sandbox's side of the Contacts API operations of issue 20 over real HTTP: workflows,
// campaigns, followers, appointments and the bulk routes, validated against the spec both ways
// (requests refused as HighLevel would, answers checked against spec + overlay), with the truth
// in GET /__sandbox/state.
import { describe, expect, it } from 'vitest';
import { authHeaders, sandboxState, useSandbox, validatingFetch } from './helpers/sandbox.ts';

const json = (token: string) => authHeaders(token, { 'Content-Type': 'application/json' });

describe('sandbox: workflows, campaigns, followers, appointments, bulk', () => {
  const sandbox = useSandbox({ locations: 2, contacts: 12, seed: 20 });

  it('enrols a contact in a workflow on every POST, and DELETE ends its enrolments there', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const id = (await sandboxState(sb, loc.id)).contacts[0]!.id;
    const url = `${sb.url}/contacts/${id}/workflow/wfNurture0000000001`;
    const first = await vf(url, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ eventStartTime: '2026-12-01T10:00:00+01:00' }) });
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ succeded: true });
    await vf(url, { method: 'POST', headers: json(loc.token) });
    let state = await sandboxState(sb, loc.id);
    expect(state.workflows.filter((w) => w.contactId === id).map((w) => [w.workflowId, w.eventStartTime]))
      .toEqual([['wfNurture0000000001', '2026-12-01T10:00:00+01:00'], ['wfNurture0000000001', null]]);
    const unknownProperty = await vf(url, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ startAt: 'x' }) });
    expect(unknownProperty.status).toBe(422);
    expect((await vf(url, { method: 'DELETE', headers: json(loc.token) })).status).toBe(200);
    state = await sandboxState(sb, loc.id);
    expect(state.workflows.filter((w) => w.contactId === id)).toEqual([]);
    const unknown = await vf(`${sb.url}/contacts/NoSuchContact0000000/workflow/wf1`, { method: 'POST', headers: json(loc.token) });
    expect(unknown.status).toBe(400);
    const other = sb.locations[1]!;
    const foreign = await vf(url, { method: 'POST', headers: json(other.token) });
    expect(foreign.status).toBe(403);
    expect(vf.findings).toEqual([]);
  });

  it('adds a contact to a campaign once, removes it from one or from all', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const id = (await sandboxState(sb, loc.id)).contacts[1]!.id;
    for (const campaign of ['campA', 'campB', 'campA']) {
      const res = await vf(`${sb.url}/contacts/${id}/campaigns/${campaign}`, { method: 'POST', headers: json(loc.token), body: '{}' });
      expect(res.status).toBe(201);
    }
    const campaigns = async () => (await sandboxState(sb, loc.id)).campaigns.filter((c) => c.contactId === id).map((c) => c.campaignId).sort();
    expect(await campaigns()).toEqual(['campA', 'campB']);
    expect((await vf(`${sb.url}/contacts/${id}/campaigns/campA`, { method: 'DELETE', headers: authHeaders(loc.token) })).status).toBe(200);
    expect(await campaigns()).toEqual(['campB']);
    expect((await vf(`${sb.url}/contacts/${id}/campaigns/removeAll`, { method: 'DELETE', headers: authHeaders(loc.token) })).status).toBe(200);
    expect(await campaigns()).toEqual([]);
    expect(vf.findings).toEqual([]);
  });

  it('adds and removes followers, naming those each call changed; followers is required', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const id = (await sandboxState(sb, loc.id)).contacts[2]!.id;
    const url = `${sb.url}/contacts/${id}/followers`;
    const added = await vf(url, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ followers: ['u1', 'u2'] }) });
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ followers: ['u1', 'u2'], followersAdded: ['u1', 'u2'] });
    const again = await vf(url, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ followers: ['u2', 'u3'] }) });
    expect(await again.json()).toEqual({ followers: ['u1', 'u2', 'u3'], followersAdded: ['u3'] });
    const removed = await vf(url, { method: 'DELETE', headers: json(loc.token), body: JSON.stringify({ followers: ['u1', 'u9'] }) });
    expect(await removed.json()).toEqual({ followers: ['u2', 'u3'], followersRemoved: ['u1'] });
    expect((await vf(url, { method: 'POST', headers: json(loc.token), body: '{}' })).status).toBe(422);
    expect((await sandboxState(sb, loc.id)).followers.filter((f) => f.contactId === id).map((f) => f.userId)).toEqual(['u2', 'u3']);
    expect(vf.findings).toEqual([]);
  });

  it('lists a contact\'s appointments (the same ones every time)', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const contacts = (await sandboxState(sb, loc.id)).contacts;
    let seen = 0;
    for (const c of contacts) {
      const res = await vf(`${sb.url}/contacts/${c.id}/appointments`, { headers: authHeaders(loc.token) });
      expect(res.status).toBe(200);
      const { events } = (await res.json()) as { events: Array<{ contactId: string }> };
      const again = (await (await vf(`${sb.url}/contacts/${c.id}/appointments`, { headers: authHeaders(loc.token) })).json()) as { events: unknown[] };
      expect(again.events).toEqual(events);
      for (const e of events) expect(e.contactId).toBe(c.id);
      seen += events.length;
    }
    expect(seen).toBeGreaterThan(0);
    expect(vf.findings).toEqual([]);
  });

  it('bulk tags: adds and removes on many contacts, one line per contact, errors for the ones it cannot touch', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const ids = (await sandboxState(sb, loc.id)).contacts.slice(0, 5).map((c) => c.id);
    const foreign = (await sandboxState(sb, sb.locations[1]!.id)).contacts[0]!.id;
    const body = { locationId: loc.id, contacts: [...ids, 'abcdef', foreign], tags: ['Bulk-Hot'] };
    const res = await vf(`${sb.url}/contacts/bulk/tags/update/add`, { method: 'POST', headers: json(loc.token), body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    const answer = (await res.json()) as { succeded: boolean; errorCount: number; responses: Array<{ contactId: string; type: string; message: string; tagsAdded?: string[] }> };
    expect(answer.errorCount).toBe(2);
    expect(answer.responses.map((r) => r.type)).toEqual(['success', 'success', 'success', 'success', 'success', 'error', 'error']);
    expect(answer.responses.slice(5).map((r) => r.message)).toEqual(['contact id is not a valid firebase id', 'contact does not belong to location']);
    let state = await sandboxState(sb, loc.id);
    expect(state.contacts.filter((c) => c.tags.includes('bulk-hot')).map((c) => c.id).sort()).toEqual([...ids].sort());
    const removed = await vf(`${sb.url}/contacts/bulk/tags/update/remove`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, contacts: ids.slice(0, 2), tags: ['bulk-hot'] }) });
    expect(removed.status).toBe(201);
    state = await sandboxState(sb, loc.id);
    expect(state.contacts.filter((c) => c.tags.includes('bulk-hot')).map((c) => c.id).sort()).toEqual(ids.slice(2).sort());
    // The spec's rules: a type of add or remove, locationId and tags required, removeAllTags only with remove.
    expect((await vf(`${sb.url}/contacts/bulk/tags/update/replace`, { method: 'POST', headers: json(loc.token), body: JSON.stringify(body) })).status).toBe(422);
    expect((await vf(`${sb.url}/contacts/bulk/tags/update/add`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, contacts: ids }) })).status).toBe(422);
    expect((await vf(`${sb.url}/contacts/bulk/tags/update/add`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ ...body, removeAllTags: true }) })).status).toBe(422);
    expect((await vf(`${sb.url}/contacts/bulk/tags/update/add`, { method: 'POST', headers: json(sb.locations[1]!.token), body: JSON.stringify(body) })).status).toBe(403);
    expect(vf.findings).toEqual([]);
  });

  it('bulk tags takes any number of contacts in one call (HighLevel documents no maximum)', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const ids = (await sandboxState(sb, loc.id)).contacts.map((c) => c.id);
    const many = Array.from({ length: 600 }, (_, i) => ids[i % ids.length]!);
    const res = await fetch(`${sb.url}/contacts/bulk/tags/update/add`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, contacts: many, tags: ['many'] }) });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { responses: unknown[] }).responses).toHaveLength(600);
  });

  it('bulk business links contacts to a business and a null businessId unlinks them', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const ids = (await sandboxState(sb, loc.id)).contacts.slice(6, 9).map((c) => c.id);
    const res = await vf(`${sb.url}/contacts/bulk/business`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, ids, businessId: 'biz0000000000000001' }) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ success: true, ids });
    const listed = await vf(`${sb.url}/contacts/business/biz0000000000000001?locationId=${loc.id}`, { headers: authHeaders(loc.token) });
    expect(((await listed.json()) as { contacts: Array<{ id: string }> }).contacts.map((c) => c.id).sort()).toEqual([...ids].sort());
    await vf(`${sb.url}/contacts/bulk/business`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, ids: ids.slice(0, 1), businessId: null }) });
    expect((await sandboxState(sb, loc.id)).contacts.find((c) => c.id === ids[0])!.businessId).toBeNull();
    expect((await vf(`${sb.url}/contacts/bulk/business`, { method: 'POST', headers: json(loc.token), body: JSON.stringify({ locationId: loc.id, ids }) })).status).toBe(422);
    expect(vf.findings).toEqual([]);
  });

  it('single task and note GETs answer the record, 400 when unknown', async () => {
    const sb = sandbox();
    const loc = sb.locations[0]!;
    const vf = validatingFetch(sb.url);
    const state = await sandboxState(sb, loc.id);
    const task = state.tasks[0]!;
    const note = state.notes[0]!;
    const t = await vf(`${sb.url}/contacts/${task.contactId}/tasks/${task.id}`, { headers: authHeaders(loc.token) });
    expect(((await t.json()) as { task: { id: string } }).task.id).toBe(task.id);
    const n = await vf(`${sb.url}/contacts/${note.contactId}/notes/${note.id}`, { headers: authHeaders(loc.token) });
    expect(((await n.json()) as { note: { id: string } }).note.id).toBe(note.id);
    expect((await vf(`${sb.url}/contacts/${task.contactId}/tasks/nosuchtask`, { headers: authHeaders(loc.token) })).status).toBe(400);
    expect(vf.findings).toEqual([]);
  });
});
