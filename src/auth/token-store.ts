// OAuth tokens at rest in `oauth_tokens`: one row per location (or per company for an agency
// token), tokens encrypted by a TokenCipher. Reads decrypt; summaries never do. On either
// engine: SQLite's rows are read and written on the connection as they always were (not behind
// the async mirror's transaction gate), PostgreSQL's through the Mirror.
import {
  deleteOAuthTokenRows, getOAuthTokenRow, listOAuthTokenRows, saveOAuthTokenRow, setOAuthTokenStatus, type OAuthTokenRow,
} from '../db/oauth-tokens.ts';
import { isMirror, type Mirror, type MirrorRest } from '../db/mirror.ts';
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
  /** The row with its tokens decrypted; rejects with TokenDecryptError when a ciphertext was altered. */
  read(locationId: string): Promise<StoredTokens | undefined>;
  summary(locationId: string): Promise<TokenSummary | undefined>;
  list(): Promise<TokenSummary[]>;
  /** Writes fresh tokens (status ok) and bumps `version`; returns the new version. */
  save(locationId: string, tokens: NewTokens): Promise<number>;
  setStatus(locationId: string, status: TokenStatus, message: string | null): Promise<void>;
  /** Deletes one location's row, or every row; returns how many went. */
  remove(locationId?: string): Promise<number>;
}

type TokenRows = Pick<MirrorRest, 'oauthTokenRow' | 'oauthTokenRows' | 'saveOAuthTokenRow' | 'setOAuthTokenStatus' | 'deleteOAuthTokenRows'>;

/** The `oauth_tokens` statements for `db`: a PostgreSQL mirror's own, else SQLite's on the connection. */
function tokenRowsOf(db: Db | Mirror): TokenRows {
  if (isMirror(db) && db.engine === 'postgres') return db;
  const sqlite = isMirror(db) ? db.unported('the OAuth token store') : db;
  return {
    oauthTokenRow: async (locationId) => getOAuthTokenRow(sqlite, locationId),
    oauthTokenRows: async () => listOAuthTokenRows(sqlite),
    saveOAuthTokenRow: async (locationId, values) => saveOAuthTokenRow(sqlite, locationId, values),
    setOAuthTokenStatus: async (...a) => setOAuthTokenStatus(sqlite, ...a),
    deleteOAuthTokenRows: async (locationId) => deleteOAuthTokenRows(sqlite, locationId),
  };
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

export function createTokenStore(db: Db | Mirror, cipher: TokenCipher, opts: { now?: () => number } = {}): TokenStore {
  // The clock that stamps updated_at; the provider passes its own so expiry maths agree.
  const nowIso = () => new Date((opts.now ?? Date.now)()).toISOString();
  const rows = tokenRowsOf(db);
  const row = (locationId: string) => rows.oauthTokenRow(locationId);

  return {
    async read(locationId) {
      const r = await row(locationId);
      if (!r) return undefined;
      return {
        ...summarize(r),
        accessToken: r.accessTokenEnc ? cipher.decrypt(r.accessTokenEnc) : null,
        refreshToken: r.refreshTokenEnc ? cipher.decrypt(r.refreshTokenEnc) : null,
      };
    },

    async summary(locationId) {
      const r = await row(locationId);
      return r ? summarize(r) : undefined;
    },

    async list() {
      return (await rows.oauthTokenRows()).map(summarize);
    },

    async save(locationId, t) {
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
      return rows.saveOAuthTokenRow(locationId, values);
    },

    setStatus(locationId, status, message) {
      return rows.setOAuthTokenStatus(locationId, status, message, nowIso());
    },

    remove(locationId) {
      return rows.deleteOAuthTokenRows(locationId);
    },
  };
}
