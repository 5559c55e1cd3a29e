// The one place that builds what a command needs from its configuration: the database, the
// encrypted token store, the token provider and the HighLevel client, and the logger. Each is
// made on first use (`config check` needs none of them, `auth logout` only the database), and
// `close()` releases what was made. Commands never wire these themselves.
import { cipherForMirror } from '../auth/crypto.ts';
import { createTokenProvider } from '../auth/provider.ts';
import { createTokenStore, type TokenStore } from '../auth/token-store.ts';
import { databaseTarget, maskDatabaseUrl } from '../config/database.ts';
import type { LoadedConfig } from '../config/load.ts';
import { recordDrift } from '../db/drift.ts';
import { NotOnPostgresError, type Mirror } from '../db/mirror.ts';
import { openMirror } from '../db/open-mirror.ts';
import { openDatabase, type Db } from '../db/open.ts';
import { QueueNeedsPostgresError, type LocationQueue } from '../db/queue.ts';
import { sqliteMirror } from '../db/sqlite-mirror.ts';
import { createGhlClient, type GhlClient } from '../ghl/client.ts';
import { leadcarsClientFromConfig, type LeadcarsClient } from '../leadcars/client.ts';
import type { BackoffOptions } from '../http/retry.ts';
import type { TokenProvider } from '../ghl/transport.ts';
import type { Logger } from '../log.ts';

export interface AppContext {
  readonly config: LoadedConfig;
  readonly logger: Logger;
  /**
   * The SQLite mirror (`config.db`), opened and migrated on first use, for the code not yet ported
   * to the Mirror interface; on PostgreSQL it throws NotOnPostgresError.
   */
  readonly db: Db;
  /** The mirror on either engine (`config.db`, a file or a PostgreSQL URL), opened and migrated on first call. */
  mirror(): Promise<Mirror>;
  /** OAuth tokens stored in the database (either engine), encrypted; opens the mirror. */
  tokenStore(): Promise<TokenStore>;
  /** A location's configured Private Integration Token, else its stored OAuth tokens. */
  readonly tokens: TokenProvider;
  /** One client per process: its rate limiters are per location. */
  readonly client: GhlClient;
  /** The LeadCars client (`leadcars.*`); built on first use, so only commands that call LeadCars need its token. */
  readonly leadcars: LeadcarsClient;
  /**
   * The location-sync queue (pg-boss on the PostgreSQL `db`, settings `worker.*`), set up on first
   * call; QueueNeedsPostgresError (exit 2) on SQLite. `supervise`: this process fails other
   * workers' silent jobs (a worker does).
   */
  queue(opts?: { supervise?: boolean }): Promise<LocationQueue>;
  /** The queue if it was ever set up on this database (status), else undefined; never creates it. */
  existingQueue(): Promise<LocationQueue | undefined>;
  close(): Promise<void>;
}

export interface OpenContextOptions {
  /** Backoff between retries (the demo's sped-up clock); default the client's. */
  backoff?: BackoffOptions;
  /** The face's logger: every job and client the context builds logs through it. */
  logger: Logger;
  /** The command only reads the mirror: open it read-only, never creating or migrating it. */
  readonly?: boolean;
  /** The command works on PostgreSQL (through `mirror()`); the others refuse a PostgreSQL `db` up front. */
  postgres?: boolean;
  /** The command's name, for the refusal (`contacts create`). */
  command?: string;
  /** PostgreSQL: connections the mirror's pool may open (a worker syncing many locations at once needs more than pg's 10). */
  maxConnections?: number;
}

