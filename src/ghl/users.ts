// A location's users (GET /users/?locationId=, the users app), so the mirror can show who a
// contact or task is assigned to. Needs the `users.readonly` scope. The route is marked
// deprecated in favour of GET /users/search, which requires a companyId a Private Integration
// Token of a location does not know; this one answers the whole list in one call.
import type * as Api from '../highlevel-api/api-types.ts';
import type { Transport } from './transport.ts';

export function usersApi(t: Transport) {
  async function listLocationUsers(locationId: string): Promise<Api.User[]> {
    const res = await t.request<Api.LocationUsersResponse>({
      name: 'listLocationUsers', method: 'GET', path: '/users/', locationId, query: { locationId },
    });
    // Users are a courtesy (names for assignee ids): one without an id is skipped by the caller.
    return Array.isArray(res.users) ? res.users.filter((u) => u !== null && typeof u === 'object') : [];
  }
  return { listLocationUsers };
}

export type UsersApi = ReturnType<typeof usersApi>;
