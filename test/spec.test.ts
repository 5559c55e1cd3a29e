// The API contract: HighLevel's files + our overlay, the validator the sandbox and tests share,
// and the committed generated types.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadApiSpecs, readVendoredSpec } from '../src/highlevel-api/load.ts';
import { CORRECTIONS } from '../src/highlevel-api/overlay.ts';
import { createSpecValidator, type MatchedOperation } from '../src/highlevel-api/validator.ts';
import { GENERATED_DIR, generateApiTypes } from '../src/highlevel-api/generate.ts';
import { API_APPS } from '../src/highlevel-api/openapi.ts';

const VERSION = { version: '2021-07-28' };
const validator = createSpecValidator();

function op(method: string, path: string): MatchedOperation {
  const matched = validator.match(method, path);
  if (!matched) throw new Error(`no operation for ${method} ${path}`);
  return matched;
}

type Schema = { [k: string]: unknown };
const schemaOf = (app: 'contacts' | 'locations', name: string) =>
  loadApiSpecs()[app].components.schemas[name] as Schema;

describe('spec overlay', () => {
  it('leaves the vendored files as HighLevel published them', () => {
    expect(readVendoredSpec('contacts').components.schemas.SearchBodyV2DTO).toEqual({ type: 'object', properties: {} });
  });

  it('gives the contact search body its real fields, pageLimit at most 500', () => {
    const body = schemaOf('contacts', 'SearchBodyV2DTO');
    const props = body.properties as Record<string, Schema>;
    expect(props.pageLimit).toMatchObject({ minimum: 1, maximum: 500 });
    expect(body.required).toEqual(expect.arrayContaining(['locationId', 'pageLimit']));
  });

  it('attaches meta to the GET /contacts/ answer and caps limit at 100', () => {
    const list = loadApiSpecs().contacts.paths['/contacts/']!.get!;
    const ok = list.responses['200']!.content!['application/json']!.schema!;
    expect(ok).toEqual({ $ref: '#/components/schemas/ContactsListSuccessfulResponseDto' });
    const props = schemaOf('contacts', 'ContactsListSuccessfulResponseDto').properties as Record<string, Schema>;
    expect(props.meta).toEqual({ $ref: '#/components/schemas/ContactsMetaSchema' });
    expect(list.parameters!.find((p) => p.name === 'limit')!.schema).toMatchObject({ maximum: 100 });
  });

  it('says why for every correction, citing NOTES.md', () => {
    for (const c of CORRECTIONS) expect(c.why).toMatch(/NOTES\.md/);
  });

  it('resolves every $ref inside each corrected document', () => {
    for (const doc of Object.values(loadApiSpecs())) {
      const refs = JSON.stringify(doc).match(/"\$ref":"[^"]*"/g) ?? [];
      for (const r of refs) {
        const target = r.slice(8, -1);
        expect(target.startsWith('#/components/schemas/'), target).toBe(true);
        expect(doc.components.schemas[target.split('/').pop()!], target).toBeDefined();
      }
    }
  });
});

describe('spec validator: matching', () => {
  it('prefers literal segments over parameters', () => {
    expect(op('POST', '/contacts/search').operationId).toBe('search-contacts-advanced');
    expect(op('GET', '/contacts/abc123').pathParams).toEqual({ contactId: 'abc123' });
    expect(op('GET', '/contacts/business/b1').operationId).toBe('get-contacts-by-businessId');
    expect(op('DELETE', '/contacts/c1/campaigns/removeAll').operationId).toBe('remove-contact-from-every-campaign');
  });

  it('matches the list with or without its trailing slash and reports scopes', () => {
    expect(op('GET', '/contacts/').operationId).toBe('get-contacts');
    expect(op('GET', '/contacts').scopes).toEqual(['contacts.readonly']);
    expect(op('POST', '/locations/L1/tasks/search').scopes).toEqual(['locations/tasks.readonly']);
    expect(op('GET', '/locations/L1/customFields').scopes).toEqual(['locations/customFields.readonly']);
    expect(validator.match('GET', '/no/such/thing')).toBeUndefined();
  });
});

