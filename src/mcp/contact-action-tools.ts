// The MCP tools of issue 20: enrol a contact in a workflow or take it out, and tag or untag many
// contacts at once (by id, a named segment or a tag rule on the mirror). Registered by
// createMcpServer (src/mcp/server.ts), which lends the location rules of its writes. Writes go
// through src/ops: validated, never repeated blindly, written through.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import { checkRule } from '../export/segment.ts';
import {
  addToWorkflow, bulkTag, OperationInputError, removeFromWorkflow, type BulkSelection, type OpsContext, type WriteOptions,
} from '../ops/index.ts';
import { namedSegmentRule } from './segment-tools.ts';
import { answer, dryRunInput, guarded, WRITE } from './tool-kit.ts';

export interface ContactActionToolDeps {
  ops(locationId: string): OpsContext;
  /** The location a write acts in (given, the contact's in the mirror, or the only configured one). */
  locationFor(given: string | undefined, contactId?: string): Promise<string>;
  /** The config file's named segments, for bulk_tag's `segment`. */
  config: Pick<Config, 'segments'>;
}

const writeOptions = (dryRun: boolean | undefined): WriteOptions => (dryRun ? { dryRun: true } : {});

function selectionOf(args: { ids?: string[] | undefined; segment?: string | undefined; whereTags?: string[] | undefined; match?: 'any' | 'all' | undefined; excludeTags?: string[] | undefined }, config: Pick<Config, 'segments'>): { selection: BulkSelection; location?: string } {
  const forms = [args.ids !== undefined, args.segment !== undefined, args.whereTags !== undefined].filter(Boolean).length;
  if (forms !== 1) throw new OperationInputError('ids', 'give exactly one of ids, segment or whereTags');
  if (args.ids !== undefined) return { selection: { ids: args.ids } };
  if (args.segment !== undefined) {
    const rule = namedSegmentRule(config, args.segment);
    const { locationId, ...rest } = rule;
    return {
      selection: { rule: checkRule({ ...rest, excludeTags: [...(rule.excludeTags ?? []), ...(args.excludeTags ?? [])] }), segment: args.segment },
      ...(locationId ? { location: locationId } : {}),
    };
  }
  return { selection: { rule: checkRule({ tags: args.whereTags!, match: args.match ?? 'any', ...(args.excludeTags ? { excludeTags: args.excludeTags } : {}) }) } };
}

export function registerContactActionTools(server: McpServer, deps: ContactActionToolDeps): void {
  const { ops, locationFor } = deps;

  server.registerTool('add_to_workflow', {
    title: 'Add a contact to a workflow',
    description: 'Enrols a contact in a HighLevel workflow (starting its automation). Sent once: when the answer is lost it is not repeated, and the error says to check HighLevel.',
    inputSchema: {
      contactId: z.string().min(1).describe('the HighLevel contact id'),
      workflowId: z.string().min(1).describe('the workflow id (from its URL in HighLevel)'),
      eventStartTime: z.string().optional().describe('ISO-8601 date-time the workflow\'s event starts'),
      dryRun: dryRunInput,
    },
    annotations: WRITE,
  }, (args) => guarded(async () =>
    answer({ ...(await addToWorkflow(ops(await locationFor(undefined, args.contactId)), args.contactId, args.workflowId,
      args.eventStartTime !== undefined ? { eventStartTime: args.eventStartTime } : {}, writeOptions(args.dryRun))) })));

  server.registerTool('remove_from_workflow', {
    title: 'Remove a contact from a workflow',
    description: 'Takes a contact out of a HighLevel workflow.',
    inputSchema: { contactId: z.string().min(1).describe('the HighLevel contact id'), workflowId: z.string().min(1).describe('the workflow id'), dryRun: dryRunInput },
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await removeFromWorkflow(ops(await locationFor(undefined, args.contactId)), args.contactId, args.workflowId, writeOptions(args.dryRun))) })));

  server.registerTool('bulk_tag', {
    title: 'Tag many contacts',
    description: 'Adds (or removes) tags on many contacts in HighLevel, in chunks, written through to the mirror. Choose the contacts by ids, a named segment, or a tag rule on the mirror (whereTags, match, excludeTags). dryRun says how many contacts and which chunks, and sends nothing.',
    inputSchema: {
      action: z.enum(['add', 'remove']).describe('add the tags, or remove them'),
      tags: z.array(z.string()).min(1).describe('the tags to add or remove'),
      ids: z.array(z.string()).min(1).optional().describe('these contacts'),
      segment: z.string().optional().describe('the contacts of a named segment from the config file'),
      whereTags: z.array(z.string()).min(1).optional().describe('the mirror\'s contacts with these tags'),
      match: z.enum(['any', 'all']).optional().describe('with whereTags: "any" (default) or "all" of them'),
      excludeTags: z.array(z.string()).optional().describe('with segment or whereTags: leave out contacts with any of these'),
      locationId: z.string().optional().describe('required when several locations are configured'),
      dryRun: dryRunInput,
    },
    annotations: { ...WRITE, idempotentHint: true },
  }, (args) => guarded(async () => {
    const { selection, location } = selectionOf(args, deps.config);
    const outcome = await bulkTag(ops(await locationFor(args.locationId ?? location)), { type: args.action, tags: args.tags, selection }, { dryRun: args.dryRun ?? false });
    const result = answer({ ...outcome });
    return 'dryRun' in outcome || (outcome.failed.length === 0 && !outcome.stopped) ? result : { ...result, isError: true };
  }));
}
