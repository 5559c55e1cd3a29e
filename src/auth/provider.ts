// Token providers for the transport (src/ghl/transport.ts TokenProvider):
// - OAuth: stored tokens, refreshed ahead of expiry and once after a 401;
// - PIT: the configured Private Integration Tokens, through the client's `staticTokens`;
// - combined: PIT where the configuration has a token for the location, else OAuth.
//
// Refresh tokens are single-use, so a refresh must never run twice with one token:
// within a process one promise per location is shared; across processes the db lock
// `oauth-refresh:<location>` serializes them (on either engine, see refresh-lock.ts), and the row is re-read after the lock is taken
// (another process may have refreshed already: its token is then used as it is). The new refresh
// token is committed before the new access token is handed out, so a crash cannot lose it.
import type { LoadedConfig } from '../config/load.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { staticTokens } from '../ghl/client.ts';
import type { TokenProvider } from '../ghl/transport.ts';
import { createLogger, type Logger } from '../log.ts';
import { cipherForMirror, type TokenCipher } from './crypto.ts';
import { AuthRequiredError, LocationInactiveError, loginHint } from './errors.ts';
import { mintLocationToken, OAuthApiError, refreshTokens, type TokenAnswer } from './oauth-api.ts';
import { withDbLock, type LockRunner } from './refresh-lock.ts';
import { createTokenStore, type NewTokens, type StoredTokens, type TokenStore, type UserType } from './token-store.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';

export interface OAuthTokenProviderOptions {
  /** Where the tokens are: a SQLite `Db`, a Mirror, or the mirror opened on first use (the CLI's). */
  db: Db | Mirror | (() => Promise<Mirror>);
  config: LoadedConfig;
  /** Defaults to the cipher for `db` (GHL_ETL_SECRET, or on SQLite the key file). */
  cipher?: TokenCipher;
  logger?: Logger;
  /** Cross-process serialization; defaults to the db lock. */
  lock?: LockRunner;
  now?: () => number;
}

export interface OAuthTokenProvider extends TokenProvider {
  onUnauthorized(locationId: string, token: string): Promise<string | undefined>;
  /** Refreshes now (unless another process just did); returns the access token to use. */
  refresh(locationId: string): Promise<string>;
}

/** Turns a token answer into the row to store; fields the answer omits keep their old values. */
export function tokensFromAnswer(answer: TokenAnswer, now: number, previous?: Pick<StoredTokens, 'userType' | 'companyId' | 'scopes' | 'refreshToken'>): NewTokens {
  const userType: UserType = answer.userType === 'Company' ? 'Company' : answer.userType === 'Location' ? 'Location' : previous?.userType ?? 'Location';
  return {
    userType,
    companyId: answer.companyId ?? previous?.companyId ?? null,
    scopes: answer.scope ? answer.scope.split(/\s+/).filter(Boolean) : previous?.scopes ?? [],
    accessToken: answer.access_token,
    refreshToken: answer.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: now + answer.expires_in * 1000,
  };
}

