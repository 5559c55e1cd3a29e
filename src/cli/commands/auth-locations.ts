// `ghl-etl auth locations`: agency installs: the locations the app is installed on.
import type { Command } from 'commander';
import { ConfigError } from '../../config/errors.ts';
import { requireOAuthApp } from '../../auth/login.ts';
import { appIdOf, listInstalledLocations } from '../../auth/oauth-api.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut, writeErr } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf(group(program, 'auth').command('locations')
    .summary('Agency installs: list the locations the app is installed on')
    .description('Agency installs: list the locations the app is installed on (needs GHL_COMPANY_ID, "companyId", and an agency login).'),
  async (opts) => {
    const config = configOf(opts);
    const app = requireOAuthApp(config);
    const companyId = config.companyId;
    if (!companyId) throw new ConfigError('listing installed locations needs the agency id: set GHL_COMPANY_ID ("companyId"), then run `ghl-etl auth login` as the agency');
    return withApp(config, async (ctx) => {
      const companyToken = await ctx.tokens.getToken(companyId);
      const locations = await listInstalledLocations({ baseUrl: config.baseUrl, companyToken, companyId, appId: appIdOf(app.clientId) });
      if (opts.json) {
        printJson({ companyId, locations });
      } else {
        for (const l of locations) writeOut(`${l.id}  ${l.name}${l.address ? `  (${l.address})` : ''}\n`);
        writeErr(`${locations.length} installed ${locations.length === 1 ? 'location' : 'locations'}.\n`);
      }
      return EXIT.ok;
    }, { postgres: true });
  });
}
