// `ghl-etl auth logout`: forget stored OAuth tokens (all, or one location's).
import type { Command } from 'commander';
import { configOf, group, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeErr } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf<{ location?: string }>(group(program, 'auth').command('logout')
    .summary('Remove stored OAuth tokens (all, or --location ID)')
    .option('--location <id>', 'only this location\'s tokens'),
  async (opts) => withApp(configOf(opts), async (app) => {
    const removed = await (await app.tokenStore()).remove(opts.location);
    if (opts.json) printJson({ removed });
    else writeErr(`Removed stored tokens for ${removed} ${removed === 1 ? 'location' : 'locations'}.\n`);
    return EXIT.ok;
  }, { postgres: true }));
}
