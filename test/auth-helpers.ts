// Shared by the auth tests: a sandbox with OAuth, a temp database, a login without a browser.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { loadConfig, type LoadedConfig } from '../src/config/load.ts';
import { startSandbox, type Sandbox, type SandboxOptions } from '../src/sandbox/index.ts';
import { oauthExtension, type SandboxOAuth } from '../src/sandbox/oauth.ts';
import { exchangeCode, type TokenAnswer, type UserType } from '../src/auth/oauth-api.ts';

export const REDIRECT_URI = 'http://127.0.0.1:1/callback';

export interface OAuthSandbox extends Sandbox {
  oauth: { clientId: string; clientSecret: string };
  oauthAuthority: SandboxOAuth;
}

export async function startOAuthSandbox(opts: SandboxOptions = {}): Promise<OAuthSandbox> {
  const sandbox = await startSandbox({ locations: 2, contacts: 3, rateLimit: 'none', ...opts, extensions: [oauthExtension()] });
  return sandbox as OAuthSandbox;
}

export function tempDir(): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ghl-etl-auth-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function envFor(sandbox: OAuthSandbox, dbPath: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    GHL_BASE_URL: sandbox.url,
    GHL_CLIENT_ID: sandbox.oauth.clientId,
    GHL_CLIENT_SECRET: sandbox.oauth.clientSecret,
    GHL_REDIRECT_URI: REDIRECT_URI,
    GHL_ETL_DB: dbPath,
    ...extra,
  };
}

export function configFor(sandbox: OAuthSandbox, dbPath: string, extra: Record<string, string> = {}, refreshAheadSeconds = 300): LoadedConfig {
  const config = loadConfig({ env: envFor(sandbox, dbPath, extra) });
  return { ...config, oauth: { ...config.oauth, refreshAheadSeconds } };
}

/** What a browser does: open the authorize URL, follow HighLevel's redirect; returns the redirect target. */
export async function approveInBrowser(authorizeUrl: string): Promise<URL> {
  const res = await fetch(authorizeUrl, { redirect: 'manual' });
  if (res.status !== 302) throw new Error(`authorize answered ${res.status}: ${await res.text()}`);
  return new URL(res.headers.get('location')!);
}

/** A login without the CLI: authorize, then exchange the code. */
export async function loginDirect(sandbox: OAuthSandbox, opts: { userType?: UserType; locationId?: string; scopes?: string } = {}): Promise<TokenAnswer> {
  const url = new URL(`${sandbox.url}/v2/oauth/chooselocation`);
  url.search = new URLSearchParams({
    response_type: 'code', client_id: sandbox.oauth.clientId, redirect_uri: REDIRECT_URI, state: 's',
    scope: opts.scopes ?? 'contacts.readonly contacts.write oauth.readonly oauth.write',
    ...(opts.locationId ? { locationId: opts.locationId } : {}),
  }).toString();
  const code = (await approveInBrowser(url.toString())).searchParams.get('code')!;
  return exchangeCode(
    { baseUrl: sandbox.url, clientId: sandbox.oauth.clientId, clientSecret: sandbox.oauth.clientSecret },
    { code, redirectUri: REDIRECT_URI, userType: opts.userType ?? 'Location' },
  );
}

export interface AuthWorkerResult {
  code: number;
  out: string;
  err: string;
}

/** Runs test/auth-worker.ts (a process calling HighLevel with stored OAuth tokens) in its own process. */
export function runAuthWorker(env: Record<string, string | undefined>): Promise<AuthWorkerResult> {
  const worker = join(import.meta.dirname, 'auth-worker.ts');
  const child = spawn(process.execPath, ['--import', 'tsx', worker], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, out, err })));
}

/** Every worker exited 0, each of its calls succeeded, and none met a spent refresh token. */
export function expectAuthWorkersOk(results: AuthWorkerResult[]): void {
  for (const r of results) {
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out) as { calls: number; ok: number; failures: string[] };
    expect(summary.failures).toEqual([]);
    expect(summary.ok).toBe(summary.calls);
    expect(r.err).not.toMatch(/invalid_grant|Invalid grant/);
  }
}
