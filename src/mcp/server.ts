// The MCP face: tools an assistant calls. Reads answer from the mirror on either engine
// (mirror.mcpReads(): src/db/mcp-reads.ts on SQLite, src/db/pg/mcp-reads.ts on PostgreSQL; the
// contact view, the status report) with no HighLevel call; writes go through the operations
// layer (src/ops), which validates, rate-limits, never retries a create blindly and writes
// through to the mirror. The HighLevel client is asked for only when a write runs.
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import type { Config } from '../config/schema.ts';
import type { Mirror } from '../db/mirror.ts';
import type { GhlClient } from '../ghl/client.ts';
import type { Logger } from '../log.ts';
import {
  completeTask, createContact, createNote, createTask, deleteContact, deleteNote, deleteTask, OperationInputError, tagContact, untagContact,
  updateContact, updateNote, updateTask, upsertContact,
  type OpsContext, type WriteOptions,
} from '../ops/index.ts';
import { mirrorStatusReport } from '../status/report.ts';
import { registerContactActionTools } from './contact-action-tools.ts';
import { syncAll } from '../sync/run.ts';
import { namedSegmentRule, registerSegmentTools } from './segment-tools.ts';
import {
  DEFAULT_SQL_ROWS, MAX_LIMIT, answer, refusal, guarded, decodeCursor, clampLimit, withCursor, limitInput, cursorInput, dryRunInput, syncedAtOutput, id, contactSummary, noteSummary, READ, taskSummary, WRITE,
} from './tool-kit.ts';

export { MAX_LIMIT } from './tool-kit.ts';

export interface McpDeps {
  /** The mirror on either engine (SQLite file or PostgreSQL): every read goes through mirror.mcpReads(). */
  mirror: Mirror;
  config: Pick<Config, 'locations' | 'status' | 'rateLimit' | 'phoneCountry' | 'sync' | 'segments'>;
  /** Made on first use: reads never build the client. */
  client: () => GhlClient;
  /** Where a sync this face runs logs (stderr: stdout carries the protocol). */
  logger: Logger;
  version: string;
}

