// Private Integration Tokens with fewer scopes, as a user makes them in HighLevel with some boxes
// unticked: how tests (and users trying the tool) meet a token the sync must work around.
import { randomUUID } from 'node:crypto';
import type { Route } from './http.ts';
import { errorResponse, type RouteContext, type TokenInfo } from './routes/context.ts';
import type { SandboxStore } from './types.ts';

/**
 * `POST /__sandbox/tokens` with `{"locationId", "scopes"?: [...], "without"?: [...]}`: issues
 * another Private Integration Token for the location, carrying `scopes` (default: every scope
 * of the printed tokens) minus `without`, as a user would make one in HighLevel with some boxes
 * unticked. Answers `{"token", "scopes"}`.
 */
export function scopedTokenRoute(store: SandboxStore, pitTokens: Map<string, TokenInfo>, allScopes: string[]): Route<RouteContext> {
  return {
    method: 'POST',
    pattern: '/__sandbox/tokens',
    handler: (req) => {
      const body = (req.body ?? {}) as { locationId?: unknown; scopes?: unknown; without?: unknown };
      const location = typeof body.locationId === 'string' ? store.location(body.locationId) : undefined;
      if (!location) return errorResponse(400, 'locationId must name a sandbox location');
      const list = (v: unknown): string[] | undefined => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? v : undefined);
      const without = new Set(list(body.without) ?? []);
      const scopes = (list(body.scopes) ?? allScopes).filter((s) => !without.has(s));
      const token = `pit-${randomUUID()}`;
      pitTokens.set(token, { locationId: location.id, companyId: location.companyId, scopes });
      return { status: 200, body: { token, scopes } };
    },
  };
}
