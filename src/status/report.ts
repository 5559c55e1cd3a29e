// `ghl-etl status` as data: per location, the last run, how fresh the mirror is, how much of the
// daily API budget the last 24 hours used, the last error, and one `healthy` flag a monitor can
// alert on (the command exits 1 when it is false).
import type { Config } from '../config/schema.ts';
import { driftByLocation, foreignWebhookCounts, type DriftRow } from '../db/drift.ts';
import { listExportRuns, type ExportRun } from '../db/exports.ts';
import type { Db } from '../db/open.ts';
import type { SyncRunStatus } from '../db/runs.ts';
import { bridgeStatus, type BridgeStatus } from './bridge.ts';

export interface RunSummary {
  id: number;
  status: SyncRunStatus;
  mode: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
}

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
  /** HighLevel's daily limit per location (config rateLimit.daily). */
  dailyLimit: number;
  /** apiCallsLast24h / dailyLimit. */
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
const RUN_COLUMNS = `id, status, mode, started_at AS startedAt, finished_at AS finishedAt, error`;

function locationIds(db: Db, config: StatusConfig): Array<{ id: string; name: string | null }> {
  const stored = db.sqlite.prepare(`SELECT id, name FROM locations ORDER BY id`).all() as Array<{ id: string; name: string | null }>;
  const names = new Map(stored.map((l) => [l.id, l.name]));
  if (config.locations.length > 0) {
    return config.locations.map((l) => ({ id: l.id, name: l.name ?? names.get(l.id) ?? null }));
  }
  const ran = db.sqlite.prepare(`SELECT DISTINCT location_id AS id FROM sync_runs`).all() as Array<{ id: string }>;
  for (const r of ran) if (!names.has(r.id)) names.set(r.id, null);
  return [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.id.localeCompare(b.id));
}

function locationStatus(db: Db, config: StatusConfig, location: { id: string; name: string | null }, now: Date, drift: DriftRow[]): LocationStatus {
  const s = db.sqlite;
  const lastRun = (s.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE location_id = ? ORDER BY id DESC LIMIT 1`)
    .get(location.id) as RunSummary | undefined) ?? null;
  const lastFinished = (s.prepare(`SELECT ${RUN_COLUMNS} FROM sync_runs WHERE location_id = ? AND status <> 'running' ORDER BY id DESC LIMIT 1`)
    .get(location.id) as RunSummary | undefined) ?? null;
  const success = s.prepare(`SELECT max(finished_at) AS at FROM sync_runs WHERE location_id = ? AND status = 'ok'`)
    .get(location.id) as { at: string | null };
  const errored = s.prepare(
    `SELECT coalesce(finished_at, started_at) AS at, error AS message FROM sync_runs
     WHERE location_id = ? AND error IS NOT NULL ORDER BY id DESC LIMIT 1`,
  ).get(location.id) as { at: string; message: string } | undefined;
  const since = new Date(now.getTime() - 24 * HOUR_MS).toISOString();
  const calls = s.prepare(`SELECT coalesce(sum(api_calls), 0) AS n FROM sync_runs WHERE location_id = ? AND started_at >= ?`)
    .get(location.id, since) as { n: number };

  const lastSuccessAt = success.at;
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
  if (lastFinished && (lastFinished.status === 'interrupted' || lastFinished.status === 'budget')) {
    problems.push(`last run stopped early (${lastFinished.status}); the next sync resumes it`);
  }
  return {
    locationId: location.id,
    name: location.name,
    lastRun,
    lastSuccessAt,
    dataAgeHours,
    apiCallsLast24h: calls.n,
    dailyLimit: config.rateLimit.daily,
    budgetUsedShare: +(calls.n / config.rateLimit.daily).toFixed(4),
    lastError: errored ?? null,
    healthy,
    problems,
    drift: drift.map(({ operation, field, problem, count, lastSeen }) => ({ operation, field, problem, count, lastSeen })),
  };
}

/** The status of every configured location (or, with none configured, every one in the mirror). */
export function statusReport(db: Db, config: StatusConfig, now: Date = new Date()): StatusReport {
  const drift = driftByLocation(db);
  const locations = locationIds(db, config).map((l) => locationStatus(db, config, l, now, drift.get(l.id) ?? []));
  const bridge = bridgeStatus(db, now);
  return {
    generatedAt: now.toISOString(),
    maxAgeHours: config.status.maxAgeHours,
    // With nothing configured and nothing synced there is nothing to vouch for.
    healthy: locations.length > 0 && locations.every((l) => l.healthy) && bridge.healthy,
    locations,
    lastExport: listExportRuns(db, 1)[0] ?? null,
    unsyncedWebhookEvents: config.locations.length > 0 ? foreignWebhookCounts(db, config.locations.map((l) => l.id)) : [],
    bridge,
  };
}
