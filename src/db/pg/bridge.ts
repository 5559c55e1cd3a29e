// The LeadCars bridge's statements on PostgreSQL (the interface and the SQLite side:
// ../bridge-store.ts; what each does and why: its SQLite namesake in src/db). What differs:
// - an outbox row is claimed by one statement that locks it (FOR UPDATE SKIP LOCKED) and moves
//   its lease: two processes on any machines never send the same row at once, and the row comes
//   back as it was before the claim (sending_since then says an earlier send never settled);
// - inserts that must not repeat (a lead in the inbox, an outbox effect, a link) are
//   INSERT ... ON CONFLICT DO NOTHING first and a read after: a concurrent insert of the same key
//   waits for the other to commit, then finds its row;
// - change reporting holds a per-contact advisory lock for its transaction, what SQLite's
//   IMMEDIATE transaction gives, so the sync and serve never both report one change;
// - flags are booleans (read back as 0/1, as the bridge compares them), payloads jsonb (read
//   back as JSON text).
import type pg from 'pg';
import { isoNow, systemClock } from '../clock.ts';
import type { BridgeStatements, InboxSettlement, LeadPollSeen, OutboxSettlement } from '../bridge-store.ts';
import type { DriftSeen } from '../drift.ts';
import type { InboxLeadInput, InboxRow, InboxStatus } from '../inbox.ts';
import { LeadAlreadyLinkedError, type LeadLink } from '../lead-links.ts';
import type { MirroredNote, MirroredTask, Reported } from '../lead-reported.ts';
import type { OutboxKind, OutboxRow, OutboxStatus } from '../outbox.ts';
import type { WebhookEventInput } from '../webhook-events.ts';
import { probeWriteLockPg, recordDriftPg } from './drift-health.ts';

type Queryable = pg.Pool | pg.PoolClient;
/** Runs `fn` atomically: on a transaction's client as it is, on the pool in a new transaction. */
export type Atomic = <T>(fn: (q: Queryable) => Promise<T>) => Promise<T>;

const LINK = `SELECT contact_id AS "contactId", lead_id AS "leadId", location_id AS "locationId", linked_at AS "linkedAt",
  last_status AS "lastStatus", last_temperature AS "lastTemperature", last_action_at AS "lastActionAt", polled_at AS "polledAt" FROM lead_links`;
const OUTBOX_COLUMNS = `id, kind, dedupe_key AS "dedupeKey", payload::text AS payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  sending_since AS "sendingSince", last_error AS "lastError", result::text AS result, created_at AS "createdAt", updated_at AS "updatedAt"`;
const OUTBOX = `SELECT ${OUTBOX_COLUMNS} FROM outbox`;
const INBOX = `SELECT id, dedupe_key AS "dedupeKey", received_at AS "receivedAt", payload::text AS payload, status, attempts,
  last_error AS "lastError", contact_id AS "contactId", lead_id AS "leadId", delivered_at AS "deliveredAt" FROM inbox`;

