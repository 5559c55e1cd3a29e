// run_segment: a named segment of the config file, or an ad-hoc one, previewed from the mirror
// (how many contacts, the first ones) and, when asked, written as the very file `ghl-etl export`
// writes for it: the export job itself runs, so the rows and bytes are the same.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { McpReads } from '../db/mcp-reads.ts';
import {
  checkRule, describeRule, ExportUsageError, exportNamedSegment, exportSegment, findSegment, formatOfPath, ruleFromSegment, STDOUT,
  type ExportResult, type SegmentRule,
} from '../export/index.ts';
import { OperationInputError } from '../ops/index.ts';
import type { McpDeps } from './server.ts';
import { answer, clampLimit, contactSummary, guarded, limitInput, syncedAtOutput } from './tool-kit.ts';

/** The checked rule of the named segment; OperationInputError on `field` naming the known ones. */
export function namedSegmentRule(config: Pick<Config, 'segments'>, name: string, field = 'segment'): SegmentRule {
  try {
    return checkRule(ruleFromSegment(findSegment(config, name)));
  } catch (err) {
    throw new OperationInputError(field, (err as Error).message);
  }
}

const tagsInput = z.array(z.string().trim().min(1)).optional();

export function registerSegmentTools(server: McpServer, deps: McpDeps & { reads: McpReads }): void {
  const { mirror, config, reads } = deps;

  server.registerTool('run_segment', {
    title: 'Run a segment',
    description: 'How many contacts a segment selects and the first of them, from the mirror: a named segment of the config file ("segments") '
      + 'or an ad-hoc one (tags any/all, excluded tags, location). With csvPath, also writes the file `ghl-etl export` writes for it '
      + '(replacing one already there). No HighLevel call.',
    inputSchema: {
      name: z.string().min(1).optional().describe('a segment of the config file; leave out for an ad-hoc segment'),
      tags: tagsInput.describe('ad-hoc: contacts with these tags (see match); none = every contact'),
      match: z.enum(['any', 'all']).optional().describe('ad-hoc: "any" (default) of tags, or "all" of them'),
      excludeTags: tagsInput.describe('ad-hoc: leave out contacts with any of these tags'),
      locationId: z.string().min(1).optional().describe('ad-hoc: only this location\'s contacts'),
      limit: limitInput,
      csvPath: z.string().min(1).optional().describe('write the segment\'s CSV here (.xlsx: a workbook), as `ghl-etl export` would; relative to the server\'s working directory'),
    },
    outputSchema: {
      segment: z.string().describe('the segment\'s name, or a description of the ad-hoc rule'),
      count: z.number().int(),
      contacts: z.array(contactSummary),
      file: z.object({ path: z.string(), format: z.string(), rows: z.number().int(), bytes: z.number().int(), sha256: z.string() }).optional(),
      syncedAt: syncedAtOutput,
    },
    // It writes no HighLevel data, but with csvPath it replaces a local file.
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  }, (args) => guarded(async () => {
    const adHoc = args.tags !== undefined || args.match !== undefined || args.excludeTags !== undefined || args.locationId !== undefined;
    if (args.name !== undefined && adHoc) {
      throw new OperationInputError('name', 'give a segment name, or tags / match / excludeTags / locationId for an ad-hoc segment, not both');
    }
    if (args.csvPath === STDOUT) throw new OperationInputError('csvPath', 'standard output carries the MCP protocol here: give a file path');
    const rule: SegmentRule = args.name !== undefined
      ? namedSegmentRule(config, args.name, 'name')
      : checkRule({
        ...(args.tags !== undefined ? { tags: args.tags } : {}),
        ...(args.match !== undefined ? { match: args.match } : {}),
        ...(args.excludeTags !== undefined ? { excludeTags: args.excludeTags } : {}),
        ...(args.locationId !== undefined ? { locationId: args.locationId } : {}),
      });
    const segment = args.name !== undefined ? findSegment(config, args.name).name : describeRule(rule);
    const preview = await reads.segmentPreview(rule, clampLimit(args.limit));
    let file: ExportResult | undefined;
    if (args.csvPath !== undefined) {
      const format = formatOfPath(args.csvPath);
      const overrides = { out: args.csvPath, ...(format !== undefined ? { format } : {}) };
      try {
        file = args.name !== undefined
          ? await exportNamedSegment(mirror, config, args.name, overrides)
          : await exportSegment(mirror, { ...overrides, rule, segment });
      } catch (err) {
        // A path that cannot be the file (a folder, a file on the way) is bad input, named as such.
        throw err instanceof ExportUsageError ? new OperationInputError('csvPath', err.message) : err;
      }
    }
    const locationId = args.name !== undefined ? rule.locationId : args.locationId;
    return answer({
      segment, count: preview.count, contacts: preview.contacts,
      ...(file ? { file: { path: file.path, format: file.format, rows: file.rows, bytes: file.bytes, sha256: file.sha256 } } : {}),
      syncedAt: await reads.lastSyncedAt(locationId),
    });
  }));
}
