// The location itself (apps/locations.json get-location) and its users (apps/users.json
// get-user-by-location). The sandbox knows a location's name, company and one timezone; the
// other fields HighLevel sends are left out (the spec requires none of them).
import { SandboxError } from '../types.ts';
import { checkLocation, type SandboxRoute } from './context.ts';

/** Every sandbox dealership keeps Madrid time. */
const SANDBOX_TIMEZONE = 'Europe/Madrid';

export function locationRoutes(): SandboxRoute[] {
  return [
    {
      method: 'GET',
      pattern: '/locations/{locationId}',
      handler: (req, ctx) => {
        const locationId = req.params.locationId!;
        checkLocation(ctx, locationId);
        const location = ctx.store.location(locationId);
        if (!location) throw new SandboxError(404, 'Location not found');
        const { id, name, companyId } = location;
        return { status: 200, body: { location: { id, name, companyId, timezone: SANDBOX_TIMEZONE } } };
      },
    },
    {
      method: 'GET',
      pattern: '/users/',
      handler: (req, ctx) => {
        const locationId = req.query.locationId!;
        checkLocation(ctx, locationId);
        return { status: 200, body: { users: ctx.store.locationUsers(locationId) } };
      },
    },
  ];
}
