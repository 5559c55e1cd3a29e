// OAuth tokens at rest in `oauth_tokens`: one row per location (or per company for an agency
// token), tokens encrypted by a TokenCipher. Reads decrypt; summaries never do.
import {
  deleteOAuthTokenRows, getOAuthTokenRow, listOAuthTokenRows, saveOAuthTokenRow, setOAuthTokenStatus, type OAuthTokenRow,
} from '../db/oauth-tokens.ts';
import type { Db } from '../db/open.ts';
import type { TokenCipher } from './crypto.ts';

export type UserType = 'Location' | 'Company';
export type TokenStatus = 'ok' | 'needs_reauth' | 'inactive';

/** What `auth status` may show: no token, no ciphertext. */
export interface TokenSummary {
  locationId: string;
  userType: UserType;
  companyId: string | null;
  scopes: string[];
  /** ISO time the access token expires. */
  expiresAt: string | null;
  status: TokenStatus;
  statusMessage: string | null;
  version: number;
  updatedAt: string;
}

export interface StoredTokens extends TokenSummary {
  accessToken: string | null;
  refreshToken: string | null;
}

export interface NewTokens {
  userType: UserType;
  companyId?: string | null | undefined;
  scopes: string[];
  accessToken: string;
  refreshToken?: string | null | undefined;
  /** Epoch ms the access token expires. */
  expiresAt: number;
}

export interface TokenStore {
  /** The row with its tokens decrypted; throws TokenDecryptError when a ciphertext was altered. */
  read(locationId: string): StoredTokens | undefined;
  summary(locationId: string): TokenSummary | undefined;
  list(): TokenSummary[];
  /** Writes fresh tokens (status ok) and bumps `version`; returns the new version. */
  save(locationId: string, tokens: NewTokens): number;
  setStatus(locationId: string, status: TokenStatus, message: string | null): void;
  /** Deletes one location's row, or every row; returns how many went. */
  remove(locationId?: string): number;
}

type Row = OAuthTokenRow;

function summarize(row: Row): TokenSummary {
  return {
    locationId: row.locationId,
    userType: row.userType as UserType,
    companyId: row.companyId,
    scopes: (row.scopes ?? '').split(/\s+/).filter(Boolean),
    expiresAt: row.expiresAt,
    status: row.status as TokenStatus,
    statusMessage: row.statusMessage,
    version: row.version,
    updatedAt: row.updatedAt,
  };
}

export function createTokenStore(db: Db, cipher: TokenCipher, opts: { now?: () => number } = {}): TokenStore {
  // The clock that stamps updated_at; the provider passes its own so expiry maths agree.
  const nowIso = () => new Date((opts.now ?? Date.now)()).toISOString();
  const row = (locationId: string) => getOAuthTokenRow(db, locationId);

  return {
    read(locationId) {
      const r = row(locationId);
      if (!r) return undefined;
      return {
        ...summarize(r),
        accessToken: r.accessTokenEnc ? cipher.decrypt(r.accessTokenEnc) : null,
        refreshToken: r.refreshTokenEnc ? cipher.decrypt(r.refreshTokenEnc) : null,
      };
    },

    summary(locationId) {
      const r = row(locationId);
      return r ? summarize(r) : undefined;
    },

    list() {
      return listOAuthTokenRows(db).map(summarize);
    },

    save(locationId, t) {
      const values = {
        userType: t.userType,
        companyId: t.companyId ?? null,
        scopes: t.scopes.join(' '),
        accessTokenEnc: cipher.encrypt(t.accessToken),
        refreshTokenEnc: t.refreshToken ? cipher.encrypt(t.refreshToken) : null,
        expiresAt: new Date(t.expiresAt).toISOString(),
        status: 'ok',
        statusMessage: null,
        updatedAt: nowIso(),
      };
      return saveOAuthTokenRow(db, locationId, values);
    },

    setStatus(locationId, status, message) {
      setOAuthTokenStatus(db, locationId, status, message, nowIso());
    },

    remove(locationId) {
      return deleteOAuthTokenRows(db, locationId);
    },
  };
}
