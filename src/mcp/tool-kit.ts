// What every MCP tool file shares: the answer and refusal shapes, cursors, limits and the input
// and output pieces the tools are described with, and the read / write annotations.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { OperationInputError } from '../ops/index.ts';

/** Lists return at most this many rows per page; a larger `limit` is clamped. */
export const MAX_LIMIT = 500;
export const DEFAULT_LIMIT = 50;
export const DEFAULT_SQL_ROWS = 100;

/** A tool's answer: the JSON in `structuredContent` and, for clients that read only text, as text. */
export function answer(data: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
}

export function refusal(message: string): CallToolResult {
  return { content: [{ type: 'text', text: message }], isError: true };
}

/** Runs a handler; any failure (bad input naming the field, HighLevel's refusal in its words) is a tool error. */
export async function guarded(fn: () => Promise<CallToolResult> | CallToolResult): Promise<CallToolResult> {
  try {
    return await fn();
  } catch (err) {
    return refusal(err instanceof Error ? err.message : String(err));
  }
}

export const encodeCursor = (id: string) => Buffer.from(id, 'utf8').toString('base64url');
export function decodeCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (id === '' || encodeCursor(id) !== cursor) throw new OperationInputError('cursor', 'not a cursor this server gave: pass a nextCursor as it came, or none for the first page');
  return id;
}
export const clampLimit = (limit: number | undefined) => Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT);
export const withCursor = (after: string | undefined) => (after !== undefined ? { nextCursor: encodeCursor(after) } : {});

export const limitInput = z.number().int().min(1).optional().describe(`rows per page (default ${DEFAULT_LIMIT}, at most ${MAX_LIMIT})`);
export const cursorInput = z.string().optional().describe('the nextCursor of the previous page');
export const dryRunInput = z.boolean().optional().describe('return the request(s) that would be sent, and send nothing');
export const syncedAtOutput = z.string().nullable().describe('when the last successful sync finished: the data is as fresh as this');
export const id = (what: string) => z.string().min(1).describe(what);

export const contactSummary = z.object({
  id: z.string(), locationId: z.string(), firstName: z.string().nullable(), lastName: z.string().nullable(),
  email: z.string().nullable(), phone: z.string().nullable(), companyName: z.string().nullable(),
  tags: z.array(z.string()), dateUpdated: z.string().nullable(),
});

export const taskSummary = z.object({
  id: z.string(), contactId: z.string(), locationId: z.string(), title: z.string().nullable(), body: z.string().nullable(),
  dueDate: z.string().nullable(), completed: z.boolean(), assignedTo: z.string().nullable(),
});

export const noteSummary = z.object({
  id: z.string(), contactId: z.string(), locationId: z.string(), body: z.string().nullable(), userId: z.string().nullable(), dateAdded: z.string().nullable(),
});

export const READ = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;
export const WRITE = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true } as const;
