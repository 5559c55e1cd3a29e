// `--quirks`: the sandbox answers the way live HighLevel departs from its own files (NOTES.md
// "Listing contacts": "keep every field you receive, type the ones you use, tolerate missing and
// null ones"), for the demo, the tests and anyone curious how the client copes. Every departure
// keeps the meaning of the answer, so a mirror made from quirky answers equals the truth:
//
// - null for every optional field with nothing in it (an empty list, an absent object, false dnd),
//   and `email`/`phone` of the location itself;
// - a lone string where a list of one is documented (`tags`, `followers`, `additionalEmails`);
// - no `dateUpdated` on a contact never changed since it was added;
// - numbers where strings are documented: a postal code of digits (no leading zero), and the
//   options of a multiple-choice custom field whose options are numbers ("Plazas": [5, 7]), a
//   list of numbers where the files document string, number or string[]; quirks seeds such a
//   field (seedQuirkyData) next to the usual ones, so the departure shows in every sync;
// - no `meta` on the last page of GET /contacts/, and on every second page before it (the client
//   continues from the page's last contact, as meta's cursor would have told it);
// - fields no file documents, on the answers, on the records and on webhook events;
// - webhook events with null for what a contact lacks (the files leave such fields out), a lone
//   tag as a string, numbers as above.
//
// Not played: a TaskCreate event without `contactId` or `body` (NOTES.md "Webhooks"): the
// receiver would mirror the task without its body until the next full read of its contact.
import type { MatchedOperation } from '../highlevel-api/validator.ts';
import { createRng, deriveSeed } from './random.ts';
import type { SeededSandbox } from './seed.ts';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** An empty list is sent as null, a list of one as its one string. */
function looseList(value: unknown): unknown {
  if (!Array.isArray(value)) return value ?? null;
  if (value.length === 0) return null;
  return value.length === 1 && typeof value[0] === 'string' ? value[0] : value;
}

/** A string of digits that reads back the same as a number ("28013", not "08001"). */
const numberLike = (v: unknown): v is string => typeof v === 'string' && /^[1-9]\d{0,14}$/.test(v);

/** A custom value whose list items are all number-like goes out as a list of numbers. */
function quirkyCustomValue(field: unknown): unknown {
  if (!isObject(field) || !Array.isArray(field.value) || field.value.length === 0 || !field.value.every(numberLike)) return field;
  return { ...field, value: field.value.map(Number) };
}

function quirkyContact(contact: unknown): unknown {
  if (!isObject(contact)) return contact;
  const c: Json = { ...contact };
  if (numberLike(c.postalCode)) c.postalCode = Number(c.postalCode);
  if (Array.isArray(c.customFields)) c.customFields = c.customFields.map(quirkyCustomValue);
  c.tags = looseList(c.tags);
  c.additionalEmails = looseList(c.additionalEmails);
  c.followers = looseList(c.followers);
  if (Array.isArray(c.customFields) && c.customFields.length === 0) c.customFields = null;
  if (c.dnd === false) c.dnd = null;
  c.dndSettings ??= null;
  c.website ??= null;
  if (c.dateUpdated === c.dateAdded) delete c.dateUpdated;
  // Undocumented: a number, an object with a null inside.
  c.lastActivity = typeof c.dateAdded === 'string' ? Date.parse(c.dateAdded) : null;
  c.attributionSource = { medium: null, sessionSource: 'CRM UI' };
  return c;
}

function quirkyChild(record: unknown): unknown {
  if (!isObject(record)) return record;
  const r: Json = { ...record, relations: null };
  for (const key of ['body', 'assignedTo', 'userId']) if (key in r) r[key] ??= null;
  return r;
}

function mapList(body: Json, key: string, fn: (v: unknown) => unknown): Json {
  return Array.isArray(body[key]) ? { ...body, [key]: (body[key] as unknown[]).map(fn) } : body;
}

/** GET /contacts/: meta is left out of the last page and of every second page. */
function quirkyListPage(body: Json): Json {
  const out: Json = { ...mapList(body, 'contacts', quirkyContact), traceId: 'sandbox-quirks' };
  const meta = isObject(body.meta) ? body.meta : undefined;
  if (meta && (meta.nextPage === null || (typeof meta.currentPage === 'number' && meta.currentPage % 2 === 0))) delete out.meta;
  return out;
}

