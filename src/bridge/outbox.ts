// Draining the outbox: each due row is claimed, sent once, and settled. A comment whose earlier
// send never settled (a crash, an unknown outcome) is looked for in the lead's actions before it
// is posted again; a lead create whose earlier send may have happened is never sent again (it
// becomes `unknown` and waits for `ghl-etl leads link`). Other failures retry with backoff until
// `bridge.maxAttempts`, then the row is dead.
import { ConfigError } from '../config/errors.ts';
import type { OutboxRow } from '../db/outbox.ts';
import { isLeadcarsError } from '../leadcars/errors.ts';
import type { NewLead } from '../leadcars/types.ts';
import { phoneProblem, toE164 } from '../ops/validate.ts';
import { LEAD_PHONE_FIELDS } from './lead.ts';
import { drainHighLevelCalls } from './on-new-contact.ts';
import { mirrorOfBridge, nowOf, type BridgeContext } from './context.ts';

/** How long a claimed row is left alone by other drainers (a send takes seconds). */
const LEASE_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 60 * 60_000;

export interface DrainSummary {
  sent: number;
  retried: number;
  dead: number;
  unknown: number;
}

export interface CommentPayload { leadId: string; text: string }
export interface CreatePayload { contactId: string; locationId: string; lead: NewLead }

/** Sends every due row once (rows that fail come back later); stops early when `signal` aborts. */
export async function drainOutbox(ctx: BridgeContext, opts: { signal?: AbortSignal } = {}): Promise<DrainSummary> {
  // The HighLevel calls (bridge.onNewContact) need no LeadCars token: they go first, whatever LeadCars' state.
  const summary: DrainSummary = await drainHighLevelCalls(ctx, opts);
  const { bridge } = mirrorOfBridge(ctx);
  try {
    ctx.leadcars();
  } catch (err) {
    // No LeadCars token: the rows wait (not spending their attempts) until one is configured.
    if (!(err instanceof ConfigError)) throw err;
    if ((await bridge.dueOutbox(nowOf(ctx).toISOString(), 50)).some(isLeadcars)) ctx.logger.warn(err.message);
    return summary;
  }
  const tried = new Set<number>();
  for (;;) {
    const due = (await bridge.dueOutbox(nowOf(ctx).toISOString(), 50)).filter((r) => isLeadcars(r) && !tried.has(r.id));
    if (due.length === 0) return summary;
    for (const row of due) {
      if (opts.signal?.aborted) return summary;
      tried.add(row.id);
      const now = nowOf(ctx);
      const before = await bridge.claimOutboxRow(row.id, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString());
      if (!before) continue;
      const outcome = await sendOne(ctx, before);
      summary[outcome]++;
    }
  }
}

type Outcome = keyof DrainSummary;

const isLeadcars = (row: OutboxRow) => row.kind.startsWith('leadcars.');

async function sendOne(ctx: BridgeContext, row: OutboxRow): Promise<Outcome> {
  try {
    return row.kind === 'leadcars.createLead'
      ? await sendCreate(ctx, row, JSON.parse(row.payload) as CreatePayload)
      : await sendComment(ctx, row, JSON.parse(row.payload) as CommentPayload);
  } catch (err) {
    return await failed(ctx, row, err);
  }
}

async function sendComment(ctx: BridgeContext, row: OutboxRow, p: CommentPayload): Promise<Outcome> {
  const client = ctx.leadcars();
  const { bridge } = mirrorOfBridge(ctx);
  if (row.sendingSince !== null || row.lastError?.startsWith('unknown:')) {
    // An earlier send may have posted it: look before posting again.
    const found = await client.findComment(Number(p.leadId), p.text);
    if (found) {
      await bridge.settleOutboxRow(row.id, { status: 'done', result: { found: found.date } }, ctx.clock);
      return 'sent';
    }
  }
  await client.addComment(Number(p.leadId), p.text);
  await bridge.settleOutboxRow(row.id, { status: 'done', lastError: null }, ctx.clock);
  return 'sent';
}

