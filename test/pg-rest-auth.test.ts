// The encrypted OAuth token store on PostgreSQL, through the binary and through separate
// processes: `auth login --paste`, `auth status`, `auth logout`, a sync that refreshes an expired
// token, `config check --online`; the tokens at rest encrypted with GHL_ETL_SECRET (required on
// PostgreSQL); and the cross-process refresh lock: two processes finding one stale token refresh
// it once, three sharing a connection over several token lifetimes never reuse a refresh token.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cipherForMirror } from '../src/auth/crypto.ts';
import { tokensFromAnswer } from '../src/auth/provider.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { openMirror } from '../src/db/open-mirror.ts';
import { DEFAULT_SANDBOX_SCOPES } from '../src/sandbox/oauth.ts';
import { BIN, runCli } from './helpers/cli.ts';
import { createTestDatabase, usePostgres, pgRows } from './helpers/postgres.ts';
import { approveInBrowser, envFor, expectAuthWorkersOk, loginDirect, runAuthWorker, startOAuthSandbox, type OAuthSandbox } from './auth-helpers.ts';
import type { TokenAnswer } from '../src/auth/oauth-api.ts';

const cluster = usePostgres();
const SECRET = 'a-test-passphrase-of-more-than-32-characters';
const CLEAN = { GHL_ETL_CONFIG: undefined, LOG_LEVEL: undefined, GHL_LOCATION_ID: undefined, GHL_TOKEN: undefined, GHL_COMPANY_ID: undefined, GHL_ETL_SECRET: undefined };

/** Stores `answer`'s tokens in the PostgreSQL mirror at `url`, as expired `agedMs` ago when given. */
async function store(url: string, answer: TokenAnswer, agedMs = 0): Promise<void> {
  const mirror = await openMirror(url);
  try {
    await createTokenStore(mirror, cipherForMirror(mirror, SECRET)).save(answer.locationId!, tokensFromAnswer(answer, Date.now() - agedMs));
  } finally {
    await mirror.close();
  }
}

describe('auth on PostgreSQL, through the binary', () => {
  let sandbox: OAuthSandbox;
  let url: string;
  beforeAll(async () => {
    sandbox = await startOAuthSandbox({ locations: 1, contacts: 5 });
    url = await createTestDatabase(cluster());
  });
  afterAll(() => sandbox?.stop());
  const env = (extra: Record<string, string> = {}) => ({ ...CLEAN, ...envFor(sandbox, url, { GHL_ETL_SECRET: SECRET, ...extra }) });

  it('login --paste stores the tokens encrypted; status lists them; logout removes them; without GHL_ETL_SECRET login stops before the browser', async () => {
    const noSecret = await runCli(['auth', 'login', '--paste'], { env: { ...env(), GHL_ETL_SECRET: undefined } });
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/PostgreSQL database are encrypted with GHL_ETL_SECRET \("secret"\), which is not set/);
    expect(noSecret.stderr).not.toMatch(/chooselocation/);

    // --paste: the URL on stderr, the redirect on stdin.
    const child = spawn(process.execPath, [BIN, 'auth', 'login', '--paste', '--json'], {
      env: { ...process.env, ...env({ GHL_REDIRECT_URI: 'https://example.com/callback' }) }, stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const authorizeUrl = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /^(http:\/\/\S+chooselocation\S+)$/m.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('close', () => reject(new Error(`exited before printing the URL: ${stderr}`)));
    });
    child.stdin.end(`${await approveInBrowser(authorizeUrl)}\n`);
    expect(await exited, stderr).toBe(0);
    const locationId = sandbox.locations[0]!.id;
    expect(JSON.parse(stdout)).toMatchObject({ locationId, userType: 'Location' });

    const [row] = await pgRows<Record<string, unknown>>(url, `SELECT * FROM oauth_tokens`);
    expect(row).toMatchObject({ location_id: locationId, status: 'ok', version: 1 });
    expect(String(row!.access_token_enc)).toMatch(/^v1\.s\./); // sealed with the secret, not a key file
    expect(String(row!.access_token_enc)).not.toMatch(/sbx\.at\./);

    const status = await runCli(['auth', 'status', '--json'], { env: env() });
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ locations: [{ locationId, kind: 'oauth', status: 'ok', userType: 'Location' }], exitCode: 0 });

    const logout = await runCli(['auth', 'logout', '--json'], { env: env() });
    expect(logout.code, logout.stderr).toBe(0);
    expect(JSON.parse(logout.stdout)).toEqual({ removed: 1 });
    expect(await pgRows(url, `SELECT location_id FROM oauth_tokens`)).toEqual([]);
  }, 300_000);

  it('a sync with an expired stored login refreshes it once and mirrors the location; config check --online checks a token', async () => {
    const answer = await loginDirect(sandbox, { scopes: [...DEFAULT_SANDBOX_SCOPES, 'users.readonly'].join(' ') });
    await store(url, answer, 2 * answer.expires_in * 1000);
    const before = sandbox.oauthAuthority.counters();
    const sync = await runCli(['sync', '--json'], { env: env({ GHL_LOCATION_ID: answer.locationId! }) });
    expect(sync.code, sync.stderr).toBe(0);
    expect(sandbox.oauthAuthority.counters().refreshes - before.refreshes).toBe(1);
    expect(await pgRows(url, `SELECT count(*)::int AS n FROM contacts`)).toEqual([{ n: 5 }]);
    expect(await pgRows(url, `SELECT version, status FROM oauth_tokens WHERE location_id = $1`, [answer.locationId])).toEqual([{ version: 2, status: 'ok' }]);

    const location = sandbox.locations[0]!;
    const check = await runCli(['config', 'check', '--online', '--json'], { env: env({ GHL_LOCATION_ID: location.id, GHL_TOKEN: location.token }) });
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ tokens: [{ locationId: location.id, status: 'ok' }], exitCode: 0 });
    expect(check.stdout).not.toContain(SECRET);
  }, 300_000);
});

