// The authorization-code login: build the authorize URL (with our own `state`), receive the
// browser's redirect once on 127.0.0.1 (or read the pasted URL), exchange the code.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LoadedConfig } from '../config/load.ts';
import { ConfigError } from '../config/errors.ts';

/** What the read-only mirror needs: contacts (notes ride on them), custom field definitions, tasks, the location, its users. */
export const READ_SCOPES = [
  'contacts.readonly',
  'locations/customFields.readonly',
  'locations/tasks.readonly',
  'locations.readonly',
  'users.readonly',
];
/** Asked for only when a feature that writes to HighLevel is configured (the LeadCars bridge or the lead intake). */
export const WRITE_SCOPES = ['contacts.write'];
/** Agency installs also list installed locations (oauth.readonly) and mint location tokens (oauth.write). */
export const AGENCY_SCOPES = ['oauth.readonly', 'oauth.write'];

export class LoginError extends Error {
  override name = 'LoginError';
}

export interface OAuthApp {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/** The OAuth app settings, or a ConfigError naming the missing variables. */
export function requireOAuthApp(config: LoadedConfig): OAuthApp {
  const { clientId, clientSecret, redirectUri } = config.oauth;
  const missing = [
    !clientId && 'GHL_CLIENT_ID',
    !clientSecret && 'GHL_CLIENT_SECRET',
    !redirectUri && 'GHL_REDIRECT_URI',
  ].filter((x): x is string => Boolean(x));
  if (missing.length) {
    throw new ConfigError(
      `OAuth needs ${missing.join(', ')}: set ${missing.length > 1 ? 'them' : 'it'} from your HighLevel marketplace app ` +
        '(or oauth.clientId / oauth.clientSecret / oauth.redirectUri in the config file)',
    );
  }
  return { clientId: clientId!, clientSecret: clientSecret!, redirectUri: redirectUri! };
}

/** The scopes `auth login` requests: `oauth.scopes` when configured, else what the configured features need. */
export function scopesFor(config: LoadedConfig): string[] {
  if (config.oauth.scopes) return config.oauth.scopes;
  const writes = Boolean(config.leadcars.token || config.intakeSecret);
  return [...READ_SCOPES, ...(writes ? WRITE_SCOPES : []), ...(config.companyId ? AGENCY_SCOPES : [])];
}

export function newState(): string {
  return randomBytes(16).toString('base64url');
}

export function buildAuthorizeUrl(opts: { authUrl: string; clientId: string; redirectUri: string; scopes: string[]; state: string }): string {
  const url = new URL(opts.authUrl);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('redirect_uri', opts.redirectUri);
  url.searchParams.set('client_id', opts.clientId);
  url.searchParams.set('scope', opts.scopes.join(' '));
  url.searchParams.set('state', opts.state);
  return url.toString();
}

/** The code from a redirect URL, after checking `state`; throws LoginError otherwise. */
export function codeFromRedirect(redirected: string, expectedState: string): string {
  let url: URL;
  try {
    url = new URL(redirected.trim());
  } catch {
    throw new LoginError('that is not a URL: paste the whole address the browser was sent to (it contains ?code=...)');
  }
  const error = url.searchParams.get('error');
  if (error) {
    throw new LoginError(`HighLevel did not approve the app (${error}${url.searchParams.get('error_description') ? `: ${url.searchParams.get('error_description')}` : ''}): run \`ghl-etl auth login\` again`);
  }
  if (url.searchParams.get('state') !== expectedState) {
    throw new LoginError('the redirect\'s state does not match this login (a stale or forged redirect): run `ghl-etl auth login` again and use the new URL');
  }
  const code = url.searchParams.get('code');
  if (!code) throw new LoginError('the redirect has no code: approve the app in the browser, then use the address it redirects to');
  return code;
}

export interface CallbackListener {
  /** Where the listener is bound (the redirect URI's port, or a free one if it names port 0). */
  port: number;
  /** Resolves with the authorization code from the first matching callback. */
  code: Promise<string>;
  close(): Promise<void>;
}

/**
 * Listens once on 127.0.0.1 at the redirect URI's port and path. The first request on that path
 * settles the login (a wrong state fails it: the user should start again); other paths get 404.
 */
export async function listenForCallback(redirectUri: string, expectedState: string): Promise<CallbackListener> {
  const target = new URL(redirectUri);
  if (target.protocol !== 'http:' || !/^(127\.0\.0\.1|localhost|\[::1\])$/.test(target.hostname)) {
    throw new ConfigError(
      `GHL_REDIRECT_URI ${target.origin} is not a local http address, so this machine cannot receive the redirect: ` +
        'use `ghl-etl auth login --paste` and paste the redirected URL, or set GHL_REDIRECT_URI to http://127.0.0.1:<port>/<path>',
    );
  }
  const path = target.pathname;
  let settle!: { resolve: (code: string) => void; reject: (err: Error) => void };
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname !== path) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
      return;
    }
    try {
      const value = codeFromRedirect(url.toString(), expectedState);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end('<!doctype html><title>ghl-etl</title><p>ghl-etl is connected. You can close this tab.</p>');
      settle.resolve(value);
    } catch (err) {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end(`ghl-etl login failed: ${(err as Error).message}`);
      settle.reject(err as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new LoginError(`port ${target.port} of GHL_REDIRECT_URI is in use: stop what uses it, or use \`ghl-etl auth login --paste\``)
          : err,
      ),
    );
    server.listen(Number(target.port || 80), '127.0.0.1', () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    code,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Reads all of stdin (for --paste) and returns its first non-empty line. */
export async function readPastedUrl(input: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    if (Buffer.concat(chunks).toString('utf8').includes('\n')) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split(/\r?\n/).find((l) => l.trim());
  if (!line) throw new LoginError('nothing was pasted: paste the address the browser was redirected to, then press Enter');
  return line.trim();
}
