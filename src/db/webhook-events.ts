// HighLevel webhooks received by `serve`: the event log (one row per webhookId, so a redelivered
// event is recognised) and the single-row mirror writes an event makes. A webhook carries one
// task or note, not a contact's complete list, so these write one row and never soft-delete
// others (replaceContactChildren does that for a sync). Rows written here keep the run_id of the
// sync that last saw them (NULL when no sync has): a webhook is not a listing pass.
import type { Clock } from './clock.ts';
import type { Db } from './open.ts';
import type { NoteRow, TaskRow } from './rows.ts';
import { prepared } from './statements.ts';

const now = (clock?: Clock): string => (clock ? clock() : new Date()).toISOString();

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
  ).run(event.webhookId, event.type, event.locationId, now(clock), event.payload).changes === 1;
}

export function markWebhookEventApplied(db: Db, webhookId: string, clock?: Clock): void {
  prepared(db, `UPDATE webhook_events SET applied_at = ? WHERE webhook_id = ?`).run(now(clock), webhookId);
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

/** Writes one task (reviving it when soft-deleted); its contact must be in the mirror. */
export function upsertTaskRow(db: Db, task: TaskRow, clock?: Clock): void {
  prepared(
    db,
    `INSERT INTO tasks (id, contact_id, location_id, title, body, due_date, completed, assigned_to, raw, synced_at, run_id, deleted_at)
     VALUES (@id, @contactId, @locationId, @title, @body, @dueDate, @completed, @assignedTo, @raw, @syncedAt, NULL, NULL)
     ON CONFLICT (id) DO UPDATE SET
       contact_id = excluded.contact_id, location_id = excluded.location_id, title = excluded.title,
       body = excluded.body, due_date = excluded.due_date, completed = excluded.completed,
       assigned_to = excluded.assigned_to, raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = NULL`,
  ).run({ ...task, syncedAt: now(clock) });
}

/** Writes one note (reviving it when soft-deleted); its contact must be in the mirror. */
export function upsertNoteRow(db: Db, note: NoteRow, clock?: Clock): void {
  prepared(
    db,
    `INSERT INTO notes (id, contact_id, location_id, body, user_id, date_added, raw, synced_at, run_id, deleted_at)
     VALUES (@id, @contactId, @locationId, @body, @userId, @dateAdded, @raw, @syncedAt, NULL, NULL)
     ON CONFLICT (id) DO UPDATE SET
       contact_id = excluded.contact_id, location_id = excluded.location_id, body = excluded.body,
       user_id = excluded.user_id, date_added = excluded.date_added, raw = excluded.raw,
       synced_at = excluded.synced_at, deleted_at = NULL`,
  ).run({ ...note, syncedAt: now(clock) });
}

/** Soft-deletes one task or note; returns whether it was live. */
export function markChildDeleted(db: Db, table: 'tasks' | 'notes', id: string, clock?: Clock): boolean {
  return prepared(db, `UPDATE ${table} SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL`).run(now(clock), id).changes === 1;
}
