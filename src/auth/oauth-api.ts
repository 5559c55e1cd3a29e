// HighLevel's OAuth endpoints (apps/oauth.json): code exchange, refresh, agency location tokens,
// installed locations. Sent through the client's one transport (Version header, bearer, retries,
// keep-alive); answers are parsed here, refusals become OAuthApiError; no storage here.
import { z } from 'zod';
import { GhlError } from '../ghl/errors.ts';
import { sleep } from '../http/retry.ts';
import { Transport, type RequestSpec } from '../ghl/transport.ts';

export type UserType = 'Location' | 'Company';

const tokenAnswer = z.looseObject({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number(),
  refresh_token: z.string().min(1).optional(),
  scope: z.string().optional(),
  userType: z.string().optional(),
  locationId: z.string().optional(),
  companyId: z.string().optional(),
  userId: z.string().optional(),
});
export type TokenAnswer = z.infer<typeof tokenAnswer>;

const installedAnswer = z.looseObject({
  locations: z.array(z.looseObject({ _id: z.string(), name: z.string().optional(), address: z.string().optional() })).default([]),
  count: z.number().optional(),
});
export interface InstalledLocation { id: string; name: string; address: string }

/**
 * A refusal from the OAuth endpoints. `kind` is what callers branch on:
 * invalid_grant (the refresh token or code is spent: log in again), location_inactive
 * (a suspended sub-account: try again later), invalid_client (wrong client id/secret),
 * unauthorized (a bad or expired bearer token), unavailable (no usable answer: a dropped
 * connection, a timeout, 5xx or 429; the request may or may not have been applied), other.
 */
export class OAuthApiError extends Error {
  override name = 'OAuthApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly kind: 'invalid_grant' | 'location_inactive' | 'invalid_client' | 'unauthorized' | 'unavailable' | 'other',
  ) {
    super(message);
  }
}

export interface OAuthClientCredentials {
  baseUrl: string;
  clientId: string;
  clientSecret: string;
}

/** The marketplace app id is the part of the client id before its '-' suffix. */
export function appIdOf(clientId: string): string {
  return clientId.split('-')[0] ?? clientId;
}

function describe(body: unknown): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const text = b.error_description ?? b.message ?? b.error;
    if (Array.isArray(text)) return text.join('; ');
    if (typeof text === 'string') return text;
  }
  return 'no details';
}

function errorFrom(status: number, body: unknown, what: string): OAuthApiError {
  const detail = describe(body);
  const b = (body ?? {}) as Record<string, unknown>;
  let kind: OAuthApiError['kind'] = 'other';
  if (b.error === 'invalid_grant' || /invalid grant/i.test(detail)) kind = 'invalid_grant';
  else if (/location is not active/i.test(detail)) kind = 'location_inactive';
  else if (b.error === 'invalid_client' || /invalid client/i.test(detail)) kind = 'invalid_client';
  else if (status === 401) kind = 'unauthorized';
  // The detail is HighLevel's message: it never echoes tokens or secrets back.
  return new OAuthApiError(`${what} failed: HTTP ${status} ${detail}`, status, kind);
}

interface HttpPolicy { timeoutMs: number; retries: number }
/** OAuth calls are app-level: no location limiter; a refused connection is tried twice more. */
const OAUTH_HTTP: HttpPolicy = { timeoutMs: 30_000, retries: 2 };
const transports = new Map<string, Transport>();

function transportFor(baseUrl: string, policy: HttpPolicy): Transport {
  const key = `${baseUrl} ${policy.timeoutMs} ${policy.retries}`;
  let t = transports.get(key);
  if (!t) {
    t = new Transport({ baseUrl, ...policy });
    transports.set(key, t);
  }
  return t;
}

/** Failures that leave no usable answer: whatever happened at HighLevel is unknown. */
const unavailable = (err: GhlError) => ['outcome-unknown', 'network', 'server', 'rate-limited'].includes(err.kind);

async function call(baseUrl: string, spec: Omit<RequestSpec, 'name'>, what: string, policy = OAUTH_HTTP): Promise<unknown> {
  let answer;
  try {
    ({ answer } = await transportFor(baseUrl, policy).exchange({ name: what, ...spec }));
  } catch (err) {
    // Connection failures, 5xx and 429 after the transport's retries: the message names them.
    if (err instanceof GhlError) {
      const kind = unavailable(err) ? 'unavailable' : 'other';
      throw new OAuthApiError(`${what} failed: ${err.message.replace(/^.*?\): /, '')} (${new URL(baseUrl).origin})`, err.status ?? 0, kind);
    }
    throw err;
  }
  const body = typeof answer.body === 'string' ? { message: answer.body.slice(0, 200) } : answer.body;
  if (answer.status < 200 || answer.status >= 300) throw errorFrom(answer.status, body, what);
  return body;
}