export function createOAuthTokenProvider(opts: OAuthTokenProviderOptions): OAuthTokenProvider {
  const { config } = opts;
  const now = opts.now ?? Date.now;
  // Without one the provider logs nothing: the face that made it hands down its logger.
  const logger = (opts.logger ?? createLogger('silent')).child({ component: 'oauth' });
  // The store and lock on the database, made on first use (the CLI's mirror opens then).
  let ready: Promise<{ store: TokenStore; lock: LockRunner }> | undefined;
  const open = () => (ready ??= (async () => {
    const db = typeof opts.db === 'function' ? await opts.db() : opts.db;
    const mirror = mirrorOf(db);
    return {
      store: createTokenStore(db, opts.cipher ?? cipherForMirror(mirror, config.secret), { now }),
      lock: opts.lock ?? withDbLock(db),
    };
  })());
  // A failed open (a missing secret) is tried again by the next call, not remembered.
  const opened = () => open().catch((err: unknown) => {
    ready = undefined;
    throw err;
  });
  const store: TokenStore = {
    read: async (...a) => (await opened()).store.read(...a),
    summary: async (...a) => (await opened()).store.summary(...a),
    list: async () => (await opened()).store.list(),
    save: async (...a) => (await opened()).store.save(...a),
    setStatus: async (...a) => (await opened()).store.setStatus(...a),
    remove: async (...a) => (await opened()).store.remove(...a),
  };
  const lock: LockRunner = async (name, fn) => (await opened()).lock(name, fn);
  const inflight = new Map<string, Promise<string>>();
  // A suspended location is reported once per run and tried again by the next run.
  const inactiveThisRun = new Map<string, string>();

  const credentials = () => {
    const { clientId, clientSecret } = config.oauth;
    if (!clientId || !clientSecret) {
      throw new AuthRequiredError('', 'refreshing OAuth tokens needs the app credentials: set GHL_CLIENT_ID and GHL_CLIENT_SECRET ("oauth.clientId", "oauth.clientSecret")');
    }
    return { baseUrl: config.baseUrl, clientId, clientSecret };
  };

  /** True when the access token is missing or inside the refresh-ahead window. */
  function isStale(row: StoredTokens): boolean {
    if (!row.accessToken || !row.expiresAt) return true;
    const expiresAt = Date.parse(row.expiresAt);
    // Never refresh earlier than half the token's life: a short-lived token (the sandbox's
    // scaled TTL) would otherwise be refreshed on every call.
    const lifetime = expiresAt - Date.parse(row.updatedAt);
    const ahead = Math.min(config.oauth.refreshAheadSeconds * 1000, Math.max(0, lifetime / 2));
    return expiresAt - now() <= ahead;
  }

  function refuseIfBlocked(locationId: string, row: StoredTokens | undefined): asserts row is StoredTokens {
    if (!row) {
      throw new AuthRequiredError(locationId, `no OAuth tokens stored for location ${locationId}: ${loginHint(locationId)} (or configure a Private Integration Token)`);
    }
    if (row.status === 'needs_reauth') {
      throw new AuthRequiredError(locationId, row.statusMessage ?? `location ${locationId} needs a new login: ${loginHint(locationId)}`);
    }
    const inactive = inactiveThisRun.get(locationId);
    if (inactive) throw new LocationInactiveError(locationId, inactive);
  }

  /** The agency's Company token row, when this is an agency install. */
  async function companyRow(): Promise<StoredTokens | undefined> {
    if (!config.companyId) return undefined;
    const row = await store.read(config.companyId);
    return row?.userType === 'Company' ? row : undefined;
  }

  async function mintFromCompany(locationId: string): Promise<string> {
    const companyId = config.companyId!;
    const companyToken = await getToken(companyId);
    const answer = await mintLocationToken({
      baseUrl: config.baseUrl, companyToken, companyId, locationId,
    }).catch(async (err: unknown) => {
      throw await classify(locationId, err);
    });
    await store.save(locationId, { ...tokensFromAnswer(answer, now()), userType: 'Location', companyId });
    logger.info({ locationId }, 'minted a location token from the agency token');
    return answer.access_token;
  }

  /** Records what a refusal means for the location and returns the error to throw. */
  async function classify(locationId: string, err: unknown): Promise<Error> {
    if (!(err instanceof OAuthApiError)) return err as Error;
    if (err.kind === 'invalid_grant') {
      const message = `HighLevel refused the stored refresh token for location ${locationId} (${err.message.replace(/^.*?failed: /, '')}): ${loginHint(locationId)}`;
      await store.setStatus(locationId, 'needs_reauth', message);
      logger.error({ locationId }, message);
      return new AuthRequiredError(locationId, message);
    }
    if (err.kind === 'location_inactive') {
      const message = `location ${locationId} is not active in HighLevel (suspended sub-account): skipped, it is tried again on the next run`;
      await store.setStatus(locationId, 'inactive', 'Location is not active');
      inactiveThisRun.set(locationId, message);
      logger.warn({ locationId }, message);
      return new LocationInactiveError(locationId, message);
    }
    if (err.kind === 'invalid_client') {
      return new AuthRequiredError(locationId, `${err.message}: check GHL_CLIENT_ID and GHL_CLIENT_SECRET ("oauth.clientId", "oauth.clientSecret")`);
    }
    return err;
  }

  /** The refresh itself, under the cross-process lock. `rejected` is a token the API refused. */
  function refreshUnderLock(locationId: string, rejected: string | undefined): Promise<string> {
    return lock(`oauth-refresh:${locationId}`, async () => {
      const row = await store.read(locationId); // re-read: another process may have refreshed meanwhile
      if (!row && config.companyId && locationId !== config.companyId && await companyRow()) return mintFromCompany(locationId);
      refuseIfBlocked(locationId, row);
      if (row.status === 'ok' && row.accessToken && row.accessToken !== rejected && !isStale(row)) {
        logger.debug({ locationId }, 'another process refreshed the token; using it');
        return row.accessToken;
      }
      if (!row.refreshToken) {
        if (row.userType === 'Location' && config.companyId && await companyRow()) return mintFromCompany(locationId);
        const message = `the stored OAuth grant for location ${locationId} has no refresh token: ${loginHint(locationId)}`;
        await store.setStatus(locationId, 'needs_reauth', message);
        throw new AuthRequiredError(locationId, message);
      }
      let answer: TokenAnswer;
      try {
        answer = await refreshTokens(credentials(), {
          refreshToken: row.refreshToken,
          userType: row.userType,
          redirectUri: config.oauth.redirectUri,
          graceMs: config.oauth.refreshGraceMs,
          onRetry: (attempt, reason) => logger.warn({ locationId, attempt, reason }, 'repeating the token refresh with the same refresh token, inside HighLevel\'s grace window'),
        });
      } catch (err) {
        // An agency can mint a new location token instead of asking for a login.
        const agencyCanMint = row.userType === 'Location' && locationId !== config.companyId && (await companyRow()) !== undefined;
        if (err instanceof OAuthApiError && err.kind === 'invalid_grant' && agencyCanMint) return mintFromCompany(locationId);
        throw await classify(locationId, err);
      }
      // Committed before use: the old refresh token is spent from this moment.
      const version = await store.save(locationId, tokensFromAnswer(answer, now(), row));
      logger.info({ locationId, version, expiresIn: answer.expires_in }, 'refreshed the access token');
      return answer.access_token;
    });
  }

  function refreshOnce(locationId: string, rejected: string | undefined): Promise<string> {
    const running = inflight.get(locationId);
    if (running) return running;
    const started = refreshUnderLock(locationId, rejected).finally(() => inflight.delete(locationId));
    inflight.set(locationId, started);
    return started;
  }

  async function getToken(locationId: string): Promise<string> {
    const running = inflight.get(locationId);
    if (running) return running;
    const row = await store.read(locationId);
    if (!row && config.companyId && locationId !== config.companyId && await companyRow()) return refreshOnce(locationId, undefined);
    refuseIfBlocked(locationId, row);
    if (row.status === 'ok' && row.accessToken && !isStale(row)) return row.accessToken;
    return refreshOnce(locationId, undefined);
  }

  return {
    getToken,
    async onUnauthorized(locationId, token) {
      try {
        return await refreshOnce(locationId, token);
      } catch (err) {
        if (err instanceof AuthRequiredError || err instanceof LocationInactiveError) throw err;
        logger.warn({ locationId, err: (err as Error).message }, 'could not refresh after a 401');
        return undefined;
      }
    },
    refresh: async (locationId) => refreshOnce(locationId, (await store.read(locationId))?.accessToken ?? undefined),
  };
}

/**
 * The provider the CLI uses: a location's configured Private Integration Token when it has one,
 * else its stored OAuth tokens. The OAuth side is created on first use.
 */
export function createTokenProvider(opts: OAuthTokenProviderOptions): TokenProvider {
  // The one fixed-token provider is the client's own (src/ghl staticTokens). A location
  // without a configured token never reaches it: it goes to OAuth, whose AuthRequiredError
  // (naming `auth login` and the Private Integration Token alternative) is the error that wins.
  const configured = Object.fromEntries(opts.config.locations.filter((l) => l.token).map((l) => [l.id, l.token!]));
  const pit = staticTokens(configured);
  const hasPit = (locationId: string) => Object.hasOwn(configured, locationId);
  let oauth: OAuthTokenProvider | undefined;
  const oauthProvider = () => (oauth ??= createOAuthTokenProvider(opts));
  return {
    getToken: (locationId) => (hasPit(locationId) ? pit.getToken(locationId) : oauthProvider().getToken(locationId)),
    // A Private Integration Token cannot be refreshed: its 401 stands.
    onUnauthorized: async (locationId, token) =>
      hasPit(locationId) ? undefined : oauthProvider().onUnauthorized(locationId, token),
  };
}
