// `ghl-etl serve`'s HTTP server (node:http, no framework): the lead intake, HighLevel webhooks
// and a health check. Every answer that acknowledges something (202 for a lead, 200 for a
// webhook) is sent only after the row is committed, so an acknowledged lead or event survives a
// crash of this process at any moment.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError } from '../config/errors.ts';
import { MIN_INTAKE_SECRET_LENGTH, type Config } from '../config/schema.ts';
import type { Db } from '../db/index.ts';
import type { Mirror } from '../db/mirror.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { recordWebhookRefused, recordWebhookSeen, SERVE_HEARTBEAT_MS, writeServeHeartbeat } from '../db/webhook-health.ts';
import type { Logger } from '../log.ts';
import { createWebhookDriftReader } from '../highlevel-api/webhook-events.ts';
import { leadDedupeKey, leadPayload, parseIntakeLead, type IntakeLead } from '../bridge/lead.ts';
import { hasIntakeSignatureHeader, verifyIntakeSignature } from './intake.ts';
import {
  abortedRequestLog, applyConnectionCap, BodyBudget, isLoopbackHost, SERVER_TIMEOUTS,
} from './limits.ts';
import { applyEventToMirror, type WebhookEvent } from './mirror-events.ts';
import { hasWebhookSignatureHeader, verifyWebhookSignature, webhookKeys } from './webhook-signature.ts';

/** Largest request body accepted (a lead or a webhook); larger ones get 413. */
export const MAX_BODY_BYTES = 1024 * 1024;
/** `GET /healthz` answers from a probe at most this old. */
export const HEALTH_CACHE_MS = 2_000;
/** A webhook whose `timestamp` is further than this from now is refused as a replay. */
export const REPLAY_WINDOW_MS = 5 * 60 * 1000;

export interface AcceptedLead {
  /** The inbox row id answered to the sender. */
  id: number;
  /** False when the lead was already in the inbox (a sender retrying). */
  created: boolean;
  lead: IntakeLead;
}

export interface ReceivedEvent {
  webhookId: string;
  type: string;
  event: WebhookEvent;
  /** Whether the mirror changed (false for types we do not mirror or unknown contacts). */
  applied: boolean;
  /** The event's location is not one this mirror syncs: acknowledged and counted, never applied. */
  foreign: boolean;
}

export interface ServeOptions {
  /** The mirror on either engine (a SQLite `Db` is taken as its Mirror). */
  db: Db | Mirror;
  /** `intakeSecret`, `webhookPublicKey` and `serve.host`/`serve.port` are read from it. */
  config: Pick<Config, 'intakeSecret' | 'webhookPublicKey'> & Partial<Pick<Config, 'serve' | 'phoneCountry' | 'locations' | 'webhookLegacySignature'>>;
  /** Defaults to config `serve.host` (127.0.0.1). */
  host?: string;
  /** Defaults to config `serve.port` (8787); 0 picks a free port. */
  port?: number;
  /** Called after a new lead is committed (not for a repeated one): e.g. wake the delivery. */
  onLead?: (lead: AcceptedLead) => void;
  /** Called after a new webhook event is committed (not for a redelivery). */
  onEvent?: (event: ReceivedEvent) => void;
  /** The legacy `x-wh-signature` RSA key (PEM), used only with config `webhookLegacySignature`; HighLevel's by default. Tests pass their own. */
  legacyRsaKey?: string;
  /** The clock of the replay window; tests move it. */
  clock?: () => Date;
  /** Where request failures are logged: the face's logger, handed down. */
  logger: Logger;
  /** How often serve's heartbeat is written (default SERVE_HEARTBEAT_MS); tests shorten it. */
  heartbeatMs?: number;
}

export interface IntakeServer {
  /** e.g. `http://127.0.0.1:8787` */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Requests being answered right now. */
  inFlight(): number;
  /**
   * Stops accepting connections, lets in-flight requests finish (their rows committed and
   * answered), closes idle keep-alive connections, and resolves once all are done. Does not
   * close the database. Idempotent: what the CLI calls on SIGTERM.
   */
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
  /** Close the connection after answering (a body left unread is not drained). */
  close?: boolean;
}

class TooLarge extends Error {}
/** All requests together hold MAX_BUFFERED_BODY_BYTES already. */
class Busy extends Error {}
/** The client went away (or a timeout cut it off) before its body arrived. */
class Aborted extends Error {}

/** Past this, an oversized body is not even drained: the connection is dropped. */
const DRAIN_LIMIT_BYTES = 16 * MAX_BODY_BYTES;

