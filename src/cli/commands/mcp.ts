// `ghl-etl mcp`: the MCP server (src/mcp/) on stdio for an assistant to start. stdout carries the
// protocol only; logs go to stderr. It ends when the assistant closes stdin.
// `ghl-etl mcp --http [--port P]`: the same tools over Streamable HTTP on 127.0.0.1, each request
// holding `Authorization: Bearer <mcp.httpToken>`. SIGTERM stops it (exit 0), Ctrl-C too (130).
import { createRequire } from 'node:module';
import type { Command } from 'commander';
import { checkHttpToken, McpHttpTokenError, serveStdio, startMcpHttp } from '../../mcp/index.ts';
import { portNumber, UsageError } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };

export function register(program: Command): void {
  leaf<{ http?: boolean; port?: number }>(program.command('mcp')
    .summary('Serve the mirror to an assistant over MCP on stdio (or --http): reads with no API call, writes through HighLevel')
    .option('--http', 'serve Streamable HTTP on 127.0.0.1 instead of stdio; needs GHL_ETL_MCP_TOKEN (or "mcp.httpToken"), sent as Authorization: Bearer')
    .option('--port <n>', 'with --http: the port (config "mcp.port", default 8788; 0 picks a free one)', portNumber),
  async (opts) => {
    if (opts.port !== undefined && !opts.http) throw new UsageError('--port applies to --http: add --http, or drop --port for stdio');
    const config = configOf(opts);
    if (!opts.http) {
      return withApp(config, async (app) => {
        const mirror = await app.mirror();
        app.logger.info({ db: mirror.shown }, 'MCP server on stdio');
        await serveStdio({ mirror, config, client: () => app.client, logger: app.logger, version: pkg.version });
        app.logger.info('MCP client closed stdin: stopping');
        return EXIT.ok;
      }, { postgres: true });
    }
    // Refused before the mirror is opened: without the secret nothing starts.
    let token: string;
    try {
      token = checkHttpToken(config.mcp.httpToken);
    } catch (err) {
      throw err instanceof McpHttpTokenError ? new UsageError(err.message) : err;
    }
    return withApp(config, async (app) => {
      const mirror = await app.mirror();
      const server = await startMcpHttp({ mirror, config, client: () => app.client, logger: app.logger, version: pkg.version }, {
        token, port: opts.port ?? config.mcp.port,
        onEvent: (e) => (e.kind === 'refused' ? app.logger.warn({ reason: e.detail }, 'MCP request refused') : app.logger.debug({ session: e.detail }, `MCP ${e.kind}`)),
      });
      app.logger.info({ db: mirror.shown, url: server.url }, 'MCP server on Streamable HTTP');
      if (opts.json) printJson({ url: server.url, port: server.port });
      else process.stdout.write(`MCP on ${server.url} (Authorization: Bearer <GHL_ETL_MCP_TOKEN>). Ctrl-C stops.\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      app.logger.info({ signal }, 'MCP server stopping');
      await server.close();
      return signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
    }, { postgres: true });
  });
}
