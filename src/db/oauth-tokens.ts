// The `oauth_tokens` rows: one per location (or per company for an agency token), the tokens
// already encrypted by the caller (src/auth/token-store.ts).
import { eq, sql } from 'drizzle-orm';
import { ormOf, type Db } from './connection.ts';
import { oauthTokens } from './schema.ts';

export type OAuthTokenRow = typeof oauthTokens.$inferSelect;

/** A row's fields as written on each save (status ok, fresh tokens). */
export type OAuthTokenValues = Omit<OAuthTokenRow, 'locationId' | 'version'>;

export function getOAuthTokenRow(db: Db, locationId: string): OAuthTokenRow | undefined {
  return ormOf(db).select().from(oauthTokens).where(eq(oauthTokens.locationId, locationId)).get();
}

export function listOAuthTokenRows(db: Db): OAuthTokenRow[] {
  return ormOf(db).select().from(oauthTokens).orderBy(oauthTokens.locationId).all();
}

/** Inserts or replaces the location's row, bumping its version; returns the new version. */
export function saveOAuthTokenRow(db: Db, locationId: string, values: OAuthTokenValues): number {
  return ormOf(db)
    .insert(oauthTokens)
    .values({ locationId, ...values, version: 1 })
    .onConflictDoUpdate({ target: oauthTokens.locationId, set: { ...values, version: sql`${oauthTokens.version} + 1` } })
    .returning({ version: oauthTokens.version })
    .get().version;
}

export function setOAuthTokenStatus(db: Db, locationId: string, status: string, message: string | null, updatedAt: string): void {
  ormOf(db).update(oauthTokens).set({ status, statusMessage: message, updatedAt }).where(eq(oauthTokens.locationId, locationId)).run();
}

/** Deletes one location's row, or every row; returns how many went. */
export function deleteOAuthTokenRows(db: Db, locationId?: string): number {
  const result = locationId === undefined
    ? ormOf(db).delete(oauthTokens).run()
    : ormOf(db).delete(oauthTokens).where(eq(oauthTokens.locationId, locationId)).run();
  return result.changes;
}
