// The sandbox's OAuth 2.0 authority: HighLevel's authorize page, token endpoint, agency
// location tokens and installed-location list (apps/oauth.json + NOTES.md "OAuth 2.0").
//
// Behaviour kept faithful because the client depends on it:
// - access tokens expire after `tokenTtlSeconds / timeScale` (and `expires_in` says so);
// - refresh tokens are single-use; reuse answers 400 invalid_grant, except that a refresh with
//   the same token within 30 s (scaled) of its first use gets the first answer again;
// - a suspended location answers a refresh with 400 "Location is not active" without spending
//   the refresh token (it works again once the location is reactivated).
//
// The logic is plain functions over an in-memory state; `oauthRoutes` mounts it on the
// sandbox's route table (src/sandbox/http.ts).
import { createHash, randomBytes } from 'node:crypto';
import type { Route, SandboxRequest } from './http.ts';
import type { SandboxExtension } from './server.ts';
import type { SandboxLocation } from './types.ts';

export type UserType = 'Location' | 'Company';

/** What the contacts routes need to know about a bearer token. */
export interface ResolvedToken {
  locationId?: string;
  companyId?: string;
  scopes: string[];
  expired?: boolean;
  userType?: UserType;
}

export interface OAuthReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface SandboxOAuthOptions {
  seed: number;
  companyId: string;
  /** The store's locations, read at call time (the list may grow). */
  locations: () => SandboxLocation[];
  /** Access token lifetime before time scaling; HighLevel's is 86399 s. */
  tokenTtlSeconds?: number;
  /** Divides token lifetimes, the refresh grace window and code lifetimes. */
  timeScale?: number;
  now?: () => number;
}

export interface SandboxOAuth {
  readonly clientId: string;
  readonly clientSecret: string;
  /** The marketplace app id: the part of the client id before '-'. */
  readonly appId: string;
  /** The user who "installed" the app. */
  readonly userId: string;
  authorize(query: URLSearchParams): OAuthReply;
  token(form: URLSearchParams): OAuthReply;
  locationToken(authorization: string | undefined, form: URLSearchParams): OAuthReply;
  installedLocations(authorization: string | undefined, query: URLSearchParams): OAuthReply;
  resolveToken(token: string): ResolvedToken | undefined;
  setLocationActive(locationId: string, active: boolean): void;
  isLocationActive(locationId: string): boolean;
  /** What the token endpoint answered, for tests: a refresh race shows as graceReplays. */
  counters(): OAuthCounters;
}

export interface OAuthCounters {
  codeExchanges: number;
  /** Refreshes that spent a fresh refresh token. */
  refreshes: number;
  /** Refreshes with an already spent token answered from the grace window. */
  graceReplays: number;
  /** Refreshes refused with invalid_grant. */
  invalidGrants: number;
  locationTokens: number;
}

/** Scopes the sandbox grants when the authorize URL asks for none. */
export const DEFAULT_SANDBOX_SCOPES = [
  'contacts.readonly', 'contacts.write', 'locations/customFields.readonly', 'locations/tasks.readonly',
  'locations/tasks.write', 'oauth.readonly', 'oauth.write', 'locations.readonly',
];

const REFRESH_GRACE_MS = 30_000;
const CODE_LIFETIME_MS = 600_000;

interface Grant {
  userType: UserType;
  companyId: string;
  locationId?: string;
  scopes: string[];
  userId: string;
}

interface AccessRecord { grant: Grant; expiresAt: number }
interface RefreshRecord { grant: Grant; usedAt?: number; answer?: Record<string, unknown> }
interface CodeRecord { clientId: string; redirectUri: string; locationId: string; scopes: string[]; expiresAt: number; used: boolean }

const hashHex = (...parts: Array<string | number>) => createHash('sha256').update(parts.join(':')).digest('hex');
const randomToken = (prefix: string) => `${prefix}${randomBytes(24).toString('base64url')}`;

