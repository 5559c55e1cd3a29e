// `ghl-etl auth logout`: forget stored OAuth tokens (all, or one location's).
import { parseFlags } from '../args.ts';
import type { Command } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { openAuthContext } from './auth-common.ts';

const usage = 'ghl-etl auth logout [--location ID] [--config FILE] [--json]';

export const authLogout: Command = {
  name: 'auth logout',
  summary: 'Remove stored OAuth tokens (all, or --location ID)',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, { location: { type: 'string' } }, usage);
    const { db, store } = openAuthContext(values.config);
    try {
      const removed = store.remove(values.location);
      if (values.json) process.stdout.write(JSON.stringify({ removed }) + '\n');
      else process.stderr.write(`Removed stored tokens for ${removed} ${removed === 1 ? 'location' : 'locations'}.\n`);
      return EXIT.ok;
    } finally {
      db.close();
    }
  },
};
