// `ghl-etl auth status`: what is connected, how, until when, and whether HighLevel accepts each
// Private Integration Token (one cheap read per location). Never a token.
import type { Command } from 'commander';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { checkConfiguredTokens, describeCheck } from '../token-checks.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf(group(program, 'auth').command('status')
    .summary('Each location\'s credentials: kind, scopes, expiry, status; checks each Private Integration Token with one call')
    .description('Each location\'s credentials (no secrets). A Private Integration Token is checked with one\n' +
      'cheap call to HighLevel; a refused one is reported with the fix and the exit code is 1.'),
  async (opts) => withApp(configOf(opts), async (app) => {
    const pits = await checkConfiguredTokens(app);
    const oauth = (await (await app.tokenStore()).list()).map((t) => ({ ...t, kind: 'oauth' as const }));
    const failed = pits.some((p) => p.status !== 'ok') || oauth.some((t) => t.status === 'needs_reauth');
    const exitCode = failed ? EXIT.failed : EXIT.ok;
    if (opts.json) {
      printJson({ locations: [...pits, ...oauth], exitCode });
      return exitCode;
    }
    if (oauth.length === 0 && pits.length === 0) {
      writeOut('No credentials: run `ghl-etl auth login`, or set GHL_LOCATION_ID and GHL_TOKEN.\n');
      return EXIT.ok;
    }
    for (const p of pits) writeOut(describeCheck(p) + '\n');
    for (const t of oauth) {
      const expires = t.expiresAt ? (Date.parse(t.expiresAt) > Date.now() ? `expires ${t.expiresAt}` : `expired ${t.expiresAt} (refreshed on next use)`) : 'no access token';
      writeOut(`${t.locationId}  OAuth ${t.userType}  ${t.status}  ${expires}  scopes: ${t.scopes.join(' ') || '-'}\n`);
      if (t.statusMessage) writeOut(`  ${t.statusMessage}\n`);
    }
    return exitCode;
  }, { postgres: true }));
}
