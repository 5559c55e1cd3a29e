// The sandbox's OAuth endpoints behave as HighLevel's do (apps/oauth.json, NOTES.md "OAuth 2.0").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loginDirect, REDIRECT_URI, startOAuthSandbox, type OAuthSandbox } from './auth-helpers.ts';

let sandbox: OAuthSandbox;
let clock = Date.now();
// timeScale 10: tokens live 60 s / 10 = 6 s and the refresh grace window is 3 s, of the fake clock.
beforeAll(async () => {
  sandbox = await startOAuthSandbox({ tokenTtlSeconds: 60, timeScale: 10, clock: () => clock });
});
afterAll(() => sandbox.stop());

const form = (fields: Record<string, string>) => ({
  method: 'POST',
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams(fields),
});
const refresh = (refreshToken: string) =>
  fetch(`${sandbox.url}/oauth/token`, form({
    client_id: sandbox.oauth.clientId, client_secret: sandbox.oauth.clientSecret,
    grant_type: 'refresh_token', refresh_token: refreshToken, user_type: 'Location',
  }));
const listContacts = (token: string, locationId: string) =>
  fetch(`${sandbox.url}/contacts/?locationId=${locationId}&limit=1`, { headers: { authorization: `Bearer ${token}`, version: '2021-07-28' } });

describe('sandbox OAuth', () => {
  it('redirects the authorize page back with code and state; refuses an unknown client', async () => {
    const url = `${sandbox.url}/v2/oauth/chooselocation?response_type=code&client_id=${sandbox.oauth.clientId}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&scope=contacts.readonly&state=abc`;
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(302);
    const target = new URL(res.headers.get('location')!);
    expect(`${target.origin}${target.pathname}`).toBe(REDIRECT_URI);
    expect(target.searchParams.get('state')).toBe('abc');
    expect(target.searchParams.get('code')).toBeTruthy();

    const bad = await fetch(url.replace(sandbox.oauth.clientId, 'nope'), { redirect: 'manual' });
    expect(bad.status).toBe(400);
  });

  it('exchanges a code once for tokens the contacts routes accept, until they expire', async () => {
    const answer = await loginDirect(sandbox);
    expect(answer).toMatchObject({ token_type: 'Bearer', expires_in: 6, userType: 'Location', locationId: sandbox.locations[0]!.id, companyId: sandbox.companyId });
    expect((await listContacts(answer.access_token, answer.locationId!)).status).toBe(200);
    clock += 7_000;
    expect((await listContacts(answer.access_token, answer.locationId!)).status).toBe(401);
  });

  it('makes refresh tokens single-use, with a grace window for concurrent refreshes', async () => {
    const answer = await loginDirect(sandbox);
    const first = await refresh(answer.refresh_token!);
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { access_token: string; refresh_token: string };
    expect(firstBody.refresh_token).not.toBe(answer.refresh_token);

    clock += 1_000; // inside 30 s / 10
    const again = (await (await refresh(answer.refresh_token!)).json()) as { access_token: string };
    expect(again.access_token).toBe(firstBody.access_token);

    clock += 5_000; // past the window
    const late = await refresh(answer.refresh_token!);
    expect(late.status).toBe(400);
    expect(await late.json()).toMatchObject({ statusCode: 400, error: 'invalid_grant', error_description: 'Invalid grant: refresh token is invalid' });
    // The new refresh token still works.
    expect((await refresh(firstBody.refresh_token)).status).toBe(200);
  });

  it('answers "Location is not active" for a suspended location without spending the token', async () => {
    const answer = await loginDirect(sandbox);
    sandbox.oauthAuthority.setLocationActive(answer.locationId!, false);
    const suspended = await refresh(answer.refresh_token!);
    expect(suspended.status).toBe(400);
    expect(((await suspended.json()) as { message: string }).message).toBe('Location is not active');
    await fetch(`${sandbox.url}/__sandbox/oauth/location-status`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ locationId: answer.locationId, active: true }),
    });
    expect((await refresh(answer.refresh_token!)).status).toBe(200);
  });

  it('lists installed locations and mints location tokens for a Company token', async () => {
    const company = await loginDirect(sandbox, { userType: 'Company' });
    expect(company.userType).toBe('Company');
    expect(company.locationId).toBeUndefined();
    const auth = { authorization: `Bearer ${company.access_token}`, version: '2021-07-28' };
    const appId = sandbox.oauth.clientId.split('-')[0]!;

    const listed = await fetch(`${sandbox.url}/oauth/installedLocations?companyId=${sandbox.companyId}&appId=${appId}`, { headers: auth });
    expect(listed.status).toBe(200);
    const body = (await listed.json()) as { locations: Array<{ _id: string }>; count: number };
    expect(body.locations.map((l) => l._id).sort()).toEqual(sandbox.locations.map((l) => l.id).sort());
    expect((await fetch(`${sandbox.url}/oauth/installedLocations?companyId=${sandbox.companyId}`, { headers: auth })).status).toBe(422);

    const locationId = sandbox.locations[1]!.id;
    const minted = await fetch(`${sandbox.url}/oauth/locationToken`, {
      ...form({ companyId: sandbox.companyId, locationId }), headers: { ...form({}).headers, ...auth },
    });
    expect(minted.status).toBe(200);
    const token = (await minted.json()) as { access_token: string; refresh_token: string; locationId: string };
    expect(token.locationId).toBe(locationId);
    expect(token.refresh_token).toBeTruthy();
    expect((await listContacts(token.access_token, locationId)).status).toBe(200);
  });
});