/**
 * Reads the body, up to MAX_BODY_BYTES, its bytes counted against the server-wide `budget`
 * until `release`. A larger one is read to its end and discarded before the 413 goes out (a
 * client still sending would otherwise see a reset instead of the answer), unless it passes
 * DRAIN_LIMIT_BYTES. Rejects with Busy when the budget is spent, Aborted when the client goes.
 */
function readBody(req: IncomingMessage, budget: BodyBudget): Promise<{ body: Buffer; release: () => void }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let held = 0;
    let refused = false;
    const release = () => {
      budget.give(held);
      held = 0;
    };
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        if (!budget.take(chunk.length)) {
          refused = true;
          release();
          reject(new Busy());
          return;
        }
        held += chunk.length;
        chunks.push(chunk);
      } else if (size > DRAIN_LIMIT_BYTES) req.destroy();
    });
    req.on('end', () => {
      if (refused) return;
      if (size > MAX_BODY_BYTES) {
        release();
        reject(new TooLarge());
      } else resolve({ body: Buffer.concat(chunks), release });
    });
    const aborted = () => {
      release();
      reject(new Aborted());
    };
    req.on('error', aborted);
    req.on('close', () => { if (!req.complete) aborted(); });
  });
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

const error = (status: number, message: string, extra: Record<string, unknown> = {}): Answer =>
  ({ status, body: { error: message, ...extra } });

