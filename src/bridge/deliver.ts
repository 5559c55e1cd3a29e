// Inbox -> HighLevel (+ LeadCars): each pending lead becomes one contact (found by email, then
// phone; updated if found, created once otherwise), its comment a note, and is linked to its
// LeadCars lead: the one it came with, the one the contact already has, or a new one created
// through the outbox (one create per contact, ever). Every write carries an idempotency key
// made from the inbox id, so a delivery cut short and repeated changes nothing twice.
import { hostname } from 'node:os';
import type { InboxRow } from '../db/inbox.ts';
import { LeadAlreadyLinkedError } from '../db/lead-links.ts';
import { DuplicateContactError } from '../ghl/errors.ts';
import { createContact, findContactId, updateContact } from '../ops/contacts.ts';
import type { OpsContext } from '../ops/context.ts';
import { OperationError, OperationInputError } from '../ops/errors.ts';
import { createNote } from '../ops/notes.ts';
import { checkEmail, checkPhone } from '../ops/validate.ts';
import { parseIntakeLead, type IntakeLead } from './lead.ts';
import { markNoteReported } from './changes.ts';
import { mirrorOfBridge, opsContext, type BridgeContext } from './context.ts';
import { mapLead, type MappedLead } from './field-map.ts';
import { createKeyOf } from './link.ts';
import { contactCreateKey, leadCreatedContact, queueOnNewContact } from './on-new-contact.ts';
import type { CreatePayload } from './outbox.ts';

/** Delivery attempts of one lead before it is marked failed (HighLevel was down that long). */
export const MAX_DELIVERY_ATTEMPTS = 10;

export interface DeliverySummary {
  delivered: number;
  waiting: number;
  failed: number;
  retrying: number;
}

/** The named lock one delivering process holds (see deliverInbox). */
export const DELIVERY_LOCK = 'bridge delivery';
const DELIVERY_LOCK_TTL_MS = 10 * 60_000;

/**
 * Delivers the pending leads. One process delivers at a time (the database's `bridge delivery`
 * lock, on either engine): two `serve`s, or `leads import` beside `serve`, would otherwise send
 * the same lead's contact create twice. When another process holds it, this one leaves the
 * leads to it and returns an empty summary.
 */
export async function deliverInbox(ctx: BridgeContext, opts: { signal?: AbortSignal; limit?: number } = {}): Promise<DeliverySummary> {
  const summary: DeliverySummary = { delivered: 0, waiting: 0, failed: 0, retrying: 0 };
  const db = mirrorOfBridge(ctx);
  const pending = await db.bridge.listInbox({ status: 'pending', limit: 1 });
  if (pending.length === 0) return summary;
  const owner = `deliver:${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`;
  const lock = await db.acquireLock(DELIVERY_LOCK, owner, DELIVERY_LOCK_TTL_MS);
  if (!lock.acquired) {
    ctx.logger.debug({ holder: lock.holder }, 'another process is delivering the inbox: leaving the leads to it');
    return summary;
  }
  try {
    // Read after taking the lock: rows another process delivered meanwhile are no longer pending.
    for (const row of await db.bridge.listInbox({ status: 'pending', ...(opts.limit ? { limit: opts.limit } : {}) })) {
      if (opts.signal?.aborted) break;
      summary[await deliverOne(ctx, row)]++;
      await db.refreshLock(DELIVERY_LOCK, owner, DELIVERY_LOCK_TTL_MS);
    }
  } finally {
    await db.releaseLock(DELIVERY_LOCK, owner);
  }
  return summary;
}

/**
 * The stored lead, validated again: the inbox may hold rows written by an older version, or by
 * hand, and a lead that is no longer valid must fail here, named, not halfway through HighLevel.
 */
function storedLead(row: InboxRow): { ok: true; lead: IntakeLead } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(row.payload);
  } catch (err) {
    return { ok: false, reason: `the stored lead is not JSON (${(err as Error).message})` };
  }
  const parsed = parseIntakeLead(json);
  return parsed.ok ? parsed : { ok: false, reason: `the stored lead is not valid: ${parsed.reasons.join('; ')}` };
}

