// The lead inbox: every lead `serve` acknowledged, committed before the acknowledgement, so a
// 202 is a promise that survives a crash. One row per dedupe key: a sender retrying the same lead
// gets the first row's id back and nothing new is stored.
import { isoNow, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export type InboxStatus = 'pending' | 'delivered' | 'failed' | 'waiting';

export interface InboxLeadInput {
  /** Identifies the lead across retries: equal keys are the same lead. */
  dedupeKey: string;
  /** The validated lead as JSON text. */
  payload: string;
  /** The LeadCars lead id when the sender gave one. */
  leadId: string | null;
}

export interface InboxRow {
  id: number;
  dedupeKey: string;
  receivedAt: string;
  payload: string;
  status: InboxStatus;
  attempts: number;
  lastError: string | null;
  contactId: string | null;
  leadId: string | null;
  deliveredAt: string | null;
}

const SELECT_INBOX = `SELECT id, dedupe_key AS dedupeKey, received_at AS receivedAt, payload, status, attempts,
  last_error AS lastError, contact_id AS contactId, lead_id AS leadId, delivered_at AS deliveredAt FROM inbox`;

/**
 * Stores a lead unless its dedupe key is already in the inbox. Returns the row id either way
 * and whether this call stored it. Committed when it returns (its own transaction).
 */
export function insertInboxLead(db: Db, lead: InboxLeadInput, clock: Clock = () => new Date()): { id: number; created: boolean } {
  return db.transaction(() => {
    const inserted = prepared(
      db,
      `INSERT INTO inbox (dedupe_key, received_at, payload, lead_id) VALUES (?, ?, ?, ?)
       ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
    ).get(lead.dedupeKey, isoNow(clock), lead.payload, lead.leadId) as { id: number } | undefined;
    if (inserted) return { id: inserted.id, created: true };
    const existing = prepared(db, `SELECT id FROM inbox WHERE dedupe_key = ?`).get(lead.dedupeKey) as { id: number };
    return { id: existing.id, created: false };
  });
}

export function getInboxLead(db: Db, id: number): InboxRow | undefined {
  return prepared(db, `${SELECT_INBOX} WHERE id = ?`).get(id) as InboxRow | undefined;
}

/** The inbox in id order, optionally only one status (delivery reads the pending ones). */
export function listInbox(db: Db, options: { status?: InboxStatus; limit?: number } = {}): InboxRow[] {
  return prepared(db, `${SELECT_INBOX} WHERE (@status IS NULL OR status = @status) ORDER BY id LIMIT @limit`)
    .all({ status: options.status ?? null, limit: options.limit ?? -1 }) as InboxRow[];
}