export function openContext(config: LoadedConfig, opts: OpenContextOptions): AppContext {
  const postgres = databaseTarget(config.db).engine === 'postgres';
  // Before any call to HighLevel or any file is made.
  if (postgres && !opts.postgres) throw new NotOnPostgresError(opts.command ? `\`ghl-etl ${opts.command}\`` : 'this command', maskDatabaseUrl(config.db));
  const { logger } = opts;
  let db: Db | undefined;
  let mirror: Promise<Mirror> | undefined;
  let tokenStore: Promise<TokenStore> | undefined;
  // The PostgreSQL mirror once open, and the drift records still being written to it.
  let openedMirror: Mirror | undefined;
  const driftWrites = new Set<Promise<void>>();
  let tokens: TokenProvider | undefined;
  let client: GhlClient | undefined;
  let leadcars: LeadcarsClient | undefined;
  let queue: Promise<LocationQueue | undefined> | undefined;
  const openQueue = (readonly: boolean, supervise: boolean): Promise<LocationQueue | undefined> => {
    if (!postgres) return Promise.reject(new QueueNeedsPostgresError(opts.command ? `\`ghl-etl ${opts.command}\`` : 'the job queue', maskDatabaseUrl(config.db)));
    // pg-boss is loaded only by the commands that use the queue.
    return (queue ??= import('../db/pg/queue.ts').then(({ openLocationQueue }) => openLocationQueue({ url: config.db, ...(config.dbSchema !== undefined ? { schema: config.dbSchema } : {}) }, config.worker, {
      readonly, supervise,
      onError: (err) => logger.warn({ err: err.message }, 'job queue: a database operation failed (retried)'),
    })));
  };
  const context: AppContext = {
    config,
    logger,
    get db() {
      if (postgres) throw new NotOnPostgresError('this part of the command', maskDatabaseUrl(config.db));
      return (db ??= openDatabase(config.db, { readonly: opts.readonly ?? false }));
    },
    mirror() {
      if (!postgres) return (mirror ??= Promise.resolve().then(() => sqliteMirror(context.db)));
      return (mirror ??= openMirror(config.db, {
        schema: config.dbSchema,
        ...(opts.maxConnections !== undefined ? { maxConnections: opts.maxConnections } : {}),
        onIdleError: (err) => logger.warn({ err: err.message }, 'a pooled PostgreSQL connection failed (it is replaced on next use)'),
      }).then((m) => (openedMirror = m)));
    },
    tokenStore() {
      return (tokenStore ??= context.mirror().then((m) => createTokenStore(m, cipherForMirror(m, config.secret))));
    },
    get tokens() {
      // The database is opened only when a location needs OAuth: a Private Integration Token
      // alone touches no file.
      return (tokens ??= createTokenProvider({ db: () => context.mirror(), config, logger }));
    },
    get client() {
      return (client ??= createGhlClient({
        baseUrl: config.baseUrl,
        tokens: context.tokens,
        rateLimit: config.rateLimit,
        http: config.http,
        logger,
        ...(opts.backoff ? { backoff: opts.backoff } : {}),
        // On PostgreSQL every process calling a location (a worker's sync, serve, operations) shares its window and daily count.
        ...(postgres ? {
          sharedWindow: {
            reserve: async (locationId, turns, settings) => {
              const m = await context.mirror();
              return m.reserveRequests ? m.reserveRequests(locationId, turns, settings) : { granted: turns.want, retryInMs: 0, exhausted: false };
            },
          },
        } : {}),
        // Recorded in the mirror when the command has it open (every command that mirrors does);
        // a read-only database or one busy past its timeout keeps the log line only.
        onDrift: (report) => {
          logger.debug({ locationId: report.locationId, operation: report.operation, drift: report.seen }, 'HighLevel answer departs from its contract (tolerated)');
          const seen = report.seen.map((s) => ({ ...s, operation: report.operation }));
          if (db && !db.readonly) recordDrift(db, report.locationId, seen);
          else if (openedMirror?.engine === 'postgres') {
            const write: Promise<void> = openedMirror.recordDrift(report.locationId, seen)
              .catch((err: unknown) => logger.debug({ err: (err as Error).message }, 'answer drift not recorded'))
              .finally(() => driftWrites.delete(write));
            driftWrites.add(write);
          }
        },
      }));
    },
    get leadcars() {
      return (leadcars ??= leadcarsClientFromConfig(config, { logger, ...(opts.backoff ? { backoff: opts.backoff } : {}) }));
    },
    async queue(queueOpts = {}) {
      const opened = await openQueue(false, queueOpts.supervise ?? false);
      if (!opened) throw new Error('the job queue could not be set up');
      return opened;
    },
    existingQueue() {
      return openQueue(true, false);
    },
    async close() {
      await (await queue?.catch(() => undefined))?.close().catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'job queue: could not close cleanly'));
      await client?.close();
      await Promise.all(driftWrites);
      db?.close();
      if (postgres && mirror) await (await mirror.catch(() => undefined))?.close();
    },
  };
  return context;
}
