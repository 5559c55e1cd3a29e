// The location itself (GET /locations/{locationId}): its name and timezone for the mirror's
// `locations` row and the sync's progress label. Needs the `locations.readonly` scope.
import type * as Api from '../highlevel-api/api-types.ts';
import type { Transport } from './transport.ts';

export function locationsApi(t: Transport) {
  /** Undefined when HighLevel answers without the `location` object. */
  async function getLocation(locationId: string): Promise<Api.Location | undefined> {
    const res = await t.request<Api.GetLocationResponse>({
      name: 'getLocation', method: 'GET', path: `/locations/${encodeURIComponent(locationId)}`, locationId,
    });
    return res.location;
  }
  return { getLocation };
}

export type LocationsApi = ReturnType<typeof locationsApi>;
