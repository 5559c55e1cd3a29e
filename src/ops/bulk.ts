// Bulk operations on many contacts (issue 20): tags added or removed, the business set or
// cleared. The contacts are given by id or chosen from the mirror by a segment rule (the
// export's rules); the request is sent in chunks, each checked against the spec before anything
// is sent, and each chunk HighLevel accepts is written through to the mirror before the next one
// goes out, so a failure part-way leaves HighLevel and the mirror agreeing on what was done.
import type { TagChange } from '../db/bulk-contacts.ts';
import type { SegmentRule } from '../db/export-rows.ts';
import { GhlError } from '../ghl/errors.ts';
import type * as Api from '../highlevel-api/api-types.ts';
import { mirrorOfOps, plan, type OpsContext, type PlannedRequest } from './context.ts';
import { OperationError, OperationInputError } from './errors.ts';
import { checkId, checkTags, checkAgainstSpec } from './validate.ts';

/**
 * Contacts per request. HighLevel documents no maximum for either bulk route (apps/contacts.json,
 * NOTES.md); 100, the largest page it lists contacts in, keeps each request small and a failed
 * chunk cheap to rerun.
 */
export const BULK_CHUNK = 100;

/** Which contacts: ids, or the live mirrored contacts a (checked) segment rule selects. */
export type BulkSelection = { ids: string[] } | { rule: SegmentRule; segment?: string };

export interface BulkChunk {
  index: number;
  contacts: number;
  first: string;
  last: string;
}

export interface BulkPlan {
  dryRun: true;
  contacts: number;
  chunks: BulkChunk[];
  requests: PlannedRequest[];
}

export interface BulkFailure {
  contactId: string;
  message: string;
}

export interface BulkResult {
  /** Contacts selected. */
  contacts: number;
  /** Chunks sent (all of them unless `stopped`). */
  chunksSent: number;
  chunks: number;
  /** Contacts HighLevel changed (or found already as asked). */
  done: string[];
  /** Contacts HighLevel refused, with its words. */
  failed: BulkFailure[];
  /** Set when a chunk could not be sent: what happened; the chunks before it are done and mirrored. */
  stopped?: string;
  /** Contacts not sent because of `stopped`. */
  notSent: number;
  /** HighLevel has the change but the mirror could not record it (busy): what happened and what brings it in. */
  mirrorPending?: string;
}

/** Writes a chunk HighLevel accepted through to the mirror; a failure there is a notice, never the chunk's failure. */
async function mirrorChunk(write: () => Promise<unknown>, pending: string[]): Promise<void> {
  try {
    await write();
  } catch (err) {
    pending.push(err instanceof Error ? err.message : String(err));
  }
}

const pendingNotice = (pending: string[]) => pending.length === 0 ? {} : {
  mirrorPending: `HighLevel has the change, but the mirror could not record ${pending.length} chunk(s) of it (${pending[0]}); run \`ghl-etl sync --full\` to bring it in`,
};

async function selectedIds(ctx: OpsContext, selection: BulkSelection): Promise<string[]> {
  if ('ids' in selection) {
    if (!Array.isArray(selection.ids) || selection.ids.length === 0) throw new OperationInputError('ids', 'give at least one contact id');
    return [...new Set(selection.ids.map((id, i) => checkId(`ids.${i}`, typeof id === 'string' ? id.trim() : id)))];
  }
  const rule = selection.rule;
  if (rule.locationId !== undefined && rule.locationId !== ctx.locationId) {
    throw new OperationInputError('segment', `${selection.segment ? `segment "${selection.segment}"` : 'the rule'} selects location ${rule.locationId} but the operation runs in ${ctx.locationId}; use --location ${rule.locationId}`);
  }
  return mirrorOfOps(ctx).segmentContactIds({ ...rule, locationId: ctx.locationId });
}

function chunksOf(ids: string[]): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < ids.length; i += BULK_CHUNK) out.push(ids.slice(i, i + BULK_CHUNK));
  return out;
}

function describeChunks(chunks: string[][]): BulkChunk[] {
  return chunks.map((c, index) => ({ index: index + 1, contacts: c.length, first: c[0]!, last: c[c.length - 1]! }));
}

async function planOrRun<T>(
  ctx: OpsContext, selection: BulkSelection, request: (chunk: string[]) => PlannedRequest, dryRun: boolean | undefined,
  run: (chunks: string[][], requests: PlannedRequest[]) => Promise<T>,
): Promise<BulkPlan | T> {
  const ids = await selectedIds(ctx, selection);
  const chunks = chunksOf(ids);
  const requests = chunks.map(request);
  for (const r of requests) checkAgainstSpec(r);
  if (dryRun) return { dryRun: true, contacts: ids.length, chunks: describeChunks(chunks), requests };
  return run(chunks, requests);
}

