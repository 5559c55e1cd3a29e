// `ghl-etl auth locations`: agency installs: the locations the app is installed on.
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { ConfigError } from '../../config/errors.ts';
import { loadConfig } from '../../config/load.ts';
import { openDatabase } from '../../db/open.ts';
import { requireOAuthApp } from '../../auth/login.ts';
import { appIdOf, listInstalledLocations } from '../../auth/oauth-api.ts';
import { createOAuthTokenProvider } from '../../auth/provider.ts';

const usage = 'ghl-etl auth locations [--config FILE] [--json]   (needs GHL_COMPANY_ID and an agency login)';

export const authLocations: Command = {
  name: 'auth locations',
  summary: 'Agency installs: list the locations the app is installed on',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {}, usage);
    const config = loadConfig({ configPath: values.config });
    const app = requireOAuthApp(config);
    const companyId = config.companyId;
    if (!companyId) throw new ConfigError('listing installed locations needs the agency id: set GHL_COMPANY_ID, then run `ghl-etl auth login` as the agency');
    const db = openDatabase(config.db);
    try {
      const provider = createOAuthTokenProvider({ db, config });
      const companyToken = await provider.getToken(companyId);
      const locations = await listInstalledLocations({ baseUrl: config.baseUrl, companyToken, companyId, appId: appIdOf(app.clientId) });
      if (values.json) {
        process.stdout.write(JSON.stringify({ companyId, locations }) + '\n');
      } else {
        for (const l of locations) process.stdout.write(`${l.id}  ${l.name}${l.address ? `  (${l.address})` : ''}\n`);
        process.stderr.write(`${locations.length} installed ${locations.length === 1 ? 'location' : 'locations'}.\n`);
      }
      return EXIT.ok;
    } finally {
      db.close();
    }
  },
};
