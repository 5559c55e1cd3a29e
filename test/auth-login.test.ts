// `ghl-etl auth login` end to end, as a user runs it: the binary prints the authorize URL, a
// "browser" follows it, the callback lands on 127.0.0.1, tokens are stored encrypted.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cipherForDb } from '../src/auth/crypto.ts';
import { createTokenStore } from '../src/auth/token-store.ts';
import { openDatabase } from '../src/db/open.ts';
import { approveInBrowser, envFor, startOAuthSandbox, tempDir, type OAuthSandbox } from './auth-helpers.ts';

const BIN = join(import.meta.dirname, '..', 'src', 'cli', 'bin.mjs');

let sandbox: OAuthSandbox;
beforeAll(async () => {
  sandbox = await startOAuthSandbox();
});
afterAll(() => sandbox.stop());

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

interface Run { exitCode: Promise<number>; stderr(): string; stdout(): string; waitForUrl(): Promise<string>; write(text: string): void }

function runCli(args: string[], env: Record<string, string>): Run {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, LOG_LEVEL: 'debug', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  const waiters: Array<() => void> = [];
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    waiters.splice(0).forEach((w) => w());
  });
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const exitCode = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return {
    exitCode,
    stderr: () => stderr,
    stdout: () => stdout,
    write: (text) => child.stdin.end(text),
    async waitForUrl() {
      for (;;) {
        const m = /^(http:\/\/\S+chooselocation\S+)$/m.exec(stderr);
        if (m) return m[1]!;
        const exited = await Promise.race([exitCode.then(() => true), new Promise<false>((r) => waiters.push(() => r(false)))]);
        if (exited) throw new Error(`ghl-etl exited before printing the URL:\n${stderr}`);
      }
    },
  };
}

async function storedTokens(dbPath: string) {
  const db = openDatabase(dbPath);
  try {
    return (await createTokenStore(db, cipherForDb({ dbPath })).read(sandbox.locations[0]!.id))!;
  } finally {
    db.close();
  }
}

function fileBytes(dbPath: string): Buffer {
  return Buffer.concat([dbPath, `${dbPath}-wal`].filter(existsSync).map((p) => readFileSync(p)));
}

describe('ghl-etl auth login', () => {
  it('connects through the browser redirect and stores the tokens encrypted', async () => {
    const t = tempDir();
    const dbPath = join(t.dir, 'ghl.sqlite');
    const redirectUri = `http://127.0.0.1:${await freePort()}/oauth/callback`;
    const run = runCli(['auth', 'login'], envFor(sandbox, dbPath, { GHL_REDIRECT_URI: redirectUri }));
    const authorizeUrl = await run.waitForUrl();
    expect(authorizeUrl.startsWith(`${sandbox.url}/v2/oauth/chooselocation?`)).toBe(true);
    const state = new URL(authorizeUrl).searchParams.get('state');
    expect(state).toBeTruthy();

    const callback = await approveInBrowser(authorizeUrl);
    const code = callback.searchParams.get('code')!;
    const landed = await fetch(callback);
    expect(landed.status).toBe(200);
    expect(await run.exitCode).toBe(0);

    const stored = await storedTokens(dbPath);
    expect(stored).toMatchObject({ userType: 'Location', status: 'ok', companyId: sandbox.companyId });
    expect(stored.scopes).toContain('contacts.readonly');
    const secrets = [stored.accessToken!, stored.refreshToken!, code, sandbox.oauth.clientSecret];
    const bytes = fileBytes(dbPath);
    for (const secret of secrets) {
      expect(bytes.includes(Buffer.from(secret))).toBe(false);
      expect(run.stderr()).not.toContain(secret);
      expect(run.stdout()).not.toContain(secret);
    }

    // status shows it without secrets; logout removes it.
    const status = runCli(['auth', 'status', '--json'], envFor(sandbox, dbPath));
    expect(await status.exitCode).toBe(0);
    const shown = JSON.parse(status.stdout()) as { locations: Array<{ locationId: string; status: string; userType: string }> };
    expect(shown.locations).toEqual([expect.objectContaining({ locationId: sandbox.locations[0]!.id, status: 'ok', userType: 'Location' })]);
    for (const secret of secrets) expect(status.stdout()).not.toContain(secret);
    const logout = runCli(['auth', 'logout', '--json'], envFor(sandbox, dbPath));
    expect(await logout.exitCode).toBe(0);
    expect(JSON.parse(logout.stdout())).toEqual({ removed: 1 });
    t.cleanup();
  });

  it('refuses a callback whose state does not match', async () => {
    const t = tempDir();
    const redirectUri = `http://127.0.0.1:${await freePort()}/cb`;
    const run = runCli(['auth', 'login'], envFor(sandbox, join(t.dir, 'ghl.sqlite'), { GHL_REDIRECT_URI: redirectUri }));
    const authorizeUrl = await run.waitForUrl();
    const callback = await approveInBrowser(authorizeUrl.replace(/state=[^&]+/, 'state=forged'));
    expect((await fetch(callback)).status).toBe(400);
    expect(await run.exitCode).toBe(1);
    expect(run.stderr()).toMatch(/state does not match/);
    t.cleanup();
  });

  it('reads the redirected URL from stdin with --paste', async () => {
    const t = tempDir();
    const dbPath = join(t.dir, 'ghl.sqlite');
    const run = runCli(['auth', 'login', '--paste', '--json'], envFor(sandbox, dbPath, { GHL_REDIRECT_URI: 'https://example.com/callback' }));
    const callback = await approveInBrowser(await run.waitForUrl());
    run.write(`${callback}\n`);
    expect(await run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout())).toMatchObject({ locationId: sandbox.locations[0]!.id, userType: 'Location' });
    expect((await storedTokens(dbPath)).accessToken).toBeTruthy();
    t.cleanup();
  });

  it('lists an agency\'s installed locations', async () => {
    const t = tempDir();
    const dbPath = join(t.dir, 'ghl.sqlite');
    const env = envFor(sandbox, dbPath, { GHL_COMPANY_ID: sandbox.companyId });
    const login = runCli(['auth', 'login', '--paste'], { ...env, GHL_REDIRECT_URI: 'https://example.com/callback' });
    const authorizeUrl = await login.waitForUrl();
    expect(new URL(authorizeUrl).searchParams.get('scope')).toContain('oauth.readonly');
    login.write(`${await approveInBrowser(authorizeUrl)}\n`);
    expect(await login.exitCode).toBe(0);
    const listed = runCli(['auth', 'locations', '--json'], env);
    expect(await listed.exitCode).toBe(0);
    const body = JSON.parse(listed.stdout()) as { locations: Array<{ id: string }> };
    expect(body.locations.map((l) => l.id).sort()).toEqual(sandbox.locations.map((l) => l.id).sort());
    t.cleanup();
  });

  it('names the missing settings', async () => {
    const t = tempDir();
    const env = envFor(sandbox, join(t.dir, 'ghl.sqlite'));
    const run = runCli(['auth', 'login'], { ...env, GHL_CLIENT_ID: '', GHL_REDIRECT_URI: '' });
    expect(await run.exitCode).toBe(2);
    expect(run.stderr()).toMatch(/GHL_CLIENT_ID, GHL_REDIRECT_URI/);
    t.cleanup();
  });
});