async function deliverOne(ctx: BridgeContext, row: InboxRow): Promise<keyof DeliverySummary> {
  const stored = storedLead(row);
  const { bridge } = mirrorOfBridge(ctx);
  if (!stored.ok) {
    await bridge.settleInboxLead(row.id, { status: 'failed', lastError: stored.reason, attempted: true }, ctx.clock);
    ctx.logger.warn({ inboxId: row.id, reason: stored.reason }, 'lead not delivered');
    return 'failed';
  }
  const { lead } = stored;
  const ops = opsContext(ctx);
  try {
    const mapped = mapLead(lead, ctx.config.bridge.fieldMap);
    const contactId = await upsertLeadContact(ops, mapped, row.id);
    // bridge.onNewContact: only for the contact this lead made (queued once per contact, ever).
    if (await leadCreatedContact(ctx, row.id)) await queueOnNewContact(ctx, contactId, ops.locationId);
    if (mapped.note) {
      const note = await createNote(ops, contactId, { body: mapped.note }, { idempotencyKey: `inbox:${row.id}:note` });
      await markNoteReported(ctx.db, contactId, note.note.id, note.note.body ?? mapped.note, ctx.clock);
    }
    return await link(ctx, ops, row, lead, contactId);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    // Input HighLevel refuses, or a lead id linked to another contact, will not change by retrying.
    const permanent = err instanceof OperationInputError || err instanceof LeadAlreadyLinkedError
      || (err instanceof OperationError && err.kind === 'invalid');
    const status = permanent || row.attempts + 1 >= MAX_DELIVERY_ATTEMPTS ? 'failed' : 'pending';
    await bridge.settleInboxLead(row.id, { status, lastError: message, attempted: true }, ctx.clock);
    ctx.logger.warn({ inboxId: row.id, err }, status === 'failed' ? 'lead not delivered' : 'lead delivery failed; will retry');
    return status === 'failed' ? 'failed' : 'retrying';
  }
}

/** The lead's link, in one transaction with the inbox row's outcome. */
function link(ctx: BridgeContext, ops: OpsContext, row: InboxRow, lead: IntakeLead, contactId: string): Promise<keyof DeliverySummary> {
  return mirrorOfBridge(ctx).transaction(async ({ bridge }): Promise<keyof DeliverySummary> => {
    if (lead.id_lead !== undefined) {
      await bridge.insertLeadLink({ contactId, leadId: lead.id_lead, locationId: ops.locationId }, ctx.clock);
      await bridge.settleInboxLead(row.id, { status: 'delivered', contactId, leadId: lead.id_lead, attempted: true }, ctx.clock);
      return 'delivered';
    }
    const existing = (await bridge.linksOfContact(contactId))[0];
    if (existing || !ctx.config.leadcars.createLeads) {
      await bridge.settleInboxLead(row.id, { status: 'delivered', contactId, leadId: existing?.leadId ?? null, attempted: true }, ctx.clock);
      return 'delivered';
    }
    const { id_lead: _none, ...newLead } = lead;
    const payload: CreatePayload = { contactId, locationId: ops.locationId, lead: newLead };
    await bridge.enqueueOutbox({ kind: 'leadcars.createLead', dedupeKey: createKeyOf(contactId), payload }, ctx.clock);
    await bridge.settleInboxLead(row.id, { status: 'waiting', contactId, attempted: true }, ctx.clock);
    return 'waiting';
  });
}

/** The contact of the lead: found (mirror, then HighLevel) by email, then phone; else created once. */
async function upsertLeadContact(ops: OpsContext, mapped: MappedLead, inboxId: number): Promise<string> {
  const input = mapped.contact;
  const email = typeof input.email === 'string' ? checkEmail('email', input.email) : undefined;
  const phone = typeof input.phone === 'string' ? checkPhone('phone', input.phone, ops.config.phoneCountry) : undefined;
  const found = await findContactId(ops, { email, phone });
  const { fields, ...rest } = input;
  const withFields = Object.keys(fields).length > 0 ? { ...rest, fields } : rest;
  if (found) {
    await updateContact(ops, found, withFields, { idempotencyKey: `inbox:${inboxId}:update` });
    return found;
  }
  try {
    const created = await createContact(ops, withFields, { idempotencyKey: contactCreateKey(inboxId) });
    return created.contact.id;
  } catch (err) {
    // A location that forbids duplicates names the contact that already has the email or phone.
    if (err instanceof OperationError && err.cause instanceof DuplicateContactError && err.existingContactId) {
      await updateContact(ops, err.existingContactId, withFields, { idempotencyKey: `inbox:${inboxId}:update` });
      return err.existingContactId;
    }
    throw err;
  }
}
