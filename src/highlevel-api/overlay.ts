// Corrections to HighLevel's published OpenAPI files, applied on load (never to the vendored
// files themselves). Each one is small and says why, citing ../shared/ghl-api/NOTES.md (the
// notes on where the live API differs from the files). The loader applies them in order after
// inlining common/common-schemas.json into each document, so `#/components/schemas/...` refs
// reach the common error shapes too.
import type { ApiApp, OpenAPIDoc, OperationObject, ResponseObject, SchemaObject } from './openapi.ts';
import { operationsOf } from './openapi.ts';
import { CONTACT_ACTION_CORRECTIONS } from './overlay-contact-actions.ts';
import { operation, schema } from './overlay-lookup.ts';

export interface SpecCorrection {
  app: ApiApp | 'all';
  /** What changes, in a few words. */
  what: string;
  /** Why, with the NOTES.md section it comes from. */
  why: string;
  apply(doc: OpenAPIDoc): void;
}

// ---- helpers -------------------------------------------------------------------------------

const ref = (name: string): SchemaObject => ({ $ref: `#/components/schemas/${name}` });
const str = (extra: SchemaObject = {}): SchemaObject => ({ type: 'string', ...extra });
const num = (extra: SchemaObject = {}): SchemaObject => ({ type: 'number', ...extra });
const int = (extra: SchemaObject = {}): SchemaObject => ({ type: 'integer', ...extra });
const bool = (): SchemaObject => ({ type: 'boolean' });
const nullable = (s: SchemaObject): SchemaObject => ({ ...s, nullable: true });
const arrayOf = (items: SchemaObject, extra: SchemaObject = {}): SchemaObject => ({ type: 'array', items, ...extra });
const object = (properties: Record<string, SchemaObject>, required: string[] = []): SchemaObject =>
  required.length > 0 ? { type: 'object', properties, required } : { type: 'object', properties };

function jsonResponse(description: string, schema: SchemaObject): ResponseObject {
  return { description, content: { 'application/json': { schema } } };
}

function properties(s: SchemaObject): Record<string, SchemaObject> {
  return s.properties as Record<string, SchemaObject>;
}

function queryParam(op: OperationObject, name: string) {
  const p = op.parameters?.find((x) => x.in === 'query' && x.name === name);
  if (!p) throw new Error(`spec overlay: ${op.operationId} has no query parameter ${name}`);
  return p;
}

// ---- shapes HighLevel sends but the files do not describe -----------------------------------

/** string | number | string[]: how live contacts carry custom field values. */
const CUSTOM_FIELD_VALUE: SchemaObject = { anyOf: [str(), num(), arrayOf(str())] };

/** The contact object as live list, search, get and write responses carry it. */
const LIVE_CONTACT: SchemaObject = {
  type: 'object',
  description: 'A contact as the live API returns it (NOTES.md "Listing contacts"); more fields may be present.',
  properties: {
    id: str(),
    locationId: str(),
    firstName: nullable(str()),
    lastName: nullable(str()),
    contactName: nullable(str()),
    companyName: nullable(str()),
    email: nullable(str()),
    phone: nullable(str()),
    dnd: bool(),
    dndSettings: ref('DndSettingsSchema'),
    type: nullable(str()),
    assignedTo: nullable(str()),
    dateAdded: str(),
    dateUpdated: str(),
    dateOfBirth: nullable(str()),
    address1: nullable(str()),
    city: nullable(str()),
    state: nullable(str()),
    postalCode: nullable(str()),
    country: nullable(str()),
    timezone: nullable(str()),
    website: nullable(str()),
    source: nullable(str()),
    businessId: nullable(str()),
    additionalEmails: nullable(arrayOf(str())),
    tags: arrayOf(str()),
    followers: nullable(arrayOf(str())),
    customFields: arrayOf(ref('LiveCustomFieldValue')),
  },
  required: ['id', 'locationId'],
};

/** A custom field written in create/update/upsert: `{id | key, field_value}` (NOTES.md "Writing"). */
const CUSTOM_FIELD_INPUT: SchemaObject = {
  anyOf: [
    object({ id: str(), key: str(), field_value: ref('CustomFieldInputValue') }, ['id']),
    object({ key: str(), id: str(), field_value: ref('CustomFieldInputValue') }, ['key']),
  ],
};

