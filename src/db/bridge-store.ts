// The LeadCars bridge's statements behind the database seam (`mirror.bridge`, and `tx.bridge`
// inside `mirror.transaction`): lead_links, inbox, outbox, lead_reported, webhook_events and the
// few mirror reads the bridge needs. One interface, two implementations: SQLite here (over the
// synchronous functions of lead-links.ts, inbox.ts, outbox.ts, ..., called as they are) and
// PostgreSQL in pg/bridge.ts. The statements take the same arguments as their SQLite namesakes
// minus the connection; their comments there say what and why.
import { sqliteOf, type Db } from './connection.ts';
import type { Clock } from './clock.ts';
import { recordDrift, type DriftSeen } from './drift.ts';
import { liveContactLocation } from './contact-match.ts';
import { probeWriteLock, type WriteLockProbe } from './health.ts';
import { deliverWaitingLeads, failWaitingLeads, settleInboxLead } from './inbox-delivery.ts';
import { getInboxLead, insertInboxLead, listInbox, type InboxLeadInput, type InboxRow, type InboxStatus } from './inbox.ts';
import {
  getLinkByLead, insertLeadLink, linkedContactIds, linksOfContact, listLeadLinks, recordLeadPoll, type LeadLink,
} from './lead-links.ts';
import {
  notesOfContact, reportedOf, saveReported, tasksOfContact, type MirroredNote, type MirroredTask, type Reported,
} from './lead-reported.ts';
import {
  claimOutboxRow, dropOutboxRow, dueOutbox, enqueueOutbox, getOutboxByKey, getOutboxRow, listOutbox, retryOutboxRow,
  settleOutboxRow, type OutboxKind, type OutboxRow, type OutboxStatus,
} from './outbox.ts';
import { childContactId, markWebhookEventApplied, mirroredContact, recordWebhookEvent, type WebhookEventInput } from './webhook-events.ts';

export interface LeadPollSeen { status: string | null; temperature: string | null; lastActionAt: string | null }
export interface OutboxSettlement { status: OutboxStatus; lastError?: string | null; result?: unknown; nextAttemptAt?: string }
export interface InboxSettlement { status: InboxStatus; contactId?: string | null; leadId?: string | null; lastError?: string | null; attempted?: boolean }

export interface BridgeStatements {
  // ---- lead_links (lead-links.ts, contact-match.ts)
  insertLeadLink(link: { contactId: string; leadId: string; locationId: string }, clock?: Clock): Promise<boolean>;
  getLinkByLead(leadId: string): Promise<LeadLink | undefined>;
  linksOfContact(contactId: string): Promise<LeadLink[]>;
  listLeadLinks(): Promise<LeadLink[]>;
  linkedContactIds(): Promise<string[]>;
  recordLeadPoll(leadId: string, seen: LeadPollSeen, clock?: Clock): Promise<void>;
  liveContactLocation(contactId: string): Promise<string | undefined>;
  /**
   * Inside a transaction: holds off every other process reporting this contact's changes until
   * it ends (SQLite: the transaction's write lock already does; PostgreSQL: an advisory lock).
   */
  lockContactReports(contactId: string): Promise<void>;

  // ---- lead_reported (lead-reported.ts)
  reportedOf(contactId: string): Promise<Map<string, Reported>>;
  saveReported(contactId: string, reported: Reported, clock?: Clock): Promise<void>;
  tasksOfContact(contactId: string): Promise<MirroredTask[]>;
  notesOfContact(contactId: string): Promise<MirroredNote[]>;

  // ---- outbox (outbox.ts)
  enqueueOutbox(item: { kind: OutboxKind; dedupeKey: string; payload: unknown }, clock?: Clock): Promise<{ id: number; created: boolean }>;
  getOutboxRow(id: number): Promise<OutboxRow | undefined>;
  getOutboxByKey(dedupeKey: string): Promise<OutboxRow | undefined>;
  listOutbox(options?: { status?: OutboxStatus; limit?: number }): Promise<OutboxRow[]>;
  dueOutbox(now: string, limit: number): Promise<OutboxRow[]>;
  /** The row as it was before the claim, or undefined when another drainer holds or took it. */
  claimOutboxRow(id: number, now: string, leaseUntil: string): Promise<OutboxRow | undefined>;
  settleOutboxRow(id: number, update: OutboxSettlement, clock?: Clock): Promise<void>;
  retryOutboxRow(id: number, clock?: Clock): Promise<boolean>;
  dropOutboxRow(id: number): Promise<boolean>;

  // ---- inbox (inbox.ts, inbox-delivery.ts)
  insertInboxLead(lead: InboxLeadInput, clock?: Clock): Promise<{ id: number; created: boolean }>;
  getInboxLead(id: number): Promise<InboxRow | undefined>;
  listInbox(options?: { status?: InboxStatus; limit?: number }): Promise<InboxRow[]>;
  settleInboxLead(id: number, update: InboxSettlement, clock?: Clock): Promise<void>;
  deliverWaitingLeads(contactId: string, leadId: string, clock?: Clock): Promise<number>;
  failWaitingLeads(contactId: string, message: string): Promise<number>;

