// Contact operations: create, update, upsert, delete, tag, untag, list. Each validates its input
// before any call, writes HighLevel's answer through to the mirror, and never sends `tags` in an
// update or upsert body (that would replace all the contact's tags, NOTES.md "Writing"): tags
// are added through POST /contacts/{id}/tags instead.
import type { MirrorStatements } from '../db/mirror.ts';
import { findDuplicateContact } from '../ghl/contacts-lookup.ts';
import { ValidationError, DuplicateContactError } from '../ghl/errors.ts';
import type * as Api from '../highlevel-api/api-types.ts';
import { catalogEntry } from './catalog.ts';
import { mirrorOfOps, plan, type OpsContext, type PlannedRequest, type WriteOptions } from './context.ts';
import { isGone, OperationError, OperationInputError } from './errors.ts';
import { createOnce, LOOKUP_SKEW_MS, runWrite, wrapped, type Outcome, type Replayable } from './run.ts';
import {
  checkEmail, checkId, checkPhone, checkTags, resolveCustomFields, type FieldValue,
} from './validate.ts';

/** A contact as the caller gives it: HighLevel's body fields, plus custom fields by name. */
export interface ContactInput {
  email?: string;
  phone?: string;
  firstName?: string;
  lastName?: string;
  name?: string;
  companyName?: string;
  source?: string;
  tags?: string[];
  /** Custom field values by the field's name, key or id: `{ "Budget": 25000 }`. */
  fields?: Record<string, FieldValue>;
  /** HighLevel-shaped custom field values (`--from FILE`): `[{ id | key, field_value }]`. */
  customFields?: Array<{ id?: string; key?: string; field_value?: FieldValue }>;
  /** Any other property of HighLevel's body (address1, city, dnd, ...): checked against the spec. */
  [property: string]: unknown;
}

export interface ContactResult extends Replayable {
  contact: Api.Contact;
  /** The create's answer was lost and the contact was found by looking it up. */
  recovered: boolean;
  /** What HighLevel did differently from the request (an upsert that dropped a phone). */
  warnings: string[];
}

export interface DeleteResult extends Replayable {
  id: string;
  /** The delete's first answer was lost and a retry found nothing left to delete. */
  alreadyGone: boolean;
}

type Mode = 'create' | 'update' | 'upsert';

/** The request body (never with `tags` outside a create) and the tags to add separately. */
async function contactBody(ctx: OpsContext, input: ContactInput, mode: Mode): Promise<{ body: Record<string, unknown>; tags: string[] }> {
  if (typeof input !== 'object' || input === null) throw new OperationInputError('contact', 'expected an object');
  const { tags, fields, customFields, locationId, email, phone, ...rest } = input;
  if (locationId !== undefined && locationId !== ctx.locationId) {
    throw new OperationInputError('locationId', `the request names location ${String(locationId)} but the operation runs in ${ctx.locationId}; use --location`);
  }
  const body: Record<string, unknown> = {};
  if (mode !== 'update') body.locationId = ctx.locationId; // update must not send it (NOTES.md "Writing")
  for (const [key, value] of Object.entries(rest)) {
    if (value !== undefined) body[key] = typeof value === 'string' ? value.trim() : value;
  }
  if (email !== undefined) body.email = checkEmail('email', email);
  if (phone !== undefined) body.phone = checkPhone('phone', phone, ctx.config.phoneCountry);
  if (mode !== 'update' && body.email === undefined && body.phone === undefined) {
    throw new OperationInputError('email', 'an email or a phone is required (it is how the contact is found again if an answer is lost)');
  }
  const refs: Array<{ ref: string; field: string; value: FieldValue }> = [];
  for (const [name, value] of Object.entries(fields ?? {})) refs.push({ ref: name, field: `fields.${name}`, value });
  (customFields ?? []).forEach((cf, i) => {
    const ref = cf?.id ?? cf?.key;
    if (typeof ref !== 'string') throw new OperationInputError(`customFields.${i}`, 'needs an id or a key');
    refs.push({ ref, field: `customFields.${i}`, value: cf.field_value ?? null });
  });
  const resolved = await resolveCustomFields(mirrorOfOps(ctx), ctx.locationId, refs);
  if (resolved.length > 0) body.customFields = resolved;
  const cleanTags = tags === undefined ? [] : checkTags('tags', tags);
  if (mode === 'create' && cleanTags.length > 0) body.tags = cleanTags; // a new contact has no tags to replace
  return { body, tags: mode === 'create' ? [] : cleanTags };
}

