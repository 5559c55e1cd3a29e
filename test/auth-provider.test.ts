// The OAuth token provider against the sandbox: refresh ahead of expiry, one refresh per
// location at a time, needs_reauth on a spent refresh token, inactive locations, agency installs,
// tampering detected.
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cipherForDb, TokenDecryptError } from '../src/auth/crypto.ts';
import { AuthRequiredError, LocationInactiveError } from '../src/auth/errors.ts';
import { refreshTokens } from '../src/auth/oauth-api.ts';
import { createOAuthTokenProvider, createTokenProvider, tokensFromAnswer } from '../src/auth/provider.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { openDatabase, type Db } from '../src/db/open.ts';
import { configFor, loginDirect, startOAuthSandbox, tempDir, type OAuthSandbox } from './auth-helpers.ts';
import { sqliteOf } from '../src/db/connection.ts';

let sandbox: OAuthSandbox;
let clock = Date.now();
const now = () => clock;
// Tokens live 600 s / 10 = 60 s of the fake clock; the refresh grace window is 3 s.
beforeAll(async () => {
  sandbox = await startOAuthSandbox({ tokenTtlSeconds: 600, timeScale: 10, clock: now });
});
afterAll(() => sandbox.stop());

let db: Db;
let cleanup: () => void;
function freshDb(): Db {
  const t = tempDir();
  db = openDatabase(join(t.dir, 'ghl.sqlite'));
  cleanup = () => {
    db.close();
    t.cleanup();
  };
  return db;
}
afterEach(() => cleanup());

async function connect(db: Db, opts: Parameters<typeof loginDirect>[1] = {}) {
  const answer = await loginDirect(sandbox, opts);
  const store = createTokenStore(db, cipherForDb({ dbPath: db.path }), { now });
  const subject = answer.locationId ?? answer.companyId!;
  await store.save(subject, tokensFromAnswer(answer, now()));
  return { answer, store, subject };
}

const tokenCalls = () => sandbox.oauthAuthority.counters();

describe('OAuth token provider', () => {
  it('serves the stored token, refreshes ahead of expiry once for concurrent callers', async () => {
    const db = freshDb();
    const { answer, store, subject } = await connect(db);
    const provider = createOAuthTokenProvider({ db, config: configFor(sandbox, db.path, {}, 20), now });
    expect(await provider.getToken(subject)).toBe(answer.access_token);

    clock += 45_000; // 15 s left, inside the 20 s refresh-ahead window
    const before = tokenCalls().refreshes;
    const tokens = await Promise.all(Array.from({ length: 5 }, () => provider.getToken(subject)));
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(answer.access_token);
    expect(tokenCalls().refreshes - before).toBe(1);
    // The new pair is stored (encrypted) and read back.
    expect((await store.read(subject))!.accessToken).toBe(tokens[0]);
    expect((await store.summary(subject))!.version).toBe(2);
  });

  it('refreshes once on a 401 and uses a token another process stored meanwhile', async () => {
    const db = freshDb();
    const { store, subject } = await connect(db);
    const config = configFor(sandbox, db.path);
    const a = createOAuthTokenProvider({ db, config, now });
    const b = createOAuthTokenProvider({ db, config, now });
    const old = await a.getToken(subject);
    const fresh = await a.onUnauthorized(subject, old);
    expect(fresh).toBeTruthy();
    expect(fresh).not.toBe(old);
    // b saw the old token rejected too: the stored row is already newer, so no second refresh.
    const before = tokenCalls().refreshes;
    expect(await b.onUnauthorized(subject, old)).toBe(fresh);
    expect(tokenCalls().refreshes).toBe(before);
    expect((await store.summary(subject))!.status).toBe('ok');
  });

  it('marks a location needs_reauth when its refresh token was spent elsewhere', async () => {
    const db = freshDb();
    const { answer, store, subject } = await connect(db);
    // Someone else (another copy of the database, say) refreshes with the stored token.
    await refreshTokens({ baseUrl: sandbox.url, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
      { refreshToken: answer.refresh_token!, userType: 'Location' });
    clock += 61_000; // our access token expires; the grace window is long gone
    const provider = createOAuthTokenProvider({ db, config: configFor(sandbox, db.path), now });
    const err = await provider.getToken(subject).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthRequiredError);
    expect((err as Error).message).toContain('ghl-etl auth login');
    expect((await store.summary(subject))).toMatchObject({ status: 'needs_reauth' });
    expect((await store.summary(subject))!.statusMessage).toContain('ghl-etl auth login');
    // Later calls fail fast with the same advice, without calling HighLevel.
    const before = tokenCalls().invalidGrants;
    await expect(provider.getToken(subject)).rejects.toThrow(/ghl-etl auth login/);
    expect(tokenCalls().invalidGrants).toBe(before);
  });

  it('reports an inactive location and tries it again on the next run', async () => {
    const db = freshDb();
    const { store, subject } = await connect(db);
    const config = configFor(sandbox, db.path);
    sandbox.oauthAuthority.setLocationActive(subject, false);
    clock += 61_000;
    const run1 = createOAuthTokenProvider({ db, config, now });
    await expect(run1.getToken(subject)).rejects.toBeInstanceOf(LocationInactiveError);
    expect((await store.summary(subject))).toMatchObject({ status: 'inactive', statusMessage: 'Location is not active' });

    sandbox.oauthAuthority.setLocationActive(subject, true);
    const run2 = createOAuthTokenProvider({ db, config, now });
    expect(await run2.getToken(subject)).toBeTruthy();
    expect((await store.summary(subject))!.status).toBe('ok');
  });

  it('mints location tokens from an agency (Company) login', async () => {
    const db = freshDb();
    const { subject } = await connect(db, { userType: 'Company' });
    expect(subject).toBe(sandbox.companyId);
    const provider = createTokenProvider({ db, config: configFor(sandbox, db.path, { GHL_COMPANY_ID: sandbox.companyId }), now });
    const locationId = sandbox.locations[1]!.id;
    const token = await provider.getToken(locationId);
    const res = await fetch(`${sandbox.url}/contacts/?locationId=${locationId}&limit=1`, { headers: { authorization: `Bearer ${token}`, version: '2021-07-28' } });
    expect(res.status).toBe(200);
    // Stored: the next call does not mint again.
    const minted = tokenCalls().locationTokens;
    expect(await provider.getToken(locationId)).toBe(token);
    expect(tokenCalls().locationTokens).toBe(minted);
  });

  it('prefers a configured Private Integration Token for its location', async () => {
    const db = freshDb();
    const pit = sandbox.locations[0]!;
    const provider = createTokenProvider({ db, config: configFor(sandbox, db.path, { GHL_LOCATION_ID: pit.id, GHL_TOKEN: pit.token }), now });
    expect(await provider.getToken(pit.id)).toBe(pit.token);
    expect(await provider.onUnauthorized!(pit.id, pit.token)).toBeUndefined();
    await expect(provider.getToken(sandbox.locations[1]!.id)).rejects.toThrow(/ghl-etl auth login/);
  });

  it('detects a tampered stored token', async () => {
    const db = freshDb();
    const { subject } = await connect(db);
    sqliteOf(db).prepare(`UPDATE oauth_tokens SET access_token_enc = substr(access_token_enc, 1, length(access_token_enc) - 4) || 'AAAA' WHERE location_id = ?`).run(subject);
    const provider = createOAuthTokenProvider({ db, config: configFor(sandbox, db.path), now });
    const err = await provider.getToken(subject).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TokenDecryptError);
    expect((err as Error).message).toMatch(/integrity check.*ghl-etl auth login/);
  });
});
