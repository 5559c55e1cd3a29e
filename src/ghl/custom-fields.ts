// Custom field definitions of a location (contact model): names and keys for contacts_wide.
import type * as Api from '../highlevel-api/api-types.ts';
import { listOf } from './answers.ts';
import type { Transport } from './transport.ts';

export function customFieldsApi(t: Transport) {
  async function listCustomFields(locationId: string): Promise<Api.CustomField[]> {
    const res = await t.request<Api.CustomFieldListResponse>({
      name: 'listCustomFields', method: 'GET', path: `/locations/${encodeURIComponent(locationId)}/customFields`, locationId,
      query: { model: 'contact' },
      needs: listOf('customFields'),
    });
    return res.customFields;
  }
  return { listCustomFields };
}

export type CustomFieldsApi = ReturnType<typeof customFieldsApi>;