describe('the refresh lock on PostgreSQL, across processes', () => {
  it('two processes finding one stale token at once refresh it once', async () => {
    // Tokens live 3600 / 300 = 12 s: the fresh one outlives both workers.
    const sandbox = await startOAuthSandbox({ tokenTtlSeconds: 3600, timeScale: 300 });
    try {
      const url = await createTestDatabase(cluster());
      const answer = await loginDirect(sandbox);
      await store(url, answer, 2 * answer.expires_in * 1000);
      const env = { ...CLEAN, ...envFor(sandbox, url, { GHL_ETL_SECRET: SECRET }), WORKER_LOCATION_ID: answer.locationId!, WORKER_DURATION_MS: '1500', LOG_LEVEL: 'warn' };
      expectAuthWorkersOk(await Promise.all([runAuthWorker(env), runAuthWorker(env)]));
      expect(sandbox.oauthAuthority.counters()).toMatchObject({ refreshes: 1, invalidGrants: 0, graceReplays: 0 });
      expect(await pgRows(url, `SELECT version FROM oauth_tokens`)).toEqual([{ version: 2 }]);
      // Each holder released the lock: its row is gone.
      expect(await pgRows(url, `SELECT name FROM locks`)).toEqual([]);
    } finally {
      await sandbox.stop();
    }
  }, 300_000);

  it('three processes sharing one connection over several token lifetimes never reuse a refresh token', async () => {
    // Tokens live 300 / 300 = 1 s; the grace window shrinks to 100 ms, so an unserialized double
    // refresh would show as a grace replay or an invalid_grant.
    const sandbox = await startOAuthSandbox({ tokenTtlSeconds: 300, timeScale: 300 });
    try {
      const url = await createTestDatabase(cluster());
      const answer = await loginDirect(sandbox);
      await store(url, answer);
      const env = { ...CLEAN, ...envFor(sandbox, url, { GHL_ETL_SECRET: SECRET }), WORKER_LOCATION_ID: answer.locationId!, WORKER_DURATION_MS: '3000', LOG_LEVEL: 'warn' };
      expectAuthWorkersOk(await Promise.all([runAuthWorker(env), runAuthWorker(env), runAuthWorker(env)]));
      const counters = sandbox.oauthAuthority.counters();
      expect(counters.refreshes).toBeGreaterThanOrEqual(2);
      expect(counters).toMatchObject({ invalidGrants: 0, graceReplays: 0 });
      expect(await pgRows(url, `SELECT status FROM oauth_tokens`)).toEqual([{ status: 'ok' }]);
    } finally {
      await sandbox.stop();
    }
  }, 300_000);
});
