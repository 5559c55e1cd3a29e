// The Contacts API's bulk operations (apps/contacts.json "Bulk"): tags added to or removed from
// many contacts, and contacts linked to or unlinked from a business. HighLevel documents no
// maximum number of contacts per call, so the sandbox enforces none (a stricter sandbox would be
// a bug too). Each contact that cannot be touched is an error line of the answer, not a refusal
// of the call, as the spec's example answer shows.
import { SandboxError } from '../types.ts';
import { checkLocation, objectBody, type SandboxRoute } from './context.ts';

function locationOf(body: Record<string, unknown>): string {
  if (typeof body.locationId !== 'string' || body.locationId === '') throw new SandboxError(422, ['locationId should not be empty']);
  return body.locationId;
}

const stringsOf = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []);

export function bulkRoutes(): SandboxRoute[] {
  return [
    {
      method: 'POST',
      pattern: '/contacts/bulk/tags/update/{type}',
      handler: (req, ctx) => {
        const type = req.params.type;
        if (type !== 'add' && type !== 'remove') throw new SandboxError(422, ['type must be one of the following values: add, remove']);
        const body = objectBody(req.body);
        const locationId = locationOf(body);
        checkLocation(ctx, locationId);
        const removeAllTags = body.removeAllTags === true;
        // UpdateTagsDTO: "Can only be used with remove type."
        if (removeAllTags && type === 'add') throw new SandboxError(422, ['removeAllTags can only be used with remove type']);
        const responses = ctx.store.bulkTags(locationId, type, stringsOf(body.contacts), stringsOf(body.tags), removeAllTags);
        const errorCount = responses.filter((r) => r.type === 'error').length;
        return { status: 201, body: { succeded: errorCount < responses.length || responses.length === 0, errorCount, responses } };
      },
    },
    {
      method: 'POST',
      pattern: '/contacts/bulk/business',
      handler: (req, ctx) => {
        const body = objectBody(req.body);
        const locationId = locationOf(body);
        checkLocation(ctx, locationId);
        const businessId = typeof body.businessId === 'string' && body.businessId !== '' ? body.businessId : null;
        const ids = ctx.store.bulkBusiness(locationId, stringsOf(body.ids), businessId);
        return { status: 200, body: { success: true, ids } };
      },
    },
  ];
}