  // ---- webhook_events and what places an event in the mirror (webhook-events.ts, drift.ts)
  recordWebhookEvent(event: WebhookEventInput, clock?: Clock): Promise<boolean>;
  markWebhookEventApplied(webhookId: string, clock?: Clock): Promise<void>;
  mirroredContact(contactId: string): Promise<{ locationId: string; runId: number | null } | undefined>;
  childContactId(table: 'tasks' | 'notes', id: string): Promise<string | undefined>;
  recordDrift(locationId: string, seen: DriftSeen[], clock?: Clock): Promise<void>;
  /**
   * Inside a transaction: runs `fn` in a savepoint, so its failure undoes only its own writes and
   * the transaction goes on (a webhook event the mirror cannot take is still recorded).
   */
  savepoint<T>(fn: () => Promise<T>): Promise<T>;
  /** `serve`'s health check: 'ok' when a write could start now, 'busy' when another process holds SQLite's write lock; throws when the database cannot be written. */
  probeWrites(): Promise<WriteLockProbe>;
}

/** The bridge's statements on a SQLite `Db`, each after `gate` (the mirror's: wait for an open async transaction). */
export function sqliteBridge(db: Db, gate: () => Promise<void> | undefined): BridgeStatements {
  const sync = {
    insertLeadLink: (link: { contactId: string; leadId: string; locationId: string }, clock?: Clock) => insertLeadLink(db, link, clock),
    getLinkByLead: (leadId: string) => getLinkByLead(db, leadId),
    linksOfContact: (contactId: string) => linksOfContact(db, contactId),
    listLeadLinks: () => listLeadLinks(db),
    linkedContactIds: () => linkedContactIds(db),
    recordLeadPoll: (leadId: string, seen: LeadPollSeen, clock?: Clock) => recordLeadPoll(db, leadId, seen, clock),
    liveContactLocation: (contactId: string) => liveContactLocation(db, contactId),
    lockContactReports: () => undefined,
    reportedOf: (contactId: string) => reportedOf(db, contactId),
    saveReported: (contactId: string, r: Reported, clock?: Clock) => saveReported(db, contactId, r, clock),
    tasksOfContact: (contactId: string) => tasksOfContact(db, contactId),
    notesOfContact: (contactId: string) => notesOfContact(db, contactId),
    enqueueOutbox: (item: { kind: OutboxKind; dedupeKey: string; payload: unknown }, clock?: Clock) => enqueueOutbox(db, item, clock),
    getOutboxRow: (id: number) => getOutboxRow(db, id),
    getOutboxByKey: (key: string) => getOutboxByKey(db, key),
    listOutbox: (options?: { status?: OutboxStatus; limit?: number }) => listOutbox(db, options),
    dueOutbox: (now: string, limit: number) => dueOutbox(db, now, limit),
    claimOutboxRow: (id: number, now: string, leaseUntil: string) => claimOutboxRow(db, id, now, leaseUntil),
    settleOutboxRow: (id: number, update: OutboxSettlement, clock?: Clock) => settleOutboxRow(db, id, update, clock),
    retryOutboxRow: (id: number, clock?: Clock) => retryOutboxRow(db, id, clock),
    dropOutboxRow: (id: number) => dropOutboxRow(db, id),
    insertInboxLead: (lead: InboxLeadInput, clock?: Clock) => insertInboxLead(db, lead, clock),
    getInboxLead: (id: number) => getInboxLead(db, id),
    listInbox: (options?: { status?: InboxStatus; limit?: number }) => listInbox(db, options),
    settleInboxLead: (id: number, update: InboxSettlement, clock?: Clock) => settleInboxLead(db, id, update, clock),
    deliverWaitingLeads: (contactId: string, leadId: string, clock?: Clock) => deliverWaitingLeads(db, contactId, leadId, clock),
    failWaitingLeads: (contactId: string, message: string) => failWaitingLeads(db, contactId, message),
    recordWebhookEvent: (event: WebhookEventInput, clock?: Clock) => recordWebhookEvent(db, event, clock),
    markWebhookEventApplied: (webhookId: string, clock?: Clock) => markWebhookEventApplied(db, webhookId, clock),
    mirroredContact: (contactId: string) => mirroredContact(db, contactId),
    childContactId: (table: 'tasks' | 'notes', id: string) => childContactId(db, table, id),
    recordDrift: (locationId: string, seen: DriftSeen[], clock?: Clock) => recordDrift(db, locationId, seen, clock),
    probeWrites: () => probeWriteLock(db),
  };
  const out: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(sync) as Array<[string, (...args: unknown[]) => unknown]>) {
    out[name] = async (...args: unknown[]) => {
      const wait = gate();
      if (wait) await wait;
      return fn(...args);
    };
  }
  let savepoints = 0;
  out.savepoint = async <T>(fn: () => Promise<T>): Promise<T> => {
    const sqlite = sqliteOf(db);
    const name = `bridge_${++savepoints}`;
    sqlite.exec(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      sqlite.exec(`RELEASE ${name}`);
      return result;
    } catch (err) {
      if (sqlite.inTransaction) {
        sqlite.exec(`ROLLBACK TO ${name}`);
        sqlite.exec(`RELEASE ${name}`);
      }
      throw err;
    }
  };
  return out as unknown as BridgeStatements;
}
