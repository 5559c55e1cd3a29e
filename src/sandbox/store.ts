// The sandbox's in-memory store: HighLevel's behaviour rules over seeded data, with indexes so
// that a page costs O(log n + page), not a scan of the location.
//
// Choices where HighLevel's exact answer is unknown (documented for the HTTP layer):
// - Unknown contact ids answer 400 "Contact not found" (as live GET/PUT/DELETE do); tasks and
//   notes of an unknown contact answer the same; an unknown task or note answers 400
//   "Task not found" / "Note not found". Unknown location: 400 "Location not found".
// - Unknown custom field id/key in a body: 422 with message [`customFields.N: ...`].
// - Duplicate refusal (location with allowDuplicateContact false): 400
//   "This location does not allow duplicated contacts." with extra
//   { meta: { contactId, matchingField: 'email' | 'phone' } }, on create and on update.
// - A create whose custom field values are refused (422) still saves the contact without them
//   (NOTES.md "Writing": a create answered 422 has been seen to create the contact anyway).
// - Emails are stored trimmed and lower-cased; phones as E.164 (a number without "+" gets
//   +34 when it has 9 digits, "+" otherwise).
// - searchContacts sorts by dateAdded descending unless `sort` says otherwise; only the first
//   sort entry is used, with the id as tiebreak in the same direction. `searchAfter` is
//   [sortValue, id] (sortValue: epoch ms for dates, lower-cased text otherwise).
// - searchTasks returns tasks ordered by id (stable while tasks are edited).
// - Writes stamp times from the injected clock, strictly increasing across the store (if the
//   clock did not move, +1 ms), so a contact write always moves dateUpdated forward.

import { FIRST_NAMES_ES, LAST_NAMES_ES } from './names.ts';
import { asciiSlug, isoMs, seedSandbox, contactNameOf, type SeededSandbox } from './seed.ts';
import { applyMutations, type MutationTarget } from './mutate.ts';
import { seedQuirkyData } from './quirks.ts';
import { appointmentsOf, ContactLinks, type SandboxAppointment } from './contact-links.ts';
import { createRng, deriveSeed, type Rng } from './random.ts';
import {
  SandboxError,
  type ContactCursor, type CustomFieldValue, type SandboxContact, type SandboxCustomField,
  type SandboxLocation, type SandboxNote, type SandboxStore, type SandboxTask, type SearchFilter,
  type SearchRequest, type SeedOptions, type StoreChange, type SandboxUser, type BulkTagResult, type SandboxState,
} from './types.ts';

export const DUPLICATE_MESSAGE = 'This location does not allow duplicated contacts.';
export const SEARCH_PAGE_CAP = 10_000;

interface ContactEntry {
  contact: SandboxContact;
  addedMs: number;
  updatedMs: number;
}

interface LocationIndex {
  location: SandboxLocation;
  customFields: SandboxCustomField[];
  fieldById: Map<string, SandboxCustomField>;
  fieldByKey: Map<string, SandboxCustomField>;
  users: string[];
  /** Live contacts in keyset order (dateAdded ms, id). */
  ordered: ContactEntry[];
  byEmail: Map<string, Set<string>>;
  byPhone: Map<string, Set<string>>;
  tasks: Map<string, SandboxTask>;
  taskIdsSorted: string[] | null;
  /** Bumped on every contact write; search results are cached per version. */
  version: number;
  searchCache: Map<string, ContactEntry[]>;
  searchCacheVersion: number;
}

type SortSpec = { field: string; descending: boolean };

const STRING_FIELDS = [
  'firstName', 'lastName', 'companyName', 'address1', 'city', 'state', 'postalCode', 'country',
  'timezone', 'website', 'source', 'assignedTo', 'businessId', 'dateOfBirth',
] as const;

function contactNotFound(): SandboxError {
  return new SandboxError(400, 'Contact not found');
}

function copyContact(contact: SandboxContact): SandboxContact {
  return {
    ...contact,
    additionalEmails: [...contact.additionalEmails],
    tags: [...contact.tags],
    customFields: contact.customFields.map((field) => ({
      id: field.id,
      value: Array.isArray(field.value) ? [...field.value] : field.value,
    })),
  };
}