function result(contact: Api.Contact, extra: Partial<ContactResult> = {}): ContactResult {
  return { contact, recovered: false, warnings: [], replayed: false, ...extra };
}

const mirrorContact = (ctx: OpsContext, contact: Api.Contact) => (tx: MirrorStatements) => tx.writeContact(contact, ctx.locationId, ctx.clock);

/** Whether `c` can be the contact a create of `body` sent at `sentAt` made. */
function isCreatedBy(ctx: OpsContext, body: Record<string, unknown>, sentAt: number) {
  const email = typeof body.email === 'string' ? body.email : undefined;
  return async (c: Api.Contact | undefined): Promise<boolean> =>
    c !== undefined
    && (email !== undefined ? c.email?.toLowerCase() === email : c.phone === body.phone)
    && Date.parse(c.dateAdded ?? '') >= sentAt - LOOKUP_SKEW_MS
    && !(await mirrorOfOps(ctx).isContactLive(c.id));
}

/**
 * The contact a create sent at `sentAt` made, if it exists: same email (or phone), added since
 * (give or take clock skew) and not already in the mirror. The duplicate lookup reads no search
 * index, so it sees a contact created a moment ago; the search finds one among several with the
 * same email where the location allows duplicates.
 */
async function findCreatedContact(ctx: OpsContext, body: Record<string, unknown>, sentAt: number): Promise<Api.Contact | undefined> {
  const email = typeof body.email === 'string' ? body.email : undefined;
  const phone = typeof body.phone === 'string' ? body.phone : undefined;
  const isOurs = isCreatedBy(ctx, body, sentAt);
  const quick = await findDuplicateContact(ctx.client.transport, ctx.locationId, email !== undefined ? { email } : { phone: phone! });
  if (quick && await isOurs(quick)) return quick;
  const page = await ctx.client.searchContactPage({
    locationId: ctx.locationId,
    pageLimit: 20,
    filters: [{ field: email !== undefined ? 'email' : 'phone', operator: 'eq', value: (email ?? phone)! }],
    sort: [{ field: 'dateAdded', direction: 'desc' }],
  });
  for (const hit of page.contacts) if (await isOurs(hit)) return withoutCursor(hit);
  return undefined;
}

/** A search hit as the contact itself (its `searchAfter` cursor is not part of the record). */
function withoutCursor(hit: Api.ContactSearchHit): Api.Contact {
  const { searchAfter: _cursor, ...contact } = hit;
  return contact;
}

export async function createContact<O extends WriteOptions>(ctx: OpsContext, input: ContactInput, opts?: O): Promise<Outcome<O, ContactResult>> {
  const { body } = await contactBody(ctx, input, 'create');
  const sentAt = (ctx.clock?.() ?? new Date()).getTime();
  const outcome = await runWrite<ContactResult>(ctx, opts, {
    action: 'createContact',
    planned: [plan('createContact', {}, { body })],
    send: async () => {
      try {
        let attempts = 0;
        const { record, recovered } = await createOnce(
          async () => {
            attempts += 1;
            try {
              return await ctx.client.createContact(body as Api.CreateContactBody);
            } catch (err) {
              // After a lost answer, "duplicate" may name the contact our own first attempt made.
              if (attempts > 1 && err instanceof DuplicateContactError) {
                const existing = await ctx.client.getContact(ctx.locationId, err.contactId);
                if (await isCreatedBy(ctx, body, sentAt)(existing)) return existing;
              }
              throw err;
            }
          },
          () => findCreatedContact(ctx, body, sentAt),
        );
        return { result: result(record, { recovered: recovered || attempts > 1 }), mirror: mirrorContact(ctx, record) };
      } catch (err) {
        if (err instanceof ValidationError && !(err instanceof DuplicateContactError)) await refusedButCreated(ctx, err, body, sentAt);
        throw err;
      }
    },
    findEarlier: async (since) => {
      const found = await findCreatedContact(ctx, body, since);
      return found ? { result: result(found, { recovered: true }), mirror: mirrorContact(ctx, found) } : undefined;
    },
  });
  return outcome as Outcome<O, ContactResult>;
}