const SEARCH_FILTER_COMPARISON: SchemaObject = object(
  {
    field: str(),
    operator: str({ enum: ['eq', 'not_eq', 'contains', 'not_contains'] }),
    value: { anyOf: [str(), num(), bool(), arrayOf({ anyOf: [str(), num()] })] },
  },
  ['field', 'operator', 'value'],
);
const SEARCH_FILTER_EXISTENCE: SchemaObject = object(
  { field: str(), operator: str({ enum: ['exists', 'not_exists'] }) },
  ['field', 'operator'],
);
const SEARCH_FILTER_RANGE: SchemaObject = object(
  {
    field: str(),
    operator: str({ enum: ['range'] }),
    // A range names at least one bound (NOTES.md "Listing contacts": `range` with gte/lte/gt/lt).
    value: {
      ...object({
        gte: { anyOf: [num(), str()] },
        lte: { anyOf: [num(), str()] },
        gt: { anyOf: [num(), str()] },
        lt: { anyOf: [num(), str()] },
      }),
      minProperties: 1,
    },
  },
  ['field', 'operator', 'value'],
);
const SEARCH_FILTER_GROUP: SchemaObject = object(
  { group: str({ enum: ['AND', 'OR'] }), filters: arrayOf(ref('ContactSearchFilter')) },
  ['group', 'filters'],
);

const CONTACT_SEARCH_BODY: SchemaObject = object(
  {
    locationId: str({ minLength: 1 }),
    pageLimit: int({ minimum: 1, maximum: 500 }),
    page: int({ minimum: 1 }),
    searchAfter: arrayOf({ anyOf: [str(), num()] }),
    filters: arrayOf(ref('ContactSearchFilter')),
    sort: arrayOf(object({ field: str(), direction: str({ enum: ['asc', 'desc'] }) }, ['field', 'direction'])),
    query: str(),
  },
  ['locationId', 'pageLimit'],
);

/** A task as both the per-contact endpoints and the location-wide search return it. */
const LIVE_TASK: SchemaObject = {
  type: 'object',
  properties: {
    id: str(),
    title: str(),
    body: nullable(str()),
    assignedTo: nullable(str()),
    dueDate: str(),
    completed: bool(),
    contactId: str(),
  },
  required: ['id', 'title', 'dueDate', 'completed', 'contactId'],
};

const ERROR_SCHEMAS: Record<string, SchemaObject> = {
  BadRequestDTO: object(
    {
      statusCode: num(),
      message: str(),
      error: str(),
      meta: { type: 'object', properties: { contactId: str() } },
    },
    ['statusCode', 'message'],
  ),
  UnauthorizedDTO: object({ statusCode: num(), message: str(), error: str() }, ['statusCode', 'message', 'error']),
  ForbiddenDTO: object({ statusCode: num(), message: str(), error: str() }, ['statusCode', 'message']),
  NotFoundDTO: object({ statusCode: num(), message: str(), error: str() }, ['statusCode', 'message']),
  UnprocessableDTO: object({ statusCode: num(), message: arrayOf(str()), error: str() }, ['statusCode', 'message', 'error']),
  TooManyRequestsDTO: object({ statusCode: num(), message: str() }),
};

const ERROR_RESPONSES: Array<[status: string, description: string, schemaName: string]> = [
  ['400', 'Bad Request', 'BadRequestDTO'],
  ['401', 'Unauthorized', 'UnauthorizedDTO'],
  ['403', 'Forbidden', 'ForbiddenDTO'],
  ['404', 'Not Found', 'NotFoundDTO'],
  ['422', 'Unprocessable Entity', 'UnprocessableDTO'],
  ['429', 'Too Many Requests', 'TooManyRequestsDTO'],
];

// ---- the corrections -------------------------------------------------------------------------

