// HighLevel webhooks received by `serve`: the event log (one row per webhookId, so a redelivered
// event is recognised) and the lookups that place an event's record in the mirror. The task and
// note rows an event writes go through children.ts (upsertTaskRow, markChildDeleted), as an
// operation's do.
import { isoNow, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export interface WebhookEventInput {
  webhookId: string;
  type: string;
  locationId: string | null;
  /** The raw body as received. */
  payload: string;
}

/** Records the event; false when its webhookId was already recorded (a redelivery). */
export function recordWebhookEvent(db: Db, event: WebhookEventInput, clock?: Clock): boolean {
  return prepared(
    db,
    `INSERT INTO webhook_events (webhook_id, type, location_id, received_at, payload) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (webhook_id) DO NOTHING`,
  ).run(event.webhookId, event.type, event.locationId, isoNow(clock), event.payload).changes === 1;
}

export function markWebhookEventApplied(db: Db, webhookId: string, clock?: Clock): void {
  prepared(db, `UPDATE webhook_events SET applied_at = ? WHERE webhook_id = ?`).run(isoNow(clock), webhookId);
}

export interface WebhookEventRow {
  webhookId: string;
  type: string;
  locationId: string | null;
  receivedAt: string;
  payload: string;
  appliedAt: string | null;
}

export function listWebhookEvents(db: Db): WebhookEventRow[] {
  return prepared(
    db,
    `SELECT webhook_id AS webhookId, type, location_id AS locationId, received_at AS receivedAt, payload,
       applied_at AS appliedAt FROM webhook_events ORDER BY received_at, webhook_id`,
  ).all() as WebhookEventRow[];
}

/** The mirror's contact: its location and the run that last saw it; undefined when unknown. */
export function mirroredContact(db: Db, contactId: string): { locationId: string; runId: number | null } | undefined {
  return prepared(db, `SELECT location_id AS locationId, run_id AS runId FROM contacts WHERE id = ?`).get(contactId) as
    { locationId: string; runId: number | null } | undefined;
}

/** The contact a mirrored task or note belongs to (events may omit contactId). */
export function childContactId(db: Db, table: 'tasks' | 'notes', id: string): string | undefined {
  const row = prepared(db, `SELECT contact_id AS contactId FROM ${table} WHERE id = ?`).get(id) as { contactId: string } | undefined;
  return row?.contactId;
}
