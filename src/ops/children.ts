// What task and note operations share: both hang off a contact the mirror must hold, both delete
// the same way (a retry that finds nothing left has succeeded) and both list from the mirror or live.
import { markChildDeleted } from '../db/children.ts';
import { isContactLive, mirroredChildren, writeContact } from '../db/write-through.ts';
import { plan, type OpsContext, type WriteOptions } from './context.ts';
import { deleteOnce, type DeleteResult } from './contacts.ts';
import { runWrite, wrapped, type Outcome } from './run.ts';
import { checkId } from './validate.ts';

type Table = 'tasks' | 'notes';

/** Mirrors the contact first when the mirror has never seen it (tasks and notes hang off it). */
export async function ensureContactMirrored(ctx: OpsContext, contactId: string): Promise<() => void> {
  if (isContactLive(ctx.db, contactId)) return () => {};
  const contact = await ctx.client.getContact(ctx.locationId, contactId);
  return () => writeContact(ctx.db, contact, ctx.locationId, ctx.clock);
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
      return { result: { id: childId, alreadyGone, replayed: false }, mirror: () => { markChildDeleted(ctx.db, table, childId, ctx.clock); } };
    },
  }) as Outcome<O, DeleteResult>;
}

/** A contact's tasks or notes from the mirror, or from HighLevel with `live`. */
export async function listChildren<T>(ctx: OpsContext, table: Table, contactId: string, live: boolean | undefined, fetchLive: (contactId: string) => Promise<T[]>): Promise<T[]> {
  const id = checkId('contactId', contactId);
  if (!live) return mirroredChildren<T>(ctx.db, table, id);
  return wrapped(`${table} list`, () => fetchLive(id));
}
