// Contacts: listing (GET /contacts/ keyset and POST /contacts/search), reads and writes.
// Shapes come from the generated API types (spec + overlay); nothing here re-describes them.
import type * as Api from '../highlevel-api/api-types.ts';
import { UnexpectedAnswerError, type GhlOperation } from './errors.ts';
import { CONTACT_NEEDS, listOf, oneOf } from './answers.ts';
import { followCursor } from './paging.ts';
import type { Transport } from './transport.ts';

/** GET /contacts/'s keyset cursor: the last contact's dateAdded (epoch ms) and id. */
export interface ContactCursor {
  startAfter: number;
  startAfterId: string;
}

export interface ContactPage {
  contacts: Api.Contact[];
  total: number;
  /** Absent on the last page. */
  next?: ContactCursor;
}

export interface ContactPageQuery {
  limit: number;
  startAfter?: number;
  startAfterId?: string;
  query?: string;
}

export interface SearchContactPage {
  contacts: Api.ContactSearchHit[];
  total: number;
  /** Pass back as `searchAfter` for the next page; absent on the last page. */
  searchAfter?: Array<string | number>;
}

export interface BusinessContactsPage {
  contacts: Api.Contact[];
  total: number;
}

/** The upsert body (`createNewIfDuplicateAllowed` is optional: the generator keeps defaulted properties optional). */
export type UpsertContactInput = Api.UpsertContactBody;

const enc = encodeURIComponent;

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function numberOr(v: unknown, fallback: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : fallback;
}

/** Tags as a list whatever HighLevel sent (a lone string is one tag, null none). */
function stringList(v: unknown): string[] {
  if (Array.isArray(v)) return v.filter((t): t is string => typeof t === 'string');
  return typeof v === 'string' && v !== '' ? [v] : [];
}

/**
 * The keyset position of a contact (its dateAdded in epoch ms and its id), for pages that come
 * without a cursor. A contact without a readable dateAdded leaves nowhere to continue from: the
 * listing cannot be finished, so it is refused rather than cut short.
 */
function cursorAfter(contact: Api.Contact): ContactCursor {
  const at = Date.parse(String(contact.dateAdded ?? ''));
  if (Number.isNaN(at)) {
    throw new UnexpectedAnswerError('GET /contacts/', ['a full page came without a paging cursor and its last contact has no dateAdded to continue from'], {
      operation: { name: 'fetchContactPage', method: 'GET', path: '/contacts/', locationId: contact.locationId ?? '' },
    });
  }
  return { startAfter: at, startAfterId: contact.id };
}

