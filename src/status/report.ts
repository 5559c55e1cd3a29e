// `ghl-etl status` as data: per location, the last run, how fresh the mirror is, how much of the
// daily API budget the last 24 hours used, the last error, and one `healthy` flag a monitor can
// alert on (the command exits 1 when it is false).
import type { Config } from '../config/schema.ts';
import type { DriftRow } from '../db/drift.ts';
import type { ExportRun } from '../db/exports.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { showAbandonedBy, type ShownRunStatus } from '../db/runs.ts';
import { getSyncState } from '../db/state.ts';
import { statusSnapshot, type RunBrief, type StatusSnapshot } from '../db/status.ts';
import { parseState, WEBHOOK_VERDICT_KEY, type StoredVerdict } from '../db/webhook-health.ts';
import { bridgeStatusOf, type BridgeStatus } from './bridge.ts';
import type { LocationQueueStatus } from './queue.ts';

/** A run as status shows it: a run whose process is gone is `abandoned`. */
export type RunSummary = Omit<RunBrief, 'status'> & { status: ShownRunStatus };

export interface LocationStatus {
  locationId: string;
  name: string | null;
  /** The most recent sync run (possibly still running). */
  lastRun: RunSummary | null;
  /** When the last successful sync finished: the data is as fresh as this. */
  lastSuccessAt: string | null;
  dataAgeHours: number | null;
  /** Requests made by sync runs started in the last 24 hours. */
  apiCallsLast24h: number;
  /** HighLevel's daily limit per location: as HighLevel last reported it (see `highLevelDaily`), else config rateLimit.daily. */
  dailyLimit: number;
  /** The day's budget by HighLevel's own count (every app's calls), reported in the last 24 hours; null when not. */
  highLevelDaily: { limit: number; used: number; remaining: number; at: string } | null;
  /** highLevelDaily.used / its limit when known, else apiCallsLast24h / dailyLimit. */
  budgetUsedShare: number;
  lastError: { at: string; message: string } | null;
  healthy: boolean;
  /** Why it is not healthy, or what deserves a look (an interrupted run); empty when all is well. */
  problems: string[];
  /**
   * Departures of HighLevel's answers from its documented shape that were tolerated, per
   * operation, field and problem (never a value). Informational: drift never makes a location unhealthy.
   */
  drift: AnswerDrift[];
  /** The location's jobs in the PostgreSQL job queue, when workers are used (src/status/queue.ts). */
  queue?: LocationQueueStatus;
  /**
   * How the last sync re-read notes: `webhooksFlowing` when serve had received this location's
   * webhooks without a gap (one contact in `rollingShare` re-read as a safety net), else the
   * usual share and `reason` why; null before the first incremental sync decided.
   */
  notes: NotesStatus | null;
}

export interface NotesStatus {
  webhooksFlowing: boolean;
  reason: string | null;
  /** One contact in this many had its notes re-read as the rolling share. */
  rollingShare: number;
  /** Contacts re-read because webhook events named them. */
  namedContacts: number;
  decidedAt: string;
}

export interface AnswerDrift {
  operation: string;
  field: string;
  problem: string;
  count: number;
  lastSeen: string;
}

export interface StatusReport {
  generatedAt: string;
  maxAgeHours: number;
  /**
   * False when any location's last finished run failed, or its data is older than maxAgeHours,
   * or the bridge has something dead (see BridgeStatus).
   */
  healthy: boolean;
  locations: LocationStatus[];
  lastExport: ExportRun | null;
  /**
   * Webhook events of locations this mirror does not sync (the app installed on more locations
   * than configured): acknowledged and counted, never applied. Only when locations are configured.
   */
  unsyncedWebhookEvents: Array<{ locationId: string; events: number }>;
  /** The LeadCars bridge's inbox and outbox. */
  bridge: BridgeStatus;
}

type StatusConfig = Pick<Config, 'locations' | 'status' | 'rateLimit'>;

const HOUR_MS = 3_600_000;

