// The durable queue of calls the bridge owes LeadCars (`outbox`). One row per intended effect
// (the dedupe key), so the same change queued twice (by the sync and by a webhook) is one row. A
// send is claimed by moving next_attempt_at forward (a lease), so two processes draining the
// same database never send the same row at once; `sending_since` is set before the send and
// cleared by its settlement, so a crash mid-send leaves evidence that the outcome is unknown.
import { isoNow, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export type OutboxKind = 'leadcars.createLead' | 'leadcars.comment' | HighLevelOutboxKind;
/** The HighLevel calls the bridge owes a new lead's contact (src/bridge/on-new-contact.ts, migration 0009). */
export type HighLevelOutboxKind = 'highlevel.addToWorkflow' | 'highlevel.addToCampaign' | 'highlevel.addFollowers';
export type OutboxStatus = 'pending' | 'done' | 'dead' | 'unknown';

export interface OutboxRow {
  id: number;
  kind: OutboxKind;
  dedupeKey: string;
  payload: string;
  status: OutboxStatus;
  attempts: number;
  nextAttemptAt: string;
  /** Set while a send is in flight; found set on a claim = an earlier send's outcome is unknown. */
  sendingSince: string | null;
  lastError: string | null;
  result: string | null;
  createdAt: string;
  updatedAt: string;
}

const SELECT = `SELECT id, kind, dedupe_key AS dedupeKey, payload, status, attempts, next_attempt_at AS nextAttemptAt, sending_since AS sendingSince,
  last_error AS lastError, result, created_at AS createdAt, updated_at AS updatedAt FROM outbox`;

/** Queues an effect unless its dedupe key is already queued; returns the row and whether it is new. */
export function enqueueOutbox(db: Db, item: { kind: OutboxKind; dedupeKey: string; payload: unknown }, clock: Clock = () => new Date()): { id: number; created: boolean } {
  const now = isoNow(clock);
  const inserted = prepared(db, `INSERT INTO outbox (kind, dedupe_key, payload, next_attempt_at, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`)
    .get(item.kind, item.dedupeKey, JSON.stringify(item.payload), now, now, now) as { id: number } | undefined;
  if (inserted) return { id: inserted.id, created: true };
  return { id: (prepared(db, `SELECT id FROM outbox WHERE dedupe_key = ?`).get(item.dedupeKey) as { id: number }).id, created: false };
}

export function getOutboxRow(db: Db, id: number): OutboxRow | undefined {
  return prepared(db, `${SELECT} WHERE id = ?`).get(id) as OutboxRow | undefined;
}

export function getOutboxByKey(db: Db, dedupeKey: string): OutboxRow | undefined {
  return prepared(db, `${SELECT} WHERE dedupe_key = ?`).get(dedupeKey) as OutboxRow | undefined;
}

export function listOutbox(db: Db, options: { status?: OutboxStatus; limit?: number } = {}): OutboxRow[] {
  return prepared(db, `${SELECT} WHERE (@status IS NULL OR status = @status) ORDER BY id LIMIT @limit`)
    .all({ status: options.status ?? null, limit: options.limit ?? -1 }) as OutboxRow[];
}

/** Pending rows due now, oldest first. */
export function dueOutbox(db: Db, now: string, limit: number): OutboxRow[] {
  return prepared(db, `${SELECT} WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?`).all(now, limit) as OutboxRow[];
}

/**
 * Takes a due row for one send: counts the attempt and leases the row until `leaseUntil`.
 * Returns the row as it was before (`sendingSince` set: an earlier send never settled, so it may
 * have happened), or undefined when another drainer took it first.
 */
export function claimOutboxRow(db: Db, id: number, now: string, leaseUntil: string): OutboxRow | undefined {
  return db.transaction(() => {
    const row = prepared(db, `${SELECT} WHERE id = ? AND status = 'pending' AND next_attempt_at <= ?`).get(id, now) as OutboxRow | undefined;
    if (!row) return undefined;
    prepared(db, `UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, sending_since = ?, updated_at = ? WHERE id = ?`).run(leaseUntil, now, now, id);
    return row;
  });
}

/** Ends a row (done, dead, unknown) or schedules its next attempt (pending). */
export function settleOutboxRow(db: Db, id: number, update: { status: OutboxStatus; lastError?: string | null; result?: unknown; nextAttemptAt?: string }, clock: Clock = () => new Date()): void {
  const now = isoNow(clock);
  prepared(db, `UPDATE outbox SET status = ?, sending_since = NULL, last_error = COALESCE(?, last_error), result = COALESCE(?, result),
    next_attempt_at = COALESCE(?, next_attempt_at), updated_at = ? WHERE id = ?`)
    .run(update.status, update.lastError ?? null, update.result === undefined ? null : JSON.stringify(update.result), update.nextAttemptAt ?? null, now, id);
}

/**
 * `outbox retry ID`: a dead, unknown or pending row is due again now with its attempts reset. The
 * inbox leads a dead LeadCars create had failed (`failWaitingLeads`) wait on it again, so they
 * are delivered when it goes through.
 */
export function retryOutboxRow(db: Db, id: number, clock: Clock = () => new Date()): boolean {
  const now = isoNow(clock);
  return db.transaction(() => {
    prepared(db, `UPDATE inbox SET status = 'waiting', last_error = NULL
      WHERE status = 'failed' AND last_error LIKE 'LeadCars refused the lead: %'
        AND contact_id = (SELECT json_extract(payload, '$.contactId') FROM outbox WHERE id = ? AND kind = 'leadcars.createLead' AND status != 'done')`)
      .run(id);
    return prepared(db, `UPDATE outbox SET status = 'pending', attempts = 0, sending_since = NULL, next_attempt_at = ?, updated_at = ? WHERE id = ? AND status != 'done'`)
      .run(now, now, id).changes === 1;
  });
}

/** `outbox drop ID`: removes a row not yet done. */
export function dropOutboxRow(db: Db, id: number): boolean {
  return prepared(db, `DELETE FROM outbox WHERE id = ? AND status != 'done'`).run(id).changes === 1;
}
