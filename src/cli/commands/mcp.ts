// `ghl-etl mcp`: the MCP server (src/mcp/) on stdio for an assistant to start. stdout carries the
// protocol only; logs go to stderr. It ends when the assistant closes stdin.
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { serveStdio } from '../../mcp/index.ts';
import { configOf, leaf, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function register(program: Command): void {
  leaf(program.command('mcp')
    .summary('Serve the mirror to an assistant over MCP on stdio: reads with no API call, writes through HighLevel'),
  async (opts) => {
    const config = configOf(opts);
    return withApp(config, async (app) => {
      app.logger.info({ db: app.db.path }, 'MCP server on stdio');
      await serveStdio({ db: app.db, config, client: () => app.client, logger: app.logger, version: pkg.version });
      app.logger.info('MCP client closed stdin: stopping');
      return EXIT.ok;
    });
  });
}
