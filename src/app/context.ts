// The one place that builds what a command needs from its configuration: the database, the
// encrypted token store, the token provider and the HighLevel client, and the logger. Each is
// made on first use (`config check` needs none of them, `auth logout` only the database), and
// `close()` releases what was made. Commands never wire these themselves.
import { cipherForDb } from '../auth/crypto.ts';
import { createTokenProvider } from '../auth/provider.ts';
import { createTokenStore, type TokenStore } from '../auth/token-store.ts';
import { databaseTarget, maskDatabaseUrl } from '../config/database.ts';
import { ConfigError } from '../config/errors.ts';
import type { LoadedConfig } from '../config/load.ts';
import { recordDrift } from '../db/drift.ts';
import { openDatabase, type Db } from '../db/open.ts';
import { createGhlClient, type GhlClient } from '../ghl/client.ts';
import { leadcarsClientFromConfig, type LeadcarsClient } from '../leadcars/client.ts';
import type { BackoffOptions } from '../http/retry.ts';
import type { TokenProvider } from '../ghl/transport.ts';
import type { Logger } from '../log.ts';

export interface AppContext {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  /** The mirror (`config.db`), opened and migrated on first use. */
  readonly db: Db;
  /** OAuth tokens stored in the database, encrypted. */
  readonly tokenStore: TokenStore;
  /** A location's configured Private Integration Token, else its stored OAuth tokens. */
  readonly tokens: TokenProvider;
  /** One client per process: its rate limiters are per location. */
  readonly client: GhlClient;
  /** The LeadCars client (`leadcars.*`); built on first use, so only commands that call LeadCars need its token. */
  readonly leadcars: LeadcarsClient;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  /** Backoff between retries (the demo's sped-up clock); default the client's. */
  backoff?: BackoffOptions;
  /** The face's logger: every job and client the context builds logs through it. */
  logger: Logger;
  /** The command only reads the mirror: open it read-only, never creating or migrating it. */
  readonly?: boolean;
}

export function openContext(config: LoadedConfig, opts: OpenContextOptions): AppContext {
  refuseUnwiredEngine(config);
  const { logger } = opts;
  let db: Db | undefined;
  let tokenStore: TokenStore | undefined;
  let tokens: TokenProvider | undefined;
  let client: GhlClient | undefined;
  let leadcars: LeadcarsClient | undefined;
  const context: AppContext = {
    config,
    logger,
    get db() {
      return (db ??= openDatabase(config.db, { readonly: opts.readonly ?? false }));
    },
    get tokenStore() {
      return (tokenStore ??= createTokenStore(context.db, cipherForDb({ dbPath: context.db.path, secret: config.secret })));
    },
    get tokens() {
      // The database is opened only when a location needs OAuth: a Private Integration Token
      // alone touches no file.
      return (tokens ??= createTokenProvider({ get db() { return context.db; }, config, logger }));
    },
    get client() {
      return (client ??= createGhlClient({
        baseUrl: config.baseUrl,
        tokens: context.tokens,
        rateLimit: config.rateLimit,
        http: config.http,
        logger,
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
        // Recorded in the mirror when the command has it open (every command that mirrors does);
        // a read-only database or one busy past its timeout keeps the log line only.
        onDrift: (report) => {
          logger.debug({ locationId: report.locationId, operation: report.operation, drift: report.seen }, 'HighLevel answer departs from its contract (tolerated)');
          if (db && !db.readonly) recordDrift(db, report.locationId, report.seen.map((s) => ({ ...s, operation: report.operation })));
        },
      }));
    },
    get leadcars() {
      return (leadcars ??= leadcarsClientFromConfig(config, { logger, ...(opts.backoff ? { backoff: opts.backoff } : {}) }));
    },
    async close() {
      await client?.close();
      db?.close();
    },
  };
  return context;
}

/**
 * PostgreSQL is recognised (src/config/database.ts, src/db/pg/) but not yet wired to the
 * commands (issue 17): refuse up front, before any call to HighLevel or any file is made.
 */
function refuseUnwiredEngine(config: LoadedConfig): void {
  if (databaseTarget(config.db).engine !== 'postgres') return;
  throw new ConfigError(
    `the database ${maskDatabaseUrl(config.db)} is PostgreSQL, which this ghl-etl cannot use yet (support is in progress, see README "Using PostgreSQL"): ` +
      'set GHL_ETL_DB (or "db" in the config file) to a SQLite file path, e.g. data/ghl.sqlite',
  );
}