async function sendCreate(ctx: BridgeContext, row: OutboxRow, p: CreatePayload): Promise<Outcome> {
  const db = mirrorOfBridge(ctx);
  if (row.sendingSince !== null) {
    await db.bridge.settleOutboxRow(row.id, {
      status: 'unknown',
      lastError: `an earlier send was interrupted and may have created the lead: find it in LeadCars and run \`ghl-etl leads link ${p.contactId} LEAD_ID\``,
    }, ctx.clock);
    return 'unknown';
  }
  const { id } = await ctx.leadcars().createLead(leadForLeadcars(p.lead, ctx.config.phoneCountry));
  const leadId = String(id);
  await db.transaction(async ({ bridge }) => {
    await bridge.settleOutboxRow(row.id, { status: 'done', result: { leadId } }, ctx.clock);
    await bridge.insertLeadLink({ contactId: p.contactId, leadId, locationId: p.locationId }, ctx.clock);
    await bridge.deliverWaitingLeads(p.contactId, leadId, ctx.clock);
  });
  return 'sent';
}

/** A lead whose phone cannot be written in E.164: LeadCars would refuse it, so it is not sent. */
class UnsendableLeadError extends Error {
  override name = 'UnsendableLeadError';
}

/**
 * The lead as LeadCars takes it: phones in E.164 (LeadCars refuses "612000002"), read in the
 * configured `phoneCountry` as the contact's phone was for HighLevel. Done at each send, so a
 * lead queued before (or a `phoneCountry` fixed since) goes out right on `outbox retry`.
 */
function leadForLeadcars(lead: NewLead, phoneCountry: string): NewLead {
  const out = { ...lead };
  for (const field of LEAD_PHONE_FIELDS) {
    const phone = out[field];
    if (phone === undefined) continue;
    const e164 = toE164(phone, phoneCountry);
    if (e164 === undefined) throw new UnsendableLeadError(`${field}: ${phoneProblem(phone, phoneCountry)}`);
    out[field] = e164;
  }
  return out;
}

async function failed(ctx: BridgeContext, row: OutboxRow, err: unknown): Promise<Outcome> {
  const message = err instanceof Error ? err.message : String(err);
  const db = mirrorOfBridge(ctx);
  const kind = isLeadcarsError(err) ? err.kind : 'other';
  if (kind === 'outcome-unknown' && row.kind === 'leadcars.createLead') {
    const { contactId } = JSON.parse(row.payload) as CreatePayload;
    await db.bridge.settleOutboxRow(row.id, {
      status: 'unknown',
      lastError: `${message}: LeadCars may have created the lead; find it and run \`ghl-etl leads link ${contactId} LEAD_ID\``,
    }, ctx.clock);
    ctx.logger.warn({ outboxId: row.id, contactId }, 'LeadCars lead create outcome unknown: waiting for `leads link`');
    return 'unknown';
  }
  // A refusal does not change by repeating it; an unknown comment is looked for before the retry.
  const permanent = kind === 'refused' || kind === 'not-found' || err instanceof UnsendableLeadError;
  const attempts = row.attempts + 1;
  if (permanent || attempts >= ctx.config.bridge.maxAttempts) {
    await db.transaction(async ({ bridge }) => {
      await bridge.settleOutboxRow(row.id, { status: 'dead', lastError: message }, ctx.clock);
      if (row.kind === 'leadcars.createLead') await bridge.failWaitingLeads((JSON.parse(row.payload) as CreatePayload).contactId, `LeadCars refused the lead: ${message}`);
    });
    ctx.logger.error({ outboxId: row.id, kind: row.kind, err }, 'outbox row dead-lettered');
    return 'dead';
  }
  const delay = Math.min(MAX_BACKOFF_MS, ctx.config.bridge.retryBaseMs * 2 ** (attempts - 1)) * (0.75 + Math.random() / 2);
  const prefix = kind === 'outcome-unknown' ? 'unknown: ' : kind === 'auth' ? 'auth: ' : '';
  await db.bridge.settleOutboxRow(row.id, {
    status: 'pending', lastError: prefix + message, nextAttemptAt: new Date(nowOf(ctx).getTime() + delay).toISOString(),
  }, ctx.clock);
  return 'retried';
}