function compareKey(aMs: number, aId: string, bMs: number, bId: string): number {
  if (aMs !== bMs) return aMs < bMs ? -1 : 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

/** First index whose (addedMs, id) is strictly greater than the key. */
function upperBound(entries: ContactEntry[], ms: number, id: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    if (compareKey(e.addedMs, e.contact.id, ms, id) <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function normalizeEmail(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const email = value.trim().toLowerCase();
  return email === '' ? null : email;
}

export function normalizePhone(value: unknown): string | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const text = String(value).trim();
  const digits = text.replace(/\D/g, '');
  if (digits === '') return null;
  if (text.startsWith('+')) return `+${digits}`;
  if (text.startsWith('00')) return `+${digits.slice(2)}`;
  return digits.length === 9 ? `+34${digits}` : `+${digits}`;
}

/** Epoch ms from an ISO string, an epoch-ms number or a numeric string. */
function toMs(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '') {
    if (/^\d+$/.test(value.trim())) return Number(value);
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function addToIndex(index: Map<string, Set<string>>, key: string | null, id: string): void {
  if (key === null) return;
  let ids = index.get(key);
  if (!ids) index.set(key, (ids = new Set()));
  ids.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, key: string | null, id: string): void {
  if (key === null) return;
  const ids = index.get(key);
  if (!ids) return;
  ids.delete(id);
  if (ids.size === 0) index.delete(key);
}

function normalizeTags(value: unknown): string[] {
  if (!Array.isArray(value)) return [];
  const tags = new Set<string>();
  for (const tag of value) {
    if (typeof tag !== 'string') continue;
    const clean = tag.trim().toLowerCase();
    if (clean !== '') tags.add(clean);
  }
  return [...tags];
}

class InMemorySandboxStore implements SandboxStore, MutationTarget {
  readonly companyId: string;
  private readonly now: () => number;
  private lastStampMs = 0;
  private readonly byLocation = new Map<string, LocationIndex>();
  private readonly locationOrder: string[] = [];
  private readonly contacts = new Map<string, ContactEntry>();
  private readonly tasksByContact = new Map<string, Map<string, SandboxTask>>();
  private readonly notesByContact = new Map<string, Map<string, SandboxNote>>();
  private readonly byBusiness = new Map<string, Set<string>>();
  private readonly links = new ContactLinks();
  /** Deleted contacts' locations, so a bulk answer can say "contact is deleted" as live does. */
  private readonly deletedContacts = new Map<string, string>();

  private readonly idRng: Rng;
  private mutationRuns = 0;
  private readonly listeners = new Set<(change: StoreChange) => void>();

  constructor(seeded: SeededSandbox, now: () => number, seed: number) {
    this.companyId = seeded.companyId;
    this.now = now;
    this.idRng = createRng(deriveSeed(seed, 'writes'));
    for (const seededLocation of seeded.locations) {
      const index: LocationIndex = {
        location: seededLocation.location,
        customFields: seededLocation.customFields,
        fieldById: new Map(seededLocation.customFields.map((f) => [f.id, f])),
        fieldByKey: new Map(),
        users: seededLocation.users,
        ordered: [],
        byEmail: new Map(),
        byPhone: new Map(),
        tasks: new Map(),
        taskIdsSorted: null,
        version: 0,
        searchCache: new Map(),
        searchCacheVersion: 0,
      };
      for (const field of seededLocation.customFields) {
        index.fieldByKey.set(field.fieldKey, field);
        index.fieldByKey.set(field.fieldKey.replace(/^contact\./, ''), field);
      }
      this.byLocation.set(seededLocation.location.id, index);
      this.locationOrder.push(seededLocation.location.id);

      for (let position = 0; position < seededLocation.contacts.length; position++) {
        const contact = seededLocation.contacts[position]!;
        const entry: ContactEntry = { contact, addedMs: seededLocation.addedMs[position]!, updatedMs: seededLocation.updatedMs[position]! };
        this.contacts.set(contact.id, entry);
        index.ordered.push(entry);
        this.indexContact(index, contact);
        if (entry.updatedMs > this.lastStampMs) this.lastStampMs = entry.updatedMs;
      }
      index.ordered.sort((a, b) => compareKey(a.addedMs, a.contact.id, b.addedMs, b.contact.id));
      for (const task of seededLocation.tasks) {
        this.childMap(this.tasksByContact, task.contactId).set(task.id, task);
        index.tasks.set(task.id, task);
      }
      for (const note of seededLocation.notes) {
        this.childMap(this.notesByContact, note.contactId).set(note.id, note);
        const ms = Date.parse(note.dateAdded);
        if (ms > this.lastStampMs) this.lastStampMs = ms;
      }
    }
  }

  // ---- change listeners (webhook delivery) ---------------------------------------------------------

  onChange(listener: (change: StoreChange) => void): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  private changed(change: StoreChange): void {
    for (const listener of this.listeners) listener(change);
  }

  private locationOf(contactId: string): string {
    return this.contacts.get(contactId)!.contact.locationId;
  }

  // ---- clock -------------------------------------------------------------------------------

  /** A write time: the clock, but strictly after every earlier write (and `after`). */
  private stamp(after = 0): number {
    const ms = Math.max(Math.trunc(this.now()), this.lastStampMs + 1, after + 1);
    this.lastStampMs = ms;
    return ms;
  }

  // ---- indexes ------------------------------------------------------------------------------

  private childMap<T>(maps: Map<string, Map<string, T>>, contactId: string): Map<string, T> {
    let map = maps.get(contactId);
    if (!map) maps.set(contactId, (map = new Map()));
    return map;
  }

  private indexContact(index: LocationIndex, contact: SandboxContact): void {
    addToIndex(index.byEmail, contact.email, contact.id);
    addToIndex(index.byPhone, contact.phone, contact.id);
    addToIndex(this.byBusiness, contact.businessId, contact.id);
  }

  private unindexContact(index: LocationIndex, contact: SandboxContact): void {
    removeFromIndex(index.byEmail, contact.email, contact.id);
    removeFromIndex(index.byPhone, contact.phone, contact.id);
    removeFromIndex(this.byBusiness, contact.businessId, contact.id);
  }

  private requireLocation(locationId: string): LocationIndex {
    const index = this.byLocation.get(locationId);
    if (!index) throw new SandboxError(400, 'Location not found');
    return index;
  }

  private requireContact(id: string): { entry: ContactEntry; index: LocationIndex } {
    const entry = this.contacts.get(id);
    if (!entry) throw contactNotFound();
    return { entry, index: this.byLocation.get(entry.contact.locationId)! };
  }

  /** The oldest other contact holding this email/phone, for duplicate rules. */
  private firstMatch(key: string | null, byKey: Map<string, Set<string>>, exceptId?: string): ContactEntry | undefined {
    if (key === null) return undefined;
    let best: ContactEntry | undefined;
    for (const id of byKey.get(key) ?? []) {
      if (id === exceptId) continue;
      const entry = this.contacts.get(id)!;
      if (!best || compareKey(entry.addedMs, id, best.addedMs, best.contact.id) < 0) best = entry;
    }
    return best;
  }

  private refuseDuplicate(index: LocationIndex, contact: SandboxContact, exceptId?: string): void {
    if (index.location.allowDuplicateContact) return;
    const byEmail = this.firstMatch(contact.email, index.byEmail, exceptId);
    if (byEmail) throw new SandboxError(400, DUPLICATE_MESSAGE, { meta: { contactId: byEmail.contact.id, matchingField: 'email' } });
    const byPhone = this.firstMatch(contact.phone, index.byPhone, exceptId);
    if (byPhone) throw new SandboxError(400, DUPLICATE_MESSAGE, { meta: { contactId: byPhone.contact.id, matchingField: 'phone' } });
  }

  private touched(index: LocationIndex): void {
    index.version++;
  }

  // ---- body handling --------------------------------------------------------------------------

  /** Applies a create/update/upsert body to a draft (a copy); throws before anything changes. */
  private applyBody(index: LocationIndex, draft: SandboxContact, body: Record<string, unknown>): void {
    for (const key of STRING_FIELDS) {
      if (!(key in body)) continue;
      const value = body[key];
      if (typeof value === 'number') draft[key] = String(value);
      else draft[key] = typeof value === 'string' && value.trim() !== '' ? value : null;
    }
    if (typeof body.name === 'string' && !('firstName' in body) && !('lastName' in body)) {
      const name = body.name.trim();
      const space = name.indexOf(' ');
      draft.firstName = name === '' ? null : space < 0 ? name : name.slice(0, space);
      draft.lastName = space < 0 ? null : name.slice(space + 1).trim() || null;
    }
    if ('email' in body) draft.email = normalizeEmail(body.email);
    if ('phone' in body) draft.phone = normalizePhone(body.phone);
    if (typeof body.dnd === 'boolean') draft.dnd = body.dnd;
    if (body.type === 'lead' || body.type === 'customer') draft.type = body.type;
    if (Array.isArray(body.additionalEmails)) {
      draft.additionalEmails = body.additionalEmails
        .map((item) => normalizeEmail(typeof item === 'object' && item !== null ? (item as { email?: unknown }).email : item))
        .filter((email): email is string => email !== null);
    }
    if ('tags' in body) draft.tags = normalizeTags(body.tags);
    if ('customFields' in body) draft.customFields = this.mergeCustomFields(index, draft.customFields, body.customFields);
    draft.contactName = contactNameOf(draft.firstName, draft.lastName);
  }

  private mergeCustomFields(index: LocationIndex, current: SandboxContact['customFields'], input: unknown): SandboxContact['customFields'] {
    if (!Array.isArray(input)) throw new SandboxError(422, ['customFields must be an array'], { error: 'Unprocessable Entity' });
    const values = new Map(current.map((field) => [field.id, field.value]));
    input.forEach((item: unknown, position) => {
      const raw = (typeof item === 'object' && item !== null ? item : {}) as { id?: unknown; key?: unknown; field_value?: unknown; value?: unknown };
      const field = typeof raw.id === 'string' && raw.id !== ''
        ? index.fieldById.get(raw.id)
        : typeof raw.key === 'string' ? index.fieldByKey.get(raw.key) : undefined;
      if (!field) {
        const ref = typeof raw.id === 'string' && raw.id !== '' ? `id ${raw.id}` : `key ${String(raw.key)}`;
        throw new SandboxError(422, [`customFields.${position}: custom field with ${ref} does not exist`], { error: 'Unprocessable Entity' });
      }
      const value = coerceFieldValue(field, 'field_value' in raw ? raw.field_value : raw.value);
      if (value === null) values.delete(field.id);
      else values.set(field.id, value);
    });
    // Stored in definition order so the same writes always read back the same way.
    return index.customFields
      .filter((field) => values.has(field.id))
      .map((field) => ({ id: field.id, value: values.get(field.id)! }));
  }

  private commitContact(index: LocationIndex, entry: ContactEntry, next: SandboxContact): SandboxContact {
    const before = entry.contact;
    this.unindexContact(index, entry.contact);
    entry.updatedMs = this.stamp(entry.updatedMs);
    next.dateUpdated = isoMs(entry.updatedMs);
    entry.contact = next;
    this.indexContact(index, next);
    this.touched(index);
    this.changed({ kind: 'contact.update', before: copyContact(before), after: copyContact(next) });
    return copyContact(next);
  }

  // ---- locations -------------------------------------------------------------------------------

  locations(): SandboxLocation[] {
    return this.locationOrder.map((id) => ({ ...this.byLocation.get(id)!.location }));
  }

  location(id: string): SandboxLocation | undefined {
    const index = this.byLocation.get(id);
    return index ? { ...index.location } : undefined;
  }

  customFields(locationId: string): SandboxCustomField[] {
    const index = this.byLocation.get(locationId);
    if (!index) return [];
    return index.customFields.map((field) => ({ ...field, picklistOptions: [...field.picklistOptions] }));
  }

  locationUsers(locationId: string): SandboxUser[] {
    const index = this.byLocation.get(locationId);
    return index ? index.users.map((id, i) => userOf(id, i)) : [];
  }

  // ---- contacts: reads ---------------------------------------------------------------------------

  listContactsPage(locationId: string, q: { limit: number; startAfter?: number; startAfterId?: string; query?: string }):
    { contacts: SandboxContact[]; total: number; next?: ContactCursor } {
    const index = this.requireLocation(locationId);
    const limit = Math.max(1, Math.trunc(q.limit) || 1);
    const query = q.query?.trim() ?? '';
    const entries = query === '' ? index.ordered : this.cachedSearch(index, undefined, query, { field: 'dateAdded', descending: false });

    let start = 0;
    if (q.startAfter !== undefined || q.startAfterId !== undefined) {
      let ms = q.startAfter;
      if (ms === undefined && q.startAfterId !== undefined) ms = this.contacts.get(q.startAfterId)?.addedMs;
      // Without an id, resume after every contact of that millisecond.
      start = ms === undefined ? 0 : upperBound(entries, ms, q.startAfterId ?? '\uffff');
    }
    const page = entries.slice(start, start + limit);
    const result: { contacts: SandboxContact[]; total: number; next?: ContactCursor } = {
      contacts: page.map((entry) => copyContact(entry.contact)),
      total: entries.length,
    };
    const last = page[page.length - 1];
    if (last && start + limit < entries.length) result.next = { startAfter: last.addedMs, startAfterId: last.contact.id };
    return result;
  }

  searchContacts(req: SearchRequest): { contacts: Array<SandboxContact & { searchAfter: Array<string | number> }>; total: number } {
    const index = this.requireLocation(req.locationId);
    const pageLimit = Math.max(1, Math.trunc(req.pageLimit) || 1);
    const sort = resolveSort(req.sort);
    const entries = this.cachedSearch(index, req.filters, req.query?.trim() ?? '', sort);

    let start = 0;
    if (req.searchAfter !== undefined && req.searchAfter.length > 0) {
      const [value, id] = req.searchAfter;
      start = afterSearchKey(entries, sort, value, typeof id === 'string' ? id : String(id ?? ''));
    } else if (req.page !== undefined && req.page > 1) {
      const page = Math.trunc(req.page);
      if (page * pageLimit > SEARCH_PAGE_CAP) {
        throw new SandboxError(400, `Page-based pagination is limited to ${SEARCH_PAGE_CAP} records (page * pageLimit). Use searchAfter to page further.`);
      }
      start = (page - 1) * pageLimit;
    }
    return {
      contacts: entries.slice(start, start + pageLimit).map((entry) => ({
        ...copyContact(entry.contact),
        searchAfter: [sortValue(entry, sort.field), entry.contact.id],
      })),
      total: entries.length,
    };
  }

  /** Matching entries in sort order; cached until the next contact write in the location, so
   * paging through one search costs a binary search and a slice per page. */
  private cachedSearch(index: LocationIndex, filters: SearchFilter[] | undefined, query: string, sort: SortSpec): ContactEntry[] {
    if (index.searchCacheVersion !== index.version) {
      index.searchCache.clear();
      index.searchCacheVersion = index.version;
    }
    const key = JSON.stringify([filters ?? [], query, sort]);
    const cached = index.searchCache.get(key);
    if (cached) return cached;

    const predicate = compileFilters(index, filters ?? []);
    const matchesQuery = query === '' ? () => true : queryMatcher(query);
    let entries = index.ordered.filter((entry) => predicate(entry) && matchesQuery(entry.contact));
    if (!(sort.field === 'dateAdded' && !sort.descending)) {
      entries = entries.slice().sort((a, b) => compareBySort(a, b, sort));
    }
    if (index.searchCache.size >= 16) index.searchCache.delete(index.searchCache.keys().next().value!);
    index.searchCache.set(key, entries);
    return entries;
  }

  getContact(id: string): SandboxContact | undefined {
    const entry = this.contacts.get(id);
    return entry ? copyContact(entry.contact) : undefined;
  }

  contactsByBusiness(businessId: string, q: { skip: number; limit: number }): { contacts: SandboxContact[]; total: number } {
    const entries = [...(this.byBusiness.get(businessId) ?? [])]
      .map((id) => this.contacts.get(id)!)
      .sort((a, b) => compareKey(a.addedMs, a.contact.id, b.addedMs, b.contact.id));
    const skip = Math.max(0, Math.trunc(q.skip) || 0);
    return {
      contacts: entries.slice(skip, skip + Math.max(1, Math.trunc(q.limit) || 1)).map((entry) => copyContact(entry.contact)),
      total: entries.length,
    };
  }

  // ---- contacts: writes ----------------------------------------------------------------------------

  createContact(locationId: string, body: Record<string, unknown>): SandboxContact {
    const index = this.requireLocation(locationId);
    const draft = emptyContact(this.newId(), locationId);
    let refusedFields: SandboxError | undefined;
    try {
      this.applyBody(index, draft, body);
    } catch (err) {
      // NOTES.md "Writing": a create answered 422 has been seen to create the contact anyway.
      // Modelled here: the contact is saved, its custom values are refused afterwards.
      if (!(err instanceof SandboxError) || err.status !== 422 || !('customFields' in body)) throw err;
      refusedFields = err;
      const { customFields: _refused, ...rest } = body;
      this.applyBody(index, draft, rest);
    }
    this.refuseDuplicate(index, draft);
    const created = this.insertContact(index, draft);
    if (refusedFields) throw refusedFields;
    return created;
  }

  findDuplicate(locationId: string, q: { email?: string; phone?: string }): SandboxContact | undefined {
    const index = this.requireLocation(locationId);
    const match = this.firstMatch(normalizeEmail(q.email), index.byEmail) ?? this.firstMatch(normalizePhone(q.phone), index.byPhone);
    return match ? copyContact(match.contact) : undefined;
  }

  private insertContact(index: LocationIndex, draft: SandboxContact): SandboxContact {
    const ms = this.stamp();
    draft.dateAdded = isoMs(ms);
    draft.dateUpdated = draft.dateAdded;
    const entry: ContactEntry = { contact: draft, addedMs: ms, updatedMs: ms };
    this.contacts.set(draft.id, entry);
    index.ordered.splice(upperBound(index.ordered, ms, draft.id), 0, entry);
    this.indexContact(index, draft);
    this.touched(index);
    this.changed({ kind: 'contact.create', contact: copyContact(draft) });
    return copyContact(draft);
  }

  updateContact(id: string, body: Record<string, unknown>): SandboxContact {
    const { entry, index } = this.requireContact(id);
    const draft = copyContact(entry.contact);
    this.applyBody(index, draft, body);
    if (draft.email !== entry.contact.email || draft.phone !== entry.contact.phone) this.refuseDuplicate(index, draft, id);
    return this.commitContact(index, entry, draft);
  }

  upsertContact(locationId: string, body: Record<string, unknown>): { contact: SandboxContact; new: boolean } {
    const index = this.requireLocation(locationId);
    const { locationId: _ignored, ...fields } = body;
    const email = normalizeEmail(fields.email);
    const phone = normalizePhone(fields.phone);
    const byEmail = this.firstMatch(email, index.byEmail);
    const match = byEmail ?? this.firstMatch(phone, index.byPhone);
    if (!match) return { contact: this.createContact(locationId, fields), new: true };

    const draft = copyContact(match.contact);
    this.applyBody(index, draft, fields);
    // Reported live: when email and phone match two different contacts, the phone is dropped
    // rather than refused.
    if (!index.location.allowDuplicateContact && draft.phone !== match.contact.phone
      && this.firstMatch(draft.phone, index.byPhone, match.contact.id)) {
      draft.phone = match.contact.phone;
      // ... and the extra emails of the request with it.
      draft.additionalEmails = [...match.contact.additionalEmails];
    }
    if (draft.email !== match.contact.email) this.refuseDuplicate(index, draft, match.contact.id);
    return { contact: this.commitContact(index, match, draft), new: false };
  }

  deleteContact(id: string): void {
    const { entry, index } = this.requireContact(id);
    this.unindexContact(index, entry.contact);
    const position = upperBound(index.ordered, entry.addedMs, id) - 1;
    if (index.ordered[position] === entry) index.ordered.splice(position, 1);
    this.contacts.delete(id);
    const tasks = this.tasksByContact.get(id);
    if (tasks && tasks.size > 0) {
      for (const taskId of tasks.keys()) index.tasks.delete(taskId);
      index.taskIdsSorted = null;
    }
    this.tasksByContact.delete(id);
    this.notesByContact.delete(id);
    this.links.forget(id);
    this.deletedContacts.set(id, entry.contact.locationId);
    this.touched(index);
    this.changed({ kind: 'contact.delete', contact: copyContact(entry.contact) });
  }

  addTags(id: string, tags: string[]): string[] {
    const { entry, index } = this.requireContact(id);
    const draft = copyContact(entry.contact);
    draft.tags = normalizeTags([...draft.tags, ...tags]);
    return this.commitContact(index, entry, draft).tags;
  }

  removeTags(id: string, tags: string[]): string[] {
    const { entry, index } = this.requireContact(id);
    const removed = new Set(normalizeTags(tags));
    const draft = copyContact(entry.contact);
    draft.tags = draft.tags.filter((tag) => !removed.has(tag));
    return this.commitContact(index, entry, draft).tags;
  }

  // ---- workflows, campaigns, followers, appointments (src/sandbox/contact-links.ts) ----------------

  enrolInWorkflow(contactId: string, workflowId: string, eventStartTime: string | null): void {
    this.requireContact(contactId);
    this.links.enrol(contactId, workflowId, eventStartTime, this.stamp());
  }

  removeFromWorkflow(contactId: string, workflowId: string): void {
    this.requireContact(contactId);
    this.links.unenrol(contactId, workflowId);
  }

  addToCampaign(contactId: string, campaignId: string): void {
    this.requireContact(contactId);
    this.links.addToCampaign(contactId, campaignId, this.stamp());
  }

  removeFromCampaign(contactId: string, campaignId?: string): void {
    this.requireContact(contactId);
    this.links.removeFromCampaign(contactId, campaignId);
  }

  changeFollowers(contactId: string, userIds: string[], add: boolean): { followers: string[]; changed: string[] } {
    this.requireContact(contactId);
    return this.links.changeFollowers(contactId, userIds, add);
  }

  appointments(contactId: string): SandboxAppointment[] {
    const { entry, index } = this.requireContact(contactId);
    return appointmentsOf(entry.contact, index.users);
  }

  // ---- bulk (apps/contacts.json "Bulk") -----------------------------------------------------------

  bulkTags(locationId: string, type: 'add' | 'remove', contactIds: string[], tags: string[], removeAllTags: boolean): BulkTagResult[] {
    this.requireLocation(locationId);
    const wanted = normalizeTags(tags);
    return contactIds.map((contactId): BulkTagResult => {
      const problem = this.bulkProblem(locationId, contactId);
      if (problem) return { contactId, message: problem, type: 'error' };
      const { entry, index } = this.requireContact(contactId);
      const oldTags = [...entry.contact.tags];
      const next = type === 'add'
        ? normalizeTags([...oldTags, ...wanted])
        : removeAllTags ? [] : oldTags.filter((tag) => !wanted.includes(tag));
      const tagsAdded = next.filter((tag) => !oldTags.includes(tag));
      const tagsRemoved = oldTags.filter((tag) => !next.includes(tag));
      if (tagsAdded.length > 0 || tagsRemoved.length > 0) {
        const draft = copyContact(entry.contact);
        draft.tags = next;
        this.commitContact(index, entry, draft);
      }
      return { contactId, message: 'Tags updated', type: 'success', oldTags, tagsAdded, tagsRemoved };
    });
  }

  bulkBusiness(locationId: string, ids: string[], businessId: string | null): string[] {
    this.requireLocation(locationId);
    const done: string[] = [];
    for (const id of ids) {
      if (this.bulkProblem(locationId, id)) continue;
      const { entry, index } = this.requireContact(id);
      if (entry.contact.businessId !== businessId) {
        const draft = copyContact(entry.contact);
        draft.businessId = businessId;
        this.commitContact(index, entry, draft);
      }
      done.push(id);
    }
    return done;
  }

  /** Why a bulk call cannot touch this contact, in the words of the spec's example answer. */
  private bulkProblem(locationId: string, contactId: string): string | undefined {
    if (!/^[A-Za-z0-9]{20}$/.test(contactId)) return 'contact id is not a valid firebase id';
    if (this.deletedContacts.has(contactId)) return 'contact is deleted';
    const entry = this.contacts.get(contactId);
    if (!entry) return 'contact not found';
    if (entry.contact.locationId !== locationId) return 'contact does not belong to location';
    return undefined;
  }

  // ---- tasks (never touch the contact's dateUpdated) ------------------------------------------------

  listTasks(contactId: string): SandboxTask[] {
    this.requireContact(contactId);
    return [...(this.tasksByContact.get(contactId)?.values() ?? [])].map((task) => ({ ...task }));
  }

  getTask(contactId: string, taskId: string): SandboxTask | undefined {
    const task = this.tasksByContact.get(contactId)?.get(taskId);
    return task ? { ...task } : undefined;
  }

  private requireTask(contactId: string, taskId: string): { task: SandboxTask; index: LocationIndex } {
    const { index } = this.requireContact(contactId);
    const task = this.tasksByContact.get(contactId)?.get(taskId);
    if (!task) throw new SandboxError(400, 'Task not found');
    return { task, index };
  }

  createTask(contactId: string, body: Record<string, unknown>): SandboxTask {
    const { index } = this.requireContact(contactId);
    const missing = ['title', 'dueDate', 'completed'].filter((key) => body[key] === undefined || body[key] === null);
    if (missing.length > 0) {
      throw new SandboxError(422, missing.map((key) => `${key} should not be empty`), { error: 'Unprocessable Entity' });
    }
    const task: SandboxTask = {
      id: this.newId(),
      contactId,
      title: String(body.title),
      body: typeof body.body === 'string' ? body.body : null,
      assignedTo: typeof body.assignedTo === 'string' && body.assignedTo !== '' ? body.assignedTo : null,
      dueDate: normalizeDate(body.dueDate, 'dueDate'),
      completed: body.completed === true,
    };
    this.childMap(this.tasksByContact, contactId).set(task.id, task);
    index.tasks.set(task.id, task);
    index.taskIdsSorted = null;
    this.changed({ kind: 'task.create', locationId: index.location.id, task: { ...task } });
    return { ...task };
  }

  updateTask(contactId: string, taskId: string, body: Record<string, unknown>): SandboxTask {
    const { task, index } = this.requireTask(contactId, taskId);
    const before = { ...task };
    if (typeof body.title === 'string') task.title = body.title;
    if ('body' in body) task.body = typeof body.body === 'string' ? body.body : null;
    if ('assignedTo' in body) task.assignedTo = typeof body.assignedTo === 'string' && body.assignedTo !== '' ? body.assignedTo : null;
    if (body.dueDate !== undefined) task.dueDate = normalizeDate(body.dueDate, 'dueDate');
    if (typeof body.completed === 'boolean') task.completed = body.completed;
    this.changed({ kind: 'task.update', locationId: index.location.id, before, after: { ...task } });
    return { ...task };
  }

  completeTask(contactId: string, taskId: string, completed: boolean): SandboxTask {
    const { task, index } = this.requireTask(contactId, taskId);
    const before = { ...task };
    task.completed = completed;
    this.changed({ kind: 'task.update', locationId: index.location.id, before, after: { ...task } });
    return { ...task };
  }

  deleteTask(contactId: string, taskId: string): void {
    const { task, index } = this.requireTask(contactId, taskId);
    this.tasksByContact.get(contactId)!.delete(taskId);
    index.tasks.delete(taskId);
    index.taskIdsSorted = null;
    this.changed({ kind: 'task.delete', locationId: index.location.id, task: { ...task } });
  }

  searchTasks(locationId: string, q: { contactId?: string[]; completed?: boolean; assignedTo?: string[]; query?: string; skip: number; limit: number }):
    { tasks: SandboxTask[]; total: number } {
    const index = this.requireLocation(locationId);
    const contactIds = q.contactId && q.contactId.length > 0 ? new Set(q.contactId) : null;
    const assignees = q.assignedTo && q.assignedTo.length > 0 ? new Set(q.assignedTo) : null;
    const text = q.query?.trim().toLowerCase() ?? '';
    const matches: SandboxTask[] = [];
    for (const task of this.tasksInIdOrder(index, contactIds)) {
      if (contactIds && !contactIds.has(task.contactId)) continue;
      if (q.completed !== undefined && task.completed !== q.completed) continue;
      if (assignees && (task.assignedTo === null || !assignees.has(task.assignedTo))) continue;
      if (text !== '' && !task.title.toLowerCase().includes(text)) continue;
      matches.push(task);
    }
    const skip = Math.max(0, Math.trunc(q.skip) || 0);
    return { tasks: matches.slice(skip, skip + Math.max(1, Math.trunc(q.limit) || 1)).map((task) => ({ ...task })), total: matches.length };
  }

  /**
   * The location's tasks by id, or only those of `contactIds` when that is the smaller set: the
   * sync searches 50 contacts' tasks at a time, and scanning every task of the location for each
   * search made a sync quadratic in the sandbox (a fifth of its CPU at 20,000 contacts).
   */
  private tasksInIdOrder(index: LocationIndex, contactIds: Set<string> | null): Iterable<SandboxTask> {
    if (contactIds && contactIds.size < index.tasks.size) {
      const tasks: SandboxTask[] = [];
      for (const contactId of contactIds) {
        for (const task of this.tasksByContact.get(contactId)?.values() ?? []) {
          if (index.tasks.get(task.id) === task) tasks.push(task); // another location's contact has none here
        }
      }
      return tasks.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    }
    index.taskIdsSorted ??= [...index.tasks.keys()].sort();
    return index.taskIdsSorted.map((id) => index.tasks.get(id)!);
  }

  // ---- notes (never touch the contact's dateUpdated) -----------------------------------------------

  listNotes(contactId: string): SandboxNote[] {
    this.requireContact(contactId);
    return [...(this.notesByContact.get(contactId)?.values() ?? [])].map((note) => ({ ...note }));
  }

  getNote(contactId: string, noteId: string): SandboxNote | undefined {
    const note = this.notesByContact.get(contactId)?.get(noteId);
    return note ? { ...note } : undefined;
  }

  private requireNote(contactId: string, noteId: string): SandboxNote {
    this.requireContact(contactId);
    const note = this.notesByContact.get(contactId)?.get(noteId);
    if (!note) throw new SandboxError(400, 'Note not found');
    return note;
  }

  createNote(contactId: string, body: Record<string, unknown>): SandboxNote {
    this.requireContact(contactId);
    if (typeof body.body !== 'string' || body.body === '') {
      throw new SandboxError(422, ['body should not be empty'], { error: 'Unprocessable Entity' });
    }
    const note: SandboxNote = {
      id: this.newId(),
      contactId,
      body: body.body,
      userId: typeof body.userId === 'string' && body.userId !== '' ? body.userId : null,
      dateAdded: isoMs(this.stamp()),
    };
    this.childMap(this.notesByContact, contactId).set(note.id, note);
    this.changed({ kind: 'note.create', locationId: this.locationOf(contactId), note: { ...note } });
    return { ...note };
  }

  updateNote(contactId: string, noteId: string, body: Record<string, unknown>): SandboxNote {
    const note = this.requireNote(contactId, noteId);
    if (typeof body.body === 'string' && body.body !== '') note.body = body.body;
    if ('userId' in body) note.userId = typeof body.userId === 'string' && body.userId !== '' ? body.userId : null;
    this.changed({ kind: 'note.update', locationId: this.locationOf(contactId), note: { ...note } });
    return { ...note };
  }

  deleteNote(contactId: string, noteId: string): void {
    const note = this.requireNote(contactId, noteId);
    this.notesByContact.get(contactId)!.delete(noteId);
    this.changed({ kind: 'note.delete', locationId: this.locationOf(contactId), note: { ...note } });
  }

  // ---- ground truth and mutations ---------------------------------------------------------------------

  state(locationId?: string): SandboxState {
    const locationIds = locationId === undefined ? this.locationOrder : this.byLocation.has(locationId) ? [locationId] : [];
    const contacts: SandboxContact[] = [];
    const tasks: SandboxTask[] = [];
    const notes: SandboxNote[] = [];
    const customFields: SandboxCustomField[] = [];
    const byId = (a: { id: string }, b: { id: string }) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
    for (const id of locationIds) {
      const index = this.byLocation.get(id)!;
      customFields.push(...this.customFields(id));
      for (const entry of index.ordered) {
        contacts.push(copyContact(entry.contact));
        for (const task of this.tasksByContact.get(entry.contact.id)?.values() ?? []) tasks.push({ ...task });
        for (const note of this.notesByContact.get(entry.contact.id)?.values() ?? []) notes.push({ ...note });
      }
    }
    contacts.sort(byId);
    tasks.sort(byId);
    notes.sort(byId);
    return { contacts, tasks, notes, customFields, ...this.links.state(contacts.map((c) => c.id)) };
  }

  mutate(opts: { changes: number; seed: number; locationId?: string }): { applied: number; byKind: Record<string, number> } {
    if (opts.locationId !== undefined) this.requireLocation(opts.locationId);
    // Each run gets its own number so that repeating a seed still creates fresh emails.
    this.mutationRuns++;
    return applyMutations(this, { ...opts, run: this.mutationRuns });
  }

  // ---- what mutate needs beyond the HTTP surface ---------------------------------------------------------

  locationIds(): string[] {
    return [...this.locationOrder];
  }

  contactCount(locationId: string): number {
    return this.byLocation.get(locationId)?.ordered.length ?? 0;
  }

  contactIdAt(locationId: string, position: number): string | undefined {
    return this.byLocation.get(locationId)?.ordered[position]?.contact.id;
  }

  users(locationId: string): string[] {
    return [...(this.byLocation.get(locationId)?.users ?? [])];
  }

  /** Ids for new objects: 20 alphanumerics from their own stream, deterministic in the order
   * of writes. */
  private newId(): string {
    const id = this.idRng.id();
    return this.contacts.has(id) ? this.newId() : id;
  }
}

function emptyContact(id: string, locationId: string): SandboxContact {
  return {
    id, locationId, firstName: null, lastName: null, contactName: null, companyName: null,
    email: null, phone: null, additionalEmails: [], businessId: null, source: null, type: 'lead',
    assignedTo: null, dnd: false, address1: null, city: null, state: null, postalCode: null,
    country: null, timezone: null, website: null, dateOfBirth: null, dateAdded: '', dateUpdated: '',
    tags: [], customFields: [],
  };
}

function normalizeDate(value: unknown, name: string): string {
  const ms = toMs(value);
  if (ms === null) throw new SandboxError(422, [`${name} must be a valid ISO 8601 date string`], { error: 'Unprocessable Entity' });
  return isoMs(ms);
}

/** Custom field values as HighLevel reads them back; null means "clear the value". */
function coerceFieldValue(field: SandboxCustomField, value: unknown): CustomFieldValue | null {
  if (value === null || value === undefined || value === '') return null;
  switch (field.dataType) {
    case 'NUMERICAL':
    case 'MONETORY': {
      const number = typeof value === 'number' ? value : Number(String(value).replace(',', '.'));
      if (!Number.isFinite(number)) throw new SandboxError(422, [`customFields: ${field.fieldKey} must be a number`], { error: 'Unprocessable Entity' });
      return number;
    }
    case 'CHECKBOX':
    case 'MULTIPLE_OPTIONS': {
      const list = (Array.isArray(value) ? value : [value]).map(String).filter((item) => item !== '');
      return list.length === 0 ? null : list;
    }
    default:
      return Array.isArray(value) ? value.map(String).join(', ') : String(value);
  }
}

function resolveSort(sort: SearchRequest['sort']): SortSpec {
  const first = sort?.[0];
  if (!first) return { field: 'dateAdded', descending: true };
  return { field: first.field, descending: first.direction === 'desc' };
}

function sortValue(entry: ContactEntry, field: string): string | number {
  if (field === 'dateAdded') return entry.addedMs;
  if (field === 'dateUpdated') return entry.updatedMs;
  const value = (entry.contact as unknown as Record<string, unknown>)[field];
  return typeof value === 'number' ? value : typeof value === 'string' ? value.toLowerCase() : '';
}

function compareValues(a: string | number, b: string | number): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

function compareBySort(a: ContactEntry, b: ContactEntry, sort: SortSpec): number {
  let order = compareValues(sortValue(a, sort.field), sortValue(b, sort.field));
  if (order === 0) order = a.contact.id < b.contact.id ? -1 : a.contact.id > b.contact.id ? 1 : 0;
  return sort.descending ? -order : order;
}

/** First position strictly after [value, id] in the sorted results. */
function afterSearchKey(entries: ContactEntry[], sort: SortSpec, rawValue: unknown, id: string): number {
  const isDate = sort.field === 'dateAdded' || sort.field === 'dateUpdated';
  const value: string | number = isDate ? (toMs(rawValue) ?? 0) : typeof rawValue === 'number' ? rawValue : String(rawValue ?? '');
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const e = entries[mid]!;
    let order = compareValues(sortValue(e, sort.field), value);
    if (order === 0) order = e.contact.id < id ? -1 : e.contact.id > id ? 1 : 0;
    if (sort.descending) order = -order;
    if (order <= 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function queryMatcher(query: string): (contact: SandboxContact) => boolean {
  const text = query.toLowerCase();
  const queryDigits = query.replace(/\D/g, '');
  return (contact) =>
    (contact.contactName?.includes(text) ?? false)
    || (contact.email?.includes(text) ?? false)
    || (contact.companyName?.toLowerCase().includes(text) ?? false)
    || (queryDigits.length >= 3 && (contact.phone?.includes(queryDigits) ?? false));
}

// ---- search filters ----------------------------------------------------------------------------------

type FieldValue = string | number | boolean | string[] | null;
type Accessor = (entry: ContactEntry) => FieldValue;

function invalidFilter(message: string): SandboxError {
  return new SandboxError(422, [message], { error: 'Unprocessable Entity' });
}

/** Field names HighLevel's search accepts that are spelled differently on the contact. */
const FIELD_ALIASES: Record<string, string> = {
  firstNameLowerCase: 'firstName',
  lastNameLowerCase: 'lastName',
  fullNameLowerCase: 'contactName',
  companyNameLowerCase: 'companyName',
  contactId: 'id',
};

function accessorFor(index: LocationIndex, requested: string): { get: Accessor; isDate: boolean } {
  const field = FIELD_ALIASES[requested] ?? requested;
  if (field === 'dateAdded') return { get: (e) => e.addedMs, isDate: true };
  if (field === 'dateUpdated') return { get: (e) => e.updatedMs, isDate: true };
  if (field === 'dateOfBirth') return { get: (e) => toMs(e.contact.dateOfBirth), isDate: true };
  const custom = /^customFields?\.(.+)$/.exec(field);
  const definition = custom ? (index.fieldById.get(custom[1]!) ?? index.fieldByKey.get(custom[1]!)) : index.fieldByKey.get(field);
  if (definition) {
    return {
      get: (e) => e.contact.customFields.find((value) => value.id === definition.id)?.value ?? null,
      isDate: definition.dataType === 'DATE',
    };
  }
  const sample = emptyContact('', '') as unknown as Record<string, unknown>;
  if (!(field in sample) || field === 'customFields') throw invalidFilter(`filters: field ${field} is not supported`);
  return { get: (e) => (e.contact as unknown as Record<string, FieldValue>)[field] ?? null, isDate: false };
}

function scalarEquals(actual: string | number | boolean, expected: unknown, isDate: boolean): boolean {
  if (isDate) return toMs(actual) === toMs(expected);
  if (typeof actual === 'boolean') return actual === (expected === true || expected === 'true');
  if (typeof actual === 'number') return actual === Number(expected);
  return actual.toLowerCase() === String(expected).toLowerCase();
}

function valueEquals(actual: FieldValue, expected: unknown, isDate: boolean): boolean {
  if (actual === null) return expected === null || expected === '';
  const candidates = Array.isArray(expected) ? expected : [expected];
  const values = Array.isArray(actual) ? actual : [actual];
  return candidates.some((candidate) => values.some((value) => scalarEquals(value, candidate, isDate)));
}

function valueContains(actual: FieldValue, expected: unknown): boolean {
  if (actual === null) return false;
  const needle = String(expected).toLowerCase();
  const values = Array.isArray(actual) ? actual : [actual];
  return values.some((value) => String(value).toLowerCase().includes(needle));
}

function valueExists(actual: FieldValue): boolean {
  return actual !== null && actual !== '' && !(Array.isArray(actual) && actual.length === 0);
}

function compileFilters(index: LocationIndex, filters: SearchFilter[]): (entry: ContactEntry) => boolean {
  const compiled = filters.map((filter) => compileFilter(index, filter));
  return (entry) => compiled.every((predicate) => predicate(entry));
}

function compileFilter(index: LocationIndex, filter: SearchFilter): (entry: ContactEntry) => boolean {
  if (filter.group !== undefined || filter.filters !== undefined) {
    const parts = (filter.filters ?? []).map((inner) => compileFilter(index, inner));
    if (filter.group === 'OR') return (entry) => parts.some((predicate) => predicate(entry));
    return (entry) => parts.every((predicate) => predicate(entry));
  }
  if (typeof filter.field !== 'string' || filter.field === '') throw invalidFilter('filters: field must be a string');
  const { get, isDate } = accessorFor(index, filter.field);
  // Phones are stored as E.164; compare like with like whatever spelling the filter uses.
  const expected = filter.field === 'phone' && (filter.operator === 'eq' || filter.operator === 'not_eq')
    ? (Array.isArray(filter.value) ? filter.value.map(normalizePhone) : normalizePhone(filter.value))
    : filter.value;
  switch (filter.operator) {
    case 'eq': return (entry) => valueEquals(get(entry), expected, isDate);
    case 'not_eq': return (entry) => !valueEquals(get(entry), expected, isDate);
    case 'contains': return (entry) => valueContains(get(entry), expected);
    case 'not_contains': return (entry) => !valueContains(get(entry), expected);
    case 'exists': return (entry) => valueExists(get(entry));
    case 'not_exists': return (entry) => !valueExists(get(entry));
    case 'range': {
      if (typeof expected !== 'object' || expected === null) throw invalidFilter(`filters: range on ${filter.field} needs {gte|gt|lte|lt}`);
      const bounds = expected as Record<string, unknown>;
      const parse = (bound: unknown): number | null => (bound === undefined ? null : isDate ? toMs(bound) : Number(bound));
      const gte = parse(bounds.gte);
      const gt = parse(bounds.gt);
      const lte = parse(bounds.lte);
      const lt = parse(bounds.lt);
      return (entry) => {
        const raw = get(entry);
        const actual = isDate ? toMs(raw) : typeof raw === 'number' ? raw : raw === null ? null : Number(raw);
        if (actual === null || Number.isNaN(actual)) return false;
        return (gte === null || actual >= gte) && (gt === null || actual > gt)
          && (lte === null || actual <= lte) && (lt === null || actual < lt);
      };
    }
    default:
      throw invalidFilter(`filters: operator ${String(filter.operator)} is not supported`);
  }
}

/** The sandbox's store, seeded deterministically from `opts.seed`. `anchorMs` (optional) is
 * the end of the seeded history; it defaults to a fixed date so the data never depends on
 * the day the sandbox starts. */
export function createSandboxStore(opts: SeedOptions & { anchorMs?: number }): SandboxStore {
  const seeded = seedSandbox(opts);
  return new InMemorySandboxStore(opts.quirks ? seedQuirkyData(seeded, opts.seed) : seeded, opts.now ?? Date.now, opts.seed);
}

/**
 * A user's name and email follow from their id (hashed), not from the seed's random stream, so
 * adding users to the sandbox changed none of the seeded contacts, tasks or notes.
 */
function userOf(id: string, position: number): SandboxUser {
  const h = deriveSeed(0, 'user', id);
  const firstName = FIRST_NAMES_ES[h % FIRST_NAMES_ES.length]!;
  const lastName = LAST_NAMES_ES[(h >>> 8) % LAST_NAMES_ES.length]!;
  const email = `${asciiSlug(`${firstName} ${lastName}`)}@concesionario.example`;
  return { id, name: `${firstName} ${lastName}`, firstName, lastName, email, roles: { type: 'account', role: position === 0 ? 'admin' : 'user' } };
}
