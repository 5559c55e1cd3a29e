// Which LeadCars lead belongs to which HighLevel contact (`lead_links`), and what the last poll
// of each lead saw.
import { isoNow, type Clock } from './clock.ts';
import type { Db } from './open.ts';
import { prepared } from './statements.ts';

export interface LeadLink {
  contactId: string;
  leadId: string;
  locationId: string;
  linkedAt: string;
  lastStatus: string | null;
  lastTemperature: string | null;
  lastActionAt: string | null;
  polledAt: string | null;
}

const SELECT = `SELECT contact_id AS contactId, lead_id AS leadId, location_id AS locationId, linked_at AS linkedAt,
  last_status AS lastStatus, last_temperature AS lastTemperature, last_action_at AS lastActionAt, polled_at AS polledAt FROM lead_links`;

/**
 * Links a lead to a contact. Linking it again to the same contact changes nothing (false); a lead
 * already linked to another contact is refused (throws) rather than moved silently.
 */
export function insertLeadLink(db: Db, link: { contactId: string; leadId: string; locationId: string }, clock: Clock = () => new Date()): boolean {
  const existing = getLinkByLead(db, link.leadId);
  if (existing) {
    if (existing.contactId === link.contactId) return false;
    throw new LeadAlreadyLinkedError(link.leadId, existing.contactId);
  }
  prepared(db, `INSERT INTO lead_links (contact_id, lead_id, location_id, linked_at) VALUES (?, ?, ?, ?)`)
    .run(link.contactId, link.leadId, link.locationId, isoNow(clock));
  return true;
}

export class LeadAlreadyLinkedError extends Error {
  override name = 'LeadAlreadyLinkedError';
  constructor(readonly leadId: string, readonly contactId: string) {
    super(`LeadCars lead ${leadId} is already linked to contact ${contactId}`);
  }
}

export function getLinkByLead(db: Db, leadId: string): LeadLink | undefined {
  return prepared(db, `${SELECT} WHERE lead_id = ?`).get(leadId) as LeadLink | undefined;
}

export function linksOfContact(db: Db, contactId: string): LeadLink[] {
  return prepared(db, `${SELECT} WHERE contact_id = ? ORDER BY linked_at, lead_id`).all(contactId) as LeadLink[];
}

export function listLeadLinks(db: Db): LeadLink[] {
  return prepared(db, `${SELECT} ORDER BY linked_at, lead_id`).all() as LeadLink[];
}

/** Contacts with at least one linked lead. */
export function linkedContactIds(db: Db): string[] {
  return (prepared(db, `SELECT DISTINCT contact_id AS id FROM lead_links ORDER BY contact_id`).all() as Array<{ id: string }>).map((r) => r.id);
}

export function recordLeadPoll(db: Db, leadId: string, seen: { status: string | null; temperature: string | null; lastActionAt: string | null }, clock: Clock = () => new Date()): void {
  prepared(db, `UPDATE lead_links SET last_status = ?, last_temperature = ?, last_action_at = ?, polled_at = ? WHERE lead_id = ?`)
    .run(seen.status, seen.temperature, seen.lastActionAt, isoNow(clock), leadId);
}

/**
 * Makes the next sync re-read the tasks and notes of every linked contact: HighLevel does not
 * move a contact's dateUpdated when its tasks or notes change, so the sync would not otherwise
 * see those changes. Marks them as never fetched, which the children phase reads first.
 */
export function markLinkedContactsDue(db: Db): number {
  return prepared(db, `UPDATE contacts SET children_synced_at = NULL
    WHERE deleted_at IS NULL AND children_synced_at IS NOT NULL AND id IN (SELECT contact_id FROM lead_links)`).run().changes;
}
