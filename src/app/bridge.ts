// The bridge's context for a command: the app's database and clients with the configuration.
import type { BridgeContext } from '../bridge/context.ts';
import type { AppContext } from './context.ts';

export function bridgeContext(app: AppContext): BridgeContext {
  return { db: app.db, ghl: app.client, leadcars: () => app.leadcars, config: app.config, logger: app.logger };
}
