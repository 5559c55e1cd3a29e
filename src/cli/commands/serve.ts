// `ghl-etl serve`: the lead intake and HighLevel webhook receiver (src/serve/), with the bridge
// working behind it: leads delivered, task and note changes reported, the outbox drained, all
// continuously. SIGTERM stops cleanly (exit 0); Ctrl-C too, with exit 130.
import type { Command } from 'commander';
import { bridgeContext } from '../../app/bridge.ts';
import { startBridgeLoop } from '../../bridge/index.ts';
import { bridgeHooks, startServer } from '../../serve/index.ts';
import { portNumber } from '../args.ts';
import { configOf, leaf, printJson, withApp } from '../command.ts';
import { EXIT } from '../exit-codes.ts';
import { writeOut } from '../../terminal-text.ts';

export function register(program: Command): void {
  leaf<{ host?: string; port?: number }>(program.command('serve')
    .summary('Receive leads (POST /leads) and HighLevel webhooks (POST /webhooks/ghl); deliver and bridge them continuously')
    .option('--host <host>', 'address to bind (config "serve.host", default 127.0.0.1)')
    .option('--port <n>', 'port (config "serve.port", default 8787; 0 picks a free one)', portNumber),
  async (opts) => {
    const config = configOf(opts);
    return withApp(config, async (app) => {
      const stop = new AbortController();
      const bridge = await bridgeContext(app);
      const loop = startBridgeLoop(bridge, stop.signal);
      let server;
      try {
        server = await startServer({
          db: bridge.db, config, logger: app.logger,
          ...(opts.host !== undefined ? { host: opts.host } : {}),
          ...(opts.port !== undefined ? { port: opts.port } : {}),
          ...bridgeHooks(loop),
        });
      } catch (err) {
        stop.abort();
        await loop.done;
        throw err;
      }
      if (opts.json) printJson({ url: server.url, host: server.host, port: server.port });
      else writeOut(`Listening on ${server.url} (POST /leads, POST /webhooks/ghl, GET /healthz). Ctrl-C stops.\n`);
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', () => resolve('SIGINT'));
        process.once('SIGTERM', () => resolve('SIGTERM'));
      });
      app.logger.info({ signal }, 'serve stopping: finishing requests and the current step');
      await server.close();
      stop.abort();
      await loop.done;
      app.logger.info({ signal, ...loop.totals }, 'serve stopped');
      return signal === 'SIGINT' ? EXIT.interrupted : EXIT.ok;
    }, { postgres: true });
  });
}
