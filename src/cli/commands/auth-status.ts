// `ghl-etl auth status`: what is connected, how, until when. Never a token.
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { openAuthContext } from './auth-common.ts';

const usage = 'ghl-etl auth status [--config FILE] [--json]';

export const authStatus: Command = {
  name: 'auth status',
  summary: 'Show each location\'s credentials: type, scopes, expiry, status (no secrets)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {}, usage);
    const { config, db, store } = openAuthContext(values.config);
    try {
      const oauth = store.list().map((t) => ({ ...t, kind: 'oauth' as const }));
      const pits = config.locations
        .filter((l) => l.token)
        .map((l) => ({ locationId: l.id, kind: 'private-integration-token' as const, status: 'ok' as const }));
      if (values.json) {
        process.stdout.write(JSON.stringify({ locations: [...pits, ...oauth] }) + '\n');
        return EXIT.ok;
      }
      if (oauth.length === 0 && pits.length === 0) {
        process.stdout.write('No credentials: run `ghl-etl auth login`, or set GHL_LOCATION_ID and GHL_TOKEN.\n');
        return EXIT.ok;
      }
      for (const p of pits) process.stdout.write(`${p.locationId}  Private Integration Token (configured)  ok\n`);
      for (const t of oauth) {
        const expires = t.expiresAt ? (Date.parse(t.expiresAt) > Date.now() ? `expires ${t.expiresAt}` : `expired ${t.expiresAt} (refreshed on next use)`) : 'no access token';
        process.stdout.write(`${t.locationId}  OAuth ${t.userType}  ${t.status}  ${expires}  scopes: ${t.scopes.join(' ') || '-'}\n`);
        if (t.statusMessage) process.stdout.write(`  ${t.statusMessage}\n`);
      }
      return oauth.some((t) => t.status === 'needs_reauth') ? EXIT.failed : EXIT.ok;
    } finally {
      db.close();
    }
  },
};