function badRequest(message: string, extra: Record<string, unknown> = {}): OAuthReply {
  return { status: 400, body: { statusCode: 400, message, ...extra } };
}
function invalidGrant(description: string): OAuthReply {
  // HighLevel's BadRequestDTO plus the OAuth 2.0 (RFC 6749) error fields seen live.
  return badRequest(description, { error: 'invalid_grant', error_description: description });
}
function unauthorized(message = 'Invalid JWT'): OAuthReply {
  return { status: 401, body: { statusCode: 401, message, error: 'Unauthorized' } };
}
function unprocessable(messages: string[]): OAuthReply {
  return { status: 422, body: { statusCode: 422, message: messages, error: 'Unprocessable Entity' } };
}
function bearerOf(authorization: string | undefined): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(authorization ?? '');
  return m?.[1]?.trim();
}

export function createSandboxOAuth(opts: SandboxOAuthOptions): SandboxOAuth {
  const now = opts.now ?? Date.now;
  const scale = opts.timeScale && opts.timeScale > 0 ? opts.timeScale : 1;
  // Whole seconds, as HighLevel reports them; never 0 so a client always gets a usable token.
  const expiresIn = Math.max(1, Math.floor((opts.tokenTtlSeconds ?? 86399) / scale));
  const seedHex = hashHex('sandbox-oauth', opts.seed);
  const appId = seedHex.slice(0, 24);
  const clientId = `${appId}-${seedHex.slice(24, 32)}`;
  const s = hashHex('sandbox-oauth-secret', opts.seed);
  const clientSecret = `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20, 32)}`;
  const userId = hashHex('sandbox-user', opts.seed).slice(0, 20);

  const codes = new Map<string, CodeRecord>();
  const access = new Map<string, AccessRecord>();
  const refresh = new Map<string, RefreshRecord>();
  const inactive = new Set<string>();
  const counts: OAuthCounters = { codeExchanges: 0, refreshes: 0, graceReplays: 0, invalidGrants: 0, locationTokens: 0 };

  const findLocation = (id: string) => opts.locations().find((l) => l.id === id);

  function issue(grant: Grant): Record<string, unknown> {
    const accessToken = randomToken('sbx.at.');
    const refreshToken = randomToken('sbx.rt.');
    access.set(accessToken, { grant, expiresAt: now() + expiresIn * 1000 });
    refresh.set(refreshToken, { grant });
    return {
      access_token: accessToken,
      token_type: 'Bearer',
      expires_in: expiresIn,
      refresh_token: refreshToken,
      scope: grant.scopes.join(' '),
      userType: grant.userType,
      ...(grant.locationId ? { locationId: grant.locationId } : {}),
      companyId: grant.companyId,
      ...(grant.userType === 'Company' ? { approvedLocations: opts.locations().map((l) => l.id), isBulkInstallation: true } : {}),
      userId: grant.userId,
    };
  }

  function companyGrant(authorization: string | undefined, scope: string): Grant | OAuthReply {
    const token = bearerOf(authorization);
    const record = token ? access.get(token) : undefined;
    if (!record) return unauthorized('Invalid JWT');
    if (record.expiresAt <= now()) return unauthorized('Invalid JWT');
    if (record.grant.userType !== 'Company') return unauthorized('This route is not yet supported by the IAM Service.');
    if (!record.grant.scopes.includes(scope)) return unauthorized('The token is not authorized for this scope.');
    return record.grant;
  }

  const oauth: SandboxOAuth = {
    clientId,
    clientSecret,
    appId,
    userId,

    authorize(query) {
      const redirectUri = query.get('redirect_uri');
      if (query.get('client_id') !== clientId) return badRequest('Invalid client_id: no app with this client id');
      if (query.get('response_type') !== 'code') return badRequest('response_type must be "code"');
      if (!redirectUri) return badRequest('redirect_uri is required');
      let target: URL;
      try {
        target = new URL(redirectUri);
      } catch {
        return badRequest('redirect_uri is not a valid URL');
      }
      // The real page lets the admin pick a sub-account; the sandbox approves at once, for
      // the location named by the sandbox-only `locationId` parameter or else the first one.
      const locationId = query.get('locationId') ?? opts.locations()[0]?.id;
      if (!locationId || !findLocation(locationId)) return badRequest('Location not found');
      const requested = (query.get('scope') ?? '').split(/[\s+]+/).filter(Boolean);
      const code = randomBytes(20).toString('hex');
      codes.set(code, {
        clientId,
        redirectUri,
        locationId,
        scopes: requested.length ? requested : DEFAULT_SANDBOX_SCOPES,
        expiresAt: now() + CODE_LIFETIME_MS / scale,
        used: false,
      });
      target.searchParams.set('code', code);
      const state = query.get('state');
      if (state !== null) target.searchParams.set('state', state);
      return { status: 302, headers: { location: target.toString() } };
    },

    token(form) {
      const missing = ['client_id', 'client_secret', 'grant_type'].filter((k) => !form.get(k));
      if (missing.length) return unprocessable(missing.map((k) => `${k} should not be empty`));
      if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
        return unauthorized('Invalid client: client credentials are invalid');
      }
      const userType = (form.get('user_type') ?? 'Location') as UserType;
      if (userType !== 'Location' && userType !== 'Company') return unprocessable(['user_type must be one of: Company, Location']);
      const grantType = form.get('grant_type');

      if (grantType === 'authorization_code') {
        const code = form.get('code') ?? '';
        const record = codes.get(code);
        if (!record || record.used || record.expiresAt <= now()) return invalidGrant('Invalid grant: authorization code is invalid');
        const redirectUri = form.get('redirect_uri');
        if (redirectUri && redirectUri !== record.redirectUri) return invalidGrant('Invalid grant: redirect_uri does not match');
        record.used = true;
        counts.codeExchanges++;
        const grant: Grant = {
          userType,
          companyId: opts.companyId,
          ...(userType === 'Location' ? { locationId: record.locationId } : {}),
          scopes: record.scopes,
          userId,
        };
        return { status: 200, body: issue(grant) };
      }

      if (grantType === 'refresh_token') {
        const token = form.get('refresh_token') ?? '';
        const record = refresh.get(token);
        if (!record) {
          counts.invalidGrants++;
          return invalidGrant('Invalid grant: refresh token is invalid');
        }
        if (record.grant.locationId && inactive.has(record.grant.locationId)) return badRequest('Location is not active');
        if (record.usedAt !== undefined) {
          // Concurrent refreshes with one token inside the grace window share the first answer.
          if (record.answer && now() - record.usedAt <= REFRESH_GRACE_MS / scale) {
            counts.graceReplays++;
            return { status: 200, body: record.answer };
          }
          counts.invalidGrants++;
          return invalidGrant('Invalid grant: refresh token is invalid');
        }
        counts.refreshes++;
        record.usedAt = now();
        record.answer = issue(record.grant);
        return { status: 200, body: record.answer };
      }

      if (grantType === 'client_credentials') return badRequest('client_credentials is not enabled for this app');
      return unprocessable(['grant_type must be one of: authorization_code, refresh_token, client_credentials']);
    },

    locationToken(authorization, form) {
      const grant = companyGrant(authorization, 'oauth.write');
      if ('status' in grant) return grant;
      const missing = ['companyId', 'locationId'].filter((k) => !form.get(k));
      if (missing.length) return unprocessable(missing.map((k) => `${k} should not be empty`));
      if (form.get('companyId') !== grant.companyId) return badRequest('The token does not have access to this company');
      const locationId = form.get('locationId')!;
      const location = findLocation(locationId);
      if (!location || location.companyId !== grant.companyId) return badRequest('Location not found');
      if (inactive.has(locationId)) return badRequest('Location is not active');
      counts.locationTokens++;
      const body = issue({ ...grant, userType: 'Location', locationId });
      return { status: 200, body: { ...body, appId, versionId: appId } };
    },

    installedLocations(authorization, query) {
      const grant = companyGrant(authorization, 'oauth.readonly');
      if ('status' in grant) return grant;
      const missing = ['companyId', 'appId'].filter((k) => !query.get(k));
      if (missing.length) return unprocessable(missing.map((k) => `${k} should not be empty`));
      if (query.get('companyId') !== grant.companyId) return badRequest('The token does not have access to this company');
      if (query.get('appId') !== appId) return badRequest('App not found');
      const skip = Math.max(0, Number(query.get('skip') ?? 0) || 0);
      const limit = Math.max(1, Number(query.get('limit') ?? 20) || 20);
      const q = query.get('query')?.toLowerCase();
      const onlyId = query.get('locationId');
      const all = opts
        .locations()
        .filter((l) => l.companyId === grant.companyId)
        .filter((l) => !q || l.name.toLowerCase().includes(q))
        .filter((l) => !onlyId || l.id === onlyId);
      return {
        status: 200,
        body: {
          locations: all.slice(skip, skip + limit).map((l) => ({ _id: l.id, name: l.name, address: '', isInstalled: true, versionId: appId })),
          count: all.length,
          installToFutureLocations: false,
        },
      };
    },

    resolveToken(token) {
      const record = access.get(token);
      if (!record) return undefined;
      const { grant } = record;
      return {
        ...(grant.locationId ? { locationId: grant.locationId } : {}),
        companyId: grant.companyId,
        scopes: grant.scopes,
        userType: grant.userType,
        ...(record.expiresAt <= now() ? { expired: true } : {}),
      };
    },

    setLocationActive(locationId, active) {
      if (active) inactive.delete(locationId);
      else inactive.add(locationId);
    },

    isLocationActive(locationId) {
      return !inactive.has(locationId);
    },

    counters: () => ({ ...counts }),
  };
  return oauth;
}

