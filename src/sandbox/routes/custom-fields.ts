// Custom field definitions of a location (apps/locations.json get-custom-fields). The sandbox
// only models contact fields, so `model=opportunity` answers an empty list.
import { checkLocation, type SandboxRoute } from './context.ts';

export function customFieldRoutes(): SandboxRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/locations/{locationId}/customFields',
      handler: (req, ctx) => {
        const locationId = req.params.locationId!;
        checkLocation(ctx, locationId);
        const model = req.query.model ?? 'all';
        const fields = ctx.store.customFields(locationId).filter((f) => model === 'all' || f.model === model);
        return { status: 200, body: { customFields: fields } };
      },
    },
  ];
}
