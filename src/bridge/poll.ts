// LeadCars -> HighLevel: LeadCars has no webhooks and no "updated since", so each linked lead is
// read by id (after each sync) and a change of its status, temperature or last action lands on
// the contact, as `bridge.leadUpdates` says: tags `<tagPrefix><status>` and
// `<tagPrefix><temperature>` (the previous ones removed), a note, both or nothing.
import type { LeadLink } from '../db/lead-links.ts';
import { createNote, tagContact, untagContact } from '../ops/index.ts';
import { markNoteReported } from './changes.ts';
import { mirrorOfBridge, opsContext, type BridgeContext } from './context.ts';
import { fill } from './templates.ts';

export interface PollSummary {
  polled: number;
  changed: number;
  failed: number;
}

const tagOf = (prefix: string, value: string | null) => (value ? `${prefix}${value}`.toLowerCase().replace(/\s+/g, '-') : undefined);

export async function pollLinkedLeads(ctx: BridgeContext, opts: { signal?: AbortSignal } = {}): Promise<PollSummary> {
  const summary: PollSummary = { polled: 0, changed: 0, failed: 0 };
  for (const link of await mirrorOfBridge(ctx).bridge.listLeadLinks()) {
    if (opts.signal?.aborted) break;
    try {
      if (await pollOne(ctx, link)) summary.changed++;
      summary.polled++;
    } catch (err) {
      summary.failed++;
      ctx.logger.warn({ err, leadId: link.leadId, contactId: link.contactId }, 'LeadCars lead poll failed; the next one retries');
    }
  }
  return summary;
}

async function pollOne(ctx: BridgeContext, link: LeadLink): Promise<boolean> {
  const lead = await ctx.leadcars().getLead(Number(link.leadId));
  const seen = { status: lead.statusName, temperature: lead.temperature, lastActionAt: lead.dateLastAction };
  const changed = link.polledAt === null || seen.status !== link.lastStatus || seen.temperature !== link.lastTemperature
    || seen.lastActionAt !== link.lastActionAt;
  if (!changed) return false;
  const { leadUpdates, tagPrefix, templates } = ctx.config.bridge;
  const ops = opsContext(ctx, link.locationId);
  if (leadUpdates === 'tags' || leadUpdates === 'both') {
    const now = [tagOf(tagPrefix, seen.status), tagOf(tagPrefix, seen.temperature)].filter((t): t is string => t !== undefined);
    const before = [tagOf(tagPrefix, link.lastStatus), tagOf(tagPrefix, link.lastTemperature)].filter((t): t is string => t !== undefined && !now.includes(t));
    if (before.length > 0) await untagContact(ops, link.contactId, before);
    if (now.length > 0) await tagContact(ops, link.contactId, now);
  }
  if (leadUpdates === 'note' || leadUpdates === 'both') {
    const body = fill(templates.leadChanged, { status: seen.status ?? '-', temperature: seen.temperature ?? '-', lastAction: seen.lastActionAt ?? '-' });
    const note = await createNote(ops, link.contactId, { body }, { idempotencyKey: `poll:${link.leadId}:${seen.lastActionAt}:${seen.status}:${seen.temperature}` });
    // Said by LeadCars: not a change to report back to it.
    await markNoteReported(ctx.db, link.contactId, note.note.id, note.note.body ?? body, ctx.clock);
  }
  await mirrorOfBridge(ctx).bridge.recordLeadPoll(link.leadId, seen, ctx.clock);
  return true;
}
