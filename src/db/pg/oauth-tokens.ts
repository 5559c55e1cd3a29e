// oauth-tokens.ts on PostgreSQL: the `oauth_tokens` rows (tokens already encrypted by
// src/auth/token-store.ts), read and written as on SQLite; times come back as ISO text (connect.ts).
import type pg from 'pg';
import type { OAuthTokenRow, OAuthTokenValues } from '../oauth-tokens.ts';

type Queryable = pg.Pool | pg.ClientBase;

const SELECT = `SELECT location_id AS "locationId", user_type AS "userType", company_id AS "companyId", scopes,
  access_token_enc AS "accessTokenEnc", refresh_token_enc AS "refreshTokenEnc", expires_at AS "expiresAt", status,
  status_message AS "statusMessage", version, updated_at AS "updatedAt" FROM oauth_tokens`;

export async function getOAuthTokenRowPg(q: Queryable, locationId: string): Promise<OAuthTokenRow | undefined> {
  return (await q.query<OAuthTokenRow>(`${SELECT} WHERE location_id = $1`, [locationId])).rows[0];
}

export async function listOAuthTokenRowsPg(q: Queryable): Promise<OAuthTokenRow[]> {
  return (await q.query<OAuthTokenRow>(`${SELECT} ORDER BY location_id COLLATE "C"`)).rows;
}

/** Inserts or replaces the location's row, bumping its version; returns the new version. */
export async function saveOAuthTokenRowPg(q: Queryable, locationId: string, v: OAuthTokenValues): Promise<number> {
  return (await q.query<{ version: number }>(
    `INSERT INTO oauth_tokens (location_id, user_type, company_id, scopes, access_token_enc, refresh_token_enc, expires_at,
       status, status_message, updated_at, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1)
     ON CONFLICT (location_id) DO UPDATE SET user_type = excluded.user_type, company_id = excluded.company_id,
       scopes = excluded.scopes, access_token_enc = excluded.access_token_enc, refresh_token_enc = excluded.refresh_token_enc,
       expires_at = excluded.expires_at, status = excluded.status, status_message = excluded.status_message,
       updated_at = excluded.updated_at, version = oauth_tokens.version + 1
     RETURNING version`,
    [locationId, v.userType, v.companyId, v.scopes, v.accessTokenEnc, v.refreshTokenEnc, v.expiresAt, v.status, v.statusMessage, v.updatedAt],
  )).rows[0]!.version;
}

export async function setOAuthTokenStatusPg(q: Queryable, locationId: string, status: string, message: string | null, updatedAt: string): Promise<void> {
  await q.query(`UPDATE oauth_tokens SET status = $1, status_message = $2, updated_at = $3 WHERE location_id = $4`, [status, message, updatedAt, locationId]);
}

/** Deletes one location's row, or every row; returns how many went. */
export async function deleteOAuthTokenRowsPg(q: Queryable, locationId?: string): Promise<number> {
  const result = locationId === undefined
    ? await q.query(`DELETE FROM oauth_tokens`)
    : await q.query(`DELETE FROM oauth_tokens WHERE location_id = $1`, [locationId]);
  return result.rowCount ?? 0;
}
