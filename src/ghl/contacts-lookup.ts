// GET /contacts/search/duplicate: the contact HighLevel would call a duplicate of an email or a
// phone. Unlike POST /contacts/search it reads no search index, so it does not lag a create by
// seconds (NOTES.md "Listing contacts"): the operations use it to learn whether a create whose
// answer was lost did happen. The spec leaves the 200 body undescribed; `{contact}` is read, and
// anything else counts as no match.
import type * as Api from '../highlevel-api/api-types.ts';
import type { Transport } from './transport.ts';

export async function findDuplicateContact(
  t: Transport, locationId: string, by: { email?: string; phone?: string },
): Promise<Api.Contact | undefined> {
  const res = await t.request<{ contact?: Api.Contact | null }>({
    name: 'findDuplicateContact', method: 'GET', path: '/contacts/search/duplicate', locationId,
    query: { locationId, email: by.email, number: by.phone },
  });
  const contact = res && typeof res === 'object' ? res.contact : undefined;
  return contact && typeof contact.id === 'string' ? contact : undefined;
}
