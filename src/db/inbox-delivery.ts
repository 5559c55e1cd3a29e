// The delivery side of the lead inbox (rows are written by serve, src/db/inbox.ts): what the
// bridge records as it turns each lead into a HighLevel contact and a linked LeadCars lead.
import { isoNow, type Clock } from './clock.ts';
import type { InboxStatus } from './inbox.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

/** Records one delivery attempt's outcome. */
export function settleInboxLead(
  db: Db, id: number, update: { status: InboxStatus; contactId?: string | null; leadId?: string | null; lastError?: string | null; attempted?: boolean },
  clock: Clock = () => new Date(),
): void {
  const finished = update.status === 'delivered' ? isoNow(clock) : null;
  prepared(db, `UPDATE inbox SET status = ?, contact_id = COALESCE(?, contact_id), lead_id = COALESCE(?, lead_id),
    last_error = ?, attempts = attempts + ?, delivered_at = COALESCE(?, delivered_at) WHERE id = ?`)
    .run(update.status, update.contactId ?? null, update.leadId ?? null, update.lastError ?? null, update.attempted ? 1 : 0, finished, id);
}

/** Leads of a contact that wait on its LeadCars lead: once it is known, they are delivered with it. */
export function deliverWaitingLeads(db: Db, contactId: string, leadId: string, clock: Clock = () => new Date()): number {
  return prepared(db, `UPDATE inbox SET status = 'delivered', lead_id = ?, last_error = NULL, delivered_at = ?
    WHERE contact_id = ? AND status = 'waiting'`).run(leadId, isoNow(clock), contactId).changes;
}

/** Leads of a contact that waited on a LeadCars create that will never happen. */
export function failWaitingLeads(db: Db, contactId: string, message: string): number {
  return prepared(db, `UPDATE inbox SET status = 'failed', last_error = ? WHERE contact_id = ? AND status = 'waiting'`).run(message, contactId).changes;
}