describe('spec validator: requests', () => {
  const search = op('POST', '/contacts/search');

  it('refuses a request without the Version header', () => {
    expect(validator.validateRequest(search, { headers: {}, query: {}, body: { locationId: 'L', pageLimit: 10 } }))
      .toEqual(['Version header was not found']);
  });

  it('refuses an unknown body property, as HighLevel does', () => {
    expect(validator.validateRequest(search, { headers: VERSION, query: {}, body: { locationId: 'L', pageLimit: 10, foo: 1 } }))
      .toEqual(['property foo should not exist']);
    const update = op('PUT', '/contacts/c1');
    expect(validator.validateRequest(update, { headers: VERSION, query: {}, body: { locationId: 'L' } }))
      .toEqual(['property locationId should not exist']);
  });

  it('refuses pageLimit 501', () => {
    expect(validator.validateRequest(search, { headers: VERSION, query: {}, body: { locationId: 'L', pageLimit: 501 } }))
      .toEqual(['pageLimit must not be greater than 500']);
  });

  it('accepts a search with filters, groups, sort and searchAfter; names a bad filter', () => {
    const body = {
      locationId: 'L',
      pageLimit: 500,
      searchAfter: [1712345678901, 'abc'],
      filters: [
        { field: 'tags', operator: 'contains', value: 'vip' },
        { group: 'OR', filters: [{ field: 'dateUpdated', operator: 'range', value: { gte: '2024-01-01' } }, { field: 'email', operator: 'exists' }] },
      ],
      sort: [{ field: 'dateAdded', direction: 'asc' }],
    };
    expect(validator.validateRequest(search, { headers: VERSION, query: {}, body })).toEqual([]);
    const bad = { locationId: 'L', pageLimit: 5, filters: [{ field: 'email', operator: 'eq' }] };
    expect(validator.validateRequest(search, { headers: VERSION, query: {}, body: bad })).toEqual(['filters.0.value should not be empty']);
  });

  it('refuses a missing required query parameter and coerces query strings', () => {
    const list = op('GET', '/contacts/');
    expect(validator.validateRequest(list, { headers: VERSION, query: { limit: '20' }, body: undefined }))
      .toEqual(['locationId should not be empty']);
    expect(validator.validateRequest(list, { headers: VERSION, query: { locationId: 'L', limit: '100', startAfter: '1712345678901' }, body: undefined }))
      .toEqual([]);
    expect(validator.validateRequest(list, { headers: VERSION, query: { locationId: 'L', limit: '101' }, body: undefined }))
      .toEqual(['limit must not be greater than 100']);
  });

  it('accepts a correct create-contact body, custom fields by id or key', () => {
    const create = op('POST', '/contacts/');
    const body = {
      locationId: 'L',
      firstName: 'Ana',
      lastName: 'García',
      email: 'ana@example.com',
      phone: '+34600000000',
      tags: ['vip'],
      dateOfBirth: '1990-09-25',
      customFields: [{ id: 'f1', field_value: 'x' }, { key: 'budget', field_value: 1200 }, { id: 'f3', field_value: ['a', 'b'] }],
    };
    expect(validator.validateRequest(create, { headers: VERSION, query: {}, body })).toEqual([]);
    expect(validator.validateRequest(create, { headers: VERSION, query: {}, body: { firstName: 'x' } }))
      .toEqual(['locationId should not be empty']);
  });

  it('validates the parsed form of an OAuth token request', () => {
    const token = op('POST', '/oauth/token');
    const form = { client_id: 'c', client_secret: 's', grant_type: 'refresh_token', refresh_token: 'r', user_type: 'Location' };
    expect(validator.validateRequest(token, { headers: {}, query: {}, body: form })).toEqual([]);
    expect(validator.validateRequest(token, { headers: {}, query: {}, body: { ...form, grant_type: 'password' } }))
      .toEqual(['grant_type must be one of the following values: authorization_code, refresh_token, client_credentials']);
  });
});

