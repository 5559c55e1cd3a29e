// Three processes share one stored OAuth connection across several token lifetimes: refreshes
// are serialized through the database, so no refresh token is ever used twice.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cipherForDb } from '../src/auth/crypto.ts';
import { tokensFromAnswer } from '../src/auth/provider.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { openDatabase } from '../src/db/open.ts';
import { envFor, expectAuthWorkersOk, loginDirect, runAuthWorker, startOAuthSandbox, tempDir, type OAuthSandbox } from './auth-helpers.ts';


let sandbox: OAuthSandbox;
// timeScale 300: access tokens live 300 s / 300 = 1 s; the refresh grace window shrinks to
// 100 ms, so an unserialized double refresh would show up as a grace replay or invalid_grant.
beforeAll(async () => {
  sandbox = await startOAuthSandbox({ tokenTtlSeconds: 300, timeScale: 300 });
});
afterAll(() => sandbox.stop());

it('three processes refresh one stored connection without ever reusing a refresh token', async () => {
  const t = tempDir();
  const dbPath = join(t.dir, 'ghl.sqlite');
  const answer = await loginDirect(sandbox);
  const db = openDatabase(dbPath);
  const store = createTokenStore(db, cipherForDb({ dbPath }));
  await store.save(answer.locationId!, tokensFromAnswer(answer, Date.now()));
  db.close();

  const env = { ...envFor(sandbox, dbPath), WORKER_LOCATION_ID: answer.locationId!, WORKER_DURATION_MS: '4000', LOG_LEVEL: 'warn' };
  const results = await Promise.all([runAuthWorker(env), runAuthWorker(env), runAuthWorker(env)]);
  expectAuthWorkersOk(results);
  const counters = sandbox.oauthAuthority.counters();
  expect(counters.refreshes).toBeGreaterThanOrEqual(2); // several lifetimes went by
  expect(counters.invalidGrants).toBe(0);
  expect(counters.graceReplays).toBe(0);

  const after = openDatabase(dbPath);
  expect(await createTokenStore(after, cipherForDb({ dbPath })).summary(answer.locationId!)).toMatchObject({ status: 'ok' });
  after.close();
  t.cleanup();
});
