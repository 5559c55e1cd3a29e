// What every HighLevel-surface route gets besides the request: the store, the caller's token and
// the access checks HighLevel applies (a location token reaches only its own location's data).
import { SandboxError, type SandboxContact, type SandboxStore } from '../types.ts';
import type { Route, SandboxResponse } from '../http.ts';

/** A bearer token as the sandbox understands it (a location's PIT, or an OAuth access token). */
export interface TokenInfo {
  locationId?: string;
  companyId?: string;
  scopes: string[];
  expired?: boolean;
}

export interface RouteContext {
  store: SandboxStore;
  /** The resolved caller; undefined only on routes that do their own authentication. */
  token: TokenInfo | undefined;
  /** Origin of this sandbox, e.g. "http://127.0.0.1:41234" (for nextPageUrl). */
  baseUrl: string;
}

export type SandboxRoute = Route<RouteContext>;

export const NO_ACCESS = 'The token does not have access to this location.';

/** HighLevel's error envelope: NestJS's `{statusCode, message, error?}`. */
export function errorResponse(status: number, message: string | string[], extra: Record<string, unknown> = {}): SandboxResponse {
  const error = ERROR_NAMES[status];
  return { status, body: { statusCode: status, message, ...(error ? { error } : {}), ...extra } };
}

const ERROR_NAMES: Record<number, string> = {
  401: 'Unauthorized',
  404: 'Not Found',
  422: 'Unprocessable Entity',
};

/**
 * 403 unless the caller's token belongs to `locationId`. An agency (Company) token reaches no
 * location's data: it must first be exchanged at POST /oauth/locationToken (NOTES.md "Basics";
 * the files' `bearer` scheme: "the Access Token generated with user type as Sub-Account (OR)
 * Private Integration Token of Sub-Account").
 */
export function checkLocation(ctx: RouteContext, locationId: string | undefined): void {
  if (locationId === undefined) return;
  const token = ctx.token;
  if (!token) throw new SandboxError(401, 'Invalid JWT');
  if (token.locationId !== locationId) throw new SandboxError(403, NO_ACCESS);
}

/** The location a request acts on when it names none: the token's own. */
export function tokenLocation(ctx: RouteContext): string {
  const id = ctx.token?.locationId;
  if (!id) throw new SandboxError(403, NO_ACCESS);
  return id;
}

/** A contact the caller may touch: 400 when unknown (HighLevel's answer), 403 when another location's. */
export function accessibleContact(ctx: RouteContext, contactId: string): SandboxContact {
  const contact = ctx.store.getContact(contactId);
  if (!contact) throw new SandboxError(400, 'Contact not found');
  checkLocation(ctx, contact.locationId);
  return contact;
}

export function objectBody(body: unknown): Record<string, unknown> {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}

export function intQuery(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}