/** The answer of a 2xx `op` as live HighLevel's departures would send it. */
export function quirkyAnswer(op: MatchedOperation, body: unknown): unknown {
  if (!isObject(body)) return body;
  switch (`${op.method} ${op.pathTemplate}`) {
    case 'GET /contacts/':
      return quirkyListPage(body);
    case 'POST /contacts/search':
    case 'GET /contacts/business/{businessId}':
      return { ...mapList(body, 'contacts', quirkyContact), traceId: 'sandbox-quirks' };
    case 'GET /contacts/{contactId}':
    case 'POST /contacts/':
    case 'PUT /contacts/{contactId}':
    case 'POST /contacts/upsert':
      return { ...body, contact: quirkyContact(body.contact), traceId: 'sandbox-quirks' };
    case 'GET /contacts/{contactId}/tasks':
    case 'POST /locations/{locationId}/tasks/search':
      return mapList(body, 'tasks', quirkyChild);
    case 'GET /contacts/{contactId}/notes':
      return mapList(body, 'notes', quirkyChild);
    case 'GET /contacts/{contactId}/tasks/{taskId}':
    case 'POST /contacts/{contactId}/tasks':
    case 'PUT /contacts/{contactId}/tasks/{taskId}':
    case 'PUT /contacts/{contactId}/tasks/{taskId}/completed':
      return { ...body, task: quirkyChild(body.task) };
    case 'GET /contacts/{contactId}/notes/{id}':
    case 'POST /contacts/{contactId}/notes':
    case 'PUT /contacts/{contactId}/notes/{id}':
      return { ...body, note: quirkyChild(body.note) };
    case 'GET /locations/{locationId}':
      return isObject(body.location) ? { ...body, location: { ...body.location, email: null, phone: null, settings: null } } : body;
    case 'GET /locations/{locationId}/customFields':
      return mapList(body, 'customFields', (f) => (isObject(f) ? { ...f, placeholder: null, picklistOptions: null } : f));
    case 'GET /users/':
      return mapList(body, 'users', (u) => (isObject(u) ? { ...u, phone: null, roles: null, permissions: null } : u));
    default:
      return body;
  }
}

/** A multiple-choice custom field with numbers for options, as dealers keep the seats a buyer wants. */
export const NUMERIC_OPTIONS_FIELD = { name: 'Plazas', key: 'plazas', options: ['2', '5', '7', '9'] } as const;

/**
 * The data a quirky sandbox adds to the seeded one: NUMERIC_OPTIONS_FIELD on every location and a
 * value of it on about a third of the contacts. From its own random stream, so every other seeded
 * record is the same with or without quirks.
 */
export function seedQuirkyData(seeded: SeededSandbox, seed: number): SeededSandbox {
  seeded.locations.forEach((loc, index) => {
    const rng = createRng(deriveSeed(seed, 'quirks', index));
    const fieldId = rng.id();
    loc.customFields.push({
      id: fieldId, name: NUMERIC_OPTIONS_FIELD.name, fieldKey: `contact.${NUMERIC_OPTIONS_FIELD.key}`, placeholder: '',
      dataType: 'MULTIPLE_OPTIONS', position: loc.customFields.length, picklistOptions: [...NUMERIC_OPTIONS_FIELD.options],
      locationId: loc.location.id, model: 'contact',
    });
    for (const contact of loc.contacts) {
      if (!rng.chance(0.35)) continue;
      const chosen = NUMERIC_OPTIONS_FIELD.options.filter(() => rng.chance(0.4));
      contact.customFields.push({ id: fieldId, value: chosen.length > 0 ? chosen : [rng.pick(NUMERIC_OPTIONS_FIELD.options)] });
    }
  });
  return seeded;
}

const CONTACT_EVENT_FIELDS = [
  'address1', 'city', 'companyName', 'country', 'source', 'dateOfBirth', 'email', 'firstName', 'lastName',
  'name', 'phone', 'postalCode', 'state', 'website', 'assignedTo',
] as const;

/** A webhook event as live HighLevel sends it: nulls for what is not there, fields no doc lists. */
export function quirkyEvent(event: Json & { type: string }): Json & { type: string } {
  const e: Json & { type: string } = { ...event, version: 2 };
  if (e.type.startsWith('Contact')) {
    for (const key of CONTACT_EVENT_FIELDS) e[key] ??= null;
    e.tags = looseList(e.tags);
    if (numberLike(e.postalCode)) e.postalCode = Number(e.postalCode);
    if (Array.isArray(e.customFields)) e.customFields = e.customFields.map(quirkyCustomValue);
  }
  return e;
}