describe('spec validator: responses', () => {
  const list = op('GET', '/contacts/');

  it('accepts a realistic live contact list with numbers and string[] custom values and extra fields', () => {
    const body = {
      contacts: [
        {
          id: 'c1', locationId: 'L', firstName: 'Ana', lastName: null, contactName: 'ana', companyName: null,
          email: 'ana@example.com', phone: null, dnd: false, type: 'lead', assignedTo: null,
          dateAdded: '2024-04-05T10:00:00.000Z', dateUpdated: '2024-04-06T10:00:00.000Z', dateOfBirth: null,
          address1: null, city: 'Madrid', state: null, postalCode: null, website: null, additionalEmails: [],
          businessId: null, source: null, tags: ['vip'], country: 'ES', timezone: null,
          customFields: [{ id: 'f1', value: 'text' }, { id: 'f2', value: 1200 }, { id: 'f3', value: ['a', 'b'] }],
          attributions: [], somethingNew: { x: 1 },
        },
      ],
      count: 1,
      meta: { total: 1, nextPageUrl: null, startAfterId: null, startAfter: null, currentPage: 1, nextPage: null, prevPage: null },
    };
    expect(validator.validateResponse(list, 200, body)).toEqual([]);
  });

  it('flags a list without meta and a custom value of an unknown shape', () => {
    const body = { contacts: [{ id: 'c1', locationId: 'L', customFields: [{ id: 'f', value: { a: 1 } }] }], count: 1 };
    expect(validator.validateResponse(list, 200, body)).toEqual(
      expect.arrayContaining(['meta should not be empty', 'contacts.0.customFields.0.value must be a string']),
    );
  });

  it('checks error bodies as NOTES.md describes them', () => {
    expect(validator.validateResponse(list, 422, { statusCode: 422, message: ['limit must not be greater than 100'], error: 'Unprocessable Entity' })).toEqual([]);
    expect(validator.validateResponse(list, 401, { statusCode: 401, message: 'Invalid JWT', error: 'Unauthorized' })).toEqual([]);
    expect(validator.validateResponse(list, 422, { statusCode: 422, message: 'x', error: 'Unprocessable Entity' })).not.toEqual([]);
    const create = op('POST', '/contacts/');
    expect(validator.validateResponse(create, 400, { statusCode: 400, message: 'This location does not allow duplicated contacts.', meta: { contactId: 'c1' } })).toEqual([]);
  });

  it('checks search hits and location-wide task search answers', () => {
    const search = op('POST', '/contacts/search');
    expect(validator.validateResponse(search, 200, { contacts: [{ id: 'c1', locationId: 'L', searchAfter: [1712345678901, 'c1'] }], total: 1 })).toEqual([]);
    expect(validator.validateResponse(search, 200, { contacts: [{ id: 'c1', locationId: 'L' }], total: 1 })).toEqual(['contacts.0.searchAfter should not be empty']);
    const tasks = op('POST', '/locations/L/tasks/search');
    const task = { id: 't1', contactId: 'c1', title: 'Call', body: null, assignedTo: null, dueDate: '2024-04-05T10:00:00.000Z', completed: false };
    expect(validator.validateResponse(tasks, 200, { tasks: [task], total: 1 })).toEqual([]);
  });
});

describe('generated types', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-gen-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('are up to date with the spec and overlay (npm run gen:api)', async () => {
    const files = await generateApiTypes(dir);
    expect(files).toHaveLength(API_APPS.length);
    for (const file of files) {
      const name = file.slice(dir.length + 1);
      const committed = readFileSync(join(GENERATED_DIR, name));
      expect(readFileSync(file).equals(committed), `${name} is stale: run npm run gen:api`).toBe(true);
    }
  });
});
