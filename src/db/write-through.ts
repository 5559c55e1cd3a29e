// What a single-record operation (src/ops) writes to the mirror once HighLevel has accepted it,
// and the reads those operations need: custom field definitions, the mirror's copy of a record,
// and the idempotency keys of migration 0004. Rows come from `rows.ts`, so an operation stores a
// record exactly as the sync would store the same JSON, and the next sync finds nothing to change.
import { isoNow, systemClock, type Clock } from './clock.ts';
import { upsertNoteRow, upsertTaskRow } from './children.ts';
import { upsertContacts } from './contacts.ts';
import { markContactDeletedById } from './deletions.ts';
import type { Db } from './open.ts';
import {
  contactToRow, noteToRow, taskToRow, type HighLevelContact, type HighLevelNote, type HighLevelTask,
} from './rows.ts';
import { prepared } from './statements.ts';

/**
 * Writes a contact as HighLevel returned it (row, tags, custom values) in one transaction. A
 * contact already mirrored keeps its `run_id` (the listing pass that saw it); a new one takes the
 * location's latest run, so it counts as seen and a pass in progress does not delete it.
 */
export function writeContact(db: Db, contact: HighLevelContact, locationId: string, clock: Clock = systemClock): void {
  const row = contactToRow(contact, locationId);
  db.transaction(() => {
    const stored = prepared(db, `SELECT run_id AS runId FROM contacts WHERE id = ?`).get(row.id) as { runId: number | null } | undefined;
    const latest = prepared(db, `SELECT max(id) AS runId FROM sync_runs WHERE location_id = ?`).get(row.locationId) as { runId: number | null };
    upsertContacts(db, [row], stored?.runId ?? latest.runId ?? 0, clock);
  });
}

/** Soft-deletes a contact with its tasks and notes; true when it was live in the mirror. */
export function writeContactDeleted(db: Db, contactId: string, clock: Clock = systemClock): boolean {
  return markContactDeletedById(db, [contactId], clock) > 0;
}

export function isContactLive(db: Db, contactId: string): boolean {
  return prepared(db, `SELECT 1 FROM contacts WHERE id = ? AND deleted_at IS NULL`).get(contactId) !== undefined;
}

/** Writes one task as HighLevel returned it (reviving it if it was soft-deleted); its contact must be in the mirror. */
export function writeTask(db: Db, task: HighLevelTask, contactId: string, locationId: string, clock: Clock = systemClock): void {
  upsertTaskRow(db, { ...taskToRow(task, contactId, locationId), contactId }, clock);
}

/** Writes one note as HighLevel returned it (reviving it if it was soft-deleted); its contact must be in the mirror. */
export function writeNote(db: Db, note: HighLevelNote, contactId: string, locationId: string, clock: Clock = systemClock): void {
  upsertNoteRow(db, { ...noteToRow(note, contactId, locationId), contactId }, clock);
}

/** Ids of the live tasks or notes of a contact in the mirror. */
export function mirroredChildIds(db: Db, table: 'tasks' | 'notes', contactId: string): Set<string> {
  const sql = table === 'tasks'
    ? `SELECT id FROM tasks WHERE contact_id = ? AND deleted_at IS NULL`
    : `SELECT id FROM notes WHERE contact_id = ? AND deleted_at IS NULL`;
  return new Set((prepared(db, sql).all(contactId) as Array<{ id: string }>).map((r) => r.id));
}

// ---- reads for operations -------------------------------------------------------------------

export interface CustomFieldDefinitionRow {
  id: string;
  name: string;
  fieldKey: string | null;
  dataType: string | null;
}

/** The location's live custom field definitions, as the last sync stored them. */
export function customFieldDefinitions(db: Db, locationId: string): CustomFieldDefinitionRow[] {
  return prepared(
    db,
    `SELECT id, name, field_key AS fieldKey, data_type AS dataType FROM custom_fields
     WHERE location_id = ? AND deleted_at IS NULL ORDER BY name, id`,
  ).all(locationId) as CustomFieldDefinitionRow[];
}