export function contactsApi(t: Transport) {
  async function fetchContactPage(locationId: string, q: ContactPageQuery): Promise<ContactPage> {
    const res = await t.request<Api.ContactsListResponse>({
      name: 'fetchContactPage', method: 'GET', path: '/contacts/', locationId,
      query: { locationId, limit: q.limit, startAfter: q.startAfter, startAfterId: q.startAfterId, query: q.query },
      needs: listOf('contacts', CONTACT_NEEDS),
    });
    const contacts = res.contacts;
    const meta = isObject(res.meta) ? res.meta : undefined;
    const page: ContactPage = { contacts, total: numberOr(meta?.total, numberOr(res.count, contacts.length)) };
    // NOTES.md: page until a short page or no cursor. Live HighLevel leaves `meta` out of some
    // pages: a full page then continues from its last contact (dateAdded in ms and id), which is
    // what meta's cursor holds anyway.
    if (contacts.length >= q.limit) {
      if (meta && typeof meta.startAfter === 'number' && typeof meta.startAfterId === 'string') {
        page.next = { startAfter: meta.startAfter, startAfterId: meta.startAfterId };
      } else if (!meta || meta.startAfterId === undefined) {
        page.next = cursorAfter(contacts[contacts.length - 1]!);
      }
    }
    return page;
  }

  async function searchContactPage(body: Api.ContactSearchBody): Promise<SearchContactPage> {
    const res = await t.request<Api.ContactSearchResponse>({
      name: 'searchContactPage', method: 'POST', path: '/contacts/search', locationId: body.locationId, body, idempotent: true,
      needs: listOf('contacts', CONTACT_NEEDS),
    });
    const contacts = res.contacts;
    const page: SearchContactPage = { contacts, total: numberOr(res.total, contacts.length) };
    const last = contacts[contacts.length - 1];
    if (contacts.length >= body.pageLimit && last) {
      // A hit without its cursor continues from its own position, as the listing does.
      if (Array.isArray(last.searchAfter) && last.searchAfter.length > 0) page.searchAfter = last.searchAfter;
      else {
        const at = cursorAfter(last);
        page.searchAfter = [at.startAfter, at.startAfterId];
      }
    }
    return page;
  }

  async function getContact(locationId: string, contactId: string): Promise<Api.Contact> {
    const res = await t.request<Api.GetContactResponse>({ name: 'getContact', method: 'GET', path: `/contacts/${enc(contactId)}`, locationId, needs: oneOf('contact', CONTACT_NEEDS) });
    return res.contact;
  }

  /** Not idempotent: an unknown outcome throws a GhlError of kind 'outcome-unknown' instead of repeating. */
  async function createContact(body: Api.CreateContactBody): Promise<Api.Contact> {
    const res = await t.request<Api.CreateContactResponse>({
      name: 'createContact', method: 'POST', path: '/contacts/', locationId: body.locationId, body, idempotent: false,
      needs: oneOf('contact', CONTACT_NEEDS),
    });
    return res.contact;
  }

  async function updateContact(locationId: string, contactId: string, body: Api.UpdateContactBody): Promise<Api.Contact> {
    const res = await t.request<Api.UpdateContactResponse>({
      name: 'updateContact', method: 'PUT', path: `/contacts/${enc(contactId)}`, locationId, body, needs: oneOf('contact', CONTACT_NEEDS),
    });
    return res.contact;
  }

  /** Safe to repeat: HighLevel matches on email/phone, so a second call finds the first's contact. */
  async function upsertContact(body: UpsertContactInput): Promise<{ contact: Api.Contact; created: boolean }> {
    const res = await t.request<Api.UpsertContactResponse>({
      name: 'upsertContact', method: 'POST', path: '/contacts/upsert', locationId: body.locationId, body, idempotent: true,
      needs: oneOf('contact', CONTACT_NEEDS),
    });
    return { contact: res.contact, created: res.new === true };
  }

  async function deleteContact(locationId: string, contactId: string): Promise<void> {
    await t.request({ name: 'deleteContact', method: 'DELETE', path: `/contacts/${enc(contactId)}`, locationId });
  }

  /** Returns the contact's tags after the change. Adding a tag twice is harmless, so retried. */
  async function addContactTags(locationId: string, contactId: string, tags: string[]): Promise<string[]> {
    const res = await t.request<Api.TagsResponse>({
      name: 'addContactTags', method: 'POST', path: `/contacts/${enc(contactId)}/tags`, locationId, body: { tags }, idempotent: true,
    });
    return stringList(res.tags);
  }

  async function removeContactTags(locationId: string, contactId: string, tags: string[]): Promise<string[]> {
    const res = await t.request<Api.TagsResponse>({
      name: 'removeContactTags', method: 'DELETE', path: `/contacts/${enc(contactId)}/tags`, locationId, body: { tags },
    });
    return stringList(res.tags);
  }

  async function fetchBusinessContacts(locationId: string, businessId: string, q: { skip: number; limit: number }): Promise<BusinessContactsPage> {
    const res = await t.request<Api.BusinessContactsResponse>({
      name: 'fetchBusinessContacts', method: 'GET', path: `/contacts/business/${enc(businessId)}`, locationId,
      query: { locationId, skip: q.skip, limit: q.limit },
      needs: listOf('contacts', CONTACT_NEEDS),
    });
    const contacts = res.contacts;
    return { contacts, total: numberOr(res.total, contacts.length) };
  }

  /** Every contact page of GET /contacts/ in keyset order; kind 'unexpected-answer' if the cursor repeats. */
  function iterateContacts(locationId: string, opts: { pageSize: number; query?: string; start?: ContactCursor }): AsyncGenerator<ContactPage, void, undefined> {
    const operation: GhlOperation = { name: 'iterateContacts', method: 'GET', path: '/contacts/', locationId };
    return followCursor<ContactPage, ContactCursor>({
      operation,
      start: opts.start,
      fetchPage: (cursor) => fetchContactPage(locationId, {
        limit: opts.pageSize,
        ...(cursor ? { startAfter: cursor.startAfter, startAfterId: cursor.startAfterId } : {}),
        ...(opts.query !== undefined ? { query: opts.query } : {}),
      }),
      nextCursor: (page) => page.next,
    });
  }

  /** Every page of POST /contacts/search, following `searchAfter` (no 10,000-record cap). */
  function iterateSearchContacts(
    body: Omit<Api.ContactSearchBody, 'searchAfter' | 'page' | 'pageLimit'>,
    opts: { pageSize: number; start?: Array<string | number> },
  ): AsyncGenerator<SearchContactPage, void, undefined> {
    const operation: GhlOperation = { name: 'iterateSearchContacts', method: 'POST', path: '/contacts/search', locationId: body.locationId };
    return followCursor<SearchContactPage, Array<string | number>>({
      operation,
      start: opts.start,
      fetchPage: (searchAfter) => searchContactPage({ ...body, pageLimit: opts.pageSize, ...(searchAfter ? { searchAfter } : {}) } as Api.ContactSearchBody),
      nextCursor: (page) => page.searchAfter,
    });
  }

  return {
    fetchContactPage, searchContactPage, getContact, createContact, updateContact, upsertContact, deleteContact,
    addContactTags, removeContactTags, fetchBusinessContacts, iterateContacts, iterateSearchContacts,
  };
}

export type ContactsApi = ReturnType<typeof contactsApi>;