/** NOTES.md "Writing": a create answered 422 may have created the contact anyway. If so, it is
 * mirrored (it exists) and the error says so, with the id to fix it by. */
async function refusedButCreated(ctx: OpsContext, err: ValidationError, body: Record<string, unknown>, sentAt: number): Promise<void> {
  const created = await wrapped('contacts create', () => findCreatedContact(ctx, body, sentAt));
  if (!created) return;
  await mirrorOfOps(ctx).writeContact(created, ctx.locationId, ctx.clock);
  throw new OperationError('contacts create', err, {
    record: created,
    note: `HighLevel created contact ${created.id} anyway, without what it refused; fix the input and run \`ghl-etl contacts update ${created.id}\``,
  });
}

/** Adds `tags` (if any) and reads the contact back when anything but its own answer changed it. */
async function addTagsAndReload(ctx: OpsContext, contact: Api.Contact, tags: string[]): Promise<Api.Contact> {
  if (tags.length === 0) return contact;
  await ctx.client.addContactTags(ctx.locationId, contact.id, tags);
  // The tags call answers with the tags only, and it moved dateUpdated: read the whole contact.
  return ctx.client.getContact(ctx.locationId, contact.id);
}

function tagRequest(contactId: string, tags: string[]): PlannedRequest[] {
  return tags.length > 0 ? [plan('tagContact', { contactId }, { body: { tags } })] : [];
}

export async function updateContact<O extends WriteOptions>(ctx: OpsContext, contactId: string, input: ContactInput, opts?: O): Promise<Outcome<O, ContactResult>> {
  const id = checkId('contactId', contactId);
  const { body, tags } = await contactBody(ctx, input, 'update');
  const hasBody = Object.keys(body).length > 0;
  if (!hasBody && tags.length === 0) throw new OperationInputError('contact', 'nothing to update: give at least one field or tag');
  const planned = [...(hasBody ? [plan('updateContact', { contactId: id }, { body })] : []), ...tagRequest(id, tags)];
  return await runWrite<ContactResult>(ctx, opts, {
    action: 'updateContact',
    planned,
    send: async () => {
      const updated = hasBody
        ? await ctx.client.updateContact(ctx.locationId, id, body as Api.UpdateContactBody)
        : await ctx.client.getContact(ctx.locationId, id);
      const contact = await addTagsAndReload(ctx, updated, tags);
      return { result: result(contact), mirror: mirrorContact(ctx, contact) };
    },
  }) as Outcome<O, ContactResult>;
}

export async function upsertContact<O extends WriteOptions>(ctx: OpsContext, input: ContactInput, opts?: O): Promise<Outcome<O, ContactResult & { created: boolean }>> {
  const { body, tags } = await contactBody(ctx, input, 'upsert');
  return await runWrite<ContactResult & { created: boolean }>(ctx, opts, {
    action: 'upsertContact',
    planned: [plan('upsertContact', {}, { body }), ...tagRequest('{contactId}', tags)],
    send: async () => {
      const { contact: upserted, created } = await ctx.client.upsertContact(body as Api.UpsertContactBody);
      const contact = await addTagsAndReload(ctx, upserted, tags);
      return { result: { ...result(contact, { warnings: upsertWarnings(body, contact) }), created }, mirror: mirrorContact(ctx, contact) };
    },
  }) as Outcome<O, ContactResult & { created: boolean }>;
}

