// `bridge.onNewContact` (issue 20): what a lead that creates a HighLevel contact starts there,
// by configuration alone: workflows it is enrolled in, campaigns it is added to, users who follow
// it. Each is one outbox row keyed by the contact (and the workflow or campaign), queued once
// when the lead's delivery made the contact, so it happens at most once per contact however
// often the lead is delivered again.
//
// Sending: an enrolment or a campaign add whose earlier send never settled (a crash mid-send), or
// whose answer was lost, is not sent again: the Contacts API cannot tell whether it landed, and a
// workflow that allows re-entry would start twice. The row becomes `unknown`, named in `outbox
// list`, for a person to check and `outbox retry` or `outbox drop`. Followers are a set: repeating
// the call is harmless, so it is retried like any failure.
import type { HighLevelOutboxKind, OutboxRow } from '../db/outbox.ts';
import { isGhlError } from '../ghl/errors.ts';
import { addFollowers, addToCampaign, addToWorkflow } from '../ops/contact-actions.ts';
import { OperationError, OperationInputError } from '../ops/errors.ts';
import { mirrorOfBridge, nowOf, opsContext, type BridgeContext } from './context.ts';

const LEASE_MS = 5 * 60_000;
const MAX_BACKOFF_MS = 60 * 60_000;

export interface HighLevelCallPayload {
  contactId: string;
  locationId: string;
  workflowId?: string;
  campaignId?: string;
  followers?: string[];
}

export interface HighLevelDrainSummary {
  sent: number;
  retried: number;
  dead: number;
  unknown: number;
}

/** The idempotency key of a lead's contact create (src/bridge/deliver.ts): done = this lead made the contact. */
export const contactCreateKey = (inboxId: number) => `inbox:${inboxId}:contact`;

/** True when the delivery of inbox row `inboxId` created its contact (now or in an earlier attempt). */
export async function leadCreatedContact(ctx: BridgeContext, inboxId: number): Promise<boolean> {
  return (await mirrorOfBridge(ctx).readIdempotencyKey(contactCreateKey(inboxId)))?.status === 'done';
}

/** Queues the configured calls for a contact a lead created; returns how many rows are new (0 when queued before). */
export async function queueOnNewContact(ctx: BridgeContext, contactId: string, locationId: string): Promise<number> {
  const { workflows, campaigns, followers } = ctx.config.bridge.onNewContact;
  const items: Array<{ kind: HighLevelOutboxKind; dedupeKey: string; payload: HighLevelCallPayload }> = [
    ...workflows.map((workflowId) => ({ kind: 'highlevel.addToWorkflow' as const, dedupeKey: `onNewContact:${contactId}:workflow:${workflowId}`, payload: { contactId, locationId, workflowId } })),
    ...campaigns.map((campaignId) => ({ kind: 'highlevel.addToCampaign' as const, dedupeKey: `onNewContact:${contactId}:campaign:${campaignId}`, payload: { contactId, locationId, campaignId } })),
    ...(followers.length > 0 ? [{ kind: 'highlevel.addFollowers' as const, dedupeKey: `onNewContact:${contactId}:followers`, payload: { contactId, locationId, followers } }] : []),
  ];
  if (items.length === 0) return 0;
  return mirrorOfBridge(ctx).transaction(async ({ bridge }) => {
    let created = 0;
    for (const item of items) if ((await bridge.enqueueOutbox(item, ctx.clock)).created) created++;
    return created;
  });
}

const isHighLevel = (row: OutboxRow) => row.kind.startsWith('highlevel.');

/** Sends every due HighLevel row once; stops early when `signal` aborts. */
export async function drainHighLevelCalls(ctx: BridgeContext, opts: { signal?: AbortSignal } = {}): Promise<HighLevelDrainSummary> {
  const summary: HighLevelDrainSummary = { sent: 0, retried: 0, dead: 0, unknown: 0 };
  const { bridge } = mirrorOfBridge(ctx);
  const tried = new Set<number>();
  for (;;) {
    const due = (await bridge.dueOutbox(nowOf(ctx).toISOString(), 200)).filter((r) => isHighLevel(r) && !tried.has(r.id));
    if (due.length === 0) return summary;
    for (const row of due) {
      if (opts.signal?.aborted) return summary;
      tried.add(row.id);
      const now = nowOf(ctx);
      const before = await bridge.claimOutboxRow(row.id, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString());
      if (!before) continue;
      summary[await sendOne(ctx, before)]++;
    }
  }
}

const repeatable = (row: OutboxRow) => row.kind === 'highlevel.addFollowers';

function what(row: OutboxRow, p: HighLevelCallPayload): string {
  if (row.kind === 'highlevel.addToWorkflow') return `enrolled contact ${p.contactId} in workflow ${p.workflowId}`;
  if (row.kind === 'highlevel.addToCampaign') return `added contact ${p.contactId} to campaign ${p.campaignId}`;
  return `made ${p.followers?.join(', ')} followers of contact ${p.contactId}`;
}

async function sendOne(ctx: BridgeContext, row: OutboxRow): Promise<keyof HighLevelDrainSummary> {
  const p = JSON.parse(row.payload) as HighLevelCallPayload;
  const { bridge } = mirrorOfBridge(ctx);
  const unknown = async (why: string): Promise<'unknown'> => {
    await bridge.settleOutboxRow(row.id, {
      status: 'unknown',
      lastError: `${why}: HighLevel may have ${what(row, p)}; check it there, then \`ghl-etl outbox retry ${row.id}\` (sends again) or \`ghl-etl outbox drop ${row.id}\``,
    }, ctx.clock);
    ctx.logger.warn({ outboxId: row.id, kind: row.kind, contactId: p.contactId }, 'HighLevel call outcome unknown: not repeated');
    return 'unknown';
  };
  if (row.sendingSince !== null && !repeatable(row)) return await unknown('an earlier send was interrupted');
  const ops = opsContext(ctx, p.locationId);
  try {
    if (row.kind === 'highlevel.addToWorkflow') await addToWorkflow(ops, p.contactId, p.workflowId!);
    else if (row.kind === 'highlevel.addToCampaign') await addToCampaign(ops, p.contactId, p.campaignId!);
    else await addFollowers(ops, p.contactId, p.followers ?? []);
    await bridge.settleOutboxRow(row.id, { status: 'done', lastError: null }, ctx.clock);
    return 'sent';
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (err instanceof OperationError && isGhlError(err.cause, 'outcome-unknown') && !repeatable(row)) return await unknown(message);
    const permanent = err instanceof OperationInputError || (err instanceof OperationError && (err.kind === 'invalid' || err.kind === 'not-found'));
    const attempts = row.attempts + 1;
    if (permanent || attempts >= ctx.config.bridge.maxAttempts) {
      await bridge.settleOutboxRow(row.id, { status: 'dead', lastError: message }, ctx.clock);
      ctx.logger.error({ outboxId: row.id, kind: row.kind, err }, 'outbox row dead-lettered');
      return 'dead';
    }
    const delay = Math.min(MAX_BACKOFF_MS, ctx.config.bridge.retryBaseMs * 2 ** (attempts - 1)) * (0.75 + Math.random() / 2);
    await bridge.settleOutboxRow(row.id, { status: 'pending', lastError: message, nextAttemptAt: new Date(nowOf(ctx).getTime() + delay).toISOString() }, ctx.clock);
    return 'retried';
  }
}
