// A token refresh that gets no usable answer is repeated with the same refresh token inside
// HighLevel's grace window: a lost answer (HighLevel spent the token) or a 503 (it did not)
// costs neither the sync nor the login. The sync runs as the real binary, through a proxy in
// front of the sandbox that spoils the first /oauth/token request.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cipherForDb } from '../src/auth/crypto.ts';
import { createOAuthTokenProvider, tokensFromAnswer } from '../src/auth/provider.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { openDatabase } from '../src/db/open.ts';
import { DEFAULT_SANDBOX_SCOPES } from '../src/sandbox/oauth.ts';
import { runCli } from './helpers/cli.ts';
import { startProxy, type ProxyOptions } from './helpers/proxy.ts';
import { configFor, envFor, loginDirect, startOAuthSandbox, tempDir, type OAuthSandbox } from './auth-helpers.ts';
import { sqliteOf } from '../src/db/connection.ts';

let sandbox: OAuthSandbox;
beforeAll(async () => {
  sandbox = await startOAuthSandbox({ locations: 1, contacts: 5 });
});
afterAll(() => sandbox.stop());

/** A stored login (every scope the sync uses: a 401 would refresh again) whose access token has expired, so the sync starts with a refresh. */
async function expiredLogin(dbPath: string): Promise<string> {
  const answer = await loginDirect(sandbox, { scopes: [...DEFAULT_SANDBOX_SCOPES, 'users.readonly'].join(' ') });
  const db = openDatabase(dbPath);
  await createTokenStore(db, cipherForDb({ dbPath })).save(answer.locationId!, tokensFromAnswer(answer, Date.now() - 2 * answer.expires_in * 1000));
  db.close();
  return answer.locationId!;
}

/** Spoils only the first /oauth/token request. */
function firstTokenRequest<T>(spoil: T): (req: { path: string }) => T | undefined {
  let spoiled = false;
  return (req) => {
    if (req.path !== '/oauth/token' || spoiled) return undefined;
    spoiled = true;
    return spoil;
  };
}

async function syncThroughProxy(proxyOpts: ProxyOptions) {
  const t = tempDir();
  const dbPath = join(t.dir, 'ghl.sqlite');
  const locationId = await expiredLogin(dbPath);
  const proxy = await startProxy(sandbox.url, proxyOpts);
  const before = sandbox.oauthAuthority.counters();
  try {
    const result = await runCli(['sync'], { cwd: t.dir, env: { ...envFor(sandbox, dbPath, { GHL_BASE_URL: proxy.url, GHL_LOCATION_ID: locationId }), GHL_TOKEN: '' } });
    const after = sandbox.oauthAuthority.counters();
    const tokenRequests = proxy.requests.filter((r) => r.path === '/oauth/token').length;
    return {
      result, dbPath, locationId, tokenRequests, cleanup: t.cleanup,
      refreshes: after.refreshes - before.refreshes,
      graceReplays: after.graceReplays - before.graceReplays,
      invalidGrants: after.invalidGrants - before.invalidGrants,
    };
  } finally {
    await proxy.stop();
  }
}

/** The stored refresh token is the live one: a later refresh (a later run) succeeds. */
async function expectUsableLogin(dbPath: string, locationId: string) {
  const db = openDatabase(dbPath);
  try {
    const store = createTokenStore(db, cipherForDb({ dbPath }));
    expect((await store.summary(locationId))).toMatchObject({ status: 'ok', statusMessage: null });
    const provider = createOAuthTokenProvider({ db, config: configFor(sandbox, dbPath) });
    const invalidBefore = sandbox.oauthAuthority.counters().invalidGrants;
    await expect(provider.refresh(locationId)).resolves.toMatch(/^sbx\.at\./);
    expect(sandbox.oauthAuthority.counters().invalidGrants).toBe(invalidBefore);
    expect((await store.summary(locationId))!.status).toBe('ok');
  } finally {
    db.close();
  }
}

describe('a token refresh without an answer', () => {
  it('whose answer was lost after HighLevel spent the token: repeated, answered from the grace window, the sync completes', async () => {
    const run = await syncThroughProxy({ drop: firstTokenRequest('after' as const) });
    try {
      expect(run.result.code, run.result.stderr).toBe(0);
      expect(run.result.stderr).not.toMatch(/invalid.grant|needs_reauth|auth login/i);
      expect(run.tokenRequests).toBe(2);
      expect(run.refreshes).toBe(1); // the first request spent the token...
      expect(run.graceReplays).toBe(1); // ...the repeat got the same answer
      expect(run.invalidGrants).toBe(0);
      const db = openDatabase(run.dbPath);
      expect(sqliteOf(db).prepare('SELECT count(*) AS n FROM contacts').get()).toEqual({ n: 5 });
      db.close();
      await expectUsableLogin(run.dbPath, run.locationId);
    } finally {
      run.cleanup();
    }
  });

  it('answered 503 before HighLevel processed it: repeated, the sync completes', async () => {
    const run = await syncThroughProxy({ answer: firstTokenRequest({ status: 503, body: { statusCode: 503, message: 'Service Unavailable' } }) });
    try {
      expect(run.result.code, run.result.stderr).toBe(0);
      expect(run.result.stderr).not.toMatch(/invalid.grant|needs_reauth|auth login/i);
      expect(run.tokenRequests).toBe(2);
      expect(run.refreshes).toBe(1);
      expect(run.graceReplays).toBe(0);
      expect(run.invalidGrants).toBe(0);
      await expectUsableLogin(run.dbPath, run.locationId);
    } finally {
      run.cleanup();
    }
  });
});