/** NOTES.md "Writing": upsert can drop a phone or an extra email; say so instead of hiding it. */
function upsertWarnings(body: Record<string, unknown>, contact: Api.Contact): string[] {
  const warnings: string[] = [];
  if (typeof body.phone === 'string' && contact.phone !== body.phone) {
    warnings.push(`HighLevel kept phone ${contact.phone ?? '(none)'} on contact ${contact.id} instead of ${body.phone} (another contact has it)`);
  }
  const kept = new Set((contact.additionalEmails ?? []).map((e) => String(typeof e === 'object' && e !== null ? (e as { email?: unknown }).email : e).toLowerCase()));
  for (const extra of Array.isArray(body.additionalEmails) ? body.additionalEmails : []) {
    const email = String(typeof extra === 'object' && extra !== null ? (extra as { email?: unknown }).email : extra).toLowerCase();
    if (!kept.has(email)) warnings.push(`HighLevel dropped the extra email ${email} of contact ${contact.id}`);
  }
  return warnings;
}

export async function deleteContact<O extends WriteOptions>(ctx: OpsContext, contactId: string, opts?: O): Promise<Outcome<O, DeleteResult>> {
  const id = checkId('contactId', contactId);
  return await runWrite<DeleteResult>(ctx, opts, {
    action: 'deleteContact',
    planned: [plan('deleteContact', { contactId: id })],
    send: async () => {
      const alreadyGone = await deleteOnce(() => ctx.client.deleteContact(ctx.locationId, id), 'contact');
      return { result: { id, alreadyGone, replayed: false }, mirror: (tx) => tx.writeContactDeleted(id, ctx.clock) };
    },
  }) as Outcome<O, DeleteResult>;
}

/**
 * Runs a delete. HighLevel saying the record itself is not found ("Contact not found", `record`
 * = "contact") means what was asked for holds (deleted before, or by our own first attempt
 * whose answer was lost): success, `true` = it was already gone. Any other "not found" on the
 * first attempt (a wrong base URL's 404, a task's unknown contact) stays an error; on a retry
 * any "not found" is our first attempt's doing, as before.
 */
export async function deleteOnce(send: () => Promise<void>, record: 'contact' | 'task' | 'note'): Promise<boolean> {
  try {
    await send();
    return false;
  } catch (err) {
    if (!isGone(err)) throw err;
    if ((err as { retries: number }).retries > 0) return true;
    if (err instanceof ValidationError && err.messages.some((m) => new RegExp(`^${record} not found`, 'i').test(m.trim()))) return true;
    throw err;
  }
}

async function changeTags<O extends WriteOptions>(ctx: OpsContext, action: 'tagContact' | 'untagContact', contactId: string, tags: string[], opts?: O): Promise<Outcome<O, ContactResult>> {
  const id = checkId('contactId', contactId);
  const clean = checkTags('tags', tags);
  if (clean.length === 0) throw new OperationInputError('tags', 'give at least one tag');
  return await runWrite<ContactResult>(ctx, opts, {
    action,
    planned: [plan(action, { contactId: id }, { body: { tags: clean } })],
    send: async () => {
      if (action === 'tagContact') await ctx.client.addContactTags(ctx.locationId, id, clean);
      else await ctx.client.removeContactTags(ctx.locationId, id, clean);
      const contact = await ctx.client.getContact(ctx.locationId, id);
      return { result: result(contact), mirror: mirrorContact(ctx, contact) };
    },
  }) as Outcome<O, ContactResult>;
}

export function tagContact<O extends WriteOptions>(ctx: OpsContext, contactId: string, tags: string[], opts?: O): Promise<Outcome<O, ContactResult>> {
  return changeTags(ctx, 'tagContact', contactId, tags, opts);
}

