// What every bridge job receives: the mirror, both clients, the configuration, the logger and the
// location leads are delivered to. The LeadCars client is a function so jobs that do not call LeadCars
// (a delivery with createLeads off) need no token.
import { ConfigError } from '../config/errors.ts';
import type { Config } from '../config/schema.ts';
import type { Clock } from '../db/clock.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import type { GhlClient } from '../ghl/client.ts';
import type { LeadcarsClient } from '../leadcars/client.ts';
import type { Logger } from '../log.ts';
import type { OpsContext } from '../ops/context.ts';

export type BridgeConfig = Pick<Config, 'bridge' | 'leadcars' | 'phoneCountry' | 'locations'>;

export interface BridgeContext {
  /** The mirror on either engine (a SQLite `Db` is taken as its Mirror); the bridge's tables through `mirrorOf(db).bridge`. */
  db: Db | Mirror;
  ghl: GhlClient;
  leadcars: () => LeadcarsClient;
  config: BridgeConfig;
  /** Where the bridge's warnings go (the face's logger). */
  logger: Logger;
  clock?: Clock;
}

/** The location leads go to: `bridge.locationId`, else the first configured location. */
export function bridgeLocationId(config: BridgeConfig): string {
  const id = config.bridge.locationId ?? config.locations[0]?.id;
  if (!id) throw new ConfigError('no location for the bridge: set "bridge.locationId" or configure a location (GHL_LOCATION_ID)');
  return id;
}

export function opsContext(ctx: BridgeContext, locationId: string = bridgeLocationId(ctx.config)): OpsContext {
  return { db: ctx.db, client: ctx.ghl, locationId, config: ctx.config, ...(ctx.clock ? { clock: ctx.clock } : {}) };
}

/** The mirror a bridge job works on. */
export const mirrorOfBridge = (ctx: Pick<BridgeContext, 'db'>): Mirror => mirrorOf(ctx.db);

export const nowOf = (ctx: Pick<BridgeContext, 'clock'>): Date => ctx.clock?.() ?? new Date();