export function createMcpServer(deps: McpDeps): { server: McpServer; close(): Promise<void> } {
  const { mirror, config } = deps;
  const server = new McpServer({ name: 'ghl-etl', version: deps.version });
  const reads = mirror.mcpReads();

  /** The location a write acts in: the one given, the contact's in the mirror, or the only configured one. */
  async function locationFor(given: string | undefined, contactId?: string): Promise<string> {
    const configured = config.locations.map((l) => l.id);
    if (given !== undefined) {
      if (!configured.includes(given)) throw new OperationInputError('locationId', `${given} is not configured (configured: ${configured.join(', ') || 'none'})`);
      return given;
    }
    const mirrored = contactId !== undefined ? await reads.mirroredContactLocation(contactId) : undefined;
    if (mirrored !== undefined) return mirrored;
    if (configured.length === 1) return configured[0]!;
    if (configured.length === 0) throw new OperationInputError('locationId', 'no locations are configured: set GHL_LOCATION_ID and GHL_TOKEN, or "locations" in the config file');
    throw new OperationInputError('locationId', `several locations are configured: give locationId (one of ${configured.join(', ')})`);
  }
  const ops = (locationId: string): OpsContext => ({ db: mirror, client: deps.client(), locationId, config });
  const writeOptions = (dryRun: boolean | undefined): WriteOptions => (dryRun ? { dryRun: true } : {});

  // ---- reads ------------------------------------------------------------------------------

  server.registerTool('search_contacts', {
    title: 'Search contacts',
    description: 'Live contacts from the mirror by text (name, email, phone, company), tags (any or all), excluded tags and location; pages with cursor/nextCursor. No HighLevel call.',
    inputSchema: {
      query: z.string().optional().describe('text found in the name, email, phone or company'),
      tags: z.array(z.string()).optional().describe('contacts with these tags (see match)'),
      tag: z.string().optional().describe('shorthand for tags: [tag]'),
      match: z.enum(['any', 'all']).optional().describe('"any" (default): at least one of tags; "all": every one'),
      excludeTags: z.array(z.string()).optional().describe('leave out contacts with any of these tags'),
      locationId: z.string().optional(),
      segment: z.string().optional().describe('a named segment of the config file ("segments"): only its contacts (with the other criteria too)'),
      limit: limitInput,
      cursor: cursorInput,
    },
    outputSchema: { contacts: z.array(contactSummary), nextCursor: z.string().optional(), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => {
    const tags = [...(args.tags ?? []), ...(args.tag !== undefined ? [args.tag] : [])];
    const after = decodeCursor(args.cursor);
    const found = await reads.searchContacts({
      ...(args.query !== undefined ? { query: args.query } : {}),
      tags, ...(args.match !== undefined ? { match: args.match } : {}),
      ...(args.excludeTags !== undefined ? { excludeTags: args.excludeTags } : {}),
      ...(args.locationId !== undefined ? { locationId: args.locationId } : {}),
      ...(args.segment !== undefined ? { rule: namedSegmentRule(config, args.segment) } : {}),
      limit: clampLimit(args.limit), ...(after !== undefined ? { after } : {}),
    });
    return answer({ contacts: found.rows, ...withCursor(found.after), syncedAt: await reads.lastSyncedAt(args.locationId) });
  }));

  server.registerTool('get_contact', {
    title: 'Get a contact',
    description: 'One contact\'s 360° view from the mirror (as `ghl-etl contacts show ID --json`): profile, tags, custom fields by name, tasks, notes, recent activity.',
    inputSchema: { id: id('the HighLevel contact id') },
    outputSchema: z.looseObject({ source: z.literal('mirror'), profile: z.looseObject({ id: z.string() }), syncedAt: syncedAtOutput }),
    annotations: READ,
  }, (args) => guarded(async () => {
    const view = await mirror.contactView(args.id);
    if (!view) return refusal(`contact ${args.id} is not in the mirror: check the id (search_contacts finds it by name or email), or run sync_location if it is new`);
    return answer({ source: 'mirror', ...view, syncedAt: view.profile.syncedAt });
  }));

  server.registerTool('list_tasks', {
    title: 'List tasks',
    description: 'Tasks from the mirror: of one contact, open, completed or overdue, due before a time, assigned to a user; pages with cursor/nextCursor.',
    inputSchema: {
      contactId: z.string().optional(),
      status: z.enum(['open', 'completed', 'overdue']).optional(),
      dueBefore: z.iso.datetime({ offset: true }).optional().describe('ISO-8601 time: tasks due before it'),
      assignedTo: z.string().optional().describe('a HighLevel user id'),
      limit: limitInput,
      cursor: cursorInput,
    },
    outputSchema: { tasks: z.array(taskSummary), nextCursor: z.string().optional(), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => {
    const after = decodeCursor(args.cursor);
    const found = await reads.listTaskPage({
      ...(args.contactId !== undefined ? { contactId: args.contactId } : {}),
      ...(args.status !== undefined ? { status: args.status } : {}),
      ...(args.dueBefore !== undefined ? { dueBefore: args.dueBefore } : {}),
      ...(args.assignedTo !== undefined ? { assignedTo: args.assignedTo } : {}),
      now: new Date().toISOString(), limit: clampLimit(args.limit), ...(after !== undefined ? { after } : {}),
    });
    return answer({ tasks: found.rows, ...withCursor(found.after), syncedAt: await reads.lastSyncedAt() });
  }));

  server.registerTool('search_notes', {
    title: 'Search notes',
    description: 'Notes from the mirror holding every word of the query (full-text), optionally of one contact; pages with cursor/nextCursor.',
    inputSchema: { query: z.string().min(1), contactId: z.string().optional(), limit: limitInput, cursor: cursorInput },
    outputSchema: { notes: z.array(noteSummary), nextCursor: z.string().optional(), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => {
    const after = decodeCursor(args.cursor);
    const found = await reads.searchNotePage({
      query: args.query, ...(args.contactId !== undefined ? { contactId: args.contactId } : {}),
      limit: clampLimit(args.limit), ...(after !== undefined ? { after } : {}),
    });
    return answer({ notes: found.rows, ...withCursor(found.after), syncedAt: await reads.lastSyncedAt() });
  }));

  server.registerTool('list_tags', {
    title: 'List tags',
    description: 'Every tag on live contacts in the mirror, with how many contacts carry it, most used first.',
    inputSchema: { locationId: z.string().optional() },
    outputSchema: { tags: z.array(z.object({ tag: z.string(), count: z.number().int() })), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => answer({ tags: await reads.tagCounts(args.locationId), syncedAt: await reads.lastSyncedAt(args.locationId) })));

  server.registerTool('list_custom_fields', {
    title: 'List custom fields',
    description: 'The custom field definitions in the mirror: id, name, key, data type.',
    inputSchema: { locationId: z.string().optional() },
    outputSchema: { fields: z.array(z.object({ id: z.string(), locationId: z.string(), name: z.string(), fieldKey: z.string().nullable(), dataType: z.string().nullable() })), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => answer({ fields: await reads.customFieldList(args.locationId), syncedAt: await reads.lastSyncedAt(args.locationId) })));

  server.registerTool('find_duplicates', {
    title: 'Find duplicates',
    description: 'Groups of live contacts in the mirror sharing an email (any case) or a phone, largest first.',
    inputSchema: { by: z.enum(['email', 'phone']), limit: limitInput },
    outputSchema: { groups: z.array(z.object({ value: z.string(), contactIds: z.array(z.string()) })), truncated: z.boolean(), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => answer({ ...(await reads.duplicateGroups(args.by, clampLimit(args.limit))), syncedAt: await reads.lastSyncedAt() })));

  server.registerTool('sql_query', {
    title: 'Read-only SQL',
    description: 'One read-only SQL statement (SELECT / WITH) against the mirror (tables contacts, contact_tags, tasks, notes, custom_fields, ...; views contacts_wide, open_tasks, contact_activity; notes_fts, tasks_fts). Anything that would write is refused. Rows are capped.',
    inputSchema: { sql: z.string().min(1), limit: z.number().int().min(1).optional().describe(`row cap (default ${DEFAULT_SQL_ROWS}, at most ${MAX_LIMIT})`) },
    outputSchema: { columns: z.array(z.string()), rows: z.array(z.record(z.string(), z.unknown())), truncated: z.boolean(), syncedAt: syncedAtOutput },
    annotations: READ,
  }, (args) => guarded(async () => {
    const result = await reads.sqlQuery(args.sql, Math.min(args.limit ?? DEFAULT_SQL_ROWS, MAX_LIMIT));
    return answer({ ...result, syncedAt: await reads.lastSyncedAt() });
  }));

  server.registerTool('mirror_status', {
    title: 'Mirror status',
    description: 'Per location: the last sync run, when the data was last fresh, the API budget used in 24 hours, the last error.',
    inputSchema: {},
    outputSchema: z.looseObject({ syncedAt: syncedAtOutput }),
    annotations: READ,
  }, () => guarded(async () => answer({ ...(await mirrorStatusReport(mirror, config)), syncedAt: await reads.lastSyncedAt() })));

  registerSegmentTools(server, { ...deps, reads });

  // ---- writes -----------------------------------------------------------------------------

  const contactFields = {
    email: z.string().optional(), phone: z.string().optional(), firstName: z.string().optional(), lastName: z.string().optional(),
    name: z.string().optional(), companyName: z.string().optional(), source: z.string().optional(),
    tags: z.array(z.string()).optional().describe('tags to add (never replaces the others)'),
    fields: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional()
      .describe('custom field values by the field\'s name, key or id'),
  };

  server.registerTool('create_contact', {
    title: 'Create a contact',
    description: 'Creates a contact in HighLevel (validated, phone normalised, never duplicated by a retry) and in the mirror at once.',
    inputSchema: { ...contactFields, locationId: z.string().optional().describe('required when several locations are configured'), dryRun: dryRunInput },
    annotations: WRITE,
  }, ({ locationId, dryRun, ...input }) => guarded(async () =>
    answer({ ...(await createContact(ops(await locationFor(locationId)), input, writeOptions(dryRun))) })));

  server.registerTool('update_contact', {
    title: 'Update a contact',
    description: 'Changes a contact\'s fields in HighLevel and the mirror; tags given are added.',
    inputSchema: { id: id('the HighLevel contact id'), ...contactFields, dryRun: dryRunInput },
    annotations: WRITE,
  }, ({ id: contactId, dryRun, ...input }) => guarded(async () =>
    answer({ ...(await updateContact(ops(await locationFor(undefined, contactId)), contactId, input, writeOptions(dryRun))) })));

  server.registerTool('upsert_contact', {
    title: 'Upsert a contact',
    description: 'Creates the contact, or updates the one HighLevel matches by email or phone; warns when HighLevel drops a phone.',
    inputSchema: { ...contactFields, locationId: z.string().optional().describe('required when several locations are configured'), dryRun: dryRunInput },
    annotations: WRITE,
  }, ({ locationId, dryRun, ...input }) => guarded(async () =>
    answer({ ...(await upsertContact(ops(await locationFor(locationId)), input, writeOptions(dryRun))) })));

  server.registerTool('delete_contact', {
    title: 'Delete a contact',
    description: 'Deletes a contact in HighLevel; the mirror keeps it marked deleted.',
    inputSchema: { id: id('the HighLevel contact id'), dryRun: dryRunInput },
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await deleteContact(ops(await locationFor(undefined, args.id)), args.id, writeOptions(args.dryRun))) })));

  server.registerTool('add_tags', {
    title: 'Add tags',
    description: 'Adds tags to a contact in HighLevel and the mirror.',
    inputSchema: { id: id('the HighLevel contact id'), tags: z.array(z.string()).min(1), dryRun: dryRunInput },
    annotations: { ...WRITE, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await tagContact(ops(await locationFor(undefined, args.id)), args.id, args.tags, writeOptions(args.dryRun))) })));

  server.registerTool('remove_tags', {
    title: 'Remove tags',
    description: 'Removes tags from a contact in HighLevel and the mirror.',
    inputSchema: { id: id('the HighLevel contact id'), tags: z.array(z.string()).min(1), dryRun: dryRunInput },
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await untagContact(ops(await locationFor(undefined, args.id)), args.id, args.tags, writeOptions(args.dryRun))) })));

  server.registerTool('create_task', {
    title: 'Create a task',
    description: 'Creates a task on a contact in HighLevel (once, even when an answer is lost) and in the mirror at once.',
    inputSchema: {
      contactId: id('the HighLevel contact id'), title: z.string().min(1),
      dueDate: z.string().min(1).describe('ISO-8601 date-time'), body: z.string().optional(), assignedTo: z.string().optional(),
      dryRun: dryRunInput,
    },
    annotations: WRITE,
  }, ({ contactId, dryRun, ...input }) => guarded(async () =>
    answer({ ...(await createTask(ops(await locationFor(undefined, contactId)), contactId, input, writeOptions(dryRun))) })));

  server.registerTool('complete_task', {
    title: 'Complete a task',
    description: 'Marks a contact\'s task completed (or, with completed: false, open again) in HighLevel and the mirror.',
    inputSchema: { contactId: id('the HighLevel contact id'), taskId: id('the task id'), completed: z.boolean().optional(), dryRun: dryRunInput },
    annotations: { ...WRITE, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await completeTask(ops(await locationFor(undefined, args.contactId)), args.contactId, args.taskId, { undo: args.completed === false }, writeOptions(args.dryRun))) })));

  server.registerTool('update_task', {
    title: 'Update a task',
    description: 'Changes a contact\'s task (title, due date, body, assignee, completed) in HighLevel and the mirror.',
    inputSchema: {
      contactId: id('the HighLevel contact id'), taskId: id('the task id'), title: z.string().min(1).optional(),
      dueDate: z.string().min(1).optional().describe('ISO-8601 date-time'), body: z.string().optional(), assignedTo: z.string().optional(),
      completed: z.boolean().optional(), dryRun: dryRunInput,
    },
    annotations: WRITE,
  }, ({ contactId, taskId, dryRun, ...input }) => guarded(async () =>
    answer({ ...(await updateTask(ops(await locationFor(undefined, contactId)), contactId, taskId, input, writeOptions(dryRun))) })));

  server.registerTool('delete_task', {
    title: 'Delete a task',
    description: 'Deletes a contact\'s task in HighLevel; the mirror keeps it marked deleted.',
    inputSchema: { contactId: id('the HighLevel contact id'), taskId: id('the task id'), dryRun: dryRunInput },
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await deleteTask(ops(await locationFor(undefined, args.contactId)), args.contactId, args.taskId, writeOptions(args.dryRun))) })));

  server.registerTool('create_note', {
    title: 'Create a note',
    description: 'Adds a note to a contact in HighLevel (once) and in the mirror at once.',
    inputSchema: { contactId: id('the HighLevel contact id'), body: z.string().min(1), dryRun: dryRunInput },
    annotations: WRITE,
  }, (args) => guarded(async () =>
    answer({ ...(await createNote(ops(await locationFor(undefined, args.contactId)), args.contactId, { body: args.body }, writeOptions(args.dryRun))) })));

  server.registerTool('update_note', {
    title: 'Update a note',
    description: 'Replaces the body of a contact\'s note in HighLevel and the mirror.',
    inputSchema: { contactId: id('the HighLevel contact id'), noteId: id('the note id'), body: z.string().min(1), dryRun: dryRunInput },
    annotations: { ...WRITE, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await updateNote(ops(await locationFor(undefined, args.contactId)), args.contactId, args.noteId, { body: args.body }, writeOptions(args.dryRun))) })));

  server.registerTool('delete_note', {
    title: 'Delete a note',
    description: 'Deletes a contact\'s note in HighLevel; the mirror keeps it marked deleted.',
    inputSchema: { contactId: id('the HighLevel contact id'), noteId: id('the note id'), dryRun: dryRunInput },
    annotations: { ...WRITE, destructiveHint: true, idempotentHint: true },
  }, (args) => guarded(async () =>
    answer({ ...(await deleteNote(ops(await locationFor(undefined, args.contactId)), args.contactId, args.noteId, writeOptions(args.dryRun))) })));

  server.registerTool('sync_location', {
    title: 'Sync a location',
    description: 'Runs the sync pipeline (incremental unless full) for one configured location and returns its summary. Spends API calls.',
    inputSchema: {
      locationId: z.string().optional().describe('required when several locations are configured'),
      full: z.boolean().optional().describe('re-read every contact\'s tasks and notes'),
      dryRun: z.boolean().optional().describe('say which location and mode would run, and call nothing'),
    },
    annotations: { ...WRITE, idempotentHint: true },
  }, (args) => guarded(async () => {
    const locationId = await locationFor(args.locationId);
    if (args.dryRun) return answer({ dryRun: true, locationId, full: args.full ?? false, syncedAt: await reads.lastSyncedAt(locationId) });
    const result = await syncAll({
      db: mirror, client: deps.client(), locations: config.locations.filter((l) => l.id === locationId),
      full: args.full ?? false, lister: config.sync.lister, config, logger: deps.logger,
    });
    if (result.lockedBy) {
      const h = result.lockedBy;
      return refusal(`another sync is running on this database (pid ${h.pid} on ${h.hostname}, since ${h.acquiredAt}): try again when it finishes`);
    }
    const run = result.runs[0];
    const summary = { outcome: result.outcome, runs: result.runs, syncedAt: await reads.lastSyncedAt(locationId) };
    return run && run.status !== 'ok' ? { ...answer(summary), isError: true } : answer(summary);
  }));

  registerContactActionTools(server, { ops, locationFor, config });

  // ---- resources --------------------------------------------------------------------------

  server.registerResource('schema', 'ghl://schema', {
    title: 'Mirror schema',
    description: 'The tables and views of the mirror with their columns, for sql_query.',
    mimeType: 'application/json',
  }, async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(await reads.mirrorSchema()) }] }));

  server.registerResource('contact', new ResourceTemplate('ghl://contacts/{id}', { list: undefined }), {
    title: 'Contact',
    description: 'One contact\'s 360° view from the mirror (as get_contact).',
    mimeType: 'application/json',
  }, async (uri, variables) => {
    const contactId = String(variables.id);
    const view = await mirror.contactView(decodeURIComponent(contactId));
    if (!view) throw new Error(`contact ${contactId} is not in the mirror`);
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify({ source: 'mirror', ...view, syncedAt: view.profile.syncedAt }) }] };
  });

  return {
    server,
    close: () => reads.close(),
  };
}
