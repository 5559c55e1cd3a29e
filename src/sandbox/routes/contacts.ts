// HighLevel's contacts surface (apps/contacts.json + NOTES.md "Listing contacts", "Writing").
// Wrappers and success codes are the spec's: create and add-tags answer 201, the rest 200.
import { randomUUID } from 'node:crypto';
import { SandboxError, type SearchRequest } from '../types.ts';
import type { SandboxRequest, SandboxResponse } from '../http.ts';
import {
  accessibleContact, checkLocation, errorResponse, intQuery, objectBody, tokenLocation,
  type RouteContext, type SandboxRoute,
} from './context.ts';

const LIST_DEFAULT_LIMIT = 20;
const LIST_MAX_LIMIT = 100;
const SEARCH_MAX_PAGE_LIMIT = 500;

interface PageKey { locationId: string; query: string; limit: number; startAfter?: number; startAfterId?: string }

const pageKey = (k: PageKey) => JSON.stringify([k.locationId, k.query, k.limit, k.startAfter ?? null, k.startAfterId ?? null]);

/**
 * Live answers number the pages (`currentPage`, `nextPage`, `prevPage`) although the request only
 * carries a cursor; the sandbox remembers which page each cursor it handed out leads to.
 */
function createPageBook() {
  const pages = new Map<string, number>();
  return {
    pageOf(ctx: RouteContext, key: PageKey): number {
      if (key.startAfter === undefined && key.startAfterId === undefined) return 1;
      const known = pages.get(pageKey(key));
      if (known !== undefined) return known;
      // A cursor from an earlier sandbox run or built by hand: count what lies before it.
      const before = ctx.store.state(key.locationId).contacts.filter((c) => {
        const at = Date.parse(c.dateAdded);
        return at < (key.startAfter ?? 0) || (at === key.startAfter && c.id <= (key.startAfterId ?? ''));
      }).length;
      return Math.floor(before / key.limit) + 1;
    },
    remember(key: PageKey, page: number): void {
      pages.set(pageKey(key), page);
    },
  };
}

function listContacts(book: ReturnType<typeof createPageBook>) {
  return (req: SandboxRequest, ctx: RouteContext): SandboxResponse => {
    const locationId = req.query.locationId ?? tokenLocation(ctx);
    checkLocation(ctx, locationId);
    const limit = intQuery(req.query.limit, LIST_DEFAULT_LIMIT);
    if (limit > LIST_MAX_LIMIT) return errorResponse(422, [`limit must not be greater than ${LIST_MAX_LIMIT}`]);
    if (limit < 1) return errorResponse(422, ['limit must not be less than 1']);
    const startAfter = req.query.startAfter ? Number(req.query.startAfter) : undefined;
    if (startAfter !== undefined && !Number.isFinite(startAfter)) return errorResponse(422, ['startAfter must be a number']);
    const startAfterId = req.query.startAfterId || undefined;
    const query = req.query.query ?? '';

    const page = ctx.store.listContactsPage(locationId, {
      limit,
      ...(startAfter !== undefined ? { startAfter } : {}),
      ...(startAfterId !== undefined ? { startAfterId } : {}),
      ...(query ? { query } : {}),
    });
    const key: PageKey = { locationId, query, limit, ...(startAfter !== undefined ? { startAfter } : {}), ...(startAfterId ? { startAfterId } : {}) };
    const currentPage = book.pageOf(ctx, key);
    const next = page.next;
    let nextPageUrl: string | null = null;
    if (next) {
      book.remember({ locationId, query, limit, startAfter: next.startAfter, startAfterId: next.startAfterId }, currentPage + 1);
      const url = new URL('/contacts/', ctx.baseUrl);
      url.searchParams.set('locationId', locationId);
      url.searchParams.set('startAfter', String(next.startAfter));
      url.searchParams.set('startAfterId', next.startAfterId);
      if (limit !== LIST_DEFAULT_LIMIT) url.searchParams.set('limit', String(limit));
      if (query) url.searchParams.set('query', query);
      nextPageUrl = url.toString();
    }
    return {
      status: 200,
      body: {
        contacts: page.contacts,
        count: page.total,
        meta: {
          total: page.total,
          nextPageUrl,
          startAfterId: next?.startAfterId ?? null,
          startAfter: next?.startAfter ?? null,
          currentPage,
          nextPage: next ? currentPage + 1 : null,
          prevPage: currentPage > 1 ? currentPage - 1 : null,
        },
      },
    };
  };
}

