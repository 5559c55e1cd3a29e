// Linking a LeadCars lead to a HighLevel contact: by the delivery (a lead that came with its id,
// or one the outbox created) and by `ghl-etl leads link` (a lead made elsewhere, or one whose
// create had an unknown outcome). A link settles whatever waited on it.
import { ConfigError } from '../config/errors.ts';
import type { Clock } from '../db/clock.ts';
import type { Mirror } from '../db/mirror.ts';
import type { Db } from '../db/open.ts';
import { mirrorOf } from '../db/sqlite-mirror.ts';
import { isLeadcarsError } from '../leadcars/errors.ts';
import type { BridgeContext } from './context.ts';
import { isLeadcarsIdText } from '../leadcars/parse.ts';

/** The outbox key of the LeadCars create for a contact: one create per contact, ever. */
export const createKeyOf = (contactId: string) => `createLead:${contactId}`;

export interface LinkResult {
  contactId: string;
  leadId: string;
  /** False when the lead was already linked to this contact. */
  created: boolean;
  /** The contact's create that waited for this link (unknown or pending), now settled. */
  resolvedOutboxId?: number;
  /** Inbox leads of the contact delivered by this link. */
  deliveredLeads: number;
}

function checkLeadId(leadId: string): void {
  if (!isLeadcarsIdText(leadId)) throw new ConfigError(`lead id "${leadId}" is not a LeadCars lead id (a positive number up to ${Number.MAX_SAFE_INTEGER})`);
}

/**
 * `leads link`: links only a lead LeadCars has (asked by id), so a mistyped id is refused
 * instead of settling the contact's waiting leads on a lead that does not exist.
 */
export async function linkExistingLead(ctx: BridgeContext, contactId: string, leadId: string): Promise<LinkResult> {
  checkLeadId(leadId);
  if (!(await mirrorOf(ctx.db).isContactLive(contactId))) throw new ConfigError(`contact ${contactId} is not in the mirror: check the id, or run \`ghl-etl sync\` first`);
  try {
    await ctx.leadcars().getLead(Number(leadId));
  } catch (err) {
    if (isLeadcarsError(err, 'not-found')) throw new ConfigError(`LeadCars has no lead ${leadId}: check the id (the lead's number in LeadCars)`);
    throw err;
  }
  return await linkLead(ctx.db, contactId, leadId, ctx.clock);
}

/** Links in one transaction; the contact must be in the mirror (its location comes from there). */
export async function linkLead(db: Db | Mirror, contactId: string, leadId: string, clock?: Clock): Promise<LinkResult> {
  checkLeadId(leadId);
  return mirrorOf(db).transaction(async ({ bridge }) => {
    const locationId = await bridge.liveContactLocation(contactId);
    if (locationId === undefined) throw new ConfigError(`contact ${contactId} is not in the mirror: check the id, or run \`ghl-etl sync\` first`);
    const created = await bridge.insertLeadLink({ contactId, leadId, locationId }, clock);
    const waiting = await bridge.getOutboxByKey(createKeyOf(contactId));
    let resolvedOutboxId: number | undefined;
    if (waiting && waiting.status !== 'done') {
      await bridge.settleOutboxRow(waiting.id, { status: 'done', result: { leadId, linkedBy: 'leads link' } }, clock);
      resolvedOutboxId = waiting.id;
    }
    const deliveredLeads = await bridge.deliverWaitingLeads(contactId, leadId, clock);
    return { contactId, leadId, created, deliveredLeads, ...(resolvedOutboxId !== undefined ? { resolvedOutboxId } : {}) };
  });
}