export function pgBridge(q: Queryable, atomic: Atomic): BridgeStatements {
  const rows = async <R>(text: string, values: unknown[] = []): Promise<R[]> => (await q.query(text, values)).rows as R[];
  const first = async <R>(text: string, values: unknown[] = []): Promise<R | undefined> => (await rows<R>(text, values))[0];
  const run = async (text: string, values: unknown[] = [], on: Queryable = q): Promise<number> => (await on.query(text, values)).rowCount ?? 0;
  let savepoints = 0;

  const bridge: BridgeStatements = {
    async insertLeadLink(link, clock = systemClock) {
      const inserted = await run(`INSERT INTO lead_links (contact_id, lead_id, location_id, linked_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`,
        [link.contactId, link.leadId, link.locationId, isoNow(clock)]);
      if (inserted === 1) return true;
      const existing = await bridge.getLinkByLead(link.leadId);
      if (!existing || existing.contactId === link.contactId) return false;
      throw new LeadAlreadyLinkedError(link.leadId, existing.contactId);
    },
    getLinkByLead: (leadId) => first<LeadLink>(`${LINK} WHERE lead_id = $1`, [leadId]),
    linksOfContact: (contactId) => rows<LeadLink>(`${LINK} WHERE contact_id = $1 ORDER BY linked_at, lead_id COLLATE "C"`, [contactId]),
    listLeadLinks: () => rows<LeadLink>(`${LINK} ORDER BY linked_at, lead_id COLLATE "C"`),
    async linkedContactIds() {
      return (await rows<{ id: string }>(`SELECT contact_id AS id FROM lead_links GROUP BY contact_id ORDER BY contact_id COLLATE "C"`)).map((r) => r.id);
    },
    async recordLeadPoll(leadId: string, seen: LeadPollSeen, clock = systemClock) {
      await run(`UPDATE lead_links SET last_status = $1, last_temperature = $2, last_action_at = $3, polled_at = $4 WHERE lead_id = $5`,
        [seen.status, seen.temperature, seen.lastActionAt, isoNow(clock), leadId]);
    },
    async liveContactLocation(contactId) {
      return (await first<{ locationId: string }>(`SELECT location_id AS "locationId" FROM contacts WHERE id = $1 AND deleted_at IS NULL`, [contactId]))?.locationId;
    },
    async lockContactReports(contactId) {
      await q.query(`SELECT pg_advisory_xact_lock(hashtext('ghl-etl bridge reports ' || current_schema() || ' ' || $1))`, [contactId]);
    },

    async reportedOf(contactId) {
      const found = await rows<Reported>(`SELECT object_type AS "objectType", object_id AS "objectId", version,
        completed::int AS completed, deleted::int AS deleted FROM lead_reported WHERE contact_id = $1`, [contactId]);
      return new Map(found.map((r) => [`${r.objectType}:${r.objectId}`, r]));
    },
    async saveReported(contactId, r, clock = systemClock) {
      await run(`INSERT INTO lead_reported (object_type, object_id, contact_id, version, completed, deleted, reported_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (object_type, object_id) DO UPDATE SET
        version = excluded.version, completed = excluded.completed, deleted = excluded.deleted, reported_at = excluded.reported_at`,
      [r.objectType, r.objectId, contactId, r.version, Boolean(r.completed), Boolean(r.deleted), isoNow(clock)]);
    },
    tasksOfContact: (contactId) => rows<MirroredTask>(`SELECT id, title, body, due_date AS "dueDate", completed::int AS completed,
      deleted_at AS "deletedAt" FROM tasks WHERE contact_id = $1 ORDER BY id COLLATE "C"`, [contactId]),
    notesOfContact: (contactId) => rows<MirroredNote>(`SELECT id, body, deleted_at AS "deletedAt" FROM notes WHERE contact_id = $1
      ORDER BY date_added NULLS FIRST, id COLLATE "C"`, [contactId]),

    async enqueueOutbox(item: { kind: OutboxKind; dedupeKey: string; payload: unknown }, clock = systemClock) {
      const now = isoNow(clock);
      const inserted = await first<{ id: number }>(`INSERT INTO outbox (kind, dedupe_key, payload, next_attempt_at, created_at, updated_at)
        VALUES ($1, $2, $3::jsonb, $4, $4, $4) ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
      [item.kind, item.dedupeKey, JSON.stringify(item.payload), now]);
      if (inserted) return { id: inserted.id, created: true };
      return { id: (await first<{ id: number }>(`SELECT id FROM outbox WHERE dedupe_key = $1`, [item.dedupeKey]))!.id, created: false };
    },
    getOutboxRow: (id) => first<OutboxRow>(`${OUTBOX} WHERE id = $1`, [id]),
    getOutboxByKey: (dedupeKey) => first<OutboxRow>(`${OUTBOX} WHERE dedupe_key = $1`, [dedupeKey]),
    listOutbox: (options: { status?: OutboxStatus; limit?: number } = {}) =>
      rows<OutboxRow>(`${OUTBOX} WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT $2`, [options.status ?? null, options.limit ?? null]),
    dueOutbox: (now, limit) => rows<OutboxRow>(`${OUTBOX} WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, [now, limit]),
    claimOutboxRow: (id, now, leaseUntil) => first<OutboxRow>(
      `WITH prior AS (SELECT ${OUTBOX_COLUMNS} FROM outbox WHERE id = $1 AND status = 'pending' AND next_attempt_at <= $2 FOR UPDATE SKIP LOCKED)
       UPDATE outbox o SET attempts = o.attempts + 1, next_attempt_at = $3, sending_since = $2, updated_at = $2
       FROM prior WHERE o.id = prior.id RETURNING prior.*`,
      [id, now, leaseUntil]),
    async settleOutboxRow(id, update: OutboxSettlement, clock = systemClock) {
      await run(`UPDATE outbox SET status = $1, sending_since = NULL, last_error = COALESCE($2, last_error), result = COALESCE($3::jsonb, result),
        next_attempt_at = COALESCE($4, next_attempt_at), updated_at = $5 WHERE id = $6`,
      [update.status, update.lastError ?? null, update.result === undefined ? null : JSON.stringify(update.result), update.nextAttemptAt ?? null, isoNow(clock), id]);
    },
    retryOutboxRow(id, clock = systemClock) {
      const now = isoNow(clock);
      return atomic(async (tx) => {
        await run(`UPDATE inbox SET status = 'waiting', last_error = NULL
          WHERE status = 'failed' AND last_error LIKE 'LeadCars refused the lead: %'
            AND contact_id = (SELECT payload->>'contactId' FROM outbox WHERE id = $1 AND kind = 'leadcars.createLead' AND status <> 'done')`, [id], tx);
        return (await run(`UPDATE outbox SET status = 'pending', attempts = 0, sending_since = NULL, next_attempt_at = $1, updated_at = $1
          WHERE id = $2 AND status <> 'done'`, [now, id], tx)) === 1;
      });
    },
    async dropOutboxRow(id) {
      return (await run(`DELETE FROM outbox WHERE id = $1 AND status <> 'done'`, [id])) === 1;
    },

    async insertInboxLead(lead: InboxLeadInput, clock = systemClock) {
      const inserted = await first<{ id: number }>(`INSERT INTO inbox (dedupe_key, received_at, payload, lead_id) VALUES ($1, $2, $3::jsonb, $4)
        ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`, [lead.dedupeKey, isoNow(clock), lead.payload, lead.leadId]);
      if (inserted) return { id: inserted.id, created: true };
      return { id: (await first<{ id: number }>(`SELECT id FROM inbox WHERE dedupe_key = $1`, [lead.dedupeKey]))!.id, created: false };
    },
    getInboxLead: (id) => first<InboxRow>(`${INBOX} WHERE id = $1`, [id]),
    listInbox: (options: { status?: InboxStatus; limit?: number } = {}) =>
      rows<InboxRow>(`${INBOX} WHERE ($1::text IS NULL OR status = $1) ORDER BY id LIMIT $2`, [options.status ?? null, options.limit ?? null]),
    async settleInboxLead(id, update: InboxSettlement, clock = systemClock) {
      const finished = update.status === 'delivered' ? isoNow(clock) : null;
      await run(`UPDATE inbox SET status = $1, contact_id = COALESCE($2, contact_id), lead_id = COALESCE($3, lead_id),
        last_error = $4, attempts = attempts + $5, delivered_at = COALESCE($6, delivered_at) WHERE id = $7`,
      [update.status, update.contactId ?? null, update.leadId ?? null, update.lastError ?? null, update.attempted ? 1 : 0, finished, id]);
    },
    deliverWaitingLeads: (contactId, leadId, clock = systemClock) => run(`UPDATE inbox SET status = 'delivered', lead_id = $1, last_error = NULL, delivered_at = $2
      WHERE contact_id = $3 AND status = 'waiting'`, [leadId, isoNow(clock), contactId]),
    failWaitingLeads: (contactId, message) => run(`UPDATE inbox SET status = 'failed', last_error = $1 WHERE contact_id = $2 AND status = 'waiting'`, [message, contactId]),

    async recordWebhookEvent(event: WebhookEventInput, clock = systemClock) {
      return (await run(`INSERT INTO webhook_events (webhook_id, type, location_id, received_at, payload) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (webhook_id) DO NOTHING`, [event.webhookId, event.type, event.locationId, isoNow(clock), event.payload])) === 1;
    },
    async markWebhookEventApplied(webhookId, clock = systemClock) {
      await run(`UPDATE webhook_events SET applied_at = $1 WHERE webhook_id = $2`, [isoNow(clock), webhookId]);
    },
    mirroredContact: (contactId) => first<{ locationId: string; runId: number | null }>(
      `SELECT location_id AS "locationId", run_id AS "runId" FROM contacts WHERE id = $1`, [contactId]),
    async childContactId(table, id) {
      return (await first<{ contactId: string }>(`SELECT contact_id AS "contactId" FROM ${table === 'tasks' ? 'tasks' : 'notes'} WHERE id = $1`, [id]))?.contactId;
    },
    recordDrift: (locationId: string, seen: DriftSeen[], clock = systemClock) => recordDriftPg(q, locationId, seen, clock),
    probeWrites: () => probeWriteLockPg(q),
    async savepoint<T>(fn: () => Promise<T>): Promise<T> {
      const name = `bridge_${++savepoints}`;
      await q.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn();
        await q.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await q.query(`ROLLBACK TO SAVEPOINT ${name}`);
        await q.query(`RELEASE SAVEPOINT ${name}`);
        throw err;
      }
    },
  };
  return bridge;
}