function searchContacts(req: SandboxRequest, ctx: RouteContext): SandboxResponse {
  const body = objectBody(req.body);
  const locationId = typeof body.locationId === 'string' ? body.locationId : tokenLocation(ctx);
  checkLocation(ctx, locationId);
  const pageLimit = typeof body.pageLimit === 'number' ? body.pageLimit : LIST_DEFAULT_LIMIT;
  if (pageLimit > SEARCH_MAX_PAGE_LIMIT) return errorResponse(422, [`pageLimit must not be greater than ${SEARCH_MAX_PAGE_LIMIT}`]);
  const search = { ...body, locationId, pageLimit } as SearchRequest;
  const result = ctx.store.searchContacts(search);
  return { status: 200, body: { contacts: result.contacts, total: result.total } };
}

function locationOfBody(ctx: RouteContext, body: Record<string, unknown>): string {
  if (typeof body.locationId !== 'string') throw new SandboxError(422, ['locationId should not be empty']);
  checkLocation(ctx, body.locationId);
  return body.locationId;
}

function tagsOf(body: unknown): string[] {
  const tags = objectBody(body).tags;
  if (!Array.isArray(tags) || !tags.every((t) => typeof t === 'string')) throw new SandboxError(422, ['tags must be an array of strings']);
  return tags as string[];
}

export function contactRoutes(): SandboxRoute[] {
  const book = createPageBook();
  return [
    { method: 'GET', pattern: '/contacts/', handler: listContacts(book) },
    { method: 'POST', pattern: '/contacts/search', handler: searchContacts },
    {
      method: 'POST',
      pattern: '/contacts/',
      handler: (req, ctx) => {
        const body = objectBody(req.body);
        const contact = ctx.store.createContact(locationOfBody(ctx, body), body);
        return { status: 201, body: { contact } };
      },
    },
    {
      method: 'POST',
      pattern: '/contacts/upsert',
      handler: (req, ctx) => {
        const body = objectBody(req.body);
        const result = ctx.store.upsertContact(locationOfBody(ctx, body), body);
        return { status: 200, body: { new: result.new, contact: result.contact, traceId: randomUUID() } };
      },
    },
    {
      // The spec leaves the 200 body undescribed; the sandbox answers {contact} (null when none).
      method: 'GET',
      pattern: '/contacts/search/duplicate',
      handler: (req, ctx) => {
        const locationId = req.query.locationId ?? tokenLocation(ctx);
        checkLocation(ctx, locationId);
        const contact = ctx.store.findDuplicate(locationId, {
          ...(req.query.email ? { email: req.query.email } : {}),
          ...(req.query.number ? { phone: req.query.number } : {}),
        });
        return { status: 200, body: { contact: contact ?? null } };
      },
    },
    {
      method: 'GET',
      pattern: '/contacts/business/{businessId}',
      handler: (req, ctx) => {
        const locationId = req.query.locationId ?? tokenLocation(ctx);
        checkLocation(ctx, locationId);
        const skip = Math.max(0, intQuery(req.query.skip, 0));
        const limit = Math.max(1, intQuery(req.query.limit, 25));
        const result = ctx.store.contactsByBusiness(req.params.businessId!, { skip, limit });
        const contacts = result.contacts.filter((c) => c.locationId === locationId);
        return { status: 200, body: { contacts, count: result.total } };
      },
    },
    {
      method: 'GET',
      pattern: '/contacts/{contactId}',
      handler: (req, ctx) => ({ status: 200, body: { contact: accessibleContact(ctx, req.params.contactId!) } }),
    },
    {
      method: 'PUT',
      pattern: '/contacts/{contactId}',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        const contact = ctx.store.updateContact(id, objectBody(req.body));
        return { status: 200, body: { succeded: true, contact } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}',
      handler: (req, ctx) => {
        ctx.store.deleteContact(accessibleContact(ctx, req.params.contactId!).id);
        return { status: 200, body: { succeded: true } };
      },
    },
    {
      method: 'POST',
      pattern: '/contacts/{contactId}/tags',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        return { status: 201, body: { tags: ctx.store.addTags(id, tagsOf(req.body)) } };
      },
    },
    {
      method: 'DELETE',
      pattern: '/contacts/{contactId}/tags',
      handler: (req, ctx) => {
        const { id } = accessibleContact(ctx, req.params.contactId!);
        return { status: 200, body: { tags: ctx.store.removeTags(id, tagsOf(req.body)) } };
      },
    },
  ];
}
