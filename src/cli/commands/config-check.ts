// `ghl-etl config check`: validate the configuration and print it with secrets masked.
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { loadConfig, maskSecrets } from '../../config/load.ts';

const usage = 'ghl-etl config check [--config FILE] [--json]';

export const configCheck: Command = {
  name: 'config check',
  summary: 'Validate the configuration and print it, secrets masked',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {}, usage);
    const config = loadConfig({ configPath: values.config });
    const masked = maskSecrets(config);
    if (values.json) {
      process.stdout.write(JSON.stringify(masked) + '\n');
    } else {
      process.stdout.write(`Configuration is valid${config.configFile ? ` (${config.configFile})` : ' (no config file; defaults and environment)'}.\n`);
      process.stdout.write(JSON.stringify(masked, null, 2) + '\n');
      if (config.locations.length === 0) {
        process.stdout.write('Note: no locations configured: set GHL_LOCATION_ID and GHL_TOKEN, or add "locations" to the config file.\n');
      }
    }
    return EXIT.ok;
  },
};
