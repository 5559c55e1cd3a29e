// Whether HighLevel accepts each configured Private Integration Token: one cheap read per
// location (the first contact), since a token can be revoked or made without the scopes the
// mirror needs. `auth status` and `config check --online` report it.
import { isGhlError } from '../ghl/errors.ts';
import type { GhlClient } from '../ghl/client.ts';

/** The scopes a Private Integration Token needs for the read-only mirror. */
export const PIT_SCOPES = ['contacts.readonly', 'locations/customFields.readonly', 'locations/tasks.readonly', 'locations.readonly', 'users.readonly'];

export interface TokenCheck {
  locationId: string;
  kind: 'private-integration-token';
  status: 'ok' | 'refused' | 'unreachable';
  /** Why, and the fix, when not ok. Never the token. */
  message?: string;
}

export async function checkPrivateTokens(client: Pick<GhlClient, 'fetchContactPage'>, locationIds: string[]): Promise<TokenCheck[]> {
  return Promise.all(locationIds.map(async (locationId): Promise<TokenCheck> => {
    try {
      await client.fetchContactPage(locationId, { limit: 1 });
      return { locationId, kind: 'private-integration-token', status: 'ok' };
    } catch (err) {
      if (isGhlError(err, 'auth')) {
        return {
          locationId, kind: 'private-integration-token', status: 'refused',
          message: `HighLevel refused the Private Integration Token of location ${locationId} (HTTP ${err.status ?? '?'}: ${err.message.replace(/^.*?\): /, '')}): ` +
            `create a new one in HighLevel (Settings > Private Integrations) with the scopes ${PIT_SCOPES.join(', ')}, and set it in GHL_TOKEN or "locations[].token"`,
        };
      }
      return { locationId, kind: 'private-integration-token', status: 'unreachable', message: `could not check the token of location ${locationId}: ${(err as Error).message}` };
    }
  }));
}
