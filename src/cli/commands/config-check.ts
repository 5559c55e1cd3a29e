// `ghl-etl config check`: validate the configuration and print it with secrets masked. Offline
// unless --online, which also asks HighLevel whether each Private Integration Token is accepted.
import type { Command } from 'commander';
import { maskSecrets } from '../../config/load.ts';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { checkConfiguredTokens, describeCheck } from '../token-checks.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf<{ online?: boolean }>(group(program, 'config').command('check')
    .summary('Validate the configuration and print it, secrets masked')
    .option('--online', 'also check each Private Integration Token with one call to HighLevel (as `auth status` does)'),
  async (opts) => {
    const config = configOf(opts);
    const masked = maskSecrets(config);
    const tokens = opts.online ? await withApp(config, checkConfiguredTokens, { postgres: true }) : undefined;
    const exitCode = tokens?.some((t) => t.status !== 'ok') ? EXIT.failed : EXIT.ok;
    if (opts.json) {
      printJson(tokens ? { config: masked, tokens, exitCode } : masked);
      return exitCode;
    }
    writeOut(`Configuration is valid${config.configFile ? ` (${config.configFile})` : ' (no config file; defaults and environment)'}.\n`);
    writeOut(JSON.stringify(masked, null, 2) + '\n');
    if (config.locations.length === 0) {
      writeOut('Note: no locations configured: set GHL_LOCATION_ID and GHL_TOKEN, or add "locations" to the config file.\n');
    }
    for (const t of tokens ?? []) writeOut(describeCheck(t) + '\n');
    return exitCode;
  });
}