export function untagContact<O extends WriteOptions>(ctx: OpsContext, contactId: string, tags: string[], opts?: O): Promise<Outcome<O, ContactResult>> {
  return changeTags(ctx, 'untagContact', contactId, tags, opts);
}

export interface ListContactsQuery {
  tags?: string[];
  businessId?: string;
  query?: string;
  /** Ask HighLevel (paged) instead of the mirror. */
  live?: boolean;
  /** At most this many contacts. */
  limit?: number;
}

const LIVE_PAGE = 100;

/** A business's contacts from HighLevel (GET /contacts/business/{businessId}, paged): `contacts list --business ID --live`. */
export function listBusinessContacts(ctx: OpsContext, businessId: string, q: Omit<ListContactsQuery, 'businessId' | 'live'> = {}): Promise<Api.Contact[]> {
  return listContacts(ctx, { ...q, businessId, live: true });
}

/** Contacts with every tag, of the business, matching the query: from the mirror, or live. */
export async function listContacts(ctx: OpsContext, q: ListContactsQuery = {}): Promise<Api.Contact[]> {
  const tags = checkTags('tags', q.tags ?? []).map((t) => t.toLowerCase());
  const businessId = q.businessId === undefined ? undefined : checkId('businessId', q.businessId);
  const query = q.query?.trim() || undefined;
  const limit = q.limit ?? Infinity;
  if (!(limit > 0)) throw new OperationInputError('limit', 'must be a positive number');
  if (!q.live) {
    return mirrorOfOps(ctx).mirroredContacts({
      locationId: ctx.locationId, tags,
      ...(businessId !== undefined ? { businessId } : {}), ...(query !== undefined ? { query } : {}),
      ...(Number.isFinite(limit) ? { limit } : {}),
    });
  }
  const label = catalogEntry('listContacts').command.split(' ').slice(0, 2).join(' ');
  return wrapped(label, async () => {
    const out: Api.Contact[] = [];
    if (businessId !== undefined) {
      // The business route filters by business only; tags and query are applied here.
      const matches = (c: Api.Contact) =>
        tags.every((t) => (c.tags ?? []).map((x) => x.toLowerCase()).includes(t))
        && (query === undefined || JSON.stringify([c.contactName, c.email, c.phone, c.companyName]).toLowerCase().includes(query.toLowerCase()));
      for (let skip = 0; out.length < limit; skip += LIVE_PAGE) {
        const page = await ctx.client.fetchBusinessContacts(ctx.locationId, businessId, { skip, limit: LIVE_PAGE });
        out.push(...page.contacts.filter(matches));
        if (page.contacts.length < LIVE_PAGE) break;
      }
      return out.slice(0, limit);
    }
    const filters = tags.map((tag) => ({ field: 'tags', operator: 'eq' as const, value: tag }));
    const search = { locationId: ctx.locationId, ...(filters.length > 0 ? { filters } : {}), ...(query !== undefined ? { query } : {}) };
    for await (const page of ctx.client.iterateSearchContacts(search, { pageSize: LIVE_PAGE })) {
      out.push(...page.contacts.map(withoutCursor));
      if (out.length >= limit) break;
    }
    return out.slice(0, limit);
  });
}

/**
 * The id of the location's contact with this email, else this phone: the mirror's (the oldest
 * when duplicates are allowed), else the one HighLevel calls a duplicate (GET
 * /contacts/search/duplicate, which does not lag a create as the search index does).
 */
export async function findContactId(ctx: OpsContext, by: { email?: string | undefined; phone?: string | undefined }): Promise<string | undefined> {
  for (const key of ['email', 'phone'] as const) {
    const value = by[key];
    if (value === undefined) continue;
    const id = (await mirrorOfOps(ctx).mirroredContactBy(ctx.locationId, { [key]: value }))
      ?? (await findDuplicateContact(ctx.client.transport, ctx.locationId, { [key]: value }))?.id;
    if (id) return id;
  }
  return undefined;
}
