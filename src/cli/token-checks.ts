// The configured Private Integration Tokens checked against HighLevel, as `auth status` and
// `config check --online` report them.
import type { AppContext } from '../app/context.ts';
import { checkPrivateTokens, type TokenCheck } from '../auth/check.ts';

/** The Private Integration Tokens checked against HighLevel. */
export function checkConfiguredTokens(app: AppContext): Promise<TokenCheck[]> {
  return checkPrivateTokens(app.client, app.config.locations.filter((l) => l.token).map((l) => l.id));
}

export function describeCheck(c: TokenCheck): string {
  return `${c.locationId}  Private Integration Token (configured)  ${c.status}${c.message ? `\n  ${c.message}` : ''}`;
}
