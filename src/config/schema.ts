// The configuration file's shape (ghl-etl.config.json). Every key has a safe default, so an
// empty file (or none) plus GHL_LOCATION_ID and GHL_TOKEN is a working setup.
import { isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { checkSegmentReferences, exportsSchema, segmentsSchema, statusSchema } from './segments.ts';
import { bridgeSchema } from './bridge-schema.ts';
import { cronProblem, timeZoneProblem } from '../schedule/spec.ts';
import { databaseProblem, SCHEMA_NAME_PATTERN } from './database.ts';
import { serviceUrl } from './urls.ts';

const location = z.strictObject({
  id: z.string().min(1),
  /** Private Integration Token; omit for OAuth-connected locations. */
  token: z.string().min(1).optional(),
  name: z.string().optional(),
});

/** The shortest intake secret accepted. */
export const MIN_INTAKE_SECRET_LENGTH = 32;

/** One contact in this many has its notes re-read nightly while webhooks flow (`sync.rollingShareWithWebhooks`). */
export const DEFAULT_ROLLING_SHARE_WITH_WEBHOOKS = 30;
/** Webhooks count as flowing with a verified event within this many hours (`sync.webhookSilenceHours`). */
export const DEFAULT_WEBHOOK_SILENCE_HOURS = 24;
/** Locations synced at once unless `sync.locationConcurrency` says otherwise. */
export const DEFAULT_LOCATION_CONCURRENCY = 4;

export const configSchema = z.strictObject({
  baseUrl: serviceUrl.default('https://services.leadconnectorhq.com'),
  authUrl: serviceUrl.optional(),
  /** A SQLite file path, or a postgres:// / postgresql:// URL (src/config/database.ts). */
  db: z.string().min(1).default('data/ghl.sqlite').superRefine((db, ctx) => {
    const problem = databaseProblem(db);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  /** PostgreSQL only: the schema the tables go in (created if missing); default the URL's search_path (public). */
  dbSchema: z.string().regex(SCHEMA_NAME_PATTERN, 'must be a plain identifier (letters, digits and _, not starting with a digit)').optional(),
  secret: z.string().min(32, 'must be at least 32 characters').optional(),
  locations: z.array(location).default([]).superRefine((locations, ctx) => {
    // Listed twice, a location would be synced twice at once (two writers of one checkpoint).
    const seen = new Map<string, number>();
    locations.forEach((l, i) => {
      const first = seen.get(l.id);
      if (first === undefined) seen.set(l.id, i);
      else ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `lists location "${l.id}" twice (entries ${first + 1} and ${i + 1}): keep one entry per location` });
    });
  }),
  companyId: z.string().optional(),
  oauth: z
    .strictObject({
      clientId: z.string().optional(),
      clientSecret: z.string().optional(),
      redirectUri: serviceUrl.optional(),
      scopes: z.array(z.string()).optional(),
      /** Refresh this many seconds before the access token expires. */
      refreshAheadSeconds: z.number().int().nonnegative().default(300),
      /**
       * HighLevel's grace window for a refresh token: a refresh repeated with the same token
       * within it gets the same answer, so a refresh whose answer was lost is repeated inside
       * it. 30 s live; lower it only against a time-scaled sandbox.
       */
      refreshGraceMs: z.number().int().positive().default(30_000),
    })
    .prefault({}),
  rateLimit: z
    .strictObject({
      /**
       * Requests per interval, per location. Unset (the default): follow the window HighLevel
       * reports in X-RateLimit-* (100 per 10 s until it does). Set: a ceiling never exceeded,
       * e.g. to leave room for the account's other apps.
       */
      max: z.number().int().positive().optional(),
      intervalMs: z.number().int().positive().optional(),
      /** HighLevel's daily limit per location. */
      daily: z.number().int().positive().default(200_000),
      /** Stop cleanly (exit 3) once this share of the daily limit is spent. */
      dailyShare: z.number().gt(0).max(1).default(0.8),
    })
    .prefault({}),
  http: z
    .strictObject({
      timeoutMs: z.number().int().positive().default(30_000),
      retries: z.number().int().nonnegative().default(5),
    })
    .prefault({}),
  sync: z
    .strictObject({
      concurrency: z.number().int().positive().max(50).default(4),
      /** Locations synced at once (each has its own rate limit and checkpoint). */
      locationConcurrency: z.number().int().positive().max(200).default(DEFAULT_LOCATION_CONCURRENCY),
      lister: z.enum(['list', 'search']).default('list'),
      /** Every contact's tasks and notes are re-read at least once in this many days. */
      rollingDays: z.number().positive().default(7),
      /**
       * While `serve` has been receiving a location's webhooks without a gap, its notes are
       * re-read on this many days' rolling share instead (a safety net): events name the notes that changed.
       */
      rollingShareWithWebhooks: z.number().positive().default(DEFAULT_ROLLING_SHARE_WITH_WEBHOOKS),
      /** Webhooks count as flowing only with a verified event for the location within this many hours. */
      webhookSilenceHours: z.number().positive().default(DEFAULT_WEBHOOK_SILENCE_HOURS),
      /** Refuse a run that would soft-delete more than this share of a location's contacts. */
      maxDeleteShare: z.number().min(0).max(1).default(0.2),
    })
    .prefault({}),
  schedule: z
    .strictObject({
      // Checked here, so `config check` finds what `schedule` would refuse.
      cron: z.string().default('0 2 * * *').superRefine((v, ctx) => {
        const problem = cronProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
      timezone: z.string().default('UTC').superRefine((v, ctx) => {
        const problem = timeZoneProblem(v);
        if (problem) ctx.addIssue({ code: 'custom', message: `"${v}" ${problem}` });
      }),
    })
    .prefault({}),
  /** `ghl-etl worker` and the location-sync queue (PostgreSQL only; README "Scaling out"). */
  worker: z
    .strictObject({
      /** Locations one worker process syncs at once. */
      concurrency: z.number().int().positive().max(50).default(2),
      /** A running job's heartbeat: a worker silent this long (killed, its machine down) loses the job to another. pg-boss needs 10 or more. */
      heartbeatSeconds: z.number().int().min(10).max(3600).default(30),
      /** Attempts after the first before a job is kept as failed. */
      retryLimit: z.number().int().nonnegative().max(100).default(5),
      /** The first retry's delay; each further one doubles it (with jitter), up to an hour. */
      retryDelaySeconds: z.number().int().positive().max(3600).default(60),
      /** How often an idle worker asks the queue for a job. */
      pollSeconds: z.number().min(0.5).max(60).default(2),
      /** A job running longer than this is taken as lost and retried (the next attempt resumes from the checkpoint). */
      maxJobHours: z.number().positive().max(23).default(12),
    })
    .prefault({}),
  /** Country of phone numbers written without a +prefix (operations turn phones into E.164). */
  phoneCountry: z.string().length(2).transform((c) => c.toUpperCase())
    .refine((c) => isSupportedCountry(c), 'must be a two-letter country code such as ES, PT or FR').default('ES'),
  webhookPublicKey: z.string().optional(),
  /**
   * Also accept HighLevel's legacy `x-wh-signature` (RSA, one key for every tenant), and only
   * while `webhookPublicKey` is unset. Off by default.
   */
  webhookLegacySignature: z.boolean().default(false),
  leadcars: z
    .strictObject({
      /** LeadCars' production API; its sandbox is https://apisandbox.leadcars.es/api/v2. */
      baseUrl: serviceUrl.default('https://api.leadcars.es/api/v2'),
      /** The 20-character cliente-token LeadCars support issues per customer. */
      token: z.string().min(1).optional(),
      /** Requests per second; LeadCars documents no limit, so about 2/s is polite. */
      rateLimit: z.number().positive().default(2),
      /** A lead received without `id_lead` is created in LeadCars (then linked to its contact). */
      createLeads: z.boolean().default(true),
    })
    .prefault({}),
  bridge: bridgeSchema,
  /** The HMAC secret of the lead intake: long enough not to be guessed (INTAKE_SECRET). */
  intakeSecret: z.string().refine((s) => s.trim().length >= MIN_INTAKE_SECRET_LENGTH, `must be at least ${MIN_INTAKE_SECRET_LENGTH} characters (e.g. \`openssl rand -hex 32\`)`).optional(),
  serve: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      port: z.number().int().min(0).max(65535).default(8787),
    })
    .prefault({}),
  /**
   * Files and folders the tool creates (the database and its -wal/-shm, exports, their
   * folders) are readable by their owner only (0600 / 0700). false: the process's umask decides.
   */
  privateFiles: z.boolean().default(true),
  /**
   * Days the inbox's finished leads, webhook events and finished outbox calls are kept (they
   * carry personal data); applied by `purge` and after each run.
   */
  retention: z
    .strictObject({
      days: z.number().int().positive().default(90),
    })
    .prefault({}),
  /** Named segments for `export --segment NAME` (src/config/segments.ts). */
  segments: segmentsSchema,
  /** What the scheduler exports after each sync. */
  exports: exportsSchema,
  status: statusSchema,
  /** `ghl-etl mcp --http`: the bearer secret clients send, and the port on 127.0.0.1. */
  mcp: z
    .strictObject({
      httpToken: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
      port: z.number().int().min(0).max(65535).default(8788),
    })
    .prefault({}),
}).superRefine(checkSegmentReferences);

export type Config = z.infer<typeof configSchema>;
export type LocationConfig = z.infer<typeof location>;
