// What task and note operations share: both hang off a contact the mirror must hold, both delete
// the same way (a retry that finds nothing left has succeeded) and both list from the mirror or live.
import type { MirrorStatements } from '../db/mirror.ts';
import { mirrorOfOps, plan, type OpsContext, type WriteOptions } from './context.ts';
import { deleteOnce, type DeleteResult } from './contacts.ts';
import { runWrite, wrapped, type Outcome } from './run.ts';
import { checkId } from './validate.ts';

type Table = 'tasks' | 'notes';

/** Mirrors the contact first when the mirror has never seen it (tasks and notes hang off it). */
export async function ensureContactMirrored(ctx: OpsContext, contactId: string): Promise<(tx: MirrorStatements) => Promise<void>> {
  if (await mirrorOfOps(ctx).isContactLive(contactId)) return async () => {};
  const contact = await ctx.client.getContact(ctx.locationId, contactId);
  return (tx) => tx.writeContact(contact, ctx.locationId, ctx.clock);
}

export async function deleteChild<O extends WriteOptions>(
  ctx: OpsContext, table: Table, ids: { contactId: string; childId: string }, opts: O | undefined,
  send: (contactId: string, childId: string) => Promise<void>,
): Promise<Outcome<O, DeleteResult>> {
  const contactId = checkId('contactId', ids.contactId);
  const childId = checkId(table === 'tasks' ? 'taskId' : 'noteId', ids.childId);
  const action = table === 'tasks' ? 'deleteTask' : 'deleteNote';
  const params: Record<string, string> = table === 'tasks' ? { contactId, taskId: childId } : { contactId, id: childId };
  return await runWrite<DeleteResult>(ctx, opts, {
    action,
    contactId,
    planned: [plan(action, params)],
    send: async () => {
      const alreadyGone = await deleteOnce(() => send(contactId, childId), table === 'tasks' ? 'task' : 'note');
      return { result: { id: childId, alreadyGone, replayed: false }, mirror: (tx) => tx.markChildDeleted(table, childId, ctx.clock) };
    },
  }) as Outcome<O, DeleteResult>;
}

/** A contact's tasks or notes from the mirror, or from HighLevel with `live`. */
export async function listChildren<T>(ctx: OpsContext, table: Table, contactId: string, live: boolean | undefined, fetchLive: (contactId: string) => Promise<T[]>): Promise<T[]> {
  const id = checkId('contactId', contactId);
  if (!live) return await mirrorOfOps(ctx).mirroredChildren(table, id) as T[];
  return wrapped(`${table} list`, () => fetchLive(id));
}
