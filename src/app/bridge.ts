// The bridge's context for a command: the app's mirror (either engine) and clients with the configuration.
import type { BridgeContext } from '../bridge/context.ts';
import type { AppContext } from './context.ts';

export async function bridgeContext(app: AppContext): Promise<BridgeContext> {
  return { db: await app.mirror(), ghl: app.client, leadcars: () => app.leadcars, config: app.config, logger: app.logger };
}