/** Starts the server; throws ConfigError (exit 2) when the intake secret is missing or the webhook key is bad. */
export async function startServer(options: ServeOptions): Promise<IntakeServer> {
  const { config } = options;
  const db = mirrorOf(options.db);
  const { logger } = options;
  const secret = config.intakeSecret;
  if (!secret) {
    throw new ConfigError('"intakeSecret" is not set: set INTAKE_SECRET (the HMAC secret lead senders sign with) to run serve');
  }
  if (secret.trim().length < MIN_INTAKE_SECRET_LENGTH) {
    throw new ConfigError(`INTAKE_SECRET ("intakeSecret") must be at least ${MIN_INTAKE_SECRET_LENGTH} characters: set a longer one (e.g. \`openssl rand -hex 32\`) and give it to the lead senders`);
  }
  const legacy = config.webhookLegacySignature ?? false;
  const keys = webhookKeys(config.webhookPublicKey, options.legacyRsaKey, legacy);
  if (legacy && !keys.rsa) {
    logger.warn('webhookLegacySignature is ignored: with GHL_WEBHOOK_PUBLIC_KEY set, only that key authenticates webhooks');
  }
  const clock = options.clock ?? (() => new Date());
  // Webhooks never make the mirror untrue: the app may be installed on locations this mirror
  // does not sync, and their events must not add rows nobody will ever reconcile. Without any
  // configured location (a receiver-only setup) every location's events are applied.
  const synced = new Set((config.locations ?? []).map((l) => l.id));
  const toldForeign = new Set<string>();
  const driftOf = createWebhookDriftReader();
  const isForeign = (locationId: unknown) => synced.size > 0 && !(typeof locationId === 'string' && synced.has(locationId));

  async function acceptLead(body: Buffer, req: IncomingMessage): Promise<Answer> {
    if (!verifyIntakeSignature(body, req.headers['x-intake-signature'] as string | undefined, secret!)) {
      return error(401, 'missing or bad X-Intake-Signature: sign the raw body with HMAC-SHA256 and INTAKE_SECRET, as sha256=<hex>');
    }
    const json = parseJson(body);
    if (!json.ok) return error(400, 'the body is not valid JSON');
    const parsed = parseIntakeLead(json.value, { phoneCountry: config.phoneCountry ?? 'ES' });
    if (!parsed.ok) return error(400, 'the lead is not valid', { reasons: parsed.reasons });
    const { lead } = parsed;
    const stored = await db.bridge.insertInboxLead({ dedupeKey: leadDedupeKey(lead), payload: leadPayload(lead), leadId: lead.id_lead ?? null }, clock);
    if (stored.created) notify(() => options.onLead?.({ id: stored.id, created: true, lead }), logger);
    return { status: 202, body: { id: stored.id } };
  }

  async function acceptWebhook(body: Buffer, req: IncomingMessage): Promise<Answer> {
    if (!verifyWebhookSignature(body, req.headers, keys)) return error(401, 'missing or bad webhook signature');
    const json = parseJson(body);
    if (!json.ok || typeof json.value !== 'object' || json.value === null || Array.isArray(json.value)) {
      return error(400, 'the body is not a JSON object');
    }
    const event = json.value as WebhookEvent;
    if (typeof event.type !== 'string' || typeof event.webhookId !== 'string' || event.webhookId === '') {
      return error(400, 'the event has no type or webhookId');
    }
    const sentAt = typeof event.timestamp === 'string' ? Date.parse(event.timestamp) : Number.NaN;
    if (!Number.isFinite(sentAt) || Math.abs(clock().getTime() - sentAt) > REPLAY_WINDOW_MS) {
      return error(401, 'the event timestamp is missing or outside the 5-minute window (a replay?)');
    }
    const applied = await db.transaction(async (tx) => {
      const fresh = await tx.bridge.recordWebhookEvent({
        webhookId: event.webhookId,
        type: event.type,
        locationId: typeof event.locationId === 'string' ? event.locationId : null,
        payload: body.toString('utf8'),
      }, clock);
      if (!fresh) return undefined;
      if (isForeign(event.locationId)) return false;
      let changed = false;
      try {
        // A savepoint: an event the mirror cannot take is still recorded (and acknowledged).
        changed = await tx.bridge.savepoint(() => applyEventToMirror(tx, event));
      } catch (err) {
        logger.warn({ err, webhookId: event.webhookId, type: event.type }, 'webhook event not applied to the mirror');
      }
      if (changed) await tx.bridge.markWebhookEventApplied(event.webhookId, clock);
      // The nightly sync's proof that this location's events arrive (src/sync/webhooks.ts).
      if (typeof event.locationId === 'string' && event.locationId !== '') await recordWebhookSeen(tx, event.locationId, clock);
      // What the event departs on (nulls, mistyped fields) was tolerated: counted like answers' drift.
      const departures = driftOf(event);
      if (departures.length > 0 && typeof event.locationId === 'string') {
        try {
          await tx.bridge.savepoint(() => tx.bridge.recordDrift(event.locationId as string, departures.map((d) => ({ ...d, operation: `webhook ${event.type}`, count: 1 })), clock));
        } catch (err) {
          logger.warn({ err, webhookId: event.webhookId }, 'could not record the event\'s drift');
        }
      }
      return changed;
    });
    if (applied === undefined) return { status: 200, body: { ok: true, duplicate: true } };
    const foreign = isForeign(event.locationId);
    if (foreign && !toldForeign.has(String(event.locationId))) {
      toldForeign.add(String(event.locationId));
      logger.info({ locationId: event.locationId }, 'webhook events of a location this mirror does not sync: acknowledged, not applied (counted in `ghl-etl status`)');
    }
    notify(() => options.onEvent?.({ webhookId: event.webhookId, type: event.type, event, applied, foreign }), logger);
    return { status: 200, body: { ok: true } };
  }

  // The probe runs at most once per HEALTH_CACHE_MS however many checks arrive: a flood of
  // unauthenticated health checks costs one lock attempt every few seconds, never a wait.
  let lastHealth: { at: number; answer: Promise<Answer> } | undefined;
  function health(): Promise<Answer> {
    const now = Date.now();
    if (lastHealth && now - lastHealth.at < HEALTH_CACHE_MS) return lastHealth.answer;
    const answer = db.bridge.probeWrites().then(
      (probe): Answer => (probe === 'ok' ? { status: 200, body: { ok: true } } : error(503, 'the database is busy: another process holds its write lock')),
      (err: unknown): Answer => {
        logger.warn({ err: (err as Error).message }, 'health check: the database is not writable');
        return error(503, 'the database is not writable');
      },
    );
    lastHealth = { at: now, answer };
    return answer;
  }

  // Each POST route's signature header is checked for its form before the body is read: a
  // request that cannot be authentic costs no buffering and no waiting for a slow body.
  interface Route {
    method: string;
    signed?: (req: IncomingMessage) => boolean;
    unsigned?: Answer;
    handle: (body: Buffer, req: IncomingMessage) => Promise<Answer>;
  }
  const routes: Record<string, Route> = {
    '/leads': {
      method: 'POST',
      signed: (req) => hasIntakeSignatureHeader(req.headers['x-intake-signature']),
      unsigned: error(401, 'missing or malformed X-Intake-Signature: sign the raw body with HMAC-SHA256 and INTAKE_SECRET, as sha256=<hex>'),
      handle: acceptLead,
    },
    [WEBHOOK_PATH]: {
      method: 'POST',
      signed: (req) => hasWebhookSignatureHeader(req.headers, keys),
      unsigned: error(401, 'missing or malformed webhook signature'),
      handle: acceptWebhook,
    },
    '/healthz': { method: 'GET', handle: health },
  };
  const budget = new BodyBudget();
  const aborted = abortedRequestLog(logger);

  let inFlight = 0;
  let closing: Promise<void> | undefined;
  async function handle(req: IncomingMessage): Promise<Answer> {
    const path = (req.url ?? '/').split('?')[0]!;
    const route = routes[path];
    if (!route) return error(404, `no route ${path}`);
    if (req.method !== route.method) return error(405, `${path} takes ${route.method}`);
    if (route.method === 'GET') return route.handle(Buffer.alloc(0), req);
    // A request without any signature header is not HighLevel's: refused, not counted as a lost delivery.
    if (route.signed && !route.signed(req)) return { ...route.unsigned!, close: true };
    let read: { body: Buffer; release: () => void };
    try {
      read = await readBody(req, budget);
    } catch (err) {
      if (path === WEBHOOK_PATH) noteRefusal(err instanceof TooLarge ? 413 : err instanceof Busy ? 503 : 400);
      if (err instanceof TooLarge) return error(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
      if (err instanceof Busy) return { ...error(503, 'too many requests in progress: retry shortly'), close: true };
      if (err instanceof Aborted) {
        aborted();
        return { ...error(400, 'the request was aborted'), close: true };
      }
      throw err;
    }
    try {
      const answer = await route.handle(read.body, req);
      if (path === WEBHOOK_PATH && answer.status >= 400) noteRefusal(answer.status, claimedLocation(read.body));
      return answer;
    } finally {
      read.release();
    }
  }

  /**
   * A webhook delivery answered with an error is lost (HighLevel resends only after a 429): the
   * nightly sync must not lean on webhooks across it. Kept against the location the body names
   * (unverified, so at worst it costs calls), else against every location.
   */
  function noteRefusal(status: number, locationId?: string): void {
    recordWebhookRefused(db, locationId !== undefined && !isForeign(locationId) ? locationId : undefined, status, clock)
      .catch((err: unknown) => logger.warn({ err, status }, 'could not record a refused webhook delivery'));
  }

  const server: Server = createServer({ ...SERVER_TIMEOUTS }, (req, res) => {
    inFlight++;
    res.on('close', () => { inFlight--; });
    handle(req)
      .catch((err: unknown): Answer => {
        logger.error({ err, path: req.url }, 'serve: request failed');
        if ((req.url ?? '').split('?')[0] === WEBHOOK_PATH) noteRefusal(500);
        return error(500, 'internal error');
      })
      .then((answer) => {
        if (res.headersSent || res.destroyed) return;
        // While closing, a keep-alive client is told not to reuse the connection.
        res.writeHead(answer.status, { 'Content-Type': 'application/json', ...(closing || answer.close ? { Connection: 'close' } : {}) });
        res.end(JSON.stringify(answer.body));
      });
  });

  applyConnectionCap(server);

  const host = options.host ?? config.serve?.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? config.serve?.port ?? 8787, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  if (!isLoopbackHost(host)) {
    logger.warn({ host }, 'serve listens beyond this machine without TLS: put a reverse proxy with TLS in front (README, "Exposing serve")');
  }
  const hostInUrl = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const heartbeat = startHeartbeat(db, clock, options.heartbeatMs ?? SERVE_HEARTBEAT_MS, logger);
  return {
    url: `http://${hostInUrl}:${address.port}`,
    host: address.address,
    port: address.port,
    inFlight: () => inFlight,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => {
          void heartbeat.stop().then(resolve);
        });
        server.closeIdleConnections();
      });
      return closing;
    },
  };
}