function locationStatus(
  snapshot: StatusSnapshot, config: StatusConfig, location: StatusSnapshot['locations'][number], now: Date, drift: DriftRow[],
  verdict: StoredVerdict | undefined,
): LocationStatus {
  const { runs } = location;
  const { lastFinished, lastSuccessAt, lastError, apiCallsSince } = runs;
  const lastRun: RunSummary | null = runs.lastRun
    ? showAbandonedBy(snapshot.syncLock, [{ ...runs.lastRun, locationId: location.id }], () => now, location.lock ? new Map([[location.id, location.lock]]) : undefined)
      .map(({ locationId: _, ...run }) => run)[0]!
    : null;
  const reported = location.reportedDaily;
  const highLevelDaily = reported && now.getTime() - Date.parse(reported.at) < 24 * HOUR_MS
    ? { limit: reported.limit, used: Math.max(0, reported.limit - reported.remaining), remaining: reported.remaining, at: reported.at }
    : null;
  const dailyLimit = highLevelDaily?.limit ?? config.rateLimit.daily;
  const dataAgeHours = lastSuccessAt === null ? null : +((now.getTime() - Date.parse(lastSuccessAt)) / HOUR_MS).toFixed(2);
  const maxAge = config.status.maxAgeHours;
  const problems: string[] = [];
  let healthy = true;
  if (lastFinished?.status === 'failed') {
    healthy = false;
    problems.push(`last run failed: ${lastFinished.error ?? 'no message'}`);
  }
  if (dataAgeHours === null) {
    healthy = false;
    problems.push('never synced successfully');
  } else if (dataAgeHours > maxAge) {
    healthy = false;
    problems.push(`data is ${dataAgeHours.toFixed(1)} h old (status.maxAgeHours is ${maxAge})`);
  }
  if (lastRun?.status === 'abandoned') {
    problems.push(`run #${lastRun.id} was abandoned: its process ended without finishing (killed?); the next sync resumes it`);
  } else if (lastFinished && (lastFinished.status === 'interrupted' || lastFinished.status === 'budget')) {
    problems.push(`last run stopped early (${lastFinished.status}); the next sync resumes it`);
  }
  return {
    locationId: location.id,
    name: location.name,
    lastRun,
    lastSuccessAt,
    dataAgeHours,
    apiCallsLast24h: apiCallsSince,
    dailyLimit,
    highLevelDaily,
    budgetUsedShare: +((highLevelDaily ? highLevelDaily.used : apiCallsSince) / dailyLimit).toFixed(4),
    lastError,
    healthy,
    problems,
    drift: drift.map(({ operation, field, problem, count, lastSeen }) => ({ operation, field, problem, count, lastSeen })),
    notes: verdict
      ? { webhooksFlowing: verdict.flowing, reason: verdict.reason ?? null, rollingShare: verdict.every, namedContacts: verdict.namedContacts, decidedAt: verdict.at }
      : null,
  };
}

const since = (now: Date) => new Date(now.getTime() - 24 * HOUR_MS).toISOString();

/** The status of every configured location (or, with none configured, every one in the mirror). */
export function statusReport(db: Db, config: StatusConfig, now: Date = new Date()): StatusReport {
  const snapshot = statusSnapshot(db, config.locations, since(now));
  const verdicts = new Map(snapshot.locations.map((l) => [l.id, parseState<StoredVerdict>(getSyncState(db, l.id, WEBHOOK_VERDICT_KEY))]));
  return reportOf(snapshot, config, now, verdicts);
}

/** statusReport on either engine. */
export async function mirrorStatusReport(db: Mirror, config: StatusConfig, now: Date = new Date()): Promise<StatusReport> {
  const snapshot = await db.statusSnapshot(config.locations, since(now));
  const verdicts = new Map<string, StoredVerdict | undefined>();
  for (const l of snapshot.locations) verdicts.set(l.id, parseState<StoredVerdict>(await db.getSyncState(l.id, WEBHOOK_VERDICT_KEY)));
  return reportOf(snapshot, config, now, verdicts);
}

function reportOf(snapshot: StatusSnapshot, config: StatusConfig, now: Date, verdicts: Map<string, StoredVerdict | undefined>): StatusReport {
  const drift = new Map<string, DriftRow[]>();
  for (const row of snapshot.drift) drift.set(row.locationId, [...(drift.get(row.locationId) ?? []), row]);
  const locations = snapshot.locations.map((l) => locationStatus(snapshot, config, l, now, drift.get(l.id) ?? [], verdicts.get(l.id)));
  const bridge = bridgeStatusOf(snapshot.bridge, now);
  return {
    generatedAt: now.toISOString(),
    maxAgeHours: config.status.maxAgeHours,
    // With nothing configured and nothing synced there is nothing to vouch for.
    healthy: locations.length > 0 && locations.every((l) => l.healthy) && bridge.healthy,
    locations,
    lastExport: snapshot.lastExport,
    unsyncedWebhookEvents: snapshot.foreignWebhooks,
    bridge,
  };
}
