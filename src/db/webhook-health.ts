// How `serve` vouches for a location's webhooks, kept in sync_state for the nightly sync to read
// (src/sync/webhooks.ts): a heartbeat while it runs, the last verified event per location, and
// the last delivery it refused (HighLevel resends only after a 429: a refused event is lost).
// State the whole server shares (the heartbeat, a refusal of no known location) is kept under
// the location id ANY_LOCATION.
import { isoNow, type Clock } from './clock.ts';

/** How often a running serve writes its heartbeat. */
export const SERVE_HEARTBEAT_MS = 60_000;
/** A heartbeat older than this: serve is not running (killed, or cannot write the database). */
export const SERVE_HEARTBEAT_STALE_MS = 5 * SERVE_HEARTBEAT_MS;

/** sync_state's location_id for what is not one location's. */
export const ANY_LOCATION = '*';
/** {since, at, stoppedAt?}: serve has run since `since`, last beat at `at`. */
export const SERVE_HEARTBEAT_KEY = 'serve.heartbeat';
/** ISO time of the last verified event of the location. */
export const WEBHOOK_LAST_EVENT_KEY = 'webhooks.lastEventAt';
/** {at, status}: the last webhook delivery serve answered with an error (the event is lost). */
export const WEBHOOK_REFUSED_KEY = 'webhooks.refused';

// Written by the sync (src/sync/webhooks.ts):
/** ISO start of the location's last completed pass: the webhook events received since are the next sync's to act on. */
export const WEBHOOK_WINDOW_KEY = 'webhooks.window';
/** The last sync's verdict (StoredVerdict), for `status`. */
export const WEBHOOK_VERDICT_KEY = 'webhooks.verdict';

/** How the last sync re-read notes, and why (src/sync/summary.ts NotesPlan, with when). */
export interface StoredVerdict {
  at: string;
  flowing: boolean;
  reason?: string;
  since?: string;
  every: number;
  namedContacts: number;
}

export interface ServeHeartbeat {
  since: string;
  at: string;
  stoppedAt?: string;
}

export interface WebhookRefusal {
  at: string;
  status: number;
}

/** Where serve keeps its bookkeeping: the Mirror (or a transaction's statements) on either engine. */
export interface SyncStateWriter {
  setSyncState(locationId: string, key: string, value: string | null, clock?: Clock): Promise<void>;
}

export function writeServeHeartbeat(db: SyncStateWriter, heartbeat: ServeHeartbeat, clock?: Clock): Promise<void> {
  return db.setSyncState(ANY_LOCATION, SERVE_HEARTBEAT_KEY, JSON.stringify(heartbeat), clock);
}

export function recordWebhookSeen(db: SyncStateWriter, locationId: string, clock?: Clock): Promise<void> {
  return db.setSyncState(locationId, WEBHOOK_LAST_EVENT_KEY, isoNow(clock), clock);
}

/** A refused delivery: of `locationId` when known, else of every location (ANY_LOCATION). */
export function recordWebhookRefused(db: SyncStateWriter, locationId: string | undefined, status: number, clock?: Clock): Promise<void> {
  return db.setSyncState(locationId ?? ANY_LOCATION, WEBHOOK_REFUSED_KEY, JSON.stringify({ at: isoNow(clock), status } satisfies WebhookRefusal), clock);
}

/** The JSON value of a key, or undefined when absent or unreadable. */
export function parseState<T>(value: string | undefined): T | undefined {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value) as T;
  } catch {
    return undefined;
  }
}
