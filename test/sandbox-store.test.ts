import { describe, expect, it } from 'vitest';
import { createSandboxStore } from '../src/sandbox/store.ts';
import { SandboxError, type SandboxStore } from '../src/sandbox/types.ts';

function smallStore(seed = 7, now?: () => number): SandboxStore {
  return createSandboxStore({ seed, locations: 2, contactsPerLocation: 300, ...(now ? { now } : {}) });
}

function thrown(fn: () => unknown): SandboxError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SandboxError) return error;
    throw error;
  }
  throw new Error('expected a SandboxError');
}

describe('sandbox store: seeding', () => {
  it('gives byte-identical state for the same seed and different data for another', () => {
    const a = JSON.stringify(smallStore(7).state());
    const b = JSON.stringify(smallStore(7).state());
    const c = JSON.stringify(smallStore(8).state());
    expect(a).toBe(b);
    expect(a).not.toBe(c);
  });

  it('seeds realistic, awkward data', () => {
    const store = smallStore();
    const [location] = store.locations();
    expect(location!.id).toMatch(/^[A-Za-z0-9]{20}$/);
    expect(location!.token).toMatch(/^pit-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(location!.allowDuplicateContact).toBe(false);

    const { contacts, tasks, notes, customFields } = store.state(location!.id);
    expect(contacts).toHaveLength(300);
    expect(tasks.length).toBeGreaterThan(0);
    expect(notes.length).toBeGreaterThan(0);
    expect(contacts.some((c) => c.email === null)).toBe(true);
    expect(contacts.some((c) => c.phone === null)).toBe(true);
    expect(contacts.filter((c) => c.phone !== null).every((c) => /^\+\d{8,15}$/.test(c.phone!))).toBe(true);
    expect(contacts.some((c) => /[áéíóúñÑ]/.test(`${c.firstName} ${c.lastName}`))).toBe(true);
    expect(contacts.every((c) => c.tags.every((tag) => tag === tag.toLowerCase()))).toBe(true);
    expect(contacts.every((c) => c.dateUpdated >= c.dateAdded)).toBe(true);
    expect(contacts.every((c) => c.contactName === null || c.contactName === c.contactName.toLowerCase())).toBe(true);
    expect(new Set(contacts.map((c) => c.dateAdded)).size).toBeLessThan(contacts.length); // ties exist

    const types = new Set(customFields.map((f) => f.dataType));
    for (const type of ['TEXT', 'LARGE_TEXT', 'NUMERICAL', 'MONETORY', 'CHECKBOX', 'SINGLE_OPTIONS', 'MULTIPLE_OPTIONS', 'DATE', 'PHONE', 'EMAIL', 'RADIO', 'TEXTBOX_LIST']) {
      expect(types.has(type as never)).toBe(true);
    }
    const names = customFields.map((f) => f.name);
    expect(new Set(names).size).toBeLessThan(names.length); // two fields share a display name
    const numeric = new Set(customFields.filter((f) => f.dataType === 'NUMERICAL' || f.dataType === 'MONETORY').map((f) => f.id));
    const values = contacts.flatMap((c) => c.customFields);
    expect(values.filter((v) => numeric.has(v.id)).every((v) => typeof v.value === 'number')).toBe(true);
    expect(values.some((v) => Array.isArray(v.value))).toBe(true);

    const businessCounts = new Map<string, number>();
    for (const c of contacts) if (c.businessId) businessCounts.set(c.businessId, (businessCounts.get(c.businessId) ?? 0) + 1);
    const shared = [...businessCounts].find(([, count]) => count > 1);
    expect(shared).toBeDefined();
    expect(store.contactsByBusiness(shared![0], { skip: 0, limit: 100 }).total).toBe(shared![1]);
  });

  it('seeds 100,000 contacts', () => {
    const started = performance.now();
    const store = createSandboxStore({ seed: 1, locations: 2, contactsPerLocation: 50_000 });
    const elapsed = Math.round(performance.now() - started);
    console.log(`seeded 100,000 contacts in ${elapsed} ms`);
    const [first] = store.locations();
    const page = store.listContactsPage(first!.id, { limit: 100 });
    expect(page.total).toBe(50_000);
    expect(page.contacts).toHaveLength(100);
    expect(page.next).toBeDefined();
  });
});

describe('sandbox store: paging', () => {
  const store = createSandboxStore({ seed: 3, locations: 1, contactsPerLocation: 1_000 });
  const locationId = store.locations()[0]!.id;

  it('lists every contact exactly once through keyset pages, across tied timestamps', () => {
    const seen: string[] = [];
    let cursor: { startAfter: number; startAfterId: string } | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const page = store.listContactsPage(locationId, { limit: 37, ...(cursor ?? {}) });
      expect(page.total).toBe(1_000);
      seen.push(...page.contacts.map((c) => c.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toHaveLength(1_000);
    expect(new Set(seen).size).toBe(1_000);
    const all = store.state(locationId).contacts;
    expect(new Set(all.map((c) => c.dateAdded)).size).toBeLessThan(1_000);
  });

  it('continues a search strictly after searchAfter and caps page numbers at 10,000 records', () => {
    const seen = new Set<string>();
    let searchAfter: Array<string | number> | undefined;
    for (let guard = 0; guard < 100; guard++) {
      const result = store.searchContacts({ locationId, pageLimit: 45, ...(searchAfter ? { searchAfter } : {}), sort: [{ field: 'dateUpdated', direction: 'asc' }] });
      for (const contact of result.contacts) {
        expect(seen.has(contact.id)).toBe(false);
        seen.add(contact.id);
      }
      if (result.contacts.length < 45) break;
      searchAfter = result.contacts[result.contacts.length - 1]!.searchAfter;
    }
    expect(seen.size).toBe(1_000);

    // Default order (dateAdded, newest first) pages the same way.
    const newestFirst: string[] = [];
    searchAfter = undefined;
    for (let guard = 0; guard < 100; guard++) {
      const result = store.searchContacts({ locationId, pageLimit: 100, ...(searchAfter ? { searchAfter } : {}) });
      newestFirst.push(...result.contacts.map((c) => c.id));
      if (result.contacts.length < 100) break;
      searchAfter = result.contacts[result.contacts.length - 1]!.searchAfter;
    }
    expect(new Set(newestFirst).size).toBe(1_000);
    expect(newestFirst).toHaveLength(1_000);
    expect(thrown(() => store.searchContacts({ locationId, pageLimit: 500, page: 21 })).status).toBe(400);
  });

  it('filters searches by tags, dates and groups', () => {
    const contacts = store.state(locationId).contacts;
    const tagged = store.searchContacts({ locationId, pageLimit: 500, filters: [{ field: 'tags', operator: 'eq', value: 'vip' }] });
    expect(tagged.total).toBe(contacts.filter((c) => c.tags.includes('vip')).length);
    expect(tagged.total).toBeGreaterThan(0);

    const median = contacts.map((c) => c.dateAdded).sort()[500]!;
    const recent = store.searchContacts({ locationId, pageLimit: 10, filters: [{ field: 'dateAdded', operator: 'range', value: { gte: median } }] });
    expect(recent.total).toBe(contacts.filter((c) => c.dateAdded >= median).length);
    // Default order: newest first.
    expect(recent.contacts[0]!.dateAdded >= recent.contacts[1]!.dateAdded).toBe(true);

    const either = store.searchContacts({
      locationId, pageLimit: 10,
      filters: [{ group: 'OR', filters: [{ field: 'email', operator: 'not_exists' }, { field: 'phone', operator: 'not_exists' }] }],
    });
    expect(either.total).toBe(contacts.filter((c) => c.email === null || c.phone === null).length);

    const spanish = contacts.find((c) => c.phone?.startsWith('+34'))!;
    const local = spanish.phone!.slice(3).replace(/(\d{3})(\d{3})(\d{3})/, '$1 $2 $3');
    const byPhone = store.searchContacts({ locationId, pageLimit: 10, filters: [{ field: 'phone', operator: 'eq', value: local }] });
    expect(byPhone.contacts.map((c) => c.id)).toContain(spanish.id);
  });
});

describe('sandbox store: HighLevel rules', () => {
  it('replaces all tags from a body, and adds/removes through the tag calls', () => {
    const store = smallStore();
    const id = store.state().contacts[0]!.id;
    expect(store.updateContact(id, { tags: ['VIP', 'Test Drive', 'vip'] }).tags).toEqual(['vip', 'test drive']);
    expect(store.addTags(id, ['Financiación'])).toEqual(['vip', 'test drive', 'financiación']);
    expect(store.removeTags(id, ['VIP'])).toEqual(['test drive', 'financiación']);
    expect(store.getContact(id)!.tags).toEqual(['test drive', 'financiación']);
  });

  it('refuses a duplicate create with the existing contact id, and upserts onto it', () => {
    const store = smallStore();
    const location = store.locations()[0]!;
    const existing = store.state(location.id).contacts.find((c) => c.email !== null && c.phone !== null)!;

    const byEmail = thrown(() => store.createContact(location.id, { firstName: 'Otro', email: existing.email!.toUpperCase() }));
    expect(byEmail.status).toBe(400);
    expect(byEmail.message).toBe('This location does not allow duplicated contacts.');
    expect(byEmail.extra).toEqual({ meta: { contactId: existing.id, matchingField: 'email' } });

    const byPhone = thrown(() => store.createContact(location.id, { firstName: 'Otro', phone: existing.phone }));
    expect((byPhone.extra.meta as { contactId: string }).contactId).toBe(existing.id);

    const upserted = store.upsertContact(location.id, { locationId: location.id, email: existing.email, firstName: 'Begoña' });
    expect(upserted.new).toBe(false);
    expect(upserted.contact.id).toBe(existing.id);
    expect(upserted.contact.contactName).toBe(`begoña ${existing.lastName ?? ''}`.trim().toLowerCase());
    expect(store.upsertContact(location.id, { email: 'nueva.persona@example.com' }).new).toBe(true);
  });

  it('moves dateUpdated on contact writes only, strictly forward even when the clock stands still', () => {
    const frozen = Date.UTC(2026, 10, 20);
    const store = smallStore(7, () => frozen);
    const contact = store.state().contacts[0]!;

    store.createTask(contact.id, { title: 'Llamar', dueDate: '2026-12-01T10:00:00Z', completed: false });
    store.createNote(contact.id, { body: 'Nota "con comillas"\ny salto' });
    expect(store.getContact(contact.id)!.dateUpdated).toBe(contact.dateUpdated);

    const first = store.updateContact(contact.id, { firstName: 'José' }).dateUpdated;
    const second = store.updateContact(contact.id, { lastName: 'Núñez' }).dateUpdated;
    expect(first > contact.dateUpdated).toBe(true);
    expect(second > first).toBe(true);
    expect(store.getContact(contact.id)!.contactName).toBe('josé núñez');

    const task = store.listTasks(contact.id).at(-1)!;
    store.completeTask(contact.id, task.id, true);
    expect(store.getContact(contact.id)!.dateUpdated).toBe(second);
  });

  it('writes custom fields by id or key and reads them back as {id, value}', () => {
    const store = smallStore();
    const location = store.locations()[0]!;
    const fields = store.customFields(location.id);
    const km = fields.find((f) => f.dataType === 'NUMERICAL')!;
    const extras = fields.find((f) => f.dataType === 'MULTIPLE_OPTIONS')!;
    const text = fields.find((f) => f.dataType === 'TEXT')!;
    const created = store.createContact(location.id, {
      firstName: 'Ñuño',
      customFields: [
        { id: km.id, field_value: '12000' },
        { key: extras.fieldKey, field_value: ['Techo solar'] },
        { key: text.fieldKey.replace('contact.', ''), field_value: '=1+1' },
      ],
    });
    expect(created.customFields).toEqual([
      { id: text.id, value: '=1+1' },
      { id: km.id, value: 12000 },
      { id: extras.id, value: ['Techo solar'] },
    ]);
    const unknown = thrown(() => store.updateContact(created.id, { customFields: [{ id: 'nope', field_value: 'x' }] }));
    expect(unknown.status).toBe(422);
  });

  it('deletes a contact with its tasks and notes; unknown ids are refused', () => {
    const store = smallStore();
    const withTask = store.state().tasks[0]!.contactId;
    store.createNote(withTask, { body: 'adiós' });
    store.deleteContact(withTask);
    const state = store.state();
    expect(state.contacts.some((c) => c.id === withTask)).toBe(false);
    expect(state.tasks.some((t) => t.contactId === withTask)).toBe(false);
    expect(state.notes.some((n) => n.contactId === withTask)).toBe(false);
    expect(store.getContact(withTask)).toBeUndefined();
    expect(thrown(() => store.updateContact(withTask, { firstName: 'x' })).message).toBe('Contact not found');
    expect(thrown(() => store.listTasks(withTask)).status).toBe(400);
    expect(thrown(() => store.createTask(store.state().contacts[0]!.id, { title: 'sin fecha' })).status).toBe(422);
  });

  it('searches tasks by contact, completion and title', () => {
    const store = smallStore();
    const location = store.locations()[0]!;
    const { tasks } = store.state(location.id);
    const contactId = tasks[0]!.contactId;
    const mine = store.searchTasks(location.id, { contactId: [contactId], skip: 0, limit: 100 });
    expect(mine.total).toBe(tasks.filter((t) => t.contactId === contactId).length);
    const open = store.searchTasks(location.id, { completed: false, skip: 0, limit: 1000 });
    expect(open.total).toBe(tasks.filter((t) => !t.completed).length);
    const firstPage = store.searchTasks(location.id, { skip: 0, limit: 10 }).tasks.map((t) => t.id);
    const secondPage = store.searchTasks(location.id, { skip: 10, limit: 10 }).tasks.map((t) => t.id);
    expect(firstPage.filter((id) => secondPage.includes(id))).toEqual([]);
  });
});

describe('sandbox store: mutate', () => {
  it('changes contacts, tasks and notes deterministically, and state reflects it', () => {
    const clock = () => Date.UTC(2026, 10, 25);
    const a = smallStore(11, clock);
    const b = smallStore(11, clock);
    const before = a.state();
    const result = a.mutate({ changes: 200, seed: 42 });
    b.mutate({ changes: 200, seed: 42 });
    expect(JSON.stringify(a.state())).toBe(JSON.stringify(b.state()));

    expect(result.applied + (result.byKind.refused ?? 0)).toBe(200);
    expect(result.byKind['contact.update']).toBeGreaterThan(0);
    expect(result.byKind['contact.create']).toBeGreaterThan(0);
    expect(result.byKind['task.create']).toBeGreaterThan(0);
    expect(result.byKind['note.create']).toBeGreaterThan(0);

    const after = a.state();
    const created = result.byKind['contact.create'] ?? 0;
    const deleted = result.byKind['contact.delete'] ?? 0;
    expect(after.contacts.length).toBe(before.contacts.length + created - deleted);
    const changed = after.contacts.filter((c) => c.dateUpdated >= new Date(clock()).toISOString());
    expect(changed.length).toBeGreaterThan(0);
    expect(JSON.stringify(after.tasks)).not.toBe(JSON.stringify(before.tasks));
    expect(JSON.stringify(after.notes)).not.toBe(JSON.stringify(before.notes));
  });

  it('limits itself to one location when asked', () => {
    const store = smallStore(11);
    const [first, second] = store.locations();
    const untouched = JSON.stringify(store.state(second!.id));
    store.mutate({ changes: 50, seed: 1, locationId: first!.id });
    expect(JSON.stringify(store.state(second!.id))).toBe(untouched);
  });
});