export interface MirrorContactQuery {
  locationId: string;
  /** Every tag must be present (tags are compared as stored, lower-cased by HighLevel). */
  tags?: string[];
  businessId?: string;
  /** Matches name, email, phone or company name (case-insensitive substring). */
  query?: string;
  limit?: number;
}

/** Live mirrored contacts as HighLevel returned them (`raw`), oldest first. */
export function mirroredContacts(db: Db, q: MirrorContactQuery): HighLevelContact[] {
  const rows = prepared(
    db,
    `SELECT raw FROM contacts c
     WHERE location_id = @locationId AND deleted_at IS NULL
       AND (@businessId IS NULL OR business_id = @businessId)
       AND (@query IS NULL OR instr(lower(coalesce(name, '') || ' ' || coalesce(email, '') || ' ' || coalesce(phone, '') || ' ' || coalesce(company_name, '')), lower(@query)) > 0)
       AND (SELECT count(*) FROM contact_tags t WHERE t.contact_id = c.id AND t.tag IN (SELECT value FROM json_each(@tags))) = json_array_length(@tags)
     ORDER BY date_added, id
     LIMIT @limit`,
  ).all({
    locationId: q.locationId,
    businessId: q.businessId ?? null,
    query: q.query ?? null,
    tags: JSON.stringify(q.tags ?? []),
    limit: q.limit ?? -1,
  }) as Array<{ raw: string }>;
  return rows.map((r) => JSON.parse(r.raw) as HighLevelContact);
}

/** A contact's live mirrored tasks or notes as HighLevel returned them. */
export function mirroredChildren<T>(db: Db, table: 'tasks' | 'notes', contactId: string): T[] {
  const sql = table === 'tasks'
    ? `SELECT raw FROM tasks WHERE contact_id = ? AND deleted_at IS NULL ORDER BY id`
    : `SELECT raw FROM notes WHERE contact_id = ? AND deleted_at IS NULL ORDER BY date_added, id`;
  return (prepared(db, sql).all(contactId) as Array<{ raw: string }>).map((r) => JSON.parse(r.raw) as T);
}

// ---- idempotency keys (migration 0004) ------------------------------------------------------------

export interface IdempotencyRecord {
  key: string;
  action: string;
  locationId: string;
  /** The request as first sent (JSON). */
  request: string;
  status: 'pending' | 'done';
  /** The operation's result (JSON), once done. */
  result: string | null;
  /** When the key was first recorded (ISO). */
  createdAt: string;
}

export function readIdempotencyKey(db: Db, key: string): IdempotencyRecord | undefined {
  return prepared(
    db,
    `SELECT key, action, location_id AS locationId, request, status, result, created_at AS createdAt FROM op_idempotency WHERE key = ?`,
  ).get(key) as IdempotencyRecord | undefined;
}

/** Records a key as pending before its request is sent (kept if already there). */
export function startIdempotencyKey(db: Db, record: Omit<IdempotencyRecord, 'status' | 'result' | 'createdAt'>, clock: Clock = systemClock): void {
  prepared(
    db,
    `INSERT OR IGNORE INTO op_idempotency (key, action, location_id, request, status, created_at)
     VALUES (@key, @action, @locationId, @request, 'pending', @now)`,
  ).run({ ...record, now: isoNow(clock) });
}

export function finishIdempotencyKey(db: Db, key: string, result: unknown, clock: Clock = systemClock): void {
  prepared(db, `UPDATE op_idempotency SET status = 'done', result = ?, finished_at = ? WHERE key = ?`)
    .run(JSON.stringify(result), isoNow(clock), key);
}

/** Forgets a pending key whose request is known to have failed, so a rerun tries again. */
export function dropIdempotencyKey(db: Db, key: string): void {
  prepared(db, `DELETE FROM op_idempotency WHERE key = ? AND status = 'pending'`).run(key);
}