const WEBHOOK_PATH = '/webhooks/ghl';

/** The locationId a webhook body names, if it is JSON that names one. */
function claimedLocation(body: Buffer): string | undefined {
  const json = parseJson(body);
  if (!json.ok || typeof json.value !== 'object' || json.value === null) return undefined;
  const locationId = (json.value as { locationId?: unknown }).locationId;
  return typeof locationId === 'string' && locationId !== '' ? locationId : undefined;
}

/**
 * serve's heartbeat in sync_state: running since `since`, alive at `at`; `stoppedAt` once it
 * stops. The nightly sync leans on webhooks only when serve ran the whole time since the last
 * sync began (src/sync/webhooks.ts). A failed write is logged and tried again at the next beat.
 */
function startHeartbeat(db: Mirror, clock: () => Date, everyMs: number, logger: Logger): { stop(): Promise<void> } {
  const since = clock().toISOString();
  const beat = (stoppedAt?: string): Promise<void> =>
    writeServeHeartbeat(db, { since, at: clock().toISOString(), ...(stoppedAt ? { stoppedAt } : {}) }, clock)
      .catch((err: unknown) => logger.warn({ err }, 'could not write serve\'s heartbeat (the nightly sync then re-reads the usual share of notes)'));
  void beat();
  const timer = setInterval(() => void beat(), everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      return beat(clock().toISOString());
    },
  };
}

/** Runs a caller's callback without letting its failure undo an acknowledgement. */
function notify(callback: () => void, logger: Logger): void {
  try {
    callback();
  } catch (err) {
    logger.error({ err }, 'serve: a callback failed');
  }
}