/** A form-encoded body as HighLevel reads it; a JSON body is tolerated the same way. */
function formOf(req: SandboxRequest): URLSearchParams {
  if ((req.headers['content-type'] ?? '').includes('application/json') && req.body && typeof req.body === 'object') {
    return new URLSearchParams(Object.entries(req.body as Record<string, unknown>).map(([k, v]): [string, string] => [k, String(v)]));
  }
  return new URLSearchParams(req.rawBody);
}

/**
 * The OAuth routes plus test control routes: `POST /__sandbox/oauth/location-status`
 * with `{"locationId": "...", "active": false}` suspends a location ("Location is not active");
 * `GET /__sandbox/oauth/stats` returns the token endpoint's counters.
 */
export function oauthRoutes<C>(oauth: SandboxOAuth): Route<C>[] {
  const query = (req: SandboxRequest) => new URLSearchParams(req.query);
  return [
    { method: 'GET', pattern: '/v2/oauth/chooselocation', handler: (req) => oauth.authorize(query(req)) },
    { method: 'GET', pattern: '/oauth/chooselocation', handler: (req) => oauth.authorize(query(req)) },
    { method: 'POST', pattern: '/oauth/token', handler: (req) => oauth.token(formOf(req)) },
    { method: 'POST', pattern: '/oauth/locationToken', handler: (req) => oauth.locationToken(req.headers.authorization, formOf(req)) },
    { method: 'GET', pattern: '/oauth/installedLocations', handler: (req) => oauth.installedLocations(req.headers.authorization, query(req)) },
    {
      method: 'POST',
      pattern: '/__sandbox/oauth/location-status',
      handler: (req) => {
        const body = (req.body ?? {}) as { locationId?: unknown; active?: unknown };
        if (typeof body.locationId !== 'string' || typeof body.active !== 'boolean') {
          return badRequest('send {"locationId": "...", "active": true|false}');
        }
        oauth.setLocationActive(body.locationId, body.active);
        return { status: 200, body: { locationId: body.locationId, active: body.active } };
      },
    },
    { method: 'GET', pattern: '/__sandbox/oauth/stats', handler: () => ({ status: 200, body: oauth.counters() }) },
  ];
}

/**
 * Plugs OAuth into a sandbox: `startSandbox({ extensions: [oauthExtension()] })`. The token
 * endpoints authenticate themselves ('open' routes), OAuth access tokens are accepted by the
 * HighLevel routes, and the handle gains `oauth: {clientId, clientSecret}` plus `oauthAuthority`
 * (the SandboxOAuth, for tests: e.g. `setLocationActive`).
 */
export function oauthExtension(): SandboxExtension {
  return (api) => {
    const oauth = createSandboxOAuth({
      seed: api.options.seed,
      companyId: api.store.companyId,
      locations: () => api.store.locations(),
      tokenTtlSeconds: api.options.tokenTtlSeconds,
      timeScale: api.options.timeScale,
      now: api.options.clock,
    });
    api.addRoutes(oauthRoutes(oauth), 'open');
    api.addTokenResolver((token) => oauth.resolveToken(token));
    api.expose({ oauth: { clientId: oauth.clientId, clientSecret: oauth.clientSecret }, oauthAuthority: oauth });
  };
}