/** Runs the chunks in order; a chunk that fails stops the rest (reported, never hidden). */
async function eachChunk(label: string, chunks: string[][], send: (chunk: string[], index: number) => Promise<void>): Promise<{ sent: number; stopped?: string; notSent: number }> {
  for (let i = 0; i < chunks.length; i++) {
    try {
      await send(chunks[i]!, i);
    } catch (err) {
      const why = err instanceof GhlError ? new OperationError(label, err).message : err instanceof Error ? err.message : String(err);
      const notSent = chunks.slice(i).reduce((n, c) => n + c.length, 0);
      if (i === 0 && err instanceof GhlError) throw new OperationError(label, err);
      return { sent: i, stopped: `chunk ${i + 1} of ${chunks.length} failed (${why}); the ${notSent} contacts from it on were not changed: run the command again to finish (the chunks already done are harmless to repeat)`, notSent };
    }
  }
  return { sent: chunks.length, notSent: 0 };
}

export async function bulkTag(
  ctx: OpsContext, input: { type: 'add' | 'remove'; tags: string[]; selection: BulkSelection }, opts: { dryRun?: boolean } = {},
): Promise<BulkPlan | BulkResult> {
  if (input.type !== 'add' && input.type !== 'remove') throw new OperationInputError('type', 'must be add or remove');
  const tags = checkTags('tags', input.tags);
  if (tags.length === 0) throw new OperationInputError('tags', 'give at least one tag (--tag T)');
  const request = (chunk: string[]) => plan('bulkTag', { type: input.type }, { body: { locationId: ctx.locationId, contacts: chunk, tags } });
  return planOrRun(ctx, input.selection, request, opts.dryRun, async (chunks, requests) => {
    const done: string[] = [];
    const failed: BulkFailure[] = [];
    const pending: string[] = [];
    const wanted = tags.map((t) => t.toLowerCase()); // HighLevel stores tags lower-cased
    const progress = await eachChunk(`contacts bulk tags ${input.type}`, chunks, async (chunk, i) => {
      const answer = await ctx.client.bulkUpdateTags(input.type, requests[i]!.body as Api.BulkTagsBody);
      // One line per contact, as the spec's example shows; a contact without a readable line
      // (the file types them as strings) counts as done unless HighLevel said the call failed.
      const lines = new Map((Array.isArray(answer.responses) ? answer.responses : [])
        .filter((l): l is Api.BulkTagsLine => typeof l === 'object' && l !== null && typeof (l as { contactId?: unknown }).contactId === 'string')
        .map((l) => [l.contactId, l]));
      const changes: TagChange[] = [];
      for (const contactId of chunk) {
        const line = lines.get(contactId);
        if (line ? line.type !== 'success' : answer.succeded === false) {
          failed.push({ contactId, message: line?.message ?? 'HighLevel reported the update failed' });
          continue;
        }
        done.push(contactId);
        const before = Array.isArray(line?.oldTags) ? line.oldTags : await mirrorOfOps(ctx).mirroredTags(contactId);
        if (before === undefined) continue;
        const after = input.type === 'add'
          ? [...before, ...wanted.filter((t) => !before.some((b) => b.toLowerCase() === t))]
          : before.filter((b) => !wanted.includes(b.toLowerCase()));
        changes.push({ contactId, tags: after });
      }
      await mirrorChunk(() => mirrorOfOps(ctx).writeContactTags(changes, ctx.clock), pending);
    });
    const ids = chunks.flat();
    return { contacts: ids.length, chunks: chunks.length, chunksSent: progress.sent, done, failed, notSent: progress.notSent, ...(progress.stopped ? { stopped: progress.stopped } : {}), ...pendingNotice(pending) };
  });
}

export async function bulkBusiness(
  ctx: OpsContext, input: { businessId: string | null; selection: BulkSelection }, opts: { dryRun?: boolean } = {},
): Promise<BulkPlan | BulkResult> {
  const businessId = input.businessId === null ? null : checkId('businessId', input.businessId);
  const request = (chunk: string[]) => plan('bulkBusiness', {}, { body: { locationId: ctx.locationId, ids: chunk, businessId } });
  return planOrRun(ctx, input.selection, request, opts.dryRun, async (chunks, requests) => {
    const done: string[] = [];
    const failed: BulkFailure[] = [];
    const pending: string[] = [];
    const progress = await eachChunk('contacts bulk business', chunks, async (chunk, i) => {
      const changed = new Set(await ctx.client.bulkUpdateBusiness(requests[i]!.body as Api.BulkBusinessBody));
      for (const id of chunk) {
        if (changed.has(id)) done.push(id);
        else failed.push({ contactId: id, message: 'HighLevel did not change it (unknown, deleted or another location\'s contact)' });
      }
      await mirrorChunk(() => mirrorOfOps(ctx).writeContactsBusiness(chunk.filter((id) => changed.has(id)), businessId, ctx.clock), pending);
    });
    const ids = chunks.flat();
    return { contacts: ids.length, chunks: chunks.length, chunksSent: progress.sent, done, failed, notSent: progress.notSent, ...(progress.stopped ? { stopped: progress.stopped } : {}), ...pendingNotice(pending) };
  });
}