export const CORRECTIONS: readonly SpecCorrection[] = [
  {
    app: 'all',
    what: 'error bodies: 400/401/403/404/422/429 on every operation',
    why:
      'NOTES.md "Basics": errors are 400 {statusCode, message} (+ meta.contactId on a duplicate, "Writing"), ' +
      '401 {statusCode, message, error}, 422 {statusCode, message: string[], error}; 403 "The token does not have ' +
      'access to this location." is seen live; "Rate limits": over the limit answers 429 (body undocumented). ' +
      'The files attach only some of these, and some without a body schema.',
    apply(doc) {
      Object.assign(doc.components.schemas, structuredClone(ERROR_SCHEMAS));
      for (const { op } of operationsOf(doc)) {
        for (const [status, description, name] of ERROR_RESPONSES) {
          op.responses[status] = jsonResponse(description, ref(name));
        }
      }
    },
  },
  {
    app: 'contacts',
    what: 'live contact object (Contact) used by list, search, get and write responses',
    why:
      'NOTES.md "Listing contacts": live contact objects carry far more than ContactsSearchSchema lists ' +
      '(firstName, lastName, contactName, ..., customFields [{id, value}] with value string, number or string[]); ' +
      'tolerate missing and null ones.',
    apply(doc) {
      const s = doc.components.schemas;
      s.LiveCustomFieldValue = object({ id: str(), value: CUSTOM_FIELD_VALUE }, ['id']);
      s.Contact = structuredClone(LIVE_CONTACT);
      properties(schema(doc, 'ContactsSearchSuccessfulResponseDto')).contacts = arrayOf(ref('Contact'));
      properties(schema(doc, 'ContactsByIdSuccessfulResponseDto')).contact = ref('Contact');
      properties(schema(doc, 'CreateContactsSuccessfulResponseDto')).contact = ref('Contact');
      properties(schema(doc, 'UpdateContactsSuccessfulResponseDto')).contact = ref('Contact');
      properties(schema(doc, 'UpsertContactsSuccessfulResponseDto')).contact = ref('Contact');
    },
  },
  {
    app: 'contacts',
    what: 'GET /contacts/: meta attached to the 200 response; limit at most 100',
    why:
      'NOTES.md "Listing contacts": live responses also carry meta {total, nextPageUrl, startAfter, startAfterId, ' +
      'currentPage, nextPage, prevPage} (ContactsMetaSchema is defined but never attached; cursor fields are null ' +
      'on the last page); limit max 100, default 20.',
    apply(doc) {
      doc.components.schemas.ContactsMetaSchema = object({
        total: num(),
        nextPageUrl: nullable(str()),
        startAfterId: nullable(str()),
        startAfter: nullable(num()),
        currentPage: nullable(num()),
        nextPage: nullable(num()),
        prevPage: nullable(num()),
      });
      doc.components.schemas.ContactsListSuccessfulResponseDto = object(
        { contacts: arrayOf(ref('Contact')), count: num(), meta: ref('ContactsMetaSchema') },
        ['contacts', 'meta'],
      );
      const op = operation(doc, 'get', '/contacts/');
      op.responses['200'] = jsonResponse('Successful response', ref('ContactsListSuccessfulResponseDto'));
      const limit = queryParam(op, 'limit');
      limit.schema = { ...limit.schema, minimum: 1, maximum: 100 };
    },
  },
  {
    app: 'contacts',
    what: 'POST /contacts/search: the real body and 200 response',
    why:
      'NOTES.md "Listing contacts": the body is empty in the spec; live takes {locationId, pageLimit (max 500), page?, ' +
      'searchAfter?, filters?, sort?, query?} with {field, operator, value} filters (eq, not_eq, contains, ' +
      'not_contains, exists, not_exists, range with gte/lte/gt/lt) optionally grouped {group: AND|OR, filters}, and ' +
      'answers {contacts, total}, each contact carrying searchAfter.',
    apply(doc) {
      const s = doc.components.schemas;
      s.ContactSearchFilter = {
        anyOf: [
          structuredClone(SEARCH_FILTER_COMPARISON),
          structuredClone(SEARCH_FILTER_EXISTENCE),
          structuredClone(SEARCH_FILTER_RANGE),
          structuredClone(SEARCH_FILTER_GROUP),
        ],
      };
      s.SearchBodyV2DTO = structuredClone(CONTACT_SEARCH_BODY);
      s.ContactSearchHit = {
        allOf: [ref('Contact'), object({ searchAfter: arrayOf({ anyOf: [str(), num()] }) }, ['searchAfter'])],
      };
      s.ContactSearchSuccessfulResponseDto = object(
        { contacts: arrayOf(ref('ContactSearchHit')), total: num() },
        ['contacts', 'total'],
      );
      const op = operation(doc, 'post', '/contacts/search');
      op.responses['200'] = jsonResponse('Successful response', ref('ContactSearchSuccessfulResponseDto'));
    },
  },
  {
    app: 'contacts',
    what: 'GET /contacts/business/{businessId}: response is the contact list with a total',
    why: 'NOTES.md "Listing contacts": lists a business\'s contacts (skip, limit); the objects are live contacts.',
    apply(doc) {
      doc.components.schemas.ContactsByBusinessSuccessfulResponseDto = object({
        contacts: arrayOf(ref('Contact')),
        count: num(),
        total: num(),
      }, ['contacts']);
      const op = operation(doc, 'get', '/contacts/business/{businessId}');
      op.responses['200'] = jsonResponse('Successful response', ref('ContactsByBusinessSuccessfulResponseDto'));
    },
  },
  {
    app: 'contacts',
    what: 'contact write bodies: custom field values and dateOfBirth typed as sent',
    why:
      'NOTES.md "Writing": custom fields are written as [{id | key, field_value}]; the files type numeric and ' +
      'monetary field_value as "object" (example 100) and require id even though key is accepted, and type ' +
      'dateOfBirth as "object" with a string example.',
    apply(doc) {
      const s = doc.components.schemas;
      s.CustomFieldInputValue = { anyOf: [str(), num(), bool(), arrayOf(str()), { type: 'object' }] };
      s.CustomFieldInput = structuredClone(CUSTOM_FIELD_INPUT);
      for (const name of ['CreateContactDto', 'UpdateContactDto', 'UpsertContactDto']) {
        const props = properties(schema(doc, name));
        props.customFields = arrayOf(ref('CustomFieldInput'));
        props.dateOfBirth = nullable(str({ description: 'YYYY-MM-DD (other date formats are accepted too)' }));
      }
    },
  },
  {
    app: 'contacts',
    what: 'tasks and notes objects: ids required, nullable where live sends null',
    why:
      'NOTES.md "Listing contacts": tasks and notes lists per contact have no paging; keep every field received and ' +
      'tolerate null ones (a task without body or assignee, a note written by no user). "Writing": tasks need ' +
      'title, dueDate, completed; notes need body.',
    apply(doc) {
      doc.components.schemas.TaskSchema = structuredClone(LIVE_TASK);
      const note = schema(doc, 'GetNoteSchema');
      properties(note).userId = nullable(str());
      note.required = ['id', 'body'];
      for (const name of ['TasksListSuccessfulResponseDto', 'GetNotesListSuccessfulResponseDto']) {
        const s = schema(doc, name);
        s.required = Object.keys(properties(s));
      }
    },
  },
  {
    app: 'contacts',
    what: 'successful single-object answers carry their object',
    why:
      'NOTES.md "Writing" and "Listing contacts": a 200/201 of get, create, update and upsert returns the contact, ' +
      'task or note it is about (the files mark nothing required, so every wrapper property reads as optional).',
    apply(doc) {
      const required: Array<[string, string[]]> = [
        ['ContactsByIdSuccessfulResponseDto', ['contact']],
        ['CreateContactsSuccessfulResponseDto', ['contact']],
        ['UpdateContactsSuccessfulResponseDto', ['contact']],
        ['UpsertContactsSuccessfulResponseDto', ['contact']],
        ['TaskByIsSuccessfulResponseDto', ['task']],
        ['GetCreateUpdateNoteSuccessfulResponseDto', ['note']],
        ['CreateAddTagSuccessfulResponseDto', ['tags']],
        ['CreateDeleteTagSuccessfulResponseDto', ['tags']],
      ];
      for (const [name, props] of required) schema(doc, name).required = props;
    },
  },
  {
    app: 'locations',
    what: 'GET /locations/{locationId}/customFields: the list is always there',
    why: 'NOTES.md "Basics": custom field definitions are read with locations/customFields.readonly; a 200 carries the list.',
    apply(doc) {
      schema(doc, 'CustomFieldsListSuccessfulResponseDto').required = ['customFields'];
      const field = schema(doc, 'CustomFieldSchema');
      field.required = ['id', 'name', 'fieldKey', 'dataType'];
    },
  },
  {
    app: 'locations',
    what: 'POST /locations/{locationId}/tasks/search: tasks are task objects, not arrays; total',
    why:
      'NOTES.md "Listing contacts": POST /locations/{locationId}/tasks/search searches tasks location-wide ' +
      '(skip/limit); the file types `tasks` as an array of arrays.',
    apply(doc) {
      doc.components.schemas.TaskSchema = structuredClone(LIVE_TASK);
      doc.components.schemas.LocationTaskListSuccessfulResponseDto = object(
        { tasks: arrayOf(ref('TaskSchema')), total: num() },
        ['tasks'],
      );
      const body = schema(doc, 'TaskSearchParamsDto');
      const props = properties(body);
      props.limit = { ...props.limit, minimum: 1 };
      props.skip = { ...props.skip, minimum: 0 };
      const op = operation(doc, 'post', '/locations/{locationId}/tasks/search');
      op.responses['200'] = jsonResponse('Successful response', ref('LocationTaskListSuccessfulResponseDto'));
    },
  },
  {
    app: 'oauth',
    what: 'POST /oauth/locationToken: the response carries a refresh token',
    why:
      'NOTES.md "Basics": POST /oauth/locationToken returns a location access token and, in practice, a refresh ' +
      'token too.',
    apply(doc) {
      const s = schema(doc, 'GetLocationAccessTokenSuccessfulResponseDto');
      properties(s).refresh_token = str();
      properties(s).userType = str();
      properties(s).companyId = str();
    },
  },
  ...CONTACT_ACTION_CORRECTIONS,
];

/** Applies, in order, the corrections that concern `app` to `doc` (mutates it). */
export function applyOverlay(app: ApiApp, doc: OpenAPIDoc): OpenAPIDoc {
  for (const c of CORRECTIONS) {
    if (c.app === 'all' || c.app === app) c.apply(doc);
  }
  return doc;
}

// The schema fragments are exported for tests and docs; they are plain data.
export const OVERLAY_SCHEMAS = { LIVE_CONTACT, LIVE_TASK, CONTACT_SEARCH_BODY, ERROR_SCHEMAS } as const;