async function tokenCall(creds: OAuthClientCredentials, fields: Record<string, string>, what: string, policy?: HttpPolicy): Promise<TokenAnswer> {
  const form = { client_id: creds.clientId, client_secret: creds.clientSecret, ...fields };
  // Codes and refresh tokens are single-use: the transport never repeats them after an unknown
  // outcome (a refresh is repeated by refreshTokens, within HighLevel's grace window).
  const body = await call(creds.baseUrl, { method: 'POST', path: '/oauth/token', form, idempotent: false }, what, policy);
  const parsed = tokenAnswer.safeParse(body);
  if (!parsed.success) throw new OAuthApiError(`${what} failed: the answer has no access token`, 200, 'other');
  return parsed.data;
}

export function exchangeCode(
  creds: OAuthClientCredentials,
  opts: { code: string; redirectUri: string; userType: UserType },
): Promise<TokenAnswer> {
  return tokenCall(
    creds,
    { grant_type: 'authorization_code', code: opts.code, user_type: opts.userType, redirect_uri: opts.redirectUri },
    'exchanging the authorization code',
  );
}

/** HighLevel's grace window: a refresh repeated with the same token within it gets the first answer. */
export const REFRESH_GRACE_MS = 30_000;

/**
 * When a refresh is tried again, as shares of the grace window: pauses of 1 s, 3 s and 6 s at
 * 30 s, each attempt given a quarter of it, and no attempt sent after two thirds of it, so even
 * a slow last one reaches HighLevel inside the window.
 */
const REFRESH_RETRY = { pauses: [1 / 30, 1 / 10, 1 / 5], timeout: 1 / 4, sendBy: 2 / 3 };

/**
 * Refreshes with a single-use refresh token. An attempt without a usable answer (dropped
 * connection, timeout, 5xx, 429) may have spent the token at HighLevel, so it is repeated with
 * the same token while HighLevel would still answer it from the grace window ("Concurrent
 * refreshes with the same token within 30 s get the same answer", NOTES.md): the new pair is
 * not lost. `graceMs` defaults to HighLevel's 30 s; a shorter one only retries less.
 */
export async function refreshTokens(
  creds: OAuthClientCredentials,
  opts: {
    refreshToken: string; userType: UserType; redirectUri?: string | undefined; graceMs?: number | undefined;
    /** Told before each repeat (for logging). */
    onRetry?: ((attempt: number, reason: string) => void) | undefined;
  },
): Promise<TokenAnswer> {
  const fields = {
    grant_type: 'refresh_token',
    refresh_token: opts.refreshToken,
    user_type: opts.userType,
    ...(opts.redirectUri ? { redirect_uri: opts.redirectUri } : {}),
  };
  const graceMs = opts.graceMs ?? REFRESH_GRACE_MS;
  // Retries are this loop's alone: the transport would not know the window.
  const policy: HttpPolicy = { timeoutMs: Math.max(1, Math.floor(graceMs * REFRESH_RETRY.timeout)), retries: 0 };
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await tokenCall(creds, fields, 'refreshing the access token', policy);
    } catch (err) {
      const pause = (REFRESH_RETRY.pauses[attempt] ?? Infinity) * graceMs;
      const inWindow = Date.now() + pause - started <= graceMs * REFRESH_RETRY.sendBy;
      if (!(err instanceof OAuthApiError && err.kind === 'unavailable')) throw err;
      if (!inWindow) {
        // The transport's "was not repeated" was true of one attempt; say what this loop did.
        if (attempt > 0) err.message = `${err.message.replace(/; the request may have been applied and was not repeated/, '')} (tried ${attempt + 1} times with the same refresh token)`;
        throw err;
      }
      opts.onRetry?.(attempt + 1, err.message);
      await sleep(pause);
    }
  }
}

/** Agency installs: a location token minted from the Company token. */
export async function mintLocationToken(
  opts: { baseUrl: string; companyToken: string; companyId: string; locationId: string },
): Promise<TokenAnswer> {
  const body = await call(
    opts.baseUrl,
    {
      method: 'POST', path: '/oauth/locationToken', bearer: opts.companyToken,
      form: { companyId: opts.companyId, locationId: opts.locationId },
      idempotent: true, // minting again only gives another token
    },
    `getting a location token for ${opts.locationId}`,
  );
  const parsed = tokenAnswer.safeParse(body);
  if (!parsed.success) throw new OAuthApiError('getting a location token failed: the answer has no access token', 200, 'other');
  return parsed.data;
}

/** Every location the app is installed on, paging through skip/limit. */
export async function listInstalledLocations(
  opts: { baseUrl: string; companyToken: string; companyId: string; appId: string },
): Promise<InstalledLocation[]> {
  const out: InstalledLocation[] = [];
  const limit = 100;
  for (let skip = 0; ; skip += limit) {
    const body = await call(
      opts.baseUrl,
      {
        method: 'GET', path: '/oauth/installedLocations', bearer: opts.companyToken,
        query: { companyId: opts.companyId, appId: opts.appId, isInstalled: true, skip, limit },
      },
      'listing installed locations',
    );
    const page = installedAnswer.parse(body);
    out.push(...page.locations.map((l) => ({ id: l._id, name: l.name ?? '', address: l.address ?? '' })));
    if (page.locations.length < limit || (page.count !== undefined && out.length >= page.count)) return out;
  }
}
