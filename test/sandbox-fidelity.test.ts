// Fidelity of the sandbox to HighLevel's contract (apps/*.json, NOTES.md): each case is a
// request the real API refuses, which the sandbox once accepted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authHeaders, sandboxState } from './helpers/sandbox.ts';
import { loginDirect, startOAuthSandbox, type OAuthSandbox } from './auth-helpers.ts';

let sandbox: OAuthSandbox;
beforeAll(async () => {
  sandbox = await startOAuthSandbox({ locations: 2, contacts: 3 });
});
afterAll(() => sandbox.stop());

const form = (fields: Record<string, string>, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
  body: new URLSearchParams(fields),
});

describe('agency (Company) tokens', () => {
  it('reach no location data until exchanged at /oauth/locationToken (NOTES.md "Basics")', async () => {
    const company = await loginDirect(sandbox, { userType: 'Company' });
    const loc = sandbox.locations[0]!;
    const list = await fetch(`${sandbox.url}/contacts/?locationId=${loc.id}&limit=1`, { headers: authHeaders(company.access_token) });
    expect(list.status).toBe(403);
    expect(await list.json()).toMatchObject({ statusCode: 403, message: 'The token does not have access to this location.' });

    const contact = (await sandboxState(sandbox, loc.id)).contacts[0]!;
    const write = await fetch(`${sandbox.url}/contacts/${contact.id}/notes`, {
      method: 'POST',
      headers: authHeaders(company.access_token, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ body: 'agency tokens cannot write here' }),
    });
    expect(write.status).toBe(403);
    expect((await sandboxState(sandbox, loc.id)).notes.some((n) => n.body === 'agency tokens cannot write here')).toBe(false);
  });
});

describe('OAuth endpoints are validated against apps/oauth.json', () => {
  it('refuses /oauth/locationToken without the Version header, and unknown form fields', async () => {
    const company = await loginDirect(sandbox, { userType: 'Company' });
    const fields = { companyId: sandbox.companyId, locationId: sandbox.locations[1]!.id };
    const bearer = { authorization: `Bearer ${company.access_token}` };

    const noVersion = await fetch(`${sandbox.url}/oauth/locationToken`, form(fields, bearer));
    expect(noVersion.status).toBe(422);
    expect(await noVersion.json()).toMatchObject({ message: ['Version header was not found'] });

    const extra = await fetch(`${sandbox.url}/oauth/locationToken`, form({ ...fields, foo: 'bar' }, { ...bearer, version: '2021-07-28' }));
    expect(extra.status).toBe(422);
    expect(await extra.json()).toMatchObject({ message: ['property foo should not exist'] });

    const noBearer = await fetch(`${sandbox.url}/oauth/locationToken`, form(fields));
    expect(noBearer.status).toBe(401);
  });

  it('reads /oauth/token only as application/x-www-form-urlencoded: a JSON body is no body', async () => {
    const res = await fetch(`${sandbox.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_id: sandbox.oauth.clientId, client_secret: sandbox.oauth.clientSecret,
        grant_type: 'refresh_token', refresh_token: 'whatever',
      }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({
      statusCode: 422,
      message: expect.arrayContaining(['client_id should not be empty', 'client_secret should not be empty', 'grant_type should not be empty']),
    });
  });

  it('refuses a grant type outside the spec enum with 422', async () => {
    const res = await fetch(`${sandbox.url}/oauth/token`, form({
      client_id: sandbox.oauth.clientId, client_secret: sandbox.oauth.clientSecret, grant_type: 'password',
    }));
    expect(res.status).toBe(422);
  });
});

describe('request bodies in an undeclared media type', () => {
  it('does not read JSON sent as text/plain (apps/contacts.json declares application/json)', async () => {
    const loc = sandbox.locations[0]!;
    const res = await fetch(`${sandbox.url}/contacts/`, {
      method: 'POST',
      headers: authHeaders(loc.token, { 'Content-Type': 'text/plain' }),
      body: JSON.stringify({ locationId: loc.id, firstName: 'Plain' }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ message: expect.arrayContaining(['locationId should not be empty']) });
    expect((await sandboxState(sandbox, loc.id)).contacts.some((c) => c.firstName === 'Plain')).toBe(false);
  });
});

describe('POST /contacts/search filters', () => {
  it('refuses a range filter that names no bound', async () => {
    const loc = sandbox.locations[0]!;
    const res = await fetch(`${sandbox.url}/contacts/search`, {
      method: 'POST',
      headers: authHeaders(loc.token, { 'Content-Type': 'application/json' }),
      body: JSON.stringify({ locationId: loc.id, pageLimit: 1, filters: [{ field: 'dateAdded', operator: 'range', value: {} }] }),
    });
    expect(res.status).toBe(422);
    expect(await res.json()).toMatchObject({ message: ['filters.0.value should not be empty'] });
  });
});
